//! Workflows: running one (named, or an inline specification), describing its interface and
//! workload, validating a specification, and the block catalogue.
//!
//! Runs and descriptions are retried as upstream (429/503/504, connect errors and timeouts,
//! while `workflow_run_retries_enabled`); the catalogue calls are not retried.

use serde_json::Value;
use vision_sdk_common::internal::execute::HttpResponse;
use vision_sdk_common::reqwest::Method;

use crate::client::{Body, CallOptions, InferenceClient, KeyIn};
use crate::error::{Error, Result};
use crate::input::Image;
use crate::models::{
    ExecutionEngineVersions, WorkflowInterface, WorkflowResponse, WorkflowValidationStatus,
};
use crate::retry::RetryClass;

#[derive(Debug, Clone)]
enum Target {
    Named {
        workspace: String,
        workflow_id: String,
    },
    Specification(Value),
}

#[derive(Debug, Clone)]
enum ImageInput {
    One(Image),
    Many(Vec<Image>),
}

impl InferenceClient {
    /// Runs the workflow `workflow_id` of `workspace`
    /// (`POST /{workspace}/workflows/{workflow_id}`; the official `run_workflow`).
    ///
    /// ```no_run
    /// use roboflow_infer::{Image, InferenceClient};
    /// # async fn run(client: InferenceClient) -> roboflow_infer::Result<()> {
    /// let result = client
    ///     .run_workflow("my-workspace", "count-dogs")
    ///     .image("image", Image::from_path("dog.jpg"))
    ///     .parameter("confidence", 0.3)
    ///     .excluded_fields(["visualization"])
    ///     .await?;
    /// println!("{:?}", result.outputs[0].get("count"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_workflow(
        &self,
        workspace: impl Into<String>,
        workflow_id: impl Into<String>,
    ) -> WorkflowCall {
        WorkflowCall::new(
            self.clone(),
            Target::Named {
                workspace: workspace.into(),
                workflow_id: workflow_id.into(),
            },
        )
    }

    /// Runs an inline workflow specification (`POST /workflows/run`; the official
    /// `run_workflow(specification=…)`).
    pub fn run_workflow_specification(&self, specification: Value) -> WorkflowCall {
        WorkflowCall::new(self.clone(), Target::Specification(specification))
    }

    /// The deprecated `infer_from_workflow` routes (`POST /infer/workflows/{workspace}/{id}`).
    #[deprecated(note = "the server deprecated these routes; use run_workflow")]
    pub fn infer_from_workflow(
        &self,
        workspace: impl Into<String>,
        workflow_id: impl Into<String>,
    ) -> WorkflowCall {
        let mut call = self.run_workflow(workspace, workflow_id);
        call.legacy = true;
        call
    }

    /// The deprecated `infer_from_workflow(specification=…)` route (`POST /infer/workflows`).
    #[deprecated(note = "the server deprecated these routes; use run_workflow_specification")]
    pub fn infer_from_workflow_specification(&self, specification: Value) -> WorkflowCall {
        let mut call = self.run_workflow_specification(specification);
        call.legacy = true;
        call
    }

    /// The inputs, outputs and kinds of a named workflow
    /// (`POST /{workspace}/workflows/{id}/describe_interface`; no official method).
    pub fn describe_workflow_interface(
        &self,
        workspace: impl Into<String>,
        workflow_id: impl Into<String>,
    ) -> DescribeInterfaceCall {
        DescribeInterfaceCall::new(
            self.clone(),
            Target::Named {
                workspace: workspace.into(),
                workflow_id: workflow_id.into(),
            },
            "describe_interface",
        )
    }

    /// The interface of an inline specification (`POST /workflows/describe_interface`).
    pub fn describe_workflow_specification_interface(
        &self,
        specification: Value,
    ) -> DescribeInterfaceCall {
        DescribeInterfaceCall::new(
            self.clone(),
            Target::Specification(specification),
            "describe_interface",
        )
    }

    /// [EXPERIMENTAL on the server] the compile-time workload of a named workflow
    /// (`POST /{workspace}/workflows/{id}/describe_workload`), as JSON.
    pub fn describe_workload(
        &self,
        workspace: impl Into<String>,
        workflow_id: impl Into<String>,
    ) -> DescribeInterfaceCall {
        DescribeInterfaceCall::new(
            self.clone(),
            Target::Named {
                workspace: workspace.into(),
                workflow_id: workflow_id.into(),
            },
            "describe_workload",
        )
    }

    /// The workload of an inline specification (`POST /workflows/describe_workload`).
    pub fn describe_specification_workload(&self, specification: Value) -> DescribeInterfaceCall {
        DescribeInterfaceCall::new(
            self.clone(),
            Target::Specification(specification),
            "describe_workload",
        )
    }

    /// `POST /workflows/validate` (key in the query): whether a specification compiles.
    pub async fn validate_workflow(
        &self,
        specification: &Value,
    ) -> Result<WorkflowValidationStatus> {
        let spec = self.request(
            Method::POST,
            self.url(&["workflows", "validate"]),
            KeyIn::Query,
        );
        let spec = spec.json(specification).map_err(Error::Http)?;
        self.execute_json(
            "validate_workflow",
            RetryClass::Workflow,
            spec,
            &CallOptions::default(),
        )
        .await
    }

    /// `GET /workflows/blocks/describe`: every block's manifest and the kinds (as JSON);
    /// `.air_gapped(true)` asks for the blocks that run without internet access.
    ///
    /// ```no_run
    /// # async fn run(client: roboflow_infer::InferenceClient) -> roboflow_infer::Result<()> {
    /// let all = client.describe_blocks().await?;
    /// let offline = client.describe_blocks().air_gapped(true).await?;
    /// # let _ = (all, offline);
    /// # Ok(())
    /// # }
    /// ```
    pub fn describe_blocks(&self) -> DescribeBlocksCall {
        DescribeBlocksCall {
            client: self.clone(),
            body: None,
            air_gapped: None,
            options: CallOptions::default(),
        }
    }

    /// `POST /workflows/blocks/describe`: the catalogue including dynamic (Python) blocks
    /// and for a given execution-engine version (`.air_gapped(..)` as for
    /// [`describe_blocks`](Self::describe_blocks)).
    pub fn describe_blocks_with(
        &self,
        dynamic_blocks_definitions: Option<Value>,
        execution_engine_version: Option<&str>,
    ) -> DescribeBlocksCall {
        let mut body = Body::new();
        body.insert_opt("dynamic_blocks_definitions", dynamic_blocks_definitions);
        body.insert_opt("execution_engine_version", execution_engine_version);
        DescribeBlocksCall {
            client: self.clone(),
            body: Some(body),
            air_gapped: None,
            options: CallOptions::default(),
        }
    }

    /// `GET /workflows/execution_engine/versions`.
    pub async fn execution_engine_versions(&self) -> Result<ExecutionEngineVersions> {
        let spec = self.request(
            Method::GET,
            self.url(&["workflows", "execution_engine", "versions"]),
            KeyIn::None,
        );
        self.execute_json(
            "execution_engine_versions",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }

    /// `GET /workflows/definition/schema`: the JSON schema of workflow definitions.
    pub async fn workflow_definition_schema(&self) -> Result<Value> {
        let spec = self.request(
            Method::GET,
            self.url(&["workflows", "definition", "schema"]),
            KeyIn::None,
        );
        self.execute_json(
            "workflow_definition_schema",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }

    /// `POST /workflows/blocks/dynamic_outputs`: the outputs a step manifest would have.
    pub async fn workflow_block_dynamic_outputs(&self, step_manifest: &Value) -> Result<Value> {
        let spec = self.request(
            Method::POST,
            self.url(&["workflows", "blocks", "dynamic_outputs"]),
            KeyIn::None,
        );
        let spec = spec.json(step_manifest).map_err(Error::Http)?;
        self.execute_json(
            "workflow_block_dynamic_outputs",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }
}

/// The builder of a workflow run. Owns a client clone; `.send()` or `.await` it.
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct WorkflowCall {
    client: InferenceClient,
    target: Target,
    legacy: bool,
    images: Vec<(String, ImageInput)>,
    parameters: Vec<(String, Value)>,
    excluded_fields: Option<Vec<String>>,
    workflow_version_id: Option<String>,
    use_cache: bool,
    enable_profiling: bool,
    disable_sinks: Option<bool>,
    debug: Option<bool>,
    options: CallOptions,
}

impl WorkflowCall {
    fn new(client: InferenceClient, target: Target) -> Self {
        Self {
            client,
            target,
            legacy: false,
            images: Vec::new(),
            parameters: Vec::new(),
            excluded_fields: None,
            workflow_version_id: None,
            use_cache: true,
            enable_profiling: false,
            disable_sinks: None,
            debug: None,
            options: CallOptions::default(),
        }
    }

    call_option_setters!();

    /// An image input (the official `images={"image": …}`).
    pub fn image(mut self, name: impl Into<String>, image: impl Into<Image>) -> Self {
        self.images
            .push((name.into(), ImageInput::One(image.into())));
        self
    }
    /// A batch of images for one input: the workflow runs once per image, one output each.
    pub fn images<I>(mut self, name: impl Into<String>, images: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Image>,
    {
        let images = images.into_iter().map(Into::into).collect();
        self.images.push((name.into(), ImageInput::Many(images)));
        self
    }
    /// A parameter input (the official `parameters={…}`).
    pub fn parameter(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters.push((name.into(), value.into()));
        self
    }
    /// Outputs the server leaves out of the answer.
    pub fn excluded_fields<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        fields: I,
    ) -> Self {
        self.excluded_fields = Some(fields.into_iter().map(Into::into).collect());
        self
    }
    /// A version of a named workflow.
    pub fn workflow_version_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_version_id = Some(id.into());
        self
    }
    /// Whether the server may use its cached definition (default `true`).
    pub fn use_cache(mut self, use_cache: bool) -> Self {
        self.use_cache = use_cache;
        self
    }
    /// Whether the server profiles the run (default `false`; the trace is
    /// [`WorkflowResponse::profiler_trace`]).
    pub fn enable_profiling(mut self, enable: bool) -> Self {
        self.enable_profiling = enable;
        self
    }
    /// Whether sink blocks (uploads, webhooks) are skipped.
    pub fn disable_sinks(mut self, disable: bool) -> Self {
        self.disable_sinks = Some(disable);
        self
    }
    /// `debug`: what custom Python blocks print, and their `debug_traces`, come back in
    /// [`WorkflowResponse::python_blocks_output_streams`] /
    /// [`python_blocks_debug_traces`](WorkflowResponse::python_blocks_debug_traces)
    /// (server 1.8.3; the official client has no such option).
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = Some(debug);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<WorkflowResponse> {
        let operation = if self.legacy {
            "infer_from_workflow"
        } else {
            "run_workflow"
        };
        let client = &self.client;
        let url = match (&self.target, self.legacy) {
            (
                Target::Named {
                    workspace,
                    workflow_id,
                },
                false,
            ) => {
                check_names(workspace, workflow_id)?;
                client.url(&[workspace, "workflows", workflow_id])
            }
            (
                Target::Named {
                    workspace,
                    workflow_id,
                },
                true,
            ) => {
                check_names(workspace, workflow_id)?;
                client.url(&["infer", "workflows", workspace, workflow_id])
            }
            (Target::Specification(_), false) => client.url(&["workflows", "run"]),
            (Target::Specification(_), true) => client.url(&["infer", "workflows"]),
        };
        let mut inputs = serde_json::Map::new();
        for (name, input) in &self.images {
            let value = match input {
                ImageInput::One(image) => image.load(client, &self.options).await?.to_json(),
                ImageInput::Many(images) => {
                    let mut list = Vec::with_capacity(images.len());
                    for image in images {
                        list.push(image.load(client, &self.options).await?.to_json());
                    }
                    Value::Array(list)
                }
            };
            inputs.insert(name.clone(), value);
        }
        for (name, value) in &self.parameters {
            inputs.insert(name.clone(), value.clone());
        }
        let mut body = Body::new();
        body.insert("use_cache", self.use_cache);
        body.insert("enable_profiling", self.enable_profiling);
        body.insert_opt("disable_sinks", self.disable_sinks);
        body.insert_opt("debug", self.debug);
        body.insert("inputs", Value::Object(inputs));
        body.insert_opt("excluded_fields", self.excluded_fields.clone());
        body.insert_opt("workflow_version_id", self.workflow_version_id.clone());
        if let Target::Specification(specification) = &self.target {
            body.insert("specification", specification.clone());
        }
        let spec = client.request(Method::POST, url, KeyIn::Body);
        let spec = InferenceClient::json_body(spec, &body)?;
        client
            .execute_json(operation, RetryClass::Workflow, spec, &self.options)
            .await
    }
}

into_future!(WorkflowCall => WorkflowResponse);

fn check_names(workspace: &str, workflow_id: &str) -> Result<()> {
    if workspace.trim().is_empty() || workflow_id.trim().is_empty() {
        return Err(Error::InvalidInput(
            "the workspace and the workflow id must not be empty".into(),
        ));
    }
    Ok(())
}

/// The builder of a workflow description (interface or workload).
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct DescribeInterfaceCall {
    client: InferenceClient,
    target: Target,
    what: &'static str,
    use_cache: bool,
    workflow_version_id: Option<String>,
    options: CallOptions,
}

impl DescribeInterfaceCall {
    fn new(client: InferenceClient, target: Target, what: &'static str) -> Self {
        Self {
            client,
            target,
            what,
            use_cache: true,
            workflow_version_id: None,
            options: CallOptions::default(),
        }
    }

    call_option_setters!();

    /// Whether the server may use its cached definition (named workflows; default `true`).
    pub fn use_cache(mut self, use_cache: bool) -> Self {
        self.use_cache = use_cache;
        self
    }
    /// A version of a named workflow.
    pub fn workflow_version_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_version_id = Some(id.into());
        self
    }

    async fn raw(self) -> Result<(&'static str, HttpResponse)> {
        let client = &self.client;
        let operation = if self.what == "describe_interface" {
            "describe_workflow_interface"
        } else {
            "describe_workload"
        };
        let mut body = Body::new();
        let url = match &self.target {
            Target::Named {
                workspace,
                workflow_id,
            } => {
                check_names(workspace, workflow_id)?;
                body.insert("use_cache", self.use_cache);
                body.insert_opt("workflow_version_id", self.workflow_version_id.clone());
                client.url(&[workspace, "workflows", workflow_id, self.what])
            }
            Target::Specification(specification) => {
                body.insert("specification", specification.clone());
                client.url(&["workflows", self.what])
            }
        };
        let spec = client.request(Method::POST, url, KeyIn::Body);
        let spec = InferenceClient::json_body(spec, &body)?;
        let response = client
            .execute(operation, RetryClass::Workflow, spec, &self.options)
            .await?;
        Ok((operation, response))
    }

    /// Sends the call; the answer as JSON (a workload, or an interface).
    pub async fn send(self) -> Result<Value> {
        let (operation, response) = self.raw().await?;
        Ok(response.json(operation)?)
    }

    /// Sends an interface description and decodes it.
    pub async fn interface(self) -> Result<WorkflowInterface> {
        let (operation, response) = self.raw().await?;
        Ok(response.json(operation)?)
    }
}

into_future!(DescribeInterfaceCall => Value);

/// The builder of [`InferenceClient::describe_blocks`] and
/// [`InferenceClient::describe_blocks_with`]; `.send()` or `.await` it.
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct DescribeBlocksCall {
    client: InferenceClient,
    /// `None`: the `GET` form; `Some`: the `POST` form with this body.
    body: Option<Body>,
    air_gapped: Option<bool>,
    options: CallOptions,
}

impl DescribeBlocksCall {
    call_option_setters!();

    /// `?air_gapped=`: only the blocks usable without internet access (server default false).
    pub fn air_gapped(mut self, air_gapped: bool) -> Self {
        self.air_gapped = Some(air_gapped);
        self
    }

    /// Sends the call (not retried).
    pub async fn send(self) -> Result<Value> {
        let client = &self.client;
        let url = client.url(&["workflows", "blocks", "describe"]);
        let spec = match &self.body {
            None => client.request(Method::GET, url, KeyIn::None),
            Some(_) => client.request(Method::POST, url, KeyIn::Body),
        };
        let spec = match self.air_gapped {
            Some(air_gapped) => {
                spec.query([("air_gapped", if air_gapped { "true" } else { "false" })])
            }
            None => spec,
        };
        let spec = match &self.body {
            Some(body) => InferenceClient::json_body(spec, body)?,
            None => spec,
        };
        client
            .execute_json("describe_blocks", RetryClass::Never, spec, &self.options)
            .await
    }
}

into_future!(DescribeBlocksCall => Value);
