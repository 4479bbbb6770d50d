//! Response models of the Dragoneye API, mirroring `dragoneye-python` 2.0.x (`dragoneye.models`).
//!
//! Every model serializes to the same JSON as the official SDK's pydantic `model_dump_json`
//! (same field names, same order, `null` for absent optional values), and deserializes from it
//! (unknown fields are ignored, like pydantic's default configuration).
//!
//! Scores are `f64` holding the exact widening of the `Float32` values the server stores
//! (`0.97f32` becomes `0.9700000286102295`), exactly like the Python SDK. Identifiers and
//! timestamps are `i64` (identifiers above 2³¹ occur).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A bounding box `(x1, y1, x2, y2)`, normalized to `[0, 1]` relative to the image (or video
/// frame) width and height. Serialized as a 4-element JSON array.
pub type NormalizedBbox = [f64; 4];

vision_sdk_common::open_enum! {
    /// What kind of media a prediction task was created for (`"image"` or `"video"` on the
    /// wire).
    ///
    /// The server's value decides which results model applies
    /// ([`ClassificationPredictImageResponse`] or [`ClassificationPredictVideoResponse`]).
    PredictionType {
        /// An image task (`"image"`).
        Image = "image",
        /// A video task (`"video"`).
        Video = "video",
    }
}

impl From<&PredictionType> for PredictionType {
    fn from(value: &PredictionType) -> Self {
        value.clone()
    }
}

/// The state of a prediction task, as reported by `GET /prediction-task/status`.
///
/// The API sends a free-form string. The official SDK only interprets two cases: exactly
/// `"predicted"` means finished successfully, and any string starting with `"failed"` (for
/// example `"failed_internal_error"`) means finished with an error. Every other string is an
/// intermediate state (keep polling) and is kept verbatim in [`PredictionTaskState::Other`].
///
/// The enum is open: parsing never fails, and serializing gives back the original string.
/// Build values from strings with [`PredictionTaskState::from`] / [`str::parse`] so that
/// `"predicted"` and `"failed…"` land in their dedicated variants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PredictionTaskState {
    /// `"predicted"`: the task finished and its results can be fetched.
    Predicted,
    /// A status starting with `"failed"`; holds the full status string (e.g.
    /// `"failed_internal_error"`).
    Failed(String),
    /// Any other status string (an intermediate state such as `"predicting"`), kept verbatim.
    Other(String),
}

impl PredictionTaskState {
    /// The status string as sent by the API.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Predicted => "predicted",
            Self::Failed(s) | Self::Other(s) => s,
        }
    }

    /// `true` when the task reached a final state ([`Predicted`](Self::Predicted) or
    /// [`Failed`](Self::Failed)); the SDK stops polling then.
    pub fn is_complete(&self) -> bool {
        matches!(self, Self::Predicted | Self::Failed(_))
    }

    /// `true` when the task finished successfully (`"predicted"`).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Predicted)
    }

    /// `true` when the task finished with an error (status starting with `"failed"`).
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }
}

impl From<String> for PredictionTaskState {
    fn from(s: String) -> Self {
        if s == "predicted" {
            Self::Predicted
        } else if s.starts_with("failed") {
            Self::Failed(s)
        } else {
            Self::Other(s)
        }
    }
}

impl From<&str> for PredictionTaskState {
    fn from(s: &str) -> Self {
        if s == "predicted" {
            Self::Predicted
        } else {
            Self::from(s.to_owned())
        }
    }
}

impl FromStr for PredictionTaskState {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl fmt::Display for PredictionTaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PredictionTaskState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PredictionTaskState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

/// Response of `GET /prediction-task/status` (`PredictionTaskStatusResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PredictionTaskStatusResponse {
    /// The task's identifier (required: an answer without it is a decode error).
    #[serde(deserialize_with = "vision_sdk_common::internal::serde::required_id")]
    pub prediction_task_uuid: String,
    /// Whether the task is an image or a video task.
    pub prediction_type: PredictionType,
    /// The task's current state.
    pub status: PredictionTaskState,
}

/// An inclusive time span in microseconds from the start of the video (`TimestampRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimestampRange {
    /// First timestamp of the span, in microseconds, inclusive.
    pub timestamp_start_us_inclusive: i64,
    /// Last timestamp of the span, in microseconds, inclusive.
    pub timestamp_end_us_inclusive: i64,
}

/// An inclusive time span with a score (`ScoredTimestampRange`).
///
/// For video attributes, `score` is the mean of the option's per-frame scores over the span,
/// computed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoredTimestampRange {
    /// First timestamp of the span, in microseconds, inclusive.
    pub timestamp_start_us_inclusive: i64,
    /// Last timestamp of the span, in microseconds, inclusive.
    pub timestamp_end_us_inclusive: i64,
    /// Score over the span.
    pub score: f64,
}

/// One detected bounding box with its detection score (`BboxObservation`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BboxObservation {
    /// The box as `(x1, y1, x2, y2)`, normalized to `[0, 1]`.
    pub normalized_bbox: NormalizedBbox,
    /// Detection confidence.
    pub bbox_score: f64,
}

/// The chosen option of one attribute of an image category (`ImageAttributePrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageAttributePrediction {
    /// Attribute identifier (e.g. the id of "Building Exterior Color").
    pub attribute_id: i64,
    /// Attribute display name.
    pub attribute_name: String,
    /// Identifier of the chosen option.
    pub option_id: i64,
    /// Display name of the chosen option.
    pub option_name: String,
    /// Score of the chosen option.
    pub score: f64,
}

/// One category predicted for an image object (`ImageCategoryPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageCategoryPrediction {
    /// Category identifier.
    pub category_id: i64,
    /// Category display name.
    pub name: String,
    /// Category score.
    pub score: f64,
    /// Attributes of this category, each with its chosen option (may be empty).
    pub attributes: Vec<ImageAttributePrediction>,
}

/// One object detected in an image (`ImageDetectedObject`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageDetectedObject {
    /// Object identifier within the result.
    pub object_id: i64,
    /// Where the object is.
    pub bbox_observation: BboxObservation,
    /// Categories predicted for the object, in server order.
    pub categories: Vec<ImageCategoryPrediction>,
}

/// The bounding box of a tracked video object on one sampled frame (`VideoBboxObservation`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoBboxObservation {
    /// Timestamp of the frame, in microseconds from the start of the video.
    pub timestamp_microseconds: i64,
    /// The box on that frame, or `None` on a gap frame (the object is tracked through the frame
    /// but was not detected on it).
    pub observation: Option<BboxObservation>,
}

/// One option of one attribute of a video category, with the time spans over which it held
/// (`VideoAttributePrediction`).
///
/// When the chosen option of an attribute changes over time, the same `attribute_id` appears in
/// several entries, one per option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoAttributePrediction {
    /// Attribute identifier.
    pub attribute_id: i64,
    /// Attribute display name.
    pub attribute_name: String,
    /// Identifier of the option.
    pub option_id: i64,
    /// Display name of the option.
    pub option_name: String,
    /// The spans over which this option held, each with its mean score.
    pub timestamp_ranges: Vec<ScoredTimestampRange>,
}

/// One category predicted for a tracked video object (`VideoCategoryPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoCategoryPrediction {
    /// Category identifier.
    pub category_id: i64,
    /// Category display name.
    pub name: String,
    /// Category score.
    pub score: f64,
    /// Attribute options of this category over time (may be empty).
    pub attributes: Vec<VideoAttributePrediction>,
}

/// One object tracked through a video (`VideoDetectedObject`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoDetectedObject {
    /// Track identifier within the result.
    pub object_id: i64,
    /// The spans during which the object is visible.
    pub timestamp_ranges: Vec<TimestampRange>,
    /// One entry per sampled frame of the object's lifespan, `observation: None` on gap frames.
    pub bbox_observations: Vec<VideoBboxObservation>,
    /// Categories predicted for the object, in server order.
    pub categories: Vec<VideoCategoryPrediction>,
}

/// Result of an image prediction task (`ClassificationPredictImageResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassificationPredictImageResponse {
    /// The detected objects, in server order.
    pub objects: Vec<ImageDetectedObject>,
    /// The task's identifier.
    pub prediction_task_uuid: String,
    /// The file name given when the task was created, echoed by the server in the
    /// `X-Original-File-Name` response header (`None` if absent).
    pub original_file_name: Option<String>,
}

/// Result of a video prediction task (`ClassificationPredictVideoResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassificationPredictVideoResponse {
    /// The tracked objects, in server order.
    pub objects: Vec<VideoDetectedObject>,
    /// The effective sampling rate, from the `X-Frames-Per-Second` response header.
    pub frames_per_second: u32,
    /// Timestamps (microseconds) of every processed frame, including frames without detections,
    /// sorted ascending. Empty when the server sent no `frame_timestamps.parquet`.
    pub frame_timestamps_microseconds: Vec<i64>,
    /// The task's identifier.
    pub prediction_task_uuid: String,
    /// The file name given when the task was created, echoed by the server in the
    /// `X-Original-File-Name` response header (`None` if absent).
    pub original_file_name: Option<String>,
}

/// A created prediction task: the answer of `POST /prediction-task/begin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PredictionTask {
    /// The task's identifier (required: an answer without it is a decode error).
    #[serde(deserialize_with = "vision_sdk_common::internal::serde::required_id")]
    pub prediction_task_uuid: String,
    /// Image or video, as the server decided (it selects the results model).
    pub prediction_type: PredictionType,
    /// Where to upload the media; only the first is used, like the official SDK.
    pub signed_urls: Vec<SignedUrl>,
}

/// One upload destination of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignedUrl {
    /// The object's path in the bucket.
    pub blob_path: String,
    /// The browser-style presigned POST form.
    pub presigned_post_request: PresignedPostRequest,
}

/// A presigned POST form (S3/GCS): the URL and the fields to send before the file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PresignedPostRequest {
    /// Where to `POST` the form.
    pub url: String,
    /// The form fields, in the server's order, values as text (non-string JSON values are
    /// rendered like Python's `str()`).
    #[serde(with = "ordered_fields")]
    pub fields: Vec<(String, String)>,
}

impl fmt::Debug for PresignedPostRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The policy and signature authorise writes: show only the field names.
        let names: Vec<&str> = self.fields.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("PresignedPostRequest")
            .field("url", &self.url)
            .field("fields", &names)
            .finish()
    }
}

mod ordered_fields {
    use std::fmt;

    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        fields: &[(String, String)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of presigned form fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.push((k, python_str(&v)));
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Fields)
    }

    /// `str(v)` of the official SDK for JSON values.
    fn python_str(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(true) => "True".to_owned(),
            serde_json::Value::Bool(false) => "False".to_owned(),
            serde_json::Value::Null => "None".to_owned(),
            other => other.to_string(),
        }
    }
}

/// `new` with every field, in declaration order: the models are `#[non_exhaustive]` (a field the
/// service adds later is not a breaking change), so code outside this crate (fakes, tests)
/// builds them with these.
macro_rules! constructors {
    ($( $ty:ident { $($field:ident : $fty:ty),* $(,)? } )*) => {$(
        impl $ty {
            #[doc = concat!("A `", stringify!($ty), "` from all its fields, in declaration order.")]
            #[allow(clippy::too_many_arguments)]
            pub fn new($($field: $fty),*) -> Self {
                Self { $($field),* }
            }
        }
    )*};
}

constructors! {
    PredictionTaskStatusResponse { prediction_task_uuid: String, prediction_type: PredictionType, status: PredictionTaskState }
    TimestampRange { timestamp_start_us_inclusive: i64, timestamp_end_us_inclusive: i64 }
    ScoredTimestampRange { timestamp_start_us_inclusive: i64, timestamp_end_us_inclusive: i64, score: f64 }
    BboxObservation { normalized_bbox: NormalizedBbox, bbox_score: f64 }
    ImageAttributePrediction { attribute_id: i64, attribute_name: String, option_id: i64, option_name: String, score: f64 }
    ImageCategoryPrediction { category_id: i64, name: String, score: f64, attributes: Vec<ImageAttributePrediction> }
    ImageDetectedObject { object_id: i64, bbox_observation: BboxObservation, categories: Vec<ImageCategoryPrediction> }
    VideoBboxObservation { timestamp_microseconds: i64, observation: Option<BboxObservation> }
    VideoAttributePrediction { attribute_id: i64, attribute_name: String, option_id: i64, option_name: String, timestamp_ranges: Vec<ScoredTimestampRange> }
    VideoCategoryPrediction { category_id: i64, name: String, score: f64, attributes: Vec<VideoAttributePrediction> }
    VideoDetectedObject { object_id: i64, timestamp_ranges: Vec<TimestampRange>, bbox_observations: Vec<VideoBboxObservation>, categories: Vec<VideoCategoryPrediction> }
    ClassificationPredictImageResponse { objects: Vec<ImageDetectedObject>, prediction_task_uuid: String, original_file_name: Option<String> }
    PredictionTask { prediction_task_uuid: String, prediction_type: PredictionType, signed_urls: Vec<SignedUrl> }
    SignedUrl { blob_path: String, presigned_post_request: PresignedPostRequest }
    PresignedPostRequest { url: String, fields: Vec<(String, String)> }
    ClassificationPredictVideoResponse { objects: Vec<VideoDetectedObject>, frames_per_second: u32, frame_timestamps_microseconds: Vec<i64>, prediction_task_uuid: String, original_file_name: Option<String> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_state_parses_known_and_unknown_strings() {
        let parse = |s: &str| -> PredictionTaskState {
            serde_json::from_value(serde_json::Value::String(s.to_owned())).expect("string")
        };
        assert_eq!(parse("predicted"), PredictionTaskState::Predicted);
        assert_eq!(
            parse("failed_internal_error"),
            PredictionTaskState::Failed("failed_internal_error".to_owned())
        );
        assert_eq!(
            parse("predicting"),
            PredictionTaskState::Other("predicting".to_owned())
        );
        // Exact match only for success, like the SDK (`== "predicted"`).
        assert_eq!(
            parse("Predicted"),
            PredictionTaskState::Other("Predicted".to_owned())
        );
        assert!(parse("failed").is_failed());
        assert!(parse("failed").is_complete());
        assert!(!parse("queued").is_complete());
        assert!(parse("predicted").is_success());
        for s in ["predicted", "failed_x", "uploading", ""] {
            let state: PredictionTaskState = s.parse().expect("infallible");
            assert_eq!(state.as_str(), s);
            assert_eq!(state.to_string(), s);
            assert_eq!(
                serde_json::to_value(&state).expect("serialize"),
                serde_json::Value::String(s.to_owned())
            );
        }
    }

    #[test]
    fn status_response_round_trips_and_ignores_extra_fields() {
        let json = r#"{"prediction_task_uuid":"u-1","prediction_type":"video","status":"predicting","extra":1}"#;
        let status: PredictionTaskStatusResponse = serde_json::from_str(json).expect("parse");
        assert_eq!(
            status,
            PredictionTaskStatusResponse {
                prediction_task_uuid: "u-1".to_owned(),
                prediction_type: PredictionType::Video,
                status: PredictionTaskState::Other("predicting".to_owned()),
            }
        );
        assert_eq!(
            serde_json::to_string(&status).expect("serialize"),
            r#"{"prediction_task_uuid":"u-1","prediction_type":"video","status":"predicting"}"#
        );
        let audio: PredictionTaskStatusResponse = serde_json::from_str(
            r#"{"prediction_task_uuid":"u","prediction_type":"audio","status":"predicted"}"#,
        )
        .expect("an unknown prediction type is kept");
        assert!(audio.prediction_type.is_unknown());
        assert_eq!(audio.prediction_type, "audio");
        for no_identity in [
            r#"{"prediction_type":"image","status":"predicted"}"#,
            r#"{"prediction_task_uuid":null,"prediction_type":"image","status":"predicted"}"#,
            r#"{"prediction_task_uuid":" ","prediction_type":"image","status":"predicted"}"#,
            r#"{"data":{"prediction_task_uuid":"u","prediction_type":"image","status":"predicted"}}"#,
        ] {
            assert!(
                serde_json::from_str::<PredictionTaskStatusResponse>(no_identity).is_err(),
                "{no_identity}"
            );
        }
    }

    #[test]
    fn missing_original_file_name_is_none_and_serializes_as_null() {
        let response: ClassificationPredictImageResponse =
            serde_json::from_str(r#"{"objects":[],"prediction_task_uuid":"u"}"#).expect("parse");
        assert_eq!(response.original_file_name, None);
        assert_eq!(
            serde_json::to_string(&response).expect("serialize"),
            r#"{"objects":[],"prediction_task_uuid":"u","original_file_name":null}"#
        );
    }
}
