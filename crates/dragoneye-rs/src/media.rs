//! Images and videos to send, like the official SDK's `Image` / `Video` (`dragoneye.types.media`).
//!
//! Both wrap a [`MediaSource`]: a file is **streamed from disk** for the upload (re-opened for
//! every attempt, in 64 KiB chunks), so a multi-gigabyte video never sits in memory unless you
//! ask for it with [`PathOptions::read_into_memory`]. The MIME type is checked when the value is
//! built: an [`Image`] only takes `image/*`, a [`Video`] only `video/*`.
//!
//! The optional name (the file's name for [`Image::from_path`] / [`Video::from_path`], else
//! whatever [`with_name`](Image::with_name) sets) is sent to the API as `file_name` and echoed
//! back in the results' `original_file_name`.

use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncRead;
use vision_sdk_common::media::{MediaError, MediaKind, MediaSource, Mime, mime_from_path};

use crate::error::Error;

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
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Whether to guess the MIME type from the extension when none is given (default `true`).
    /// With `false`, an explicit [`mime_type`](Self::mime_type) is required.
    pub fn guess_from_extension(mut self, guess: bool) -> Self {
        self.guess_from_extension = guess;
        self
    }

    /// Reads the whole file into memory now instead of streaming it at upload time
    /// (default `false`).
    pub fn read_into_memory(mut self, read: bool) -> Self {
        self.read_into_memory = read;
        self
    }

    /// The name sent as `file_name` (default: the file's name, e.g. `houses.jpg`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

fn parse_mime(mime_type: &str) -> Result<Mime, Error> {
    mime_type
        .parse::<Mime>()
        .map_err(|e| Error::InvalidInput(format!("invalid MIME type {mime_type:?}: {e}")))
}

fn checked(source: MediaSource, kind: MediaKind) -> Result<MediaSource, Error> {
    source.require_kind(kind)?;
    Ok(source)
}

async fn open_path(
    path: &Path,
    options: PathOptions,
    kind: MediaKind,
) -> Result<MediaSource, Error> {
    let mime = match &options.mime_type {
        Some(text) => Some(parse_mime(text)?),
        None if options.guess_from_extension => mime_from_path(path),
        None => None,
    };
    let Some(mime) = mime else {
        // A missing file is reported as such before the missing type.
        MediaSource::from_path_with_mime(path, vision_sdk_common::mime::APPLICATION_OCTET_STREAM)
            .await?;
        let why = if options.guess_from_extension {
            "no extension-based guess available"
        } else {
            "guessing from the extension is turned off"
        };
        return Err(Error::InvalidInput(format!(
            "mime_type is required for {} ({why}).",
            path.display()
        )));
    };
    // Check the kind before touching the disk for the content.
    if MediaKind::of(&mime) != Some(kind) {
        return Err(MediaError::WrongKind {
            expected: kind,
            actual: Box::new(mime),
        }
        .into());
    }
    let mut source = MediaSource::from_path_with_mime(path, mime).await?;
    if let Some(name) = options.name {
        source = source.with_file_name(name);
    }
    if options.read_into_memory {
        source = source.into_memory().await?;
    }
    Ok(source)
}

macro_rules! media_type {
    ($name:ident, $kind:expr, $kind_str:literal) => {
        impl $name {
            #[doc = concat!("A ", $kind_str, " file, with the MIME type from its extension, streamed from disk when uploaded.")]
            ///
            /// The name sent as `file_name` is the file's name.
            ///
            /// # Errors
            ///
            /// [`Error::Media`] when the file is missing or not a regular file, or its type is not
            #[doc = concat!("`", $kind_str, "/*`;")]
            /// [`Error::InvalidInput`] when the extension tells no MIME type.
            pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
                Self::from_path_with(path, PathOptions::new()).await
            }

            /// A file opened with [`PathOptions`] (explicit MIME type, required MIME type,
            /// read into memory, name).
            ///
            /// # Errors
            ///
            /// As [`from_path`](Self::from_path); [`Error::InvalidInput`] for an unparsable MIME
            /// type or a missing one when guessing is off.
            pub async fn from_path_with(
                path: impl AsRef<Path>,
                options: PathOptions,
            ) -> Result<Self, Error> {
                open_path(path.as_ref(), options, $kind).await.map(Self)
            }

            #[doc = concat!("A ", $kind_str, " in memory; the MIME type is required.")]
            ///
            /// # Errors
            ///
            #[doc = concat!("[`Error::InvalidInput`] for an unparsable MIME type, [`Error::Media`] when it is not `", $kind_str, "/*`.")]
            pub fn from_bytes(data: impl Into<Bytes>, mime_type: &str) -> Result<Self, Error> {
                let mime = parse_mime(mime_type)?;
                checked(MediaSource::from_bytes_with_mime(data, mime), $kind).map(Self)
            }

            #[doc = concat!("A ", $kind_str, " read from an async reader of unknown length.")]
            ///
            /// A presigned upload needs the length up front, so the reader is read into memory
            /// when the upload starts (as the official SDK does with streams). When the length
            /// is known, [`from_stream_with_len`](Self::from_stream_with_len) streams instead.
            /// A reader can be sent once: a failed upload is not retried.
            ///
            /// # Errors
            ///
            /// As [`from_bytes`](Self::from_bytes).
            pub fn from_stream<R>(reader: R, mime_type: &str) -> Result<Self, Error>
            where
                R: AsyncRead + Send + 'static,
            {
                let mime = parse_mime(mime_type)?;
                checked(MediaSource::from_reader(reader, mime, None), $kind).map(Self)
            }

            #[doc = concat!("A ", $kind_str, " read from an async reader of exactly `len` bytes, streamed when uploaded.")]
            ///
            /// # Errors
            ///
            /// As [`from_bytes`](Self::from_bytes).
            pub fn from_stream_with_len<R>(reader: R, mime_type: &str, len: u64) -> Result<Self, Error>
            where
                R: AsyncRead + Send + 'static,
            {
                let mime = parse_mime(mime_type)?;
                checked(MediaSource::from_reader(reader, mime, Some(len)), $kind).map(Self)
            }

            #[doc = concat!("Wraps a [`MediaSource`] whose MIME type is `", $kind_str, "/*`.")]
            ///
            /// # Errors
            ///
            /// [`Error::Media`] for another type.
            pub fn from_source(source: MediaSource) -> Result<Self, Error> {
                checked(source, $kind).map(Self)
            }

            /// Sets the name sent as `file_name` (echoed as the results' `original_file_name`).
            pub fn with_name(self, name: impl Into<String>) -> Self {
                Self(self.0.with_file_name(name))
            }

            /// The name sent as `file_name`, if any.
            pub fn name(&self) -> Option<&str> {
                self.0.file_name()
            }

            /// The MIME type sent as `mimetype`.
            pub fn mime_type(&self) -> &Mime {
                self.0.mime()
            }

            /// Size in bytes, when known (always for bytes and files).
            pub fn len(&self) -> Option<u64> {
                self.0.len()
            }

            /// `true` when the media is known to be empty.
            pub fn is_empty(&self) -> bool {
                self.0.len() == Some(0)
            }

            /// The underlying media source.
            pub fn source(&self) -> &MediaSource {
                &self.0
            }

            /// Unwraps the media source.
            pub fn into_source(self) -> MediaSource {
                self.0
            }
        }

        impl From<$name> for MediaSource {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

/// An image to classify (`image/*`).
///
/// Cheap to clone. Bytes are shared; a file is only a path until uploaded.
///
/// ```no_run
/// use dragoneye::{Image, PathOptions};
///
/// # async fn demo() -> Result<(), dragoneye::Error> {
/// let from_disk = Image::from_path("houses.jpg").await?;           // image/jpeg, named houses.jpg
/// let from_memory = Image::from_bytes(vec![0xFF, 0xD8, 0xFF], "image/jpeg")?.with_name("a.jpg");
/// let explicit = Image::from_path_with("capture.raw", PathOptions::new().mime_type("image/png")).await?;
/// # let _ = (from_disk, from_memory, explicit);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Image(MediaSource);

/// A video to classify (`video/*`).
///
/// Cheap to clone. A file is streamed from disk when uploaded, so its size does not matter.
///
/// ```no_run
/// use dragoneye::Video;
///
/// # async fn demo() -> Result<(), dragoneye::Error> {
/// let video = Video::from_path("intersection.mp4").await?;  // video/mp4, never read into memory
/// assert_eq!(video.name(), Some("intersection.mp4"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Video(MediaSource);

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
    /// The underlying media source.
    pub fn source(&self) -> &MediaSource {
        match self {
            Self::Image(m) => m.source(),
            Self::Video(m) => m.source(),
        }
    }

    /// The name sent as `file_name`, if any.
    pub fn name(&self) -> Option<&str> {
        self.source().file_name()
    }

    /// The MIME type sent as `mimetype`.
    pub fn mime_type(&self) -> &Mime {
        self.source().mime()
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
