//! [`Timestamp`]: a date-time of an API response, kept as the text the server sent and read as a
//! [`chrono::DateTime`] on demand.
//!
//! The workspace's one date-time crate is [`chrono`] (re-exported as `vision_sdk_common::chrono`),
//! built without default features (`std` only: no clock, no time-zone database). It was already
//! in the workspace (through `parquet`), and builds in less CPU time than `time` with its
//! parsing and formatting features.

use std::fmt;
use std::ops::Deref;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A timestamp as sent (RFC 3339, e.g. `2024-05-01T12:00:00.123456Z`). Decoding never fails on
/// the text: [`Timestamp::as_str`] is always the server's text, and [`Timestamp::to_datetime`]
/// parses it.
///
/// ```
/// use vision_sdk_common::Timestamp;
/// let ts: Timestamp = serde_json::from_str(r#""2024-05-01T12:00:00.5+02:00""#).unwrap();
/// assert_eq!(ts, "2024-05-01T12:00:00.5+02:00");
/// let at = ts.to_datetime().unwrap();
/// assert_eq!(at.timestamp(), 1_714_557_600);
/// assert_eq!(at.timestamp_subsec_millis(), 500);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// A timestamp from its text (not checked; see [`Timestamp::to_datetime`]).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// `true` when no text was sent (a missing or `null` field).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The date-time with the offset it was sent with, when the text is RFC 3339.
    pub fn to_datetime(&self) -> Option<DateTime<FixedOffset>> {
        self.try_to_datetime().ok()
    }

    /// The date-time in UTC, when the text is RFC 3339.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        self.to_datetime().map(|at| at.with_timezone(&Utc))
    }

    /// The date-time, or why the text is not RFC 3339.
    ///
    /// # Errors
    ///
    /// [`chrono::ParseError`].
    pub fn try_to_datetime(&self) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
        DateTime::parse_from_rfc3339(&self.0)
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp
where
    Tz::Offset: fmt::Display,
{
    /// The RFC 3339 text of `at` (`Z` for UTC, as many fractional digits as needed).
    fn from(at: DateTime<Tz>) -> Self {
        Self(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<String> for Timestamp {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Timestamp {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl From<Timestamp> for String {
    fn from(ts: Timestamp) -> Self {
        ts.0
    }
}

impl Deref for Timestamp {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Timestamp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Timestamp {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Timestamp {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Timestamp {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_forms_parse() {
        for (text, unix, nanos) in [
            ("2024-05-01T10:00:00Z", 1_714_557_600, 0),
            ("2024-05-01T10:00:00.123456Z", 1_714_557_600, 123_456_000),
            ("2024-05-01T12:00:00+02:00", 1_714_557_600, 0),
            ("2024-05-01T10:00:00.1-00:00", 1_714_557_600, 100_000_000),
        ] {
            let at = Timestamp::from(text).to_datetime().unwrap();
            assert_eq!(at.timestamp(), unix, "{text}");
            assert_eq!(at.timestamp_subsec_nanos(), nanos, "{text}");
            assert_eq!(Timestamp::from(text).to_utc().unwrap().timestamp(), unix);
        }
    }

    #[test]
    fn any_text_decodes_and_is_kept() {
        for text in ["", "yesterday", "2024-05-01", "2024-05-01 10:00:00"] {
            let ts: Timestamp = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(ts, text);
            assert!(ts.to_datetime().is_none(), "{text}");
            assert!(ts.try_to_datetime().is_err());
            assert_eq!(serde_json::to_value(&ts).unwrap(), serde_json::json!(text));
        }
    }

    #[test]
    fn round_trips_through_chrono() {
        let at = Utc.timestamp_opt(1_714_557_600, 0).unwrap();
        let ts = Timestamp::from(at);
        assert_eq!(ts, "2024-05-01T10:00:00Z");
        assert_eq!(ts.to_utc(), Some(at));
        assert_eq!(
            format!("{ts} {ts:?}"),
            r#"2024-05-01T10:00:00Z "2024-05-01T10:00:00Z""#
        );
        assert_eq!(String::from(ts.clone()), ts.as_str());
        assert!(ts.starts_with("2024"));
    }
}
