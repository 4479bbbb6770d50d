//! Embeddings: CLIP and Perception Encoder (image and text), their comparisons, and the image
//! embeddings of classification models (`/infer/embeddings`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

response_struct! {
    /// `/clip/embed_image`, `/clip/embed_text`, `/perception_encoder/embed_image`,
    /// `/perception_encoder/embed_text` (`ClipEmbeddingResponse`,
    /// `PerceptionEncoderEmbeddingResponse`): one vector per image or text.
    pub struct EmbeddingResponse {
        /// The vectors.
        pub embeddings: Vec<Vec<f64>>,
    }
}

/// CLIP embeddings.
pub type ClipEmbeddingResponse = EmbeddingResponse;
/// Perception Encoder embeddings.
pub type PerceptionEncoderEmbeddingResponse = EmbeddingResponse;

impl EmbeddingResponse {
    /// One response per vector, as the official client splits batched image embeddings
    /// (`combine_clip_embeddings`).
    pub fn split(self) -> Vec<Self> {
        if self.embeddings.len() <= 1 {
            return vec![self];
        }
        let Self {
            embeddings,
            inference_id,
            frame_id,
            time,
            resolved_model,
        } = self;
        embeddings
            .into_iter()
            .map(|embedding| Self {
                embeddings: vec![embedding],
                inference_id: inference_id.clone(),
                frame_id,
                time,
                resolved_model: resolved_model.clone(),
            })
            .collect()
    }
}

/// Similarities: a list (one per prompt), or prompt name → similarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Similarity {
    /// One per prompt, in order.
    List(Vec<f64>),
    /// By prompt name.
    Named(BTreeMap<String, f64>),
}

response_struct! {
    /// `/clip/compare`, `/perception_encoder/compare` (`ClipCompareResponse`).
    pub struct CompareResponse {
        /// The similarities.
        pub similarity: Similarity,
        /// The parent image region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parent_id: Option<String>,
    }
}

/// CLIP comparison.
pub type ClipCompareResponse = CompareResponse;
/// Perception Encoder comparison.
pub type PerceptionEncoderCompareResponse = CompareResponse;

open_enum! {
    /// What the vectors of `/infer/embeddings` hold.
    pub enum EmbeddingOutputType {
        /// Features before the final linear layer (the default).
        FeatureVector = "feature_vector",
        /// Logits before softmax / sigmoid.
        Logits = "logits",
    }
}

/// Which embedding space the vectors live in (`EmbeddingInfo`): compare vectors only when
/// their `space_id`s match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmbeddingInfo {
    /// The model that produced the vectors.
    pub model_id: String,
    /// Versioned definition of the extraction boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_definition: Option<String>,
    /// Features or logits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_type: Option<EmbeddingOutputType>,
    /// Values per vector.
    pub dimension: u64,
    /// Normalisation applied (`none`: raw output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<String>,
    /// Pre-processing configuration and overrides used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<serde_json::Map<String, serde_json::Value>>,
    /// SHA-256 of model, definition, dimension, normalisation and pre-processing.
    pub space_id: String,
    /// The implementation that produced the vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The model's output dtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// The ONNX tensor used as the boundary, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_tensor: Option<String>,
    /// SHA-256 of the source artifact, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_artifact_sha256: Option<String>,
    /// The extraction transform's version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform_version: Option<String>,
}

response_struct! {
    /// `/infer/embeddings` (`ImageEmbeddingResponse`).
    pub struct ImageEmbeddingResponse {
        /// One vector per image.
        pub embeddings: Vec<Vec<f64>>,
        /// The embedding space.
        pub embedding_info: EmbeddingInfo,
    }
}

impl ImageEmbeddingResponse {
    /// One response per image, as the official client splits them (`split_image_embeddings`).
    pub fn split(self) -> Vec<Self> {
        let Self {
            embeddings,
            embedding_info,
            inference_id,
            frame_id,
            time,
            resolved_model,
        } = self;
        embeddings
            .into_iter()
            .map(|embedding| Self {
                embeddings: vec![embedding],
                embedding_info: embedding_info.clone(),
                inference_id: inference_id.clone(),
                frame_id,
                time,
                resolved_model: resolved_model.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `results.json: v1_clip_image` (the mock's canned response).
    #[test]
    fn clip_embeddings_and_split() {
        let response: ClipEmbeddingResponse = serde_json::from_value(
            json!({"frame_id": null, "time": 0.01, "embeddings": [[0.1, 0.2, 0.3]]}),
        )
        .unwrap();
        assert_eq!(response.embeddings, [[0.1, 0.2, 0.3]]);
        assert_eq!(response.frame_id, None);
        assert_eq!(response.clone().split(), [response]);
        let two: EmbeddingResponse =
            serde_json::from_value(json!({"time": 0.5, "embeddings": [[1.0], [2.0]]})).unwrap();
        let split = two.split();
        assert_eq!(split.len(), 2);
        assert_eq!(split[1].embeddings, [[2.0]]);
        assert_eq!(split[1].time, Some(0.5));
        assert!(serde_json::from_value::<EmbeddingResponse>(json!({"time": 0.1})).is_err());
    }

    #[test]
    fn similarities() {
        let list: CompareResponse =
            serde_json::from_value(json!({"similarity": [0.5, 0.25]})).unwrap();
        assert_eq!(list.similarity, Similarity::List(vec![0.5, 0.25]));
        let named: CompareResponse =
            serde_json::from_value(json!({"similarity": {"cat": 0.9}})).unwrap();
        let Similarity::Named(named) = named.similarity else {
            panic!("not named")
        };
        assert_eq!(named["cat"], 0.9);
    }

    #[test]
    fn image_embeddings_keep_their_space() {
        let response: ImageEmbeddingResponse = serde_json::from_value(json!({
            "embeddings": [[1.0, 2.0], [3.0, 4.0]],
            "embedding_info": {"model_id": "cls/1", "feature_definition": "classifier-linear-input@v1",
                "output_type": "feature_vector", "dimension": 2, "normalization": "none",
                "preprocessing": {}, "space_id": "abc", "backend": "onnx", "precision": "torch.float32",
                "new_member": 1}
        }))
        .unwrap();
        assert_eq!(
            response.embedding_info.output_type,
            Some(EmbeddingOutputType::FeatureVector)
        );
        let split = response.split();
        assert_eq!(split.len(), 2);
        assert_eq!(split[1].embeddings, [[3.0, 4.0]]);
        assert_eq!(split[1].embedding_info.space_id, "abc");
        // `results.json: v1_image_embeddings`: a response without embeddings is an error (the
        // official client died with KeyError 'embeddings').
        assert!(
            serde_json::from_value::<ImageEmbeddingResponse>(json!({
                "image": {"width": 1, "height": 1}, "predictions": []
            }))
            .is_err()
        );
    }
}
