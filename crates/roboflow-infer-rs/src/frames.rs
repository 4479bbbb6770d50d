//! `infer_on_stream`: a model on every frame of a source, as a [`Stream`] of
//! `(frame id, frame, result)` (the official `infer_on_stream`).
//!
//! The official client takes an `input_uri`: a directory (its image files, scanned with
//! `image_extensions_for_directory_scan`) or anything OpenCV opens as video (a file, an RTSP
//! URL, a webcam index), decoded locally through `supervision.get_video_frames_generator`.
//! Here a [`FrameSource`] is a directory ([`FrameSource::directory`], the same scan rule), any
//! iterator of images ([`FrameSource::images`]) or any [`Stream`] of images
//! ([`FrameSource::stream`]), for frames that come from a decoder, a camera or a channel.
//!
//! **Video decoding is not built in**, on purpose: decoding MP4/H.264 or RTSP needs FFmpeg
//! or GStreamer (C libraries and system packages) or a large pure-Rust codec stack, far
//! heavier than this HTTP client. Decode frames with the crate of your choice (e.g. encode
//! each to JPEG) and pass them as a stream; to send a clip whole to an action-recognition
//! model, use [`InferenceClient::infer_on_video`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt as _;
use futures_util::stream;
use vision_sdk_common::MediaSource;

use crate::client::{CallOptions, InferenceClient};
use crate::error::{Error, Result};
use crate::input::Image;
use crate::models::InferenceResponse;
use crate::{Confidence, InferenceConfiguration};

type Frames = Pin<Box<dyn Stream<Item = Result<(FrameId, Image)>> + Send + 'static>>;

/// Which frame a [`StreamFrame`] is: the file of a directory scan (the official client's
/// frame reference for directories) or the position in an iterator or stream (from 0, as the
/// official client numbers video frames).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FrameId {
    /// The image file (directory scans).
    Path(PathBuf),
    /// The frame's position in its source, from 0.
    Index(u64),
}

impl fmt::Display for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(path) => write!(f, "{}", path.display()),
            Self::Index(index) => write!(f, "{index}"),
        }
    }
}

/// One frame of [`InferenceClient::infer_on_stream`]: its id, the image (a file's frame
/// holds the file's bytes: [`Image::as_bytes`]) and the model's answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamFrame {
    /// Which frame this is.
    pub id: FrameId,
    /// The frame as sent.
    pub image: Image,
    /// The model's answer.
    pub result: InferenceResponse,
}

/// Where [`InferenceClient::infer_on_stream`] takes its frames from.
///
/// ```
/// use roboflow_infer::Image;
/// use roboflow_infer::FrameSource;
///
/// let folder = FrameSource::directory("frames/");
/// let listed = FrameSource::images(["a.jpg", "b.jpg"].map(Image::from_path));
/// // Frames from a decoder, a camera, a channel: any `Stream` of images.
/// # fn next_jpeg_frame(_: u32) -> Option<Vec<u8>> { None }
/// let decoded = FrameSource::stream(futures_util::stream::unfold(0, |n| async move {
///     next_jpeg_frame(n).map(|jpeg| (Image::from_bytes(jpeg), n + 1))
/// }));
/// # let _ = (folder, listed, decoded);
/// ```
pub struct FrameSource {
    kind: Kind,
}

enum Kind {
    Directory(PathBuf),
    Frames(Frames),
}

impl fmt::Debug for FrameSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Directory(path) => f.debug_tuple("FrameSource::Directory").field(path).finish(),
            Kind::Frames(_) => f.write_str("FrameSource::Stream"),
        }
    }
}

impl FrameSource {
    /// The image files directly in `directory` (not its subdirectories) whose extension is one
    /// of the configuration's `image_extensions_for_directory_scan` (default jpg, jpeg, png;
    /// case-insensitive, a leading dot optional, `tar.gz`-style chains allowed, as
    /// `supervision.list_files_with_extensions`), in path order (the official client's order
    /// is a `set`'s, i.e. arbitrary). Each frame's id is its path; each file is read when its
    /// request starts.
    pub fn directory(directory: impl Into<PathBuf>) -> Self {
        Self {
            kind: Kind::Directory(directory.into()),
        }
    }

    /// Images from an iterator, numbered from 0 (taken one at a time as frames are sent).
    pub fn images<I>(images: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Image>,
        I::IntoIter: Send + 'static,
    {
        Self::stream(stream::iter(images))
    }

    /// Images from a [`Stream`] (a decoder, a camera, a channel), numbered from 0, pulled only
    /// as fast as the frames are answered (at most `max_concurrent_requests` ahead).
    pub fn stream<S>(frames: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: Into<Image>,
    {
        let numbered = frames
            .enumerate()
            .map(|(index, image)| Ok((FrameId::Index(index as u64), image.into())));
        Self {
            kind: Kind::Frames(Box::pin(numbered)),
        }
    }

    fn into_frames(self, extensions: Vec<String>) -> Frames {
        match self.kind {
            Kind::Frames(frames) => frames,
            Kind::Directory(directory) => Box::pin(
                stream::once(async move {
                    tokio::task::spawn_blocking(move || scan_directory(&directory, &extensions))
                        .await
                        .map_err(|e| Error::Config(format!("the directory scan failed: {e}")))?
                })
                .map(|listed| {
                    let items: Vec<Result<(FrameId, Image)>> = match listed {
                        Ok(paths) => paths
                            .into_iter()
                            .map(|p| Ok((FrameId::Path(p.clone()), Image::from_path(p))))
                            .collect(),
                        Err(e) => vec![Err(e)],
                    };
                    stream::iter(items)
                })
                .flatten(),
            ),
        }
    }
}

/// The files directly in `directory` with one of `extensions`, sorted by path
/// (`supervision.list_files_with_extensions`: case-insensitive, leading dots ignored, a path
/// matches an extension when it equals the joined tail of its suffixes).
pub(crate) fn scan_directory(directory: &Path, extensions: &[String]) -> Result<Vec<PathBuf>> {
    let unreadable = |e: std::io::Error| {
        Error::InvalidInput(format!(
            "cannot list the directory {}: {e}",
            directory.display()
        ))
    };
    let wanted: Vec<String> = extensions
        .iter()
        .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(directory).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if !path.is_file() {
            continue;
        }
        let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
            continue;
        };
        let tails = suffix_tails(&name);
        if wanted.iter().any(|w| tails.contains(w)) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Python's `".".join(suffixes[i:])` for every `i`, lower-cased (`a.Tar.GZ` → `tar.gz`, `gz`).
fn suffix_tails(name: &str) -> Vec<String> {
    // `PurePath.suffixes`: none for a name ending in a dot; leading dots are not suffixes.
    if name.ends_with('.') {
        return Vec::new();
    }
    let stem_start = name.len() - name.trim_start_matches('.').len();
    let suffixes: Vec<String> = name[stem_start..]
        .split('.')
        .skip(1)
        .map(str::to_ascii_lowercase)
        .collect();
    (0..suffixes.len())
        .map(|i| suffixes[i..].join("."))
        .collect()
}

impl InferenceClient {
    /// Runs `model_id` on every frame of `source` (the official `infer_on_stream`): a
    /// [`Stream`] of [`StreamFrame`]s `(id, image, result)` in source order. One `infer` per
    /// frame, up to `max_concurrent_requests` at once (default 1, one after the other as
    /// upstream), so at most that many frames are held in memory. A frame that fails is an
    /// `Err` item and the stream goes on with the next frame (the official generator stops at
    /// the first error; stop reading to do the same).
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    /// use roboflow_infer::InferenceClient;
    /// use roboflow_infer::FrameSource;
    ///
    /// # async fn run(client: InferenceClient) -> roboflow_infer::Result<()> {
    /// let mut frames = client
    ///     .infer_on_stream("my-project/3", FrameSource::directory("frames/"))
    ///     .confidence_threshold(0.5)
    ///     .max_concurrent_requests(4)
    ///     .stream();
    /// while let Some(frame) = frames.next().await {
    ///     let frame = frame?;
    ///     let found = frame.result.as_object_detection().map_or(0, |d| d.predictions.len());
    ///     println!("{}: {found} objects", frame.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn infer_on_stream(
        &self,
        model_id: impl Into<String>,
        source: FrameSource,
    ) -> OnStreamCall {
        OnStreamCall {
            client: self.clone(),
            model_id: model_id.into(),
            source,
            config: InferenceConfiguration::new(),
            multipart: false,
            options: CallOptions::default(),
        }
    }
}

/// The builder of [`InferenceClient::infer_on_stream`]; [`stream`](Self::stream) starts it.
#[derive(Debug)]
#[must_use = "nothing is sent until the stream is polled"]
pub struct OnStreamCall {
    client: InferenceClient,
    model_id: String,
    source: FrameSource,
    config: InferenceConfiguration,
    multipart: bool,
    options: CallOptions,
}

impl OnStreamCall {
    call_option_setters!();

    /// A configuration for every frame, merged over the client's (what it sets wins; also
    /// `image_extensions_for_directory_scan`).
    pub fn configuration(mut self, config: InferenceConfiguration) -> Self {
        self.config = self.config.overridden_by(&config);
        self
    }
    /// `confidence_threshold`.
    pub fn confidence_threshold(mut self, confidence: impl Into<Confidence>) -> Self {
        self.config.confidence_threshold = Some(confidence.into());
        self
    }
    /// Frames in flight at once (default 1).
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.config.max_concurrent_requests = Some(requests);
        self
    }
    /// Client-side downsizing of each frame, with the answers rescaled back (JPEG and PNG with the default feature `jpeg`, other formats with `image`).
    pub fn client_downsizing(mut self, enabled: bool) -> Self {
        self.config.client_downsizing_disabled = Some(!enabled);
        self
    }
    /// v0 only: each frame as a `multipart/form-data` upload (see
    /// [`InferCall::multipart_upload`](crate::InferCall::multipart_upload)).
    pub fn multipart_upload(mut self, multipart: bool) -> Self {
        self.multipart = multipart;
        self
    }

    /// The frames with their answers, in source order. Nothing is read or sent until the
    /// stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<StreamFrame>> + Send + 'static {
        let Self {
            client,
            model_id,
            source,
            config,
            multipart,
            options,
        } = self;
        let merged = client.inner.config.overridden_by(&config);
        let concurrency = merged.effective_max_concurrent_requests();
        let extensions = merged.effective_image_extensions_for_directory_scan();
        source
            .into_frames(extensions)
            .map(move |item| {
                let client = client.clone();
                let model_id = model_id.clone();
                let config = config.clone();
                let options = options.clone();
                async move {
                    let (id, image) = item?;
                    let image = read_file_frame(image).await?;
                    let result = client
                        .infer(model_id, image.clone())
                        .configuration(config)
                        .multipart_upload(multipart)
                        .with_options(options)
                        .send()
                        .await?;
                    Ok(StreamFrame { id, image, result })
                }
            })
            .buffered(concurrency)
    }
}

/// A frame from a file is read once, so the [`StreamFrame`] holds the bytes that were sent.
async fn read_file_frame(image: Image) -> Result<Image> {
    match image.path() {
        Some(path) => {
            let bytes = MediaSource::from_path(path).await?.read_all().await?;
            Ok(Image::from_bytes(bytes))
        }
        None => Ok(image),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_tails_follow_pathlib() {
        assert_eq!(suffix_tails("a.jpg"), ["jpg"]);
        assert_eq!(suffix_tails("a.Tar.GZ"), ["tar.gz", "gz"]);
        assert!(suffix_tails(".hidden").is_empty());
        assert_eq!(suffix_tails(".hidden.png"), ["png"]);
        assert!(suffix_tails("noext").is_empty());
        assert!(suffix_tails("trailing.").is_empty());
    }

    #[test]
    fn the_directory_scan_filters_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.JPG", "a.png", "c.txt", "d.jpeg", "e.tar.gz"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.jpg")).unwrap();
        let names = |exts: &[&str]| -> Vec<String> {
            let exts: Vec<String> = exts.iter().map(|e| (*e).to_owned()).collect();
            scan_directory(dir.path(), &exts)
                .unwrap()
                .into_iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        let defaults = crate::config::DEFAULT_IMAGE_EXTENSIONS.map(str::to_owned);
        assert_eq!(
            names(&defaults.each_ref().map(String::as_str)),
            ["a.png", "b.JPG", "d.jpeg"]
        );
        assert_eq!(names(&[".GZ"]), ["e.tar.gz"]);
        assert_eq!(names(&["tar.gz", "txt"]), ["c.txt", "e.tar.gz"]);
        assert!(names(&[""]).is_empty());
        assert!(matches!(
            scan_directory(&dir.path().join("missing"), &defaults),
            Err(Error::InvalidInput(_))
        ));
    }
}
