//! Decoded images: JPEG encoding, raw pixel buffers and downscaling (feature `image`).
//!
//! What the official Python SDKs do with PIL images and numpy arrays before uploading: pixel
//! buffers (RGB, or BGR as OpenCV produces) become an [`image::DynamicImage`], which is shrunk
//! if the API wants a bounded size and encoded as JPEG.
//!
//! ```
//! use vision_sdk_common::image::{PixelLayout, encode_jpeg, from_pixels, shrink_to_long_side};
//! use vision_sdk_common::media::{MediaSource, sniff_mime};
//!
//! # fn main() -> Result<(), vision_sdk_common::media::MediaError> {
//! // A 4x2 BGR frame, as from OpenCV.
//! let frame = vec![0u8; 4 * 2 * 3];
//! let img = from_pixels(4, 2, PixelLayout::Bgr8, &frame)?;
//! let small = shrink_to_long_side(&img, 2);
//! assert_eq!((small.width(), small.height()), (2, 1));
//! let jpeg = encode_jpeg(&small, 95)?;
//! assert_eq!(sniff_mime(&jpeg), Some(mime::IMAGE_JPEG));
//! let media = MediaSource::from_bytes(jpeg)?;
//! # drop(media);
//! # Ok(())
//! # }
//! ```

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageBuffer, Rgb, Rgba};

use crate::media::MediaError;

/// Encodes `img` as baseline JPEG at `quality` (1–100; values outside are clamped).
///
/// JPEG has no alpha channel: RGBA and grey+alpha images are converted to RGB by dropping the
/// alpha channel, as PIL's `convert("RGB")` does; 16-bit and float images are converted to
/// 8-bit RGB. 8-bit greyscale stays a greyscale JPEG.
///
/// # Errors
///
/// [`MediaError::Encode`], e.g. for an empty image or one wider or taller than 65 535 pixels.
///
/// ```
/// use image::{DynamicImage, RgbaImage};
/// use vision_sdk_common::image::encode_jpeg;
///
/// let rgba = DynamicImage::ImageRgba8(RgbaImage::new(8, 8));
/// let jpeg = encode_jpeg(&rgba, 90).unwrap();
/// assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
/// ```
pub fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Bytes, MediaError> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    let result = match img {
        DynamicImage::ImageRgb8(buffer) => encoder.encode_image(buffer),
        DynamicImage::ImageLuma8(buffer) => encoder.encode_image(buffer),
        other => encoder.encode_image(&other.to_rgb8()),
    };
    result.map_err(|source| MediaError::Encode {
        format: "JPEG",
        source: Box::new(source),
    })?;
    Ok(Bytes::from(out))
}

/// The memory layout of a raw 8-bit pixel buffer, row-major without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelLayout {
    /// Red, green, blue: 3 bytes per pixel (PIL, most image libraries).
    Rgb8,
    /// Blue, green, red: 3 bytes per pixel (OpenCV's default, numpy arrays from `cv2`).
    Bgr8,
    /// Red, green, blue, alpha: 4 bytes per pixel.
    Rgba8,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgb8 | PixelLayout::Bgr8 => 3,
            PixelLayout::Rgba8 => 4,
        }
    }
}

/// An image from a raw pixel buffer of `width × height` pixels in `layout`. BGR data is
/// swapped to RGB, as the Python SDKs do with OpenCV frames (`array[:, :, ::-1]`).
///
/// # Errors
///
/// [`MediaError::InvalidDimensions`] for a zero width or height (or a size that overflows),
/// [`MediaError::PixelBufferSize`] when `data` is not exactly `width × height × bytes per pixel`.
///
/// ```
/// use vision_sdk_common::image::{PixelLayout, from_pixels};
///
/// // One blue pixel in BGR order.
/// let img = from_pixels(1, 1, PixelLayout::Bgr8, &[255, 0, 0]).unwrap();
/// assert_eq!(img.to_rgb8().get_pixel(0, 0).0, [0, 0, 255]);
/// assert!(from_pixels(2, 2, PixelLayout::Rgb8, &[0; 11]).is_err());
/// ```
pub fn from_pixels(
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: &[u8],
) -> Result<DynamicImage, MediaError> {
    let invalid = MediaError::InvalidDimensions { width, height };
    if width == 0 || height == 0 {
        return Err(invalid);
    }
    let (Ok(w), Ok(h)) = (usize::try_from(width), usize::try_from(height)) else {
        return Err(invalid);
    };
    let Some(expected) = w
        .checked_mul(h)
        .and_then(|pixels| pixels.checked_mul(layout.bytes_per_pixel()))
    else {
        return Err(invalid);
    };
    let wrong_size = || MediaError::PixelBufferSize {
        width,
        height,
        expected,
        actual: data.len(),
    };
    if data.len() != expected {
        return Err(wrong_size());
    }
    let image = match layout {
        PixelLayout::Rgb8 => ImageBuffer::<Rgb<u8>, _>::from_raw(width, height, data.to_vec())
            .map(DynamicImage::ImageRgb8),
        PixelLayout::Bgr8 => {
            let mut rgb = data.to_vec();
            for pixel in rgb.chunks_exact_mut(3) {
                pixel.swap(0, 2);
            }
            ImageBuffer::<Rgb<u8>, _>::from_raw(width, height, rgb).map(DynamicImage::ImageRgb8)
        }
        PixelLayout::Rgba8 => ImageBuffer::<Rgba<u8>, _>::from_raw(width, height, data.to_vec())
            .map(DynamicImage::ImageRgba8),
    };
    image.ok_or_else(wrong_size)
}

/// `img` scaled down so that its longer side is at most `max_side` pixels, keeping the aspect
/// ratio (the shorter side is rounded, and at least 1 pixel). Never upscales: an image that
/// already fits is returned as is (cloned). A `max_side` of 0 is treated as 1.
///
/// Resampling uses [`FilterType::CatmullRom`], a bicubic filter (a = -0.5) applied with
/// anti-aliasing over the whole reduction. This is the closest match to what the Python SDKs
/// get from PIL: `Image.thumbnail` and `Image.resize` default to `BICUBIC`, the same cubic
/// kernel (PIL's `reducing_gap` box pre-reduction aside). It is about twice the cost of
/// `Triangle` (bilinear), and sharper; `Lanczos3` is sharper still but slower and prone to
/// ringing.
///
/// ```
/// use image::{DynamicImage, RgbImage};
/// use vision_sdk_common::image::shrink_to_long_side;
///
/// let img = DynamicImage::ImageRgb8(RgbImage::new(4000, 3000));
/// let small = shrink_to_long_side(&img, 1024);
/// assert_eq!((small.width(), small.height()), (1024, 768));
/// ```
pub fn shrink_to_long_side(img: &DynamicImage, max_side: u32) -> DynamicImage {
    let (width, height) = (img.width(), img.height());
    let max_side = max_side.max(1);
    let long = width.max(height);
    if long <= max_side {
        return img.clone();
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    let (new_width, new_height) = if width >= height {
        (max_side, scale(height))
    } else {
        (scale(width), max_side)
    };
    img.resize_exact(new_width, new_height, FilterType::CatmullRom)
}

/// Decodes an image in any of the enabled formats (JPEG, PNG, GIF, WebP, BMP, TIFF), detected
/// from its content. The `image` crate's default limits apply (at most 512 MiB allocated).
///
/// # Errors
///
/// [`MediaError::Decode`] for unsupported, corrupt or truncated data.
///
/// ```
/// use vision_sdk_common::image::decode;
///
/// assert!(decode(b"not an image").is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, MediaError> {
    image::load_from_memory(bytes).map_err(|source| MediaError::Decode {
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::sniff_mime;
    use image::{GenericImageView as _, ImageFormat, RgbImage, RgbaImage};

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([
                u8::try_from(x * 255 / width.max(1)).unwrap(),
                u8::try_from(y * 255 / height.max(1)).unwrap(),
                128,
            ])
        })
    }

    fn close(a: u8, b: u8, tolerance: u8) -> bool {
        a.abs_diff(b) <= tolerance
    }

    #[test]
    fn jpeg_output_is_jpeg() {
        let img = DynamicImage::ImageRgb8(gradient(64, 48));
        let jpeg = encode_jpeg(&img, 90).unwrap();
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
        assert_eq!(sniff_mime(&jpeg), Some(mime::IMAGE_JPEG));
        assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
    }

    #[test]
    fn jpeg_round_trip_keeps_size_and_colour() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(16, 8, Rgb([200, 40, 90])));
        let decoded = decode(&encode_jpeg(&img, 95).unwrap()).unwrap();
        assert_eq!(decoded.dimensions(), (16, 8));
        let pixel = decoded.to_rgb8().get_pixel(7, 3).0;
        for (got, want) in pixel.into_iter().zip([200, 40, 90]) {
            assert!(close(got, want, 6), "{pixel:?}");
        }
    }

    #[test]
    fn jpeg_drops_alpha_and_keeps_grey() {
        let rgba = DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 8, Rgba([10, 200, 30, 0])));
        let decoded = decode(&encode_jpeg(&rgba, 95).unwrap()).unwrap();
        assert!(!decoded.color().has_alpha());
        let pixel = decoded.to_rgb8().get_pixel(4, 4).0;
        for (got, want) in pixel.into_iter().zip([10, 200, 30]) {
            assert!(close(got, want, 6), "{pixel:?}");
        }

        let la = DynamicImage::ImageLumaA8(image::GrayAlphaImage::from_pixel(
            8,
            8,
            image::LumaA([77, 0]),
        ));
        assert_eq!(
            decode(&encode_jpeg(&la, 95).unwrap()).unwrap().dimensions(),
            (8, 8)
        );

        let grey = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(8, 8, image::Luma([99])));
        let decoded = decode(&encode_jpeg(&grey, 95).unwrap()).unwrap();
        assert_eq!(decoded.color(), image::ColorType::L8);

        let wide =
            DynamicImage::ImageRgb16(image::ImageBuffer::from_pixel(4, 4, Rgb([65535u16, 0, 0])));
        let decoded = decode(&encode_jpeg(&wide, 95).unwrap()).unwrap();
        assert!(decoded.to_rgb8().get_pixel(1, 1).0[0] > 240);
    }

    #[test]
    fn jpeg_quality_is_clamped_and_matters() {
        let img = DynamicImage::ImageRgb8(gradient(64, 64));
        let low = encode_jpeg(&img, 0).unwrap();
        let high = encode_jpeg(&img, 255).unwrap();
        assert!(low.len() < high.len(), "{} vs {}", low.len(), high.len());
    }

    #[test]
    fn jpeg_of_empty_image_is_an_error() {
        let empty = DynamicImage::ImageRgb8(RgbImage::new(0, 0));
        let err = encode_jpeg(&empty, 90).unwrap_err();
        assert!(
            matches!(err, MediaError::Encode { format: "JPEG", .. }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "failed to encode image as JPEG");
    }

    #[test]
    fn bgr_is_swapped_to_rgb() {
        // Two pixels, 2x1: pure blue then (10, 20, 30) in RGB, written in BGR order.
        let bgr = [255, 0, 0, 30, 20, 10];
        let img = from_pixels(2, 1, PixelLayout::Bgr8, &bgr).unwrap();
        let rgb = img.as_rgb8().unwrap();
        assert_eq!(rgb.get_pixel(0, 0).0, [0, 0, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [10, 20, 30]);
        let same = from_pixels(2, 1, PixelLayout::Rgb8, &bgr).unwrap();
        assert_eq!(same.as_rgb8().unwrap().get_pixel(0, 0).0, [255, 0, 0]);
    }

    #[test]
    fn rgba_pixels_keep_alpha() {
        let img = from_pixels(1, 2, PixelLayout::Rgba8, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        let rgba = img.as_rgba8().unwrap();
        assert_eq!(rgba.get_pixel(0, 1).0, [5, 6, 7, 8]);
    }

    #[test]
    fn pixel_buffer_checks() {
        let err = from_pixels(2, 2, PixelLayout::Rgb8, &[0; 11]).unwrap_err();
        assert!(matches!(
            err,
            MediaError::PixelBufferSize {
                width: 2,
                height: 2,
                expected: 12,
                actual: 11
            }
        ));
        assert!(from_pixels(2, 2, PixelLayout::Rgba8, &[0; 12]).is_err());
        assert!(from_pixels(2, 2, PixelLayout::Rgb8, &[0; 13]).is_err());
        assert!(matches!(
            from_pixels(0, 5, PixelLayout::Rgb8, &[]),
            Err(MediaError::InvalidDimensions {
                width: 0,
                height: 5
            })
        ));
        assert!(matches!(
            from_pixels(u32::MAX, u32::MAX, PixelLayout::Rgba8, &[0; 4]),
            Err(MediaError::InvalidDimensions { .. } | MediaError::PixelBufferSize { .. })
        ));
    }

    #[test]
    fn shrink_keeps_aspect_and_bounds() {
        let landscape = DynamicImage::ImageRgb8(gradient(400, 200));
        let small = shrink_to_long_side(&landscape, 100);
        assert_eq!(small.dimensions(), (100, 50));

        let portrait = DynamicImage::ImageRgb8(gradient(300, 1000));
        assert_eq!(shrink_to_long_side(&portrait, 100).dimensions(), (30, 100));

        let odd = DynamicImage::ImageRgb8(gradient(1001, 333));
        let shrunk = shrink_to_long_side(&odd, 640);
        assert_eq!(shrunk.dimensions(), (640, 213)); // 333 * 640 / 1001 = 212.9

        let sliver = DynamicImage::ImageRgb8(gradient(1000, 3));
        assert_eq!(shrink_to_long_side(&sliver, 10).dimensions(), (10, 1));

        let zero_limit = shrink_to_long_side(&landscape, 0);
        assert_eq!(zero_limit.dimensions(), (1, 1));
    }

    #[test]
    fn shrink_never_upscales() {
        let img = DynamicImage::ImageRgb8(gradient(50, 20));
        assert_eq!(shrink_to_long_side(&img, 50), img);
        assert_eq!(shrink_to_long_side(&img, 5000), img);
        let empty = DynamicImage::ImageRgb8(RgbImage::new(0, 0));
        assert_eq!(shrink_to_long_side(&empty, 10).dimensions(), (0, 0));
    }

    #[test]
    fn shrink_averages_colours() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb([120, 60, 30])));
        let small = shrink_to_long_side(&img, 8).to_rgb8();
        assert_eq!(small.get_pixel(3, 3).0, [120, 60, 30]);
    }

    #[test]
    fn png_round_trip_is_lossless() {
        let img = DynamicImage::ImageRgb8(gradient(7, 5));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, ImageFormat::Png).unwrap();
        let png = png.into_inner();
        assert_eq!(sniff_mime(&png), Some(mime::IMAGE_PNG));
        assert_eq!(decode(&png).unwrap(), img);
    }

    #[test]
    fn decode_errors() {
        assert!(matches!(decode(b""), Err(MediaError::Decode { .. })));
        assert!(matches!(
            decode(b"garbage bytes"),
            Err(MediaError::Decode { .. })
        ));
        // A truncated JPEG never panics (decoders may fill in the missing part).
        let jpeg = encode_jpeg(&DynamicImage::ImageRgb8(gradient(32, 32)), 90).unwrap();
        let _ = decode(&jpeg[..jpeg.len() / 2]);
        assert_eq!(
            decode(b"xx").unwrap_err().to_string(),
            "failed to decode image"
        );
    }
}
