//! Workflows: create, list, get, delete, versions, predict.

use super::datasets::ids;
use super::{
    ApiRequest, IdsRequest, PostWorkflowResultsRequest, PostWorkflowsRequest, check_batch,
};
use crate::error::{Error, Result};
use crate::models::{Input, OutputConfig, UserAppIdSet, Workflow, WorkflowState};
use crate::routes::Route;

/// At most this many inputs per workflow prediction (the SDK's `MAX_WORKFLOW_PREDICT_INPUTS`).
pub const MAX_WORKFLOW_PREDICT_INPUTS: usize = 32;

/// A workflow of an app, optionally pinned to a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkflowRef {
    /// Owner and app.
    pub scope: UserAppIdSet,
    /// The workflow id.
    pub workflow_id: String,
    /// The version; `None` = the latest.
    pub version_id: Option<String>,
}

impl WorkflowRef {
    /// The latest version of `workflow_id` in `scope`.
    pub fn new(scope: UserAppIdSet, workflow_id: impl Into<String>) -> Self {
        Self {
            scope,
            workflow_id: workflow_id.into(),
            version_id: None,
        }
    }

    /// Pins a version (an empty id means the latest).
    #[must_use]
    pub fn with_version(mut self, version_id: impl Into<String>) -> Self {
        let v = version_id.into();
        self.version_id = (!v.is_empty()).then_some(v);
        self
    }
}

/// `App.create_workflow(config)`: `POST {UA}/workflows` (the nodes' models must exist).
pub fn create(scope: &UserAppIdSet, workflow: Workflow) -> Result<ApiRequest> {
    if workflow.id.is_empty() {
        return Err(Error::user("workflow id is empty"));
    }
    if workflow.nodes.is_empty() {
        return Err(Error::user(format!(
            "workflow {} has no nodes",
            workflow.id
        )));
    }
    ApiRequest::in_app(Route::POST_WORKFLOWS, scope, &[])?.with_json(&PostWorkflowsRequest {
        workflows: vec![workflow],
    })
}

/// `App.list_workflows(page_no, per_page)`: `GET {UA}/workflows`.
pub fn list(scope: &UserAppIdSet, page: Option<u32>, per_page: Option<u32>) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(Route::LIST_WORKFLOWS, scope, &[])?.with_page(page, per_page))
}

/// `App.workflow(workflow_id)` / `Workflow.export()`: `GET {UA}/workflows/{w}`.
pub fn get(scope: &UserAppIdSet, workflow_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_WORKFLOW, scope, &[("workflow_id", workflow_id)])
}

/// `App.delete_workflow(workflow_id)`: `DELETE {UA}/workflows` `{"ids": […]}`.
pub fn delete(scope: &UserAppIdSet, workflow_ids: &[&str]) -> Result<ApiRequest> {
    let ids = ids("workflow", workflow_ids)?;
    ApiRequest::in_app(Route::DELETE_WORKFLOWS, scope, &[])?.with_json(&IdsRequest { ids })
}

/// `Workflow.list_versions(page_no, per_page)`: `GET {UA}/workflows/{w}/versions`.
pub fn list_versions(
    workflow: &WorkflowRef,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(
        Route::LIST_WORKFLOW_VERSIONS,
        &workflow.scope,
        &[("workflow_id", &workflow.workflow_id)],
    )?
    .with_page(page, per_page))
}

/// `Workflow.predict(inputs, workflow_state_id)` and every `predict_by_*`:
/// `POST {UA}/workflows/{w}[/versions/{v}]/results`, at most
/// [`MAX_WORKFLOW_PREDICT_INPUTS`] inputs. The SDK's `Workflow(output_config={'min_value': 0})`
/// default encodes as `"output_config": {}`.
pub fn predict(
    workflow: &WorkflowRef,
    inputs: &[Input],
    output_config: Option<&OutputConfig>,
    workflow_state_id: Option<&str>,
) -> Result<ApiRequest> {
    check_batch("inputs", inputs, MAX_WORKFLOW_PREDICT_INPUTS)?;
    let r = match &workflow.version_id {
        Some(v) => ApiRequest::in_app(
            Route::POST_WORKFLOW_VERSION_RESULTS,
            &workflow.scope,
            &[("workflow_id", &workflow.workflow_id), ("version_id", v)],
        )?,
        None => ApiRequest::in_app(
            Route::POST_WORKFLOW_RESULTS,
            &workflow.scope,
            &[("workflow_id", &workflow.workflow_id)],
        )?,
    };
    r.with_inputs_json(
        inputs,
        &PostWorkflowResultsRequest {
            output_config: output_config.cloned(),
            workflow_state: workflow_state_id.map(|id| WorkflowState { id: id.to_owned() }),
            ..PostWorkflowResultsRequest::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Data, Text};

    #[test]
    fn predict_limits_and_state() {
        let wf = WorkflowRef::new(UserAppIdSet::new("alice", "a"), "w");
        let input = Input::from_data(Data::text(Text::from_raw("x")));
        let err = predict(&wf, &vec![input.clone(); 33], None, None).unwrap_err();
        assert!(err.to_string().contains("at most 32"), "{err}");
        let config = OutputConfig {
            sample_ms: 500,
            ..OutputConfig::default()
        };
        let r = predict(&wf, &[input], Some(&config), Some("init")).unwrap();
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"inputs":[{"data":{"text":{"raw":"x"}}}],"output_config":{"sample_ms":500},"workflow_state":{"id":"init"}}"#
        );
        assert!(create(&wf.scope, Workflow::default()).is_err());
        let w = Workflow {
            id: "w".into(),
            ..Workflow::default()
        };
        assert!(create(&wf.scope, w).is_err());
    }
}
