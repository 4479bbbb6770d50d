//! [`Model`]: predictions, versions, training, evaluation and export of one model (the Python
//! `Model`).

use std::time::Duration;

use bytes::Bytes;
use vision_sdk_common::internal::poll_until;
use vision_sdk_common::{MediaInput, PollSchedule, Probe};

use crate::client::{CallOptions, Clarifai};
use crate::error::{Error, Result, missing};
use crate::inputs::{data_from_bytes, data_from_url, read_media};
use crate::list::List;
use crate::models::{
    self, Concept, Input, MediaKind, ModelType, ModelTypeField, MultiEvalMetricsResponse,
    MultiModelTypeResponse, MultiModelVersionResponse, MultiOutputResponse, OutputConfig,
    RunnerSelector, SingleEvalMetricsResponse, SingleModelResponse,
    SingleModelVersionExportResponse, SingleModelVersionResponse, StatusOnly, Struct,
};
use crate::requests::apps;
use crate::requests::models::{
    self as model_requests, EvalDataset, EvalFields, MAX_PREDICT_INPUTS, ModelRef, PredictOptions,
};
use crate::status::StatusCode;
use crate::urls::ResourceUrl;

/// How long [`Model::wait_for_training`] waits by default.
pub const TRAINING_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// A model's handle (optionally pinned to a version): cheap, `Clone`, `'static`. Nothing is
/// fetched until a call (the Python `Model` loads its info lazily too).
///
/// ```no_run
/// use clarifai::models::MediaKind;
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let model = client.model_from_url("https://clarifai.com/clarifai/main/models/general-image-recognition")?;
/// let out = model
///     .predict_by_url("https://samples.clarifai.com/dog.jpg", MediaKind::Image)
///     .max_concepts(3)
///     .await?;
/// # let _ = out; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Model {
    client: Clarifai,
    model: ModelRef,
}

impl Clarifai {
    /// The model `model_id` of the default app.
    pub fn model(&self, model_id: impl Into<String>) -> Model {
        Model::new(self, ModelRef::new(self.default_scope(), model_id))
    }

    /// The model of a clarifai.com URL
    /// (`https://clarifai.com/{user}/{app}/models/{model}[/model_version_id/{v}]`).
    pub fn model_from_url(&self, url: &str) -> Result<Model> {
        let parsed = ResourceUrl::parse_model(url)?;
        let mut model = ModelRef::new(parsed.scope, parsed.id);
        if let Some(v) = parsed.version_id {
            model = model.with_version(v);
        }
        Ok(Model::new(self, model))
    }
}

impl Model {
    pub(crate) fn new(client: &Clarifai, model: ModelRef) -> Self {
        Self {
            client: client.clone(),
            model,
        }
    }

    /// The same model pinned to `version_id` (empty: the latest).
    #[must_use]
    pub fn version(&self, version_id: impl Into<String>) -> Self {
        Self::new(&self.client, self.model.clone().with_version(version_id))
    }

    /// Owner, app, model and version.
    pub fn reference(&self) -> &ModelRef {
        &self.model
    }

    /// The model id.
    pub fn id(&self) -> &str {
        &self.model.model_id
    }

    /// `GET {UA}/models/{m}[?version_id=…]`: the model with its version.
    pub async fn info(&self) -> Result<models::Model> {
        let r: SingleModelResponse = self
            .client
            .run("get_model", model_requests::get(&self.model))
            .await?;
        r.model.ok_or_else(|| missing("GetModel", "model"))
    }

    /// `Model.predict(inputs, inference_params, output_config)`: `POST …/outputs`
    /// (≤ 128 inputs).
    pub fn predict(&self, inputs: Vec<Input>) -> Predict {
        Predict {
            client: self.client.clone(),
            model: self.model.clone(),
            inputs: inputs
                .into_iter()
                .map(|i| PredictInput::Ready(Box::new(i)))
                .collect(),
            options: PredictOptions::default(),
            call: CallOptions::default(),
        }
    }

    /// `Model.predict_by_url(url, input_type)`.
    pub fn predict_by_url(&self, url: impl Into<String>, kind: MediaKind) -> Predict {
        self.predict(vec![Input::from_data(data_from_url(url.into(), kind))])
    }

    /// `Model.predict_by_bytes(input_bytes, input_type)`.
    pub fn predict_by_bytes(&self, bytes: impl Into<Bytes>, kind: MediaKind) -> Predict {
        self.predict(vec![Input::from_data(data_from_bytes(bytes.into(), kind))])
    }

    /// `Model.predict_by_filepath(filepath, input_type)`: read when sent.
    pub fn predict_by_filepath(
        &self,
        path: impl AsRef<std::path::Path>,
        kind: MediaKind,
    ) -> Predict {
        let mut p = self.predict(Vec::new());
        p.inputs
            .push(PredictInput::Media(MediaInput::from_path(path), kind));
        p
    }

    /// `Model.list_versions(page_no, per_page)`: `GET {UA}/models/{m}/versions`.
    pub fn list_versions(&self) -> List<MultiModelVersionResponse> {
        let model = self.model.clone();
        List::new(&self.client, "list_model_versions", move |p, n| {
            model_requests::list_versions(&model, p, n)
        })
    }

    /// `Model.create_version(**kwargs)`: `POST {UA}/models/{m}/versions`.
    pub async fn create_version(
        &self,
        version: models::ModelVersion,
    ) -> Result<models::ModelVersion> {
        let r: SingleModelResponse = self
            .client
            .run(
                "create_model_version",
                model_requests::create_version(&self.model, version),
            )
            .await?;
        r.model
            .and_then(|m| m.model_version)
            .ok_or_else(|| missing("PostModelVersions", "model_version"))
    }

    /// `GET {UA}/models/{m}/versions/{v}`.
    pub async fn get_version(&self, version_id: &str) -> Result<models::ModelVersion> {
        let r: SingleModelVersionResponse = self
            .client
            .run(
                "get_model_version",
                model_requests::get_version(&self.model, version_id),
            )
            .await?;
        r.model_version
            .ok_or_else(|| missing("GetModelVersion", "model_version"))
    }

    /// `Model.delete_version(version_id)`: `DELETE {UA}/models/{m}/versions/{v}`.
    pub async fn delete_version(&self, version_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_model_version",
                model_requests::delete_version(&self.model, version_id),
            )
            .await?;
        Ok(())
    }

    async fn model_type(&self) -> Result<ModelType> {
        let info = self.info().await?;
        let r: MultiModelTypeResponse = self
            .client
            .run(
                "list_model_types",
                apps::list_model_types(&self.model.scope),
            )
            .await?;
        r.model_types
            .into_iter()
            .find(|t| t.id == info.model_type_id)
            .ok_or_else(|| {
                Error::user(format!(
                    "model type `{}` is not listed by the app",
                    info.model_type_id
                ))
            })
    }

    fn template_field(t: &ModelType) -> Option<&ModelTypeField> {
        t.model_type_fields
            .iter()
            .find(|f| f.path == "train_info.params.template")
    }

    /// `Model.list_training_templates()`: the templates of the model's type.
    pub async fn list_training_templates(&self) -> Result<Vec<String>> {
        let t = self.model_type().await?;
        Ok(Self::template_field(&t)
            .map(|f| {
                f.model_type_enum_options
                    .iter()
                    .map(|o| o.id.clone())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `Model.get_params(template)`: the training parameters (`train_info.params.*`) with
    /// their defaults, for `template` (or the type's fields when there are no templates), as
    /// a JSON object to edit and pass to [`train`](Self::train). The SDK writes YAML; serialise
    /// this with the YAML library of your choice.
    pub async fn get_params(&self, template: Option<&str>) -> Result<Struct> {
        let t = self.model_type().await?;
        let fields: Vec<&ModelTypeField> = match (template, Self::template_field(&t)) {
            (Some(name), Some(field)) => {
                let option = field
                    .model_type_enum_options
                    .iter()
                    .find(|o| o.id == name)
                    .ok_or_else(|| {
                        Error::user(format!("`{name}` is not a training template of `{}`", t.id))
                    })?;
                option.model_type_fields.iter().collect()
            }
            _ => t.model_type_fields.iter().collect(),
        };
        let mut params = Struct::new();
        if let Some(name) = template {
            params.insert("template".into(), name.into());
        }
        for f in fields {
            if let Some(key) = f.path.strip_prefix("train_info.params.") {
                params.insert(key.to_owned(), f.default_value.clone());
            }
        }
        Ok(params)
    }

    /// `Model.get_param_info(param)`: the description, type and default of one parameter.
    pub async fn get_param_info(&self, param: &str) -> Result<ModelTypeField> {
        let t = self.model_type().await?;
        let path = format!("train_info.params.{param}");
        let mut all: Vec<&ModelTypeField> = t.model_type_fields.iter().collect();
        if let Some(tf) = Self::template_field(&t) {
            all.extend(
                tf.model_type_enum_options
                    .iter()
                    .flat_map(|o| o.model_type_fields.iter()),
            );
        }
        all.into_iter()
            .find(|f| f.path == path || f.path == param)
            .cloned()
            .ok_or_else(|| Error::user(format!("`{param}` is not a parameter of `{}`", t.id)))
    }

    /// `Model.train(yaml_file)`: `POST {UA}/models/{m}/versions` with `train_info.params`
    /// (from [`get_params`](Self::get_params), edited — the SDK's `update_params`), the
    /// concepts to learn and an output config. Returns the new version id.
    pub async fn train(
        &self,
        params: Struct,
        concepts: Vec<Concept>,
        output_config: OutputConfig,
    ) -> Result<String> {
        let r: SingleModelResponse = self
            .client
            .run(
                "train",
                model_requests::train(&self.model, params, concepts, output_config, Struct::new()),
            )
            .await?;
        r.model
            .and_then(|m| m.model_version)
            .map(|v| v.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| missing("PostModelVersions", "model_version.id"))
    }

    /// `Model.training_status(version_id)`: the version's status (21103 queued, 21101
    /// training, 21100 trained, 21102/21106–21119 failed).
    pub async fn training_status(&self, version_id: &str) -> Result<models::Status> {
        Ok(self
            .get_version(version_id)
            .await?
            .status
            .unwrap_or_default())
    }

    /// `Model.training_status(version_id, training_logs=True)`: the training log's text.
    pub async fn training_logs(&self, version_id: &str) -> Result<Bytes> {
        let version = self.get_version(version_id).await?;
        if version.train_log.is_empty() {
            return Err(Error::user(format!(
                "version {version_id} has no training log yet"
            )));
        }
        self.client
            .download("training_logs", &version.train_log)
            .await
    }

    /// Polls the version until it is trained (`Ok`) or failed ([`Error::Api`] with the
    /// failure code), for at most `timeout`.
    pub async fn wait_for_training(
        &self,
        version_id: &str,
        timeout: Duration,
    ) -> Result<models::ModelVersion> {
        let outcome = poll_until(
            &**self.client.clock(),
            &PollSchedule::fixed(Duration::from_secs(10)),
            timeout,
            || async {
                let v = self.get_version(version_id).await?;
                let code = v.status.as_ref().map(|s| s.code).unwrap_or_default();
                Ok::<_, Error>(
                    if code == StatusCode::MODEL_TRAINED
                        || code == StatusCode::MODEL_UNTRAINED
                        || code.code() >= 21106 && code.code() <= 21119
                    {
                        Probe::Ready(v)
                    } else {
                        Probe::Pending(v)
                    },
                )
            },
        )
        .await?;
        match outcome.ready() {
            Ok(v) => {
                let status = v.status.clone().unwrap_or_default();
                if status.code == StatusCode::MODEL_TRAINED {
                    Ok(v)
                } else {
                    Err(crate::ApiError::from_status(
                        "GetModelVersion",
                        version_id.to_owned(),
                        &status,
                        None,
                    )
                    .into())
                }
            }
            Err(last) => Err(Error::WaitTimeout {
                what: format!("training of {}/{version_id}", self.model.model_id),
                waited: timeout,
                last: last.status.map(|s| s.code).unwrap_or_default(),
            }),
        }
    }

    /// `Model.evaluate(dataset_id, dataset_app_id, dataset_user_id, eval_id, eval_info)`:
    /// `POST {UA}/evaluations` (the handle must be pinned to a version).
    pub async fn evaluate(
        &self,
        dataset: EvalDataset,
        eval_id: &str,
        eval_params: Struct,
    ) -> Result<models::EvalMetrics> {
        let r: MultiEvalMetricsResponse = self
            .client
            .run(
                "evaluate",
                model_requests::evaluate(&self.model, &dataset, eval_id, eval_params),
            )
            .await?;
        r.eval_metrics
            .into_iter()
            .next()
            .ok_or_else(|| missing("PostEvaluations", "eval_metrics"))
    }

    /// `Model.list_evaluations()`: `GET {UA}/models/{m}/versions/{v}/evaluations`.
    pub async fn list_evaluations(&self) -> Result<Vec<models::EvalMetrics>> {
        let version = self.pinned_version()?;
        let r: MultiEvalMetricsResponse = self
            .client
            .run(
                "list_evaluations",
                model_requests::list_evaluations(&self.model, &version),
            )
            .await?;
        Ok(r.eval_metrics)
    }

    /// `Model.get_eval_by_id(eval_id, label_counts, test_set, …)`: `GET {UA}/evaluations/{id}`.
    pub async fn get_eval_by_id(
        &self,
        eval_id: &str,
        fields: EvalFields,
    ) -> Result<models::EvalMetrics> {
        let r: SingleEvalMetricsResponse = self
            .client
            .run(
                "get_eval_by_id",
                model_requests::get_evaluation(&self.model.scope, eval_id, fields),
            )
            .await?;
        r.eval_metrics
            .ok_or_else(|| missing("GetEvaluation", "eval_metrics"))
    }

    /// `Model.get_latest_eval(…)`: the newest evaluation of the pinned version (`None` if
    /// there is none).
    pub async fn get_latest_eval(&self, fields: EvalFields) -> Result<Option<models::EvalMetrics>> {
        let evals = self.list_evaluations().await?;
        // The server lists the newest first (the SDK takes `list_evaluations()[0]`).
        let Some(latest) = evals.into_iter().next() else {
            return Ok(None);
        };
        self.get_eval_by_id(&latest.id, fields).await.map(Some)
    }

    /// `Model.export(export_dir)`: `PUT …/versions/{v}/exports`, then polls
    /// `GET …/exports` every second until the export has a URL (at most `timeout`), and
    /// downloads the tarball.
    pub async fn export(&self, timeout: Duration) -> Result<Bytes> {
        let version = self.pinned_version()?;
        let _: SingleModelVersionExportResponse = self
            .client
            .run(
                "export_model",
                model_requests::put_export(&self.model, &version),
            )
            .await?;
        let outcome = poll_until(
            &**self.client.clock(),
            &PollSchedule::fixed(Duration::from_secs(1)),
            timeout,
            || async {
                let r: SingleModelVersionExportResponse = self
                    .client
                    .run(
                        "export_model",
                        model_requests::get_export(&self.model, &version),
                    )
                    .await?;
                let export = r.export.unwrap_or_default();
                Ok::<_, Error>(if export.url.is_empty() {
                    Probe::Pending(export)
                } else {
                    Probe::Ready(export)
                })
            },
        )
        .await?;
        match outcome.ready() {
            Ok(export) => self.client.download("export_model", &export.url).await,
            Err(last) => Err(Error::WaitTimeout {
                what: format!("export of {}/{version}", self.model.model_id),
                waited: timeout,
                last: last.status.map(|s| s.code).unwrap_or_default(),
            }),
        }
    }

    fn pinned_version(&self) -> Result<String> {
        self.model
            .version_id
            .clone()
            .ok_or_else(|| Error::user("this call needs a model version: use `.version(id)`"))
    }
}

#[derive(Debug, Clone)]
enum PredictInput {
    Ready(Box<Input>),
    Media(MediaInput, MediaKind),
}

/// A prediction (see [`Model::predict`]). Idempotent: retried on throttling, warm-up codes,
/// 429/502/503/504 and transport failures.
#[derive(Debug, Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct Predict {
    client: Clarifai,
    model: ModelRef,
    inputs: Vec<PredictInput>,
    options: PredictOptions,
    call: CallOptions,
}

impl Predict {
    /// Inference parameters (`temperature`, `max_tokens`, …; the Python `inference_params`).
    pub fn inference_params(mut self, params: Struct) -> Self {
        self.options.inference_params = params;
        self
    }

    /// One inference parameter.
    pub fn inference_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.options
            .inference_params
            .insert(key.into(), value.into());
        self
    }

    /// The whole output config (the Python `output_config`).
    pub fn output_config(mut self, config: OutputConfig) -> Self {
        self.options.output_config = Some(config);
        self
    }

    /// `output_config.max_concepts`.
    pub fn max_concepts(mut self, n: u32) -> Self {
        self.options
            .output_config
            .get_or_insert_with(OutputConfig::default)
            .max_concepts = n;
        self
    }

    /// `output_config.min_value`.
    pub fn min_value(mut self, v: f32) -> Self {
        self.options
            .output_config
            .get_or_insert_with(OutputConfig::default)
            .min_value = v;
        self
    }

    /// `output_config.select_concepts` (values left unset).
    pub fn select_concepts(mut self, concepts: Vec<Concept>) -> Self {
        self.options
            .output_config
            .get_or_insert_with(OutputConfig::default)
            .select_concepts = concepts;
        self
    }

    /// Routes to a deployment or nodepool (`runner_selector`).
    pub fn runner_selector(mut self, selector: RunnerSelector) -> Self {
        self.options.runner_selector = Some(selector);
        self
    }

    /// The timeout of each request of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call.
    pub fn retry_policy(mut self, policy: vision_sdk_common::RetryPolicy) -> Self {
        self.call.retry = Some(policy);
        self
    }

    /// Sends the prediction; outputs come back one per input, in order, each with its status.
    pub async fn send(self) -> Result<MultiOutputResponse> {
        if self.inputs.len() > MAX_PREDICT_INPUTS {
            return Err(Error::user(format!(
                "{} inputs given; at most {MAX_PREDICT_INPUTS} are allowed per request",
                self.inputs.len()
            )));
        }
        let mut inputs = Vec::with_capacity(self.inputs.len());
        for input in self.inputs {
            inputs.push(match input {
                PredictInput::Ready(i) => *i,
                PredictInput::Media(media, kind) => {
                    Input::from_data(data_from_bytes(read_media(&media).await?, kind))
                }
            });
        }
        let request = model_requests::predict(&self.model, &inputs, &self.options)?;
        self.client.call("predict", request, &self.call).await
    }
}

into_future!(Predict => MultiOutputResponse);
