//! The stream API (servers started with `ENABLE_STREAM_API=True`): inference pipelines that
//! run a workflow on a video stream on the server. A server without it answers
//! [`Error::NotAvailable`](crate::Error::NotAvailable).
//!
//! As the official client does, the key goes in a JSON body, on the `GET` routes too (the
//! server reads it there). Nothing is retried.

use serde_json::Value;
use vision_sdk_common::reqwest::Method;

use crate::client::{Body, CallOptions, InferenceClient, KeyIn};
use crate::error::{Error, Result};
use crate::retry::RetryClass;

impl InferenceClient {
    /// `POST /inference_pipelines/initialise`: starts a pipeline running the named workflow on
    /// `video_reference` (a camera index, a file or an RTSP URL the server can open)
    /// (`start_inference_pipeline_with_workflow`).
    pub fn start_inference_pipeline_with_workflow(
        &self,
        video_reference: impl Into<Value>,
        workspace: impl Into<String>,
        workflow_id: impl Into<String>,
    ) -> StartPipelineCall {
        StartPipelineCall {
            client: self.clone(),
            video_reference: video_reference.into(),
            workflow: Workflow::Named(workspace.into(), workflow_id.into()),
            image_input_name: "image".into(),
            max_fps: None,
            workflows_parameters: None,
            results_buffer_size: 64,
            options: CallOptions::default(),
        }
    }

    /// Like [`start_inference_pipeline_with_workflow`](Self::start_inference_pipeline_with_workflow)
    /// with an inline workflow specification.
    pub fn start_inference_pipeline_with_specification(
        &self,
        video_reference: impl Into<Value>,
        specification: Value,
    ) -> StartPipelineCall {
        let mut call = self.start_inference_pipeline_with_workflow(video_reference, "", "");
        call.workflow = Workflow::Specification(specification);
        call
    }

    /// `GET /inference_pipelines/list` (`list_inference_pipelines`).
    pub async fn list_inference_pipelines(&self) -> Result<Value> {
        self.pipeline_call("list_inference_pipelines", Method::GET, &["list"], None)
            .await
    }

    /// `GET /inference_pipelines/{id}/status` (`get_inference_pipeline_status`).
    pub async fn get_inference_pipeline_status(&self, pipeline_id: &str) -> Result<Value> {
        let id = checked_id(pipeline_id)?;
        self.pipeline_call(
            "get_inference_pipeline_status",
            Method::GET,
            &[id, "status"],
            None,
        )
        .await
    }

    /// `POST /inference_pipelines/{id}/pause` (`pause_inference_pipeline`).
    pub async fn pause_inference_pipeline(&self, pipeline_id: &str) -> Result<Value> {
        let id = checked_id(pipeline_id)?;
        self.pipeline_call(
            "pause_inference_pipeline",
            Method::POST,
            &[id, "pause"],
            None,
        )
        .await
    }

    /// `POST /inference_pipelines/{id}/resume` (`resume_inference_pipeline`).
    pub async fn resume_inference_pipeline(&self, pipeline_id: &str) -> Result<Value> {
        let id = checked_id(pipeline_id)?;
        self.pipeline_call(
            "resume_inference_pipeline",
            Method::POST,
            &[id, "resume"],
            None,
        )
        .await
    }

    /// `POST /inference_pipelines/{id}/terminate` (`terminate_inference_pipeline`).
    pub async fn terminate_inference_pipeline(&self, pipeline_id: &str) -> Result<Value> {
        let id = checked_id(pipeline_id)?;
        self.pipeline_call(
            "terminate_inference_pipeline",
            Method::POST,
            &[id, "terminate"],
            None,
        )
        .await
    }

    /// `GET /inference_pipelines/{id}/consume`: the results buffered so far
    /// (`consume_inference_pipeline_result`).
    pub fn consume_inference_pipeline_result(&self, pipeline_id: impl Into<String>) -> ConsumeCall {
        ConsumeCall {
            client: self.clone(),
            pipeline_id: pipeline_id.into(),
            excluded_fields: None,
        }
    }

    async fn pipeline_call(
        &self,
        operation: &'static str,
        method: Method,
        tail: &[&str],
        body: Option<Body>,
    ) -> Result<Value> {
        let mut segments = vec!["inference_pipelines"];
        segments.extend_from_slice(tail);
        let spec = self.request(method, self.url(&segments), KeyIn::Body);
        let spec = match body {
            Some(body) => Self::json_body(spec, &body)?,
            None => spec,
        };
        self.execute_json(operation, RetryClass::Never, spec, &CallOptions::default())
            .await
    }
}

fn checked_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::InvalidInput("the pipeline id is empty".into()));
    }
    Ok(id)
}

#[derive(Debug, Clone)]
enum Workflow {
    Named(String, String),
    Specification(Value),
}

/// The builder of [`InferenceClient::start_inference_pipeline_with_workflow`].
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct StartPipelineCall {
    client: InferenceClient,
    video_reference: Value,
    workflow: Workflow,
    image_input_name: String,
    max_fps: Option<f64>,
    workflows_parameters: Option<Value>,
    results_buffer_size: u32,
    options: CallOptions,
}

impl StartPipelineCall {
    call_option_setters!();

    /// The workflow input that receives the frames (default `image`).
    pub fn image_input_name(mut self, name: impl Into<String>) -> Self {
        self.image_input_name = name.into();
        self
    }
    /// At most this many frames per second.
    pub fn max_fps(mut self, fps: f64) -> Self {
        self.max_fps = Some(fps);
        self
    }
    /// The workflow's parameter inputs.
    pub fn workflows_parameters(mut self, parameters: Value) -> Self {
        self.workflows_parameters = Some(parameters);
        self
    }
    /// How many results the server buffers for `consume` (default 64).
    pub fn results_buffer_size(mut self, size: u32) -> Self {
        self.results_buffer_size = size;
        self
    }

    /// Sends the call; the server's answer (with the pipeline id) as JSON.
    pub async fn send(self) -> Result<Value> {
        let mut video = serde_json::Map::new();
        video.insert("type".into(), "VideoConfiguration".into());
        video.insert("video_reference".into(), self.video_reference.clone());
        if let Some(fps) = self.max_fps {
            video.insert("max_fps".into(), fps.into());
        }
        let mut processing = serde_json::Map::new();
        processing.insert("type".into(), "WorkflowConfiguration".into());
        match &self.workflow {
            Workflow::Named(workspace, workflow_id) => {
                if workspace.trim().is_empty() || workflow_id.trim().is_empty() {
                    return Err(Error::InvalidInput(
                        "the workspace and the workflow id must not be empty".into(),
                    ));
                }
                processing.insert("workspace_name".into(), workspace.clone().into());
                processing.insert("workflow_id".into(), workflow_id.clone().into());
            }
            Workflow::Specification(spec) => {
                processing.insert("workflow_specification".into(), spec.clone());
            }
        }
        processing.insert(
            "image_input_name".into(),
            self.image_input_name.clone().into(),
        );
        if let Some(parameters) = &self.workflows_parameters {
            processing.insert("workflows_parameters".into(), parameters.clone());
        }
        let mut body = Body::new();
        body.insert("video_configuration", Value::Object(video));
        body.insert("processing_configuration", Value::Object(processing));
        body.insert(
            "sink_configuration",
            serde_json::json!({"type": "MemorySinkConfiguration", "results_buffer_size": self.results_buffer_size}),
        );
        let client = &self.client;
        let spec = client.request(
            Method::POST,
            client.url(&["inference_pipelines", "initialise"]),
            KeyIn::Body,
        );
        let spec = InferenceClient::json_body(spec, &body)?;
        client
            .execute_json(
                "start_inference_pipeline_with_workflow",
                RetryClass::Never,
                spec,
                &self.options,
            )
            .await
    }
}

into_future!(StartPipelineCall => Value);

/// The builder of [`InferenceClient::consume_inference_pipeline_result`].
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct ConsumeCall {
    client: InferenceClient,
    pipeline_id: String,
    excluded_fields: Option<Vec<String>>,
}

impl ConsumeCall {
    /// Outputs the server leaves out.
    pub fn excluded_fields<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        fields: I,
    ) -> Self {
        self.excluded_fields = Some(fields.into_iter().map(Into::into).collect());
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Value> {
        let id = checked_id(&self.pipeline_id)?.to_owned();
        let body = self.excluded_fields.map(|fields| {
            let mut body = Body::new();
            body.insert("excluded_fields", fields);
            body
        });
        self.client
            .pipeline_call(
                "consume_inference_pipeline_result",
                Method::GET,
                &[&id, "consume"],
                body,
            )
            .await
    }
}

into_future!(ConsumeCall => Value);
