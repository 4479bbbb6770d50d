//! Images and videos to send, like the official SDK's `Image` / `Video`
//! (`dragoneye.types.media`).
//!
//! Both are thin wrappers over [`MediaInput`]: constructors are synchronous and never fail;
//! nothing is opened until the call is sent, which checks the media before any request
//! ([`Error::Media`] for a missing or empty file or the wrong kind, [`Error::InvalidInput`] for
//! an unusable MIME type). An [`Image`] only takes `image/*`, a [`Video`] only `video/*`.
//!
//! A file is **streamed from disk** for the upload (re-opened for every attempt, in 64 KiB
//! chunks), so a multi-gigabyte video never sits in memory unless you ask for it with
//! [`PathOptions::read_into_memory`]. Its MIME type comes from the extension with the table
//! of the official SDK on Linux (Python's `mimetypes`): `.m4v` is `video/mp4`, `.3gp` is
//! `audio/3gpp` (so not a video, as in Python), and so on.
//!
//! The optional name (the file's name for [`Image::from_path`] / [`Video::from_path`], else
//! whatever [`with_name`](Image::with_name) sets) is sent to the API as `file_name` and echoed
//! back in the results' `original_file_name`.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::io::AsyncRead;
use vision_sdk_common::media::{
    MediaError, MediaInput, MediaKind, MediaSource, Mime, mime_from_path,
};

use crate::error::{Error, Result};

/// How [`Image::from_path_with`] / [`Video::from_path_with`] open a file (the keyword arguments
/// of the official `from_path`).
///
/// ```
/// use dragoneye::PathOptions;
///
/// let options = PathOptions::new()
///     .mime_type("video/mp4")          // explicit type: the extension is not consulted
///     .guess_from_extension(false)     // require an explicit type
///     .read_into_memory(false)         // stream from disk (the default)
///     .name("camera-7.mp4");           // sent as `file_name` (default: the file's name)
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct PathOptions {
    mime_type: Option<String>,
    guess_from_extension: bool,
    read_into_memory: bool,
    name: Option<String>,
}

impl Default for PathOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl PathOptions {
    /// Defaults: MIME type from the extension, streamed from disk, named after the file.
    pub fn new() -> Self {
        Self {
            mime_type: None,
            guess_from_extension: true,
            read_into_memory: false,
            name: None,
        }
    }

    /// An explicit MIME type (used as is; the extension is then ignored).
    #[must_use]
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Whether to guess the MIME type from the extension when none is given (default `true`).
    /// With `false`, an explicit [`mime_type`](Self::mime_type) is required.
    #[must_use]
    pub fn guess_from_extension(mut self, guess: bool) -> Self {
        self.guess_from_extension = guess;
        self
    }

    /// Reads the whole file into memory when the call is sent instead of streaming it
    /// (default `false`).
    #[must_use]
    pub fn read_into_memory(mut self, read: bool) -> Self {
        self.read_into_memory = read;
        self
    }

    /// The name sent as `file_name` (default: the file's name, e.g. `houses.jpg`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// The MIME type the official SDK's `mimetypes.guess_type` gives on Linux for the media
/// extensions it is used with; other extensions fall back to the common table.
///
/// ```
/// use std::path::Path;
/// use dragoneye::media::python_mime_type;
/// assert_eq!(python_mime_type(Path::new("clip.M4V")).as_deref(), Some("video/mp4"));
/// assert_eq!(python_mime_type(Path::new("phone.3gp")).as_deref(), Some("audio/3gpp"));
/// assert_eq!(python_mime_type(Path::new("photo.jfif")).as_deref(), Some("image/jpeg"));
/// assert_eq!(python_mime_type(Path::new("noext")), None);
/// ```
pub fn python_mime_type(path: &Path) -> Option<String> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    let known = match extension.as_str() {
        "jpg" | "jpeg" | "jpe" | "jfif" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/vnd.microsoft.icon",
        "mp4" | "m4v" => "video/mp4",
        "mov" | "qt" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "mpeg" | "mpg" | "mpe" => "video/mpeg",
        "wmv" => "video/x-ms-wmv",
        "flv" => "video/x-flv",
        "ogv" => "video/ogg",
        "3gp" => "audio/3gpp",
        "3g2" => "audio/3gpp2",
        _ => return mime_from_path(path).map(|m| m.essence_str().to_owned()),
    };
    Some(known.to_owned())
}

fn parse_mime(mime_type: &str) -> Result<Mime> {
    mime_type
        .trim()
        .parse::<Mime>()
        .map_err(|e| Error::InvalidInput(format!("invalid MIME type {mime_type:?}: {e}")))
}

/// What every media value holds: the lazy input and the official `from_path` options.
#[derive(Debug, Clone)]
struct MediaArg {
    input: MediaInput,
    /// Opened with the official SDK's extension table (else as [`MediaInput::resolve`] does).
    from_path: bool,
    mime: Option<String>,
    name: Option<String>,
    guess_from_extension: bool,
    read_into_memory: bool,
}

impl MediaArg {
    fn new(input: MediaInput) -> Self {
        Self {
            input,
            from_path: false,
            mime: None,
            name: None,
            guess_from_extension: true,
            read_into_memory: false,
        }
    }

    fn path(path: &Path, options: PathOptions) -> Self {
        Self {
            input: MediaInput::from_path(path),
            from_path: true,
            mime: options.mime_type,
            name: options.name,
            guess_from_extension: options.guess_from_extension,
            read_into_memory: options.read_into_memory,
        }
    }

    fn with_mime(input: MediaInput, mime: &str) -> Self {
        Self {
            mime: Some(mime.to_owned()),
            ..Self::new(input)
        }
    }

    fn name(&self) -> Option<&str> {
        if let Some(name) = &self.name {
            return Some(name);
        }
        match self.input.path() {
            Some(path) if self.from_path => path.file_name().and_then(|n| n.to_str()),
            _ => None,
        }
    }

    async fn open(&self, kind: MediaKind) -> Result<MediaSource> {
        let explicit = self.mime.as_deref().map(parse_mime).transpose()?;
        let mut source = match (self.input.path(), self.input.bytes(), explicit) {
            (Some(path), _, explicit) if self.from_path => {
                open_path(path, explicit, self.guess_from_extension).await?
            }
            (_, Some(bytes), Some(mime)) => MediaSource::from_bytes_with_mime(bytes.clone(), mime),
            (_, _, explicit) => {
                let source = self.input.resolve(95).await?;
                match explicit {
                    Some(mime) => source.with_mime(mime),
                    None => source,
                }
            }
        };
        if source.len() == Some(0) {
            return Err(MediaError::Empty.into());
        }
        source.require_kind(kind)?;
        if let Some(name) = &self.name {
            source = source.with_file_name(name.clone());
        }
        if self.read_into_memory {
            source = source.into_memory().await?;
        }
        Ok(source)
    }
}

async fn open_path(path: &Path, explicit: Option<Mime>, guess: bool) -> Result<MediaSource> {
    let guessed = || {
        python_mime_type(path)
            .as_deref()
            .map(parse_mime)
            .transpose()
    };
    let mime = match explicit {
        Some(mime) => Some(mime),
        None if guess => guessed()?,
        None => None,
    };
    let Some(mime) = mime else {
        // A missing file is reported as such before the missing type, like the official SDK.
        MediaSource::from_path_with_mime(path, vision_sdk_common::mime::APPLICATION_OCTET_STREAM)
            .await?;
        let why = if guess {
            "no extension-based guess available"
        } else {
            "guessing from the extension is turned off"
        };
        return Err(Error::InvalidInput(format!(
            "mime_type is required for {} ({why}).",
            path.display()
        )));
    };
    Ok(MediaSource::from_path_with_mime(path, mime).await?)
}

/// Reads a blocking reader to its end, for [`Image::from_reader`] / [`Video::from_reader`].
fn read_blocking(mut reader: impl std::io::Read, mime: &str) -> MediaArg {
    let mut data = Vec::new();
    let input = match reader.read_to_end(&mut data) {
        Ok(_) => MediaInput::from_bytes(data),
        Err(source) => MediaInput::invalid(MediaError::Io { source }),
    };
    MediaArg::with_mime(input, mime)
}

fn reader_input<R>(reader: R, mime: &str, len: Option<u64>) -> MediaArg
where
    R: AsyncRead + Send + 'static,
{
    // A MIME type that does not parse is reported by `open` (as `InvalidInput`) before the
    // placeholder type is ever used.
    let parsed = parse_mime(mime).unwrap_or(vision_sdk_common::mime::APPLICATION_OCTET_STREAM);
    MediaArg::with_mime(MediaInput::from_reader(reader, parsed, len), mime)
}

macro_rules! media_type {
    ($name:ident, $kind:expr, $kind_str:literal) => {
        impl $name {
            #[doc = concat!("A ", $kind_str, " file, with the MIME type from its extension (the official SDK's table), streamed from disk when uploaded.")]
            ///
            /// Nothing is opened now: a missing file, an extension without a MIME type or
            #[doc = concat!("a type other than `", $kind_str, "/*` is reported when the call is sent, before any request.")]
            /// The name sent as `file_name` is the file's name.
            pub fn from_path(path: impl AsRef<Path>) -> Self {
                Self::from_path_with(path, PathOptions::new())
            }

            /// A file opened with [`PathOptions`] (explicit MIME type, required MIME type,
            /// read into memory, name), when the call is sent.
            pub fn from_path_with(path: impl AsRef<Path>, options: PathOptions) -> Self {
                Self(MediaArg::path(path.as_ref(), options))
            }

            #[doc = concat!("A ", $kind_str, " in memory of the given MIME type (checked when sent).")]
            pub fn from_bytes(data: impl Into<Bytes>, mime_type: &str) -> Self {
                Self(MediaArg::with_mime(MediaInput::from_bytes(data), mime_type))
            }

            #[doc = concat!("A ", $kind_str, " read from an async reader of unknown length (e.g. `tokio::fs::File`).")]
            ///
            /// A presigned upload needs the length up front, so the reader is read into memory
            /// when the upload starts (as the official SDK reads its streams); that buffer is
            /// retried like bytes. When the length is known,
            /// [`from_stream_with_len`](Self::from_stream_with_len) streams instead. The reader
            /// is read once: send the value once.
            pub fn from_stream<R>(reader: R, mime_type: &str) -> Self
            where
                R: AsyncRead + Send + 'static,
            {
                Self(reader_input(reader, mime_type, None))
            }

            #[doc = concat!("A ", $kind_str, " read from an async reader of exactly `len` bytes, streamed when uploaded.")]
            ///
            /// A streamed reader can be sent only once, so a failed upload is not retried.
            pub fn from_stream_with_len<R>(reader: R, mime_type: &str, len: u64) -> Self
            where
                R: AsyncRead + Send + 'static,
            {
                Self(reader_input(reader, mime_type, Some(len)))
            }

            #[doc = concat!("A ", $kind_str, " from a blocking `std::io::Read` (a `std::fs::File`, a `Cursor`), read to its end now.")]
            ///
            /// The official `from_stream` takes any binary stream and reads it from its current
            /// position; this does the same, at once (it blocks: for large inputs in async code,
            /// prefer [`from_path`](Self::from_path) or [`from_stream`](Self::from_stream)). A
            /// read error is reported when the call is sent.
            pub fn from_reader(reader: impl std::io::Read, mime_type: &str) -> Self {
                Self(read_blocking(reader, mime_type))
            }

            #[doc = concat!("Wraps a [`MediaSource`] (its MIME type, which must be `", $kind_str, "/*`, is trusted).")]
            pub fn from_source(source: MediaSource) -> Self {
                Self(MediaArg::new(MediaInput::from_source(source)))
            }

            /// Wraps a lazy [`MediaInput`] (bytes are sniffed, paths use the common table).
            pub fn from_input(input: MediaInput) -> Self {
                Self(MediaArg::new(input))
            }

            /// Sets the name sent as `file_name` (echoed as the results' `original_file_name`).
            #[must_use]
            pub fn with_name(mut self, name: impl Into<String>) -> Self {
                self.0.name = Some(name.into());
                self
            }

            /// Sets the MIME type sent as `mimetype` (replacing a guessed or sniffed one).
            #[must_use]
            pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
                self.0.mime = Some(mime_type.into());
                self
            }

            /// The name sent as `file_name`, when known without opening the media.
            pub fn name(&self) -> Option<&str> {
                self.0.name()
            }

            /// The file, when the media is one.
            pub fn path(&self) -> Option<&Path> {
                self.0.input.path()
            }

            /// The underlying lazy input.
            pub fn input(&self) -> &MediaInput {
                &self.0.input
            }

            /// Opens and checks the media as a call does (MIME type, kind, emptiness, name).
            ///
            /// # Errors
            ///
            /// [`Error::Media`] for a missing, unreadable or empty file, or the wrong kind;
            /// [`Error::InvalidInput`] for an unusable or missing MIME type.
            pub async fn open(&self) -> Result<MediaSource> {
                self.0.open($kind).await
            }

            /// The whole content (the official `bytes_io()`): a file is read, a stream is read
            /// to its end.
            ///
            /// # Errors
            ///
            /// As [`open`](Self::open), and read errors.
            pub async fn read_bytes(&self) -> Result<Bytes> {
                Ok(self.open().await?.read_all().await?)
            }
        }

        impl From<&Path> for $name {
            fn from(path: &Path) -> Self {
                Self::from_path(path)
            }
        }

        impl From<PathBuf> for $name {
            fn from(path: PathBuf) -> Self {
                Self::from_path(path)
            }
        }

        impl From<&PathBuf> for $name {
            fn from(path: &PathBuf) -> Self {
                Self::from_path(path)
            }
        }

        impl From<&str> for $name {
            /// A path.
            fn from(path: &str) -> Self {
                Self::from_path(path)
            }
        }

        impl From<String> for $name {
            /// A path.
            fn from(path: String) -> Self {
                Self::from_path(path)
            }
        }

        impl From<MediaInput> for $name {
            fn from(input: MediaInput) -> Self {
                Self::from_input(input)
            }
        }

        impl From<MediaSource> for $name {
            fn from(source: MediaSource) -> Self {
                Self::from_source(source)
            }
        }

        impl From<Bytes> for $name {
            /// Bytes whose type is sniffed from their content when sent.
            fn from(bytes: Bytes) -> Self {
                Self::from_input(MediaInput::from_bytes(bytes))
            }
        }

        impl From<Vec<u8>> for $name {
            /// Bytes whose type is sniffed from their content when sent.
            fn from(bytes: Vec<u8>) -> Self {
                Self::from_input(MediaInput::from_bytes(bytes))
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }
    };
}

/// An image to classify (`image/*`).
///
/// Cheap to clone. Bytes are shared; a file is only a path until sent.
///
/// ```
/// use dragoneye::{Image, PathOptions};
///
/// let from_disk = Image::from_path("houses.jpg");           // image/jpeg, named houses.jpg
/// let from_memory = Image::from_bytes(vec![0xFF, 0xD8, 0xFF], "image/jpeg").with_name("a.jpg");
/// let explicit = Image::from_path_with("capture.raw", PathOptions::new().mime_type("image/png"));
/// assert_eq!(from_disk.name(), Some("houses.jpg"));
/// assert_eq!(from_memory.name(), Some("a.jpg"));
/// # let _ = explicit;
/// ```
#[derive(Debug, Clone)]
pub struct Image(MediaArg);

/// A video to classify (`video/*`).
///
/// Cheap to clone. A file is streamed from disk when uploaded, so its size does not matter.
///
/// ```
/// use dragoneye::Video;
///
/// let video = Video::from_path("intersection.mp4");  // video/mp4, never read into memory
/// assert_eq!(video.name(), Some("intersection.mp4"));
/// ```
#[derive(Debug, Clone)]
pub struct Video(MediaArg);

media_type!(Image, MediaKind::Image, "image");
media_type!(Video, MediaKind::Video, "video");

/// Either kind of media, for the individual steps ([`Classification::begin`](crate::Classification::begin),
/// [`Classification::upload`](crate::Classification::upload)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Media {
    /// An image.
    Image(Image),
    /// A video.
    Video(Video),
}

impl Media {
    /// Opens and checks the media as a call does.
    ///
    /// # Errors
    ///
    /// As [`Image::open`].
    pub async fn open(&self) -> Result<MediaSource> {
        match self {
            Self::Image(m) => m.open().await,
            Self::Video(m) => m.open().await,
        }
    }

    /// The whole content (the official `Media.bytes_io()`).
    ///
    /// # Errors
    ///
    /// As [`Image::read_bytes`].
    pub async fn read_bytes(&self) -> Result<Bytes> {
        match self {
            Self::Image(m) => m.read_bytes().await,
            Self::Video(m) => m.read_bytes().await,
        }
    }

    /// The name sent as `file_name`, when known without opening the media.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Image(m) => m.name(),
            Self::Video(m) => m.name(),
        }
    }

    /// `Image` or `Video`.
    pub fn kind(&self) -> MediaKind {
        match self {
            Self::Image(_) => MediaKind::Image,
            Self::Video(_) => MediaKind::Video,
        }
    }
}

impl From<Image> for Media {
    fn from(value: Image) -> Self {
        Self::Image(value)
    }
}

impl From<Video> for Media {
    fn from(value: Video) -> Self {
        Self::Video(value)
    }
}

impl From<&Image> for Media {
    fn from(value: &Image) -> Self {
        Self::Image(value.clone())
    }
}

impl From<&Video> for Media {
    fn from(value: &Video) -> Self {
        Self::Video(value.clone())
    }
}
