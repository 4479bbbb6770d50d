use super::{Concept, Data, Input, Model, ModelTypeField, Status};
use crate::proto_json::Struct;

message! {
    /// `Output`: one model's prediction for one input.
    pub struct Output {
        /// The output id.
        pub id: String,
        /// This output's status (may differ from the response's).
        pub status: Option<Status>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// The model (in workflow results: identifies the node's model).
        pub model: Option<Model>,
        /// The input predicted on.
        pub input: Option<Input>,
        /// The prediction: concepts, regions, text, embeddings, …
        pub data: Option<Data>,
        /// Tokens of the prompt (LLMs).
        pub prompt_tokens: u32,
        /// Tokens of the completion (LLMs).
        pub completion_tokens: u32,
        /// Cached prompt tokens (LLMs).
        pub cached_tokens: u32,
    }
}

message! {
    /// `MultiOutputResponse` (`PostModelOutputs`): one output per input, in input order.
    pub struct MultiOutputResponse {
        /// The call's status.
        pub status: Status,
        /// The outputs.
        pub outputs: Vec<Output>,
    }
}

message! {
    /// `OutputConfig`: how a model reports (`min_value`, `max_concepts`, `select_concepts`,
    /// `sample_ms` for video).
    pub struct OutputConfig {
        /// Deprecated by the server; kept for training requests.
        pub concepts_mutually_exclusive: bool,
        /// The language of concept names.
        pub language: String,
        /// At most this many concepts per output (0 = the model's default).
        pub max_concepts: u32,
        /// Only concepts with at least this value.
        pub min_value: f32,
        /// Only these concepts.
        pub select_concepts: Vec<Concept>,
        /// Training timeout, in seconds.
        pub training_timeout: u32,
        /// Video: sample a frame every `sample_ms` milliseconds.
        pub sample_ms: u32,
        /// Hyperparameters.
        pub hyper_params: Struct,
        /// Fail training when a concept has no positive example.
        pub fail_on_missing_positive_examples: bool,
    }
}

message! {
    /// `OutputInfo`: a model version's output settings and inference parameters.
    pub struct OutputInfo {
        /// The concepts a trainable model outputs.
        pub data: Option<Data>,
        /// Output settings.
        pub output_config: Option<OutputConfig>,
        /// A message.
        pub message: String,
        /// The mapping of output fields.
        pub fields_map: Struct,
        /// Inference parameters (`temperature`, `max_tokens`, …).
        pub params: Struct,
        /// The parameters' specifications.
        pub params_specs: Vec<ModelTypeField>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official client's parsed predict response (enum *names* in `status.code`).
    #[test]
    fn decodes_the_golden_parsed_predict_response() {
        let Some(text) = crate::test_support::shared_text(
            "protocols/golden/clarifai/json_channel_parsed_predict_response.json",
        ) else {
            return;
        };
        let r: MultiOutputResponse = serde_json::from_str(&text).unwrap();
        assert!(r.status.is_success());
        assert_eq!(r.status.req_id, "fake-req-id");
        let out = &r.outputs[0];
        assert_eq!(out.id, "out1");
        assert_eq!(out.input.as_ref().unwrap().id, "in1");
        let model = out.model.as_ref().unwrap();
        assert_eq!(
            model.model_version.as_ref().unwrap().id,
            "aa7f35c01e0642fda5cf400f543e7c40"
        );
        let data = out.data.as_ref().unwrap();
        assert_eq!(data.concepts[0].name, "train");
        assert_eq!(data.concepts[0].value, Some(0.9989));
        let region = &data.regions[0];
        let b = region
            .region_info
            .as_ref()
            .unwrap()
            .bounding_box
            .as_ref()
            .unwrap();
        assert_eq!(b.to_xyxy(), [0.2, 0.1, 0.6, 0.5]);
        assert_eq!(region.value, 0.93);
        let text = data.text.as_ref().unwrap();
        assert_eq!(
            (
                text.raw.as_str(),
                text.text_info.as_ref().unwrap().char_count
            ),
            ("hello", 5)
        );
    }
}
