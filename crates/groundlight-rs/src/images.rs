//! Images to submit, and how they are prepared for upload (the official SDK's `images.py`).
//!
//! | input | sent as |
//! |---|---|
//! | JPEG bytes, a `.jpg`/`.jpeg` file | as they are (files are streamed) |
//! | PNG, WebP, GIF, BMP… bytes or files | with the `image` feature: decoded and re-encoded as JPEG at quality 95; without it: as they are, with their true `Content-Type` (the API accepts PNG, GIF, WebP, BMP and ICO; other formats are an error) |
//! | decoded pixels (`image` feature: [`image::DynamicImage`], RGB/BGR/RGBA buffers) | JPEG at quality 95 (BGR swapped to RGB, alpha dropped) |
//!
//! **Oversized images.** An image larger than [`SHRINK_THRESHOLD_BYTES`] once encoded is, by
//! default, decoded, converted to RGB, resized (bicubic) so that its long side is at most
//! [`SHRINK_MAX_SIDE`] pixels, and re-encoded as JPEG at quality [`SHRINK_JPEG_QUALITY`], once —
//! as the official SDK does. Turn it off with
//! [`GroundlightBuilder::shrink_oversized_images`](crate::GroundlightBuilder::shrink_oversized_images)
//! or `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES=0`. Shrinking needs the `image` feature: **without
//! it, oversized images are sent unchanged** and a `tracing` warning says so.
//!
//! Unlike the official SDK, bytes that are not a recognisable image are rejected locally
//! ([`Error::Media`]), and the true `Content-Type` is sent (the official SDK labels everything
//! `image/jpeg`).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use mime::Mime;
use vision_sdk_common::{MediaInput, MediaSource};

use crate::error::{Error, Result};

/// Images larger than this many bytes (once encoded) are shrunk before upload.
pub const SHRINK_THRESHOLD_BYTES: u64 = 256_000;
/// The long side, in pixels, of a shrunk image.
pub const SHRINK_MAX_SIDE: u32 = 1024;
/// JPEG quality of a shrunk image.
pub const SHRINK_JPEG_QUALITY: u8 = 85;
/// JPEG quality of re-encoded images and decoded pixels.
pub const JPEG_QUALITY: u8 = 95;

/// Image types the API accepts as a request body besides JPEG.
#[cfg_attr(feature = "image", allow(dead_code))]
const ACCEPTED_NON_JPEG: &[&str] = &[
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// An image to submit: a thin wrapper over [`MediaInput`] (encoded bytes, a file, a prepared
/// [`MediaSource`], or — feature `image` — decoded pixels). Constructors are synchronous and
/// never fail; the image is opened and checked when the call is sent, and a problem is
/// reported as [`Error::Media`] before any request goes out.
///
/// ```
/// use groundlight::Image;
/// let from_bytes = Image::from(vec![0xFF, 0xD8, 0xFF, 0xE0]);
/// let from_file = Image::from_path("frame.jpg");
/// let from_input = Image::from(groundlight::MediaInput::from_path("frame.jpg"));
/// # drop((from_bytes, from_file, from_input));
/// ```
#[derive(Debug, Clone)]
pub struct Image {
    input: MediaInput,
}

impl Image {
    /// Encoded image bytes (JPEG, PNG, …; the type is sniffed from the content).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            input: MediaInput::from_bytes(bytes),
        }
    }

    /// An image file; read (streamed) when the request is sent. `.jpg`/`.jpeg` files are sent as
    /// they are.
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        Self {
            input: MediaInput::from_path(path),
        }
    }

    /// Media prepared by the caller (its MIME type is trusted).
    pub fn from_source(media: MediaSource) -> Self {
        Self {
            input: MediaInput::from_source(media),
        }
    }

    /// A decoded image (feature `image`), encoded as JPEG at quality 95 when sent.
    #[cfg(feature = "image")]
    pub fn from_dynamic_image(image: image::DynamicImage) -> Self {
        Self {
            input: MediaInput::from_dynamic_image(image),
        }
    }

    /// A raw 8-bit pixel buffer of `width × height` pixels (feature `image`), row-major without
    /// padding. Use [`PixelLayout::Bgr8`](vision_sdk_common::image::PixelLayout::Bgr8) for
    /// OpenCV frames (the official SDK's numpy BGR arrays).
    ///
    /// A buffer of the wrong size is reported when the request is sent, before anything goes
    /// out.
    #[cfg(feature = "image")]
    pub fn from_pixels(
        width: u32,
        height: u32,
        layout: vision_sdk_common::image::PixelLayout,
        data: &[u8],
    ) -> Self {
        match vision_sdk_common::image::from_pixels(width, height, layout, data) {
            Ok(img) => Self::from_dynamic_image(img),
            Err(e) => Self {
                input: MediaInput::invalid(e),
            },
        }
    }

    /// The media input this image wraps.
    pub fn as_input(&self) -> &MediaInput {
        &self.input
    }

    /// The image as it is, without conversion or shrinking (decoded pixels become JPEG).
    pub(crate) async fn prepare_unconverted(&self) -> Result<MediaSource> {
        Ok(self.input.resolve(JPEG_QUALITY).await?)
    }

    /// Prepares the image for upload (see the [module docs](self)).
    pub(crate) async fn prepare(&self, shrink: bool) -> Result<MediaSource> {
        #[cfg(feature = "image")]
        if let Some(img) = self.input.decoded() {
            let jpeg = vision_sdk_common::image::encode_jpeg(img, JPEG_QUALITY)?;
            return shrink_decoded(img, jpeg, shrink);
        }
        let media = self.input.resolve(JPEG_QUALITY).await?;
        prepare_media(media, shrink).await
    }
}

impl From<MediaInput> for Image {
    fn from(input: MediaInput) -> Self {
        Self { input }
    }
}

impl From<Image> for MediaInput {
    fn from(image: Image) -> Self {
        image.input
    }
}

impl From<&Image> for Image {
    fn from(image: &Image) -> Self {
        image.clone()
    }
}

impl From<Bytes> for Image {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}

impl From<Vec<u8>> for Image {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from_bytes(bytes)
    }
}

impl From<&'static [u8]> for Image {
    fn from(bytes: &'static [u8]) -> Self {
        Self::from_bytes(Bytes::from_static(bytes))
    }
}

impl From<&Path> for Image {
    fn from(path: &Path) -> Self {
        Self::from_path(path)
    }
}

impl From<PathBuf> for Image {
    fn from(path: PathBuf) -> Self {
        Self::from_path(path)
    }
}

impl From<&PathBuf> for Image {
    fn from(path: &PathBuf) -> Self {
        Self::from_path(path)
    }
}

impl From<MediaSource> for Image {
    fn from(media: MediaSource) -> Self {
        Self::from_source(media)
    }
}

#[cfg(feature = "image")]
impl From<image::DynamicImage> for Image {
    fn from(img: image::DynamicImage) -> Self {
        Self::from_dynamic_image(img)
    }
}

#[cfg(feature = "image")]
impl From<image::RgbImage> for Image {
    fn from(img: image::RgbImage) -> Self {
        Self::from_dynamic_image(image::DynamicImage::ImageRgb8(img))
    }
}

#[cfg(feature = "image")]
impl From<image::RgbaImage> for Image {
    fn from(img: image::RgbaImage) -> Self {
        Self::from_dynamic_image(image::DynamicImage::ImageRgba8(img))
    }
}

fn is_jpeg(mime: &Mime) -> bool {
    matches!(
        mime.essence_str(),
        "image/jpeg" | "image/jpg" | "image/pjpeg"
    )
}

fn is_oversized(media: &MediaSource) -> bool {
    media.len().is_some_and(|len| len > SHRINK_THRESHOLD_BYTES)
}

async fn prepare_media(media: MediaSource, shrink: bool) -> Result<MediaSource> {
    let mime = media.mime().clone();
    if mime.type_() != mime::IMAGE {
        return Err(Error::invalid(format!(
            "expected an image, got {}",
            mime.essence_str()
        )));
    }
    if is_jpeg(&mime) {
        if shrink && is_oversized(&media) {
            return shrink_encoded(media).await;
        }
        return Ok(media);
    }
    reencode_non_jpeg(media, shrink).await
}

#[cfg(feature = "image")]
async fn shrink_encoded(media: MediaSource) -> Result<MediaSource> {
    let data = media.read_all().await?;
    let img = vision_sdk_common::image::decode(&data)?;
    let small = vision_sdk_common::image::shrink_to_long_side(&img, SHRINK_MAX_SIDE);
    let jpeg = vision_sdk_common::image::encode_jpeg(&small, SHRINK_JPEG_QUALITY)?;
    tracing::debug!(
        from = data.len(),
        to = jpeg.len(),
        "shrunk an oversized image before upload"
    );
    Ok(MediaSource::from_bytes_with_mime(jpeg, mime::IMAGE_JPEG))
}

#[cfg(not(feature = "image"))]
async fn shrink_encoded(media: MediaSource) -> Result<MediaSource> {
    warn_not_shrunk(&media);
    Ok(media)
}

#[cfg(not(feature = "image"))]
fn warn_not_shrunk(media: &MediaSource) {
    tracing::warn!(
        bytes = media.len(),
        "image is larger than 256,000 bytes but groundlight-rs was built without the `image` feature, so it is sent unshrunk"
    );
}

#[cfg(feature = "image")]
fn shrink_decoded(img: &image::DynamicImage, jpeg: Bytes, shrink: bool) -> Result<MediaSource> {
    if shrink && u64::try_from(jpeg.len()).unwrap_or(u64::MAX) > SHRINK_THRESHOLD_BYTES {
        let small = vision_sdk_common::image::shrink_to_long_side(img, SHRINK_MAX_SIDE);
        let smaller = vision_sdk_common::image::encode_jpeg(&small, SHRINK_JPEG_QUALITY)?;
        return Ok(MediaSource::from_bytes_with_mime(smaller, mime::IMAGE_JPEG));
    }
    Ok(MediaSource::from_bytes_with_mime(jpeg, mime::IMAGE_JPEG))
}

#[cfg(feature = "image")]
async fn reencode_non_jpeg(media: MediaSource, shrink: bool) -> Result<MediaSource> {
    let data = media.read_all().await?;
    let img = vision_sdk_common::image::decode(&data)?;
    let jpeg = vision_sdk_common::image::encode_jpeg(&img, JPEG_QUALITY)?;
    shrink_decoded(&img, jpeg, shrink)
}

#[cfg(not(feature = "image"))]
async fn reencode_non_jpeg(media: MediaSource, shrink: bool) -> Result<MediaSource> {
    if !ACCEPTED_NON_JPEG.contains(&media.mime().essence_str()) {
        return Err(Error::invalid(format!(
            "{} images are not accepted by the API; enable the `image` feature to have them converted to JPEG",
            media.mime().essence_str()
        )));
    }
    if shrink && is_oversized(&media) {
        warn_not_shrunk(&media);
    }
    Ok(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY_JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

    #[tokio::test]
    async fn small_jpeg_bytes_pass_through() {
        let media = Image::from(TINY_JPEG).prepare(true).await.unwrap();
        assert_eq!(media.mime(), &mime::IMAGE_JPEG);
        assert_eq!(media.as_bytes().unwrap().as_ref(), TINY_JPEG);
    }

    #[tokio::test]
    async fn garbage_is_rejected_locally() {
        let err = Image::from(b"definitely not an image".to_vec())
            .prepare(true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err}");
    }

    #[tokio::test]
    async fn jpeg_file_is_streamed_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frame.jpg");
        std::fs::write(&path, TINY_JPEG).unwrap();
        let media = Image::from_path(&path).prepare(true).await.unwrap();
        assert_eq!(media.path(), Some(path.as_path()));
        assert_eq!(media.mime(), &mime::IMAGE_JPEG);
        let missing = Image::from_path(dir.path().join("nope.jpg"))
            .prepare(true)
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::Media(_)));
    }
}
