//! Clarifai status codes (`clarifai.api.status.StatusCode`) and the `Status` every response
//! carries.
//!
//! Every Clarifai response body has a `status` whose `code` decides success
//! ([`StatusCode::SUCCESS`], 10000) whatever the HTTP status was. [`StatusCode`] is an *open*
//! newtype over the wire number: codes this crate has never heard of are kept as they are, and
//! the aliases of the proto (`INPUT_DOWNLOAD_SUCCESS` = `INPUT_SUCCESS` = 30000) are the same
//! value. The table of names is generated from the pinned `status_code.proto` by
//! `cargo xtask codegen`.
//!
//! ```
//! use clarifai::status::StatusCode;
//!
//! let code: StatusCode = serde_json::from_str("11005").unwrap();
//! assert_eq!(code, StatusCode::CONN_THROTTLED);
//! assert_eq!(code.name(), Some("CONN_THROTTLED"));
//! assert!(code.is_throttled());
//!
//! // Names are accepted too (the rate-limit docs show them); numbers are what is sent.
//! let code: StatusCode = serde_json::from_str("\"INPUT_DOWNLOAD_SUCCESS\"").unwrap();
//! assert_eq!(code, StatusCode::INPUT_SUCCESS);
//! assert_eq!(serde_json::to_string(&code).unwrap(), "30000");
//!
//! // Unknown codes are data, not errors.
//! let code = StatusCode::from(12345);
//! assert_eq!((code.code(), code.name()), (12345, None));
//! ```

mod generated;

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A Clarifai status code: the wire number, known or not.
///
/// The associated constants (`StatusCode::SUCCESS`, `StatusCode::MODEL_DEPLOYING`, …, one per
/// name of the proto, aliases included) are generated. Equality is by number, so an alias
/// equals its canonical name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct StatusCode(i32);

impl StatusCode {
    /// The code with this wire number (known or not).
    pub const fn new(code: i32) -> Self {
        Self(code)
    }

    /// The wire number.
    pub const fn code(self) -> i32 {
        self.0
    }

    /// `true` for `SUCCESS` (10000), the one code that means the call worked.
    pub const fn is_success(self) -> bool {
        self.0 == 10000
    }

    /// `true` when the code is one of the proto's (by number).
    pub fn is_known(self) -> bool {
        generated::name_of(self.0).is_some()
    }

    /// The canonical (first declared) name, `None` for a code this crate does not know.
    pub fn name(self) -> Option<&'static str> {
        generated::name_of(self.0)
    }

    /// The other names of this code (`option allow_alias`), in declaration order; usually empty.
    pub fn aliases(self) -> &'static [&'static str] {
        generated::aliases_of(self.0)
    }

    /// The code of a proto name, aliases included (`"INPUT_DOWNLOAD_SUCCESS"` → 30000).
    ///
    /// ```
    /// use clarifai::status::StatusCode;
    /// assert_eq!(StatusCode::from_name("MODEL_LOADING"), Some(StatusCode::MODEL_LOADING));
    /// assert_eq!(StatusCode::from_name("NOPE"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        generated::code_of(name).map(Self)
    }

    /// Every distinct known code, in the proto's declaration order (aliases not repeated).
    pub fn all() -> &'static [StatusCode] {
        generated::ALL
    }

    /// Rate limiting: `CONN_THROTTLED` (11005) or `CONN_EXCEED_HOURLY_LIMIT` (11003), the codes
    /// the official SDK retries on.
    pub const fn is_throttled(self) -> bool {
        matches!(self.0, 11005 | 11003)
    }

    /// The model is not ready yet: `MODEL_DEPLOYING` (21351), `MODEL_LOADING` (21355) or
    /// `MODEL_BUSY_PLEASE_RETRY` (21354), which the SDK retries for up to ten minutes.
    pub const fn is_model_not_ready(self) -> bool {
        matches!(self.0, 21351 | 21354 | 21355)
    }

    /// `MIXED_STATUS` (10010): a batch where some items failed; look at the items' statuses.
    pub const fn is_mixed(self) -> bool {
        self.0 == 10010
    }
}

impl From<i32> for StatusCode {
    fn from(code: i32) -> Self {
        Self(code)
    }
}

impl From<StatusCode> for i32 {
    fn from(code: StatusCode) -> Self {
        code.0
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "StatusCode({} {name})", self.0),
            None => write!(f, "StatusCode({})", self.0),
        }
    }
}

/// `CONN_THROTTLED (11005)`, or the bare number for an unknown code.
impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for StatusCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StatusCodeVisitor)
    }
}

struct StatusCodeVisitor;

impl Visitor<'_> for StatusCodeVisitor {
    type Value = StatusCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a status code number or name")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusCode, E> {
        i32::try_from(v)
            .map(StatusCode)
            .map_err(|_| E::custom(format_args!("status code {v} is out of range")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
        i32::try_from(v)
            .map(StatusCode)
            .map_err(|_| E::custom(format_args!("status code {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StatusCode, E> {
        if v.fract() == 0.0 && v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) {
            #[allow(clippy::cast_possible_truncation)] // range and integrality checked above
            Ok(StatusCode(v as i32))
        } else {
            Err(E::custom(format_args!("status code {v} is not an integer")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusCode, E> {
        if let Some(code) = StatusCode::from_name(v) {
            return Ok(code);
        }
        // proto3 JSON parsers also accept an enum number written as a string.
        v.parse::<i32>()
            .map(StatusCode)
            .map_err(|_| E::custom(format_args!("unknown status code name `{v}`")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<StatusCode, E> {
        Ok(StatusCode::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_table_matches_the_proto() {
        // 429 names in the pinned proto, 4 of which are aliases of 30000..=30003.
        assert_eq!(StatusCode::all().len(), 425);
        assert_eq!(StatusCode::SUCCESS.code(), 10000);
        assert_eq!(StatusCode::ZERO.code(), 0);
        assert_eq!(StatusCode::SERVER_ERROR.code(), 90500);
        assert_eq!(StatusCode::RUNNER_NEEDS_RETRY.code(), 25604);
        let mut seen = std::collections::HashSet::new();
        for code in StatusCode::all() {
            assert!(seen.insert(*code), "{code:?} listed twice");
            let name = code.name().unwrap();
            assert_eq!(StatusCode::from_name(name), Some(*code));
            for alias in code.aliases() {
                assert_eq!(StatusCode::from_name(alias), Some(*code));
            }
        }
    }

    #[test]
    #[allow(deprecated)]
    fn aliases_are_the_same_code() {
        assert_eq!(
            StatusCode::INPUT_DOWNLOAD_SUCCESS,
            StatusCode::INPUT_SUCCESS
        );
        assert_eq!(StatusCode::INPUT_SUCCESS.name(), Some("INPUT_SUCCESS"));
        assert_eq!(
            StatusCode::INPUT_PENDING.aliases(),
            &["INPUT_DOWNLOAD_PENDING"]
        );
        assert!(StatusCode::SUCCESS.aliases().is_empty());
        assert_eq!(
            StatusCode::from_name("INPUT_DOWNLOAD_IN_PROGRESS"),
            Some(StatusCode::INPUT_IN_PROGRESS)
        );
    }

    #[test]
    fn deserializes_numbers_names_and_numeric_strings() {
        let parse = |s: &str| serde_json::from_str::<StatusCode>(s);
        assert_eq!(parse("10000").unwrap(), StatusCode::SUCCESS);
        assert_eq!(
            parse("\"CONN_THROTTLED\"").unwrap(),
            StatusCode::CONN_THROTTLED
        );
        assert_eq!(parse("\"21355\"").unwrap(), StatusCode::MODEL_LOADING);
        assert_eq!(parse("10000.0").unwrap(), StatusCode::SUCCESS);
        assert_eq!(parse("null").unwrap(), StatusCode::ZERO);
        assert_eq!(parse("77777").unwrap().code(), 77777);
        assert!(parse("\"NOT_A_CODE\"").is_err());
        assert!(parse("1.5").is_err());
        assert!(parse("99999999999").is_err());
        assert!(parse("true").is_err());
    }

    #[test]
    fn serializes_as_a_number() {
        assert_eq!(
            serde_json::to_string(&StatusCode::MODEL_DEPLOYING).unwrap(),
            "21351"
        );
        assert_eq!(serde_json::to_string(&StatusCode::new(5)).unwrap(), "5");
    }

    #[test]
    fn classifiers() {
        assert!(StatusCode::SUCCESS.is_success());
        assert!(!StatusCode::MIXED_STATUS.is_success());
        assert!(StatusCode::MIXED_STATUS.is_mixed());
        assert!(StatusCode::CONN_THROTTLED.is_throttled());
        assert!(StatusCode::CONN_EXCEED_HOURLY_LIMIT.is_throttled());
        assert!(!StatusCode::FAILURE.is_throttled());
        for code in [
            StatusCode::MODEL_DEPLOYING,
            StatusCode::MODEL_LOADING,
            StatusCode::MODEL_BUSY_PLEASE_RETRY,
        ] {
            assert!(code.is_model_not_ready(), "{code}");
        }
        assert!(!StatusCode::MODEL_NOT_DEPLOYED.is_model_not_ready());
    }

    #[test]
    fn debug_and_display_name_known_codes() {
        assert_eq!(
            format!("{:?}", StatusCode::SUCCESS),
            "StatusCode(10000 SUCCESS)"
        );
        assert_eq!(
            format!("{}", StatusCode::CONN_KEY_INVALID),
            "CONN_KEY_INVALID (11008)"
        );
        assert_eq!(format!("{}", StatusCode::new(4242)), "4242");
        assert_eq!(format!("{:?}", StatusCode::new(4242)), "StatusCode(4242)");
    }
}
