//! Extra task parameters (the official `**kwargs`), rendered as the official SDK sends them:
//! `key=str(value)`.
//!
//! [`ParamValue`] converts Rust values to Python's `str()` of the corresponding Python value,
//! so `.param("x", true)` sends `x=True`, `.param("x", 0.5)` sends `x=0.5`, `.param("x", 1.0)`
//! sends `x=1.0`, `.param("x", None::<i32>)` sends `x=None`, and text is sent as is.
//!
//! ```
//! use dragoneye::ParamValue;
//! assert_eq!(ParamValue::from(true).as_str(), "True");
//! assert_eq!(ParamValue::from(2).as_str(), "2");
//! assert_eq!(ParamValue::from(1.0).as_str(), "1.0");
//! assert_eq!(ParamValue::from(1e-5).as_str(), "1e-05");
//! assert_eq!(ParamValue::from(None::<f64>).as_str(), "None");
//! assert_eq!(ParamValue::from("dense").as_str(), "dense");
//! ```

use std::fmt;

/// A parameter value as the official SDK puts it on the wire (Python's `str(value)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParamValue(String);

impl ParamValue {
    /// A value sent exactly as `text`.
    pub fn raw(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text sent.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<bool> for ParamValue {
    /// `True` / `False`, like Python's `str(True)`.
    fn from(value: bool) -> Self {
        Self::raw(if value { "True" } else { "False" })
    }
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        Self::raw(value)
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for ParamValue {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

impl From<char> for ParamValue {
    fn from(value: char) -> Self {
        Self(value.to_string())
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamValue {
            fn from(value: $t) -> Self {
                Self(value.to_string())
            }
        }
    )*};
}
integers!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl From<f64> for ParamValue {
    /// Python's `str(float)`: `1.0`, `0.5`, `1e-05`, `1e+16`, `inf`, `nan`.
    fn from(value: f64) -> Self {
        Self(python_float_str(value))
    }
}

impl From<f32> for ParamValue {
    /// The `f32` widened exactly to `f64` (what a Python float holding it would be), then as
    /// for `f64`.
    fn from(value: f32) -> Self {
        Self(python_float_str(f64::from(value)))
    }
}

impl<T: Into<ParamValue>> From<Option<T>> for ParamValue {
    /// `None` for `None`, like Python's `str(None)`.
    fn from(value: Option<T>) -> Self {
        value.map_or_else(|| Self::raw("None"), Into::into)
    }
}

/// Python's `str(float)` (= `repr`), shared with the other SDKs of the workspace.
fn python_float_str(value: f64) -> String {
    vision_sdk_common::internal::pyfmt::float_repr(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_like_python_str() {
        for (value, python) in [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123_456_789_012_345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(python_float_str(value), python, "{value:?}");
        }
        assert_eq!(ParamValue::from(0.1f32).as_str(), "0.10000000149011612");
    }

    #[test]
    fn other_values() {
        assert_eq!(ParamValue::from(false).as_str(), "False");
        assert_eq!(ParamValue::from(-3i64).as_str(), "-3");
        assert_eq!(ParamValue::from(Some(true)).as_str(), "True");
        assert_eq!(ParamValue::from(None::<bool>).as_str(), "None");
        assert_eq!(ParamValue::from(String::from("a b")).to_string(), "a b");
    }
}
