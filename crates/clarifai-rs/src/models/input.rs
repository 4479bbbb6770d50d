use super::{Data, Status};

message! {
    /// `Input`: an image, video, audio or text in an app (or sent for prediction).
    pub struct Input {
        /// The input id. Required in responses; may be empty in a predict request.
        pub id: String,
        /// The content.
        pub data: Option<Data>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Processing status (`INPUT_SUCCESS` 30000, `INPUT_PENDING` 30001, …).
        pub status: Option<Status>,
        /// The datasets the input belongs to.
        pub dataset_ids: Vec<String>,
        /// Settings (JSON).
        pub settings: Option<serde_json::Value>,
    }
}

identified!(Input => "input");

impl Input {
    /// An input with this id and content.
    pub fn new(id: impl Into<String>, data: Data) -> Self {
        Self {
            id: id.into(),
            data: Some(data),
            ..Self::default()
        }
    }

    /// An input without id (for prediction).
    pub fn from_data(data: Data) -> Self {
        Self {
            data: Some(data),
            ..Self::default()
        }
    }

    /// Adds the input to these datasets.
    #[must_use]
    pub fn in_datasets(mut self, dataset_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.dataset_ids = dataset_ids.into_iter().map(Into::into).collect();
        self
    }
}

message! {
    /// `MultiInputResponse` (post, patch, list of inputs).
    pub struct MultiInputResponse {
        /// The call's status (`MIXED_STATUS` when some items failed).
        pub status: Status,
        /// The inputs, each with its own status; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub inputs: Vec<Input>,
        /// The add job of a `PostInputs` with `inputs_add_job_id`.
        pub inputs_add_job: Option<super::InputsAddJob>,
    }
}

message! {
    /// `SingleInputResponse` (`GetInput`).
    pub struct SingleInputResponse {
        /// The call's status.
        pub status: Status,
        /// The input; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub input: Option<Input>,
    }
}

message! {
    /// `InputCount`: how many inputs of an app are in each processing state.
    pub struct InputCount {
        /// Processed.
        pub processed: u32,
        /// Waiting.
        pub to_process: u32,
        /// Failed.
        pub errors: u32,
        /// Being processed.
        pub processing: u32,
        /// Reindexed.
        pub reindexed: u32,
        /// Waiting for reindexing.
        pub to_reindex: u32,
        /// Failed reindexing.
        pub reindex_errors: u32,
        /// Being reindexed.
        pub reindexing: u32,
    }
}

message! {
    /// `SingleInputCountResponse` (`GetInputCount`).
    pub struct SingleInputCountResponse {
        /// The call's status.
        pub status: Status,
        /// The counts.
        pub counts: Option<InputCount>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Image, Text};

    #[test]
    fn inputs_in_responses_must_have_ids() {
        let ok: MultiInputResponse = serde_json::from_str(
            r#"{"status":{"code":10010},"inputs":[{"id":"a","status":{"code":30000}},{"id":"b","status":{"code":30100,"details":"Input has a duplicate ID."}}]}"#,
        )
        .unwrap();
        assert!(ok.status.code.is_mixed());
        assert_eq!(ok.inputs[1].status.as_ref().unwrap().code.code(), 30100);
        let err = serde_json::from_str::<MultiInputResponse>(
            r#"{"inputs":[{"data":{"text":{"raw":"x"}}}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("input without an `id`"), "{err}");
        assert!(serde_json::from_str::<SingleInputResponse>(r#"{"input":{}}"#).is_err());
        let ok: SingleInputResponse = serde_json::from_str(r#"{"status":{"code":10000}}"#).unwrap();
        assert!(ok.input.is_none());
    }

    #[test]
    fn predict_inputs_need_no_id() {
        let i = Input::from_data(Data::image(Image::from_url("https://x/y.jpg")));
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            r#"{"data":{"image":{"url":"https://x/y.jpg"}}}"#
        );
        let i = Input::new("t", Data::text(Text::from_raw("hi"))).in_datasets(["ds1"]);
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            r#"{"id":"t","data":{"text":{"raw":"hi"}},"dataset_ids":["ds1"]}"#
        );
    }

    #[test]
    fn input_counts_default_to_zero() {
        let r: SingleInputCountResponse =
            serde_json::from_str(r#"{"status":{"code":10000},"counts":{"processed":3}}"#).unwrap();
        let c = r.counts.unwrap();
        assert_eq!((c.processed, c.errors), (3, 0));
    }
}
