//! Pieces shared by many responses: image sizes, the resolved model, base64 payloads.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// `{width, height}` of an image in pixels (`InferenceResponseImage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ImageSize {
    /// A size.
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }
}

/// The `image` member: one size, or (some servers, batched LMM calls) one per image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ResponseImage {
    /// The usual case.
    One(ImageSize),
    /// One per image.
    Many(Vec<ImageSize>),
}

impl ResponseImage {
    /// The first (usually the only) size.
    pub fn first(&self) -> Option<ImageSize> {
        match self {
            Self::One(size) => Some(*size),
            Self::Many(sizes) => sizes.first().copied(),
        }
    }

    /// Every size.
    pub fn sizes(&self) -> &[ImageSize] {
        match self {
            Self::One(size) => std::slice::from_ref(size),
            Self::Many(sizes) => sizes,
        }
    }

    pub(crate) fn sizes_mut(&mut self) -> &mut [ImageSize] {
        match self {
            Self::One(size) => std::slice::from_mut(size),
            Self::Many(sizes) => sizes,
        }
    }
}

impl From<ImageSize> for ResponseImage {
    fn from(size: ImageSize) -> Self {
        Self::One(size)
    }
}

/// `resolved_model`: which model (and package) actually served the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResolvedModel {
    /// The model id.
    pub model_id: String,
    /// The package id, when the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_package_id: Option<String>,
    /// The backend (`onnx`, `torch`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The quantization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
}

/// Standard base64, padding optional (servers and encoders differ).
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decodes standard base64 (with or without padding), e.g. a `visualization`.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    BASE64.decode(text)
}

/// Encodes standard base64 with padding (SIMD where the CPU has it: a 4 MB image takes well
/// under a millisecond).
pub fn encode_base64(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

/// Appends the standard base64 (with padding) of `bytes` to `out`, allocating at most once.
pub(crate) fn append_base64(bytes: &[u8], out: &mut Vec<u8>) {
    base64_simd::STANDARD.encode_append(bytes, out);
}

/// Declares a response struct with the members every inference response may carry
/// (`inference_id`, `frame_id`, `time`, `resolved_model`) after its own.
macro_rules! response_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $(#[$meta])*
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// The inference's id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub inference_id: Option<String>,
            /// The video frame the image was, if any.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub frame_id: Option<u64>,
            /// Seconds the server spent (pre-processing included).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub time: Option<f64>,
            /// The model that served the request.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub resolved_model: Option<$crate::models::ResolvedModel>,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_the_reference_encoder() {
        for len in [0, 1, 2, 3, 4, 31, 32, 33, 95, 96, 97, 1000, 4099] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let reference = base64::engine::general_purpose::STANDARD.encode(&bytes);
            assert_eq!(encode_base64(&bytes), reference, "{len}");
            let mut out = b"prefix".to_vec();
            append_base64(&bytes, &mut out);
            assert_eq!(&out[6..], reference.as_bytes(), "{len}");
            assert_eq!(decode_base64(&reference).unwrap(), bytes);
        }
    }

    #[test]
    fn base64_with_and_without_padding() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert!(decode_base64("not base64!").is_err());
    }

    #[test]
    fn image_one_or_many() {
        let one: ResponseImage = serde_json::from_str(r#"{"width": 2, "height": 1}"#).unwrap();
        assert_eq!(one.first(), Some(ImageSize::new(2, 1)));
        let many: ResponseImage =
            serde_json::from_str(r#"[{"width": 2, "height": 1}, {"width": 4, "height": 3}]"#)
                .unwrap();
        assert_eq!(many.sizes().len(), 2);
        assert!(serde_json::from_str::<ResponseImage>(r#"{"width": 2}"#).is_err());
    }
}
