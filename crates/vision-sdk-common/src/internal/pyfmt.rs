//! Python's text forms of values, for SDKs whose wire format is whatever the official Python SDK
//! prints: `str(float)` in query strings (Groundlight `confidence_threshold`, Dragoneye form
//! fields), `repr(float)` inside `json.dumps` output (Groundlight metadata).

/// Python's `repr(float)`, which is also `str(float)` since Python 3.2: the shortest digits
/// that read back to the same value, positional for decimal exponents in `-4..16`, scientific
/// with a signed exponent of at least two digits otherwise; `nan`, `inf`, `-inf`, `-0.0`.
///
/// ```
/// use vision_sdk_common::internal::pyfmt::float_repr;
/// assert_eq!(float_repr(20.0), "20.0");
/// assert_eq!(float_repr(1e-5), "1e-05");
/// assert_eq!(float_repr(1.5e16), "1.5e+16");
/// assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
/// ```
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_owned();
    }
    // `{:e}` is Rust's shortest round-trip form: "1.5e16", "-2.5e-5", "1e0".
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = mantissa
        .strip_prefix('-')
        .map_or(("", mantissa), |rest| ("-", rest));
    if !(-4..16).contains(&exponent) {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs());
    }
    let digits = mantissa.replace('.', "");
    let mut out = String::from(sign);
    match usize::try_from(exponent + 1) {
        // 0.000ddd
        Err(_) | Ok(0) => {
            out.push_str("0.");
            out.extend(std::iter::repeat_n(
                '0',
                exponent.unsigned_abs() as usize - 1,
            ));
            out.push_str(&digits);
        }
        Ok(int_len) if digits.len() <= int_len => {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        }
        Ok(int_len) => {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_like_python_repr() {
        for (value, python) in [
            (0.5, "0.5"),
            (0.75, "0.75"),
            (1.0, "1.0"),
            (20.0, "20.0"),
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
            (1.5e16, "1.5e+16"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(value), python, "{value:?}");
        }
        assert_eq!(float_repr(f64::from(0.1f32)), "0.10000000149011612");
    }

    #[test]
    fn every_output_reads_back_to_the_same_float() {
        let mut x = 1.234_567_890_123e-9_f64;
        while x < 1e20 {
            let text = float_repr(x);
            assert_eq!(text.parse::<f64>().unwrap(), x, "{text}");
            x *= 3.7;
        }
    }
}
