//! [`MediaInput`]: the one lazy media argument every provider's `Image`/`Video` wraps.
//!
//! Constructors are synchronous and never fail; nothing is opened, read or fetched until the
//! call is sent, where [`MediaInput::resolve`] turns the input into a [`MediaSource`] (MIME from
//! the extension and the magic bytes) or reports a [`MediaError`] before any request goes out.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use mime::Mime;

use crate::media::{MediaError, MediaSource};

/// A lazily opened media input: a path, bytes, an async reader, a URL, a prepared
/// [`MediaSource`], or (feature `image`) decoded pixels.
///
/// ```
/// use vision_sdk_common::media::MediaInput;
/// let a = MediaInput::from_path("frame.jpg");          // opened when sent
/// let b = MediaInput::from(vec![0xFF, 0xD8, 0xFF, 0xE0]); // sniffed when sent
/// let c = MediaInput::from_url("https://example.com/cat.jpg");
/// assert!(a.path().is_some() && b.path().is_none() && c.url().is_some());
/// ```
#[derive(Clone)]
pub struct MediaInput {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    Path(PathBuf),
    Bytes(Bytes),
    Source(MediaSource),
    Url(reqwest::Url),
    #[cfg(feature = "image")]
    Decoded(Arc<image::DynamicImage>),
    Invalid(Arc<MediaError>),
}

impl fmt::Debug for MediaInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Path(p) => f.debug_tuple("MediaInput::Path").field(p).finish(),
            Repr::Bytes(b) => write!(f, "MediaInput::Bytes({} bytes)", b.len()),
            Repr::Source(s) => f.debug_tuple("MediaInput::Source").field(s).finish(),
            Repr::Url(u) => f
                .debug_tuple("MediaInput::Url")
                .field(&crate::auth::redact_url(u))
                .finish(),
            #[cfg(feature = "image")]
            Repr::Decoded(img) => {
                write!(f, "MediaInput::Decoded({}x{})", img.width(), img.height())
            }
            Repr::Invalid(e) => f.debug_tuple("MediaInput::Invalid").field(e).finish(),
        }
    }
}

impl MediaInput {
    /// A file, opened (and streamed) when the call is sent.
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        Self {
            repr: Repr::Path(path.as_ref().to_path_buf()),
        }
    }
    /// Encoded media bytes; the type is sniffed from the content when sent.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            repr: Repr::Bytes(bytes.into()),
        }
    }
    /// Media bytes of a declared type.
    pub fn from_bytes_with_mime(bytes: impl Into<Bytes>, mime: Mime) -> Self {
        Self::from_source(MediaSource::from_bytes_with_mime(bytes, mime))
    }
    /// An async reader of a declared type (sent once: a call reading it is not retried).
    pub fn from_reader<R>(reader: R, mime: Mime, length: Option<u64>) -> Self
    where
        R: tokio::io::AsyncRead + Send + 'static,
    {
        Self::from_source(MediaSource::from_reader(reader, mime, length))
    }
    /// A URL (`http` or `https`), for providers that send it to the server or fetch it.
    /// An unusable URL is reported when the call is sent.
    pub fn from_url(url: impl AsRef<str>) -> Self {
        let text = url.as_ref().trim();
        match reqwest::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Self {
                repr: Repr::Url(url),
            },
            Ok(url) => Self::invalid(MediaError::InvalidUrl {
                why: format!("the scheme `{}` is not http or https", url.scheme()),
            }),
            Err(e) => Self::invalid(MediaError::InvalidUrl { why: e.to_string() }),
        }
    }
    /// Media prepared by the caller (its MIME type is trusted).
    pub fn from_source(source: MediaSource) -> Self {
        Self {
            repr: Repr::Source(source),
        }
    }
    /// Decoded pixels (feature `image`), encoded as JPEG when sent.
    #[cfg(feature = "image")]
    pub fn from_dynamic_image(image: image::DynamicImage) -> Self {
        Self {
            repr: Repr::Decoded(Arc::new(image)),
        }
    }
    /// An input that fails with `error` when sent (for provider constructors that detect a
    /// problem early but keep constructors infallible).
    pub fn invalid(error: MediaError) -> Self {
        Self {
            repr: Repr::Invalid(Arc::new(error)),
        }
    }

    /// The path, if the input is a file.
    pub fn path(&self) -> Option<&Path> {
        match &self.repr {
            Repr::Path(p) => Some(p),
            Repr::Source(s) => s.path(),
            _ => None,
        }
    }
    /// The URL, if the input is one.
    pub fn url(&self) -> Option<&reqwest::Url> {
        match &self.repr {
            Repr::Url(u) => Some(u),
            _ => None,
        }
    }
    /// The bytes, if the input is in memory.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.repr {
            Repr::Bytes(b) => Some(b),
            Repr::Source(s) => s.as_bytes(),
            _ => None,
        }
    }
    /// The decoded image, if the input is one (feature `image`).
    #[cfg(feature = "image")]
    pub fn decoded(&self) -> Option<&image::DynamicImage> {
        match &self.repr {
            Repr::Decoded(img) => Some(img),
            _ => None,
        }
    }

    /// Opens the input as a [`MediaSource`] (a file is opened and measured, bytes sniffed,
    /// decoded pixels encoded as JPEG at `jpeg_quality`). Empty media is an error. A URL is
    /// [`MediaError::UrlNotSupported`]: a provider that accepts URLs checks
    /// [`MediaInput::url`] first.
    pub async fn resolve(&self, jpeg_quality: u8) -> Result<MediaSource, MediaError> {
        let source = match &self.repr {
            Repr::Path(path) => MediaSource::from_path(path).await?,
            Repr::Bytes(bytes) if bytes.is_empty() => return Err(MediaError::Empty),
            Repr::Bytes(bytes) => MediaSource::from_bytes(bytes.clone())?,
            Repr::Source(source) => source.clone(),
            Repr::Url(_) => return Err(MediaError::UrlNotSupported),
            #[cfg(feature = "image")]
            Repr::Decoded(img) => MediaSource::from_bytes_with_mime(
                crate::image::encode_jpeg(img, jpeg_quality)?,
                mime::IMAGE_JPEG,
            ),
            Repr::Invalid(error) => return Err(clone_error(error)),
        };
        #[cfg(not(feature = "image"))]
        let _ = jpeg_quality;
        if source.len() == Some(0) {
            return Err(MediaError::Empty);
        }
        Ok(source)
    }
}

/// `MediaError` is not `Clone` (it holds `io::Error`s); an invalid input reports its error
/// again on every send as the same message.
fn clone_error(error: &MediaError) -> MediaError {
    match error {
        MediaError::InvalidUrl { why } => MediaError::InvalidUrl { why: why.clone() },
        MediaError::Empty => MediaError::Empty,
        MediaError::UrlNotSupported => MediaError::UrlNotSupported,
        other => MediaError::Io {
            source: std::io::Error::other(other.to_string()),
        },
    }
}

impl From<&Path> for MediaInput {
    fn from(path: &Path) -> Self {
        Self::from_path(path)
    }
}
impl From<PathBuf> for MediaInput {
    fn from(path: PathBuf) -> Self {
        Self {
            repr: Repr::Path(path),
        }
    }
}
impl From<&PathBuf> for MediaInput {
    fn from(path: &PathBuf) -> Self {
        Self::from_path(path)
    }
}
impl From<Bytes> for MediaInput {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}
impl From<Vec<u8>> for MediaInput {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from_bytes(bytes)
    }
}
impl From<&'static [u8]> for MediaInput {
    fn from(bytes: &'static [u8]) -> Self {
        Self::from_bytes(Bytes::from_static(bytes))
    }
}
impl From<reqwest::Url> for MediaInput {
    fn from(url: reqwest::Url) -> Self {
        Self::from_url(url.as_str())
    }
}
impl From<MediaSource> for MediaInput {
    fn from(source: MediaSource) -> Self {
        Self::from_source(source)
    }
}
#[cfg(feature = "image")]
impl From<image::DynamicImage> for MediaInput {
    fn from(image: image::DynamicImage) -> Self {
        Self::from_dynamic_image(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolves_lazily_and_checks_at_send() {
        let missing = MediaInput::from_path("/surely/not/here.jpg");
        assert!(matches!(
            missing.resolve(95).await,
            Err(MediaError::NotFound { .. })
        ));
        let empty = MediaInput::from(Vec::new());
        assert!(matches!(empty.resolve(95).await, Err(MediaError::Empty)));
        let jpeg = MediaInput::from(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0]);
        assert_eq!(jpeg.resolve(95).await.unwrap().mime(), &mime::IMAGE_JPEG);
        let url = MediaInput::from_url("https://h/x.jpg?api_key=sk-hidden");
        assert!(matches!(
            url.resolve(95).await,
            Err(MediaError::UrlNotSupported)
        ));
        assert!(!format!("{url:?}").contains("sk-hidden"));
        let bad = MediaInput::from_url("ftp://h/x.jpg");
        assert!(matches!(
            bad.resolve(95).await,
            Err(MediaError::InvalidUrl { .. })
        ));
        assert!(matches!(
            bad.resolve(95).await,
            Err(MediaError::InvalidUrl { .. })
        ));
    }
}
