//! The proto3 JSON mapping, as serde helpers.
//!
//! Clarifai's REST interface is the proto3 JSON form of its gRPC messages, with snake_case
//! field names. This module holds the pieces serde does not do by itself:
//!
//! * 64-bit integers ([`int64`], [`uint64`]) are JSON **strings**; numbers are accepted too.
//! * `bytes` ([`base64_bytes`]) are standard base64 **with padding**; decoding also accepts
//!   unpadded and URL-safe text, as protobuf's own parsers do.
//! * enums are accepted as number or name and sent as numbers ([`proto_enum!`](crate::proto_enum)
//!   types such as [`Visibility`](crate::models::Visibility)).
//! * `google.protobuf.Struct` is a JSON object, [`Struct`], whose key order is kept.
//! * zero values may be absent: every model field has a default, and zero values are not
//!   sent (except where the server needs them, such as an explicit `Concept.value` of `0.0`).
//!
//! It also holds the identity check: a resource decoded from a response must carry its `id`
//! ([`Identified`]).

use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

/// `google.protobuf.Struct`: a JSON object (metadata, model parameters). Key order is kept.
pub type Struct = serde_json::Map<String, serde_json::Value>;

/// Values that proto3 JSON leaves out when they are zero (empty, `false`, `0`, not set).
#[doc(hidden)]
pub trait IsZero {
    /// `true` for the zero value.
    fn is_zero(&self) -> bool;
}

macro_rules! is_zero_by_default {
    ($($t:ty),*) => {
        $(impl IsZero for $t {
            fn is_zero(&self) -> bool {
                *self == <$t>::default()
            }
        })*
    };
}

is_zero_by_default!(
    bool,
    i32,
    u32,
    i64,
    u64,
    f32,
    f64,
    crate::status::StatusCode
);

impl IsZero for String {
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
}

impl IsZero for Bytes {
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
}

impl<T> IsZero for Vec<T> {
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
}

impl<T> IsZero for Option<T> {
    fn is_zero(&self) -> bool {
        self.is_none()
    }
}

impl IsZero for Struct {
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
}

impl IsZero for serde_json::Value {
    fn is_zero(&self) -> bool {
        self.is_null()
    }
}

impl<K, V> IsZero for std::collections::BTreeMap<K, V> {
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
}

/// `int64` fields: sent as a JSON string, accepted as a string or a number.
pub mod int64 {
    use super::*;

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(v: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(v)
    }

    /// Accepts `"-12"`, `-12` or `null` (0).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        deserializer.deserialize_any(IntVisitor::<i64>(PhantomData))
    }
}

/// `uint64` fields: sent as a JSON string, accepted as a string or a number.
pub mod uint64 {
    use super::*;

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(v: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(v)
    }

    /// Accepts `"12"`, `12` or `null` (0).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(IntVisitor::<u64>(PhantomData))
    }
}

struct IntVisitor<T>(PhantomData<T>);

impl<T> Visitor<'_> for IntVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr + Default,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 64-bit integer as a string or a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format_args!("{v} is out of range")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format_args!("{v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // `1e3` or `5.0` are integers in proto3 JSON; anything fractional is not.
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(E::custom(format_args!("{v} is not an integer")));
        }
        if v < 0.0 {
            #[allow(clippy::cast_possible_truncation)] // integral; range checked by try_from
            self.visit_i64(v as i64)
        } else {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            self.visit_u64(v as u64)
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format_args!("`{v}` is not a 64-bit integer")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
}

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Decodes proto3 JSON `bytes`: standard or URL-safe base64, padded or not.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    if text.bytes().any(|b| b == b'-' || b == b'_') {
        URL_SAFE_LENIENT.decode(text)
    } else {
        STANDARD_LENIENT.decode(text)
    }
}

/// `bytes` fields: standard base64 with padding on the way out, lenient base64 on the way in.
/// (Request bodies that carry inputs skip this path: `requests::inputs_json` encodes their
/// media straight into the body.)
pub mod base64_bytes {
    use super::*;

    /// Serializes as padded standard base64.
    pub fn serialize<S: Serializer>(v: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
        // One allocation and one SIMD pass: faster than `collect_str` over a
        // `Base64Display`, whose small chunks each go through the serializer's escaping.
        serializer.serialize_str(&base64_simd::STANDARD.encode_to_string(v))
    }

    /// Accepts padded, unpadded or URL-safe base64, or `null` (empty).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        match text {
            None => Ok(Bytes::new()),
            Some(text) => decode_base64(&text)
                .map(Bytes::from)
                .map_err(|e| de::Error::custom(format_args!("invalid base64: {e}"))),
        }
    }
}

/// A resource that must carry its identity when it comes from the server.
pub trait Identified {
    /// What the resource is called in errors (`"input"`, `"model"`).
    const KIND: &'static str;
    /// The identifying field (`id`).
    fn identity(&self) -> &str;
}

fn check<T: Identified, E: de::Error>(item: &T) -> Result<(), E> {
    if item.identity().is_empty() {
        Err(E::custom(format_args!(
            "{} without an `id` in the response",
            T::KIND
        )))
    } else {
        Ok(())
    }
}

/// `deserialize_with` for a response's `Vec<T>` whose every item must have an id.
pub(crate) fn identified_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Identified + Deserialize<'de>,
{
    let items = Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default();
    for item in &items {
        check::<T, D::Error>(item)?;
    }
    Ok(items)
}

/// `deserialize_with` for a response's `Option<T>` that, when present, must have an id.
pub(crate) fn identified_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Identified + Deserialize<'de>,
{
    let item = Option::<T>::deserialize(deserializer)?;
    if let Some(item) = &item {
        check::<T, D::Error>(item)?;
    }
    Ok(item)
}

/// An open proto enum: the known values as variants plus `Unknown(i32)`, accepted as a number
/// or a name, sent as a number.
#[doc(hidden)]
#[macro_export]
macro_rules! proto_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            0 => $zero:literal,
            $( $(#[$vmeta:meta])* $variant:ident = $num:literal => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know; kept as its number.
            Unknown(i32),
            #[doc = concat!("The zero value, `", $zero, "` (not set).")]
            #[default]
            NotSet,
        }

        impl $name {
            /// The wire number.
            pub const fn number(self) -> i32 {
                match self {
                    $( Self::$variant => $num, )+
                    Self::Unknown(n) => n,
                    Self::NotSet => 0,
                }
            }

            /// The value of a wire number (0 is [`Self::NotSet`]).
            pub const fn from_number(n: i32) -> Self {
                match n {
                    0 => Self::NotSet,
                    $( $num => Self::$variant, )+
                    n => Self::Unknown(n),
                }
            }

            /// The proto name, `None` for unknown values.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($wire), )+
                    Self::Unknown(_) => None,
                    Self::NotSet => Some($zero),
                }
            }

            /// The value of a proto name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $zero => Some(Self::NotSet),
                    $( $wire => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl $crate::proto_json::IsZero for $name {
            fn is_zero(&self) -> bool {
                self.number() == 0
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i32(self.number())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::proto_json::deserialize_enum(d, stringify!($name), Self::from_number, Self::from_name)
            }
        }
    };
}

/// The deserializer behind [`proto_enum!`](crate::proto_enum).
#[doc(hidden)]
pub fn deserialize_enum<'de, D, T>(
    deserializer: D,
    type_name: &'static str,
    from_number: fn(i32) -> T,
    from_name: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct EnumVisitor<T> {
        type_name: &'static str,
        from_number: fn(i32) -> T,
        from_name: fn(&str) -> Option<T>,
    }

    impl<T> Visitor<'_> for EnumVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} number or name", self.type_name)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            i32::try_from(v)
                .map(self.from_number)
                .map_err(|_| E::custom(format_args!("{} {v} is out of range", self.type_name)))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            i32::try_from(v)
                .map(self.from_number)
                .map_err(|_| E::custom(format_args!("{} {v} is out of range", self.type_name)))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            if let Some(value) = (self.from_name)(v) {
                return Ok(value);
            }
            v.parse::<i32>()
                .map(self.from_number)
                .map_err(|_| E::custom(format_args!("unknown {} name `{v}`", self.type_name)))
        }

        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            Ok((self.from_number)(0))
        }
    }

    deserializer.deserialize_any(EnumVisitor {
        type_name,
        from_number,
        from_name,
    })
}

#[cfg(test)]
#[allow(unreachable_pub)] // the test enum of `proto_enum!` is `pub` in a private module
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Sample {
        #[serde(with = "uint64", skip_serializing_if = "IsZero::is_zero")]
        count: u64,
        #[serde(with = "int64", skip_serializing_if = "IsZero::is_zero")]
        delta: i64,
        #[serde(with = "base64_bytes", skip_serializing_if = "Bytes::is_empty")]
        blob: Bytes,
        #[serde(skip_serializing_if = "IsZero::is_zero")]
        color: Color,
    }

    crate::proto_enum! {
        /// A test enum.
        pub enum Color {
            0 => "COLOR_NOT_SET",
            /// Red.
            Red = 1 => "RED",
            /// Blue.
            Blue = 2 => "BLUE",
        }
    }

    #[test]
    fn sixty_four_bit_integers_are_strings_and_accept_numbers() {
        let s = Sample {
            count: u64::MAX,
            delta: -5,
            ..Sample::default()
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"count":"18446744073709551615","delta":"-5"}"#
        );
        let back: Sample = serde_json::from_str(r#"{"count":12,"delta":"-7"}"#).unwrap();
        assert_eq!((back.count, back.delta), (12, -7));
        let back: Sample = serde_json::from_str(r#"{"count":"3","delta":-2.0}"#).unwrap();
        assert_eq!((back.count, back.delta), (3, -2));
        let back: Sample = serde_json::from_str(r#"{"count":null}"#).unwrap();
        assert_eq!(back.count, 0);
        assert!(serde_json::from_str::<Sample>(r#"{"count":-1}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"count":"x"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"count":1.5}"#).is_err());
    }

    #[test]
    fn zero_values_are_omitted_and_tolerated_absent() {
        assert_eq!(serde_json::to_string(&Sample::default()).unwrap(), "{}");
        assert_eq!(
            serde_json::from_str::<Sample>("{}").unwrap(),
            Sample::default()
        );
    }

    #[test]
    fn bytes_are_padded_base64_and_decoding_is_lenient() {
        let s = Sample {
            blob: Bytes::from_static(&[0xfb, 0xff]),
            ..Sample::default()
        };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"blob":"+/8="}"#);
        for text in ["+/8=", "+/8", "-_8=", "-_8"] {
            let back: Sample = serde_json::from_str(&format!(r#"{{"blob":"{text}"}}"#)).unwrap();
            assert_eq!(&back.blob[..], &[0xfb, 0xff], "{text}");
        }
        assert!(serde_json::from_str::<Sample>(r#"{"blob":"!!"}"#).is_err());
    }

    #[test]
    fn enums_accept_numbers_and_names_and_are_sent_as_numbers() {
        let back: Sample = serde_json::from_str(r#"{"color":"BLUE"}"#).unwrap();
        assert_eq!(back.color, Color::Blue);
        let back: Sample = serde_json::from_str(r#"{"color":1}"#).unwrap();
        assert_eq!(back.color, Color::Red);
        let back: Sample = serde_json::from_str(r#"{"color":9}"#).unwrap();
        assert_eq!(back.color, Color::Unknown(9));
        assert_eq!(serde_json::to_string(&back).unwrap(), r#"{"color":9}"#);
        let back: Sample = serde_json::from_str(r#"{"color":"2"}"#).unwrap();
        assert_eq!(back.color, Color::Blue);
        assert!(serde_json::from_str::<Sample>(r#"{"color":"GREEN"}"#).is_err());
        assert_eq!(Color::from_number(0), Color::NotSet);
        assert_eq!(Color::Blue.name(), Some("BLUE"));
        assert_eq!(Color::from_name("RED"), Some(Color::Red));
        assert_eq!(Color::from_name("COLOR_NOT_SET"), Some(Color::NotSet));
        assert_eq!(Color::NotSet.name(), Some("COLOR_NOT_SET"));
        let s = Sample {
            color: Color::Red,
            ..Sample::default()
        };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"color":1}"#);
    }

    #[derive(Debug, Deserialize)]
    struct Thing {
        #[serde(default)]
        id: String,
    }

    impl Identified for Thing {
        const KIND: &'static str = "thing";
        fn identity(&self) -> &str {
            &self.id
        }
    }

    #[derive(Debug, Deserialize)]
    struct Things {
        #[serde(default, deserialize_with = "identified_vec")]
        things: Vec<Thing>,
        #[serde(default, deserialize_with = "identified_opt")]
        thing: Option<Thing>,
    }

    #[test]
    fn identity_is_required_in_responses() {
        let ok: Things =
            serde_json::from_str(r#"{"things":[{"id":"a"}],"thing":{"id":"b"}}"#).unwrap();
        assert_eq!((ok.things.len(), ok.thing.unwrap().id.as_str()), (1, "b"));
        let ok: Things = serde_json::from_str(r#"{"things":null}"#).unwrap();
        assert!(ok.things.is_empty() && ok.thing.is_none());
        let err = serde_json::from_str::<Things>(r#"{"things":[{"id":"a"},{}]}"#).unwrap_err();
        assert!(err.to_string().contains("thing without an `id`"), "{err}");
        assert!(serde_json::from_str::<Things>(r#"{"thing":{"id":""}}"#).is_err());
    }
}
