//! The JSON bodies of the calls, one type per request message (path fields left out: the
//! path carries them, and the official client's redundant `user_app_id` is not sent).

use std::collections::BTreeMap;

use crate::models::{
    Annotation, App, Concept, ConceptQuery, Dataset, DatasetInput, DatasetVersion,
    DatasetVersionExport, EvalMetrics, Input, Model, ModelVersion, MultiOutputResponse,
    OutputConfig, Pagination, Runner, RunnerItemOutput, RunnerSelector, Search, Status, Workflow,
    WorkflowState,
};

message! {
    /// `PostModelOutputsRequest`: a prediction. `model_id`/`version_id` travel in the path
    /// (they are filled in runner items, which carry the whole request).
    pub struct PostModelOutputsRequest {
        /// The model (runner items).
        pub model_id: String,
        /// The version (runner items).
        pub version_id: String,
        /// Up to 128 inputs.
        pub inputs: Vec<Input>,
        /// Per-request model settings: `model.model_version.output_info.{output_config,params}`.
        pub model: Option<Model>,
        /// Deployment / nodepool routing.
        pub runner_selector: Option<RunnerSelector>,
        /// Use the prediction cache.
        pub use_predict_cache: bool,
    }
}

message! {
    /// `PostWorkflowResultsRequest`: a workflow prediction.
    pub struct PostWorkflowResultsRequest {
        /// Up to 32 inputs.
        pub inputs: Vec<Input>,
        /// Output settings of every node.
        pub output_config: Option<OutputConfig>,
        /// The tracking state.
        pub workflow_state: Option<WorkflowState>,
        /// Routing per node.
        pub node_runner_selectors: BTreeMap<String, RunnerSelector>,
    }
}

message! {
    /// `PostInputsRequest`.
    pub struct PostInputsRequest {
        /// Up to 128 inputs.
        pub inputs: Vec<Input>,
        /// A client-chosen job id to follow the upload with.
        pub inputs_add_job_id: String,
    }
}

message! {
    /// `PatchInputsRequest`.
    pub struct PatchInputsRequest {
        /// The inputs (by id) and what to change.
        pub inputs: Vec<Input>,
        /// `merge`, `overwrite` or `remove`.
        pub action: String,
    }
}

message! {
    /// `{"ids": [...]}`: `DeleteInputs`, `DeleteModels`, `DeleteWorkflows`, `DeleteRunners`.
    pub struct IdsRequest {
        /// The ids.
        pub ids: Vec<String>,
    }
}

message! {
    /// `PostAnnotationsRequest`.
    pub struct PostAnnotationsRequest {
        /// The annotations.
        pub annotations: Vec<Annotation>,
    }
}

message! {
    /// `PatchAnnotationsRequest`.
    pub struct PatchAnnotationsRequest {
        /// The annotations (by id).
        pub annotations: Vec<Annotation>,
        /// `merge`, `overwrite` or `remove`.
        pub action: String,
    }
}

message! {
    /// `DeleteAnnotationsRequest`: annotations `ids` of `input_ids` (same order), or all the
    /// annotations of `input_ids` when `ids` is empty.
    pub struct DeleteAnnotationsRequest {
        /// Annotation ids.
        pub ids: Vec<String>,
        /// Input ids.
        pub input_ids: Vec<String>,
    }
}

message! {
    /// `PostConceptsRequest`.
    pub struct PostConceptsRequest {
        /// The concepts.
        pub concepts: Vec<Concept>,
    }
}

message! {
    /// `PatchConceptsRequest`.
    pub struct PatchConceptsRequest {
        /// The concepts (by id).
        pub concepts: Vec<Concept>,
        /// `overwrite` (the SDK's default) or `merge`.
        pub action: String,
    }
}

message! {
    /// `PostConceptsSearchesRequest`.
    pub struct PostConceptsSearchesRequest {
        /// The query.
        pub concept_query: Option<ConceptQuery>,
        /// The page.
        pub pagination: Option<Pagination>,
    }
}

message! {
    /// `PostInputsSearchesRequest` / `PostAnnotationsSearchesRequest`.
    pub struct SearchRequest {
        /// The searches (the SDK sends one).
        pub searches: Vec<Search>,
        /// The page.
        pub pagination: Option<Pagination>,
        /// Only count the hits (input searches).
        pub only_count: bool,
    }
}

message! {
    /// `PostAppsRequest`.
    pub struct PostAppsRequest {
        /// The apps.
        pub apps: Vec<App>,
    }
}

message! {
    /// `PatchAppRequest`.
    pub struct PatchAppRequest {
        /// The new values.
        pub app: Option<App>,
        /// `merge`, `overwrite` or `remove`.
        pub action: String,
        /// Reindex the app.
        pub reindex: bool,
    }
}

message! {
    /// `PostDatasetsRequest`.
    pub struct PostDatasetsRequest {
        /// The datasets.
        pub datasets: Vec<Dataset>,
    }
}

message! {
    /// `DeleteDatasetsRequest`.
    pub struct DeleteDatasetsRequest {
        /// The datasets.
        pub dataset_ids: Vec<String>,
    }
}

message! {
    /// `PostDatasetVersionsRequest`.
    pub struct PostDatasetVersionsRequest {
        /// The versions.
        pub dataset_versions: Vec<DatasetVersion>,
    }
}

message! {
    /// `DeleteDatasetVersionsRequest`.
    pub struct DeleteDatasetVersionsRequest {
        /// The versions.
        pub dataset_version_ids: Vec<String>,
    }
}

message! {
    /// `PutDatasetVersionExportsRequest`.
    pub struct PutDatasetVersionExportsRequest {
        /// The exports asked for (format).
        pub exports: Vec<DatasetVersionExport>,
    }
}

message! {
    /// `PostDatasetInputsRequest`: add inputs (by id, or all hits of a search) to a dataset.
    pub struct PostDatasetInputsRequest {
        /// Inputs by id.
        pub dataset_inputs: Vec<DatasetInput>,
        /// Or: the inputs a search finds.
        pub search: Option<Search>,
    }
}

message! {
    /// `PostModelsRequest` (the response is a *single* model).
    pub struct PostModelsRequest {
        /// The models.
        pub models: Vec<Model>,
    }
}

message! {
    /// `PostModelVersionsRequest` (train, or create a version).
    pub struct PostModelVersionsRequest {
        /// The versions.
        pub model_versions: Vec<ModelVersion>,
        /// A description.
        pub description: String,
    }
}

message! {
    /// `PostEvaluationsRequest`.
    pub struct PostEvaluationsRequest {
        /// The evaluations to run.
        pub eval_metrics: Vec<EvalMetrics>,
    }
}

message! {
    /// `PostWorkflowsRequest`.
    pub struct PostWorkflowsRequest {
        /// The workflows.
        pub workflows: Vec<Workflow>,
    }
}

message! {
    /// `PostRunnersRequest`.
    pub struct PostRunnersRequest {
        /// The runners.
        pub runners: Vec<Runner>,
    }
}

message! {
    /// `PostRunnerItemOutputsRequest`: the answer to a runner item.
    pub struct PostRunnerItemOutputsRequest {
        /// The outputs.
        pub runner_item_outputs: Vec<RunnerItemOutput>,
        /// The runner's status.
        pub status: Option<Status>,
    }
}

impl PostRunnerItemOutputsRequest {
    /// The answer holding one prediction response.
    pub fn single(response: MultiOutputResponse) -> Self {
        Self {
            runner_item_outputs: vec![RunnerItemOutput {
                multi_output_response: Some(response),
            }],
            ..Self::default()
        }
    }
}

message! {
    /// An empty body (`{}`), for bound-to-body calls without fields (`CancelInputsAddJob`).
    pub struct EmptyRequest {}
}
