//! The light image path (feature `jpeg`): JPEG and PNG decoding to RGB pixels, resizing, JPEG
//! encoding, without the `image` crate — the [`vision_sdk_codec`] crate, with its errors as
//! [`MediaError`]s.
//!
//! Built for what the SDKs do before an upload (shrink an oversized camera frame, convert a PNG
//! to JPEG, downsize to a model's input size) at a fraction of the `image` crate's build cost.
//!
//! - [`decode`]: JPEG or PNG bytes to [`RgbImage`] (greyscale, palette, alpha, 16-bit and CMYK
//!   are converted to 8-bit RGB; alpha is dropped, as PIL's `convert("RGB")` does).
//! - [`decode_jpeg_at_least`]: a JPEG decoded at 1/2, 1/4 or 1/8 of its size directly from the
//!   DCT coefficients when that is still at least the size asked for.
//! - [`resize`]: separable, anti-aliased resampling bit for bit as PIL's `Image.resize`
//!   ([`Filter::Bicubic`] is `Image.BICUBIC`, [`Filter::Bilinear`] `BILINEAR`).
//! - [`encode_jpeg`]: baseline JPEG, 4:2:0 chroma subsampling (PIL's and libjpeg's default).
//!
//! ```
//! use vision_sdk_common::codec::{Filter, RgbImage, decode, encode_jpeg, resize};
//!
//! # fn main() -> Result<(), vision_sdk_common::media::MediaError> {
//! let frame = RgbImage::from_fn(64, 48, |x, y| [x as u8 * 4, y as u8 * 5, 128]);
//! let small = resize(&frame, 32, 24, Filter::Bicubic);
//! let jpeg = encode_jpeg(&small, 85)?;
//! let back = decode(&jpeg)?;
//! assert_eq!((back.width(), back.height()), (32, 24));
//! # Ok(())
//! # }
//! ```

use bytes::Bytes;

use crate::media::MediaError;

pub use vision_sdk_codec::{CodecError, Filter, MAX_DECODED_BYTES, RgbImage, is_jpeg, resize};

impl From<CodecError> for MediaError {
    fn from(error: CodecError) -> Self {
        match error {
            CodecError::Decode { source } => MediaError::Decode { source },
            CodecError::Encode { format, source } => MediaError::Encode { format, source },
            CodecError::InvalidDimensions { width, height } => {
                MediaError::InvalidDimensions { width, height }
            }
            CodecError::PixelBufferSize {
                width,
                height,
                expected,
                actual,
            } => MediaError::PixelBufferSize {
                width,
                height,
                expected,
                actual,
            },
            other => MediaError::Decode {
                source: Box::new(other),
            },
        }
    }
}

/// Decodes JPEG or PNG bytes (detected from their content) to 8-bit RGB
/// ([`vision_sdk_codec::decode`]).
///
/// # Errors
///
/// [`MediaError::Decode`] for other formats and for corrupt, truncated or oversized images.
///
/// ```
/// use vision_sdk_common::codec::decode;
/// assert!(decode(b"GIF89a....").is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<RgbImage, MediaError> {
    Ok(vision_sdk_codec::decode(bytes)?)
}

/// The size of a JPEG from its header ([`vision_sdk_codec::jpeg_dimensions`]).
///
/// # Errors
///
/// [`MediaError::Decode`] when the header cannot be read.
///
/// ```
/// use vision_sdk_common::codec::{RgbImage, encode_jpeg, jpeg_dimensions};
/// let jpeg = encode_jpeg(&RgbImage::from_fn(30, 20, |_, _| [1, 2, 3]), 90).unwrap();
/// assert_eq!(jpeg_dimensions(&jpeg).unwrap(), (30, 20));
/// ```
pub fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    Ok(vision_sdk_codec::jpeg_dimensions(bytes)?)
}

/// Decodes a JPEG at the smallest of 1/8, 1/4, 1/2 or full size that is at least
/// `min_width × min_height`, straight from the DCT coefficients
/// ([`vision_sdk_codec::decode_jpeg_at_least`]).
///
/// # Errors
///
/// [`MediaError::Decode`] for corrupt, truncated or oversized images.
///
/// ```
/// use vision_sdk_common::codec::{RgbImage, decode_jpeg_at_least, encode_jpeg};
///
/// let jpeg = encode_jpeg(&RgbImage::from_fn(400, 300, |_, _| [90, 120, 200]), 90).unwrap();
/// let half = decode_jpeg_at_least(&jpeg, 150, 150).unwrap();
/// assert_eq!((half.width(), half.height()), (200, 150));
/// ```
pub fn decode_jpeg_at_least(
    bytes: &[u8],
    min_width: u32,
    min_height: u32,
) -> Result<RgbImage, MediaError> {
    Ok(vision_sdk_codec::decode_jpeg_at_least(
        bytes, min_width, min_height,
    )?)
}

/// Encodes `img` as a baseline JPEG at `quality` (1–100, clamped) with 4:2:0 chroma
/// subsampling ([`vision_sdk_codec::encode_jpeg`]).
///
/// # Errors
///
/// [`MediaError::Encode`] for an image wider or taller than 65 535 pixels.
///
/// ```
/// use vision_sdk_common::codec::{RgbImage, encode_jpeg};
/// let jpeg = encode_jpeg(&RgbImage::from_fn(8, 8, |_, _| [0, 0, 0]), 95).unwrap();
/// assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
/// ```
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Bytes, MediaError> {
    Ok(vision_sdk_codec::encode_jpeg(img, quality)?)
}

/// A decoded `image` crate image (feature `image`) as 8-bit RGB (alpha dropped, 16-bit and
/// float samples converted).
///
/// # Errors
///
/// [`MediaError::InvalidDimensions`] for an empty image.
///
/// ```
/// use image::{DynamicImage, RgbaImage};
/// use vision_sdk_common::codec::from_dynamic_image;
///
/// let rgba = DynamicImage::ImageRgba8(RgbaImage::from_pixel(2, 2, image::Rgba([9, 8, 7, 0])));
/// assert_eq!(from_dynamic_image(&rgba).unwrap().pixel(1, 1), [9, 8, 7]);
/// ```
#[cfg(feature = "image")]
pub fn from_dynamic_image(img: &image::DynamicImage) -> Result<RgbImage, MediaError> {
    let rgb = match img {
        image::DynamicImage::ImageRgb8(buffer) => buffer.clone(),
        other => other.to_rgb8(),
    };
    Ok(RgbImage::new(rgb.width(), rgb.height(), rgb.into_raw())?)
}
