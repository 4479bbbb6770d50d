//! [`Workflow`]: predictions, versions and export of one workflow (the Python `Workflow`).

use bytes::Bytes;
use vision_sdk_common::MediaInput;

use crate::client::{CallOptions, Clarifai};
use crate::error::{Error, Result, missing};
use crate::inputs::{data_from_bytes, data_from_url, read_media};
use crate::list::List;
use crate::models::{
    self, Input, MediaKind, MultiWorkflowVersionResponse, OutputConfig,
    PostWorkflowResultsResponse, SingleWorkflowResponse,
};
use crate::requests::workflows::{
    self as workflow_requests, MAX_WORKFLOW_PREDICT_INPUTS, WorkflowRef,
};
use crate::urls::ResourceUrl;

/// A workflow's handle: cheap, `Clone`, `'static`.
///
/// ```no_run
/// use clarifai::models::MediaKind;
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let wf = client.workflow_from_url("https://clarifai.com/clarifai/main/workflows/General")?;
/// let out = wf.predict_by_url("https://samples.clarifai.com/dog.jpg", MediaKind::Image).await?;
/// for node in &out.results[0].outputs { println!("{:?}", node.model.as_ref().map(|m| &m.id)); }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Workflow {
    client: Clarifai,
    workflow: WorkflowRef,
    output_config: OutputConfig,
}

impl Clarifai {
    /// The workflow `workflow_id` of the default app.
    pub fn workflow(&self, workflow_id: impl Into<String>) -> Workflow {
        Workflow::new(self, WorkflowRef::new(self.default_scope(), workflow_id))
    }

    /// The workflow of a clarifai.com URL (`…/workflows/{id}[/…/{version}]`).
    pub fn workflow_from_url(&self, url: &str) -> Result<Workflow> {
        let parsed = ResourceUrl::parse_workflow(url)?;
        let mut wf = WorkflowRef::new(parsed.scope, parsed.id);
        if let Some(v) = parsed.version_id {
            wf = wf.with_version(v);
        }
        Ok(Workflow::new(self, wf))
    }
}

impl Workflow {
    pub(crate) fn new(client: &Clarifai, workflow: WorkflowRef) -> Self {
        Self {
            client: client.clone(),
            workflow,
            output_config: OutputConfig::default(),
        }
    }

    /// The same workflow pinned to a version.
    #[must_use]
    pub fn version(&self, version_id: impl Into<String>) -> Self {
        let mut w = self.clone();
        w.workflow = w.workflow.with_version(version_id);
        w
    }

    /// The output config of every prediction (the Python `output_config`, default
    /// `{'min_value': 0}`: nothing filtered): `min_value`, `max_concepts`, `select_concepts`,
    /// `sample_ms`.
    #[must_use]
    pub fn with_output_config(mut self, config: OutputConfig) -> Self {
        self.output_config = config;
        self
    }

    /// Owner, app, workflow, version.
    pub fn reference(&self) -> &WorkflowRef {
        &self.workflow
    }

    /// `GET {UA}/workflows/{w}`.
    pub async fn info(&self) -> Result<models::Workflow> {
        let r: SingleWorkflowResponse = self
            .client
            .run(
                "get_workflow",
                workflow_requests::get(&self.workflow.scope, &self.workflow.workflow_id),
            )
            .await?;
        r.workflow.ok_or_else(|| missing("GetWorkflow", "workflow"))
    }

    /// `Workflow.predict(inputs, workflow_state_id)`: `POST …/results` (≤ 32 inputs).
    pub fn predict(&self, inputs: Vec<Input>) -> WorkflowPredict {
        WorkflowPredict {
            client: self.client.clone(),
            workflow: self.workflow.clone(),
            inputs: inputs.into_iter().map(|i| (Some(i), None)).collect(),
            output_config: self.output_config.clone(),
            state: None,
            options: CallOptions::default(),
        }
    }

    /// `Workflow.predict_by_url(url, input_type)`.
    pub fn predict_by_url(&self, url: impl Into<String>, kind: MediaKind) -> WorkflowPredict {
        self.predict(vec![Input::from_data(data_from_url(url.into(), kind))])
    }

    /// `Workflow.predict_by_bytes(input_bytes, input_type)`.
    pub fn predict_by_bytes(&self, bytes: impl Into<Bytes>, kind: MediaKind) -> WorkflowPredict {
        self.predict(vec![Input::from_data(data_from_bytes(bytes.into(), kind))])
    }

    /// `Workflow.predict_by_filepath(filepath, input_type)`: read when sent.
    pub fn predict_by_filepath(
        &self,
        path: impl AsRef<std::path::Path>,
        kind: MediaKind,
    ) -> WorkflowPredict {
        let mut p = self.predict(Vec::new());
        p.inputs
            .push((None, Some((MediaInput::from_path(path), kind))));
        p
    }

    /// `Workflow.list_versions(page_no, per_page)`.
    pub fn list_versions(&self) -> List<MultiWorkflowVersionResponse> {
        let wf = self.workflow.clone();
        List::new(&self.client, "list_workflow_versions", move |p, n| {
            workflow_requests::list_versions(&wf, p, n)
        })
    }

    /// `Workflow.export(out_path)`: the workflow as the SDK's YAML (`workflow: {id, nodes:
    /// [{id, model: {model_id, model_version_id}, node_inputs}]}`).
    pub async fn export(&self) -> Result<String> {
        let wf = self.info().await?;
        Ok(export_yaml(&wf))
    }
}

/// The SDK's export layout, written as YAML.
pub fn export_yaml(wf: &models::Workflow) -> String {
    let mut out = String::from("workflow:\n");
    out.push_str(&format!("  id: {}\n  nodes:\n", yaml_scalar(&wf.id)));
    for node in &wf.nodes {
        out.push_str(&format!("  - id: {}\n", yaml_scalar(&node.id)));
        if let Some(model) = &node.model {
            out.push_str(&format!(
                "    model:\n      model_id: {}\n",
                yaml_scalar(&model.id)
            ));
            if let Some(v) = model.version_id() {
                out.push_str(&format!("      model_version_id: {}\n", yaml_scalar(v)));
            }
        }
        if !node.node_inputs.is_empty() {
            out.push_str("    node_inputs:\n");
            for input in &node.node_inputs {
                out.push_str(&format!("    - node_id: {}\n", yaml_scalar(&input.node_id)));
            }
        }
    }
    out
}

fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "~")
        && s.parse::<f64>().is_err();
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// An input given, or a file to read at send time.
type WorkflowInput = (Option<Input>, Option<(MediaInput, MediaKind)>);

/// A workflow prediction (see [`Workflow::predict`]).
#[derive(Debug, Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct WorkflowPredict {
    client: Clarifai,
    workflow: WorkflowRef,
    inputs: Vec<WorkflowInput>,
    output_config: OutputConfig,
    state: Option<String>,
    options: CallOptions,
}

impl WorkflowPredict {
    /// The workflow state to continue (the Python `workflow_state_id`).
    pub fn workflow_state_id(mut self, id: impl Into<String>) -> Self {
        self.state = Some(id.into());
        self
    }

    /// Replaces the output config for this call.
    pub fn output_config(mut self, config: OutputConfig) -> Self {
        self.output_config = config;
        self
    }

    /// `output_config.sample_ms` (video sampling).
    pub fn sample_ms(mut self, ms: u32) -> Self {
        self.output_config.sample_ms = ms;
        self
    }

    call_options!();

    /// Sends the prediction: one result per input, one output per node.
    pub async fn send(self) -> Result<PostWorkflowResultsResponse> {
        if self.inputs.len() > MAX_WORKFLOW_PREDICT_INPUTS {
            return Err(Error::user(format!(
                "{} inputs given; at most {MAX_WORKFLOW_PREDICT_INPUTS} are allowed per request",
                self.inputs.len()
            )));
        }
        let mut inputs = Vec::with_capacity(self.inputs.len());
        for (ready, media) in self.inputs {
            match (ready, media) {
                (Some(i), _) => inputs.push(i),
                (None, Some((m, kind))) => inputs.push(Input::from_data(data_from_bytes(
                    read_media(&m).await?,
                    kind,
                ))),
                (None, None) => {}
            }
        }
        let request = workflow_requests::predict(
            &self.workflow,
            &inputs,
            Some(&self.output_config),
            self.state.as_deref(),
        )?;
        self.client
            .call("workflow_predict", request, &self.options)
            .await
    }
}

into_future!(WorkflowPredict => PostWorkflowResultsResponse);
