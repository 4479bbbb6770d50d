//! Every REST route this crate calls: the RPC, the HTTP method, the path template and whether
//! the request message travels as a JSON body or in the query string.
//!
//! The table is taken from the `google.api.http` bindings of clarifai-grpc 12.6.0
//! (`shared/specs/clarifai/routes-clarifai-grpc-12.6.0.json`), templates verbatim; a test
//! checks every entry against that file. Of an RPC's bindings, the user/app-scoped one is used
//! (`{UA}` = `/v2/users/{user_id}/apps/{app_id}`, `{U}` = `/v2/users/{user_id}`, `{NP}` =
//! `{U}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}`), which works with a
//! PAT and with app keys alike.
//!
//! ```
//! use clarifai::routes::Route;
//!
//! let path = Route::GET_MODEL
//!     .path(&[("user_id", "clarifai"), ("app_id", "main"), ("model_id", "general-image-recognition")])
//!     .unwrap();
//! assert_eq!(path, "/v2/users/clarifai/apps/main/models/general-image-recognition");
//! assert_eq!(Route::GET_MODEL.method(), http::Method::GET);
//! // Path values are percent-encoded; empty ones are rejected before anything is sent.
//! assert!(Route::GET_MODEL.path(&[("user_id", "u"), ("app_id", "a"), ("model_id", "")]).is_err());
//! ```

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result};

/// The HTTP method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Verb {
    /// The `http` method.
    pub fn method(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Post => http::Method::POST,
            Self::Patch => http::Method::PATCH,
            Self::Put => http::Method::PUT,
            Self::Delete => http::Method::DELETE,
        }
    }

    /// `true` for methods that read only (`GET`), which are always safe to retry.
    pub fn is_read_only(self) -> bool {
        self == Self::Get
    }
}

/// Where the request message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// `body: "*"`: the whole message (minus path fields) is the JSON body — also for `DELETE`.
    Json,
    /// `body: ""`: no body; the remaining fields go in the query string.
    None,
}

/// One REST binding of an RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    rpc: &'static str,
    verb: Verb,
    template: &'static str,
    body: Body,
}

/// Path segments: everything but the unreserved characters (RFC 3986) is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl Route {
    const fn new(rpc: &'static str, verb: Verb, template: &'static str, body: Body) -> Self {
        Self {
            rpc,
            verb,
            template,
            body,
        }
    }

    /// The RPC name (`"PostModelOutputs"`).
    pub const fn rpc(&self) -> &'static str {
        self.rpc
    }

    /// The method.
    pub const fn verb(&self) -> Verb {
        self.verb
    }

    /// The `http` method.
    pub fn method(&self) -> http::Method {
        self.verb.method()
    }

    /// The path template, verbatim from the bindings (`/v2/users/{user_app_id.user_id}/…`).
    pub const fn template(&self) -> &'static str {
        self.template
    }

    /// Where the message travels.
    pub const fn body(&self) -> Body {
        self.body
    }

    /// The names of the path parameters, as [`Route::path`] takes them: the template's
    /// placeholders without their `user_app_id.` / `runner_selector.` prefix (`user_id`,
    /// `app_id`, `model_id`, `deployment.id`, …).
    pub fn params(&self) -> impl Iterator<Item = &'static str> {
        self.template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| short_name(name)))
    }

    /// The path with `values` (`(name, value)` pairs, names as [`Route::params`] lists them)
    /// filled in and percent-encoded. A missing or empty value is an [`Error::InvalidInput`].
    pub fn path(&self, values: &[(&str, &str)]) -> Result<String> {
        let mut out = String::with_capacity(self.template.len() + 32);
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').unwrap_or(after.len());
            let name = short_name(&after[..close]);
            let value = values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value)
                .ok_or_else(|| Error::user(format!("{}: `{name}` is required", self.rpc)))?;
            if value.is_empty() {
                return Err(Error::user(format!("{}: `{name}` is empty", self.rpc)));
            }
            let _ = write!(out, "{}", utf8_percent_encode(value, SEGMENT));
            rest = after.get(close + 1..).unwrap_or("");
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn short_name(placeholder: &str) -> &str {
    placeholder
        .strip_prefix("user_app_id.")
        .or_else(|| placeholder.strip_prefix("runner_selector."))
        .unwrap_or(placeholder)
}

impl Route {
    /// `ListApps`: `GET {U}/apps`.
    pub const LIST_APPS: Route = Route::new(
        "ListApps",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps",
        Body::None,
    );
    /// `PostApps`: `POST {U}/apps`.
    pub const POST_APPS: Route = Route::new(
        "PostApps",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps",
        Body::Json,
    );
    /// `GetApp`: `GET {UA}`.
    pub const GET_APP: Route = Route::new(
        "GetApp",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}",
        Body::None,
    );
    /// `PatchApp`: `PATCH {UA}`.
    pub const PATCH_APP: Route = Route::new(
        "PatchApp",
        Verb::Patch,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}",
        Body::Json,
    );
    /// `DeleteApp`: `DELETE {UA}`.
    pub const DELETE_APP: Route = Route::new(
        "DeleteApp",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}",
        Body::None,
    );
    /// `GetUser`: `GET {U}`.
    pub const GET_USER: Route = Route::new(
        "GetUser",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}",
        Body::None,
    );
    /// `ListRunners`: `GET {U}/runners`.
    pub const LIST_RUNNERS: Route = Route::new(
        "ListRunners",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/runners",
        Body::None,
    );
    /// `ListRunners`: `GET {NP}/runners`.
    pub const LIST_NODEPOOL_RUNNERS: Route = Route::new(
        "ListRunners",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners",
        Body::None,
    );
    /// `GetRunner`: `GET {U}/runners/{runner_id}`.
    pub const GET_RUNNER: Route = Route::new(
        "GetRunner",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/runners/{runner_id}",
        Body::None,
    );
    /// `GetRunner`: `GET {NP}/runners/{runner_id}`.
    pub const GET_NODEPOOL_RUNNER: Route = Route::new(
        "GetRunner",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners/{runner_id}",
        Body::None,
    );
    /// `PostRunners`: `POST {NP}/runners`.
    pub const POST_RUNNERS: Route = Route::new(
        "PostRunners",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners",
        Body::Json,
    );
    /// `DeleteRunners`: `DELETE {NP}/runners`.
    pub const DELETE_RUNNERS: Route = Route::new(
        "DeleteRunners",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners",
        Body::Json,
    );
    /// `ListRunnerItems`: `GET {NP}/runners/{runner_id}/items`.
    pub const LIST_RUNNER_ITEMS: Route = Route::new(
        "ListRunnerItems",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners/{runner_id}/items",
        Body::None,
    );
    /// `PostRunnerItemOutputs`: `POST {NP}/runners/{runner_id}/items/{runner_item_id}/outputs`.
    pub const POST_RUNNER_ITEM_OUTPUTS: Route = Route::new(
        "PostRunnerItemOutputs",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}/runners/{runner_id}/items/{runner_item_id}/outputs",
        Body::Json,
    );
    /// `ListDatasets`: `GET {UA}/datasets`.
    pub const LIST_DATASETS: Route = Route::new(
        "ListDatasets",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets",
        Body::None,
    );
    /// `PostDatasets`: `POST {UA}/datasets`.
    pub const POST_DATASETS: Route = Route::new(
        "PostDatasets",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets",
        Body::Json,
    );
    /// `GetDataset`: `GET {UA}/datasets/{dataset_id}`.
    pub const GET_DATASET: Route = Route::new(
        "GetDataset",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}",
        Body::None,
    );
    /// `DeleteDatasets`: `DELETE {UA}/datasets`.
    pub const DELETE_DATASETS: Route = Route::new(
        "DeleteDatasets",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets",
        Body::Json,
    );
    /// `ListDatasetInputs`: `GET {UA}/datasets/{dataset_id}/inputs`.
    pub const LIST_DATASET_INPUTS: Route = Route::new(
        "ListDatasetInputs",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/inputs",
        Body::None,
    );
    /// `PostDatasetInputs`: `POST {UA}/datasets/{dataset_id}/inputs`.
    pub const POST_DATASET_INPUTS: Route = Route::new(
        "PostDatasetInputs",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/inputs",
        Body::Json,
    );
    /// `ListDatasetVersions`: `GET {UA}/datasets/{dataset_id}/versions`.
    pub const LIST_DATASET_VERSIONS: Route = Route::new(
        "ListDatasetVersions",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions",
        Body::None,
    );
    /// `PostDatasetVersions`: `POST {UA}/datasets/{dataset_id}/versions`.
    pub const POST_DATASET_VERSIONS: Route = Route::new(
        "PostDatasetVersions",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions",
        Body::Json,
    );
    /// `GetDatasetVersion`: `GET {UA}/datasets/{dataset_id}/versions/{dataset_version_id}`.
    pub const GET_DATASET_VERSION: Route = Route::new(
        "GetDatasetVersion",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions/{dataset_version_id}",
        Body::None,
    );
    /// `DeleteDatasetVersions`: `DELETE {UA}/datasets/{dataset_id}/versions`.
    pub const DELETE_DATASET_VERSIONS: Route = Route::new(
        "DeleteDatasetVersions",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions",
        Body::Json,
    );
    /// `ListDatasetVersionMetricsGroups`: `GET {UA}/datasets/{dataset_id}/versions/{dataset_version_id}/metrics`.
    pub const LIST_DATASET_VERSION_METRICS_GROUPS: Route = Route::new(
        "ListDatasetVersionMetricsGroups",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions/{dataset_version_id}/metrics",
        Body::None,
    );
    /// `PutDatasetVersionExports`: `PUT {UA}/datasets/{dataset_id}/versions/{dataset_version_id}/exports`.
    pub const PUT_DATASET_VERSION_EXPORTS: Route = Route::new(
        "PutDatasetVersionExports",
        Verb::Put,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/datasets/{dataset_id}/versions/{dataset_version_id}/exports",
        Body::Json,
    );
    /// `ListConcepts`: `GET {UA}/concepts`.
    pub const LIST_CONCEPTS: Route = Route::new(
        "ListConcepts",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/concepts",
        Body::None,
    );
    /// `PostConcepts`: `POST {UA}/concepts`.
    pub const POST_CONCEPTS: Route = Route::new(
        "PostConcepts",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/concepts",
        Body::Json,
    );
    /// `PatchConcepts`: `PATCH {UA}/concepts`.
    pub const PATCH_CONCEPTS: Route = Route::new(
        "PatchConcepts",
        Verb::Patch,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/concepts",
        Body::Json,
    );
    /// `PostConceptsSearches`: `POST {UA}/concepts/searches`.
    pub const POST_CONCEPTS_SEARCHES: Route = Route::new(
        "PostConceptsSearches",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/concepts/searches",
        Body::Json,
    );
    /// `ListInputs`: `GET {UA}/inputs`.
    pub const LIST_INPUTS: Route = Route::new(
        "ListInputs",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs",
        Body::None,
    );
    /// `PostInputs`: `POST {UA}/inputs`.
    pub const POST_INPUTS: Route = Route::new(
        "PostInputs",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs",
        Body::Json,
    );
    /// `PatchInputs`: `PATCH {UA}/inputs`.
    pub const PATCH_INPUTS: Route = Route::new(
        "PatchInputs",
        Verb::Patch,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs",
        Body::Json,
    );
    /// `DeleteInputs`: `DELETE {UA}/inputs`.
    pub const DELETE_INPUTS: Route = Route::new(
        "DeleteInputs",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs",
        Body::Json,
    );
    /// `GetInput`: `GET {UA}/inputs/{input_id}`.
    pub const GET_INPUT: Route = Route::new(
        "GetInput",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/{input_id}",
        Body::None,
    );
    /// `GetInputCount`: `GET {UA}/inputs/status`.
    pub const GET_INPUT_COUNT: Route = Route::new(
        "GetInputCount",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/status",
        Body::None,
    );
    /// `GetInputsAddJob`: `GET {UA}/inputs/jobs/add/{id}`.
    pub const GET_INPUTS_ADD_JOB: Route = Route::new(
        "GetInputsAddJob",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/jobs/add/{id}",
        Body::None,
    );
    /// `CancelInputsAddJob`: `PATCH {UA}/inputs/jobs/add/{id}`.
    pub const CANCEL_INPUTS_ADD_JOB: Route = Route::new(
        "CancelInputsAddJob",
        Verb::Patch,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/jobs/add/{id}",
        Body::Json,
    );
    /// `ListAnnotations`: `GET {UA}/annotations`.
    pub const LIST_ANNOTATIONS: Route = Route::new(
        "ListAnnotations",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/annotations",
        Body::None,
    );
    /// `PostAnnotations`: `POST {UA}/annotations`.
    pub const POST_ANNOTATIONS: Route = Route::new(
        "PostAnnotations",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/annotations",
        Body::Json,
    );
    /// `PatchAnnotations`: `PATCH {UA}/annotations`.
    pub const PATCH_ANNOTATIONS: Route = Route::new(
        "PatchAnnotations",
        Verb::Patch,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/annotations",
        Body::Json,
    );
    /// `DeleteAnnotations`: `DELETE {UA}/inputs/annotations`.
    pub const DELETE_ANNOTATIONS: Route = Route::new(
        "DeleteAnnotations",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/annotations",
        Body::Json,
    );
    /// `PostInputsSearches`: `POST {UA}/inputs/searches`.
    pub const POST_INPUTS_SEARCHES: Route = Route::new(
        "PostInputsSearches",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/inputs/searches",
        Body::Json,
    );
    /// `PostAnnotationsSearches`: `POST {UA}/annotations/searches`.
    pub const POST_ANNOTATIONS_SEARCHES: Route = Route::new(
        "PostAnnotationsSearches",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/annotations/searches",
        Body::Json,
    );
    /// `ListModels`: `GET {UA}/models`.
    pub const LIST_MODELS: Route = Route::new(
        "ListModels",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models",
        Body::None,
    );
    /// `PostModels`: `POST {UA}/models`.
    pub const POST_MODELS: Route = Route::new(
        "PostModels",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models",
        Body::Json,
    );
    /// `GetModel`: `GET {UA}/models/{model_id}`.
    pub const GET_MODEL: Route = Route::new(
        "GetModel",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}",
        Body::None,
    );
    /// `DeleteModels`: `DELETE {UA}/models`.
    pub const DELETE_MODELS: Route = Route::new(
        "DeleteModels",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models",
        Body::Json,
    );
    /// `ListModelTypes`: `GET {UA}/models/types`.
    pub const LIST_MODEL_TYPES: Route = Route::new(
        "ListModelTypes",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/types",
        Body::None,
    );
    /// `GetModelType`: `GET {UA}/models/types/{model_type_id}`.
    pub const GET_MODEL_TYPE: Route = Route::new(
        "GetModelType",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/types/{model_type_id}",
        Body::None,
    );
    /// `ListModelVersions`: `GET {UA}/models/{model_id}/versions`.
    pub const LIST_MODEL_VERSIONS: Route = Route::new(
        "ListModelVersions",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions",
        Body::None,
    );
    /// `PostModelVersions`: `POST {UA}/models/{model_id}/versions`.
    pub const POST_MODEL_VERSIONS: Route = Route::new(
        "PostModelVersions",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions",
        Body::Json,
    );
    /// `GetModelVersion`: `GET {UA}/models/{model_id}/versions/{version_id}`.
    pub const GET_MODEL_VERSION: Route = Route::new(
        "GetModelVersion",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{version_id}",
        Body::None,
    );
    /// `DeleteModelVersion`: `DELETE {UA}/models/{model_id}/versions/{version_id}`.
    pub const DELETE_MODEL_VERSION: Route = Route::new(
        "DeleteModelVersion",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{version_id}",
        Body::None,
    );
    /// `GetModelVersionExport`: `GET {UA}/models/{model_id}/versions/{version_id}/exports`.
    pub const GET_MODEL_VERSION_EXPORT: Route = Route::new(
        "GetModelVersionExport",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{version_id}/exports",
        Body::None,
    );
    /// `PutModelVersionExports`: `PUT {UA}/models/{model_id}/versions/{version_id}/exports`.
    pub const PUT_MODEL_VERSION_EXPORTS: Route = Route::new(
        "PutModelVersionExports",
        Verb::Put,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{version_id}/exports",
        Body::None,
    );
    /// `PostModelOutputs`: `POST {UA}/models/{model_id}/outputs`.
    pub const POST_MODEL_OUTPUTS: Route = Route::new(
        "PostModelOutputs",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/outputs",
        Body::Json,
    );
    /// `PostModelOutputs`: `POST {UA}/models/{model_id}/versions/{version_id}/outputs`.
    pub const POST_MODEL_VERSION_OUTPUTS: Route = Route::new(
        "PostModelOutputs",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{version_id}/outputs",
        Body::Json,
    );
    /// `PostModelOutputs`: `POST /v2/users/{runner_selector.deployment.user_id}/deployments/{runner_selector.deployment.id}/outputs`.
    pub const POST_DEPLOYMENT_OUTPUTS: Route = Route::new(
        "PostModelOutputs",
        Verb::Post,
        "/v2/users/{runner_selector.deployment.user_id}/deployments/{runner_selector.deployment.id}/outputs",
        Body::Json,
    );
    /// `PostEvaluations`: `POST {UA}/evaluations`.
    pub const POST_EVALUATIONS: Route = Route::new(
        "PostEvaluations",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/evaluations",
        Body::Json,
    );
    /// `GetEvaluation`: `GET {UA}/evaluations/{evaluation_id}`.
    pub const GET_EVALUATION: Route = Route::new(
        "GetEvaluation",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/evaluations/{evaluation_id}",
        Body::None,
    );
    /// `ListModelVersionEvaluations`: `GET {UA}/models/{model_id}/versions/{model_version_id}/evaluations`.
    pub const LIST_MODEL_VERSION_EVALUATIONS: Route = Route::new(
        "ListModelVersionEvaluations",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/versions/{model_version_id}/evaluations",
        Body::None,
    );
    /// `ListWorkflows`: `GET {UA}/workflows`.
    pub const LIST_WORKFLOWS: Route = Route::new(
        "ListWorkflows",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows",
        Body::None,
    );
    /// `PostWorkflows`: `POST {UA}/workflows`.
    pub const POST_WORKFLOWS: Route = Route::new(
        "PostWorkflows",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows",
        Body::Json,
    );
    /// `GetWorkflow`: `GET {UA}/workflows/{workflow_id}`.
    pub const GET_WORKFLOW: Route = Route::new(
        "GetWorkflow",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows/{workflow_id}",
        Body::None,
    );
    /// `DeleteWorkflows`: `DELETE {UA}/workflows`.
    pub const DELETE_WORKFLOWS: Route = Route::new(
        "DeleteWorkflows",
        Verb::Delete,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows",
        Body::Json,
    );
    /// `ListWorkflowVersions`: `GET {UA}/workflows/{workflow_id}/versions`.
    pub const LIST_WORKFLOW_VERSIONS: Route = Route::new(
        "ListWorkflowVersions",
        Verb::Get,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows/{workflow_id}/versions",
        Body::None,
    );
    /// `PostWorkflowResults`: `POST {UA}/workflows/{workflow_id}/results`.
    pub const POST_WORKFLOW_RESULTS: Route = Route::new(
        "PostWorkflowResults",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows/{workflow_id}/results",
        Body::Json,
    );
    /// `PostWorkflowResults`: `POST {UA}/workflows/{workflow_id}/versions/{version_id}/results`.
    pub const POST_WORKFLOW_VERSION_RESULTS: Route = Route::new(
        "PostWorkflowResults",
        Verb::Post,
        "/v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/workflows/{workflow_id}/versions/{version_id}/results",
        Body::Json,
    );
}

/// Every route of the table.
pub const ALL: &[Route] = &[
    Route::LIST_APPS,
    Route::POST_APPS,
    Route::GET_APP,
    Route::PATCH_APP,
    Route::DELETE_APP,
    Route::GET_USER,
    Route::LIST_RUNNERS,
    Route::LIST_NODEPOOL_RUNNERS,
    Route::GET_RUNNER,
    Route::GET_NODEPOOL_RUNNER,
    Route::POST_RUNNERS,
    Route::DELETE_RUNNERS,
    Route::LIST_RUNNER_ITEMS,
    Route::POST_RUNNER_ITEM_OUTPUTS,
    Route::LIST_DATASETS,
    Route::POST_DATASETS,
    Route::GET_DATASET,
    Route::DELETE_DATASETS,
    Route::LIST_DATASET_INPUTS,
    Route::POST_DATASET_INPUTS,
    Route::LIST_DATASET_VERSIONS,
    Route::POST_DATASET_VERSIONS,
    Route::GET_DATASET_VERSION,
    Route::DELETE_DATASET_VERSIONS,
    Route::LIST_DATASET_VERSION_METRICS_GROUPS,
    Route::PUT_DATASET_VERSION_EXPORTS,
    Route::LIST_CONCEPTS,
    Route::POST_CONCEPTS,
    Route::PATCH_CONCEPTS,
    Route::POST_CONCEPTS_SEARCHES,
    Route::LIST_INPUTS,
    Route::POST_INPUTS,
    Route::PATCH_INPUTS,
    Route::DELETE_INPUTS,
    Route::GET_INPUT,
    Route::GET_INPUT_COUNT,
    Route::GET_INPUTS_ADD_JOB,
    Route::CANCEL_INPUTS_ADD_JOB,
    Route::LIST_ANNOTATIONS,
    Route::POST_ANNOTATIONS,
    Route::PATCH_ANNOTATIONS,
    Route::DELETE_ANNOTATIONS,
    Route::POST_INPUTS_SEARCHES,
    Route::POST_ANNOTATIONS_SEARCHES,
    Route::LIST_MODELS,
    Route::POST_MODELS,
    Route::GET_MODEL,
    Route::DELETE_MODELS,
    Route::LIST_MODEL_TYPES,
    Route::GET_MODEL_TYPE,
    Route::LIST_MODEL_VERSIONS,
    Route::POST_MODEL_VERSIONS,
    Route::GET_MODEL_VERSION,
    Route::DELETE_MODEL_VERSION,
    Route::GET_MODEL_VERSION_EXPORT,
    Route::PUT_MODEL_VERSION_EXPORTS,
    Route::POST_MODEL_OUTPUTS,
    Route::POST_MODEL_VERSION_OUTPUTS,
    Route::POST_DEPLOYMENT_OUTPUTS,
    Route::POST_EVALUATIONS,
    Route::GET_EVALUATION,
    Route::LIST_MODEL_VERSION_EVALUATIONS,
    Route::LIST_WORKFLOWS,
    Route::POST_WORKFLOWS,
    Route::GET_WORKFLOW,
    Route::DELETE_WORKFLOWS,
    Route::LIST_WORKFLOW_VERSIONS,
    Route::POST_WORKFLOW_RESULTS,
    Route::POST_WORKFLOW_VERSION_RESULTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_a_binding_of_clarifai_grpc_12_6_0() {
        let Some(text) =
            crate::test_support::shared_text("specs/clarifai/routes-clarifai-grpc-12.6.0.json")
        else {
            return;
        };
        let table: serde_json::Value = serde_json::from_str(&text).unwrap();
        let methods = table["methods"].as_array().unwrap();
        for route in ALL {
            let method = methods
                .iter()
                .find(|m| m["rpc"] == route.rpc())
                .unwrap_or_else(|| panic!("{} is not an RPC of 12.6.0", route.rpc()));
            assert_eq!(method["server_streaming"], false, "{}", route.rpc());
            assert_eq!(method["client_streaming"], false, "{}", route.rpc());
            let binding = method["http"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["path"] == route.template())
                .unwrap_or_else(|| panic!("{} has no binding {}", route.rpc(), route.template()));
            assert_eq!(
                binding["verb"].as_str().unwrap(),
                route.method().as_str(),
                "{}",
                route.rpc()
            );
            let body = if binding["body"] == "*" {
                Body::Json
            } else {
                Body::None
            };
            assert_eq!(body, route.body(), "{}", route.rpc());
        }
        let mut seen = std::collections::HashSet::new();
        for route in ALL {
            assert!(
                seen.insert((route.rpc(), route.template())),
                "{route:?} listed twice"
            );
        }
    }

    #[test]
    fn renders_and_encodes_paths() {
        let path = Route::POST_MODEL_VERSION_OUTPUTS
            .path(&[
                ("user_id", "clarifai"),
                ("app_id", "main"),
                ("model_id", "general-image-recognition"),
                ("version_id", "aa7f35c01e0642fda5cf400f543e7c40"),
            ])
            .unwrap();
        assert_eq!(
            path,
            "/v2/users/clarifai/apps/main/models/general-image-recognition/versions/aa7f35c01e0642fda5cf400f543e7c40/outputs"
        );
        let path = Route::GET_INPUT
            .path(&[("user_id", "me"), ("app_id", "a b"), ("input_id", "x/y?z")])
            .unwrap();
        assert_eq!(path, "/v2/users/me/apps/a%20b/inputs/x%2Fy%3Fz");
        let path = Route::POST_DEPLOYMENT_OUTPUTS
            .path(&[("deployment.user_id", "alice"), ("deployment.id", "d1")])
            .unwrap();
        assert_eq!(path, "/v2/users/alice/deployments/d1/outputs");
        let err = Route::GET_APP.path(&[("user_id", "alice")]).unwrap_err();
        assert!(
            err.to_string().contains("GetApp: `app_id` is required"),
            "{err}"
        );
        assert_eq!(
            Route::LIST_RUNNER_ITEMS.params().collect::<Vec<_>>(),
            ["user_id", "compute_cluster_id", "nodepool_id", "runner_id"]
        );
    }

    #[test]
    fn bodies_follow_the_bindings() {
        assert_eq!(Route::DELETE_INPUTS.body(), Body::Json);
        assert_eq!(Route::DELETE_APP.body(), Body::None);
        assert_eq!(Route::PUT_MODEL_VERSION_EXPORTS.body(), Body::None);
        assert_eq!(Route::CANCEL_INPUTS_ADD_JOB.verb(), Verb::Patch);
        assert!(Route::LIST_APPS.verb().is_read_only());
        assert!(!Route::POST_INPUTS.verb().is_read_only());
    }
}
