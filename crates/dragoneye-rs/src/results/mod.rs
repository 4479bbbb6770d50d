//! The results payload of `GET /prediction-task/results?…&response_version=parquet_object`.
//!
//! The body is a ZIP archive (members normally STORED; DEFLATE is accepted too) holding
//! `predictions.parquet` (one row per detected or tracked object) and, for video tasks,
//! `frame_timestamps.parquet` (one row per processed frame). The functions here turn it into
//! the response models exactly like the official Python SDK's `parquet_deserializer`:
//! rows in file order, lists in stored order, `Float32` scores widened exactly to `f64`, null
//! lists read as empty lists, frame timestamps sorted.
//!
//! Malformed input never panics: it yields a [`ResultsDecodeError`] that names the archive member and
//! the column at fault. The ZIP's CRC is checked; there is no integrity check beyond it (a
//! Parquet member altered under a valid CRC decodes if its structure is still valid).
//!
//! ```no_run
//! # fn demo(body: &[u8]) -> Result<(), dragoneye::results::ResultsDecodeError> {
//! let response = dragoneye::results::decode_video_results(
//!     body,
//!     "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e",
//!     Some("intersection.mp4".to_owned()),
//!     2, // from the `X-Frames-Per-Second` response header
//! )?;
//! for object in &response.objects {
//!     println!("object {} seen on {} frames", object.object_id, object.bbox_observations.len());
//! }
//! # Ok(()) }
//! ```

mod decode;
#[cfg(any(test, feature = "testing"))]
pub mod encode;

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::models::{
    ClassificationPredictImageResponse, ClassificationPredictVideoResponse, ImageDetectedObject,
    VideoDetectedObject,
};

/// Name of the archive member holding one row per detected (image) or tracked (video) object.
pub const PREDICTIONS_MEMBER: &str = "predictions.parquet";

/// Name of the archive member holding the timestamps of every processed video frame.
pub const FRAME_TIMESTAMPS_MEMBER: &str = "frame_timestamps.parquet";

pub use crate::error::BoxError;

/// Why a results payload could not be decoded.
///
/// `member` is the archive member (`predictions.parquet` or `frame_timestamps.parquet`) and
/// `column` the dotted Parquet path of the column (e.g. `categories.list.element.score`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultsDecodeError {
    /// The body is not a readable ZIP archive (corrupt, truncated, or not a ZIP at all, such as
    /// the raw Parquet body of the 1.x API).
    #[error("results body is not a valid ZIP archive: {source}")]
    InvalidZip {
        /// The ZIP reader's error.
        #[source]
        source: BoxError,
    },
    /// A required member is missing from the archive.
    #[error("results archive is missing `{member}`")]
    MissingMember {
        /// The missing member's name.
        member: String,
    },
    /// A member exists but could not be extracted (unsupported compression, bad checksum,
    /// truncated data, encryption…).
    #[error("cannot extract `{member}` from the results archive: {source}")]
    ZipMember {
        /// The member's name.
        member: String,
        /// The ZIP reader's error.
        #[source]
        source: BoxError,
    },
    /// A member is not a readable Parquet file (bad footer, corrupt pages, unsupported codec…).
    #[error("`{member}` is not a valid Parquet file: {source}")]
    InvalidParquet {
        /// The member's name.
        member: String,
        /// The Parquet reader's error.
        #[source]
        source: BoxError,
    },
    /// A column the decoder needs is absent from the Parquet schema.
    #[error("`{member}` has no column `{column}`")]
    MissingColumn {
        /// The member's name.
        member: String,
        /// Dotted path of the missing column.
        column: String,
    },
    /// A column has a type the decoder cannot read as the model requires.
    #[error("`{member}`: column `{column}` is {found}, expected {expected}")]
    UnexpectedColumnType {
        /// The member's name.
        member: String,
        /// Dotted path of the column.
        column: String,
        /// What the decoder accepts.
        expected: &'static str,
        /// What the file holds.
        found: String,
    },
    /// A null where the model requires a value (the official SDK fails validation there).
    #[error("`{member}`: null in column `{column}` (row {row}) where a value is required")]
    NullValue {
        /// The member's name.
        member: String,
        /// Dotted path of the column (or of the list element) holding the null.
        column: String,
        /// Zero-based row (object) index.
        row: usize,
    },
    /// A value the model cannot hold: a bbox without exactly 4 numbers, an empty list where one
    /// element is required, a string that is not UTF-8.
    #[error("`{member}`: invalid value in column `{column}` (row {row}): {reason}")]
    InvalidValue {
        /// The member's name.
        member: String,
        /// Dotted path of the column.
        column: String,
        /// Zero-based row (object) index.
        row: usize,
        /// What is wrong with the value.
        reason: String,
    },
    /// The column's data is structurally inconsistent (levels and values disagree, columns of
    /// different row counts…).
    #[error("`{member}`: malformed data in column `{column}`: {reason}")]
    MalformedColumn {
        /// The member's name.
        member: String,
        /// Dotted path of the column (empty if not specific to one column).
        column: String,
        /// What is inconsistent.
        reason: String,
    },
}

/// Decodes the results body of an **image** task into a [`ClassificationPredictImageResponse`].
///
/// `prediction_task_uuid` is the task's id and `original_file_name` the value of the
/// `X-Original-File-Name` response header (`None` if absent); both are copied into the response
/// as the official SDK does.
pub fn decode_image_results(
    zip_bytes: &[u8],
    prediction_task_uuid: &str,
    original_file_name: Option<String>,
) -> Result<ClassificationPredictImageResponse, ResultsDecodeError> {
    let members = decode::read_archive(zip_bytes, false)?;
    Ok(ClassificationPredictImageResponse {
        objects: decode::image_predictions(members.predictions)?,
        prediction_task_uuid: prediction_task_uuid.to_owned(),
        original_file_name,
    })
}

/// Decodes the results body of a **video** task into a [`ClassificationPredictVideoResponse`].
///
/// `frames_per_second` is the value of the `X-Frames-Per-Second` response header (the official
/// SDK fails when it is missing), `original_file_name` the value of `X-Original-File-Name`
/// (`None` if absent). An archive without `frame_timestamps.parquet` gives an empty
/// `frame_timestamps_microseconds`, like the SDK.
pub fn decode_video_results(
    zip_bytes: &[u8],
    prediction_task_uuid: &str,
    original_file_name: Option<String>,
    frames_per_second: u32,
) -> Result<ClassificationPredictVideoResponse, ResultsDecodeError> {
    let members = decode::read_archive(zip_bytes, true)?;
    let objects = decode::video_predictions(members.predictions)?;
    let frame_timestamps_microseconds = match members.frame_timestamps {
        Some(data) => decode::frame_timestamps(data)?,
        None => Vec::new(),
    };
    Ok(ClassificationPredictVideoResponse {
        objects,
        frames_per_second,
        frame_timestamps_microseconds,
        prediction_task_uuid: prediction_task_uuid.to_owned(),
        original_file_name,
    })
}

/// Decodes a bare `predictions.parquet` of an image task (one [`ImageDetectedObject`] per row).
///
/// Each object keeps the first of its bbox observations and, per attribute, the score of the
/// first scored range, as the official SDK does; the row-level `timestamp_ranges` are ignored.
pub fn decode_image_predictions(
    parquet_bytes: &[u8],
) -> Result<Vec<ImageDetectedObject>, ResultsDecodeError> {
    decode::image_predictions(Bytes::copy_from_slice(parquet_bytes))
}

/// Decodes a bare `predictions.parquet` of a video task (one [`VideoDetectedObject`] per row).
pub fn decode_video_predictions(
    parquet_bytes: &[u8],
) -> Result<Vec<VideoDetectedObject>, ResultsDecodeError> {
    decode::video_predictions(Bytes::copy_from_slice(parquet_bytes))
}

/// Decodes a bare `frame_timestamps.parquet` into its `timestamp_microseconds` values, sorted
/// ascending (the order in the file is not meaningful). The `image_id` column is ignored.
pub fn decode_frame_timestamps(parquet_bytes: &[u8]) -> Result<Vec<i64>, ResultsDecodeError> {
    decode::frame_timestamps(Bytes::copy_from_slice(parquet_bytes))
}

/// Every member of a results archive, by name (the official `split_prediction_archive`, which
/// returns `{name: bytes}`). Members are read whole; directories are skipped.
///
/// ```
/// # fn demo(body: &[u8]) -> Result<(), dragoneye::results::ResultsDecodeError> {
/// let members = dragoneye::results::split_prediction_archive(body)?;
/// if let Some(predictions) = members.get(dragoneye::results::PREDICTIONS_MEMBER) {
///     let objects = dragoneye::results::decode_image_predictions(predictions)?;
///     println!("{} objects", objects.len());
/// }
/// # Ok(()) }
/// # let _ = demo;
/// ```
///
/// # Errors
///
/// [`ResultsDecodeError::InvalidZip`] when the body is not a ZIP archive,
/// [`ResultsDecodeError::ZipMember`] when a member cannot be extracted.
pub fn split_prediction_archive(
    zip_bytes: &[u8],
) -> Result<BTreeMap<String, Bytes>, ResultsDecodeError> {
    Ok(decode::split_archive(zip_bytes)?.into_iter().collect())
}
