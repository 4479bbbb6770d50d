//! The Edge Endpoint's configuration document (`GET`/`PUT <edge>/edge-config`), its validation,
//! the official presets and the YAML loader: the official `groundlight.edge.config` module.
//!
//! Every field holds the value the official SDK would hold: one left out of a payload or a YAML
//! file takes the official default ([`edge_defaults`]), so [`EdgeEndpointConfig::to_payload`]
//! (and [`apply_config`](crate::EdgeApi::apply_config)) sends the whole document, as the official
//! `model_dump()` does.
//!
//! ```
//! use groundlight::edge::{EdgeEndpointConfig, EDGE_ANSWERS_WITH_ESCALATION, NO_CLOUD};
//!
//! let mut config = EdgeEndpointConfig::from_yaml(
//!     "global_config:\n  refresh_rate: 15\n\
//!      edge_inference_configs:\n  default:\n    enabled: true\n\
//!      detectors:\n  - detector_id: det_2vcRpzL8aHmO0bb4Dq1NkMEGxzS\n    edge_inference_config: default\n",
//! )?;
//! config.add_detector("det_3WgMf0LnRDBsJnWEqiOqpDjHukD", &NO_CLOUD)?;
//! config.add_detector("det_0jH2Ix2zMVwQ0bq8EBYsO5lnTdm", &EDGE_ANSWERS_WITH_ESCALATION)?;
//! let payload = config.to_payload();
//! assert_eq!(payload["global_config"]["refresh_rate"], 15.0);
//! assert_eq!(payload["edge_inference_configs"]["no_cloud"]["disable_cloud_escalation"], true);
//! # Ok::<(), groundlight::Error>(())
//! ```
//!
//! # Validation
//!
//! As in the official SDK (pydantic), a configuration read with
//! [`from_payload`](EdgeEndpointConfig::from_payload) or
//! [`from_yaml`](EdgeEndpointConfig::from_yaml) is checked ([`EdgeEndpointConfig::validate`]):
//! `0 < refresh_rate <= 86400`, `confident_audit_rate >= 0`, a non-empty inference-config name
//! equal to its key, `min_time_between_escalations > 0`, `disable_cloud_escalation` only with
//! `always_return_edge_prediction`, detector ids matching `^det_[A-Za-z0-9]{27}$`, no detector
//! listed twice and no reference to an undefined inference config. A failure is
//! [`Error::InvalidInput`] (Python's `ValueError` / `ValidationError`). Since Rust structs can be
//! built field by field, [`apply_config`](crate::EdgeApi::apply_config) checks again before it
//! sends anything; [`get_config`](crate::EdgeApi::get_config) checks what the Edge Endpoint
//! answers ([`Error::Decode`] when it breaks the rules, as Python's `from_payload` raises).
//!
//! Values are read as pydantic reads them: a boolean may be written `yes`/`no`/`on`/`off`/`1`/`0`
//! (YAML 1.1 spellings, which PyYAML reads as booleans), a number may be a numeric string
//! (`"1e-5"`; PyYAML reads an unquoted `1e-5` as a string, which pydantic then converts).
//! Unknown fields are kept in `extra` and sent back (Python drops them), so a configuration read
//! from a newer Edge Endpoint does not lose the settings this SDK does not know.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use vision_sdk_common::internal::serde::null_as_default;

use crate::client::DetectorRef;
use crate::error::{Error, Result};

/// The official SDK's defaults for the Edge configuration's fields (`edge/config.py`, 1.3.1).
pub mod edge_defaults {
    /// `global_config.refresh_rate`, seconds.
    pub const REFRESH_RATE: f64 = 60.0;
    /// The largest `global_config.refresh_rate` allowed, seconds (one day).
    pub const MAX_REFRESH_RATE: f64 = 86_400.0;
    /// `global_config.confident_audit_rate`.
    pub const CONFIDENT_AUDIT_RATE: f64 = 1e-5;
    /// `enabled` of an inference configuration.
    pub const ENABLED: bool = true;
    /// `always_return_edge_prediction`.
    pub const ALWAYS_RETURN_EDGE_PREDICTION: bool = false;
    /// `disable_cloud_escalation`.
    pub const DISABLE_CLOUD_ESCALATION: bool = false;
    /// `min_time_between_escalations`, seconds (`DEFAULT_MIN_TIME_BETWEEN_ESCALATIONS_SEC`).
    pub const MIN_TIME_BETWEEN_ESCALATIONS: f64 = 30.0;
}

/// The pattern a detector id must match in an Edge configuration (`DetectorConfig.detector_id`).
pub const EDGE_DETECTOR_ID_PATTERN: &str = "^det_[A-Za-z0-9]{27}$";

/// The official preset `DEFAULT`: named `default`, every field at its default (edge answers when
/// confident, escalates otherwise).
pub static DEFAULT: LazyLock<EdgeInferenceConfig> =
    LazyLock::new(|| EdgeInferenceConfig::new("default"));

/// The official preset `EDGE_ANSWERS_WITH_ESCALATION`: always answer from the edge, escalate
/// low-confidence answers at most every 30 s.
pub static EDGE_ANSWERS_WITH_ESCALATION: LazyLock<EdgeInferenceConfig> =
    LazyLock::new(|| EdgeInferenceConfig {
        always_return_edge_prediction: true,
        min_time_between_escalations: edge_defaults::MIN_TIME_BETWEEN_ESCALATIONS,
        ..EdgeInferenceConfig::new("edge_answers_with_escalation")
    });

/// The official preset `NO_CLOUD`: always answer from the edge, never escalate.
pub static NO_CLOUD: LazyLock<EdgeInferenceConfig> = LazyLock::new(|| EdgeInferenceConfig {
    always_return_edge_prediction: true,
    disable_cloud_escalation: true,
    ..EdgeInferenceConfig::new("no_cloud")
});

/// The official preset `DISABLED`: the Edge Endpoint refuses image queries for the detector.
pub static DISABLED: LazyLock<EdgeInferenceConfig> = LazyLock::new(|| EdgeInferenceConfig {
    enabled: false,
    ..EdgeInferenceConfig::new("disabled")
});

/// The Edge Endpoint's configuration document, the official `EdgeEndpointConfig`.
///
/// Build one with [`Default`] and [`add_detector`](Self::add_detector), or read one with
/// [`from_yaml`](Self::from_yaml), [`from_yaml_file`](Self::from_yaml_file) or
/// [`from_payload`](Self::from_payload). Fields are in the official `model_dump()` order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeEndpointConfig {
    /// Named inference configurations; a detector refers to one by name.
    #[serde(deserialize_with = "named_inference_configs")]
    pub edge_inference_configs: BTreeMap<String, EdgeInferenceConfig>,
    /// The detectors the Edge Endpoint serves.
    #[serde(deserialize_with = "null_as_default")]
    pub detectors: Vec<EdgeDetectorConfig>,
    /// Settings for the whole Edge Endpoint.
    pub global_config: EdgeGlobalConfig,
    /// Fields this SDK does not model (kept and sent back).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The detectors and inference configurations of an Edge configuration without its
/// `global_config`: the official `DetectorsConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeDetectorsConfig {
    /// Named inference configurations; a detector refers to one by name.
    #[serde(deserialize_with = "named_inference_configs")]
    pub edge_inference_configs: BTreeMap<String, EdgeInferenceConfig>,
    /// The detectors.
    #[serde(deserialize_with = "null_as_default")]
    pub detectors: Vec<EdgeDetectorConfig>,
    /// Fields this SDK does not model (kept and sent back).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `global_config` of [`EdgeEndpointConfig`], the official `GlobalConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeGlobalConfig {
    /// Seconds between checks for a new model binary (default 60; `0 < r <= 86400`).
    #[serde(deserialize_with = "lax_f64")]
    pub refresh_rate: f64,
    /// Probability that a confident prediction is sent to the cloud for audit (default 1e-5;
    /// `>= 0`).
    #[serde(deserialize_with = "lax_f64")]
    pub confident_audit_rate: f64,
    /// Fields this SDK does not model (kept and sent back).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for EdgeGlobalConfig {
    fn default() -> Self {
        Self {
            refresh_rate: edge_defaults::REFRESH_RATE,
            confident_audit_rate: edge_defaults::CONFIDENT_AUDIT_RATE,
            extra: Map::new(),
        }
    }
}

/// One named inference configuration, the official `InferenceConfig`.
///
/// The [`name`](Self::name) is not part of the payload: it is the key under
/// [`EdgeEndpointConfig::edge_inference_configs`] (filled in from the key when read). Start from
/// [`EdgeInferenceConfig::new`] or a preset ([`DEFAULT`], [`EDGE_ANSWERS_WITH_ESCALATION`],
/// [`NO_CLOUD`], [`DISABLED`]):
///
/// ```
/// use groundlight::edge::InferenceConfig;
/// let fast = InferenceConfig {
///     always_return_edge_prediction: true,
///     min_time_between_escalations: 0.5,
///     ..InferenceConfig::new("fast")
/// };
/// fast.validate()?;
/// # Ok::<(), groundlight::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeInferenceConfig {
    /// The configuration's name (the official `name`, excluded from the payload).
    #[serde(skip)]
    pub name: String,
    /// Whether the Edge Endpoint accepts image queries for the detector (default true).
    #[serde(deserialize_with = "lax_bool")]
    pub enabled: bool,
    /// API token the Edge Endpoint uses to fetch the detector's model (a field of the official
    /// SDK after 1.3.1); sent only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<String>,
    /// Always answer with the edge prediction, whatever its confidence (default false).
    #[serde(deserialize_with = "lax_bool")]
    pub always_return_edge_prediction: bool,
    /// Never escalate to the cloud; requires `always_return_edge_prediction` (default false).
    #[serde(deserialize_with = "lax_bool")]
    pub disable_cloud_escalation: bool,
    /// Minimum seconds between cloud escalations for a detector (default 30.0; `> 0`).
    #[serde(deserialize_with = "lax_f64")]
    pub min_time_between_escalations: f64,
    /// Fields this SDK does not model (kept and sent back).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for EdgeInferenceConfig {
    /// Unnamed, every field at the official default (name it before use).
    fn default() -> Self {
        Self::new("")
    }
}

/// One detector served by the Edge Endpoint, the official `DetectorConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeDetectorConfig {
    /// The detector (`det_` and 27 letters or digits).
    #[serde(deserialize_with = "null_as_default")]
    pub detector_id: String,
    /// Name of an entry of [`EdgeEndpointConfig::edge_inference_configs`].
    #[serde(deserialize_with = "null_as_default")]
    pub edge_inference_config: String,
    /// Fields this SDK does not model (kept and sent back).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EdgeGlobalConfig {
    /// Checks `0 < refresh_rate <= 86400` and `confident_audit_rate >= 0` (NaN fails both).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let rate = self.refresh_rate;
        if !(rate > 0.0 && rate <= edge_defaults::MAX_REFRESH_RATE) {
            return Err(Error::invalid(format!(
                "global_config.refresh_rate must be greater than 0 and at most 86400 seconds, got {rate}"
            )));
        }
        let audit = self.confident_audit_rate;
        if audit.is_nan() || audit < 0.0 {
            return Err(Error::invalid(format!(
                "global_config.confident_audit_rate must be at least 0, got {audit}"
            )));
        }
        Ok(())
    }
}

impl EdgeInferenceConfig {
    /// A configuration named `name` with every field at the official default.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            enabled: edge_defaults::ENABLED,
            api_token: None,
            always_return_edge_prediction: edge_defaults::ALWAYS_RETURN_EDGE_PREDICTION,
            disable_cloud_escalation: edge_defaults::DISABLE_CLOUD_ESCALATION,
            min_time_between_escalations: edge_defaults::MIN_TIME_BETWEEN_ESCALATIONS,
            extra: Map::new(),
        }
    }

    /// Checks what the official `InferenceConfig` checks: a non-empty name,
    /// `min_time_between_escalations > 0`, and `disable_cloud_escalation` only together with
    /// `always_return_edge_prediction`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`].
    pub fn validate(&self) -> Result<()> {
        if self.name.is_empty() {
            return Err(Error::invalid(
                "an edge inference config needs a non-empty name",
            ));
        }
        let min_time = self.min_time_between_escalations;
        if min_time.is_nan() || min_time <= 0.0 {
            return Err(Error::invalid(format!(
                "edge inference config '{}': min_time_between_escalations must be greater than 0, got {min_time}",
                self.name
            )));
        }
        if self.disable_cloud_escalation && !self.always_return_edge_prediction {
            return Err(Error::invalid(format!(
                "edge inference config '{}': the `disable_cloud_escalation` flag is only valid when \
                 `always_return_edge_prediction` is set to true",
                self.name
            )));
        }
        Ok(())
    }
}

impl EdgeDetectorConfig {
    /// Serves `detector_id` with the inference configuration named `edge_inference_config`.
    pub fn new(detector_id: impl Into<String>, edge_inference_config: impl Into<String>) -> Self {
        Self {
            detector_id: detector_id.into(),
            edge_inference_config: edge_inference_config.into(),
            extra: Map::new(),
        }
    }

    /// Checks the detector id against [`EDGE_DETECTOR_ID_PATTERN`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`].
    pub fn validate(&self) -> Result<()> {
        validate_detector_id(&self.detector_id)
    }
}

/// `^det_[A-Za-z0-9]{27}$`, without a regex engine.
fn validate_detector_id(id: &str) -> Result<()> {
    let ok = id
        .strip_prefix("det_")
        .is_some_and(|rest| rest.len() == 27 && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "detector_id '{id}' is not a detector id (it must match {EDGE_DETECTOR_ID_PATTERN})"
        )))
    }
}

/// The checks of the official `ConfigBase`, shared by both configuration types.
fn validate_detectors(
    configs: &BTreeMap<String, EdgeInferenceConfig>,
    detectors: &[EdgeDetectorConfig],
) -> Result<()> {
    for (key, config) in configs {
        config.validate()?;
        if *key != config.name {
            return Err(Error::invalid(format!(
                "edge inference config key '{key}' must match its name '{}'",
                config.name
            )));
        }
    }
    let mut seen = BTreeSet::new();
    let mut duplicates = BTreeSet::new();
    for detector in detectors {
        detector.validate()?;
        if !seen.insert(detector.detector_id.as_str()) {
            duplicates.insert(detector.detector_id.as_str());
        }
    }
    if !duplicates.is_empty() {
        let list: Vec<&str> = duplicates.into_iter().collect();
        return Err(Error::invalid(format!(
            "duplicate detector ids are not allowed: {}",
            list.join(", ")
        )));
    }
    if let Some(detector) = detectors
        .iter()
        .find(|d| !configs.contains_key(&d.edge_inference_config))
    {
        return Err(Error::invalid(format!(
            "edge inference config '{}' (of detector {}) is not defined",
            detector.edge_inference_config, detector.detector_id
        )));
    }
    Ok(())
}

/// The official `ConfigBase.add_detector`, shared by both configuration types.
fn add_detector_to(
    configs: &mut BTreeMap<String, EdgeInferenceConfig>,
    detectors: &mut Vec<EdgeDetectorConfig>,
    detector: DetectorRef,
    config: &EdgeInferenceConfig,
) -> Result<()> {
    let detector_id = detector.id();
    validate_detector_id(detector_id)?;
    config.validate()?;
    if detectors.iter().any(|d| d.detector_id == detector_id) {
        return Err(Error::invalid(format!(
            "a detector with id '{detector_id}' already exists"
        )));
    }
    match configs.get(&config.name) {
        Some(existing) if existing != config => {
            return Err(Error::invalid(format!(
                "a different inference config named '{}' is already registered",
                config.name
            )));
        }
        Some(_) => {}
        None => {
            configs.insert(config.name.clone(), config.clone());
        }
    }
    detectors.push(EdgeDetectorConfig::new(detector_id, config.name.clone()));
    Ok(())
}

impl EdgeDetectorsConfig {
    /// Serves `detector` (an id or a [`Detector`](crate::models::Detector)) with `config`,
    /// registering `config` under its name (the official `add_detector`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (nothing changed) when the detector is already listed, another
    /// configuration has the same name, the id is not a detector id or `config` is invalid.
    pub fn add_detector(
        &mut self,
        detector: impl Into<DetectorRef>,
        config: &EdgeInferenceConfig,
    ) -> Result<()> {
        add_detector_to(
            &mut self.edge_inference_configs,
            &mut self.detectors,
            detector.into(),
            config,
        )
    }

    /// Checks the whole document (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] describing the first rule broken.
    pub fn validate(&self) -> Result<()> {
        validate_detectors(&self.edge_inference_configs, &self.detectors)
    }

    /// The payload, the official `to_payload()`:
    /// `{"edge_inference_configs": {…}, "detectors": […]}`.
    pub fn to_payload(&self) -> Value {
        to_value(self)
    }

    /// Reads and checks a payload, the official `DetectorsConfig.model_validate(payload)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the payload has the wrong shape or breaks a rule.
    pub fn from_payload(payload: Value) -> Result<Self> {
        let config: Self = from_value(payload)?;
        config.validate()?;
        Ok(config)
    }
}

impl EdgeEndpointConfig {
    /// Serves `detector` (an id or a [`Detector`](crate::models::Detector)) with `config`,
    /// registering `config` under its name (the official `add_detector`).
    ///
    /// ```
    /// use groundlight::edge::{EdgeEndpointConfig, NO_CLOUD};
    /// let mut config = EdgeEndpointConfig::default();
    /// config.add_detector("det_2vcRpzL8aHmO0bb4Dq1NkMEGxzS", &NO_CLOUD)?;
    /// assert!(config.add_detector("det_2vcRpzL8aHmO0bb4Dq1NkMEGxzS", &NO_CLOUD).is_err());
    /// # Ok::<(), groundlight::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (nothing changed) when the detector is already listed, another
    /// configuration has the same name, the id is not a detector id or `config` is invalid.
    pub fn add_detector(
        &mut self,
        detector: impl Into<DetectorRef>,
        config: &EdgeInferenceConfig,
    ) -> Result<()> {
        add_detector_to(
            &mut self.edge_inference_configs,
            &mut self.detectors,
            detector.into(),
            config,
        )
    }

    /// Checks the whole document (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] describing the first rule broken.
    pub fn validate(&self) -> Result<()> {
        self.global_config.validate()?;
        validate_detectors(&self.edge_inference_configs, &self.detectors)
    }

    /// The payload, the official `to_payload()` (`model_dump()`): every field, defaults
    /// included, in the official order — `edge_inference_configs` (without the names),
    /// `detectors`, `global_config`. This is the body of
    /// [`apply_config`](crate::EdgeApi::apply_config).
    ///
    /// ```
    /// use groundlight::edge::EdgeEndpointConfig;
    /// let payload = EdgeEndpointConfig::default().to_payload();
    /// assert_eq!(payload, serde_json::json!({
    ///     "edge_inference_configs": {},
    ///     "detectors": [],
    ///     "global_config": {"refresh_rate": 60.0, "confident_audit_rate": 1e-5},
    /// }));
    /// ```
    pub fn to_payload(&self) -> Value {
        to_value(self)
    }

    /// Reads and checks a payload, the official `EdgeEndpointConfig.from_payload`. Missing
    /// fields take the official defaults; each inference config's name comes from its key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the payload has the wrong shape or breaks a rule.
    pub fn from_payload(payload: Value) -> Result<Self> {
        let config: Self = from_value(payload)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and checks a YAML document, the official `from_yaml(yaml_str=…)`. An empty
    /// document is the default configuration.
    ///
    /// ```
    /// use groundlight::edge::EdgeEndpointConfig;
    /// let config = EdgeEndpointConfig::from_yaml("
    /// global_config:
    ///   refresh_rate: 15.0
    /// edge_inference_configs:
    ///   default:
    ///     enabled: true
    /// detectors:
    ///   - detector_id: det_2vcRpzL8aHmO0bb4Dq1NkMEGxzS
    ///     edge_inference_config: default
    /// ")?;
    /// assert_eq!(config.global_config.refresh_rate, 15.0);
    /// assert_eq!(config.edge_inference_configs["default"].name, "default");
    /// # Ok::<(), groundlight::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for YAML that does not parse, holds more than one document or
    /// breaks a rule.
    pub fn from_yaml(yaml: &str) -> Result<Self> {
        Self::from_payload(yaml_to_json(yaml)?)
    }

    /// Reads and checks a YAML file, the official `from_yaml(filename=…)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a blank path or a bad document, [`Error::Io`] when the file
    /// cannot be read.
    pub fn from_yaml_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if path.as_os_str().to_string_lossy().trim().is_empty() {
            return Err(Error::invalid(
                "the YAML file name must be a non-empty path",
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_yaml(&text)
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    // The configuration types hold only strings, booleans, finite-or-not floats and maps:
    // serialization cannot fail, except for a non-finite float, which serde_json writes as null.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn from_value<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T> {
    serde_json::from_value(payload)
        .map_err(|e| Error::invalid(format!("invalid edge configuration: {e}")))
}

/// Parses one YAML document into JSON (PyYAML's `safe_load`: an empty text is `{}`).
fn yaml_to_json(yaml: &str) -> Result<Value> {
    use yaml_rust2::YamlLoader;
    let docs = YamlLoader::load_from_str(yaml)
        .map_err(|e| Error::invalid(format!("invalid edge configuration YAML: {e}")))?;
    match docs.as_slice() {
        [] => Ok(Value::Object(Map::new())),
        [doc] => match convert_yaml(doc)? {
            Value::Null => Ok(Value::Object(Map::new())),
            value => Ok(value),
        },
        _ => Err(Error::invalid(
            "invalid edge configuration YAML: expected a single document, found several",
        )),
    }
}

fn convert_yaml(node: &yaml_rust2::Yaml) -> Result<Value> {
    use yaml_rust2::Yaml;
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Real(text) => {
            let number = node.as_f64().and_then(serde_json::Number::from_f64);
            match number {
                Some(n) => Value::Number(n),
                None => {
                    return Err(Error::invalid(format!(
                        "invalid edge configuration YAML: {text} is not a finite number"
                    )));
                }
            }
        }
        Yaml::Array(items) => Value::Array(items.iter().map(convert_yaml).collect::<Result<_>>()?),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (key, value) in hash {
                let key = match key {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => {
                        return Err(Error::invalid(
                            "invalid edge configuration YAML: a mapping key is not a plain value",
                        ));
                    }
                };
                map.insert(key, convert_yaml(value)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(Error::invalid(
                "invalid edge configuration YAML: an unresolved alias or a bad tagged value",
            ));
        }
    })
}

/// `edge_inference_configs`: `null` is empty, and each config's name comes from its key (a
/// `name` inside the object wins, as the official hydration does, and then fails validation when
/// it differs from the key).
fn named_inference_configs<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<BTreeMap<String, EdgeInferenceConfig>, D::Error> {
    let configs: Option<BTreeMap<String, EdgeInferenceConfig>> = Option::deserialize(deserializer)?;
    let mut configs = configs.unwrap_or_default();
    for (key, config) in &mut configs {
        config.name = match config.extra.remove("name") {
            Some(Value::String(name)) => name,
            Some(other) => other.to_string(),
            None => key.clone(),
        };
    }
    Ok(configs)
}

/// A boolean as pydantic's lax mode reads one: `true`/`false`, `0`/`1`, and the strings
/// `yes`/`no`/`on`/`off`/`y`/`n`/`t`/`f`/`true`/`false`/`1`/`0` in any case (not `null`).
fn lax_bool<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<bool, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let parsed = match &value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            _ => None,
        },
        Value::Null => return Err(D::Error::custom("expected a boolean, found null")),
        _ => None,
    };
    parsed.ok_or_else(|| D::Error::custom(format!("expected a boolean, found {value}")))
}

/// A number as pydantic's lax mode reads one: a JSON number or a numeric string (`"1e-5"`).
fn lax_f64<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<f64, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let parsed = match &value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| D::Error::custom(format!("expected a number, found {value}")))
}
