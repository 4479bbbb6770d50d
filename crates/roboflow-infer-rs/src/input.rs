//! Images to run models on.
//!
//! [`Image`] is a thin wrapper over [`MediaInput`] (convention C8): constructors are
//! synchronous and infallible, problems are reported by `send()` before any request. An image
//! is a file, bytes, a URL the client fetches (under the [`UrlInputPolicy`]), a URL the **server**
//! fetches ([`Image::server_url`]: v0 `?image=`, v1 `{"type": "url"}`), text that already is
//! base64, or decoded pixels (feature `image`).
//!
//! Files and bytes are sent as they are (no re-encoding, as upstream), unless client-side
//! downsizing is on and the image is larger than the model's input.
//!
//! [`UrlInputPolicy`]: crate::UrlInputPolicy

use std::path::{Path, PathBuf};

use vision_sdk_common::bytes::Bytes;
use vision_sdk_common::reqwest::Url;
use vision_sdk_common::{MediaInput, MediaSource};

use crate::client::{CallOptions, InferenceClient};
use crate::error::{Error, Result};
use crate::models::{append_base64, encode_base64};

/// An image for a model: a file, bytes, a URL the client fetches (under the client's
/// [`UrlInputPolicy`](crate::UrlInputPolicy)), a URL the **server** fetches
/// ([`Image::server_url`]: v0 `?image=`, v1 `{"type": "url"}`), text that already is base64, or
/// decoded pixels (feature `image`). Constructors are synchronous and infallible; problems are
/// reported by `send()` before any request. Files and bytes are sent as they are (no
/// re-encoding, as upstream) unless client-side downsizing shrinks them.
///
/// ```
/// use roboflow_infer::Image;
///
/// let from_file = Image::from_path("dog.jpg");
/// let from_memory = Image::from_bytes(vec![0xff, 0xd8, 0xff, 0xe0]);
/// let fetched_by_client = Image::from_url("https://example.com/dog.jpg");
/// let fetched_by_server = Image::server_url("https://example.com/dog.jpg");
/// # let _ = (from_file, from_memory, fetched_by_client, fetched_by_server);
/// ```
#[derive(Debug, Clone)]
pub struct Image {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    Media(MediaInput),
    Base64(String),
    ServerUrl(String),
}

/// What an image is on the wire, once loaded.
#[derive(Debug, Clone)]
pub(crate) enum Loaded {
    /// The image's bytes (file, memory, fetched URL, decoded base64).
    Bytes(Bytes),
    /// Base64 text given by the caller (not decoded unless downsizing needs it).
    Base64(String),
    /// A URL for the server to fetch.
    ServerUrl(String),
}

impl Loaded {
    /// The base64 text of an image to send (`None` for a server URL).
    pub(crate) fn base64(&self) -> Option<String> {
        match self {
            Self::Bytes(bytes) => Some(encode_base64(bytes)),
            Self::Base64(text) => Some(text.clone()),
            Self::ServerUrl(_) => None,
        }
    }

    /// The base64 text of an image to send, as a request body (`None` for a server URL):
    /// encoded straight into the buffer that becomes the body, no further copy.
    pub(crate) fn base64_body(&self) -> Option<Bytes> {
        match self {
            Self::Bytes(bytes) => {
                let mut out = Vec::new();
                append_base64(bytes, &mut out);
                Some(Bytes::from(out))
            }
            Self::Base64(text) => Some(Bytes::from(text.clone().into_bytes())),
            Self::ServerUrl(_) => None,
        }
    }

    /// Appends the v1 JSON form (as [`to_json`](Self::to_json)) to a JSON document being
    /// written: the base64 of bytes is encoded in place (base64 needs no JSON escaping), so a
    /// multi-megabyte image is neither held as a `serde_json::Value` nor scanned for escapes.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Self::Bytes(bytes) => {
                out.reserve(bytes.len().div_ceil(3) * 4 + 32);
                out.extend_from_slice(br#"{"type":"base64","value":""#);
                append_base64(bytes, out);
                out.extend_from_slice(br#""}"#);
                Ok(())
            }
            other => serde_json::to_writer(out, &other.to_json()),
        }
    }

    /// The v1 / workflow JSON form: `{"type": "base64" | "url", "value": …}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Self::ServerUrl(url) => serde_json::json!({"type": "url", "value": url}),
            other => {
                serde_json::json!({"type": "base64", "value": other.base64().unwrap_or_default()})
            }
        }
    }
}

impl Image {
    /// A file, read when the call is sent.
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        Self::from_media(MediaInput::from_path(path))
    }

    /// Encoded image bytes (JPEG, PNG, …).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::from_media(MediaInput::from_bytes(bytes))
    }

    /// A URL the client fetches (under the client's [`UrlInputPolicy`](crate::UrlInputPolicy))
    /// and sends as base64, as the official client does with URL strings.
    pub fn from_url(url: impl AsRef<str>) -> Self {
        Self::from_media(MediaInput::from_url(url))
    }

    /// A URL the server fetches: v0 sends it as `?image=<url>` (no body), v1 and workflows as
    /// `{"type": "url", "value": <url>}`. The server applies its own rules (by default it
    /// refuses non-https URLs).
    pub fn server_url(url: impl Into<String>) -> Self {
        Self {
            repr: Repr::ServerUrl(url.into()),
        }
    }

    /// Text that already is the image's base64 (sent as is).
    pub fn from_base64(text: impl Into<String>) -> Self {
        Self {
            repr: Repr::Base64(text.into()),
        }
    }

    /// Decoded pixels, encoded as JPEG when sent (the official client's `np.ndarray` / PIL).
    #[cfg(feature = "image")]
    pub fn from_dynamic_image(image: image::DynamicImage) -> Self {
        Self::from_media(MediaInput::from_dynamic_image(image))
    }

    /// Any [`MediaInput`].
    pub fn from_media(media: MediaInput) -> Self {
        Self {
            repr: Repr::Media(media),
        }
    }

    /// Whether the server fetches this image.
    pub fn is_server_url(&self) -> bool {
        matches!(self.repr, Repr::ServerUrl(_))
    }

    /// The encoded bytes, for an image made from bytes (also each frame
    /// [`infer_on_stream`](crate::InferenceClient::infer_on_stream) read from a file).
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.repr {
            Repr::Media(media) => media.bytes(),
            _ => None,
        }
    }

    /// The file, for an image made with [`Image::from_path`].
    pub fn path(&self) -> Option<&Path> {
        match &self.repr {
            Repr::Media(media) => media.path(),
            _ => None,
        }
    }

    /// Loads the image: reads the file, fetches the URL, encodes pixels.
    pub(crate) async fn load(
        &self,
        client: &InferenceClient,
        options: &CallOptions,
    ) -> Result<Loaded> {
        match &self.repr {
            Repr::Base64(text) if text.trim().is_empty() => {
                Err(Error::InvalidInput("an empty base64 image".into()))
            }
            Repr::Base64(text) => Ok(Loaded::Base64(text.clone())),
            Repr::ServerUrl(url) => {
                Url::parse(url)
                    .map_err(|e| Error::InvalidInput(format!("invalid image URL: {e}")))?;
                Ok(Loaded::ServerUrl(url.clone()))
            }
            Repr::Media(media) => {
                if let Some(url) = media.url() {
                    return crate::url_input::fetch(client, url, options)
                        .await
                        .map(Loaded::Bytes);
                }
                if let Some(path) = media.path() {
                    // One trip to the blocking pool, no MIME sniffing: the wire carries base64, and
                    // upstream sends any file.
                    return vision_sdk_common::media::read_file(path)
                        .await
                        .map(Loaded::Bytes)
                        .map_err(Error::from);
                }
                let source = media.resolve(95).await?;
                Ok(Loaded::Bytes(source.read_all().await?))
            }
        }
    }
}

impl Image {
    /// The image as a [`MediaSource`] for a multipart upload, and the ratio to rescale the
    /// answer by. A file is not read here: the source re-opens and streams it for every attempt
    /// (constant memory). With downsizing bounds the image is loaded (it must be decoded) and
    /// sent as the shrunk JPEG when it is larger than the bounds. Base64 text is decoded (the
    /// part carries raw bytes). A server-fetched URL has no upload form.
    pub(crate) async fn upload_source(
        &self,
        client: &InferenceClient,
        options: &CallOptions,
        bounds: Option<(u32, u32)>,
    ) -> Result<(MediaSource, Option<f64>)> {
        if bounds.is_none()
            && let Repr::Media(media) = &self.repr
            && media.url().is_none()
        {
            return Ok((media.resolve(95).await?, None));
        }
        let loaded = self.load(client, options).await?;
        let (loaded, ratio) = downsize(loaded, bounds).await?;
        let bytes = match loaded {
            Loaded::Bytes(bytes) => bytes,
            Loaded::Base64(text) => {
                Bytes::from(crate::models::decode_base64(text.trim()).map_err(|e| {
                    Error::InvalidInput(format!(
                        "the base64 image cannot be decoded for a multipart upload: {e}"
                    ))
                })?)
            }
            Loaded::ServerUrl(_) => {
                return Err(Error::InvalidInput(
                    "an Image::server_url image has no multipart upload form".into(),
                ));
            }
        };
        let source = MediaSource::from_bytes(bytes.clone()).unwrap_or_else(|_| {
            MediaSource::from_bytes_with_mime(
                bytes,
                vision_sdk_common::mime::APPLICATION_OCTET_STREAM,
            )
        });
        Ok((source, ratio))
    }
}

impl From<MediaInput> for Image {
    fn from(media: MediaInput) -> Self {
        Self::from_media(media)
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
        Self::from_bytes(bytes)
    }
}
impl From<Url> for Image {
    fn from(url: Url) -> Self {
        Self::from_url(url.as_str())
    }
}
#[cfg(feature = "image")]
impl From<image::DynamicImage> for Image {
    fn from(image: image::DynamicImage) -> Self {
        Self::from_dynamic_image(image)
    }
}

/// [`downsize_now`] off the async threads (decoding, resizing and encoding a large image takes
/// long enough to starve a current-thread runtime, which then misses a server closing an idle
/// connection).
pub(crate) async fn downsize(
    loaded: Loaded,
    bounds: Option<(u32, u32)>,
) -> Result<(Loaded, Option<f64>)> {
    if bounds.is_none() || matches!(loaded, Loaded::ServerUrl(_)) {
        return Ok((loaded, None));
    }
    tokio::task::spawn_blocking(move || downsize_now(loaded, bounds))
        .await
        .map_err(|e| Error::Config(format!("the downsizing task failed: {e}")))?
}

/// Client-side downsizing of one loaded image: the image to send and the ratio to rescale the
/// answer by (`None`: sent as it is).
///
/// JPEG and PNG go through the light codecs of `vision_sdk_common::codec` (feature `jpeg`): a
/// JPEG's size is read from its header, and when the target is at most 1/2, 1/4 or 1/8 of it
/// the JPEG is decoded at that reduction straight from the DCT coefficients, then resized
/// (anti-aliased bilinear) to exactly the planned size and encoded as JPEG at quality 95 (4:2:0,
/// as OpenCV's `imencode`). Other formats need the `image` feature.
#[cfg(feature = "jpeg")]
fn downsize_now(loaded: Loaded, bounds: Option<(u32, u32)>) -> Result<(Loaded, Option<f64>)> {
    use vision_sdk_common::codec;

    let Some(bounds) = bounds else {
        return Ok((loaded, None));
    };
    let bytes = match &loaded {
        Loaded::Bytes(bytes) => bytes.clone(),
        Loaded::Base64(text) => Bytes::from(crate::models::decode_base64(text).map_err(|e| {
            Error::InvalidInput(format!(
                "the base64 image cannot be decoded for downsizing: {e}"
            ))
        })?),
        Loaded::ServerUrl(_) => return Ok((loaded, None)),
    };
    let resized = if codec::is_jpeg(&bytes) {
        let (width, height) = codec::jpeg_dimensions(&bytes)?;
        let Some(plan) = crate::rescale::plan_downsizing(width, height, Some(bounds)) else {
            return Ok((loaded, None));
        };
        let decoded = codec::decode_jpeg_at_least(&bytes, plan.width, plan.height)?;
        Some((decoded, plan))
    } else {
        None
    };
    let (decoded, plan) = match resized {
        Some(found) => found,
        None => {
            let decoded = decode_other(&bytes)?;
            let Some(plan) =
                crate::rescale::plan_downsizing(decoded.width(), decoded.height(), Some(bounds))
            else {
                return Ok((loaded, None));
            };
            (decoded, plan)
        }
    };
    let small = codec::resize(&decoded, plan.width, plan.height, codec::Filter::Bilinear);
    let jpeg = codec::encode_jpeg(&small, 95)?;
    Ok((Loaded::Bytes(jpeg), Some(plan.ratio)))
}

/// PNG through the light path; with the `image` feature, every format the `image` crate reads.
#[cfg(feature = "jpeg")]
fn decode_other(bytes: &[u8]) -> Result<vision_sdk_common::codec::RgbImage> {
    #[cfg(feature = "image")]
    if !bytes.starts_with(b"\x89PNG") {
        let decoded = vision_sdk_common::image::decode(bytes)?;
        return Ok(vision_sdk_common::codec::from_dynamic_image(&decoded)?);
    }
    Ok(vision_sdk_common::codec::decode(bytes)?)
}

/// Without the `jpeg` feature, downsizing cannot run: a clear error instead of silently
/// sending the full image.
#[cfg(not(feature = "jpeg"))]
fn downsize_now(loaded: Loaded, bounds: Option<(u32, u32)>) -> Result<(Loaded, Option<f64>)> {
    match bounds {
        None => Ok((loaded, None)),
        Some(_) => Err(Error::Config(
            "client-side downsizing (client_downsizing_disabled = false) needs the crate feature `jpeg` (on by default)".into(),
        )),
    }
}

#[cfg(all(test, feature = "jpeg"))]
mod downsizing_tests {
    use super::*;
    use vision_sdk_common::codec::{self, RgbImage};

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            [(x * 255 / width) as u8, (y * 255 / height) as u8, 90]
        })
    }

    fn sent(loaded: &Loaded) -> RgbImage {
        match loaded {
            Loaded::Bytes(bytes) => codec::decode(bytes).unwrap(),
            _ => panic!("downsizing sends bytes"),
        }
    }

    fn close(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
    }

    #[test]
    fn jpeg_is_decoded_reduced_then_resized_to_the_planned_size() {
        let source = gradient(2000, 1500);
        let jpeg = codec::encode_jpeg(&source, 90).unwrap();
        // Bounds (max_height, max_width) = (480, 640): ratio 0.32, a 1/2 DCT-domain decode
        // (1000×750), then 640×480 exactly.
        let (out, ratio) = downsize_now(Loaded::Bytes(jpeg.clone()), Some((480, 640))).unwrap();
        assert_eq!(ratio, Some(0.32));
        let img = sent(&out);
        assert_eq!((img.width(), img.height()), (640, 480));
        for (x, y) in [(10, 10), (320, 240), (600, 450)] {
            let (sx, sy) = ((f64::from(x) / 0.32) as u32, (f64::from(y) / 0.32) as u32);
            assert!(
                close(img.pixel(x, y), source.pixel(sx, sy)),
                "{x},{y}: {:?} vs {:?}",
                img.pixel(x, y),
                source.pixel(sx, sy)
            );
        }
        // 1/8 reduction: 2000×1500 → 250×188 decoded, then 200×150.
        let (out, ratio) = downsize_now(Loaded::Bytes(jpeg), Some((150, 200))).unwrap();
        assert_eq!(ratio, Some(0.1));
        assert_eq!(sent(&out).width(), 200);
    }

    #[test]
    fn odd_sizes_follow_the_plan_and_base64_is_decoded() {
        let jpeg = codec::encode_jpeg(&gradient(1001, 333), 90).unwrap();
        let text = crate::models::encode_base64(&jpeg);
        let (out, ratio) = downsize_now(Loaded::Base64(text), Some((1024, 500))).unwrap();
        let plan = crate::rescale::plan_downsizing(1001, 333, Some((1024, 500))).unwrap();
        assert_eq!(ratio, Some(plan.ratio));
        let img = sent(&out);
        assert_eq!((img.width(), img.height()), (plan.width, plan.height));
        assert_eq!((plan.width, plan.height), (500, 166));
    }

    #[test]
    fn images_that_fit_are_sent_as_they_are() {
        let jpeg = codec::encode_jpeg(&gradient(64, 48), 90).unwrap();
        let (out, ratio) = downsize_now(Loaded::Bytes(jpeg.clone()), Some((48, 64))).unwrap();
        assert_eq!(ratio, None);
        assert!(matches!(out, Loaded::Bytes(b) if b == jpeg));
        let (out, ratio) = downsize_now(Loaded::Bytes(jpeg.clone()), None).unwrap();
        assert!(ratio.is_none() && matches!(out, Loaded::Bytes(_)));
    }

    #[test]
    fn png_is_downsized_and_garbage_is_an_error() {
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, 400, 300);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer
                .write_image_data(gradient(400, 300).as_bytes())
                .unwrap();
        }
        let (out, ratio) = downsize_now(Loaded::Bytes(Bytes::from(png)), Some((150, 200))).unwrap();
        assert_eq!(ratio, Some(0.5));
        let img = sent(&out);
        assert_eq!((img.width(), img.height()), (200, 150));

        let err = downsize_now(
            Loaded::Bytes(Bytes::from_static(b"\xFF\xD8\xFFnot really")),
            Some((10, 10)),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err}");
        let err =
            downsize_now(Loaded::Bytes(Bytes::from_static(b"GIF89a")), Some((10, 10))).unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err}");
    }
}
