//! Wire-model leniency, one policy for every provider and for generated and hand-written models
//! alike: unknown enum values are kept ([`open_enum!`](crate::open_enum)), extra fields are
//! ignored (serde's default), `null` where the spec promises a value reads as the default
//! ([`null_as_default`]) — but leniency never invents identity: an identifying field that is
//! missing, `null` or empty is a decode error ([`required_id`]), and a value outside its
//! documented range is a decode error ([`unit_interval`], [`non_negative`]), so it can never
//! change control flow.

use serde::{Deserialize, Deserializer};

#[doc(hidden)]
pub mod reexport {
    pub use serde::*;
}

/// Deserializes `null` as the default value: for fields the spec says are never `null`. A
/// server that sends one anyway should not make a whole response undecodable.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An identifying string (an `id`, a task uuid): present, not `null`, not blank. Use with
/// `#[serde(deserialize_with = "…")]` and *without* `#[serde(default)]` on the field. The field
/// is a `String` or another type made from one (a [`Timestamp`](crate::Timestamp)).
pub fn required_id<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    let value = Option::<String>::deserialize(deserializer)?;
    match value {
        Some(id) if !id.trim().is_empty() => Ok(T::from(id)),
        Some(_) => Err(serde::de::Error::custom("the identifying field is empty")),
        None => Err(serde::de::Error::custom("the identifying field is null")),
    }
}

/// A number in `0.0..=1.0` (a confidence, a score); `null` reads as `None`.
pub fn unit_interval<'de, D>(deserializer: D) -> Result<Option<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<f64>::deserialize(deserializer)? {
        Some(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
        Some(v) => Err(serde::de::Error::custom(format_args!(
            "{v} is outside the documented range 0 to 1"
        ))),
        None => Ok(None),
    }
}

/// A count that must not be negative; `null` reads as `None`.
pub fn non_negative<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<i64>::deserialize(deserializer)? {
        Some(v) if v >= 0 => Ok(Some(v)),
        Some(v) => Err(serde::de::Error::custom(format_args!(
            "{v} is negative, but the value is a count"
        ))),
        None => Ok(None),
    }
}

/// Defines an open string enum: the listed values plus `Unknown(String)`, which keeps any
/// other value verbatim so that it round-trips. Equality and hashing compare wire strings, so
/// `Unknown("YES".into()) == Label::Yes`.
///
/// ```
/// vision_sdk_common::open_enum! {
///     /// A label.
///     Label { Yes = "YES", No = "NO", }
/// }
/// let l: Label = serde_json::from_str("\"MAYBE\"").unwrap();
/// assert!(l.is_unknown());
/// assert_eq!(serde_json::to_string(&l).unwrap(), "\"MAYBE\"");
/// assert_eq!(Label::from("YES"), Label::Yes);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        ///
        /// Open enum: a value the spec does not list deserializes to `Unknown` (kept verbatim, so
        /// it serializes back unchanged) instead of failing the whole response. Convert from a
        /// wire string with `From<&str>` / `parse()`; get it back with `as_str()` or `Display`.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version of the SDK does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The wire values the spec lists, in spec order.
            pub const KNOWN_VALUES: &'static [&'static str] = &[$($wire),+];

            /// The wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(value) => value,
                }
            }

            /// Whether the value is not one the spec lists.
            pub fn is_unknown(&self) -> bool {
                !Self::KNOWN_VALUES.contains(&self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $wire => Self::$variant, )+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Default for $name {
            /// `Unknown("")`, what a missing value deserializes to.
            fn default() -> Self {
                Self::Unknown(String::new())
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl $crate::internal::serde::reexport::Serialize for $name {
            fn serialize<S: $crate::internal::serde::reexport::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::internal::serde::reexport::Deserialize<'de> for $name {
            fn deserialize<D: $crate::internal::serde::reexport::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl $crate::internal::serde::reexport::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E: $crate::internal::serde::reexport::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }

                    fn visit_string<E: $crate::internal::serde::reexport::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                }

                deserializer.deserialize_string(Visitor)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Thing {
        #[serde(deserialize_with = "super::required_id")]
        id: String,
        #[serde(default, deserialize_with = "super::unit_interval")]
        confidence: Option<f64>,
        #[serde(default, deserialize_with = "super::non_negative")]
        count: Option<i64>,
        #[serde(default, deserialize_with = "super::null_as_default")]
        name: String,
    }

    #[test]
    fn identity_is_required_and_ranges_enforced() {
        let ok: Thing =
            serde_json::from_str(r#"{"id":"a","confidence":0.5,"count":null,"name":null,"x":1}"#)
                .unwrap();
        assert_eq!(
            (ok.id.as_str(), ok.confidence, ok.count, ok.name.as_str()),
            ("a", Some(0.5), None, "")
        );
        for bad in [
            r#"{"data":{"id":"a"}}"#,
            r#"{"id":null}"#,
            r#"{"id":"  "}"#,
            r#"{"id":"a","confidence":7.5}"#,
            r#"{"id":"a","count":-3}"#,
        ] {
            assert!(serde_json::from_str::<Thing>(bad).is_err(), "{bad}");
        }
    }
}
