//! Segment Anything: SAM (embed, segment), SAM 2 (embed, segment), SAM 3 (embed, concept and
//! visual segmentation).

use serde::{Deserialize, Serialize};

use super::detection::Rle;
use crate::config::MaskFormat;

response_struct! {
    /// `/sam/embed_image` (`SamEmbeddingResponse`). The embedding is a nested array (JSON
    /// format) or another encoding, kept as JSON.
    pub struct SamEmbeddingResponse {
        /// The image embedding.
        pub embeddings: serde_json::Value,
    }
}

response_struct! {
    /// `/sam/segment_image` with the JSON format (`SamSegmentationResponse`).
    pub struct SamSegmentationResponse {
        /// The masks, kept as JSON (nested arrays for the JSON format).
        pub masks: serde_json::Value,
        /// The low-resolution masks (usable as the next call's `mask_input`).
        pub low_res_masks: serde_json::Value,
    }
}

response_struct! {
    /// `/sam2/embed_image`, `/sam3/embed_image` (`Sam2EmbeddingResponse`,
    /// `Sam3EmbeddingResponse`): the id under which the server cached the embedding.
    pub struct SamImageIdResponse {
        /// Pass it as `image_id` to the segment calls.
        pub image_id: String,
    }
}

/// SAM 2 embedding.
pub type Sam2EmbeddingResponse = SamImageIdResponse;
/// SAM 3 embedding.
pub type Sam3EmbeddingResponse = SamImageIdResponse;

/// The masks of a SAM 2 / SAM 3 prediction: polygons of `[x, y]` points, or an RLE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SamMasks {
    /// Polygons (the default `polygon` format).
    Polygons(Vec<Vec<[f64; 2]>>),
    /// A run-length encoding (`rle` format).
    Rle(Rle),
    /// Anything else, as JSON.
    Other(serde_json::Value),
}

/// One SAM 2 / SAM 3 mask set (`Sam2SegmentationPrediction`, `Sam3SegmentationPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SamSegmentationPrediction {
    /// The masks.
    pub masks: SamMasks,
    /// Their confidence.
    pub confidence: f64,
    /// `polygon` or `rle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<MaskFormat>,
}

response_struct! {
    /// `/sam2/segment_image` (`Sam2SegmentationResponse`).
    pub struct Sam2SegmentationResponse {
        /// One per prompt (or per mask with `multimask_output`).
        pub predictions: Vec<SamSegmentationPrediction>,
    }
}

/// The prompt a SAM 3 result answers (`Sam3PromptEcho`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sam3PromptEcho {
    /// Its index in the request.
    pub prompt_index: u32,
    /// `text` or `visual`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub prompt_type: Option<String>,
    /// The text prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// How many boxes the prompt had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_boxes: Option<u32>,
}

/// The masks found for one SAM 3 prompt (`Sam3PromptResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sam3PromptResult {
    /// Its index in the request.
    pub prompt_index: u32,
    /// The prompt.
    pub echo: Sam3PromptEcho,
    /// The masks.
    pub predictions: Vec<SamSegmentationPrediction>,
}

response_struct! {
    /// `/sam3/concept_segment`, `/sam3/visual_segment` (`Sam3SegmentationResponse`).
    pub struct Sam3SegmentationResponse {
        /// One per prompt.
        pub prompt_results: Vec<Sam3PromptResult>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sam2_polygons_and_rle() {
        let r: Sam2SegmentationResponse = serde_json::from_value(json!({
            "time": 0.3,
            "predictions": [
                {"masks": [[[1, 2], [3, 4], [5, 6]]], "confidence": 0.9, "format": "polygon"},
                {"masks": {"size": [4, 4], "counts": "abc"}, "confidence": 0.8, "format": "rle"}
            ]
        }))
        .unwrap();
        assert_eq!(
            r.predictions[0].masks,
            SamMasks::Polygons(vec![vec![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
        );
        assert!(matches!(r.predictions[1].masks, SamMasks::Rle(_)));
        assert!(serde_json::from_value::<Sam2SegmentationResponse>(json!({"time": 1.0})).is_err());
    }

    #[test]
    fn sam3_prompt_results() {
        let r: Sam3SegmentationResponse = serde_json::from_value(json!({
            "time": 0.3,
            "prompt_results": [{"prompt_index": 0,
                "echo": {"prompt_index": 0, "type": "text", "text": "dog"},
                "predictions": [{"masks": [[[0, 0], [1, 0], [1, 1]]], "confidence": 0.7}]}]
        }))
        .unwrap();
        assert_eq!(r.prompt_results[0].echo.text.as_deref(), Some("dog"));
        assert_eq!(r.prompt_results[0].predictions[0].confidence, 0.7);
        let id: Sam3EmbeddingResponse =
            serde_json::from_value(json!({"time": 0.1, "image_id": "img-1"})).unwrap();
        assert_eq!(id.image_id, "img-1");
        let sam1: SamSegmentationResponse = serde_json::from_value(
            json!({"time": 0.1, "masks": [[[0, 1]]], "low_res_masks": [[[0]]]}),
        )
        .unwrap();
        assert_eq!(sam1.masks, json!([[[0, 1]]]));
    }
}
