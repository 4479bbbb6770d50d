use super::{Image, Status, Visibility, Workflow};
use crate::proto_json::Struct;

message! {
    /// `App`: a Clarifai application, the container of inputs, datasets, models and workflows.
    pub struct App {
        /// The app id.
        pub id: String,
        /// The name.
        pub name: String,
        /// The default language.
        pub default_language: String,
        /// Deprecated: the id of the default workflow.
        pub default_workflow_id: String,
        /// The base workflow (`{"id": "Universal", "app_id": "main", "user_id": "clarifai"}`).
        pub default_workflow: Option<Box<Workflow>>,
        /// The owner.
        pub user_id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Free metadata.
        pub metadata: Struct,
        /// A description.
        pub description: String,
        /// Video: default sampling, in milliseconds.
        pub sample_ms: u32,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// The data tier.
        pub data_tier_id: String,
        /// Starred by the caller.
        pub is_starred: bool,
        /// Number of stars.
        pub star_count: i32,
        /// Notes (Markdown).
        pub notes: String,
        /// Cover image.
        pub image: Option<Image>,
        /// A template app (`google.protobuf.BoolValue`).
        pub is_template: Option<bool>,
        /// Extra information (JSON).
        pub extra_info: Option<serde_json::Value>,
    }
}

identified!(App => "app");

impl App {
    /// An app with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

message! {
    /// `SingleAppResponse` (`GetApp`, `PatchApp`).
    pub struct SingleAppResponse {
        /// The call's status.
        pub status: Status,
        /// The app; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub app: Option<App>,
    }
}

message! {
    /// `MultiAppResponse` (`ListApps`, `PostApps`).
    pub struct MultiAppResponse {
        /// The call's status.
        pub status: Status,
        /// The apps; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub apps: Vec<App>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_require_ids_and_keep_new_fields_out() {
        let r: MultiAppResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"apps":[{"id":"a1","user_id":"alice","created_at":"2024-05-01T12:00:00Z","is_template":false,"brand_new":1}]}"#,
        )
        .unwrap();
        assert_eq!(r.apps[0].is_template, Some(false));
        assert!(serde_json::from_str::<MultiAppResponse>(r#"{"apps":[{"name":"x"}]}"#).is_err());
        assert!(serde_json::from_str::<SingleAppResponse>(r#"{"app":{"id":""}}"#).is_err());
    }
}
