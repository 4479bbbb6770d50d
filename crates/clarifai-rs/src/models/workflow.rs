use super::{Image, Input, Model, Output, OutputInfo, Status, Visibility};
use crate::proto_json::Struct;

message! {
    /// `Workflow`: a graph of model nodes run on each input.
    pub struct Workflow {
        /// The workflow id.
        pub id: String,
        /// The app.
        pub app_id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// The nodes.
        pub nodes: Vec<WorkflowNode>,
        /// Free metadata.
        pub metadata: Struct,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// The owner.
        pub user_id: String,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// The version held.
        pub version: Option<WorkflowVersion>,
        /// Starred by the caller.
        pub is_starred: bool,
        /// Number of stars.
        pub star_count: i32,
        /// A description.
        pub description: String,
        /// Notes (Markdown).
        pub notes: String,
        /// Use cases.
        pub use_cases: Vec<String>,
        /// Consents to check.
        pub check_consents: Vec<String>,
        /// Cover image.
        pub image: Option<Image>,
    }
}

identified!(Workflow => "workflow");

impl Workflow {
    /// A workflow reference: id, app and owner (the shape of `App.default_workflow`).
    pub fn reference(
        id: impl Into<String>,
        app_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            app_id: app_id.into(),
            user_id: user_id.into(),
            ..Self::default()
        }
    }
}

message! {
    /// `WorkflowVersion`.
    pub struct WorkflowVersion {
        /// The version id.
        pub id: String,
        /// The workflow.
        pub workflow_id: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// The nodes of this version.
        pub nodes: Vec<WorkflowNode>,
        /// Free metadata.
        pub metadata: Struct,
        /// The app.
        pub app_id: String,
        /// The owner.
        pub user_id: String,
        /// A description.
        pub description: String,
        /// The license.
        pub license: String,
        /// Deprecated version.
        pub is_deprecated: bool,
    }
}

identified!(WorkflowVersion => "workflow version");

message! {
    /// `WorkflowNode`: one model of a workflow and the nodes it takes input from.
    pub struct WorkflowNode {
        /// The node id.
        pub id: String,
        /// The node's model (id, owner, app, version).
        pub model: Option<Model>,
        /// The nodes feeding this one (none: the workflow input).
        pub node_inputs: Vec<NodeInput>,
        /// Leave this node out of the results.
        pub suppress_output: bool,
        /// Output settings overriding the model's.
        pub output_info_override: Option<OutputInfo>,
    }
}

message! {
    /// `NodeInput`: `{"node_id": …}`.
    pub struct NodeInput {
        /// The feeding node.
        pub node_id: String,
    }
}

message! {
    /// `WorkflowState`: the state kept between workflow predictions (tracking).
    pub struct WorkflowState {
        /// The state id (`"init"` starts a new one).
        pub id: String,
    }
}

message! {
    /// `WorkflowResult`: every node's output for one input.
    pub struct WorkflowResult {
        /// The result id.
        pub id: String,
        /// This input's status.
        pub status: Option<Status>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// The input.
        pub input: Option<Input>,
        /// One output per (unsuppressed) node; `outputs[j].model.id` names the node's model.
        pub outputs: Vec<Output>,
        /// Whether outputs were suppressed.
        pub suppress_output: bool,
    }
}

message! {
    /// `PostWorkflowResultsResponse`.
    pub struct PostWorkflowResultsResponse {
        /// The call's status.
        pub status: Status,
        /// The workflow run.
        pub workflow: Option<Workflow>,
        /// One result per input, in input order.
        pub results: Vec<WorkflowResult>,
        /// The state to pass to the next call.
        pub workflow_state: Option<WorkflowState>,
    }
}

message! {
    /// `SingleWorkflowResponse` (`GetWorkflow`).
    pub struct SingleWorkflowResponse {
        /// The call's status.
        pub status: Status,
        /// The workflow; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub workflow: Option<Workflow>,
    }
}

message! {
    /// `MultiWorkflowResponse` (`ListWorkflows`, `PostWorkflows`).
    pub struct MultiWorkflowResponse {
        /// The call's status.
        pub status: Status,
        /// The workflows; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub workflows: Vec<Workflow>,
    }
}

message! {
    /// `MultiWorkflowVersionResponse` (`ListWorkflowVersions`).
    pub struct MultiWorkflowVersionResponse {
        /// The call's status.
        pub status: Status,
        /// The versions; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub workflow_versions: Vec<WorkflowVersion>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_results() {
        let r: PostWorkflowResultsResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"results":[{"status":{"code":10000},"input":{"id":"i"},"outputs":[{"id":"o1","model":{"id":"general"},"data":{"concepts":[{"id":"dog","value":0.9}]}},{"id":"o2","model":{"id":"embed"},"data":{"embeddings":[{"vector":[0.5,0.25],"num_dimensions":2}]}}]}],"workflow_state":{"id":"s1"}}"#,
        )
        .unwrap();
        let outs = &r.results[0].outputs;
        assert_eq!(outs[1].model.as_ref().unwrap().id, "embed");
        assert_eq!(
            outs[1].data.as_ref().unwrap().embeddings[0].vector,
            [0.5, 0.25]
        );
        assert_eq!(r.workflow_state.unwrap().id, "s1");
        assert!(
            serde_json::from_str::<MultiWorkflowResponse>(r#"{"workflows":[{"nodes":[]}]}"#)
                .is_err()
        );
    }
}
