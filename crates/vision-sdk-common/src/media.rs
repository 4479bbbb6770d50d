//! Media to upload: images and videos from files, memory or readers.
//!
//! A [`MediaSource`] names the bytes to send and their MIME type. It never holds more in memory
//! than the caller gave it: a file is re-opened and streamed in 64 KiB chunks for every upload
//! attempt ([`MediaSource::body`], [`MediaSource::multipart_part`]), which is how a retried
//! request sends the same body again, and a 1 GB video is never read into memory unless the
//! caller asks for it ([`MediaSource::read_all`], [`MediaSource::into_memory`]).
//!
//! The MIME type comes from the file extension (like the official Python SDKs), from the
//! content's magic bytes ([`sniff_mime`]) when there is no usable extension, or from the caller.
//!
//! ```no_run
//! use vision_sdk_common::media::{MediaKind, MediaSource};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let media = MediaSource::from_path("frames/dock-camera.jpg").await?;
//! media.require_kind(MediaKind::Image)?.check_max_size(20 * 1024 * 1024)?;
//! assert_eq!(media.mime().essence_str(), "image/jpeg");
//! let part = media.multipart_part().await?; // re-opens and streams the file
//! let form = reqwest::multipart::Form::new().part("image", part);
//! # drop(form);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio_util::io::ReaderStream;

pub use crate::media_input::MediaInput;

pub use mime::Mime;

/// Size of the chunks a file or reader is streamed in.
const CHUNK_SIZE: usize = 64 * 1024;

/// How many leading bytes of a file [`MediaSource::from_path`] reads to sniff its type.
const SNIFF_LEN: u64 = 64;

/// Upper bound of the buffer pre-allocated from a reader's declared length: the declared
/// length is a hint from the caller, not a promise, so a wrong one must not allocate gigabytes.
const MAX_PREALLOCATION: u64 = 16 * 1024 * 1024;

/// The broad kind of a piece of media, from the top level of its MIME type.
///
/// ```
/// use vision_sdk_common::media::MediaKind;
///
/// assert_eq!(MediaKind::of(&mime::IMAGE_PNG), Some(MediaKind::Image));
/// assert_eq!(MediaKind::of(&"video/mp4".parse().unwrap()), Some(MediaKind::Video));
/// assert_eq!(MediaKind::of(&mime::APPLICATION_OCTET_STREAM), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `image/*`.
    Image,
    /// `video/*`.
    Video,
}

impl MediaKind {
    /// The kind of `mime` (`image/*` or `video/*`), or `None` for anything else.
    pub fn of(mime: &Mime) -> Option<MediaKind> {
        let top = mime.type_();
        if top == mime::IMAGE {
            Some(MediaKind::Image)
        } else if top == mime::VIDEO {
            Some(MediaKind::Video)
        } else {
            None
        }
    }

    /// `"image"` or `"video"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why media could not be opened, checked, read or encoded.
///
/// Messages name paths, sizes and MIME types, never the media's content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The file does not exist.
    #[error("media file not found: {}", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The path exists but is not a regular file (a directory, for example).
    #[error("media path is not a regular file: {}", path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
    },
    /// The file exists but cannot be read (permissions, I/O error).
    #[error("cannot read media file {}", path.display())]
    Unreadable {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Neither the file's extension nor its content tells its MIME type.
    #[error(
        "cannot tell the MIME type of {}: unknown extension and unrecognised content; pass an explicit MIME type (MediaSource::from_path_with_mime)",
        path.display()
    )]
    UnknownExtension {
        /// The path as given.
        path: PathBuf,
    },
    /// In-memory media whose first bytes match no known image or video format.
    #[error(
        "cannot tell the MIME type of {len} bytes of media from their content; pass an explicit MIME type (MediaSource::from_bytes_with_mime)"
    )]
    UnrecognizedBytes {
        /// Number of bytes given.
        len: usize,
    },
    /// The media is not of the kind the endpoint accepts.
    #[error("expected {expected} media, got {actual}")]
    WrongKind {
        /// The kind the endpoint accepts.
        expected: MediaKind,
        /// The media's MIME type.
        actual: Box<Mime>,
    },
    /// The content's magic bytes contradict the declared MIME type (only reported by
    /// [`MediaSource::require_content_match`]; otherwise it is a `tracing` warning).
    #[error("{} looks like {detected} but is declared as {declared}", describe_origin(path.as_deref()))]
    MimeMismatch {
        /// The file, if the media came from one.
        path: Option<PathBuf>,
        /// The MIME type from the extension or the caller.
        declared: Box<Mime>,
        /// The MIME type the content's magic bytes indicate.
        detected: Box<Mime>,
    },
    /// The media is larger than the endpoint accepts.
    #[error("media is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the media in bytes.
        size: u64,
        /// Largest accepted size in bytes.
        limit: u64,
    },
    /// A reader source was already consumed; it can be read only once. Use bytes or a path
    /// (or [`MediaSource::into_memory`] before the first attempt) to send media more than once.
    #[error("media from a reader was already consumed and cannot be read again")]
    NotReplayable,
    /// An I/O error while reading media from a caller's reader.
    #[error("I/O error while reading media")]
    Io {
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The media is empty (zero bytes).
    #[error("the media is empty (0 bytes)")]
    Empty,
    /// A media URL that cannot be used (unparsable, or not `http`/`https`).
    #[error("invalid media URL: {why}")]
    InvalidUrl {
        /// What is wrong (the URL's query is never shown).
        why: String,
    },
    /// The media is a URL, but this call needs its bytes (the provider does not fetch URLs
    /// for this call, or the server must fetch it).
    #[error("this call needs the media's bytes, not a URL")]
    UrlNotSupported,
    /// A MIME type reqwest refused for a multipart part.
    #[error("invalid MIME type for an upload part: {mime}")]
    InvalidMime {
        /// The MIME type, as text.
        mime: String,
    },
    /// An image could not be encoded.
    #[cfg(feature = "jpeg")]
    #[error("failed to encode image as {format}")]
    Encode {
        /// The target format, e.g. `"JPEG"`.
        format: &'static str,
        /// The encoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Bytes could not be decoded as an image.
    #[cfg(feature = "jpeg")]
    #[error("failed to decode image")]
    Decode {
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Image dimensions that are zero or too large to address.
    #[cfg(feature = "jpeg")]
    #[error("invalid image dimensions {width}x{height}")]
    InvalidDimensions {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A pixel buffer whose length does not match its dimensions and layout.
    #[cfg(feature = "jpeg")]
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

fn describe_origin(path: Option<&Path>) -> String {
    match path {
        Some(path) => format!("content of {}", path.display()),
        None => "media content".to_owned(),
    }
}

/// Maps an error about `path` to [`MediaError::NotFound`] or [`MediaError::Unreadable`].
fn path_error(path: &Path, source: io::Error) -> MediaError {
    if source.kind() == io::ErrorKind::NotFound {
        MediaError::NotFound {
            path: path.to_path_buf(),
            source,
        }
    } else {
        MediaError::Unreadable {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn static_mime(text: &'static str) -> Option<Mime> {
    text.parse().ok()
}

/// The MIME type of media from its first bytes (magic numbers), or `None` when unsure.
///
/// Recognises JPEG, PNG, GIF, WebP, BMP, TIFF (both byte orders, and BigTIFF), ISO base media
/// files (`ftyp` box: QuickTime `video/quicktime`, HEIF `image/heic`/`image/heif`, AVIF
/// `image/avif`, M4A `audio/mp4`, anything else `video/mp4`), EBML (`video/webm`; Matroska
/// shares the header and is reported as WebM) and AVI (`video/x-msvideo`). A few dozen bytes
/// are enough; shorter input yields `None` rather than a guess.
///
/// ```
/// use vision_sdk_common::media::sniff_mime;
///
/// let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
/// assert_eq!(sniff_mime(png), Some(mime::IMAGE_PNG));
/// assert_eq!(sniff_mime(b"hello"), None);
/// ```
pub fn sniff_mime(bytes: &[u8]) -> Option<Mime> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(mime::IMAGE_JPEG);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(mime::IMAGE_PNG);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(mime::IMAGE_GIF);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") {
        return match &bytes[8..12] {
            b"WEBP" => static_mime("image/webp"),
            b"AVI " => static_mime("video/x-msvideo"),
            _ => None,
        };
    }
    if is_bmp(bytes) {
        return Some(mime::IMAGE_BMP);
    }
    if bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"II+\0")
        || bytes.starts_with(b"MM\0+")
    {
        return static_mime("image/tiff");
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return static_mime("video/webm");
    }
    sniff_iso_bmff(bytes)
}

/// `BM`, then a file size, two reserved words and a pixel offset, then a DIB header whose size
/// is one of the known ones: two bytes alone would match plain text starting with "BM".
fn is_bmp(bytes: &[u8]) -> bool {
    if bytes.len() < 18 || !bytes.starts_with(b"BM") {
        return false;
    }
    let dib_header_size = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
    matches!(dib_header_size, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// ISO base media file format (MP4, QuickTime, HEIF, AVIF): a leading `ftyp` box.
fn sniff_iso_bmff(bytes: &[u8]) -> Option<Mime> {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let box_size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    // size 1 means a 64-bit size follows (never seen for ftyp, but valid); otherwise the box
    // must at least hold its header and major brand.
    if box_size != 1 && box_size < 12 {
        return None;
    }
    let major = &bytes[8..12];
    // Compatible brands start after the minor version, up to the end of the box (or of what
    // we were given).
    let box_end = usize::try_from(box_size).map_or(bytes.len(), |size| size.min(bytes.len()));
    let compatible: Vec<&[u8]> = bytes
        .get(16..box_end)
        .unwrap_or_default()
        .chunks_exact(4)
        .collect();
    match major {
        b"qt  " => static_mime("video/quicktime"),
        b"avif" | b"avis" => static_mime("image/avif"),
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => static_mime("image/heic"),
        b"mif1" | b"msf1" => {
            if compatible
                .iter()
                .any(|brand| *brand == b"avif" || *brand == b"avis")
            {
                static_mime("image/avif")
            } else {
                static_mime("image/heif")
            }
        }
        b"M4A " | b"M4B " | b"M4P " => static_mime("audio/mp4"),
        _ => static_mime("video/mp4"),
    }
}

/// The MIME type guessed from `path`'s extension (case-insensitive), or `None` when the
/// extension is missing or unknown. No disk access.
///
/// ```
/// use std::path::Path;
/// use vision_sdk_common::media::mime_from_path;
///
/// assert_eq!(mime_from_path(Path::new("a/b/CAT.JPG")), Some(mime::IMAGE_JPEG));
/// assert_eq!(mime_from_path(Path::new("clip.mp4")).unwrap().essence_str(), "video/mp4");
/// assert_eq!(mime_from_path(Path::new("no_extension")), None);
/// ```
pub fn mime_from_path(path: &Path) -> Option<Mime> {
    mime_guess::from_path(path).first()
}

/// Container family of a MIME type, for the types [`sniff_mime`] can tell apart. `None` for
/// types the sniffer cannot confirm or refute.
fn sniff_family(mime: &Mime) -> Option<&'static str> {
    let family = match mime.essence_str() {
        "image/jpeg" | "image/pjpeg" | "image/jpg" => "jpeg",
        "image/png" | "image/apng" | "image/x-png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" | "image/x-bmp" | "image/x-ms-bmp" => "bmp",
        "image/tiff" | "image/tiff-fx" => "tiff",
        "video/mp4"
        | "video/quicktime"
        | "video/x-m4v"
        | "video/3gpp"
        | "video/3gpp2"
        | "audio/mp4"
        | "audio/x-m4a"
        | "image/heic"
        | "image/heif"
        | "image/avif"
        | "image/heic-sequence"
        | "image/heif-sequence"
        | "image/avif-sequence" => "iso-bmff",
        "video/webm" | "video/x-matroska" | "audio/webm" | "audio/x-matroska" => "ebml",
        "video/x-msvideo" | "video/avi" | "video/msvideo" => "avi",
        _ => return None,
    };
    Some(family)
}

/// Whether the sniffed type certainly contradicts the declared one: both belong to formats the
/// sniffer knows, and to different families.
fn contradicts(declared: &Mime, detected: &Mime) -> bool {
    matches!(
        (sniff_family(declared), sniff_family(detected)),
        (Some(a), Some(b)) if a != b
    )
}

/// A reader handed over by the caller, taken out by the first read.
type BoxedReader = Pin<Box<dyn AsyncRead + Send>>;

#[derive(Clone)]
enum Origin {
    Bytes(Bytes),
    Path {
        path: PathBuf,
        len: u64,
    },
    Reader {
        slot: Arc<Mutex<Option<BoxedReader>>>,
        len: Option<u64>,
    },
}

/// What an upload body is built from.
enum Payload {
    Bytes(Bytes),
    Stream {
        stream: ReaderStream<BoxedReader>,
        len: Option<u64>,
    },
}

/// Image or video media to upload, with its MIME type.
///
/// Cloning is cheap: bytes are reference-counted and a path is only a path. A reader source is
/// one-shot, and its clones share the one reader: whichever reads first consumes it.
///
/// Upload bodies are built anew for every request attempt, so a retry re-sends the same media:
/// bytes are shared without copying, a file is re-opened and streamed, a reader can be sent once
/// (then [`MediaError::NotReplayable`]; see [`MediaSource::is_replayable`]).
///
/// ```
/// use vision_sdk_common::media::{MediaKind, MediaSource};
///
/// # fn main() -> Result<(), vision_sdk_common::media::MediaError> {
/// let png = bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
/// let media = MediaSource::from_bytes(png)?.with_file_name("frame.png");
/// assert_eq!(media.mime(), &mime::IMAGE_PNG);
/// assert_eq!(media.kind(), Some(MediaKind::Image));
/// assert_eq!(media.len(), Some(16));
/// assert_eq!(media.file_name(), Some("frame.png"));
/// assert!(media.is_replayable());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MediaSource {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    origin: Origin,
    mime: Mime,
    sniffed: Option<Mime>,
    file_name: Option<String>,
}

impl From<Inner> for MediaSource {
    fn from(inner: Inner) -> Self {
        MediaSource {
            inner: Arc::new(inner),
        }
    }
}

impl fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the content: only where it comes from and how big it is.
        let mut out = f.debug_struct("MediaSource");
        match &self.inner.origin {
            Origin::Bytes(bytes) => out.field("origin", &"bytes").field("len", &bytes.len()),
            Origin::Path { path, len } => out
                .field("origin", &"path")
                .field("path", path)
                .field("len", len),
            Origin::Reader { slot, len } => {
                let consumed = slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_none();
                out.field("origin", &"reader")
                    .field("len", len)
                    .field("consumed", &consumed)
            }
        };
        out.field("mime", &self.inner.mime.essence_str())
            .field(
                "sniffed",
                &self.inner.sniffed.as_ref().map(Mime::essence_str),
            )
            .field("file_name", &self.inner.file_name)
            .finish()
    }
}

impl MediaSource {
    /// Media in a file, with the MIME type from its extension.
    ///
    /// Checks that the file exists and is a regular file, records its length, and sniffs its
    /// first bytes. Like the official SDKs it trusts the extension: if the content says
    /// otherwise (a `.jpg` holding a PNG) it logs a `tracing` warning and keeps the extension's
    /// type; call [`require_content_match`](Self::require_content_match) to make that an error.
    /// Without a known extension the sniffed type is used.
    ///
    /// # Errors
    ///
    /// [`MediaError::NotFound`], [`MediaError::NotAFile`], [`MediaError::Unreadable`], and
    /// [`MediaError::UnknownExtension`] when neither the extension nor the content tells the type.
    ///
    /// ```no_run
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), vision_sdk_common::media::MediaError> {
    /// let video = MediaSource::from_path("clips/forklift.mp4").await?;
    /// assert_eq!(video.mime().essence_str(), "video/mp4");
    /// assert_eq!(video.file_name(), Some("forklift.mp4"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        let path = path.as_ref();
        let len = file_len(path).await?;
        let sniffed = sniff_file(path).await?;
        let mime = match (mime_from_path(path), &sniffed) {
            (Some(declared), Some(detected)) => {
                if contradicts(&declared, detected) {
                    tracing::warn!(
                        path = %path.display(),
                        extension_mime = %declared,
                        content_mime = %detected,
                        "media content does not match its file extension; sending it as the extension says"
                    );
                }
                declared
            }
            (Some(declared), None) => declared,
            (None, Some(detected)) => {
                tracing::debug!(
                    path = %path.display(),
                    content_mime = %detected,
                    "no MIME type for the file extension; using the content's"
                );
                detected.clone()
            }
            (None, None) => {
                return Err(MediaError::UnknownExtension {
                    path: path.to_path_buf(),
                });
            }
        };
        Ok(Self::from_file_parts(path, len, mime, sniffed))
    }

    /// Media in a file, with a MIME type given by the caller (trusted as is).
    ///
    /// # Errors
    ///
    /// [`MediaError::NotFound`], [`MediaError::NotAFile`], [`MediaError::Unreadable`].
    ///
    /// ```no_run
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), vision_sdk_common::media::MediaError> {
    /// let media = MediaSource::from_path_with_mime("capture.raw", mime::IMAGE_JPEG).await?;
    /// assert_eq!(media.mime(), &mime::IMAGE_JPEG);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_path_with_mime(
        path: impl AsRef<Path>,
        mime: Mime,
    ) -> Result<Self, MediaError> {
        let path = path.as_ref();
        let len = file_len(path).await?;
        let sniffed = sniff_file(path).await?;
        Ok(Self::from_file_parts(path, len, mime, sniffed))
    }

    fn from_file_parts(path: &Path, len: u64, mime: Mime, sniffed: Option<Mime>) -> Self {
        Inner {
            origin: Origin::Path {
                path: path.to_path_buf(),
                len,
            },
            mime,
            sniffed,
            file_name: path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned()),
        }
        .into()
    }

    /// Media in memory, with the MIME type from its magic bytes ([`sniff_mime`]).
    ///
    /// # Errors
    ///
    /// [`MediaError::UnrecognizedBytes`] when the content matches no known format.
    ///
    /// ```
    /// use vision_sdk_common::media::{MediaError, MediaSource};
    ///
    /// let jpeg = MediaSource::from_bytes(vec![0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
    /// assert_eq!(jpeg.mime(), &mime::IMAGE_JPEG);
    /// assert!(matches!(
    ///     MediaSource::from_bytes(&b"plain text"[..]),
    ///     Err(MediaError::UnrecognizedBytes { len: 10 })
    /// ));
    /// ```
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Result<Self, MediaError> {
        let bytes = bytes.into();
        let Some(mime) = sniff_mime(&bytes) else {
            return Err(MediaError::UnrecognizedBytes { len: bytes.len() });
        };
        Ok(Inner {
            origin: Origin::Bytes(bytes),
            sniffed: Some(mime.clone()),
            mime,
            file_name: None,
        }
        .into())
    }

    /// Media in memory, with a MIME type given by the caller (trusted as is).
    ///
    /// ```
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// let media = MediaSource::from_bytes_with_mime(vec![1, 2, 3], "video/mp4".parse().unwrap());
    /// assert_eq!(media.mime().essence_str(), "video/mp4");
    /// ```
    pub fn from_bytes_with_mime(bytes: impl Into<Bytes>, mime: Mime) -> Self {
        let bytes = bytes.into();
        Inner {
            sniffed: sniff_mime(&bytes),
            origin: Origin::Bytes(bytes),
            mime,
            file_name: None,
        }
        .into()
    }

    /// Media read from an async reader, sent at most once (see [`MediaError::NotReplayable`]).
    ///
    /// `length`, when known, lets multipart uploads declare a length instead of streaming with
    /// chunked encoding; it must then be exact.
    ///
    /// ```
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// let reader = std::io::Cursor::new(vec![0u8; 10]);
    /// let media = MediaSource::from_reader(reader, "video/mp4".parse().unwrap(), Some(10));
    /// assert!(!media.is_replayable());
    /// assert_eq!(media.len(), Some(10));
    /// ```
    pub fn from_reader<R>(reader: R, mime: Mime, length: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        let reader: BoxedReader = Box::pin(reader);
        Inner {
            origin: Origin::Reader {
                slot: Arc::new(Mutex::new(Some(reader))),
                len: length,
            },
            mime,
            sniffed: None,
            file_name: None,
        }
        .into()
    }

    /// The MIME type the media is sent with.
    pub fn mime(&self) -> &Mime {
        &self.inner.mime
    }

    /// The MIME type the content's magic bytes indicate, when they were available (bytes,
    /// files) and recognised.
    pub fn sniffed_mime(&self) -> Option<&Mime> {
        self.inner.sniffed.as_ref()
    }

    /// Image or video, from the MIME type; `None` for other types.
    pub fn kind(&self) -> Option<MediaKind> {
        MediaKind::of(&self.inner.mime)
    }

    /// Size in bytes: exact for bytes, the file's length when the source was created for a
    /// path, the caller's declaration (or `None`) for a reader.
    #[allow(clippy::len_without_is_empty)] // `None` means unknown, so there is no total `is_empty`
    pub fn len(&self) -> Option<u64> {
        match &self.inner.origin {
            Origin::Bytes(bytes) => u64::try_from(bytes.len()).ok(),
            Origin::Path { len, .. } => Some(*len),
            Origin::Reader { len, .. } => *len,
        }
    }

    /// The file name sent with multipart uploads: the one set with
    /// [`with_file_name`](Self::with_file_name), else the path's file name, else `None`
    /// (then [`multipart_part`](Self::multipart_part) uses `image.<ext>`/`video.<ext>`).
    pub fn file_name(&self) -> Option<&str> {
        self.inner.file_name.as_deref()
    }

    /// Sets the file name sent with multipart uploads.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        // Copy-on-write: clones made before keep their name.
        Arc::make_mut(&mut self.inner).file_name = Some(name.into());
        self
    }

    /// Sets the MIME type the media is sent with (e.g. `application/octet-stream` for a
    /// presigned upload that wants a generic file part). The content is untouched; a reader
    /// stays shared with earlier clones.
    ///
    /// ```
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// let media = MediaSource::from_bytes_with_mime(vec![1, 2, 3], mime::IMAGE_JPEG);
    /// let generic = media.clone().with_mime(mime::APPLICATION_OCTET_STREAM);
    /// assert_eq!(media.mime(), &mime::IMAGE_JPEG);
    /// assert_eq!(generic.mime(), &mime::APPLICATION_OCTET_STREAM);
    /// ```
    pub fn with_mime(mut self, mime: Mime) -> Self {
        // Copy-on-write: clones made before keep their type.
        Arc::make_mut(&mut self.inner).mime = mime;
        self
    }

    /// The file, for media from a path.
    pub fn path(&self) -> Option<&Path> {
        match &self.inner.origin {
            Origin::Path { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The bytes, for media in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner.origin {
            Origin::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Whether the media can be read (uploaded) more than once: true for bytes and paths,
    /// false for readers.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner.origin, Origin::Reader { .. })
    }

    /// Checks that the media is of `kind`.
    ///
    /// # Errors
    ///
    /// [`MediaError::WrongKind`], e.g. "expected image media, got video/mp4".
    ///
    /// ```
    /// use vision_sdk_common::media::{MediaError, MediaKind, MediaSource};
    ///
    /// let video = MediaSource::from_bytes_with_mime(vec![0; 4], "video/mp4".parse().unwrap());
    /// let err = video.require_kind(MediaKind::Image).unwrap_err();
    /// assert_eq!(err.to_string(), "expected image media, got video/mp4");
    /// assert!(video.require_kind(MediaKind::Video).is_ok());
    /// ```
    pub fn require_kind(&self, kind: MediaKind) -> Result<&Self, MediaError> {
        if self.kind() == Some(kind) {
            Ok(self)
        } else {
            Err(MediaError::WrongKind {
                expected: kind,
                actual: Box::new(self.inner.mime.clone()),
            })
        }
    }

    /// Checks that the media is at most `limit` bytes. Media of unknown length (a reader
    /// without a declared length) passes.
    ///
    /// # Errors
    ///
    /// [`MediaError::TooLarge`].
    pub fn check_max_size(&self, limit: u64) -> Result<&Self, MediaError> {
        match self.len() {
            Some(size) if size > limit => Err(MediaError::TooLarge { size, limit }),
            _ => Ok(self),
        }
    }

    /// Strict checking: fails when the content's magic bytes certainly contradict the MIME type
    /// (a `.jpg` file holding a PNG), instead of the warning [`from_path`](Self::from_path)
    /// logs. Passes when the content could not be sniffed or the type is not one the sniffer
    /// knows.
    ///
    /// # Errors
    ///
    /// [`MediaError::MimeMismatch`].
    ///
    /// ```
    /// use vision_sdk_common::media::{MediaError, MediaSource};
    ///
    /// let png_bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    /// let media = MediaSource::from_bytes_with_mime(png_bytes, mime::IMAGE_JPEG);
    /// assert!(matches!(media.require_content_match(), Err(MediaError::MimeMismatch { .. })));
    /// ```
    pub fn require_content_match(&self) -> Result<&Self, MediaError> {
        match &self.inner.sniffed {
            Some(detected) if contradicts(&self.inner.mime, detected) => {
                Err(MediaError::MimeMismatch {
                    path: self.path().map(Path::to_path_buf),
                    declared: Box::new(self.inner.mime.clone()),
                    detected: Box::new(detected.clone()),
                })
            }
            _ => Ok(self),
        }
    }

    /// All the media in memory: a cheap clone for bytes, the whole file for a path, the rest of
    /// the reader for a reader (consuming it).
    ///
    /// # Errors
    ///
    /// [`MediaError::NotFound`] / [`MediaError::Unreadable`] for files, [`MediaError::Io`] and
    /// [`MediaError::NotReplayable`] for readers.
    pub async fn read_all(&self) -> Result<Bytes, MediaError> {
        match &self.inner.origin {
            Origin::Bytes(bytes) => Ok(bytes.clone()),
            Origin::Path { path, .. } => tokio::fs::read(path)
                .await
                .map(Bytes::from)
                .map_err(|source| path_error(path, source)),
            Origin::Reader { slot, len } => {
                let mut reader = take_reader(slot)?;
                let capacity = len.unwrap_or(0).min(MAX_PREALLOCATION);
                let mut buf = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
                reader
                    .read_to_end(&mut buf)
                    .await
                    .map_err(|source| MediaError::Io { source })?;
                Ok(Bytes::from(buf))
            }
        }
    }

    /// The same media held in memory, hence replayable; MIME type and file name are kept.
    ///
    /// # Errors
    ///
    /// As [`read_all`](Self::read_all).
    pub async fn into_memory(self) -> Result<MediaSource, MediaError> {
        if matches!(self.inner.origin, Origin::Bytes(_)) {
            return Ok(self);
        }
        let bytes = self.read_all().await?;
        let Inner {
            mime, file_name, ..
        } = Arc::unwrap_or_clone(self.inner);
        Ok(Inner {
            sniffed: sniff_mime(&bytes),
            origin: Origin::Bytes(bytes),
            mime,
            file_name,
        }
        .into())
    }

    async fn payload(&self) -> Result<Payload, MediaError> {
        match &self.inner.origin {
            Origin::Bytes(bytes) => Ok(Payload::Bytes(bytes.clone())),
            Origin::Path { path, .. } => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|source| path_error(path, source))?;
                // The length now, not at construction: the file may have changed since.
                let len = file
                    .metadata()
                    .await
                    .map_err(|source| path_error(path, source))?
                    .len();
                let reader: BoxedReader = Box::pin(file);
                Ok(Payload::Stream {
                    stream: ReaderStream::with_capacity(reader, CHUNK_SIZE),
                    len: Some(len),
                })
            }
            Origin::Reader { slot, len } => Ok(Payload::Stream {
                stream: ReaderStream::with_capacity(take_reader(slot)?, CHUNK_SIZE),
                len: *len,
            }),
        }
    }

    /// A request body with the media, built anew for each attempt: bytes are shared without
    /// copying, a file is re-opened and streamed in 64 KiB chunks (constant memory), a reader
    /// is taken (a second call fails).
    ///
    /// I/O errors while a file or reader streams surface as the request's error.
    ///
    /// # Errors
    ///
    /// [`MediaError::NotFound`] / [`MediaError::Unreadable`] when the file cannot be opened,
    /// [`MediaError::NotReplayable`] for a consumed reader.
    ///
    /// ```no_run
    /// use vision_sdk_common::media::MediaSource;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let media = MediaSource::from_path("frame.jpg").await?;
    /// let client = reqwest::Client::new();
    /// for _attempt in 0..2 {
    ///     let response = client
    ///         .post("https://api.example.com/v1/images")
    ///         .header(reqwest::header::CONTENT_TYPE, media.mime().as_ref())
    ///         .body(media.body().await?)
    ///         .send()
    ///         .await?;
    ///     if response.status().is_success() {
    ///         break;
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn body(&self) -> Result<reqwest::Body, MediaError> {
        Ok(self.body_with_len().await?.0)
    }

    /// Like [`body`](Self::body), with the body's length when known, for a `Content-Length`
    /// header. For a file this is its length when opened for this body, which stays right even
    /// if the file changed since the source was created (unlike [`len`](Self::len)).
    ///
    /// # Errors
    ///
    /// As [`body`](Self::body).
    pub async fn body_with_len(&self) -> Result<(reqwest::Body, Option<u64>), MediaError> {
        Ok(match self.payload().await? {
            Payload::Bytes(bytes) => {
                let len = u64::try_from(bytes.len()).ok();
                (reqwest::Body::from(bytes), len)
            }
            Payload::Stream { stream, len } => (reqwest::Body::wrap_stream(stream), len),
        })
    }

    /// A multipart part with the media, its MIME type and file name, built anew for each
    /// attempt like [`body`](Self::body). The length is declared when known.
    ///
    /// The file name is [`file_name`](Self::file_name), else `image.<ext>` / `video.<ext>` /
    /// `file.<ext>` from the MIME type (servers often need one to treat the part as a file).
    ///
    /// # Errors
    ///
    /// As [`body`](Self::body), and [`MediaError::InvalidMime`] if reqwest refuses the type.
    pub async fn multipart_part(&self) -> Result<reqwest::multipart::Part, MediaError> {
        let part = match self.payload().await? {
            Payload::Bytes(bytes) => {
                let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
                reqwest::multipart::Part::stream_with_length(reqwest::Body::from(bytes), len)
            }
            Payload::Stream {
                stream,
                len: Some(len),
            } => reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(stream),
                len,
            ),
            Payload::Stream { stream, len: None } => {
                reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream))
            }
        };
        let part =
            part.mime_str(self.inner.mime.as_ref())
                .map_err(|_| MediaError::InvalidMime {
                    mime: self.inner.mime.to_string(),
                })?;
        let file_name = match &self.inner.file_name {
            Some(name) => name.clone(),
            None => default_file_name(&self.inner.mime),
        };
        Ok(part.file_name(file_name))
    }
}

/// `image.jpg`, `video.mp4`, `file.bin`…: a file name for media that has none.
fn default_file_name(mime: &Mime) -> String {
    let stem = MediaKind::of(mime).map_or("file", MediaKind::as_str);
    let extension = match mime.essence_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "image/tiff" => "tiff",
        "image/heic" => "heic",
        "image/heif" => "heif",
        "image/avif" => "avif",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        "video/x-matroska" => "mkv",
        "video/x-msvideo" => "avi",
        _ => "bin",
    };
    format!("{stem}.{extension}")
}

fn take_reader(slot: &Mutex<Option<BoxedReader>>) -> Result<BoxedReader, MediaError> {
    slot.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .ok_or(MediaError::NotReplayable)
}

/// Reads the whole regular file at `path` in one trip to the blocking pool (open, check, read),
/// without looking at its name or content type: for callers that send the bytes in their own
/// encoding (base64 in a JSON body, say), where [`MediaSource::from_path`]'s MIME detection
/// would cost two more trips.
///
/// ```no_run
/// # async fn demo() -> Result<(), vision_sdk_common::MediaError> {
/// let bytes = vision_sdk_common::media::read_file("frame.jpg").await?;
/// # drop(bytes); Ok(()) }
/// ```
///
/// # Errors
///
/// [`MediaError::NotFound`], [`MediaError::NotAFile`], [`MediaError::Unreadable`], and
/// [`MediaError::Empty`] for an empty file.
pub async fn read_file(path: impl AsRef<Path>) -> Result<Bytes, MediaError> {
    use std::io::Read as _;
    let path = path.as_ref().to_path_buf();
    let task_path = path.clone();
    let read = tokio::task::spawn_blocking(move || {
        let path = task_path;
        let fail = |source| path_error(&path, source);
        let mut file = std::fs::File::open(&path).map_err(fail)?;
        let metadata = file.metadata().map_err(fail)?;
        if !metadata.is_file() {
            return Err(MediaError::NotAFile { path });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        file.read_to_end(&mut bytes).map_err(fail)?;
        if bytes.is_empty() {
            return Err(MediaError::Empty);
        }
        Ok(Bytes::from(bytes))
    })
    .await;
    match read {
        Ok(result) => result,
        Err(join) => Err(path_error(&path, io::Error::other(join))),
    }
}

/// The length of the regular file at `path`.
async fn file_len(path: &Path) -> Result<u64, MediaError> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|source| path_error(path, source))?;
    if !metadata.is_file() {
        return Err(MediaError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    Ok(metadata.len())
}

/// The sniffed MIME type of the file's first bytes.
async fn sniff_file(path: &Path) -> Result<Option<Mime>, MediaError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|source| path_error(path, source))?;
    let mut head = Vec::with_capacity(64);
    file.take(SNIFF_LEN)
        .read_to_end(&mut head)
        .await
        .map_err(|source| path_error(path, source))?;
    Ok(sniff_mime(&head))
}

/// Base64 with the standard alphabet (`+`, `/`) and padding, as JSON APIs usually expect.
///
/// ```
/// assert_eq!(vision_sdk_common::media::base64_standard(&[0xFB, 0xFF]), "+/8=");
/// ```
pub fn base64_standard(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 with the URL-safe alphabet (`-`, `_`) and padding.
///
/// ```
/// assert_eq!(vision_sdk_common::media::base64_url_padded(&[0xFB, 0xFF]), "-_8=");
/// ```
pub fn base64_url_padded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;
    use std::io::Write as _;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];

    fn mime(text: &str) -> Mime {
        text.parse().unwrap()
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = u32::try_from(16 + 4 * compatible.len()).unwrap();
        let mut out = size.to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 2, 0]);
        for brand in compatible {
            out.extend_from_slice(*brand);
        }
        out.extend_from_slice(b"\0\0\0\x08free");
        out
    }

    fn bmp_header() -> Vec<u8> {
        let mut out = b"BM".to_vec();
        out.extend_from_slice(&70u32.to_le_bytes()); // file size
        out.extend_from_slice(&[0, 0, 0, 0]); // reserved
        out.extend_from_slice(&54u32.to_le_bytes()); // pixel offset
        out.extend_from_slice(&40u32.to_le_bytes()); // BITMAPINFOHEADER
        out.extend_from_slice(&[0; 8]);
        out
    }

    fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        (dir, path)
    }

    async fn collect_stream(media: &MediaSource) -> (Vec<u8>, usize, Option<u64>) {
        let Payload::Stream { mut stream, len } = media.payload().await.unwrap() else {
            panic!("expected a streamed payload");
        };
        let mut out = Vec::new();
        let mut largest = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            largest = largest.max(chunk.len());
            out.extend_from_slice(&chunk);
        }
        (out, largest, len)
    }

    #[test]
    fn sniff_table() {
        let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
            (JPEG.to_vec(), Some("image/jpeg")),
            (PNG.to_vec(), Some("image/png")),
            (b"GIF87a\x01\0\x01\0".to_vec(), Some("image/gif")),
            (b"GIF89a\x01\0\x01\0".to_vec(), Some("image/gif")),
            (b"RIFF\x24\0\0\0WEBPVP8 ".to_vec(), Some("image/webp")),
            (b"RIFF\x24\0\0\0AVI LIST".to_vec(), Some("video/x-msvideo")),
            (b"RIFF\x24\0\0\0WAVEfmt ".to_vec(), None),
            (bmp_header(), Some("image/bmp")),
            (b"II*\0\x08\0\0\0".to_vec(), Some("image/tiff")),
            (b"MM\0*\0\0\0\x08".to_vec(), Some("image/tiff")),
            (b"II+\0\x08\0\0\0".to_vec(), Some("image/tiff")),
            (ftyp(b"isom", &[b"isom", b"mp41"]), Some("video/mp4")),
            (ftyp(b"mp42", &[]), Some("video/mp4")),
            (ftyp(b"qt  ", &[b"qt  "]), Some("video/quicktime")),
            (ftyp(b"heic", &[b"mif1", b"heic"]), Some("image/heic")),
            (ftyp(b"mif1", &[b"mif1", b"avif"]), Some("image/avif")),
            (ftyp(b"mif1", &[b"mif1", b"heic"]), Some("image/heif")),
            (ftyp(b"avif", &[b"mif1"]), Some("image/avif")),
            (ftyp(b"M4A ", &[b"M4A "]), Some("audio/mp4")),
            (
                vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81],
                Some("video/webm"),
            ),
            (b"plain text, not media".to_vec(), None),
            (b"BM but just text, not a bitmap".to_vec(), None),
            (b"%PDF-1.7\n".to_vec(), None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                sniff_mime(&bytes).as_ref().map(Mime::essence_str),
                expected,
                "sniffing {bytes:02x?}"
            );
        }
    }

    #[test]
    fn sniff_short_and_empty_inputs() {
        assert_eq!(sniff_mime(&[]), None);
        assert_eq!(sniff_mime(&[0xFF]), None);
        assert_eq!(sniff_mime(&[0xFF, 0xD8]), None);
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a"), None);
        assert_eq!(sniff_mime(b"GIF89"), None);
        assert_eq!(sniff_mime(b"RIFF\0\0\0\0WEB"), None);
        assert_eq!(sniff_mime(b"BM"), None);
        assert_eq!(sniff_mime(b"II*"), None);
        assert_eq!(sniff_mime(&[0x1A, 0x45, 0xDF]), None);
        assert_eq!(sniff_mime(b"\0\0\0\x18ftyp"), None);
        assert_eq!(sniff_mime(b"\0\0\0\x18ftypis"), None);
        // An ftyp box too small to hold a brand is not trusted.
        assert_eq!(sniff_mime(b"\0\0\0\x04ftypisom"), None);
        // Every prefix of every table entry is handled without panicking.
        for sample in [JPEG, PNG, &bmp_header(), &ftyp(b"mif1", &[b"avif"])] {
            for end in 0..=sample.len() {
                let _ = sniff_mime(&sample[..end]);
            }
        }
    }

    #[test]
    fn media_kind_of() {
        assert_eq!(MediaKind::of(&mime::IMAGE_JPEG), Some(MediaKind::Image));
        assert_eq!(
            MediaKind::of(&mime("video/quicktime")),
            Some(MediaKind::Video)
        );
        assert_eq!(MediaKind::of(&mime("audio/mp4")), None);
        assert_eq!(MediaKind::of(&mime::TEXT_PLAIN), None);
        assert_eq!(MediaKind::Video.to_string(), "video");
    }

    #[test]
    fn mime_from_path_is_case_insensitive() {
        assert_eq!(mime_from_path(Path::new("x.jpg")), Some(mime::IMAGE_JPEG));
        assert_eq!(mime_from_path(Path::new("x.JPEG")), Some(mime::IMAGE_JPEG));
        assert_eq!(
            mime_from_path(Path::new("dir.d/X.Png")),
            Some(mime::IMAGE_PNG)
        );
        assert_eq!(
            mime_from_path(Path::new("a.MOV")).unwrap().essence_str(),
            "video/quicktime"
        );
        assert_eq!(
            mime_from_path(Path::new("a.webm")).unwrap().essence_str(),
            "video/webm"
        );
        assert_eq!(mime_from_path(Path::new("a.unknownext")), None);
        assert_eq!(mime_from_path(Path::new("noext")), None);
    }

    #[test]
    fn from_bytes_sniffs_or_fails() {
        let media = MediaSource::from_bytes(PNG).unwrap();
        assert_eq!(media.mime(), &mime::IMAGE_PNG);
        assert_eq!(media.kind(), Some(MediaKind::Image));
        assert_eq!(media.len(), Some(PNG.len() as u64));
        assert_eq!(media.file_name(), None);
        assert_eq!(media.path(), None);
        assert_eq!(media.as_bytes().unwrap().as_ref(), PNG);
        assert!(media.is_replayable());

        let err = MediaSource::from_bytes(Bytes::new()).unwrap_err();
        assert!(matches!(err, MediaError::UnrecognizedBytes { len: 0 }));
        let err = MediaSource::from_bytes(&b"secret-content"[..]).unwrap_err();
        assert!(matches!(err, MediaError::UnrecognizedBytes { len: 14 }));
        let message = err.to_string();
        assert!(message.contains("pass an explicit MIME type"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn from_bytes_shares_the_buffer() {
        let bytes = Bytes::from(PNG.to_vec());
        let media = MediaSource::from_bytes(bytes.clone()).unwrap();
        assert_eq!(media.as_bytes().unwrap().as_ptr(), bytes.as_ptr());
        let clone = media.clone();
        assert_eq!(clone.as_bytes().unwrap().as_ptr(), bytes.as_ptr());
    }

    #[test]
    fn from_bytes_with_mime_trusts_the_caller() {
        let media = MediaSource::from_bytes_with_mime(&b"opaque"[..], mime("video/mp4"));
        assert_eq!(media.kind(), Some(MediaKind::Video));
        assert_eq!(media.sniffed_mime(), None);
        assert!(media.require_content_match().is_ok());
    }

    #[test]
    fn debug_never_shows_content() {
        let media =
            MediaSource::from_bytes(Bytes::from_static(b"\x89PNG\r\n\x1a\nSECRET")).unwrap();
        let debug = format!("{media:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(!debug.contains("PNG\\r"), "{debug}");
        assert!(debug.contains("image/png"), "{debug}");
        let reader = MediaSource::from_reader(
            std::io::Cursor::new(b"SECRET".to_vec()),
            mime::IMAGE_PNG,
            None,
        );
        let debug = format!("{reader:?}");
        assert!(debug.contains("consumed: false"), "{debug}");
        assert!(!debug.contains("SECRET"), "{debug}");
    }

    #[test]
    fn require_kind_and_size() {
        let video = MediaSource::from_bytes_with_mime(vec![0; 100], mime("video/mp4"));
        let err = video.require_kind(MediaKind::Image).unwrap_err();
        assert!(matches!(
            &err,
            MediaError::WrongKind { expected: MediaKind::Image, actual } if actual.essence_str() == "video/mp4"
        ));
        assert_eq!(err.to_string(), "expected image media, got video/mp4");
        assert!(video.require_kind(MediaKind::Video).is_ok());
        let other = MediaSource::from_bytes_with_mime(vec![0; 4], mime::APPLICATION_OCTET_STREAM);
        assert!(other.require_kind(MediaKind::Image).is_err());
        assert!(other.require_kind(MediaKind::Video).is_err());

        assert!(video.check_max_size(100).is_ok());
        let err = video.check_max_size(99).unwrap_err();
        assert!(matches!(
            err,
            MediaError::TooLarge {
                size: 100,
                limit: 99
            }
        ));
        assert_eq!(
            err.to_string(),
            "media is 100 bytes, more than the limit of 99 bytes"
        );

        let unknown_len = MediaSource::from_reader(tokio::io::empty(), mime::IMAGE_JPEG, None);
        assert!(unknown_len.check_max_size(0).is_ok());
        let declared = MediaSource::from_reader(tokio::io::empty(), mime::IMAGE_JPEG, Some(10));
        assert!(declared.check_max_size(9).is_err());
    }

    #[test]
    fn mime_mismatch_only_between_known_families() {
        assert!(contradicts(&mime::IMAGE_JPEG, &mime::IMAGE_PNG));
        assert!(contradicts(&mime("video/mp4"), &mime("video/webm")));
        assert!(contradicts(&mime("image/webp"), &mime("video/x-msvideo")));
        assert!(!contradicts(&mime("video/mp4"), &mime("video/quicktime")));
        assert!(!contradicts(&mime("video/x-matroska"), &mime("video/webm")));
        assert!(!contradicts(&mime("image/heic"), &mime("image/heif")));
        assert!(!contradicts(&mime::IMAGE_JPEG, &mime::IMAGE_JPEG));
        // Types the sniffer cannot confirm are never contradicted.
        assert!(!contradicts(&mime::TEXT_PLAIN, &mime::IMAGE_PNG));
        assert!(!contradicts(&mime("video/mpeg"), &mime("video/mp4")));
    }

    #[tokio::test]
    async fn from_path_uses_extension_and_records_length() {
        let (_dir, path) = temp_file("frame.JPG", JPEG);
        let media = MediaSource::from_path(&path).await.unwrap();
        assert_eq!(media.mime(), &mime::IMAGE_JPEG);
        assert_eq!(media.sniffed_mime(), Some(&mime::IMAGE_JPEG));
        assert_eq!(media.len(), Some(JPEG.len() as u64));
        assert_eq!(media.file_name(), Some("frame.JPG"));
        assert_eq!(media.path(), Some(path.as_path()));
        assert_eq!(media.as_bytes(), None);
        assert!(media.is_replayable());
        assert!(media.require_content_match().is_ok());
        let renamed = media.with_file_name("other.jpg");
        assert_eq!(renamed.file_name(), Some("other.jpg"));
    }

    #[tokio::test]
    async fn from_path_mismatch_warns_and_keeps_extension_unless_strict() {
        let (_dir, path) = temp_file("actually-png.jpg", PNG);
        let media = MediaSource::from_path(&path).await.unwrap();
        assert_eq!(media.mime(), &mime::IMAGE_JPEG);
        assert_eq!(media.sniffed_mime(), Some(&mime::IMAGE_PNG));
        let err = media.require_content_match().unwrap_err();
        match &err {
            MediaError::MimeMismatch {
                path: Some(p),
                declared,
                detected,
            } => {
                assert_eq!(p, &path);
                assert_eq!(**declared, mime::IMAGE_JPEG);
                assert_eq!(**detected, mime::IMAGE_PNG);
            }
            other => panic!("unexpected {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("actually-png.jpg"), "{message}");
        assert!(
            message.contains("looks like image/png but is declared as image/jpeg"),
            "{message}"
        );
    }

    #[derive(Clone, Default)]
    struct LogBuffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for LogBuffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn from_path_mismatch_logs_a_warning() {
        let logs = LogBuffer::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let (_dir, path) = temp_file("consistent.png", PNG);
        MediaSource::from_path(&path).await.unwrap();
        assert!(logs.0.lock().unwrap().is_empty());

        let (_dir2, path2) = temp_file("mislabelled.jpg", PNG);
        MediaSource::from_path(&path2).await.unwrap();
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("WARN"), "{text}");
        assert!(text.contains("mislabelled.jpg"), "{text}");
        assert!(text.contains("extension_mime=image/jpeg"), "{text}");
        assert!(text.contains("content_mime=image/png"), "{text}");
    }

    #[test]
    fn values_stay_small() {
        // MediaError travels inside every HTTP error; MediaSource inside request specs.
        assert!(std::mem::size_of::<MediaError>() <= 64);
        assert_eq!(
            std::mem::size_of::<MediaSource>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn with_file_name_does_not_affect_earlier_clones() {
        let media = MediaSource::from_bytes(PNG)
            .unwrap()
            .with_file_name("a.png");
        let clone = media.clone();
        let renamed = media.with_file_name("b.png");
        assert_eq!(clone.file_name(), Some("a.png"));
        assert_eq!(renamed.file_name(), Some("b.png"));
        assert_eq!(
            renamed.as_bytes().unwrap().as_ptr(),
            clone.as_bytes().unwrap().as_ptr()
        );
    }

    #[tokio::test]
    async fn from_path_without_known_extension_sniffs() {
        let (_dir, path) = temp_file("capture", PNG);
        let media = MediaSource::from_path(&path).await.unwrap();
        assert_eq!(media.mime(), &mime::IMAGE_PNG);

        let (_dir2, path2) = temp_file("capture.zzunknown", b"not media at all");
        let err = MediaSource::from_path(&path2).await.unwrap_err();
        assert!(matches!(&err, MediaError::UnknownExtension { path } if path == &path2));
        let message = err.to_string();
        assert!(message.contains("pass an explicit MIME type"), "{message}");
        assert!(!message.contains("not media"), "{message}");

        let media = MediaSource::from_path_with_mime(&path2, mime("video/mp4"))
            .await
            .unwrap();
        assert_eq!(media.mime().essence_str(), "video/mp4");
        assert_eq!(media.len(), Some(16));
        assert_eq!(media.file_name(), Some("capture.zzunknown"));
    }

    #[tokio::test]
    async fn from_path_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.jpg");
        let err = MediaSource::from_path(&missing).await.unwrap_err();
        assert!(
            matches!(&err, MediaError::NotFound { path, .. } if path == &missing),
            "{err:?}"
        );
        assert!(std::error::Error::source(&err).is_some());
        assert!(err.to_string().contains("missing.jpg"));
        let err = MediaSource::from_path_with_mime(&missing, mime::IMAGE_JPEG)
            .await
            .unwrap_err();
        assert!(matches!(err, MediaError::NotFound { .. }));

        let err = MediaSource::from_path(dir.path()).await.unwrap_err();
        assert!(
            matches!(&err, MediaError::NotAFile { path } if path == dir.path()),
            "{err:?}"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn from_path_unreadable() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_dir, path) = temp_file("locked.png", PNG);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&path).is_ok() {
            // Running as root: permissions do not stop reads, nothing to test.
            return;
        }
        let err = MediaSource::from_path(&path).await.unwrap_err();
        assert!(
            matches!(&err, MediaError::Unreadable { path: p, .. } if p == &path),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn read_file_reads_any_name_with_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let no_extension = dir.path().join("capture");
        std::fs::write(&no_extension, b"\xff\xd8\xff\xe0abc").unwrap();
        assert_eq!(
            &read_file(&no_extension).await.unwrap()[..],
            b"\xff\xd8\xff\xe0abc"
        );
        let missing = read_file(dir.path().join("missing.jpg")).await.unwrap_err();
        assert!(
            matches!(missing, MediaError::NotFound { .. }),
            "{missing:?}"
        );
        let directory = read_file(dir.path()).await.unwrap_err();
        assert!(
            matches!(directory, MediaError::NotAFile { .. }),
            "{directory:?}"
        );
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, b"").unwrap();
        let empty = read_file(empty).await.unwrap_err();
        assert!(matches!(empty, MediaError::Empty), "{empty:?}");
    }

    #[tokio::test]
    async fn read_all_and_into_memory() {
        let (_dir, path) = temp_file("a.png", PNG);
        let media = MediaSource::from_path(&path).await.unwrap();
        assert_eq!(media.read_all().await.unwrap().as_ref(), PNG);
        assert_eq!(media.read_all().await.unwrap().as_ref(), PNG);
        let memory = media.into_memory().await.unwrap();
        assert_eq!(memory.as_bytes().unwrap().as_ref(), PNG);
        assert_eq!(memory.file_name(), Some("a.png"));
        assert_eq!(memory.mime(), &mime::IMAGE_PNG);
        assert_eq!(memory.path(), None);

        let media = MediaSource::from_path(&path).await.unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            media.read_all().await,
            Err(MediaError::NotFound { .. })
        ));
        assert!(matches!(
            media.body().await,
            Err(MediaError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn reader_is_consumed_once() {
        let media =
            MediaSource::from_reader(std::io::Cursor::new(PNG.to_vec()), mime::IMAGE_PNG, None)
                .with_file_name("r.png");
        assert!(!media.is_replayable());
        assert_eq!(media.len(), None);
        let clone = media.clone();
        assert_eq!(media.read_all().await.unwrap().as_ref(), PNG);
        assert!(matches!(
            media.read_all().await,
            Err(MediaError::NotReplayable)
        ));
        // Clones share the one reader.
        assert!(matches!(clone.body().await, Err(MediaError::NotReplayable)));
        assert!(matches!(
            clone.multipart_part().await,
            Err(MediaError::NotReplayable)
        ));
        assert!(matches!(
            clone.into_memory().await,
            Err(MediaError::NotReplayable)
        ));

        let media =
            MediaSource::from_reader(std::io::Cursor::new(PNG.to_vec()), mime::IMAGE_PNG, None);
        assert!(media.body().await.is_ok());
        assert!(matches!(media.body().await, Err(MediaError::NotReplayable)));

        let media =
            MediaSource::from_reader(std::io::Cursor::new(PNG.to_vec()), mime::IMAGE_PNG, Some(3));
        let memory = media.into_memory().await.unwrap();
        assert_eq!(memory.as_bytes().unwrap().as_ref(), PNG);
        assert!(memory.is_replayable());
        assert_eq!(memory.sniffed_mime(), Some(&mime::IMAGE_PNG));
    }

    #[tokio::test]
    async fn reader_io_error() {
        struct Failing;
        impl AsyncRead for Failing {
            fn poll_read(
                self: Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
                _buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<io::Result<()>> {
                std::task::Poll::Ready(Err(io::Error::other("disk on fire")))
            }
        }
        let media = MediaSource::from_reader(Failing, mime::IMAGE_JPEG, Some(u64::MAX));
        let err = media.read_all().await.unwrap_err();
        assert!(matches!(err, MediaError::Io { .. }));
        assert_eq!(err.to_string(), "I/O error while reading media");
    }

    #[tokio::test]
    async fn streamed_file_is_reopened_with_identical_bytes() {
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (_dir, path) = temp_file("clip.mp4", &content);
        let media = MediaSource::from_path_with_mime(&path, mime("video/mp4"))
            .await
            .unwrap();
        let (first, largest, len) = collect_stream(&media).await;
        let (second, _, _) = collect_stream(&media).await;
        assert_eq!(first, content);
        assert_eq!(second, content);
        assert_eq!(len, Some(200_000));
        assert!(largest <= CHUNK_SIZE);
    }

    #[tokio::test]
    async fn large_file_streams_in_bounded_chunks() {
        const SIZE: u64 = 64 * 1024 * 1024;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.mp4");
        std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap();
        let media = MediaSource::from_path(&path).await.unwrap();
        assert_eq!(media.len(), Some(SIZE));
        assert_eq!(media.mime().essence_str(), "video/mp4");
        assert!(matches!(
            media.check_max_size(SIZE - 1),
            Err(MediaError::TooLarge { .. })
        ));

        let Payload::Stream { mut stream, len } = media.payload().await.unwrap() else {
            panic!("a file must be streamed");
        };
        assert_eq!(len, Some(SIZE));
        let mut total = 0u64;
        let mut chunks = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert!(
                !chunk.is_empty() && chunk.len() <= CHUNK_SIZE,
                "chunk of {}",
                chunk.len()
            );
            assert!(chunk.iter().all(|&b| b == 0));
            total += chunk.len() as u64;
            chunks += 1;
        }
        assert_eq!(total, SIZE);
        assert!(chunks >= SIZE / CHUNK_SIZE as u64);
        // And the public body builds without reading the file.
        assert!(media.body().await.is_ok());
    }

    #[test]
    fn default_file_names() {
        assert_eq!(default_file_name(&mime::IMAGE_JPEG), "image.jpg");
        assert_eq!(default_file_name(&mime("video/quicktime")), "video.mov");
        assert_eq!(
            default_file_name(&mime::APPLICATION_OCTET_STREAM),
            "file.bin"
        );
    }

    #[test]
    fn base64_alphabets() {
        let bytes = [0xFB, 0xEF, 0xFF, 0x00];
        assert_eq!(base64_standard(&bytes), "++//AA==");
        assert_eq!(base64_url_padded(&bytes), "--__AA==");
        assert_eq!(base64_standard(b""), "");
        assert_eq!(base64_standard(b"Man"), "TWFu");
    }

    fn test_client() -> reqwest::Client {
        #[cfg(feature = "rustls")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    #[tokio::test]
    async fn bodies_are_rebuilt_per_attempt_over_http() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;

        let content: Vec<u8> = JPEG
            .iter()
            .copied()
            .chain((0..150_000u32).map(|i| (i % 13) as u8))
            .collect();
        let (_dir, path) = temp_file("frame.jpg", &content);
        let from_file = MediaSource::from_path(&path).await.unwrap();
        let from_bytes = MediaSource::from_bytes(content.clone()).unwrap();
        let client = test_client();

        for media in [&from_file, &from_bytes] {
            for _attempt in 0..2 {
                let status = client
                    .post(server.uri())
                    .body(media.body().await.unwrap())
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert!(status.is_success());
            }
            let form = reqwest::multipart::Form::new()
                .part("image", media.multipart_part().await.unwrap());
            client
                .post(server.uri())
                .multipart(form)
                .send()
                .await
                .unwrap();
        }

        for length in [Some(content.len() as u64), None] {
            let reader = MediaSource::from_reader(
                std::io::Cursor::new(content.clone()),
                mime::IMAGE_JPEG,
                length,
            );
            let form = reqwest::multipart::Form::new()
                .text("note", "reader")
                .part("image", reader.multipart_part().await.unwrap());
            client
                .post(server.uri())
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert!(matches!(
                reader.multipart_part().await,
                Err(MediaError::NotReplayable)
            ));
        }

        let mut requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 8);
        for reader_request in requests.split_off(6) {
            let body = &reader_request.body;
            assert!(
                body.windows(content.len())
                    .any(|window| window == content.as_slice()),
                "multipart body from a reader must contain the media"
            );
        }
        for (i, request) in requests.iter().enumerate() {
            if i % 3 == 2 {
                let body = &request.body;
                let head = String::from_utf8_lossy(&body[..body.len().min(400)]);
                assert!(head.contains("name=\"image\""), "{head}");
                assert!(head.contains("Content-Type: image/jpeg"), "{head}");
                if i == 2 {
                    assert!(head.contains("filename=\"frame.jpg\""), "{head}");
                } else {
                    assert!(head.contains("filename=\"image.jpg\""), "{head}");
                }
                assert!(
                    body.windows(content.len())
                        .any(|window| window == content.as_slice()),
                    "multipart body must contain the media"
                );
            } else {
                assert_eq!(request.body, content, "request {i}");
            }
        }
    }
}
