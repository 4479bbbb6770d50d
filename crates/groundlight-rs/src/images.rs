//! Images to submit, and how they are prepared for upload (the official SDK's `images.py`).
//!
//! | input | sent as |
//! |---|---|
//! | JPEG bytes, a `.jpg`/`.jpeg` file | as they are (files are streamed), unless oversized |
//! | PNG bytes or files | decoded and re-encoded as JPEG at quality 95 (feature `jpeg`, on by default) |
//! | WebP, GIF, BMP… bytes or files | with the `image` feature: converted to JPEG at quality 95 like PNG; without it: as they are, with their true `Content-Type` (the API accepts PNG, GIF, WebP, BMP and ICO; other formats are an error) |
//! | decoded pixels (`image` feature: [`image::DynamicImage`], RGB/BGR/RGBA buffers) | JPEG at quality 95 (BGR swapped to RGB, alpha dropped) |
//!
//! **Oversized images.** An image larger than [`SHRINK_THRESHOLD_BYTES`] once encoded is, by
//! default, decoded, converted to RGB, resized with PIL's bicubic filter (bit for bit) so that its
//! long side is [`SHRINK_MAX_SIDE`] pixels (the other side truncated, [`shrunk_size`]) if it is
//! longer, and re-encoded as JPEG at quality [`SHRINK_JPEG_QUALITY`], once — as the official
//! SDK's `shrink_image_if_needed` does. Turn it off with
//! [`GroundlightBuilder::shrink_oversized_images`](crate::GroundlightBuilder::shrink_oversized_images)
//! or `GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES=0`. JPEG and PNG are decoded by the light codecs of
//! the default feature `jpeg` (`vision_sdk_common::codec`); an oversized GIF, WebP or BMP is
//! shrunk only with the `image` feature, and is otherwise sent unchanged with a `tracing`
//! warning (as is everything when `jpeg` is turned off).
//!
//! Differences from the official SDK: PNG *bytes* are converted too (Python converts `.png`
//! files and passes bytes through); [`Groundlight::ask_vlm_verify`](crate::Groundlight::ask_vlm_verify)
//! never shrinks nor re-encodes a JPEG.
//!
//! Unlike the official SDK, bytes that are not a recognisable image are rejected locally
//! ([`Error::Media`]), and the true `Content-Type` is sent (the official SDK labels everything
//! `image/jpeg`).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use mime::Mime;
#[cfg(feature = "jpeg")]
use vision_sdk_common::codec;
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
            let rgb = codec::from_dynamic_image(img)?;
            return encode_pixels(&rgb, shrink);
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

/// The size the official SDK shrinks a `width × height` image to: the long side becomes
/// [`SHRINK_MAX_SIDE`] and the other is scaled in proportion and truncated (Python's `int()`),
/// at least 1 pixel. `None` when the long side already fits (the image is only re-encoded).
///
/// ```
/// use groundlight::images::shrunk_size;
/// assert_eq!(shrunk_size(4000, 3000), Some((1024, 768)));
/// assert_eq!(shrunk_size(1500, 1003), Some((1024, 684))); // 684.7 truncated
/// assert_eq!(shrunk_size(720, 1280), Some((576, 1024)));
/// assert_eq!(shrunk_size(1024, 600), None);
/// ```
pub fn shrunk_size(width: u32, height: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long <= SHRINK_MAX_SIDE {
        return None;
    }
    let scale = |side: u32| -> u32 {
        let scaled = u64::from(side) * u64::from(SHRINK_MAX_SIDE) / u64::from(long);
        u32::try_from(scaled).unwrap_or(SHRINK_MAX_SIDE).max(1)
    };
    Some(if width >= height {
        (SHRINK_MAX_SIDE, scale(height))
    } else {
        (scale(width), SHRINK_MAX_SIDE)
    })
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

/// Decoded pixels to upload: JPEG at [`JPEG_QUALITY`], shrunk (bicubic, truncated size,
/// [`SHRINK_JPEG_QUALITY`]) when that is over [`SHRINK_THRESHOLD_BYTES`] and `shrink` is on.
#[cfg(feature = "jpeg")]
fn encode_pixels(img: &codec::RgbImage, shrink: bool) -> Result<MediaSource> {
    let jpeg = codec::encode_jpeg(img, JPEG_QUALITY)?;
    if shrink && u64::try_from(jpeg.len()).unwrap_or(u64::MAX) > SHRINK_THRESHOLD_BYTES {
        return shrink_pixels(img, jpeg.len());
    }
    Ok(MediaSource::from_bytes_with_mime(jpeg, mime::IMAGE_JPEG))
}

/// The official SDK's `shrink_image_if_needed` on decoded pixels: resized if the long side is
/// over [`SHRINK_MAX_SIDE`], re-encoded at [`SHRINK_JPEG_QUALITY`] in any case, once.
#[cfg(feature = "jpeg")]
fn shrink_pixels(img: &codec::RgbImage, from: usize) -> Result<MediaSource> {
    let jpeg = match shrunk_size(img.width(), img.height()) {
        Some((width, height)) => codec::encode_jpeg(
            &codec::resize(img, width, height, codec::Filter::Bicubic),
            SHRINK_JPEG_QUALITY,
        )?,
        None => codec::encode_jpeg(img, SHRINK_JPEG_QUALITY)?,
    };
    tracing::debug!(
        from,
        to = jpeg.len(),
        "shrunk an oversized image before upload"
    );
    Ok(MediaSource::from_bytes_with_mime(jpeg, mime::IMAGE_JPEG))
}

/// Decoding and resizing a camera frame takes tens of milliseconds: off the async threads.
#[cfg(feature = "jpeg")]
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::invalid(format!("the image preparation task failed: {e}")))?
}

#[cfg(feature = "jpeg")]
async fn shrink_encoded(media: MediaSource) -> Result<MediaSource> {
    let data = media.read_all().await?;
    off_runtime(move || {
        let img = codec::decode(&data)?;
        shrink_pixels(&img, data.len())
    })
    .await
}

#[cfg(not(feature = "jpeg"))]
async fn shrink_encoded(media: MediaSource) -> Result<MediaSource> {
    warn_not_shrunk(&media);
    Ok(media)
}

fn warn_not_shrunk(media: &MediaSource) {
    tracing::warn!(
        bytes = media.len(),
        mime = media.mime().essence_str(),
        "image is larger than 256,000 bytes but cannot be decoded by this build (JPEG and PNG need the `jpeg` feature, other formats the `image` feature), so it is sent unshrunk"
    );
}

/// PNG (and, with the `image` feature, every other format the `image` crate reads) becomes
/// JPEG; what this build cannot decode is sent as it is when the API accepts it.
async fn reencode_non_jpeg(media: MediaSource, shrink: bool) -> Result<MediaSource> {
    #[cfg(feature = "jpeg")]
    if media.mime() == &mime::IMAGE_PNG || cfg!(feature = "image") {
        let data = media.read_all().await?;
        return off_runtime(move || encode_pixels(&decode_any(&data)?, shrink)).await;
    }
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

/// PNG through the light path; with the `image` feature, any format the `image` crate reads.
#[cfg(feature = "jpeg")]
fn decode_any(data: &[u8]) -> Result<codec::RgbImage> {
    #[cfg(feature = "image")]
    if !data.starts_with(b"\x89PNG") {
        let img = vision_sdk_common::image::decode(data)?;
        return Ok(codec::from_dynamic_image(&img)?);
    }
    Ok(codec::decode(data)?)
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
