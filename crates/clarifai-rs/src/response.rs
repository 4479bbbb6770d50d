//! What every response body has: a `status`; what list responses hold: items.

use serde::de::DeserializeOwned;

use crate::models::*;

/// A response body: decodable, with the call's `status`.
pub trait ApiResponse: DeserializeOwned + Send + 'static {
    /// The call's status.
    fn status(&self) -> &Status;
}

/// A list response: its items.
pub trait ListResponse: ApiResponse {
    /// What the list holds.
    type Item: Send + 'static;
    /// The items of one page.
    fn into_items(self) -> Vec<Self::Item>;
}

macro_rules! responses {
    ($($ty:ty),* $(,)?) => {
        $(impl ApiResponse for $ty {
            fn status(&self) -> &Status {
                &self.status
            }
        })*
    };
}

macro_rules! lists {
    ($($ty:ty => $field:ident : $item:ty),* $(,)?) => {
        $(impl ListResponse for $ty {
            type Item = $item;
            fn into_items(self) -> Vec<$item> {
                self.$field
            }
        })*
    };
}

responses!(
    StatusOnly,
    MultiAnnotationResponse,
    SingleAppResponse,
    MultiAppResponse,
    MultiConceptResponse,
    SingleDatasetResponse,
    MultiDatasetResponse,
    MultiDatasetInputResponse,
    SingleDatasetVersionResponse,
    MultiDatasetVersionResponse,
    MultiDatasetVersionExportResponse,
    MultiDatasetVersionMetricsGroupResponse,
    MultiInputResponse,
    SingleInputResponse,
    SingleInputCountResponse,
    SingleInputsAddJobResponse,
    SingleModelResponse,
    MultiModelResponse,
    SingleModelVersionResponse,
    MultiModelVersionResponse,
    SingleModelTypeResponse,
    MultiModelTypeResponse,
    SingleEvalMetricsResponse,
    MultiEvalMetricsResponse,
    SingleModelVersionExportResponse,
    MultiOutputResponse,
    MultiRunnerItemResponse,
    SingleRunnerResponse,
    MultiRunnerResponse,
    MultiSearchResponse,
    SingleUserResponse,
    PostWorkflowResultsResponse,
    SingleWorkflowResponse,
    MultiWorkflowResponse,
    MultiWorkflowVersionResponse,
);

lists!(
    MultiAnnotationResponse => annotations: Annotation,
    MultiAppResponse => apps: App,
    MultiConceptResponse => concepts: Concept,
    MultiDatasetResponse => datasets: Dataset,
    MultiDatasetVersionResponse => dataset_versions: DatasetVersion,
    MultiInputResponse => inputs: Input,
    MultiModelResponse => models: Model,
    MultiModelVersionResponse => model_versions: ModelVersion,
    MultiEvalMetricsResponse => eval_metrics: EvalMetrics,
    MultiRunnerResponse => runners: Runner,
    MultiSearchResponse => hits: Hit,
    MultiWorkflowResponse => workflows: Workflow,
    MultiWorkflowVersionResponse => workflow_versions: WorkflowVersion,
);

impl ListResponse for MultiDatasetInputResponse {
    type Item = Input;
    fn into_items(self) -> Vec<Input> {
        self.dataset_inputs
            .into_iter()
            .filter_map(|d| d.input)
            .collect()
    }
}
