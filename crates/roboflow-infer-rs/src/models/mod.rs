//! Typed responses of every model family, and the decoders that pick them by task type.
//!
//! All models are lenient where the server may grow (unknown members are ignored, unknown enum
//! values are kept as `Other`) and strict about what identifies a result: a detection without
//! its box, class or confidence, a classification without its top class, an embedding response
//! without embeddings does not decode. They serialize back to the server's wire form (members
//! that are `None` left out, as the server's `exclude_none`).
//!
//! ```
//! use roboflow_infer::TaskType;
//! use roboflow_infer::models::{InferenceResponse, decode_inference};
//!
//! let body = br#"{"image": {"width": 320, "height": 240}, "predictions": [
//!     {"x": 160.0, "y": 120.0, "width": 100.0, "height": 38.0, "confidence": 0.9,
//!      "class": "dog", "class_id": 0, "detection_id": "aa5bee5d"}]}"#;
//! let InferenceResponse::ObjectDetection(response) =
//!     decode_inference(&TaskType::ObjectDetection, body)?
//! else {
//!     unreachable!()
//! };
//! assert_eq!(response.predictions[0].class_name, "dog");
//!
//! // A stub model (`<project>/0`) answers in its own shape, whatever its task.
//! let stub = br#"{"time": 0.0001, "is_stub": true, "model_id": "my-proj/0",
//!                 "task_type": "object-detection"}"#;
//! assert!(decode_inference(&TaskType::ObjectDetection, stub)?.is_stub());
//! # Ok::<(), serde_json::Error>(())
//! ```

#[macro_use]
mod common;

pub mod classification;
pub mod depth;
pub mod detection;
pub mod embeddings;
pub mod lmm;
pub mod ocr;
pub mod sam;
pub mod semantic;
pub mod server;
pub mod stub;
pub mod video;
pub mod workflows;

use serde::de::Error as _;
use serde::{Serialize, Serializer};
use serde_json::Value;

pub use classification::{
    AnomalyDetectionResponse, AnomalyMap, AnomalyMapPayload, ClassificationPrediction,
    ClassificationResponse, ClassificationResult, MultiLabelClassificationPrediction,
    MultiLabelClassificationResponse,
};
pub(crate) use common::append_base64;
pub use common::{ImageSize, ResolvedModel, ResponseImage, decode_base64, encode_base64};
pub use depth::{DepthEstimationResponse, DepthMap, DepthMapFormat, NormalizedDepth};
pub use detection::{
    BoundingBox, InstanceSegmentationPrediction, InstanceSegmentationResponse, Keypoint,
    KeypointsDetectionResponse, KeypointsPrediction, Mask, MaskCoordinateMetadata,
    ObjectDetectionPrediction, ObjectDetectionResponse, Point, Rle, RleCounts,
};
pub use embeddings::{
    ClipCompareResponse, ClipEmbeddingResponse, CompareResponse, EmbeddingInfo,
    EmbeddingOutputType, EmbeddingResponse, ImageEmbeddingResponse,
    PerceptionEncoderCompareResponse, PerceptionEncoderEmbeddingResponse, Similarity,
};
pub use lmm::{LmmOutput, LmmResponse};
pub use ocr::OcrResponse;
pub use sam::{
    Sam2EmbeddingResponse, Sam2SegmentationResponse, Sam3EmbeddingResponse, Sam3PromptEcho,
    Sam3PromptResult, Sam3SegmentationResponse, SamEmbeddingResponse, SamImageIdResponse, SamMasks,
    SamSegmentationPrediction, SamSegmentationResponse,
};
pub use semantic::{SemanticSegmentationPrediction, SemanticSegmentationResponse};
pub use server::{BatchSize, ModelDescription, RegisteredModels, ServerInfo, ServerStatus};
pub use stub::StubResponse;
pub use video::{ActionRecognitionPrediction, ActionRecognitionResponse};
pub use workflows::{
    ExecutionEngineVersions, WorkflowImage, WorkflowInterface, WorkflowOutput, WorkflowResponse,
    WorkflowValidationStatus, WorkflowValue,
};

use crate::TaskType;

/// The answer of a model inference (`/infer/{task}` or the v0 route), by task type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InferenceResponse {
    /// Boxes.
    ObjectDetection(ObjectDetectionResponse),
    /// Boxes with masks.
    InstanceSegmentation(InstanceSegmentationResponse),
    /// Boxes with keypoints.
    KeypointDetection(KeypointsDetectionResponse),
    /// Single-label, multi-label or anomaly classification.
    Classification(ClassificationResult),
    /// A class per pixel.
    SemanticSegmentation(SemanticSegmentationResponse),
    /// Actions in a video.
    ActionRecognition(ActionRecognitionResponse),
    /// An untrained model version's placeholder answer.
    Stub(StubResponse),
    /// A task this crate has no model for, as JSON.
    Other {
        /// The model's task.
        task_type: TaskType,
        /// The response.
        body: Value,
    },
    /// Only the visualisation (v0 `format=image`: the server answers with the image itself).
    Visualization(Visualization),
}

/// The visualisation a v0 `format=image` call answers with (the official client returns it as
/// `{"visualization": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Visualization {
    /// The encoded image (JPEG).
    pub bytes: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: String,
}

impl Visualization {
    /// A visualisation from its bytes and content type.
    pub fn new(bytes: Vec<u8>, content_type: impl Into<String>) -> Self {
        Self {
            bytes,
            content_type: content_type.into(),
        }
    }
}

impl InferenceResponse {
    /// Whether this is a stub answer.
    pub fn is_stub(&self) -> bool {
        matches!(self, Self::Stub(_))
    }

    /// The size of the image the predictions refer to, for the image tasks.
    pub fn image(&self) -> Option<&ResponseImage> {
        match self {
            Self::ObjectDetection(r) => Some(&r.image),
            Self::InstanceSegmentation(r) => Some(&r.image),
            Self::KeypointDetection(r) => Some(&r.image),
            Self::Classification(ClassificationResult::SingleLabel(r)) => Some(&r.image),
            Self::Classification(ClassificationResult::MultiLabel(r)) => Some(&r.image),
            Self::Classification(ClassificationResult::Anomaly(r)) => Some(&r.image),
            Self::SemanticSegmentation(r) => Some(&r.image),
            _ => None,
        }
    }

    /// The object-detection response, when it is one.
    pub fn as_object_detection(&self) -> Option<&ObjectDetectionResponse> {
        match self {
            Self::ObjectDetection(r) => Some(r),
            _ => None,
        }
    }

    /// The instance-segmentation response, when it is one.
    pub fn as_instance_segmentation(&self) -> Option<&InstanceSegmentationResponse> {
        match self {
            Self::InstanceSegmentation(r) => Some(r),
            _ => None,
        }
    }

    /// The keypoint-detection response, when it is one.
    pub fn as_keypoint_detection(&self) -> Option<&KeypointsDetectionResponse> {
        match self {
            Self::KeypointDetection(r) => Some(r),
            _ => None,
        }
    }

    /// The classification result, when it is one.
    pub fn as_classification(&self) -> Option<&ClassificationResult> {
        match self {
            Self::Classification(r) => Some(r),
            _ => None,
        }
    }

    /// The stub answer, when it is one.
    pub fn as_stub(&self) -> Option<&StubResponse> {
        match self {
            Self::Stub(r) => Some(r),
            _ => None,
        }
    }
}

impl Serialize for InferenceResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ObjectDetection(r) => r.serialize(serializer),
            Self::InstanceSegmentation(r) => r.serialize(serializer),
            Self::KeypointDetection(r) => r.serialize(serializer),
            Self::Classification(r) => r.serialize(serializer),
            Self::SemanticSegmentation(r) => r.serialize(serializer),
            Self::ActionRecognition(r) => r.serialize(serializer),
            Self::Stub(r) => r.serialize(serializer),
            Self::Other { body, .. } => body.serialize(serializer),
            Self::Visualization(v) => {
                serde_json::json!({"visualization": encode_base64(&v.bytes)}).serialize(serializer)
            }
        }
    }
}

/// Decodes `body` as the typed response of `task` with `decode`, straight from the bytes.
macro_rules! typed {
    ($task:expr, $input:expr, $decode:path) => {
        match $task {
            TaskType::ObjectDetection => $decode($input).map(InferenceResponse::ObjectDetection),
            TaskType::InstanceSegmentation => {
                $decode($input).map(InferenceResponse::InstanceSegmentation)
            }
            TaskType::KeypointDetection => {
                $decode($input).map(InferenceResponse::KeypointDetection)
            }
            TaskType::Classification | TaskType::MultiLabelClassification => {
                $decode($input).map(InferenceResponse::Classification)
            }
            TaskType::SemanticSegmentation => {
                $decode($input).map(InferenceResponse::SemanticSegmentation)
            }
            TaskType::ActionRecognition => {
                $decode($input).map(InferenceResponse::ActionRecognition)
            }
            other => $decode($input).map(|body| InferenceResponse::Other {
                task_type: other.clone(),
                body,
            }),
        }
    };
}

/// Decodes one inference response of a model of `task`: the task's typed response, or a
/// [`StubResponse`] (stubs answer every task in their own shape). Unknown tasks give
/// [`InferenceResponse::Other`].
pub fn decode_inference(
    task: &TaskType,
    body: &[u8],
) -> Result<InferenceResponse, serde_json::Error> {
    let typed: Result<InferenceResponse, _> = typed!(task, body, serde_json::from_slice);
    match typed {
        Ok(InferenceResponse::Other { body: value, .. }) if stub::looks_like_stub(&value) => {
            serde_json::from_value(value).map(InferenceResponse::Stub)
        }
        Ok(response) => Ok(response),
        // Not the task's shape: a stub, or really malformed (then the task's error says why).
        Err(err) => serde_json::from_slice::<StubResponse>(body)
            .map(InferenceResponse::Stub)
            .map_err(|_| err),
    }
}

/// [`decode_inference`] on an already parsed value.
pub fn decode_inference_value(
    task: &TaskType,
    value: Value,
) -> Result<InferenceResponse, serde_json::Error> {
    if stub::looks_like_stub(&value) {
        return serde_json::from_value(value).map(InferenceResponse::Stub);
    }
    typed!(task, value, serde_json::from_value)
}

/// The task a v0 answer is of, judged by its shape (the v0 route does not say which task the
/// model has): action recognition (`timeline`), a stub, semantic segmentation (`predictions.segmentation_mask`), multi-label
/// (`predictions` a map), classification (`top`), instance segmentation (`points` / `rle` on
/// the first prediction), keypoints (`keypoints`), else object detection.
pub fn task_of_v0_response(value: &Value) -> TaskType {
    if value.get("timeline").is_some() {
        return TaskType::ActionRecognition;
    }
    let predictions = value.get("predictions");
    match predictions {
        Some(Value::Object(map)) if map.contains_key("segmentation_mask") => {
            TaskType::SemanticSegmentation
        }
        Some(Value::Object(_)) => TaskType::MultiLabelClassification,
        _ if value.get("top").is_some() => TaskType::Classification,
        Some(Value::Array(items)) => match items.first() {
            Some(first) if first.get("points").is_some() || first.get("rle").is_some() => {
                TaskType::InstanceSegmentation
            }
            Some(first) if first.get("keypoints").is_some() => TaskType::KeypointDetection,
            _ => TaskType::ObjectDetection,
        },
        _ => TaskType::Other("unknown".into()),
    }
}

/// Decodes a v0 answer, whose task is judged by [`task_of_v0_response`].
///
/// The task is judged by a first skim of the bytes (no numbers converted, nothing kept), then
/// the answer is decoded straight into its typed response: a large answer is never held as a
/// `serde_json::Value`. An answer the skim cannot judge goes the `Value` way.
pub fn decode_v0_inference(body: &[u8]) -> Result<InferenceResponse, serde_json::Error> {
    if let Ok(probe) = serde_json::from_slice::<v0_probe::V0Probe>(body) {
        if probe.is_stub.0 {
            return serde_json::from_slice(body).map(InferenceResponse::Stub);
        }
        let task = probe.task();
        return typed!(&task, body, serde_json::from_slice);
    }
    let value: Value = serde_json::from_slice(body)?;
    let task = task_of_v0_response(&value);
    decode_inference_value(&task, value)
}

/// The skim of a v0 answer that tells its task as [`task_of_v0_response`] does.
mod v0_probe {
    use std::fmt;

    use serde::Deserialize;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use crate::TaskType;

    /// The members [`super::task_of_v0_response`] looks at.
    #[derive(Deserialize)]
    pub(super) struct V0Probe {
        #[serde(default)]
        timeline: Present,
        #[serde(default)]
        top: Present,
        #[serde(default)]
        pub(super) is_stub: IsTrue,
        #[serde(default)]
        predictions: Predictions,
    }

    impl V0Probe {
        pub(super) fn task(&self) -> TaskType {
            if self.timeline.0 {
                return TaskType::ActionRecognition;
            }
            match self.predictions {
                Predictions::Map {
                    segmentation_mask: true,
                } => TaskType::SemanticSegmentation,
                Predictions::Map { .. } => TaskType::MultiLabelClassification,
                _ if self.top.0 => TaskType::Classification,
                Predictions::List { mask: true, .. } => TaskType::InstanceSegmentation,
                Predictions::List {
                    keypoints: true, ..
                } => TaskType::KeypointDetection,
                Predictions::List { .. } => TaskType::ObjectDetection,
                Predictions::Absent | Predictions::Other => TaskType::Other("unknown".into()),
            }
        }
    }

    /// Whether a member is there (whatever its value, `null` included).
    #[derive(Default)]
    struct Present(bool);

    impl<'de> Deserialize<'de> for Present {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            IgnoredAny::deserialize(d).map(|_| Self(true))
        }
    }

    /// Whether a member is `true` (anything else: no).
    #[derive(Default)]
    pub(super) struct IsTrue(pub(super) bool);

    impl<'de> Deserialize<'de> for IsTrue {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = IsTrue;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_bool<E>(self, v: bool) -> Result<IsTrue, E> {
                    Ok(IsTrue(v))
                }
                fn visit_i64<E>(self, _: i64) -> Result<IsTrue, E> {
                    Ok(IsTrue(false))
                }
                fn visit_u64<E>(self, _: u64) -> Result<IsTrue, E> {
                    Ok(IsTrue(false))
                }
                fn visit_f64<E>(self, _: f64) -> Result<IsTrue, E> {
                    Ok(IsTrue(false))
                }
                fn visit_str<E>(self, _: &str) -> Result<IsTrue, E> {
                    Ok(IsTrue(false))
                }
                fn visit_unit<E>(self) -> Result<IsTrue, E> {
                    Ok(IsTrue(false))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IsTrue, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(IsTrue(false))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IsTrue, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(IsTrue(false))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The shape of `predictions`.
    #[derive(Default)]
    enum Predictions {
        #[default]
        Absent,
        /// An object (semantic segmentation, multi-label classification).
        Map { segmentation_mask: bool },
        /// An array: what its first element has.
        List { mask: bool, keypoints: bool },
        /// Anything else.
        Other,
    }

    /// What the first prediction has.
    struct First {
        mask: bool,
        keypoints: bool,
    }

    impl<'de> Deserialize<'de> for First {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = First;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<First, A::Error> {
                    let mut first = First {
                        mask: false,
                        keypoints: false,
                    };
                    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                        match &*key {
                            "points" | "rle" => first.mask = true,
                            "keypoints" => first.keypoints = true,
                            _ => {}
                        }
                        map.next_value::<IgnoredAny>()?;
                    }
                    Ok(first)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(self.nothing())
                }
                fn visit_bool<E>(self, _: bool) -> Result<First, E> {
                    Ok(self.nothing())
                }
                fn visit_i64<E>(self, _: i64) -> Result<First, E> {
                    Ok(self.nothing())
                }
                fn visit_u64<E>(self, _: u64) -> Result<First, E> {
                    Ok(self.nothing())
                }
                fn visit_f64<E>(self, _: f64) -> Result<First, E> {
                    Ok(self.nothing())
                }
                fn visit_str<E>(self, _: &str) -> Result<First, E> {
                    Ok(self.nothing())
                }
                fn visit_unit<E>(self) -> Result<First, E> {
                    Ok(self.nothing())
                }
            }
            impl V {
                fn nothing(self) -> First {
                    First {
                        mask: false,
                        keypoints: false,
                    }
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for Predictions {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Predictions;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Predictions, A::Error> {
                    let mut segmentation_mask = false;
                    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                        segmentation_mask |= key == "segmentation_mask";
                        map.next_value::<IgnoredAny>()?;
                    }
                    Ok(Predictions::Map { segmentation_mask })
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Predictions, A::Error> {
                    let first = seq.next_element::<First>()?;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(match first {
                        Some(f) => Predictions::List {
                            mask: f.mask,
                            keypoints: f.keypoints,
                        },
                        None => Predictions::List {
                            mask: false,
                            keypoints: false,
                        },
                    })
                }
                fn visit_bool<E>(self, _: bool) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
                fn visit_str<E>(self, _: &str) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
                fn visit_unit<E>(self) -> Result<Predictions, E> {
                    Ok(Predictions::Other)
                }
            }
            d.deserialize_any(V)
        }
    }
}

/// Decodes the answer of a request for one or several images: a JSON array (a batched v1
/// request) gives one response per element, an object gives one response.
pub fn decode_inference_batch(
    task: &TaskType,
    body: &[u8],
) -> Result<Vec<InferenceResponse>, serde_json::Error> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'[') {
        return decode_inference(task, body).map(|r| vec![r]);
    }
    let elements: Vec<Value> = serde_json::from_slice(body)?;
    elements
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            decode_inference_value(task, value)
                .map_err(|e| serde_json::Error::custom(format!("element {index}: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn od_body() -> Value {
        json!({"image": {"width": 640, "height": 480}, "predictions": [
            {"x": 320.5, "y": 240.0, "width": 100.0, "height": 50.0, "confidence": 0.91,
             "class": "dog", "class_id": 1, "detection_id": "d1"}]})
    }

    #[test]
    fn decodes_by_task() {
        let body = serde_json::to_vec(&od_body()).unwrap();
        let od = decode_inference(&TaskType::ObjectDetection, &body).unwrap();
        assert_eq!(od.as_object_detection().unwrap().predictions.len(), 1);
        assert_eq!(od.image().unwrap().first(), Some(ImageSize::new(640, 480)));
        // Serialized back, the same JSON.
        assert_eq!(serde_json::to_value(&od).unwrap(), od_body());
        // An object-detection body is no classification.
        let err = decode_inference(&TaskType::Classification, &body).unwrap_err();
        assert!(err.to_string().contains("top"), "{err}");
        // Unknown tasks keep the JSON.
        let other = decode_inference(&TaskType::Other("gaze".into()), &body).unwrap();
        assert!(
            matches!(other, InferenceResponse::Other { ref body, .. } if body["image"]["width"] == 640)
        );
    }

    #[test]
    fn stubs_answer_any_task() {
        let stub =
            br#"{"time": 0.1, "is_stub": true, "model_id": "p/0", "task_type": "classification"}"#;
        for task in [
            TaskType::ObjectDetection,
            TaskType::InstanceSegmentation,
            TaskType::Classification,
            TaskType::Other("x".into()),
        ] {
            let r = decode_inference(&task, stub).unwrap();
            assert_eq!(
                r.as_stub().unwrap().task_type,
                TaskType::Classification,
                "{task}"
            );
            assert!(r.image().is_none());
        }
        // `is_stub: false` is no stub.
        let not = br#"{"is_stub": false, "model_id": "p/0", "task_type": "object-detection"}"#;
        assert!(decode_inference(&TaskType::ObjectDetection, not).is_err());
    }

    #[test]
    fn the_v0_skim_judges_as_the_value_judge() {
        let bodies = [
            json!({"timeline": null, "predictions": []}),
            json!({"predictions": {"segmentation_mask": "x", "class_map": {}}}),
            json!({"predictions": {"dog": {"confidence": 0.9, "class_id": 0}}, "top": "dog"}),
            json!({"top": "dog", "predictions": [{"class": "dog", "confidence": 0.9}]}),
            json!({"image": {"width": 1, "height": 1}, "predictions": [
                {"x": 1, "y": 1, "width": 1, "height": 1, "confidence": 0.5, "class": "a",
                 "points": [{"x": 0.5, "y": 0.25}]}]}),
            json!({"image": {"width": 1, "height": 1}, "predictions": [
                {"x": 1, "y": 1, "width": 1, "height": 1, "confidence": 0.5, "class": "a",
                 "keypoints": []}]}),
            od_body(),
            json!({"image": {"width": 1, "height": 1}, "predictions": []}),
            json!({"image": {"width": 1, "height": 1}, "predictions": [1, "x"]}),
            json!({"predictions": 3}),
            json!({"something": "else"}),
            json!({"is_stub": true, "model_id": "p/0", "task_type": "object-detection"}),
            json!({"is_stub": "yes", "image": {"width": 1, "height": 1}, "predictions": []}),
        ];
        for body in bodies {
            let bytes = serde_json::to_vec(&body).unwrap();
            let probe: v0_probe::V0Probe = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(probe.task(), task_of_v0_response(&body), "{body}");
            assert_eq!(probe.is_stub.0, stub::looks_like_stub(&body), "{body}");
            let by_value = decode_inference_value(&task_of_v0_response(&body), body.clone());
            let by_bytes = decode_v0_inference(&bytes);
            match (by_value, by_bytes) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{body}: {a:?} vs {b:?}"),
            }
        }
        // Not JSON: the error of the `Value` way.
        assert!(decode_v0_inference(b"{not json").is_err());
    }

    #[test]
    fn batches() {
        let body = serde_json::to_vec(&json!([
            od_body(),
            {"is_stub": true, "model_id": "p/0", "task_type": "object-detection"}
        ]))
        .unwrap();
        let all = decode_inference_batch(&TaskType::ObjectDetection, &body).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[1].is_stub());
        let one = decode_inference_batch(
            &TaskType::ObjectDetection,
            b" {\"image\": {\"width\": 1, \"height\": 1}, \"predictions\": []}",
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        let bad =
            serde_json::to_vec(&json!([od_body(), {"image": {"width": 1, "height": 1}}])).unwrap();
        let err = decode_inference_batch(&TaskType::ObjectDetection, &bad).unwrap_err();
        assert!(err.to_string().contains("element 1"), "{err}");
        assert!(decode_inference_batch(&TaskType::ObjectDetection, b"not json").is_err());
    }
}
