use super::{Data, Status};
use crate::proto_json::Struct;

message! {
    /// `Annotation`: labels and regions attached to an input.
    pub struct Annotation {
        /// The annotation id (assigned by the server when not given).
        pub id: String,
        /// The input annotated.
        pub input_id: String,
        /// The labels and regions.
        pub data: Option<Data>,
        /// Free metadata.
        pub annotation_info: Struct,
        /// Processing status (`ANNOTATION_SUCCESS` 24150 …).
        pub status: Option<Status>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// `true` for an input-level (not region) annotation.
        pub input_level: bool,
        /// The task that produced it.
        pub task_id: String,
        /// Who made it (JSON).
        pub worker: Option<serde_json::Value>,
    }
}

identified!(Annotation => "annotation");

impl Annotation {
    /// An annotation of this input with this data.
    pub fn new(input_id: impl Into<String>, data: Data) -> Self {
        Self {
            input_id: input_id.into(),
            data: Some(data),
            ..Self::default()
        }
    }

    /// Sets the annotation id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
}

message! {
    /// `MultiAnnotationResponse` (post, patch, list of annotations).
    pub struct MultiAnnotationResponse {
        /// The call's status (`MIXED_STATUS` when some items failed).
        pub status: Status,
        /// The annotations, each with its own status; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub annotations: Vec<Annotation>,
    }
}
