use super::{Dataset, Image, OutputInfo, Status, Visibility};
use crate::proto_json::Struct;

message! {
    /// `Model`: a model of an app, with the version in use.
    pub struct Model {
        /// The model id.
        pub id: String,
        /// Deprecated display name.
        pub name: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// The app the model is in.
        pub app_id: String,
        /// Deprecated place of the output info (still honoured by the server).
        pub output_info: Option<OutputInfo>,
        /// The version (the latest, or the one asked for).
        pub model_version: Option<ModelVersion>,
        /// Deprecated display name.
        pub display_name: String,
        /// The owner.
        pub user_id: String,
        /// The model type (`visual-classifier`, `text-to-text`, …).
        pub model_type_id: String,
        /// The task.
        pub task: String,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// A description.
        pub description: String,
        /// Free metadata.
        pub metadata: Struct,
        /// Presets.
        pub presets: Struct,
        /// Notes (Markdown).
        pub notes: String,
        /// Toolkits.
        pub toolkits: Vec<String>,
        /// Use cases.
        pub use_cases: Vec<String>,
        /// Languages.
        pub languages: Vec<String>,
        /// Starred by the caller.
        pub is_starred: bool,
        /// Number of stars.
        pub star_count: i32,
        /// Cover image.
        pub image: Option<Image>,
        /// The creator.
        pub creator: String,
        /// Number of versions.
        pub version_count: i32,
    }
}

identified!(Model => "model");

impl Model {
    /// A model with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// The id of the version held, if any.
    pub fn version_id(&self) -> Option<&str> {
        self.model_version
            .as_ref()
            .map(|v| v.id.as_str())
            .filter(|id| !id.is_empty())
    }
}

message! {
    /// `ModelVersion`: one trained (or uploaded) version of a model.
    pub struct ModelVersion {
        /// The version id.
        pub id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// Training status (`MODEL_TRAINED` 21100, `MODEL_TRAINING` 21101, …).
        pub status: Option<Status>,
        /// Number of concepts.
        pub active_concept_count: u32,
        /// Evaluation metrics.
        pub metrics: Option<EvalMetrics>,
        /// Number of inputs trained on.
        pub total_input_count: u32,
        /// Config of a pretrained model (JSON).
        pub pretrained_model_config: Option<serde_json::Value>,
        /// RFC 3339 completion time.
        pub completed_at: Option<String>,
        /// A description.
        pub description: String,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// The app.
        pub app_id: String,
        /// The owner.
        pub user_id: String,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Free metadata.
        pub metadata: Struct,
        /// The license.
        pub license: String,
        /// Output settings, concepts and inference parameters.
        pub output_info: Option<OutputInfo>,
        /// Input settings.
        pub input_info: Option<InputInfo>,
        /// Training settings.
        pub train_info: Option<TrainInfo>,
        /// URL of the training log.
        pub train_log: String,
        /// Compute requirements (JSON).
        pub inference_compute_info: Option<serde_json::Value>,
        /// Method signatures of newer models (JSON).
        pub method_signatures: Vec<serde_json::Value>,
    }
}

identified!(ModelVersion => "model version");

impl ModelVersion {
    /// A version reference by id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

message! {
    /// `InputInfo`: a model version's input settings.
    pub struct InputInfo {
        /// Mapping of input fields.
        pub fields_map: Struct,
        /// Parameters.
        pub params: Struct,
        /// The embedding model it builds on.
        pub base_embed_model: Option<Box<Model>>,
    }
}

message! {
    /// `TrainInfo`: training parameters (`template`, `num_epochs`, `dataset_id`, …).
    pub struct TrainInfo {
        /// The parameters (numbers are doubles: `"num_epochs": 2.0`).
        pub params: Struct,
        /// The dataset trained on.
        pub dataset: Option<Dataset>,
        /// A model to resume from.
        pub resume_from_model: Option<Box<Model>>,
    }
}

message! {
    /// `EvalInfo`: evaluation parameters.
    pub struct EvalInfo {
        /// The parameters.
        pub params: Struct,
    }
}

message! {
    /// `EvalMetrics`: an evaluation of a model version on a dataset. The large parts
    /// (confusion matrix, per-class metrics, test set, …) stay JSON.
    pub struct EvalMetrics {
        /// Evaluation status (`MODEL_EVALUATED` 21300, `MODEL_EVALUATING` 21301, …).
        pub status: Option<Status>,
        /// The owner.
        pub user_id: String,
        /// The app.
        pub app_id: String,
        /// The evaluation id.
        pub id: String,
        /// The model (and version) evaluated.
        pub model: Option<Box<Model>>,
        /// The dataset of ground truth.
        pub ground_truth_dataset: Option<Dataset>,
        /// The dataset of predictions.
        pub predictions_dataset: Option<Dataset>,
        /// The summary (JSON).
        pub summary: Option<serde_json::Value>,
        /// The confusion matrix (JSON).
        pub confusion_matrix: Option<serde_json::Value>,
        /// The co-occurrence matrix (JSON).
        pub cooccurrence_matrix: Option<serde_json::Value>,
        /// Label counts (JSON).
        pub label_counts: Option<serde_json::Value>,
        /// Binary metrics (JSON).
        pub binary_metrics: Vec<serde_json::Value>,
        /// The test set (JSON).
        pub test_set: Vec<serde_json::Value>,
        /// Metrics by area (JSON).
        pub metrics_by_area: Vec<serde_json::Value>,
        /// Metrics by class (JSON).
        pub metrics_by_class: Vec<serde_json::Value>,
        /// Tracker metrics (JSON).
        pub tracker_metrics: Vec<serde_json::Value>,
        /// Evaluation parameters.
        pub eval_info: Option<EvalInfo>,
        /// Extended metrics (JSON).
        pub extended_metrics: Option<serde_json::Value>,
    }
}

identified!(EvalMetrics => "evaluation");

message! {
    /// `ModelType`: a kind of model, with its fields (training templates and parameters).
    pub struct ModelType {
        /// The id (`visual-classifier`).
        pub id: String,
        /// A title.
        pub title: String,
        /// A description.
        pub description: String,
        /// Input fields (`image`, `text`, …).
        pub input_fields: Vec<String>,
        /// Output fields.
        pub output_fields: Vec<String>,
        /// Can be trained.
        pub trainable: bool,
        /// Can be created.
        pub creatable: bool,
        /// Clarifai-internal.
        pub internal_only: bool,
        /// Fields (paths such as `train_info.params.template`).
        pub model_type_fields: Vec<ModelTypeField>,
        /// Needs sequential video frames.
        pub requires_sequential_frames: bool,
        /// Evaluation type (an enum number).
        pub evaluation_type: i32,
    }
}

identified!(ModelType => "model type");

crate::proto_enum! {
    /// `ModelTypeField.ModelTypeFieldType`.
    pub enum ModelTypeFieldType {
        0 => "INVALID_MODEL_TYPE_FIELD_TYPE",
        /// A boolean.
        Boolean = 1 => "BOOLEAN",
        /// A string.
        String = 2 => "STRING",
        /// A number.
        Number = 3 => "NUMBER",
        /// Concepts.
        ArrayOfConcepts = 4 => "ARRAY_OF_CONCEPTS",
        /// Concepts with thresholds.
        ArrayOfConceptsWithThreshold = 5 => "ARRAY_OF_CONCEPTS_WITH_THRESHOLD",
        /// A range.
        Range = 7 => "RANGE",
        /// One of `model_type_enum_options`.
        Enum = 8 => "ENUM",
        /// Collaborators.
        Collaborators = 9 => "COLLABORATORS",
        /// JSON.
        Json = 10 => "JSON",
        /// Numbers.
        ArrayOfNumbers = 11 => "ARRAY_OF_NUMBERS",
        /// Embedding models of a workflow.
        WorkflowEmbedModels = 12 => "WORKFLOW_EMBED_MODELS",
        /// Strings.
        ArrayOfStrings = 13 => "ARRAY_OF_STRINGS",
        /// A nested enum (templates with their own fields).
        RecursiveEnum = 14 => "RECURSIVE_ENUM",
        /// Python code.
        PythonCode = 15 => "PYTHON_CODE",
        /// A dataset id.
        DatasetId = 16 => "DATASET_ID",
        /// A dataset version id.
        DatasetVersionId = 17 => "DATASET_VERSION_ID",
        /// Concepts of a model.
        ArrayOfModelConcepts = 18 => "ARRAY_OF_MODEL_CONCEPTS",
        /// A dataset.
        Dataset = 19 => "DATASET",
        /// A dataset version.
        DatasetVersion = 20 => "DATASET_VERSION",
        /// An encrypted string.
        EncryptedString = 21 => "ENCRYPTED_STRING",
        /// A checkpoint model.
        CheckpointModel = 22 => "CHECKPOINT_MODEL",
        /// Secrets.
        ArrayOfSecrets = 23 => "ARRAY_OF_SECRETS",
    }
}

message! {
    /// `ModelTypeField`: one configurable field of a model type (`train_info.params.template`).
    pub struct ModelTypeField {
        /// The path (`train_info.params.num_epochs`).
        pub path: String,
        /// Its type.
        pub field_type: ModelTypeFieldType,
        /// The default (any JSON).
        pub default_value: serde_json::Value,
        /// A description.
        pub description: String,
        /// A placeholder.
        pub placeholder: String,
        /// The options of an enum field (templates).
        pub model_type_enum_options: Vec<ModelTypeEnumOption>,
        /// Clarifai-internal.
        pub internal_only: bool,
        /// Required.
        pub required: bool,
        /// The range of a number (JSON).
        pub model_type_range_info: Option<serde_json::Value>,
        /// A name.
        pub name: String,
    }
}

message! {
    /// `ModelTypeEnumOption`: one option of an enum field, with the fields it brings.
    pub struct ModelTypeEnumOption {
        /// The option (a template name).
        pub id: String,
        /// Aliases (JSON).
        pub aliases: Vec<serde_json::Value>,
        /// A description.
        pub description: String,
        /// The fields of this option (a template's parameters).
        pub model_type_fields: Vec<ModelTypeField>,
        /// Clarifai-internal.
        pub internal_only: bool,
        /// Recommended.
        pub recommended: bool,
    }
}

message! {
    /// `ModelVersionExport`: the export of a model version as a tarball.
    pub struct ModelVersionExport {
        /// Export status (`MODEL_EXPORTED`, `MODEL_EXPORTING`, …).
        pub status: Option<Status>,
        /// Where to download it.
        pub url: String,
        /// Size in bytes (`int64`, a string on the wire).
        #[serde(with = "crate::proto_json::int64")]
        pub size: i64,
    }
}

message! {
    /// `SingleModelResponse` (`GetModel`, `PostModels`, `PostModelVersions`).
    pub struct SingleModelResponse {
        /// The call's status.
        pub status: Status,
        /// The model; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub model: Option<Model>,
    }
}

message! {
    /// `MultiModelResponse` (`ListModels`).
    pub struct MultiModelResponse {
        /// The call's status.
        pub status: Status,
        /// The models; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub models: Vec<Model>,
    }
}

message! {
    /// `SingleModelVersionResponse` (`GetModelVersion`).
    pub struct SingleModelVersionResponse {
        /// The call's status.
        pub status: Status,
        /// The version; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub model_version: Option<ModelVersion>,
    }
}

message! {
    /// `MultiModelVersionResponse` (`ListModelVersions`).
    pub struct MultiModelVersionResponse {
        /// The call's status.
        pub status: Status,
        /// The versions; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub model_versions: Vec<ModelVersion>,
    }
}

message! {
    /// `SingleModelTypeResponse` (`GetModelType`).
    pub struct SingleModelTypeResponse {
        /// The call's status.
        pub status: Status,
        /// The model type; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub model_type: Option<ModelType>,
    }
}

message! {
    /// `MultiModelTypeResponse` (`ListModelTypes`).
    pub struct MultiModelTypeResponse {
        /// The call's status.
        pub status: Status,
        /// The model types; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub model_types: Vec<ModelType>,
    }
}

message! {
    /// `SingleEvalMetricsResponse` (`GetEvaluation`).
    pub struct SingleEvalMetricsResponse {
        /// The call's status.
        pub status: Status,
        /// The evaluation; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub eval_metrics: Option<EvalMetrics>,
    }
}

message! {
    /// `MultiEvalMetricsResponse` (`PostEvaluations`, `ListModelVersionEvaluations`).
    pub struct MultiEvalMetricsResponse {
        /// The call's status.
        pub status: Status,
        /// The evaluations; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub eval_metrics: Vec<EvalMetrics>,
    }
}

message! {
    /// `SingleModelVersionExportResponse` (`GetModelVersionExport`, `PutModelVersionExports`).
    pub struct SingleModelVersionExportResponse {
        /// The call's status.
        pub status: Status,
        /// The export.
        pub export: Option<ModelVersionExport>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_responses_require_ids() {
        let r: SingleModelResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"model":{"id":"m1","app_id":"a","model_type_id":"visual-classifier","model_version":{"id":"v1","status":{"code":21100},"train_info":{"params":{"template":"T","num_epochs":2.0}}}}}"#,
        )
        .unwrap();
        let m = r.model.unwrap();
        assert_eq!(m.version_id(), Some("v1"));
        let params = &m.model_version.unwrap().train_info.unwrap().params;
        assert_eq!(
            params.keys().collect::<Vec<_>>(),
            ["template", "num_epochs"]
        );
        assert!(
            serde_json::from_str::<SingleModelResponse>(r#"{"model":{"app_id":"a"}}"#).is_err()
        );
        assert!(
            serde_json::from_str::<MultiModelVersionResponse>(r#"{"model_versions":[{}]}"#)
                .is_err()
        );
        assert_eq!(Model::new("m").version_id(), None);
    }

    #[test]
    fn model_types_with_templates() {
        let r: MultiModelTypeResponse = serde_json::from_str(
            r#"{"model_types":[{"id":"visual-classifier","trainable":true,"model_type_fields":[{"path":"train_info.params.template","field_type":"RECURSIVE_ENUM","model_type_enum_options":[{"id":"MMClassification_ResNet_50_RSB_A1","model_type_fields":[{"path":"train_info.params.num_epochs","field_type":3,"default_value":200}]}]}]}]}"#,
        )
        .unwrap();
        let field = &r.model_types[0].model_type_fields[0];
        assert_eq!(field.field_type, ModelTypeFieldType::RecursiveEnum);
        let option = &field.model_type_enum_options[0];
        assert_eq!(
            option.model_type_fields[0].field_type,
            ModelTypeFieldType::Number
        );
        assert_eq!(
            option.model_type_fields[0].default_value,
            serde_json::json!(200)
        );
    }

    #[test]
    fn export_size_is_an_int64_string() {
        let r: SingleModelVersionExportResponse =
            serde_json::from_str(r#"{"export":{"url":"https://x/model.tar","size":"1024"}}"#)
                .unwrap();
        assert_eq!(r.export.unwrap().size, 1024);
    }
}
