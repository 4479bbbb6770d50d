//! Models: create, list, get, versions, predict, train, evaluate, export.

use super::datasets::ids;
use super::{
    ApiRequest, IdsRequest, PostEvaluationsRequest, PostModelOutputsRequest,
    PostModelVersionsRequest, PostModelsRequest, check_batch, require,
};
use crate::error::Result;
use crate::models::{
    Concept, Data, Dataset, DatasetVersion, EvalInfo, EvalMetrics, Input, Model, ModelVersion,
    OutputConfig, OutputInfo, RunnerSelector, TrainInfo, UserAppIdSet,
};
use crate::proto_json::Struct;
use crate::routes::Route;

/// At most this many inputs per prediction (the SDK's `MAX_MODEL_PREDICT_INPUTS`).
pub const MAX_PREDICT_INPUTS: usize = 128;

/// A model of an app, optionally pinned to a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRef {
    /// Owner and app.
    pub scope: UserAppIdSet,
    /// The model id.
    pub model_id: String,
    /// The version; `None` = the latest.
    pub version_id: Option<String>,
}

impl ModelRef {
    /// The latest version of `model_id` in `scope`.
    pub fn new(scope: UserAppIdSet, model_id: impl Into<String>) -> Self {
        Self {
            scope,
            model_id: model_id.into(),
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

    fn params(&self) -> [(&'static str, &str); 1] {
        [("model_id", self.model_id.as_str())]
    }
}

/// `App.create_model(model_id, model_type_id=…)`: `POST {UA}/models` (the response is a single
/// model).
pub fn create(scope: &UserAppIdSet, model: Model) -> Result<ApiRequest> {
    require("model id", &model.id)?;
    ApiRequest::in_app(Route::POST_MODELS, scope, &[])?.with_json(&PostModelsRequest {
        models: vec![model],
    })
}

/// `App.list_models(page_no, per_page)`: `GET {UA}/models` (`only_in_app` filters the
/// answers on `app_id`, client-side).
pub fn list(scope: &UserAppIdSet, page: Option<u32>, per_page: Option<u32>) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(Route::LIST_MODELS, scope, &[])?.with_page(page, per_page))
}

/// `App.model(model_id, model_version)` / lazy `Model` load: `GET {UA}/models/{m}?version_id=…`.
pub fn get(model: &ModelRef) -> Result<ApiRequest> {
    let r = ApiRequest::in_app(Route::GET_MODEL, &model.scope, &model.params())?;
    Ok(match &model.version_id {
        Some(v) => r.with_query("version_id", v.clone()),
        None => r,
    })
}

/// `App.delete_model(model_id)`: `DELETE {UA}/models` `{"ids": […]}`.
pub fn delete(scope: &UserAppIdSet, model_ids: &[&str]) -> Result<ApiRequest> {
    let ids = ids("model", model_ids)?;
    ApiRequest::in_app(Route::DELETE_MODELS, scope, &[])?.with_json(&IdsRequest { ids })
}

/// `GetModelType` (the SDK's `load_input_types`): `GET {UA}/models/types/{model_type_id}`.
pub fn get_model_type(scope: &UserAppIdSet, model_type_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::GET_MODEL_TYPE,
        scope,
        &[("model_type_id", model_type_id)],
    )
}

/// `Model.list_versions(page_no, per_page)`: `GET {UA}/models/{m}/versions`.
pub fn list_versions(
    model: &ModelRef,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(
        ApiRequest::in_app(Route::LIST_MODEL_VERSIONS, &model.scope, &model.params())?
            .with_page(page, per_page),
    )
}

/// `Model.create_version(**kwargs)`: `POST {UA}/models/{m}/versions`.
pub fn create_version(model: &ModelRef, version: ModelVersion) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::POST_MODEL_VERSIONS, &model.scope, &model.params())?.with_json(
        &PostModelVersionsRequest {
            model_versions: vec![version],
            ..PostModelVersionsRequest::default()
        },
    )
}

/// `Model.training_status(version_id)`: `GET {UA}/models/{m}/versions/{v}`.
pub fn get_version(model: &ModelRef, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::GET_MODEL_VERSION,
        &model.scope,
        &[("model_id", &model.model_id), ("version_id", version_id)],
    )
}

/// `Model.delete_version(version_id)`: `DELETE {UA}/models/{m}/versions/{v}`.
pub fn delete_version(model: &ModelRef, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::DELETE_MODEL_VERSION,
        &model.scope,
        &[("model_id", &model.model_id), ("version_id", version_id)],
    )
}

/// Per-request settings of a prediction.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PredictOptions {
    /// Inference parameters (`temperature`, `max_tokens`, …) →
    /// `model.model_version.output_info.params`.
    pub inference_params: Struct,
    /// `min_value`, `max_concepts`, `select_concepts` →
    /// `model.model_version.output_info.output_config`.
    pub output_config: Option<OutputConfig>,
    /// Deployment or nodepool routing (`runner_selector`).
    pub runner_selector: Option<RunnerSelector>,
}

/// `Model.predict(inputs, inference_params, output_config)` and every `predict_by_*`:
/// `POST {UA}/models/{m}[/versions/{v}]/outputs`, at most [`MAX_PREDICT_INPUTS`] inputs.
pub fn predict(model: &ModelRef, inputs: &[Input], options: &PredictOptions) -> Result<ApiRequest> {
    check_batch("inputs", inputs, MAX_PREDICT_INPUTS)?;
    require("model id", &model.model_id)?;
    let r = match &model.version_id {
        Some(v) => ApiRequest::in_app(
            Route::POST_MODEL_VERSION_OUTPUTS,
            &model.scope,
            &[("model_id", &model.model_id), ("version_id", v)],
        )?,
        None => ApiRequest::in_app(Route::POST_MODEL_OUTPUTS, &model.scope, &model.params())?,
    };
    let settings = !options.inference_params.is_empty() || options.output_config.is_some();
    let rest = PostModelOutputsRequest {
        model: settings.then(|| Model {
            model_version: Some(ModelVersion {
                output_info: Some(OutputInfo {
                    output_config: options.output_config.clone(),
                    params: options.inference_params.clone(),
                    ..OutputInfo::default()
                }),
                ..ModelVersion::default()
            }),
            ..Model::default()
        }),
        runner_selector: options.runner_selector.clone(),
        ..PostModelOutputsRequest::default()
    };
    r.with_inputs_json(inputs, &rest)
}

/// `Model.train(yaml_file)`: `POST {UA}/models/{m}/versions` with `train_info.params`, the
/// concepts to learn (values left unset) and the output config.
pub fn train(
    model: &ModelRef,
    train_params: Struct,
    concepts: Vec<Concept>,
    output_config: OutputConfig,
    inference_params: Struct,
) -> Result<ApiRequest> {
    let version = ModelVersion {
        train_info: Some(TrainInfo {
            params: train_params,
            ..TrainInfo::default()
        }),
        output_info: Some(OutputInfo {
            data: (!concepts.is_empty()).then(|| Data {
                concepts,
                ..Data::default()
            }),
            output_config: Some(output_config),
            params: inference_params,
            ..OutputInfo::default()
        }),
        ..ModelVersion::default()
    };
    create_version(model, version)
}

/// The dataset an evaluation runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalDataset {
    /// The dataset's owner and app (the model's when the SDK's `dataset_*_id` are not given).
    pub scope: UserAppIdSet,
    /// The dataset.
    pub dataset_id: String,
    /// The dataset version, if pinned.
    pub version_id: Option<String>,
}

/// `Model.evaluate(dataset_id, …, eval_id, eval_info)`: `POST {UA}/evaluations`. The model
/// must be pinned to a version.
pub fn evaluate(
    model: &ModelRef,
    dataset: &EvalDataset,
    eval_id: &str,
    eval_params: Struct,
) -> Result<ApiRequest> {
    let version_id = model
        .version_id
        .as_deref()
        .ok_or_else(|| crate::Error::user("evaluate needs a model version id"))?;
    require("dataset id", &dataset.dataset_id)?;
    let metrics = EvalMetrics {
        id: eval_id.to_owned(),
        model: Some(Box::new(Model {
            id: model.model_id.clone(),
            app_id: model.scope.app_id.clone(),
            user_id: model.scope.user_id.clone(),
            model_version: Some(ModelVersion::new(version_id)),
            ..Model::default()
        })),
        ground_truth_dataset: Some(Dataset {
            id: dataset.dataset_id.clone(),
            app_id: dataset.scope.app_id.clone(),
            user_id: dataset.scope.user_id.clone(),
            version: dataset
                .version_id
                .as_ref()
                .map(|v| Box::new(DatasetVersion::new(v.clone()))),
            ..Dataset::default()
        }),
        eval_info: (!eval_params.is_empty()).then(|| EvalInfo {
            params: eval_params,
        }),
        ..EvalMetrics::default()
    };
    ApiRequest::in_app(Route::POST_EVALUATIONS, &model.scope, &[])?.with_json(
        &PostEvaluationsRequest {
            eval_metrics: vec![metrics],
        },
    )
}

/// The field flags of `Model.get_eval_by_id` / `get_latest_eval` (`fields.<flag>=true`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvalFields {
    /// `label_counts`
    pub label_counts: bool,
    /// `test_set`
    pub test_set: bool,
    /// `binary_metrics`
    pub binary_metrics: bool,
    /// `confusion_matrix`
    pub confusion_matrix: bool,
    /// `metrics_by_class`
    pub metrics_by_class: bool,
    /// `metrics_by_area`
    pub metrics_by_area: bool,
}

/// `Model.get_eval_by_id(eval_id, flags…)`: `GET {UA}/evaluations/{id}?fields.…=true`.
pub fn get_evaluation(
    scope: &UserAppIdSet,
    eval_id: &str,
    fields: EvalFields,
) -> Result<ApiRequest> {
    let mut r = ApiRequest::in_app(Route::GET_EVALUATION, scope, &[("evaluation_id", eval_id)])?;
    for (on, key) in [
        (fields.label_counts, "fields.label_counts"),
        (fields.test_set, "fields.test_set"),
        (fields.binary_metrics, "fields.binary_metrics"),
        (fields.confusion_matrix, "fields.confusion_matrix"),
        (fields.metrics_by_class, "fields.metrics_by_class"),
        (fields.metrics_by_area, "fields.metrics_by_area"),
    ] {
        if on {
            r = r.with_query(key, "true");
        }
    }
    Ok(r)
}

/// `Model.list_evaluations()` / `get_latest_eval`: `GET {UA}/models/{m}/versions/{v}/evaluations`.
pub fn list_evaluations(model: &ModelRef, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::LIST_MODEL_VERSION_EVALUATIONS,
        &model.scope,
        &[
            ("model_id", &model.model_id),
            ("model_version_id", version_id),
        ],
    )
}

/// `Model.export()` polling: `GET {UA}/models/{m}/versions/{v}/exports`.
pub fn get_export(model: &ModelRef, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::GET_MODEL_VERSION_EXPORT,
        &model.scope,
        &[("model_id", &model.model_id), ("version_id", version_id)],
    )
}

/// `Model.export()` start: `PUT {UA}/models/{m}/versions/{v}/exports` (no body).
pub fn put_export(model: &ModelRef, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::PUT_MODEL_VERSION_EXPORTS,
        &model.scope,
        &[("model_id", &model.model_id), ("version_id", version_id)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Image;

    fn model() -> ModelRef {
        ModelRef::new(UserAppIdSet::new("alice", "a"), "m1")
    }

    #[test]
    fn predict_limits_and_settings() {
        let input = Input::from_data(Data::image(Image::from_url("https://x/y.jpg")));
        let too_many = vec![input.clone(); 129];
        let err = predict(&model(), &too_many, &PredictOptions::default()).unwrap_err();
        assert!(err.to_string().contains("at most 128"), "{err}");
        assert!(predict(&model(), &[], &PredictOptions::default()).is_err());
        let options = PredictOptions {
            runner_selector: Some(RunnerSelector::deployment("d1", "alice")),
            ..PredictOptions::default()
        };
        let r = predict(&model(), &[input], &options).unwrap();
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"inputs":[{"data":{"image":{"url":"https://x/y.jpg"}}}],"runner_selector":{"deployment":{"id":"d1","user_id":"alice"}}}"#
        );
    }

    #[test]
    fn evaluation_calls() {
        let fields = EvalFields {
            confusion_matrix: true,
            metrics_by_class: true,
            ..EvalFields::default()
        };
        let r = get_evaluation(&model().scope, "e1", fields).unwrap();
        assert_eq!(
            r.path_and_query(),
            "/v2/users/alice/apps/a/evaluations/e1?fields.confusion_matrix=true&fields.metrics_by_class=true"
        );
        let ds = EvalDataset {
            scope: model().scope,
            dataset_id: "ds1".into(),
            version_id: None,
        };
        assert!(evaluate(&model(), &ds, "e1", Struct::new()).is_err());
        assert_eq!(put_export(&model(), "v1").unwrap().body(), None);
        assert_eq!(model().with_version("").version_id, None);
    }
}
