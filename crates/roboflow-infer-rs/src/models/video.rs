//! Action recognition on video (`/infer/action_recognition`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An action over a span of frames (`ActionRecognitionPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionRecognitionPrediction {
    /// First frame of the span.
    pub start_frame_idx: u64,
    /// Last frame of the span.
    pub end_frame_idx: u64,
    /// The action (`class` on the wire).
    #[serde(rename = "class")]
    pub class_name: String,
    /// The action's index.
    pub class_id: i64,
    /// Its confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

response_struct! {
    /// `ActionRecognitionInferenceResponse`.
    pub struct ActionRecognitionResponse {
        /// The actions, in time order.
        pub timeline: Vec<ActionRecognitionPrediction>,
        /// Frames per second of the source.
        pub source_fps: f64,
        /// Frames in the video.
        pub frame_count: u64,
        /// Windows the model classified.
        pub windows_classified: u64,
        /// How spans are to be read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub span_semantics: Option<String>,
        /// The threshold applied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub confidence_threshold: Option<f64>,
        /// Per-class thresholds applied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub per_class_confidence_thresholds: Option<BTreeMap<String, f64>>,
        /// Candidates below the thresholds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub candidates: Option<Vec<ActionRecognitionPrediction>>,
    }
}
