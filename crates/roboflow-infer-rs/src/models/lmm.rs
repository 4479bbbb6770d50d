//! Large multimodal models (`/infer/lmm`, `/infer/lmm/{model_id}`): Florence-2, PaliGemma,
//! Qwen-VL, SmolVLM, Moondream.

use serde::{Deserialize, Serialize};

use super::ResponseImage;

/// What the model produced: text, or (Florence-2 tasks and others) a structured object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum LmmOutput {
    /// Generated text.
    Text(String),
    /// A structured answer.
    Structured(serde_json::Map<String, serde_json::Value>),
}

impl LmmOutput {
    /// The text, when the answer is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Structured(_) => None,
        }
    }
}

response_struct! {
    /// `LMMInferenceResponse`.
    pub struct LmmResponse {
        /// The answer.
        pub response: LmmOutput,
        /// The size of the image(s).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image: Option<ResponseImage>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_or_object() {
        let text: LmmResponse = serde_json::from_value(json!({
            "image": {"width": 1, "height": 1}, "response": "a dog on a couch"
        }))
        .unwrap();
        assert_eq!(text.response.as_text(), Some("a dog on a couch"));
        let structured: LmmResponse = serde_json::from_value(json!({
            "image": [{"width": 1, "height": 1}], "response": {"<OD>": {"bboxes": [], "labels": []}}
        }))
        .unwrap();
        let LmmOutput::Structured(map) = &structured.response else {
            panic!("{structured:?}")
        };
        assert!(map.contains_key("<OD>"));
        assert!(structured.response.as_text().is_none());
        assert!(
            serde_json::from_value::<LmmResponse>(json!({"image": {"width": 1, "height": 1}}))
                .is_err()
        );
    }
}
