use super::{Image, Input, Status, Visibility};
use crate::proto_json::Struct;

message! {
    /// `Dataset`: a named set of inputs of an app.
    pub struct Dataset {
        /// The dataset id.
        pub id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// The app.
        pub app_id: String,
        /// The owner.
        pub user_id: String,
        /// A description.
        pub description: String,
        /// Free metadata.
        pub metadata: Struct,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// Notes (Markdown).
        pub notes: String,
        /// A version (in evaluation requests: the version to use).
        pub version: Option<Box<DatasetVersion>>,
        /// Starred by the caller.
        pub is_starred: bool,
        /// Number of stars.
        pub star_count: i32,
        /// Cover image.
        pub image: Option<Image>,
    }
}

identified!(Dataset => "dataset");

impl Dataset {
    /// A dataset with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

message! {
    /// `DatasetVersion`: a frozen snapshot of a dataset.
    pub struct DatasetVersion {
        /// The version id.
        pub id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// The app.
        pub app_id: String,
        /// The owner.
        pub user_id: String,
        /// The dataset.
        pub dataset_id: String,
        /// Which annotations are in it (JSON).
        pub annotation_filter_config: Option<serde_json::Value>,
        /// Built from model predictions (JSON).
        pub model_predict_config: Option<serde_json::Value>,
        /// Status (`DATASET_VERSION_PENDING` 64005 … `DATASET_VERSION_READY` 64015).
        pub status: Option<Status>,
        /// A description.
        pub description: String,
        /// Processing information (JSON).
        pub processing_info: Option<serde_json::Value>,
        /// Metrics by path (JSON).
        pub metrics: Struct,
        /// Export information (JSON).
        pub export_info: Option<serde_json::Value>,
        /// Free metadata.
        pub metadata: Struct,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// Embedding model versions.
        pub embed_model_version_ids: Vec<String>,
    }
}

identified!(DatasetVersion => "dataset version");

impl DatasetVersion {
    /// A version reference by id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

crate::proto_enum! {
    /// `DatasetVersionExportFormat`.
    pub enum DatasetVersionExportFormat {
        0 => "DATASET_VERSION_EXPORT_FORMAT_NOT_SET",
        /// A ZIP of binary protobuf `InputBatch` messages (the Python SDK's choice).
        ClarifaiDataProtobuf = 1 => "CLARIFAI_DATA_PROTOBUF",
        /// COCO.
        Coco = 2 => "COCO",
        /// A ZIP of JSON (what a JSON-only client asks for).
        ClarifaiDataJson = 3 => "CLARIFAI_DATA_JSON",
    }
}

message! {
    /// `DatasetVersionExport`: one export of a dataset version.
    pub struct DatasetVersionExport {
        /// The format.
        pub format: DatasetVersionExportFormat,
        /// Status (`DATASET_VERSION_EXPORT_SUCCESS` 64200, `…_PENDING` 64201, …).
        pub status: Option<Status>,
        /// Where to download it.
        pub url: String,
        /// Size in bytes (`uint64`, a string on the wire).
        #[serde(with = "crate::proto_json::uint64")]
        pub size: u64,
        /// Embeddings included.
        pub include_embeddings: bool,
    }
}

impl DatasetVersionExport {
    /// An export request in this format.
    pub fn new(format: DatasetVersionExportFormat) -> Self {
        Self {
            format,
            ..Self::default()
        }
    }
}

message! {
    /// `DatasetInput`: an input of a dataset (`ListDatasetInputs`).
    pub struct DatasetInput {
        /// RFC 3339 time it was added.
        pub created_at: Option<String>,
        /// The input; must have an `id` in responses.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub input: Option<Input>,
    }
}

message! {
    /// `SingleDatasetResponse` (`GetDataset`).
    pub struct SingleDatasetResponse {
        /// The call's status.
        pub status: Status,
        /// The dataset; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub dataset: Option<Dataset>,
    }
}

message! {
    /// `MultiDatasetResponse` (`ListDatasets`, `PostDatasets`).
    pub struct MultiDatasetResponse {
        /// The call's status.
        pub status: Status,
        /// The datasets; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub datasets: Vec<Dataset>,
    }
}

message! {
    /// `MultiDatasetInputResponse` (`ListDatasetInputs`, `PostDatasetInputs`).
    pub struct MultiDatasetInputResponse {
        /// The call's status.
        pub status: Status,
        /// The inputs.
        pub dataset_inputs: Vec<DatasetInput>,
    }
}

message! {
    /// `SingleDatasetVersionResponse` (`GetDatasetVersion`).
    pub struct SingleDatasetVersionResponse {
        /// The call's status.
        pub status: Status,
        /// The version; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub dataset_version: Option<DatasetVersion>,
    }
}

message! {
    /// `MultiDatasetVersionResponse` (`ListDatasetVersions`, `PostDatasetVersions`).
    pub struct MultiDatasetVersionResponse {
        /// The call's status.
        pub status: Status,
        /// The versions; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub dataset_versions: Vec<DatasetVersion>,
    }
}

message! {
    /// `MultiDatasetVersionExportResponse` (`PutDatasetVersionExports`).
    pub struct MultiDatasetVersionExportResponse {
        /// The call's status.
        pub status: Status,
        /// The exports.
        pub exports: Vec<DatasetVersionExport>,
    }
}

message! {
    /// `MultiDatasetVersionMetricsGroupResponse` (`ListDatasetVersionMetricsGroups`); the
    /// groups stay JSON.
    pub struct MultiDatasetVersionMetricsGroupResponse {
        /// The call's status.
        pub status: Status,
        /// The metric groups (JSON).
        pub dataset_version_metrics_groups: Vec<serde_json::Value>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_responses() {
        let r: MultiDatasetVersionResponse = serde_json::from_str(
            r#"{"dataset_versions":[{"id":"dv1","dataset_id":"ds1","status":{"code":64005}}]}"#,
        )
        .unwrap();
        assert_eq!(
            r.dataset_versions[0].status.as_ref().unwrap().code.code(),
            64005
        );
        let r: MultiDatasetVersionExportResponse = serde_json::from_str(
            r#"{"exports":[{"format":"CLARIFAI_DATA_JSON","status":{"code":64200},"url":"https://x/e.zip","size":"77"}]}"#,
        )
        .unwrap();
        assert_eq!(
            r.exports[0].format,
            DatasetVersionExportFormat::ClarifaiDataJson
        );
        assert_eq!(r.exports[0].size, 77);
        assert_eq!(
            serde_json::to_string(&DatasetVersionExport::new(
                DatasetVersionExportFormat::ClarifaiDataJson
            ))
            .unwrap(),
            r#"{"format":3}"#
        );
        assert!(
            serde_json::from_str::<MultiDatasetInputResponse>(
                r#"{"dataset_inputs":[{"input":{"data":{}}}]}"#
            )
            .is_err()
        );
        assert!(serde_json::from_str::<SingleDatasetResponse>(r#"{"dataset":{}}"#).is_err());
    }
}
