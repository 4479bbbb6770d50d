//! The light image path of the vision-sdk-rs crates (re-exported as `vision_sdk_common::codec`
//! by its feature `jpeg`): JPEG and PNG decoding to RGB pixels, resizing, JPEG encoding, without
//! the `image` crate.
//!
//! Built for what the SDKs do before an upload (shrink an oversized camera frame, convert a PNG
//! to JPEG, downsize to a model's input size) at a fraction of the `image` crate's build cost:
//! [`jpeg-decoder`](https://docs.rs/jpeg-decoder) (with DCT-domain downscaling),
//! [`jpeg-encoder`](https://docs.rs/jpeg-encoder) and [`zune-png`](https://docs.rs/zune-png).
//!
//! - [`decode`]: JPEG or PNG bytes to [`RgbImage`] (greyscale, palette, alpha, 16-bit and CMYK
//!   are converted to 8-bit RGB; alpha is dropped, as PIL's `convert("RGB")` does).
//! - [`decode_jpeg_at_least`]: a JPEG decoded at 1/2, 1/4 or 1/8 of its size directly from the
//!   DCT coefficients, when that is still at least the size asked for: several times less work
//!   than decoding the full image and resizing it.
//! - [`resize`]: separable, anti-aliased resampling with PIL's arithmetic ([`Filter::Bicubic`]
//!   is PIL's `Image.BICUBIC`, [`Filter::Bilinear`] its `BILINEAR`).
//! - [`encode_jpeg`]: baseline JPEG, 4:2:0 chroma subsampling (PIL's and libjpeg's default).
//!
//! ```
//! use vision_sdk_codec::{Filter, RgbImage, decode, encode_jpeg, resize};
//!
//! # fn main() -> Result<(), vision_sdk_codec::CodecError> {
//! let frame = RgbImage::from_fn(64, 48, |x, y| [x as u8 * 4, y as u8 * 5, 128]);
//! let small = resize(&frame, 32, 24, Filter::Bicubic);
//! let jpeg = encode_jpeg(&small, 85)?;
//! let back = decode(&jpeg)?;
//! assert_eq!((back.width(), back.height()), (32, 24));
//! # Ok(())
//! # }
//! ```

mod resize;

use bytes::Bytes;

pub use resize::{Filter, resize};

/// What can go wrong while decoding or encoding (`vision_sdk_common` maps each variant to the
/// `MediaError` variant of the same name).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Bytes could not be decoded as an image.
    #[error("failed to decode image")]
    Decode {
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An image could not be encoded.
    #[error("failed to encode image as {format}")]
    Encode {
        /// The target format, e.g. `"JPEG"`.
        format: &'static str,
        /// The encoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Image dimensions that are zero or too large to address.
    #[error("invalid image dimensions {width}x{height}")]
    InvalidDimensions {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A pixel buffer whose length does not match its dimensions.
    #[error(
        "pixel buffer for a {width}x{height} image must be {expected} bytes, got {actual} bytes"
    )]
    PixelBufferSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Expected length in bytes.
        expected: usize,
        /// Actual length in bytes.
        actual: usize,
    },
}

/// At most this many bytes of decoded pixels (the `image` crate's default limit): a hostile or
/// corrupt header cannot make the decoder allocate more.
pub const MAX_DECODED_BYTES: usize = 512 * 1024 * 1024;

/// An 8-bit RGB image: `width × height` pixels, row-major, 3 bytes per pixel, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RgbImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl RgbImage {
    /// An image over `data` (`width × height × 3` bytes, RGB).
    ///
    /// # Errors
    ///
    /// [`CodecError::InvalidDimensions`] for a zero side or a size that overflows,
    /// [`CodecError::PixelBufferSize`] when `data` has the wrong length.
    ///
    /// ```
    /// use vision_sdk_codec::RgbImage;
    /// let img = RgbImage::new(2, 1, vec![255, 0, 0, 0, 0, 255]).unwrap();
    /// assert_eq!(img.pixel(1, 0), [0, 0, 255]);
    /// assert!(RgbImage::new(2, 2, vec![0; 11]).is_err());
    /// ```
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, CodecError> {
        let expected = buffer_len(width, height)?;
        if data.len() != expected {
            return Err(CodecError::PixelBufferSize {
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// An image whose pixel at `(x, y)` is `f(x, y)`.
    ///
    /// # Panics
    ///
    /// If the size is zero or `width × height × 3` overflows `usize`.
    pub fn from_fn(width: u32, height: u32, mut f: impl FnMut(u32, u32) -> [u8; 3]) -> Self {
        let len = buffer_len(width, height).expect("a non-empty image of addressable size");
        let mut data = Vec::with_capacity(len);
        for y in 0..height {
            for x in 0..width {
                data.extend_from_slice(&f(x, y));
            }
        }
        Self {
            width,
            height,
            data,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel at `(x, y)`.
    ///
    /// # Panics
    ///
    /// If `(x, y)` is outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        assert!(x < self.width && y < self.height, "pixel out of bounds");
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// The pixels, row-major RGB.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The pixel buffer, row-major RGB.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }
}

fn buffer_len(width: u32, height: u32) -> Result<usize, CodecError> {
    let invalid = CodecError::InvalidDimensions { width, height };
    if width == 0 || height == 0 {
        return Err(invalid);
    }
    (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(3))
        .ok_or(invalid)
}

fn decode_error(why: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CodecError {
    CodecError::Decode { source: why.into() }
}

/// Decodes JPEG or PNG bytes (detected from their content) to 8-bit RGB.
///
/// # Errors
///
/// [`CodecError::Decode`] for other formats and for corrupt, truncated or oversized images
/// (more than [`MAX_DECODED_BYTES`] of pixels).
///
/// ```
/// use vision_sdk_codec::decode;
/// assert!(decode(b"GIF89a....").is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<RgbImage, CodecError> {
    if is_jpeg(bytes) {
        decode_jpeg_at_least(bytes, u32::MAX, u32::MAX)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else {
        Err(decode_error("not a JPEG or PNG image"))
    }
}

/// Whether `bytes` start like a JPEG (SOI marker).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// The size of a JPEG (from its header, without decoding the pixels).
///
/// # Errors
///
/// [`CodecError::Decode`] when the header cannot be read.
pub fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), CodecError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(decode_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| decode_error("no frame header"))?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

/// Decodes a JPEG at the smallest of 1/8, 1/4, 1/2 or full size that is at least
/// `min_width × min_height` (full size when none of the reductions is), directly from the DCT
/// coefficients: a 4000×3000 photo wanted at 1024×768 is decoded at 2000×1500, with a quarter of
/// the inverse-DCT, colour-conversion and memory work. Resize the result to the exact size with
/// [`resize`]. `u32::MAX` for both decodes at full size.
///
/// A reduced side is `ceil(side × scale)`.
///
/// # Errors
///
/// [`CodecError::Decode`] for corrupt, truncated or oversized images.
///
/// ```
/// use vision_sdk_codec::{RgbImage, decode_jpeg_at_least, encode_jpeg};
///
/// let jpeg = encode_jpeg(&RgbImage::from_fn(400, 300, |_, _| [90, 120, 200]), 90).unwrap();
/// let half = decode_jpeg_at_least(&jpeg, 150, 150).unwrap();
/// assert_eq!((half.width(), half.height()), (200, 150));
/// let full = decode_jpeg_at_least(&jpeg, 201, 10).unwrap();
/// assert_eq!((full.width(), full.height()), (400, 300));
/// ```
pub fn decode_jpeg_at_least(
    bytes: &[u8],
    min_width: u32,
    min_height: u32,
) -> Result<RgbImage, CodecError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(MAX_DECODED_BYTES);
    decoder.read_info().map_err(decode_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| decode_error("no frame header"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    // The reductions jpeg-decoder implements: 1/8, 1/4, 1/2 (an IDCT of 1, 2 or 4 points).
    let reduced = |eighths: u32| (width * eighths).div_ceil(8);
    let reduced_height = |eighths: u32| (height * eighths).div_ceil(8);
    if let Some(eighths) = [1u32, 2, 4]
        .into_iter()
        .find(|&e| reduced(e) >= min_width && reduced_height(e) >= min_height)
    {
        // Asking for exactly the reduced size selects exactly that reduction.
        let (w, h) = (reduced(eighths), reduced_height(eighths));
        decoder
            .scale(
                u16::try_from(w).unwrap_or(u16::MAX),
                u16::try_from(h).unwrap_or(u16::MAX),
            )
            .map_err(decode_error)?;
    }
    let data = decoder.decode().map_err(decode_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| decode_error("no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let pixels = w as usize * h as usize;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => data,
        jpeg_decoder::PixelFormat::L8 => grey_to_rgb(&data),
        jpeg_decoder::PixelFormat::L16 => {
            // Big-endian 16-bit samples: keep the high byte.
            let high: Vec<u8> = data.chunks_exact(2).map(|s| s[0]).collect();
            grey_to_rgb(&high)
        }
        jpeg_decoder::PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                let ink = |c: u8| ((255 - u16::from(c)) * k / 255) as u8;
                [ink(p[0]), ink(p[1]), ink(p[2])]
            })
            .collect(),
    };
    if rgb.len() < pixels * 3 {
        return Err(decode_error(
            "the decoder returned fewer pixels than the header says",
        ));
    }
    let mut rgb = rgb;
    rgb.truncate(pixels * 3);
    RgbImage::new(w, h, rgb).map_err(|e| decode_error(e.to_string()))
}

fn grey_to_rgb(grey: &[u8]) -> Vec<u8> {
    grey.iter().flat_map(|&v| [v, v, v]).collect()
}

fn decode_png(bytes: &[u8]) -> Result<RgbImage, CodecError> {
    use zune_png::zune_core::bytestream::ZCursor;
    use zune_png::zune_core::colorspace::ColorSpace;
    use zune_png::zune_core::options::DecoderOptions;
    use zune_png::zune_core::result::DecodingResult;

    // Palettes and tRNS are expanded by the decoder; 16-bit samples are stripped to 8 bits.
    let options = DecoderOptions::default()
        .set_max_width(1 << 24)
        .set_max_height(1 << 24)
        .png_set_strip_to_8bit(true);
    let mut decoder = zune_png::PngDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(decode_error)?;
    let ((width, height), colorspace) = decoder
        .dimensions()
        .zip(decoder.colorspace())
        .ok_or_else(|| decode_error("no PNG header"))?;
    if decoder
        .output_buffer_size()
        .is_none_or(|n| n > MAX_DECODED_BYTES)
    {
        return Err(decode_error("the PNG is too large to decode"));
    }
    let samples = match decoder.decode().map_err(decode_error)? {
        DecodingResult::U8(samples) => samples,
        DecodingResult::U16(samples) => samples.iter().map(|&s| (s >> 8) as u8).collect(),
        _ => return Err(decode_error("unexpected PNG sample type")),
    };
    // Alpha is dropped, not composited: PIL's `convert("RGB")`.
    let rgb = match colorspace {
        ColorSpace::Luma => grey_to_rgb(&samples),
        ColorSpace::LumaA => samples
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
        ColorSpace::RGB => samples,
        ColorSpace::RGBA => samples
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        _ => return Err(decode_error("unexpected PNG colour type")),
    };
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(decode_error("the PNG is too large to decode"));
    };
    RgbImage::new(width, height, rgb).map_err(|e| decode_error(e.to_string()))
}

/// Encodes `img` as a baseline JPEG at `quality` (1–100, clamped) with 4:2:0 chroma
/// subsampling, as PIL (`Image.save(..., "JPEG", quality=q)`) and OpenCV (`cv2.imencode`) do by
/// default.
///
/// # Errors
///
/// [`CodecError::Encode`] for an image wider or taller than 65 535 pixels.
///
/// ```
/// use vision_sdk_codec::{RgbImage, encode_jpeg};
/// let jpeg = encode_jpeg(&RgbImage::from_fn(8, 8, |_, _| [0, 0, 0]), 95).unwrap();
/// assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
/// ```
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Bytes, CodecError> {
    let encode_error = |source: Box<dyn std::error::Error + Send + Sync>| CodecError::Encode {
        format: "JPEG",
        source,
    };
    let (Ok(width), Ok(height)) = (u16::try_from(img.width), u16::try_from(img.height)) else {
        return Err(encode_error(
            format!(
                "{}x{} is larger than JPEG's 65535 pixels a side",
                img.width, img.height
            )
            .into(),
        ));
    };
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    // `encode_image` with one buffer type, not `encode(.., ColorType)`: the latter instantiates
    // the whole encoder for each of its nine colour types (twice, with and without AVX2), which
    // was half of this crate's build time.
    encoder
        .encode_image(RgbRows {
            data: &img.data,
            width,
            height,
        })
        .map_err(|e| encode_error(Box::new(e)))?;
    Ok(Bytes::from(out))
}

/// Rows of packed RGB for the JPEG encoder, converted to YCbCr as its own RGB buffer does.
struct RgbRows<'a> {
    data: &'a [u8],
    width: u16,
    height: u16,
}

impl jpeg_encoder::ImageBuffer for RgbRows<'_> {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let row = usize::from(self.width) * 3;
        let start = usize::from(y) * row;
        let Some(line) = self.data.get(start..start + row) else {
            return;
        };
        let [luma, cb, cr, _] = buffers;
        luma.reserve(line.len() / 3);
        cb.reserve(line.len() / 3);
        cr.reserve(line.len() / 3);
        for px in line.chunks_exact(3) {
            let (y, b, r) = jpeg_encoder::rgb_to_ycbcr(px[0], px[1], px[2]);
            luma.push(y);
            cb.push(b);
            cr.push(r);
        }
    }
}

#[cfg(test)]
mod tests;
