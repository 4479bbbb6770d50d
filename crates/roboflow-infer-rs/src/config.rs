//! [`InferenceConfiguration`]: every field of the official `InferenceConfiguration`
//! (`inference_sdk/http/entities.py`, 1.8.3) and how each goes on the wire.
//!
//! | field | v1 JSON body member | v0 query parameter |
//! |---|---|---|
//! | `confidence_threshold` | `confidence` | `confidence` |
//! | `keypoint_confidence_threshold` | `keypoint_confidence` (keypoints) | `keypoint_confidence` |
//! | `format` | – | `format` |
//! | `mask_decode_mode`, `tradeoff_factor` | same (instance segmentation) | same |
//! | `max_candidates` | `max_candidates` | – |
//! | `max_detections` | `max_detections` | `max_detections` |
//! | `iou_threshold` | `iou_threshold` | **`overlap`** |
//! | `stroke_width` | **`visualization_stroke_width`** | **`stroke`** |
//! | `visualize_labels` | **`visualization_labels`** | **`labels`** |
//! | `visualize_predictions` | `visualize_predictions`, **always sent** (default `false`) | – (use `format=image`) |
//! | `disable_preproc_auto_orientation` | **`disable_preproc_auto_orient`** | **`disable_preproc_auto_orient`** |
//! | `disable_preproc_contrast` / `_grayscale` / `_static_crop` | same | same |
//! | `class_agnostic_nms`, `fix_batch_size` | same | – |
//! | `class_filter` | `class_filter` (list) | `class_filter`, comma-joined (see below) |
//! | `include_anomaly_map` | same (classification) | same |
//! | `count_inference` | query `countinference` | `countinference` |
//! | `service_secret` | query `service_secret` | `service_secret` |
//! | `disable_active_learning` | same, **always sent** (default `false`) | same, **always sent** |
//! | `active_learning_target_dataset`, `source`, `source_info` | same | same |
//! | `response_mask_format` | same (instance segmentation) | same |
//! | `allow_reduced_mask_resolution` | same, **always sent** for instance segmentation | same, **always sent** |
//! | `enforce_dense_masks_in_inference_models` (not in the official one; a server member) | same (instance segmentation), sent when set | – |
//! | `output_visualisation_format`, `image_extensions_for_directory_scan`, `client_downsizing_disabled`, `default_max_input_size`, `max_concurrent_requests`, `max_batch_size`, `profiling_directory`, `workflow_run_retries_enabled`, `api_key_transport` | client side only | client side only |
//!
//! Every field is an `Option`: `None` means "not chosen", is not sent, and lets a per-call
//! configuration be merged over the client's ([`InferenceConfiguration::overridden_by`]). The
//! accessors (`effective_*`) give the official defaults for the client-side fields.
//!
//! Booleans in v0 queries are spelled `True` / `False` and floats `0.5` / `1.0`, as the official
//! client's `requests` does (the server accepts `true`/`false`/`1`/`0` as well). Differences
//! from the official client, on purpose: `class_filter` is also sent on v0 (comma-joined, which
//! the server's legacy route parses; the official client drops it there silently), the
//! `service_secret` is a [`Secret`] kept out of [`v0_query`](InferenceConfiguration::v0_query)
//! (the client adds it as a redacted query parameter), and semantic segmentation, multi-label
//! classification and action recognition have v1 members (the official client refuses them).

use std::path::PathBuf;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use vision_sdk_common::Secret;

use crate::TaskType;

/// `confidence_threshold`: a number, or the server-side choices `"best"` / `"default"`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Confidence {
    /// A threshold in `0..=1` (the server divides values `>= 1` by 100).
    Value(f64),
    /// `"best"`: the model's optimal threshold, as the platform measured it.
    Best,
    /// `"default"`: the model's default threshold.
    Default,
}

impl Confidence {
    fn to_json(self) -> Value {
        match self {
            Self::Value(v) => Value::from(v),
            Self::Best => Value::from("best"),
            Self::Default => Value::from("default"),
        }
    }

    fn to_query(self) -> String {
        match self {
            Self::Value(v) => py_float(v),
            Self::Best => "best".to_owned(),
            Self::Default => "default".to_owned(),
        }
    }
}

impl From<f64> for Confidence {
    fn from(value: f64) -> Self {
        Self::Value(value)
    }
}

impl From<f32> for Confidence {
    fn from(value: f32) -> Self {
        Self::Value(f64::from(value))
    }
}

open_enum! {
    /// `format` of the v0 route: what the response holds.
    pub enum ResponseFormat {
        /// Predictions as JSON (the server's default).
        Json = "json",
        /// Only the visualisation, as a JPEG body.
        Image = "image",
        /// Predictions plus a base64 `visualization`.
        ImageAndJson = "image_and_json",
    }
}

open_enum! {
    /// `mask_decode_mode` of instance segmentation.
    pub enum MaskDecodeMode {
        /// Full-resolution masks (the server's default).
        Accurate = "accurate",
        /// Masks at the prototype resolution.
        Fast = "fast",
        /// In between, by `tradeoff_factor`.
        Tradeoff = "tradeoff",
    }
}

open_enum! {
    /// How instance-segmentation masks come back (`response_mask_format`, `mask_format`).
    pub enum MaskFormat {
        /// Polygon points (the server's default).
        Polygon = "polygon",
        /// COCO run-length encoding.
        Rle = "rle",
    }
}

/// `output_visualisation_format`: what the client does with base64 images it receives
/// (visualisations, workflow image outputs). The official NUMPY / PILLOW choices are decoded
/// pixels; here [`Bytes`](Self::Bytes) gives the encoded image bytes (decode them with the
/// `image` crate if you need pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum VisualisationFormat {
    /// Keep the base64 text (the official default).
    #[default]
    Base64,
    /// Decode to the image's bytes (JPEG, PNG).
    Bytes,
}

/// `api_key_transport`: where the API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiKeyTransport {
    /// v0: `?api_key=`; v1: an `"api_key"` body member; registry: `?api_key=` (the default).
    #[default]
    Legacy,
    /// Only `Authorization: Bearer <key>` (servers >= 1.5.0).
    Header,
    /// Legacy and the header.
    Both,
}

impl ApiKeyTransport {
    /// `"legacy"`, `"header"` or `"both"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::Header => "header",
            Self::Both => "both",
        }
    }
}

/// The official client's `DEFAULT_MAX_INPUT_SIZE`.
pub const DEFAULT_MAX_INPUT_SIZE: u32 = 1024;
/// The official client's `DEFAULT_IMAGE_EXTENSIONS` (for directory scans).
pub const DEFAULT_IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "JPG", "JPEG", "PNG"];
/// The official client's default `profiling_directory`.
pub const DEFAULT_PROFILING_DIRECTORY: &str = "./inference_profiling";

/// Inference parameters and client behaviour, field for field the official
/// `InferenceConfiguration`. `None` everywhere means "not chosen": nothing optional is sent and
/// the client-side defaults apply (see the module docs for the wire names).
///
/// ```
/// use roboflow_infer::{Confidence, InferenceConfiguration, TaskType};
///
/// let client_wide = InferenceConfiguration::new()
///     .confidence_threshold(0.5)
///     .max_detections(10);
/// // A per-call override: only what it sets wins.
/// let call = client_wide.overridden_by(
///     &InferenceConfiguration::new().confidence_threshold(Confidence::Best),
/// );
/// assert_eq!(call.confidence_threshold, Some(Confidence::Best));
/// assert_eq!(call.max_detections, Some(10));
///
/// let body = call.v1_body(&TaskType::ObjectDetection).unwrap();
/// assert_eq!(body.get("confidence"), Some(&serde_json::json!("best")));
/// assert_eq!(body.get("visualize_predictions"), Some(&serde_json::json!(false)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct InferenceConfiguration {
    /// `confidence` (v0 and v1).
    pub confidence_threshold: Option<Confidence>,
    /// `keypoint_confidence` (keypoint detection).
    pub keypoint_confidence_threshold: Option<f64>,
    /// v0 `format` (`json`, `image`, `image_and_json`).
    pub format: Option<ResponseFormat>,
    /// `mask_decode_mode` (instance segmentation).
    pub mask_decode_mode: Option<MaskDecodeMode>,
    /// `tradeoff_factor` (instance segmentation, `mask_decode_mode = tradeoff`).
    pub tradeoff_factor: Option<f64>,
    /// v1 `max_candidates`.
    pub max_candidates: Option<u32>,
    /// `max_detections`.
    pub max_detections: Option<u32>,
    /// v1 `iou_threshold`, v0 `overlap`.
    pub iou_threshold: Option<f64>,
    /// v1 `visualization_stroke_width`, v0 `stroke`.
    pub stroke_width: Option<u32>,
    /// Query `countinference` (billing; both modes).
    pub count_inference: Option<bool>,
    /// Query `service_secret` (billing; both modes). Never in `Debug` output.
    pub service_secret: Option<Secret>,
    /// `disable_preproc_auto_orient`.
    pub disable_preproc_auto_orientation: Option<bool>,
    /// `disable_preproc_contrast`.
    pub disable_preproc_contrast: Option<bool>,
    /// `disable_preproc_grayscale`.
    pub disable_preproc_grayscale: Option<bool>,
    /// `disable_preproc_static_crop`.
    pub disable_preproc_static_crop: Option<bool>,
    /// v1 `class_agnostic_nms`.
    pub class_agnostic_nms: Option<bool>,
    /// `class_filter`: only these classes.
    pub class_filter: Option<Vec<String>>,
    /// v1 `fix_batch_size`.
    pub fix_batch_size: Option<bool>,
    /// v1 `visualize_predictions` (always sent; default `false`).
    pub visualize_predictions: Option<bool>,
    /// v1 `visualization_labels`, v0 `labels`.
    pub visualize_labels: Option<bool>,
    /// Client side: what to do with base64 images received (default [`VisualisationFormat::Base64`]).
    pub output_visualisation_format: Option<VisualisationFormat>,
    /// Client side: the extensions of a directory scan (default [`DEFAULT_IMAGE_EXTENSIONS`]).
    pub image_extensions_for_directory_scan: Option<Vec<String>>,
    /// Client side: `true` (the default) sends images as they are; `false` downsizes them to
    /// the model's input size first (see [`rescale`](crate::rescale)).
    pub client_downsizing_disabled: Option<bool>,
    /// Client side: the bound for downsizing when the model's input size is unknown (v0;
    /// default [`DEFAULT_MAX_INPUT_SIZE`]).
    pub default_max_input_size: Option<u32>,
    /// `disable_active_learning` (always sent; default `false`).
    pub disable_active_learning: Option<bool>,
    /// `active_learning_target_dataset`.
    pub active_learning_target_dataset: Option<String>,
    /// Client side: requests in flight at once (default 1).
    pub max_concurrent_requests: Option<usize>,
    /// Client side: images per v1 request (default 1; v0 always sends one).
    pub max_batch_size: Option<usize>,
    /// `source`: usage attribution.
    pub source: Option<String>,
    /// `source_info`: usage attribution.
    pub source_info: Option<String>,
    /// Client side: where workflow profiler traces are written (default
    /// [`DEFAULT_PROFILING_DIRECTORY`]).
    pub profiling_directory: Option<PathBuf>,
    /// Client side: retry workflow runs on 429/503/504 and connection errors (default `true`).
    pub workflow_run_retries_enabled: Option<bool>,
    /// `response_mask_format` (instance segmentation).
    pub response_mask_format: Option<MaskFormat>,
    /// `allow_reduced_mask_resolution` (always sent for instance segmentation and on v0;
    /// default `false`).
    pub allow_reduced_mask_resolution: Option<bool>,
    /// v1 `enforce_dense_masks_in_inference_models` (instance segmentation; a member of the
    /// server's `InstanceSegmentationInferenceRequest` that `inference_sdk` 1.8.3 does not
    /// send): dense masks even where the model would give reduced ones. Sent only when set.
    pub enforce_dense_masks_in_inference_models: Option<bool>,
    /// v1 / v0 `include_anomaly_map` (classification).
    pub include_anomaly_map: Option<bool>,
    /// Client side: where the API key goes (default [`ApiKeyTransport::Legacy`]).
    pub api_key_transport: Option<ApiKeyTransport>,
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )+
    };
}

/// Setters taking the field's type itself (numbers and flags: literals infer without suffixes).
macro_rules! exact_setters {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $field(mut self, value: $ty) -> Self {
                self.$field = Some(value);
                self
            }
        )+
    };
}

impl InferenceConfiguration {
    /// Nothing chosen: the official defaults.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets [`confidence_threshold`](Self::confidence_threshold).
        confidence_threshold: Confidence,
        /// Sets [`format`](Self::format).
        format: ResponseFormat,
        /// Sets [`mask_decode_mode`](Self::mask_decode_mode).
        mask_decode_mode: MaskDecodeMode,
        /// Sets [`service_secret`](Self::service_secret).
        service_secret: Secret,
        /// Sets [`active_learning_target_dataset`](Self::active_learning_target_dataset).
        active_learning_target_dataset: String,
        /// Sets [`source`](Self::source).
        source: String,
        /// Sets [`source_info`](Self::source_info).
        source_info: String,
        /// Sets [`profiling_directory`](Self::profiling_directory).
        profiling_directory: PathBuf,
        /// Sets [`response_mask_format`](Self::response_mask_format).
        response_mask_format: MaskFormat,
    }

    exact_setters! {
        /// Sets [`keypoint_confidence_threshold`](Self::keypoint_confidence_threshold).
        keypoint_confidence_threshold: f64,
        /// Sets [`tradeoff_factor`](Self::tradeoff_factor).
        tradeoff_factor: f64,
        /// Sets [`max_candidates`](Self::max_candidates).
        max_candidates: u32,
        /// Sets [`max_detections`](Self::max_detections).
        max_detections: u32,
        /// Sets [`iou_threshold`](Self::iou_threshold).
        iou_threshold: f64,
        /// Sets [`stroke_width`](Self::stroke_width).
        stroke_width: u32,
        /// Sets [`count_inference`](Self::count_inference).
        count_inference: bool,
        /// Sets [`disable_preproc_auto_orientation`](Self::disable_preproc_auto_orientation).
        disable_preproc_auto_orientation: bool,
        /// Sets [`disable_preproc_contrast`](Self::disable_preproc_contrast).
        disable_preproc_contrast: bool,
        /// Sets [`disable_preproc_grayscale`](Self::disable_preproc_grayscale).
        disable_preproc_grayscale: bool,
        /// Sets [`disable_preproc_static_crop`](Self::disable_preproc_static_crop).
        disable_preproc_static_crop: bool,
        /// Sets [`class_agnostic_nms`](Self::class_agnostic_nms).
        class_agnostic_nms: bool,
        /// Sets [`fix_batch_size`](Self::fix_batch_size).
        fix_batch_size: bool,
        /// Sets [`visualize_predictions`](Self::visualize_predictions).
        visualize_predictions: bool,
        /// Sets [`visualize_labels`](Self::visualize_labels).
        visualize_labels: bool,
        /// Sets [`output_visualisation_format`](Self::output_visualisation_format).
        output_visualisation_format: VisualisationFormat,
        /// Sets [`client_downsizing_disabled`](Self::client_downsizing_disabled).
        client_downsizing_disabled: bool,
        /// Sets [`default_max_input_size`](Self::default_max_input_size).
        default_max_input_size: u32,
        /// Sets [`disable_active_learning`](Self::disable_active_learning).
        disable_active_learning: bool,
        /// Sets [`max_concurrent_requests`](Self::max_concurrent_requests).
        max_concurrent_requests: usize,
        /// Sets [`max_batch_size`](Self::max_batch_size).
        max_batch_size: usize,
        /// Sets [`workflow_run_retries_enabled`](Self::workflow_run_retries_enabled).
        workflow_run_retries_enabled: bool,
        /// Sets [`allow_reduced_mask_resolution`](Self::allow_reduced_mask_resolution).
        allow_reduced_mask_resolution: bool,
        /// Sets [`enforce_dense_masks_in_inference_models`](Self::enforce_dense_masks_in_inference_models).
        enforce_dense_masks_in_inference_models: bool,
        /// Sets [`include_anomaly_map`](Self::include_anomaly_map).
        include_anomaly_map: bool,
        /// Sets [`api_key_transport`](Self::api_key_transport).
        api_key_transport: ApiKeyTransport,
    }

    /// Sets [`class_filter`](Self::class_filter).
    #[must_use]
    pub fn class_filter<I, S>(mut self, classes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.class_filter = Some(classes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets [`image_extensions_for_directory_scan`](Self::image_extensions_for_directory_scan).
    #[must_use]
    pub fn image_extensions_for_directory_scan<I, S>(mut self, extensions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.image_extensions_for_directory_scan =
            Some(extensions.into_iter().map(Into::into).collect());
        self
    }

    /// `self` with every field `overrides` sets replaced by the override (a per-call
    /// configuration over the client's).
    #[must_use]
    pub fn overridden_by(&self, overrides: &Self) -> Self {
        macro_rules! merge {
            ($($field:ident),+ $(,)?) => {
                Self { $( $field: overrides.$field.clone().or_else(|| self.$field.clone()), )+ }
            };
        }
        merge!(
            confidence_threshold,
            keypoint_confidence_threshold,
            format,
            mask_decode_mode,
            tradeoff_factor,
            max_candidates,
            max_detections,
            iou_threshold,
            stroke_width,
            count_inference,
            service_secret,
            disable_preproc_auto_orientation,
            disable_preproc_contrast,
            disable_preproc_grayscale,
            disable_preproc_static_crop,
            class_agnostic_nms,
            class_filter,
            fix_batch_size,
            visualize_predictions,
            visualize_labels,
            output_visualisation_format,
            image_extensions_for_directory_scan,
            client_downsizing_disabled,
            default_max_input_size,
            disable_active_learning,
            active_learning_target_dataset,
            max_concurrent_requests,
            max_batch_size,
            source,
            source_info,
            profiling_directory,
            workflow_run_retries_enabled,
            response_mask_format,
            allow_reduced_mask_resolution,
            enforce_dense_masks_in_inference_models,
            include_anomaly_map,
            api_key_transport,
        )
    }

    // ----- effective client-side values (the official defaults) -----

    /// Whether client-side downsizing is off (default `true`: images are sent as they are).
    pub fn effective_client_downsizing_disabled(&self) -> bool {
        self.client_downsizing_disabled.unwrap_or(true)
    }

    /// The downsizing bound when the model's input size is unknown (default 1024).
    pub fn effective_default_max_input_size(&self) -> u32 {
        self.default_max_input_size
            .unwrap_or(DEFAULT_MAX_INPUT_SIZE)
    }

    /// Requests in flight at once (default 1; at least 1).
    pub fn effective_max_concurrent_requests(&self) -> usize {
        self.max_concurrent_requests.unwrap_or(1).max(1)
    }

    /// Images per v1 request (default 1; at least 1).
    pub fn effective_max_batch_size(&self) -> usize {
        self.max_batch_size.unwrap_or(1).max(1)
    }

    /// What to do with base64 images received (default base64 text).
    pub fn effective_output_visualisation_format(&self) -> VisualisationFormat {
        self.output_visualisation_format.unwrap_or_default()
    }

    /// Where the key goes (default legacy).
    pub fn effective_api_key_transport(&self) -> ApiKeyTransport {
        self.api_key_transport.unwrap_or_default()
    }

    /// Whether workflow runs are retried (default `true`).
    pub fn effective_workflow_run_retries_enabled(&self) -> bool {
        self.workflow_run_retries_enabled.unwrap_or(true)
    }

    /// Extensions of a directory scan (default jpg, jpeg, png, in both cases).
    pub fn effective_image_extensions_for_directory_scan(&self) -> Vec<String> {
        match &self.image_extensions_for_directory_scan {
            Some(extensions) => extensions.clone(),
            None => DEFAULT_IMAGE_EXTENSIONS.map(str::to_owned).to_vec(),
        }
    }

    /// Where profiler traces go (default `./inference_profiling`).
    pub fn effective_profiling_directory(&self) -> PathBuf {
        self.profiling_directory
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_PROFILING_DIRECTORY))
    }

    // ----- wire -----

    /// The v0 query parameters (after `api_key`), in the official order
    /// (`to_legacy_call_parameters`): unset fields left out, `allow_reduced_mask_resolution` and
    /// `disable_active_learning` always present. `service_secret` is not included: send
    /// [`service_secret`](Self::service_secret) as a redacted query parameter.
    ///
    /// ```
    /// use roboflow_infer::InferenceConfiguration;
    ///
    /// let query = InferenceConfiguration::new().iou_threshold(0.4).stroke_width(2).v0_query();
    /// assert_eq!(
    ///     query,
    ///     [
    ///         ("allow_reduced_mask_resolution", "False".to_owned()),
    ///         ("overlap", "0.4".to_owned()),
    ///         ("stroke", "2".to_owned()),
    ///         ("disable_active_learning", "False".to_owned()),
    ///     ]
    /// );
    /// ```
    pub fn v0_query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        let mut push = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                query.push((name, value));
            }
        };
        push(
            "confidence",
            self.confidence_threshold.map(Confidence::to_query),
        );
        push(
            "keypoint_confidence",
            self.keypoint_confidence_threshold.map(py_float),
        );
        push(
            "format",
            self.format.as_ref().map(|f| f.as_str().to_owned()),
        );
        push("labels", self.visualize_labels.map(py_bool));
        push(
            "mask_decode_mode",
            self.mask_decode_mode
                .as_ref()
                .map(|m| m.as_str().to_owned()),
        );
        push("tradeoff_factor", self.tradeoff_factor.map(py_float));
        push(
            "allow_reduced_mask_resolution",
            Some(py_bool(self.allow_reduced_mask_resolution.unwrap_or(false))),
        );
        push("max_detections", self.max_detections.map(|v| v.to_string()));
        push("overlap", self.iou_threshold.map(py_float));
        push("stroke", self.stroke_width.map(|v| v.to_string()));
        push(
            "disable_preproc_auto_orient",
            self.disable_preproc_auto_orientation.map(py_bool),
        );
        push(
            "disable_preproc_contrast",
            self.disable_preproc_contrast.map(py_bool),
        );
        push(
            "disable_preproc_grayscale",
            self.disable_preproc_grayscale.map(py_bool),
        );
        push(
            "disable_preproc_static_crop",
            self.disable_preproc_static_crop.map(py_bool),
        );
        push(
            "disable_active_learning",
            Some(py_bool(self.disable_active_learning.unwrap_or(false))),
        );
        push(
            "active_learning_target_dataset",
            self.active_learning_target_dataset.clone(),
        );
        push("source", self.source.clone());
        push("source_info", self.source_info.clone());
        push(
            "response_mask_format",
            self.response_mask_format
                .as_ref()
                .map(|m| m.as_str().to_owned()),
        );
        push("include_anomaly_map", self.include_anomaly_map.map(py_bool));
        push("countinference", self.count_inference.map(py_bool));
        push(
            "class_filter",
            self.class_filter.as_ref().map(|classes| classes.join(",")),
        );
        query
    }

    /// The v1 query parameters (`to_api_v1_query_parameters`: billing only). Like
    /// [`v0_query`](Self::v0_query), `service_secret` is left to the caller.
    pub fn v1_query(&self) -> Vec<(&'static str, String)> {
        self.count_inference
            .map(|count| ("countinference", py_bool(count)))
            .into_iter()
            .collect()
    }

    /// The v1 JSON body members for a model of `task` (besides `api_key`, `model_id` and
    /// `image`), in the official order, or `None` when the task has no v1 inference route.
    ///
    /// The member sets are the official `to_object_detection_parameters`,
    /// `to_instance_segmentation_parameters`, `to_keypoints_detection_parameters` and
    /// `to_classification_parameters` (multi-label classification uses the latter); semantic
    /// segmentation sends what the server's `SemanticSegmentationInferenceRequest` accepts, and
    /// action recognition its `class_filter`.
    pub fn v1_body(&self, task: &TaskType) -> Option<V1Body> {
        let mut body = V1Body::default();
        match task {
            TaskType::ObjectDetection => self.detection_members(&mut body),
            TaskType::KeypointDetection => {
                self.detection_members(&mut body);
                body.push_f64("keypoint_confidence", self.keypoint_confidence_threshold);
            }
            TaskType::InstanceSegmentation => {
                self.detection_members(&mut body);
                body.push_str(
                    "mask_decode_mode",
                    self.mask_decode_mode.as_ref().map(|m| m.as_str()),
                );
                body.push_f64("tradeoff_factor", self.tradeoff_factor);
                body.push(
                    "allow_reduced_mask_resolution",
                    Some(self.allow_reduced_mask_resolution.unwrap_or(false)),
                );
                body.push_str(
                    "response_mask_format",
                    self.response_mask_format.as_ref().map(|m| m.as_str()),
                );
                body.push(
                    "enforce_dense_masks_in_inference_models",
                    self.enforce_dense_masks_in_inference_models,
                );
            }
            TaskType::Classification | TaskType::MultiLabelClassification => {
                body.push("include_anomaly_map", self.include_anomaly_map);
                self.preproc_members(&mut body);
                body.push(
                    "confidence",
                    self.confidence_threshold.map(Confidence::to_json),
                );
                body.push(
                    "visualize_predictions",
                    Some(self.visualize_predictions.unwrap_or(false)),
                );
                body.push("visualization_stroke_width", self.stroke_width);
                body.push(
                    "disable_active_learning",
                    Some(self.disable_active_learning.unwrap_or(false)),
                );
                body.push("source", self.source.clone());
                body.push("source_info", self.source_info.clone());
                body.push(
                    "active_learning_target_dataset",
                    self.active_learning_target_dataset.clone(),
                );
            }
            TaskType::SemanticSegmentation => {
                self.preproc_members(&mut body);
                body.push(
                    "confidence",
                    self.confidence_threshold.map(Confidence::to_json),
                );
                body.push("source", self.source.clone());
                body.push("source_info", self.source_info.clone());
            }
            TaskType::ActionRecognition => {
                body.push("class_filter", self.class_filter.clone());
            }
            _ => return None,
        }
        Some(body)
    }

    fn preproc_members(&self, body: &mut V1Body) {
        body.push(
            "disable_preproc_auto_orient",
            self.disable_preproc_auto_orientation,
        );
        body.push("disable_preproc_contrast", self.disable_preproc_contrast);
        body.push("disable_preproc_grayscale", self.disable_preproc_grayscale);
        body.push(
            "disable_preproc_static_crop",
            self.disable_preproc_static_crop,
        );
    }

    /// `to_object_detection_parameters`.
    fn detection_members(&self, body: &mut V1Body) {
        self.preproc_members(body);
        body.push("class_agnostic_nms", self.class_agnostic_nms);
        body.push("class_filter", self.class_filter.clone());
        body.push(
            "confidence",
            self.confidence_threshold.map(Confidence::to_json),
        );
        body.push("fix_batch_size", self.fix_batch_size);
        body.push_f64("iou_threshold", self.iou_threshold);
        body.push("max_detections", self.max_detections);
        body.push("max_candidates", self.max_candidates);
        body.push("visualization_labels", self.visualize_labels);
        body.push("visualization_stroke_width", self.stroke_width);
        body.push(
            "visualize_predictions",
            Some(self.visualize_predictions.unwrap_or(false)),
        );
        body.push(
            "disable_active_learning",
            Some(self.disable_active_learning.unwrap_or(false)),
        );
        body.push(
            "active_learning_target_dataset",
            self.active_learning_target_dataset.clone(),
        );
        body.push("source", self.source.clone());
        body.push("source_info", self.source_info.clone());
    }
}

/// The configuration members of a v1 request body, in order. Serializes as a JSON object (flatten
/// it into the request struct next to `api_key`, `model_id` and `image`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct V1Body {
    members: Vec<(&'static str, Value)>,
}

impl V1Body {
    fn push(&mut self, name: &'static str, value: Option<impl Into<Value>>) {
        if let Some(value) = value {
            self.members.push((name, value.into()));
        }
    }

    fn push_f64(&mut self, name: &'static str, value: Option<f64>) {
        self.push(name, value);
    }

    fn push_str(&mut self, name: &'static str, value: Option<&str>) {
        self.push(name, value);
    }

    /// The member `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members
            .iter()
            .find(|(member, _)| *member == name)
            .map(|(_, value)| value)
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.members.iter().map(|(name, value)| (*name, value))
    }

    /// The member names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.members.iter().map(|(name, _)| *name).collect()
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// No members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl Serialize for V1Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.members.len()))?;
        for (name, value) in &self.members {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Python's `str(bool)`.
fn py_bool(value: bool) -> String {
    if value { "True" } else { "False" }.to_owned()
}

/// Python's `str(float)` for the values a configuration holds: `0.5`, `1.0`, `10.0`.
fn py_float(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(query: &[(&'static str, String)]) -> Vec<&'static str> {
        query.iter().map(|(name, _)| *name).collect()
    }

    /// Every optional field set, so that every wire member shows.
    fn everything() -> InferenceConfiguration {
        InferenceConfiguration::new()
            .confidence_threshold(0.5)
            .keypoint_confidence_threshold(0.25)
            .format(ResponseFormat::ImageAndJson)
            .mask_decode_mode(MaskDecodeMode::Tradeoff)
            .tradeoff_factor(0.5)
            .max_candidates(100)
            .max_detections(10)
            .iou_threshold(0.4)
            .stroke_width(2)
            .count_inference(false)
            .service_secret("s3cr3t")
            .disable_preproc_auto_orientation(true)
            .disable_preproc_contrast(true)
            .disable_preproc_grayscale(false)
            .disable_preproc_static_crop(true)
            .class_agnostic_nms(true)
            .class_filter(["dog", "cat"])
            .fix_batch_size(true)
            .visualize_predictions(true)
            .visualize_labels(true)
            .disable_active_learning(true)
            .active_learning_target_dataset("ds")
            .source("rust")
            .source_info("tests")
            .response_mask_format(MaskFormat::Rle)
            .allow_reduced_mask_resolution(true)
            .include_anomaly_map(true)
    }

    /// `results.json: v0_infer_cfg`: confidence 0.5, format json, labels, max_detections 10,
    /// iou 0.4, stroke 2 → exactly these parameters, in this order (after `api_key`).
    #[test]
    fn v0_query_matches_the_golden_request() {
        let config = InferenceConfiguration::new()
            .confidence_threshold(0.5)
            .format(ResponseFormat::Json)
            .visualize_labels(true)
            .max_detections(10)
            .iou_threshold(0.4)
            .stroke_width(2);
        let expected = [
            ("confidence", "0.5"),
            ("format", "json"),
            ("labels", "True"),
            ("allow_reduced_mask_resolution", "False"),
            ("max_detections", "10"),
            ("overlap", "0.4"),
            ("stroke", "2"),
            ("disable_active_learning", "False"),
        ];
        let query = config.v0_query();
        let query: Vec<(&str, &str)> = query.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(query, expected);
    }

    /// `results.json: v0_infer_numpy_client_resize`: the default configuration sends only the
    /// two always-sent flags.
    #[test]
    fn v0_defaults_send_only_the_always_sent_flags() {
        let query = InferenceConfiguration::new().v0_query();
        assert_eq!(
            query,
            [
                ("allow_reduced_mask_resolution", "False".to_owned()),
                ("disable_active_learning", "False".to_owned()),
            ]
        );
    }

    #[test]
    fn v0_query_uses_the_legacy_names_in_the_official_order() {
        let query = everything().v0_query();
        assert_eq!(
            names(&query),
            [
                "confidence",
                "keypoint_confidence",
                "format",
                "labels",
                "mask_decode_mode",
                "tradeoff_factor",
                "allow_reduced_mask_resolution",
                "max_detections",
                "overlap",
                "stroke",
                "disable_preproc_auto_orient",
                "disable_preproc_contrast",
                "disable_preproc_grayscale",
                "disable_preproc_static_crop",
                "disable_active_learning",
                "active_learning_target_dataset",
                "source",
                "source_info",
                "response_mask_format",
                "include_anomaly_map",
                "countinference",
                "class_filter",
            ]
        );
        let get = |name: &str| query.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        assert_eq!(get("format"), "image_and_json");
        assert_eq!(get("mask_decode_mode"), "tradeoff");
        assert_eq!(get("response_mask_format"), "rle");
        assert_eq!(get("countinference"), "False");
        assert_eq!(get("disable_preproc_grayscale"), "False");
        assert_eq!(get("class_filter"), "dog,cat");
        assert_eq!(get("keypoint_confidence"), "0.25");
        // Never the secret, never v1-only members.
        assert!(query.iter().all(|(_, v)| v != "s3cr3t"));
        for v1_only in [
            "max_candidates",
            "class_agnostic_nms",
            "fix_batch_size",
            "iou_threshold",
        ] {
            assert!(!names(&query).contains(&v1_only), "{v1_only}");
        }
    }

    /// `results.json: v1_infer_cfg_and_client_resize`: the official body members (after
    /// `api_key`, `model_id`), values and order.
    #[test]
    fn v1_object_detection_body_matches_the_golden_request() {
        let config = InferenceConfiguration::new()
            .disable_preproc_auto_orientation(true)
            .class_filter(["dog"])
            .confidence_threshold(0.5)
            .iou_threshold(0.4)
            .max_detections(10)
            .source("rust-probe");
        let body = config.v1_body(&TaskType::ObjectDetection).unwrap();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"disable_preproc_auto_orient":true,"class_filter":["dog"],"confidence":0.5,"iou_threshold":0.4,"max_detections":10,"visualize_predictions":false,"disable_active_learning":false,"source":"rust-probe"}"#
        );
    }

    /// `enforce_dense_masks_in_inference_models`: a server member the official client lacks,
    /// sent on v1 instance segmentation only when set, and nowhere else.
    #[test]
    fn dense_masks_are_sent_for_instance_segmentation_only_when_set() {
        let config = InferenceConfiguration::new().enforce_dense_masks_in_inference_models(true);
        let seg = config.v1_body(&TaskType::InstanceSegmentation).unwrap();
        assert_eq!(
            serde_json::to_value(&seg).unwrap()["enforce_dense_masks_in_inference_models"],
            json!(true)
        );
        let detection = config.v1_body(&TaskType::ObjectDetection).unwrap();
        assert!(
            !detection
                .names()
                .contains(&"enforce_dense_masks_in_inference_models")
        );
        assert!(!names(&config.v0_query()).contains(&"enforce_dense_masks_in_inference_models"));
        let merged = InferenceConfiguration::new().overridden_by(&config);
        assert_eq!(merged.enforce_dense_masks_in_inference_models, Some(true));
    }

    /// `results.json: v1_infer_seg_model`: defaults on a segmentation model.
    #[test]
    fn v1_segmentation_defaults_match_the_golden_request() {
        let body = InferenceConfiguration::new()
            .v1_body(&TaskType::InstanceSegmentation)
            .unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"visualize_predictions": false, "disable_active_learning": false,
                   "allow_reduced_mask_resolution": false})
        );
        assert_eq!(
            body.names(),
            [
                "visualize_predictions",
                "disable_active_learning",
                "allow_reduced_mask_resolution"
            ]
        );
    }

    #[test]
    fn v1_members_per_task() {
        let config = everything();
        let od = config.v1_body(&TaskType::ObjectDetection).unwrap();
        let od_names = [
            "disable_preproc_auto_orient",
            "disable_preproc_contrast",
            "disable_preproc_grayscale",
            "disable_preproc_static_crop",
            "class_agnostic_nms",
            "class_filter",
            "confidence",
            "fix_batch_size",
            "iou_threshold",
            "max_detections",
            "max_candidates",
            "visualization_labels",
            "visualization_stroke_width",
            "visualize_predictions",
            "disable_active_learning",
            "active_learning_target_dataset",
            "source",
            "source_info",
        ];
        assert_eq!(od.names(), od_names);
        assert_eq!(od.get("visualization_stroke_width"), Some(&json!(2)));
        assert_eq!(od.get("class_filter"), Some(&json!(["dog", "cat"])));

        let kp = config.v1_body(&TaskType::KeypointDetection).unwrap();
        assert_eq!(kp.names()[..od_names.len()], od_names);
        assert_eq!(kp.names()[od_names.len()..], ["keypoint_confidence"]);

        let seg = config.v1_body(&TaskType::InstanceSegmentation).unwrap();
        assert_eq!(
            seg.names()[od_names.len()..],
            [
                "mask_decode_mode",
                "tradeoff_factor",
                "allow_reduced_mask_resolution",
                "response_mask_format"
            ]
        );
        assert_eq!(seg.get("allow_reduced_mask_resolution"), Some(&json!(true)));

        let cls = config.v1_body(&TaskType::Classification).unwrap();
        assert_eq!(
            cls.names(),
            [
                "include_anomaly_map",
                "disable_preproc_auto_orient",
                "disable_preproc_contrast",
                "disable_preproc_grayscale",
                "disable_preproc_static_crop",
                "confidence",
                "visualize_predictions",
                "visualization_stroke_width",
                "disable_active_learning",
                "source",
                "source_info",
                "active_learning_target_dataset",
            ]
        );
        assert_eq!(
            config.v1_body(&TaskType::MultiLabelClassification),
            Some(cls)
        );

        let semantic = config.v1_body(&TaskType::SemanticSegmentation).unwrap();
        assert_eq!(
            semantic.names(),
            [
                "disable_preproc_auto_orient",
                "disable_preproc_contrast",
                "disable_preproc_grayscale",
                "disable_preproc_static_crop",
                "confidence",
                "source",
                "source_info",
            ]
        );
        let video = config.v1_body(&TaskType::ActionRecognition).unwrap();
        assert_eq!(video.names(), ["class_filter"]);

        assert!(config.v1_body(&TaskType::Lmm).is_none());
        assert!(config.v1_body(&TaskType::Other("gaze".into())).is_none());
        // Never a secret nor a client-side field in a body.
        for task in [TaskType::ObjectDetection, TaskType::InstanceSegmentation] {
            let body = serde_json::to_string(&config.v1_body(&task).unwrap()).unwrap();
            assert!(!body.contains("s3cr3t"));
            assert!(!body.contains("countinference"));
            assert!(!body.contains("max_batch_size"));
        }
    }

    /// `results.json: v1_infer_count_inference_false`: billing goes in the query.
    #[test]
    fn v1_query_carries_billing() {
        let config = InferenceConfiguration::new()
            .count_inference(false)
            .service_secret("s3cr3t");
        assert_eq!(config.v1_query(), [("countinference", "False".to_owned())]);
        assert_eq!(
            config.service_secret.as_ref().map(Secret::expose_secret),
            Some("s3cr3t")
        );
        assert!(InferenceConfiguration::new().v1_query().is_empty());
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    #[test]
    fn confidence_choices() {
        let best = InferenceConfiguration::new().confidence_threshold(Confidence::Best);
        assert_eq!(best.v0_query()[0], ("confidence", "best".to_owned()));
        assert_eq!(
            best.v1_body(&TaskType::ObjectDetection)
                .unwrap()
                .get("confidence"),
            Some(&json!("best"))
        );
        let default = InferenceConfiguration::new().confidence_threshold(Confidence::Default);
        assert_eq!(default.v0_query()[0].1, "default");
        let one = InferenceConfiguration::new().confidence_threshold(1.0);
        assert_eq!(one.v0_query()[0].1, "1.0");
        let f32_value = InferenceConfiguration::new().confidence_threshold(0.5f32);
        assert_eq!(f32_value.confidence_threshold, Some(Confidence::Value(0.5)));
    }

    #[test]
    fn python_spelling() {
        assert_eq!(py_float(0.5), "0.5");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(40.0), "40.0");
        assert_eq!(py_float(0.3), "0.3");
        assert_eq!(py_bool(true), "True");
    }

    #[test]
    fn overrides_win_field_by_field() {
        let base = InferenceConfiguration::new()
            .confidence_threshold(0.5)
            .max_detections(10)
            .class_filter(["dog"])
            .max_batch_size(4);
        let call = InferenceConfiguration::new()
            .confidence_threshold(0.2)
            .class_filter(["cat"])
            .visualize_predictions(true);
        let merged = base.overridden_by(&call);
        assert_eq!(merged.confidence_threshold, Some(Confidence::Value(0.2)));
        assert_eq!(merged.max_detections, Some(10));
        assert_eq!(merged.class_filter, Some(vec!["cat".to_owned()]));
        assert_eq!(merged.visualize_predictions, Some(true));
        assert_eq!(merged.effective_max_batch_size(), 4);
        // Overriding with nothing changes nothing, in both directions.
        assert_eq!(base.overridden_by(&InferenceConfiguration::new()), base);
        assert_eq!(InferenceConfiguration::new().overridden_by(&base), base);
        // Every field takes part in the merge.
        assert_eq!(
            InferenceConfiguration::new().overridden_by(&everything()),
            everything()
        );
    }

    #[test]
    fn effective_defaults_are_the_official_ones() {
        let config = InferenceConfiguration::new();
        assert!(config.effective_client_downsizing_disabled());
        assert_eq!(config.effective_default_max_input_size(), 1024);
        assert_eq!(config.effective_max_concurrent_requests(), 1);
        assert_eq!(config.effective_max_batch_size(), 1);
        assert_eq!(
            config.effective_output_visualisation_format(),
            VisualisationFormat::Base64
        );
        assert_eq!(
            config.effective_api_key_transport(),
            ApiKeyTransport::Legacy
        );
        assert!(config.effective_workflow_run_retries_enabled());
        assert_eq!(
            config.effective_image_extensions_for_directory_scan(),
            ["jpg", "jpeg", "png", "JPG", "JPEG", "PNG"]
        );
        assert_eq!(
            config.effective_profiling_directory(),
            PathBuf::from("./inference_profiling")
        );
        // Zero is no bound a client can work with.
        let zero = InferenceConfiguration::new()
            .max_batch_size(0)
            .max_concurrent_requests(0);
        assert_eq!(zero.effective_max_batch_size(), 1);
        assert_eq!(zero.effective_max_concurrent_requests(), 1);
        assert_eq!(ApiKeyTransport::Both.as_str(), "both");
    }

    #[test]
    fn open_enums_keep_unknown_values() {
        let mode: MaskDecodeMode = serde_json::from_value(json!("ultra")).unwrap();
        assert_eq!(mode, MaskDecodeMode::Other("ultra".into()));
        let config = InferenceConfiguration::new().mask_decode_mode(mode);
        assert!(
            config
                .v0_query()
                .contains(&("mask_decode_mode", "ultra".to_owned()))
        );
    }
}
