//! Wire models of the Groundlight API: what requests send and responses return.
//!
//! Most types are generated from the OpenAPI spec (`public-api.yaml`, `info.version`
//! [`OPENAPI_SPEC_VERSION`]) into `models/generated.rs` by `cargo xtask codegen`; never edit that
//! file by hand. This module re-exports them and adds what the spec cannot express:
//!
//! * [`ImageQueryResult`]: the image query's `result`, one enum chosen by `result_type`, with an
//!   `Unknown` fallback, plus convenience accessors on [`ImageQuery`] ([`ImageQuery::label`],
//!   [`ImageQuery::confidence`], [`ImageQuery::is_confident`] …).
//! * [`normalize_binary_label`]: the official SDK's mapping of legacy labels (`PASS` → `YES` …).
//! * [`ModeConfiguration`]: a detector's per-mode configuration.
//! * [`Paginated`]: the generic page behind `PaginatedDetectorList` and friends.
//! * Models for calls the spec lacks or describes too thinly: [`Me`], [`SyntheticImage`],
//!   [`Inspection`], [`DetectorMetrics`], [`DetectorEvaluation`] and the Edge Endpoint's
//!   [`EdgeEndpointConfig`], [`EdgeDetectorReadiness`] and [`EdgeInfo`].
//!
//! # Leniency
//!
//! Responses decode even when the server is looser than the spec: missing fields take their
//! `Default`, unknown fields are ignored (or kept in an `extra` map on the hand-written models),
//! a `null` where the spec promises a value becomes the default, and string enums are *open*:
//! a value this SDK does not know (a new `source`, a new label) is kept as `Unknown(String)` and
//! serializes back unchanged. Response structs are `#[non_exhaustive]`; build one (in tests) from
//! `Default` and assign fields. Request structs (`…Request`, the mode configurations) are plain
//! structs with public fields, constructors and `Default`.
//!
//! # Numbers
//!
//! Integers are `i64`; every JSON number is an `f64`, including the spec's `format: float`
//! confidences, so that a confidence compares with a threshold exactly as in the Python SDK.

pub mod edge_config;
mod generated;

pub use edge_config::*;
pub use generated::*;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use vision_sdk_common::internal::serde::{non_negative, null_as_default};

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/// One page of a paginated list (`GET /v1/detectors`, `/v1/image-queries`, `/v1/priming-groups`,
/// …): Django-REST style, `page` is 1-based and `page_size` defaults to 10 on the server.
///
/// The spec's `Paginated…List` schemas are aliases of this type, e.g. [`PaginatedDetectorList`].
/// `next`/`previous` are absolute URLs of the neighbouring pages, or `None` at either end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Paginated<T> {
    /// Number of items across all pages (`None` when the server sends `null`; never
    /// negative).
    #[serde(deserialize_with = "non_negative")]
    pub count: Option<i64>,
    /// URL of the next page, if there is one.
    pub next: Option<String>,
    /// URL of the previous page, if there is one.
    pub previous: Option<String>,
    /// The items on this page.
    #[serde(deserialize_with = "null_as_default")]
    pub results: Vec<T>,
}

impl<T> Default for Paginated<T> {
    fn default() -> Self {
        Self {
            count: None,
            next: None,
            previous: None,
            results: Vec::new(),
        }
    }
}

impl<T> Paginated<T> {
    /// Whether the server reported a next page.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// The items on this page.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.results.iter()
    }

    /// The items on this page, by value.
    pub fn into_results(self) -> Vec<T> {
        self.results
    }
}

impl<T> From<Paginated<T>> for vision_sdk_common::page::Page<T> {
    /// The family's page type (`next`/`previous` become `has_next`).
    fn from(page: Paginated<T>) -> Self {
        Self {
            has_next: page.next.is_some(),
            total: page.count.and_then(|n| u64::try_from(n).ok()),
            items: page.results,
        }
    }
}

impl<T> IntoIterator for Paginated<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Paginated<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}

// ---------------------------------------------------------------------------------------------
// Binary labels
// ---------------------------------------------------------------------------------------------

/// Normalizes a binary-classification label the way the official SDK does before showing it
/// (`binary_labels.py`, `convert_internal_label_to_display`): case-insensitively, `YES`/`PASS` →
/// [`Label::Yes`], `NO`/`FAIL` → [`Label::No`], `UNCLEAR`/`NEEDS_REVIEW`/`__UNSURE` →
/// [`Label::Unclear`]. Anything else is left alone, as [`Label::Unknown`] with the original text.
///
/// Binary results are normalized with this when they are deserialized.
pub fn normalize_binary_label(label: &str) -> Label {
    // ASCII labels (all real ones) are compared without allocating; others are upper-cased as
    // Unicode, which can turn e.g. `ſ` into `S`.
    let upper;
    let key = if label.is_ascii() {
        label
    } else {
        upper = label.to_uppercase();
        upper.as_str()
    };
    let is = |name: &str| {
        if label.is_ascii() {
            key.eq_ignore_ascii_case(name)
        } else {
            key == name
        }
    };
    if is("YES") || is("PASS") {
        Label::Yes
    } else if is("NO") || is("FAIL") {
        Label::No
    } else if is("UNCLEAR") || is("NEEDS_REVIEW") || is("__UNSURE") {
        Label::Unclear
    } else {
        Label::from(label)
    }
}

// ---------------------------------------------------------------------------------------------
// Image query results
// ---------------------------------------------------------------------------------------------

/// The `result` of an [`ImageQuery`]: one kind per `result_type`.
///
/// The spec's `oneOf` has no discriminator, so the kind is chosen by the result's own
/// `result_type` field when it has one (every observed response does), else by the enclosing
/// image query's `result_type`. A kind this SDK does not know, a result without any
/// `result_type`, or a result that does not fit its kind is kept as [`ImageQueryResult::Unknown`]
/// instead of failing the whole response. Serializes back to the result object.
///
/// As in the official SDK, a binary label is normalized with [`normalize_binary_label`], and a
/// counting result that carries a (legacy) `label` has its `count` cleared (`client.py`,
/// `get_image_query`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ImageQueryResult {
    /// `binary_classification`: a YES / NO / UNCLEAR answer.
    Binary(BinaryClassificationResult),
    /// `counting`: how many objects.
    Counting(CountingResult),
    /// `multi_classification`: one of the detector's class names.
    MultiClass(MultiClassificationResult),
    /// `text_recognition`: the text read from the image.
    Text(TextRecognitionResult),
    /// `bounding_box`: the boxes themselves are in [`ImageQuery::rois`].
    BoundingBox(BoundingBoxResult),
    /// A result of a kind this SDK does not know, or that did not fit its declared kind.
    Unknown(Value),
}

impl ImageQueryResult {
    /// Decodes a result object leniently: like [`Self::try_from_json`], but a result that does
    /// not fit its declared kind is kept as [`ImageQueryResult::Unknown`] instead of failing.
    pub fn from_json(value: Value, result_type: Option<&ResultTypeEnum>) -> Self {
        match Self::try_from_json(value.clone(), result_type) {
            Ok(result) => result,
            Err(_) => Self::Unknown(value),
        }
    }

    /// Decodes a result object. `result_type` (the enclosing image query's) is used only when
    /// the object has no `result_type` of its own. A kind this SDK does not know is
    /// [`ImageQueryResult::Unknown`]; a known kind that does not fit (a confidence outside
    /// `0..=1`, a negative count, a field of the wrong type) is an error, so a broken answer
    /// can never end a wait as "confident". This is what deserialization uses.
    ///
    /// # Errors
    ///
    /// serde's error for a result of a known kind that does not fit it.
    pub fn try_from_json(
        value: Value,
        result_type: Option<&ResultTypeEnum>,
    ) -> Result<Self, serde_json::Error> {
        let own = value
            .get("result_type")
            .and_then(Value::as_str)
            .map(ResultTypeEnum::from);
        let Some(kind) = own.or_else(|| result_type.cloned()) else {
            return Ok(Self::Unknown(value));
        };
        Ok(match kind {
            ResultTypeEnum::BinaryClassification => {
                let mut result = BinaryClassificationResult::deserialize(&value)?;
                result.label = normalize_binary_label(result.label.as_str());
                Self::Binary(result)
            }
            ResultTypeEnum::Counting => {
                let mut result = CountingResult::deserialize(&value)?;
                if value.get("label").is_some_and(is_truthy) {
                    result.count = None;
                }
                Self::Counting(result)
            }
            ResultTypeEnum::MultiClassification => {
                Self::MultiClass(MultiClassificationResult::deserialize(&value)?)
            }
            ResultTypeEnum::TextRecognition => {
                Self::Text(TextRecognitionResult::deserialize(&value)?)
            }
            ResultTypeEnum::BoundingBox => {
                Self::BoundingBox(BoundingBoxResult::deserialize(&value)?)
            }
            _ => Self::Unknown(value),
        })
    }

    /// The kind of result: the variant's, or the `result_type` of an unknown one.
    pub fn result_type(&self) -> Option<ResultTypeEnum> {
        match self {
            Self::Binary(_) => Some(ResultTypeEnum::BinaryClassification),
            Self::Counting(_) => Some(ResultTypeEnum::Counting),
            Self::MultiClass(_) => Some(ResultTypeEnum::MultiClassification),
            Self::Text(_) => Some(ResultTypeEnum::TextRecognition),
            Self::BoundingBox(_) => Some(ResultTypeEnum::BoundingBox),
            Self::Unknown(value) => value
                .get("result_type")
                .and_then(Value::as_str)
                .map(ResultTypeEnum::from),
        }
    }

    /// The confidence, `0.0..=1.0`; `None` when the server sent none (e.g. some human labels),
    /// and for a result of an unknown kind whose `confidence` is not a number in `0..=1`.
    pub fn confidence(&self) -> Option<f64> {
        match self {
            Self::Binary(r) => r.confidence,
            Self::Counting(r) => r.confidence,
            Self::MultiClass(r) => r.confidence,
            Self::Text(r) => r.confidence,
            Self::BoundingBox(r) => r.confidence,
            Self::Unknown(value) => value
                .get("confidence")
                .and_then(Value::as_f64)
                .filter(|c| (0.0..=1.0).contains(c)),
        }
    }

    /// Who produced the answer (`ALGORITHM`, `CLOUD`, `STILL_PROCESSING` …).
    pub fn source(&self) -> Option<Source> {
        match self {
            Self::Binary(r) => r.source.clone(),
            Self::Counting(r) => r.source.clone(),
            Self::MultiClass(r) => r.source.clone(),
            Self::Text(r) => r.source.clone(),
            Self::BoundingBox(r) => r.source.clone(),
            Self::Unknown(value) => value
                .get("source")
                .and_then(Value::as_str)
                .map(Source::from),
        }
    }

    /// Whether the answer came from an Edge Endpoint.
    pub fn from_edge(&self) -> Option<bool> {
        match self {
            Self::Binary(r) => r.from_edge,
            Self::Counting(r) => r.from_edge,
            Self::MultiClass(r) => r.from_edge,
            Self::Text(r) => r.from_edge,
            Self::BoundingBox(r) => r.from_edge,
            Self::Unknown(value) => value.get("from_edge").and_then(Value::as_bool),
        }
    }

    /// The label as text: the (normalized) binary label, the class name, or the bounding-box
    /// label. `None` for counting and text results.
    pub fn label(&self) -> Option<&str> {
        match self {
            Self::Binary(r) => Some(r.label.as_str()),
            Self::MultiClass(r) => Some(&r.label),
            Self::BoundingBox(r) => Some(r.label.as_str()),
            Self::Counting(_) | Self::Text(_) => None,
            Self::Unknown(value) => value.get("label").and_then(Value::as_str),
        }
    }

    /// The binary label, for binary results.
    pub fn binary_label(&self) -> Option<&Label> {
        match self {
            Self::Binary(r) => Some(&r.label),
            _ => None,
        }
    }

    /// The count, for counting results that have one.
    pub fn count(&self) -> Option<i64> {
        match self {
            Self::Counting(r) => r.count,
            _ => None,
        }
    }

    /// The recognized text, for text results that have some.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(r) => r.text.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a real answer rather than a placeholder: it has a `source` that is not
    /// empty and not `STILL_PROCESSING` (`iq_is_answered` in the official SDK).
    pub fn is_answered(&self) -> bool {
        self.source()
            .is_some_and(|source| !source.as_str().is_empty() && source != Source::StillProcessing)
    }

    /// Whether the confidence is present, non-zero and at least `threshold` (`iq_is_confident` in
    /// the official SDK: a `null` or `0` confidence never counts as confident).
    pub fn is_confident(&self, threshold: f64) -> bool {
        self.confidence()
            .is_some_and(|c| c != 0.0 && c >= threshold)
    }
}

/// Python truthiness of a JSON value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

impl Serialize for ImageQueryResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Binary(r) => r.serialize(serializer),
            Self::Counting(r) => r.serialize(serializer),
            Self::MultiClass(r) => r.serialize(serializer),
            Self::Text(r) => r.serialize(serializer),
            Self::BoundingBox(r) => r.serialize(serializer),
            Self::Unknown(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ImageQueryResult {
    /// Dispatches on the result's own `result_type`; inside an [`ImageQuery`], a result without
    /// one is dispatched again on the image query's `result_type`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from_json(Value::deserialize(deserializer)?, None)
            .map_err(serde::de::Error::custom)
    }
}

/// Called by the generated `Deserialize for ImageQuery`: a result that did not name its own kind
/// is decoded again with the image query's `result_type`.
fn after_deserialize_image_query(image_query: &mut ImageQuery) -> Result<(), String> {
    let own_kind = |value: &Value| value.get("result_type").and_then(Value::as_str).is_some();
    if let Some(ImageQueryResult::Unknown(value)) = &mut image_query.result
        && !own_kind(value)
        && !image_query.result_type.is_unknown()
    {
        let value = std::mem::take(value);
        image_query.result = Some(
            ImageQueryResult::try_from_json(value, Some(&image_query.result_type))
                .map_err(|e| format!("result: {e}"))?,
        );
    }
    Ok(())
}

impl ImageQuery {
    /// The label of the result, if any (see [`ImageQueryResult::label`]).
    pub fn label(&self) -> Option<&str> {
        self.result.as_ref().and_then(ImageQueryResult::label)
    }

    /// The binary label, for binary detectors (normalized, see [`normalize_binary_label`]).
    pub fn binary_label(&self) -> Option<&Label> {
        self.result
            .as_ref()
            .and_then(ImageQueryResult::binary_label)
    }

    /// The confidence of the result, if any.
    pub fn confidence(&self) -> Option<f64> {
        self.result.as_ref().and_then(ImageQueryResult::confidence)
    }

    /// Who produced the result (`ALGORITHM`, `STILL_PROCESSING` …), if there is one.
    pub fn source(&self) -> Option<Source> {
        self.result.as_ref().and_then(ImageQueryResult::source)
    }

    /// The count, for counting detectors.
    pub fn count(&self) -> Option<i64> {
        self.result.as_ref().and_then(ImageQueryResult::count)
    }

    /// The recognized text, for text-recognition detectors.
    pub fn text_result(&self) -> Option<&str> {
        self.result.as_ref().and_then(ImageQueryResult::text)
    }

    /// Whether the image query has a real answer (see [`ImageQueryResult::is_answered`]);
    /// `false` while `result` is `null` (e.g. right after an async submit).
    pub fn is_answered(&self) -> bool {
        self.result
            .as_ref()
            .is_some_and(ImageQueryResult::is_answered)
    }

    /// Whether the answer is confident at `threshold` (see [`ImageQueryResult::is_confident`]).
    pub fn is_confident(&self, threshold: f64) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.is_confident(threshold))
    }
}

// ---------------------------------------------------------------------------------------------
// Detector modes
// ---------------------------------------------------------------------------------------------

/// A detector's per-mode configuration (`mode_configuration`), sent when creating a counting,
/// multi-class, text or bounding-box detector and returned on [`Detector`].
///
/// On the wire it is the bare configuration object, so its kind depends on the detector's
/// `mode`: [`ModeConfiguration::for_mode`] types it by mode (as the requests deserialized here do),
/// while plain deserialization guesses from the keys and keeps an ambiguous object (a lone
/// `class_name` fits both counting and bounding boxes) as [`ModeConfiguration::Other`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModeConfiguration {
    /// `COUNT`.
    Count(CountModeConfiguration),
    /// `MULTI_CLASS`.
    MultiClass(MultiClassModeConfiguration),
    /// `TEXT` (the official SDK sends `{}`).
    Text(TextModeConfiguration),
    /// `BOUNDING_BOX`.
    BoundingBox(BoundingBoxModeConfiguration),
    /// A configuration of an unknown mode, or one whose kind could not be told.
    Other(Map<String, Value>),
}

impl ModeConfiguration {
    /// Types a configuration object by the detector mode it belongs to; a mode this SDK does not
    /// know, or an object that does not fit, stays [`ModeConfiguration::Other`].
    pub fn for_mode(mode: &ModeEnum, config: Map<String, Value>) -> Self {
        let value = Value::Object(config);
        let typed = match mode {
            ModeEnum::Count => CountModeConfiguration::deserialize(&value)
                .ok()
                .map(Self::Count),
            ModeEnum::MultiClass => MultiClassModeConfiguration::deserialize(&value)
                .ok()
                .map(Self::MultiClass),
            ModeEnum::Text => TextModeConfiguration::deserialize(&value)
                .ok()
                .map(Self::Text),
            ModeEnum::BoundingBox => BoundingBoxModeConfiguration::deserialize(&value)
                .ok()
                .map(Self::BoundingBox),
            _ => None,
        };
        typed.unwrap_or_else(|| match value {
            Value::Object(map) => Self::Other(map),
            _ => Self::Other(Map::new()),
        })
    }

    /// The detector mode this configuration belongs to (`None` for [`ModeConfiguration::Other`]).
    pub fn mode(&self) -> Option<ModeEnum> {
        match self {
            Self::Count(_) => Some(ModeEnum::Count),
            Self::MultiClass(_) => Some(ModeEnum::MultiClass),
            Self::Text(_) => Some(ModeEnum::Text),
            Self::BoundingBox(_) => Some(ModeEnum::BoundingBox),
            Self::Other(_) => None,
        }
    }

    fn to_map(&self) -> Map<String, Value> {
        let value = match self {
            Self::Count(c) => serde_json::to_value(c),
            Self::MultiClass(c) => serde_json::to_value(c),
            Self::Text(c) => serde_json::to_value(c),
            Self::BoundingBox(c) => serde_json::to_value(c),
            Self::Other(map) => return map.clone(),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

impl Serialize for ModeConfiguration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Count(c) => c.serialize(serializer),
            Self::MultiClass(c) => c.serialize(serializer),
            Self::Text(c) => c.serialize(serializer),
            Self::BoundingBox(c) => c.serialize(serializer),
            Self::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ModeConfiguration {
    /// Guesses the kind from keys only the kind has (`class_names`, `max_count`,
    /// `max_num_bboxes`, `value_max_length`; `{}` is `TEXT`); anything else is `Other`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        let mode = if map.contains_key("class_names") {
            Some(ModeEnum::MultiClass)
        } else if map.contains_key("max_count") {
            Some(ModeEnum::Count)
        } else if map.contains_key("max_num_bboxes") {
            Some(ModeEnum::BoundingBox)
        } else if map.is_empty() || map.contains_key("value_max_length") {
            Some(ModeEnum::Text)
        } else {
            None
        };
        Ok(match mode {
            Some(mode) => Self::for_mode(&mode, map),
            None => Self::Other(map),
        })
    }
}

/// Called by the generated `Deserialize for DetectorCreationInputRequest`: types the
/// `mode_configuration` by the request's `mode`.
fn after_deserialize_detector_creation_input(
    request: &mut DetectorCreationInputRequest,
) -> Result<(), String> {
    if let (Some(mode), Some(config)) = (&request.mode, &request.mode_configuration)
        && config.mode().as_ref() != Some(mode)
    {
        request.mode_configuration = Some(ModeConfiguration::for_mode(mode, config.to_map()));
    }
    Ok(())
}

impl Detector {
    /// The `mode_configuration`, typed by the detector's `mode`.
    pub fn typed_mode_configuration(&self) -> Option<ModeConfiguration> {
        let config = self.mode_configuration.clone()?;
        Some(ModeConfiguration::for_mode(&self.mode, config))
    }
}

impl CountModeConfiguration {
    /// Counts objects of `class_name` (the server's default maximum applies).
    pub fn new(class_name: impl Into<String>) -> Self {
        Self {
            class_name: class_name.into(),
            max_count: None,
        }
    }
}

impl MultiClassModeConfiguration {
    /// Classifies into one of `class_names`.
    pub fn new<I, S>(class_names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            class_names: class_names.into_iter().map(Into::into).collect(),
            num_classes: None,
        }
    }
}

impl BoundingBoxModeConfiguration {
    /// Boxes objects of `class_name` (the server's default maximum applies).
    pub fn new(class_name: impl Into<String>) -> Self {
        Self {
            class_name: class_name.into(),
            max_num_bboxes: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request constructors
// ---------------------------------------------------------------------------------------------

impl DetectorCreationInputRequest {
    /// A binary detector named `name` answering `query`; set other fields as needed.
    pub fn new(name: impl Into<String>, query: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            query: query.into(),
            ..Self::default()
        }
    }

    /// Sets `mode_configuration` and the matching `mode`.
    pub fn with_mode_configuration(mut self, config: ModeConfiguration) -> Self {
        if let Some(mode) = config.mode() {
            self.mode = Some(mode);
        }
        self.mode_configuration = Some(config);
        self
    }
}

impl LabelValueRequest {
    /// Labels image query `image_query_id` (`iq_…`) with `label` (`YES`/`NO`/`UNCLEAR`, a class
    /// name, a count as text, …).
    pub fn new(image_query_id: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            label: Some(label.into()),
            image_query_id: image_query_id.into(),
            rois: None,
        }
    }
}

impl DetectorGroupRequest {
    /// A detector group named `name` (1 to 100 characters).
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

impl ApiTokenRequest {
    /// An API token named `name` that never expires.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            expires_at: None,
        }
    }
}

impl BBoxGeometryRequest {
    /// A box in normalized (`0.0..=1.0`) image coordinates.
    pub fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Self {
            left,
            top,
            right,
            bottom,
        }
    }
}

impl RoiRequest {
    /// A labelled region of interest.
    pub fn new(label: impl Into<String>, geometry: BBoxGeometryRequest) -> Self {
        Self {
            label: label.into(),
            geometry,
        }
    }
}

impl Roi {
    /// A region of interest from its corners in normalized coordinates, with score 1.0 and the
    /// centre as `x`/`y` (what the official SDK's `create_roi` builds locally).
    pub fn from_corners(
        label: impl Into<String>,
        top_left: (f64, f64),
        bottom_right: (f64, f64),
    ) -> Self {
        let (left, top) = top_left;
        let (right, bottom) = bottom_right;
        Self {
            label: label.into(),
            score: 1.0,
            geometry: BBoxGeometry {
                left,
                top,
                right,
                bottom,
                x: (left + right) / 2.0,
                y: (top + bottom) / 2.0,
            },
        }
    }

    /// The request form of this region (label and corners) for [`LabelValueRequest::rois`].
    pub fn to_request(&self) -> RoiRequest {
        let g = &self.geometry;
        RoiRequest::new(
            self.label.clone(),
            BBoxGeometryRequest::new(g.left, g.top, g.right, g.bottom),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Models the spec lacks
// ---------------------------------------------------------------------------------------------

/// `GET /v1/me`: the account behind the API token, in the shape SDK 1.3.1 expects (the spec only
/// lists `username`). `whoami()` in the official SDK returns [`Me::email`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Me {
    /// The user's e-mail address.
    pub email: Option<String>,
    /// The user's username.
    pub username: Option<String>,
    /// The account group the user belongs to.
    pub group: Option<Group>,
    /// Whether the user has elevated (staff) permissions; the official SDK logs a warning.
    pub is_superuser: Option<bool>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The account group in [`Me`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Group {
    /// Numeric group id.
    pub id: Option<i64>,
    /// Group name (at most 150 characters).
    pub name: Option<String>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /v1/synthetic-images` (SDK 1.3.1, not in the spec): an image generated from the
/// uploaded one through a "lens".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SyntheticImage {
    /// Id of the synthetic image.
    pub id: Option<String>,
    /// The generated image: base64-encoded PNG.
    #[serde(deserialize_with = "null_as_default")]
    pub image: String,
    /// Width in pixels.
    pub width: Option<i64>,
    /// Height in pixels.
    pub height: Option<i64>,
    /// The label the image was generated for.
    pub label: Option<String>,
    /// Regions of interest in the generated image.
    pub rois: Option<Vec<Roi>>,
    /// Index in `rois` of the region the lens added, if it added one.
    pub added_roi_index: Option<i64>,
    /// Free-form metadata about the generation.
    pub metadata: Option<Value>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An inspection (`/inspections`, removed from the official SDK in 0.28.0 and absent from the
/// spec): a group of image queries with user metadata that is closed with a PASS/FAIL result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Inspection {
    /// Inspection id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: String,
    /// Status; [`Inspection::STATUS_COMPLETE`] once closed.
    pub status: Option<String>,
    /// Overall result once closed: `PASS` or `FAIL`.
    pub result: Option<String>,
    /// The first ("primary") metadata key given to the inspection.
    pub user_provided_id_key: Option<String>,
    /// The value of [`Inspection::user_provided_id_key`].
    pub user_provided_id_value: Option<String>,
    /// All metadata given to the inspection.
    pub user_metadata: Option<Map<String, Value>>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Inspection {
    /// The `status` of a closed inspection.
    pub const STATUS_COMPLETE: &'static str = "COMPLETE";

    /// Whether the inspection is closed (metadata can no longer be added).
    pub fn is_complete(&self) -> bool {
        self.status.as_deref() == Some(Self::STATUS_COMPLETE)
    }
}

/// `PATCH /inspections/{id}` body: close the inspection or update its metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InspectionUpdateRequest {
    /// `"COMPLETE"` to close the inspection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Set the primary metadata key (only when the inspection has none yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_provided_id_key: Option<String>,
    /// Value of the primary metadata key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_provided_id_value: Option<String>,
    /// The whole metadata object serialized as a JSON *string* (as the official SDK sends it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_metadata_json: Option<String>,
}

/// `GET /v1/detectors/{id}/metrics` (an inline schema in the spec): label counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DetectorMetrics {
    /// `num_ground_truth`, `num_current_source_human`, `class_counts`, `unconfident_counts`,
    /// `total_iqs`; `None` when the server has no metrics yet.
    pub summary: Option<Map<String, Value>>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /v1/detectors/{id}/evaluation` (an inline schema in the spec).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DetectorEvaluation {
    /// `eval_timestamp`, `total_ground_truth_examples`, k-fold accuracies, system accuracies by
    /// threshold, …; `None` when there is not enough ground truth to evaluate the detector.
    pub evaluation_results: Option<Map<String, Value>>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A detector's entry in `GET <edge>/edge-detector-readiness`, which maps detector ids to these
/// (see [`EdgeDetectorReadinessMap`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct EdgeDetectorReadiness {
    /// Whether an inference pod is ready to serve the detector.
    #[serde(deserialize_with = "null_as_default")]
    pub ready: bool,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET <edge>/edge-detector-readiness`: detector id → readiness.
pub type EdgeDetectorReadinessMap = BTreeMap<String, EdgeDetectorReadiness>;

/// `GET <edge>/edge-info`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct EdgeInfo {
    /// Origin of the Groundlight cloud the Edge Endpoint forwards to, e.g.
    /// `https://api.groundlight.ai`.
    pub upstream_endpoint: Option<String>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    fn decode<T: DeserializeOwned>(value: &Value) -> T {
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"))
    }

    /// Serializes back to JSON, dropping `null`s (which this SDK omits for unset optional fields).
    fn reencode<T: Serialize>(model: &T) -> Value {
        strip_nulls(serde_json::to_value(model).expect("serializes"))
    }

    fn strip_nulls(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
            other => other,
        }
    }

    // --- Golden requests: every JSON body the official SDK sent ----------------------------

    /// Every JSON request body in the golden wire log decodes into the request model of its
    /// endpoint and re-encodes to the same JSON (less `null`s, and less the ROI fields the SDK
    /// sends beyond the spec's `ROIRequest`: `score`, `geometry.x`, `geometry.y`).
    ///
    /// The wire log records requests only: the response bodies the SDK decoded came from
    /// `fake_server.py` and are reproduced in `responses_of_the_golden_fake_server_decode`.
    #[test]
    fn golden_request_bodies_round_trip() {
        let Some(path) = vision_sdk_testkit::require_shared(
            "protocols/golden/groundlight/wire_log.jsonl",
            "models::tests::golden_request_bodies_round_trip",
        ) else {
            return; // shared/ is not beside this checkout (outside CI): a logged skip
        };
        let log = std::fs::read_to_string(&path).expect("read wire_log.jsonl");
        let mut checked = 0;
        for (line_no, line) in log
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let record: Value = serde_json::from_str(line).expect("wire_log line is JSON");
            let Some(body) = record.get("body_json") else {
                continue;
            };
            let method = record["method"].as_str().unwrap_or_default();
            let path = record["path"].as_str().unwrap_or_default();
            let route = path.strip_prefix("/device-api/v1").unwrap_or(path);
            let at = format!("wire_log.jsonl:{} {method} {path}", line_no + 1);
            let (decoded, mut expected) = match (method, route) {
                ("POST", "/detectors") => {
                    let request: DetectorCreationInputRequest = decode(body);
                    assert!(
                        !request.name.is_empty() && !request.query.is_empty(),
                        "{at}"
                    );
                    if let Some(config) = &request.mode_configuration {
                        assert_eq!(config.mode(), request.mode, "{at}: config typed by mode");
                    }
                    (reencode(&request), strip_nulls(body.clone()))
                }
                ("PATCH", r) if r.starts_with("/detectors/") => {
                    let request: PatchedDetectorRequest = decode(body);
                    if let Some(status) = &request.status {
                        assert!(!status.is_unknown(), "{at}");
                    }
                    if let Some(escalation) = &request.escalation_type {
                        assert!(!escalation.is_unknown(), "{at}");
                    }
                    (reencode(&request), strip_nulls(body.clone()))
                }
                ("POST", "/labels") => {
                    let request: LabelValueRequest = decode(body);
                    assert!(request.image_query_id.starts_with("iq_"), "{at}");
                    let mut expected = strip_nulls(body.clone());
                    for roi in expected
                        .get_mut("rois")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        let roi = roi.as_object_mut().expect("roi object");
                        roi.remove("score");
                        let geometry = roi
                            .get_mut("geometry")
                            .and_then(Value::as_object_mut)
                            .expect("geometry");
                        geometry.remove("x");
                        geometry.remove("y");
                    }
                    (reencode(&request), expected)
                }
                ("POST", "/detector-groups") => {
                    let request: DetectorGroupRequest = decode(body);
                    (reencode(&request), strip_nulls(body.clone()))
                }
                _ => panic!("{at}: no request model mapped for this JSON body; add one here"),
            };
            // Numbers compare as f64 (the SDK sent `45.0`, which is what we send too).
            expected = serde_json::from_str(&expected.to_string()).expect("reparse");
            assert_eq!(decoded, expected, "{at}");
            checked += 1;
        }
        assert!(
            checked >= 14,
            "only {checked} JSON request bodies found in {}",
            path.display()
        );
    }

    // --- Golden responses (the canned bodies of shared/protocols/golden/groundlight/fake_server.py)

    const NOW: &str = "2026-01-01T00:00:00.000000Z";

    fn fake_detector(id: &str, mode: &str, mode_configuration: Value) -> Value {
        json!({
            "id": id, "type": "detector", "created_at": NOW, "name": "door-detector",
            "query": "Is the door open?", "group_name": "default", "confidence_threshold": 0.9,
            "patience_time": 30.0, "metadata": null, "mode": mode,
            "mode_configuration": mode_configuration, "status": "ON", "escalation_type": "STANDARD",
        })
    }

    fn fake_image_query(id: &str, result_type: &str, result: Value) -> Value {
        json!({
            "metadata": null, "id": id, "type": "image_query", "created_at": NOW,
            "query": "Is the door open?", "detector_id": "det_abc123", "result_type": result_type,
            "result": result, "patience_time": 30.0, "confidence_threshold": 0.9, "rois": null,
            "text": null, "done_processing": false,
        })
    }

    fn binary_result(source: &str, confidence: f64, label: &str) -> Value {
        json!({
            "confidence": confidence, "source": source, "result_type": "binary_classification",
            "from_edge": false, "label": label,
        })
    }

    #[test]
    fn responses_of_the_golden_fake_server_decode() {
        let me: Me = decode(&json!({
            "email": "probe@example.com", "username": "probe@example.com",
            "group": {"id": 1, "name": "probe-group"}, "is_superuser": false,
        }));
        assert_eq!(me.email.as_deref(), Some("probe@example.com"));
        assert_eq!(me.group.as_ref().and_then(|g| g.id), Some(1));
        assert_eq!(me.is_superuser, Some(false));

        let token: ApiToken = decode(&json!({
            "name": "probe token", "raw_key_snippet": "api_2probeTOKEN01234", "created_at": NOW,
            "last_used_at": null, "expires_at": null, "token_ttl": null,
        }));
        assert_eq!(token.raw_key_snippet, "api_2probeTOKEN01234");
        assert_eq!(token.token_ttl, None);

        let detector: Detector = decode(&fake_detector("det_abc123", "BINARY", Value::Null));
        assert_eq!(detector.id, "det_abc123");
        assert_eq!(detector.r#type, DetectorTypeEnum::Detector);
        assert_eq!(detector.mode, ModeEnum::Binary);
        assert_eq!(detector.status, Some(StatusEnum::On));
        assert_eq!(detector.escalation_type, Some(EscalationTypeEnum::Standard));
        assert_eq!(detector.confidence_threshold, Some(0.9));
        assert_eq!(detector.typed_mode_configuration(), None);
        assert_eq!(
            reencode(&detector),
            strip_nulls(fake_detector("det_abc123", "BINARY", Value::Null))
        );

        let counting: Detector = decode(&fake_detector(
            "det_new001",
            "COUNT",
            json!({"class_name": "car", "max_count": 7}),
        ));
        assert_eq!(
            counting.typed_mode_configuration(),
            Some(ModeConfiguration::Count(CountModeConfiguration {
                class_name: "car".into(),
                max_count: Some(7)
            }))
        );
        let boxes: Detector = decode(&fake_detector(
            "det_new001",
            "BOUNDING_BOX",
            json!({"class_name": "person"}),
        ));
        assert_eq!(
            boxes.typed_mode_configuration(),
            Some(ModeConfiguration::BoundingBox(
                BoundingBoxModeConfiguration::new("person")
            ))
        );

        let page: PaginatedDetectorList = decode(&json!({
            "count": 42, "next": null, "previous": null,
            "results": [fake_detector("det_abc123", "BINARY", Value::Null), fake_detector("det_def456", "BINARY", Value::Null)],
        }));
        assert_eq!(page.count, Some(42));
        assert!(!page.has_next());
        assert_eq!(
            page.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            ["det_abc123", "det_def456"]
        );
        let empty: PaginatedDetectorList =
            decode(&json!({"count": 0, "next": null, "previous": null, "results": []}));
        assert!(empty.results.is_empty());

        let submitted: ImageQuery = decode(&fake_image_query(
            "iq_sub001",
            "binary_classification",
            binary_result("STILL_PROCESSING", 0.5, "YES"),
        ));
        assert_eq!(submitted.source(), Some(Source::StillProcessing));
        assert!(!submitted.is_answered());
        assert!(!submitted.is_confident(0.9));
        let answered: ImageQuery = decode(&fake_image_query(
            "iq_slow",
            "binary_classification",
            binary_result("ALGORITHM", 0.95, "YES"),
        ));
        assert!(answered.is_answered());
        assert!(answered.is_confident(0.9));
        assert!(
            answered.is_confident(0.95),
            "0.95 >= 0.95 must hold: confidences are f64"
        );
        assert_eq!(answered.binary_label(), Some(&Label::Yes));
        assert_eq!(answered.label(), Some("YES"));
        let never: ImageQuery = decode(&fake_image_query(
            "iq_never",
            "binary_classification",
            binary_result("ALGORITHM", 0.55, "YES"),
        ));
        assert!(never.is_answered() && !never.is_confident(0.9));
        let asynchronous: ImageQuery = decode(&fake_image_query(
            "iq_async01",
            "binary_classification",
            Value::Null,
        ));
        assert_eq!(asynchronous.result, None);
        assert!(!asynchronous.is_answered());
        assert_eq!(asynchronous.done_processing, Some(false));

        let queries: PaginatedImageQueryList = decode(&json!({
            "count": 2, "next": null, "previous": null, "results": [
                fake_image_query("iq_abc123", "binary_classification", binary_result("ALGORITHM", 0.95, "YES")),
                fake_image_query("iq_2", "counting", json!({
                    "confidence": 0.8, "source": "HUMAN", "result_type": "counting", "count": 3,
                    "greater_than_max": false,
                })),
            ],
        }));
        let counted = &queries.results[1];
        assert_eq!(counted.count(), Some(3));
        // "HUMAN" is in neither source enum of the spec: kept, not an error.
        assert_eq!(counted.source(), Some(Source::Unknown("HUMAN".into())));
        assert!(
            counted
                .source()
                .is_some_and(|s| s.is_unknown() && s == "HUMAN")
        );

        let label: LabelValue = decode(&json!({
            "confidence": null, "class_name": "YES", "rois": null,
            "annotations_requested": ["BINARY_CLASSIFICATION"], "created_at": NOW,
            "detector_id": null, "source": "CUST", "text": null,
        }));
        assert_eq!(label.source, SourceEnum::Cust);
        assert_eq!(
            label.annotations_requested,
            [AnnotationsRequestedEnum::BinaryClassification]
        );

        let usage: AccountMonthToDateInfo = decode(&json!({
            "iqs": 10, "escalations": 1, "active_detectors": 2, "iqs_limit": 1000,
            "escalations_limit": null, "active_detectors_limit": 5,
        }));
        assert_eq!(
            (usage.iqs, usage.iqs_limit, usage.escalations_limit),
            (10, Some(1000), None)
        );

        let group: DetectorGroup = decode(&json!({"id": "dgp_1", "name": "my group"}));
        assert_eq!(group.name, "my group");
        let groups: Vec<DetectorGroup> = decode(&json!([{"id": "dgp_1", "name": "g1"}]));
        assert_eq!(groups.len(), 1);

        let notes: AllNotes = decode(&json!({
            "CUSTOMER": [{"detector_id": "det_abc123", "content": "hi", "is_pinned": false}], "GL": [],
        }));
        assert_eq!(notes.customer[0].content.as_deref(), Some("hi"));
        assert!(notes.gl.is_empty());
        assert_eq!(reencode(&notes)["CUSTOMER"][0]["detector_id"], "det_abc123");

        let vlm: VlmVerification = decode(&json!({
            "id": "vlm_1", "type": "vlm_verification", "created_at": NOW, "query": "q", "model_id": "gpt-5.4",
            "result": {"verdict": "YES", "confidence": 0.9, "reasoning": "r"},
            "cost": {"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0.01},
        }));
        assert_eq!(vlm.result.verdict, VerdictEnum::Yes);
        assert_eq!(vlm.cost.total_cost_usd, Some(0.01));
    }

    // --- Result dispatch ----------------------------------------------------------------------

    #[test]
    fn result_enum_follows_result_type() {
        let cases = [
            (
                "binary_classification",
                json!({"confidence": 0.9, "source": "CLOUD", "label": "NO"}),
            ),
            (
                "counting",
                json!({"confidence": 0.9, "source": "CLOUD", "count": 4, "greater_than_max": false}),
            ),
            (
                "multi_classification",
                json!({"confidence": 0.9, "source": "CLOUD", "label": "Red"}),
            ),
            (
                "text_recognition",
                json!({"confidence": 0.9, "source": "CLOUD", "text": "2026-01-01", "truncated": false}),
            ),
            (
                "bounding_box",
                json!({"confidence": 0.9, "source": "EDGE", "label": "BOUNDING_BOX", "from_edge": true}),
            ),
        ];
        for (result_type, result) in cases {
            // With the result's own `result_type` (as the server sends it) and without it.
            let mut tagged = result.clone();
            tagged["result_type"] = json!(result_type);
            for body in [tagged, result] {
                let iq: ImageQuery = decode(&fake_image_query("iq_1", result_type, body.clone()));
                let got = iq.result.clone().expect("result");
                assert_eq!(
                    got.result_type(),
                    Some(ResultTypeEnum::from(result_type)),
                    "{body}"
                );
                match (result_type, &got) {
                    ("binary_classification", ImageQueryResult::Binary(r)) => {
                        assert_eq!(r.label, Label::No)
                    }
                    ("counting", ImageQueryResult::Counting(r)) => assert_eq!(r.count, Some(4)),
                    ("multi_classification", ImageQueryResult::MultiClass(r)) => {
                        assert_eq!(r.label, "Red")
                    }
                    ("text_recognition", ImageQueryResult::Text(r)) => {
                        assert_eq!(r.text.as_deref(), Some("2026-01-01"))
                    }
                    ("bounding_box", ImageQueryResult::BoundingBox(r)) => {
                        assert_eq!(r.label, BoundingBoxLabelEnum::BoundingBox);
                        assert_eq!(got.from_edge(), Some(true));
                    }
                    _ => panic!("{result_type}: wrong variant {got:?}"),
                }
                assert_eq!(iq.confidence(), Some(0.9));
                // Re-encoding gives back the result object.
                assert_eq!(reencode(&iq)["result"], strip_nulls(body));
            }
        }
    }

    #[test]
    fn result_of_unknown_or_mismatched_kind_is_kept_as_unknown() {
        let segmentation = json!({"result_type": "segmentation", "confidence": 0.7, "source": "CLOUD", "mask": "…"});
        let iq: ImageQuery = decode(&fake_image_query(
            "iq_1",
            "segmentation",
            segmentation.clone(),
        ));
        assert_eq!(
            iq.result_type,
            ResultTypeEnum::Unknown("segmentation".into())
        );
        assert_eq!(
            iq.result,
            Some(ImageQueryResult::Unknown(segmentation.clone()))
        );
        assert_eq!(iq.confidence(), Some(0.7));
        assert_eq!(iq.source(), Some(Source::Cloud));
        assert_eq!(reencode(&iq)["result"], segmentation);

        // A result of a known kind that does not fit it is a decode error (C11): it must not
        // be taken for an answer. The lenient `from_json` still keeps it as Unknown.
        for odd in [
            json!({"result_type": "counting", "count": "many"}),
            json!({"result_type": "counting", "count": -3, "confidence": 0.9}),
            json!({"result_type": "binary_classification", "label": "YES", "confidence": 7.5}),
        ] {
            let body = fake_image_query("iq_1", "counting", odd.clone());
            assert!(serde_json::from_value::<ImageQuery>(body).is_err(), "{odd}");
            assert_eq!(
                ImageQueryResult::from_json(odd.clone(), None),
                ImageQueryResult::Unknown(odd)
            );
        }
        // An unknown kind's out-of-range confidence is not a confidence.
        let unknown = ImageQueryResult::Unknown(json!({"result_type": "x", "confidence": 7.5}));
        assert_eq!(unknown.confidence(), None);
        assert!(!unknown.is_confident(0.5));

        // The result's own kind wins over the image query's.
        let text = json!({"result_type": "text_recognition", "text": "hi", "truncated": false});
        let iq: ImageQuery = decode(&fake_image_query("iq_1", "binary_classification", text));
        assert_eq!(iq.text_result(), Some("hi"));

        // Standalone, without any result_type, the kind cannot be told.
        let bare: ImageQueryResult = decode(&json!({"label": "YES"}));
        assert!(matches!(bare, ImageQueryResult::Unknown(_)));
        assert_eq!(bare.label(), Some("YES"));
    }

    #[test]
    fn binary_labels_are_normalized_like_the_official_sdk() {
        for (raw, expected) in [
            ("YES", Label::Yes),
            ("yes", Label::Yes),
            ("PASS", Label::Yes),
            ("pass", Label::Yes),
            ("NO", Label::No),
            ("Fail", Label::No),
            ("UNCLEAR", Label::Unclear),
            ("NEEDS_REVIEW", Label::Unclear),
            ("__UNSURE", Label::Unclear),
        ] {
            assert_eq!(normalize_binary_label(raw), expected, "{raw}");
        }
        // Anything else is left alone, original case included.
        assert_eq!(
            normalize_binary_label("Maybe"),
            Label::Unknown("Maybe".into())
        );
        assert_eq!(normalize_binary_label("UNSURE").as_str(), "UNSURE");
        // Non-ASCII labels are upper-cased as Unicode (`ſ` is a lower-case `S`).
        assert_eq!(normalize_binary_label("yeſ"), Label::Yes);
        assert_eq!(normalize_binary_label("paſſ"), Label::Yes);
        assert_eq!(normalize_binary_label("nö"), Label::Unknown("nö".into()));

        let iq: ImageQuery = decode(&fake_image_query(
            "iq_1",
            "binary_classification",
            binary_result("CLOUD", 0.99, "PASS"),
        ));
        assert_eq!(iq.binary_label(), Some(&Label::Yes));
        assert_eq!(iq.label(), Some("YES"));
    }

    #[test]
    fn counting_result_with_a_legacy_label_loses_its_count() {
        let legacy =
            json!({"result_type": "counting", "label": "YES", "count": 3, "confidence": 0.9});
        let iq: ImageQuery = decode(&fake_image_query("iq_1", "counting", legacy));
        assert!(matches!(iq.result, Some(ImageQueryResult::Counting(_))));
        assert_eq!(iq.count(), None);
        let empty_label = json!({"result_type": "counting", "label": "", "count": 3});
        let iq: ImageQuery = decode(&fake_image_query("iq_1", "counting", empty_label));
        assert_eq!(iq.count(), Some(3));
    }

    #[test]
    fn confidence_rules_match_iq_is_confident() {
        let with = |confidence: Value| -> ImageQuery {
            decode(&fake_image_query(
                "iq_1",
                "binary_classification",
                json!({
                    "result_type": "binary_classification", "source": "USER", "label": "YES", "confidence": confidence,
                }),
            ))
        };
        assert!(
            !with(Value::Null).is_confident(0.0),
            "null confidence is never confident"
        );
        assert!(
            !with(json!(0.0)).is_confident(0.0),
            "zero confidence is never confident"
        );
        assert!(with(json!(1.0)).is_confident(1.0));
        assert!(!with(json!(0.89)).is_confident(0.9));
        assert!(with(Value::Null).is_answered());
    }

    // --- Leniency -----------------------------------------------------------------------------

    #[test]
    fn unknown_enum_values_are_kept_and_round_trip() {
        let mut body = fake_detector("det_1", "SEGMENTATION", json!({"classes": 3}));
        body["status"] = json!("PAUSED");
        body["escalation_type"] = json!("");
        let detector: Detector = decode(&body);
        assert_eq!(detector.mode, ModeEnum::Unknown("SEGMENTATION".into()));
        assert!(detector.mode.is_unknown());
        assert_eq!(
            detector.status.as_ref().map(StatusEnum::as_str),
            Some("PAUSED")
        );
        assert_eq!(
            detector.escalation_type,
            Some(EscalationTypeEnum::Unknown(String::new()))
        );
        assert!(matches!(
            detector.typed_mode_configuration(),
            Some(ModeConfiguration::Other(_))
        ));
        assert_eq!(reencode(&detector), strip_nulls(body));

        // Open enums: string conversions, equality by wire value.
        assert_eq!("COUNT".parse::<ModeEnum>(), Ok(ModeEnum::Count));
        assert_eq!(ModeEnum::from("MULTI_CLASS").to_string(), "MULTI_CLASS");
        assert_eq!(ModeEnum::Unknown("COUNT".into()), ModeEnum::Count);
        assert!(!ModeEnum::Unknown("COUNT".into()).is_unknown());
        assert_eq!(Source::default(), Source::Unknown(String::new()));
        assert_eq!(Label::KNOWN_VALUES, ["YES", "NO", "UNCLEAR"]);
        assert!(
            serde_json::from_value::<Label>(json!(3)).is_err(),
            "a non-string is an error"
        );
    }

    #[test]
    fn missing_extra_and_null_fields_do_not_fail() {
        let minimal: ImageQuery = decode(&json!({"id": "iq_1"}));
        assert_eq!(minimal.id, "iq_1");
        assert_eq!(minimal.result, None);
        assert!(minimal.result_type.is_unknown());

        let mut body = fake_image_query(
            "iq_1",
            "binary_classification",
            binary_result("CLOUD", 0.9, "NO"),
        );
        body["brand_new_field"] = json!({"nested": [1, 2, 3]});
        body["result"]["another_new_field"] = json!(true);
        body["patience_time"] = Value::Null; // non-nullable in the spec
        body["query"] = Value::Null;
        let iq: ImageQuery = decode(&body);
        assert_eq!(iq.patience_time, 0.0);
        assert_eq!(iq.query, "");
        assert_eq!(iq.binary_label(), Some(&Label::No));

        let detector: Detector =
            decode(&json!({"id": "det_1", "extra": 1, "status": null, "mode": null}));
        assert_eq!(detector.status, None);
        assert_eq!(detector.mode, ModeEnum::default());

        let page: PaginatedImageQueryList = decode(&json!({"results": null}));
        assert_eq!(page.count, None);
        assert!(page.results.is_empty());

        let me: Me = decode(&json!({"username": "u", "new": 1}));
        assert_eq!(me.username.as_deref(), Some("u"));
        assert_eq!(me.extra.get("new"), Some(&json!(1)));
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        for text in [
            "",
            "{",
            "{\"id\": ",
            "[1, 2]",
            "\"iq\"",
            "{\"id\": 5}",
            "{\"rois\": {}}",
            "nul",
        ] {
            assert!(
                serde_json::from_str::<ImageQuery>(text).is_err(),
                "{text:?}"
            );
        }
        assert!(serde_json::from_str::<Detector>("{\"confidence_threshold\": \"high\"}").is_err());
        assert!(serde_json::from_str::<PaginatedDetectorList>("{\"results\": [1]}").is_err());
        assert!(serde_json::from_str::<ImageQueryResult>("{").is_err());
        assert!(serde_json::from_str::<ModeConfiguration>("[]").is_err());
    }

    // --- Requests and hand-written models -----------------------------------------------------

    #[test]
    fn request_constructors_produce_the_official_bodies() {
        let binary = DetectorCreationInputRequest::new("brand new", "Is it new?");
        assert_eq!(
            reencode(&binary),
            json!({"name": "brand new", "query": "Is it new?"})
        );

        let counting = DetectorCreationInputRequest::new("cnt", "How many cars?")
            .with_mode_configuration(ModeConfiguration::Count(CountModeConfiguration {
                max_count: Some(7),
                ..CountModeConfiguration::new("car")
            }));
        assert_eq!(
            reencode(&counting),
            json!({"name": "cnt", "query": "How many cars?", "mode": "COUNT",
                   "mode_configuration": {"class_name": "car", "max_count": 7}})
        );
        let multi = DetectorCreationInputRequest::new("mc", "What color?").with_mode_configuration(
            ModeConfiguration::MultiClass(MultiClassModeConfiguration::new(["Red", "Green"])),
        );
        assert_eq!(
            reencode(&multi)["mode_configuration"],
            json!({"class_names": ["Red", "Green"]})
        );
        let text = DetectorCreationInputRequest::new("txt", "Read the date")
            .with_mode_configuration(ModeConfiguration::Text(TextModeConfiguration::default()));
        assert_eq!(reencode(&text)["mode"], "TEXT");
        assert_eq!(reencode(&text)["mode_configuration"], json!({}));

        let patch = PatchedDetectorRequest {
            status: Some(StatusEnum::Off),
            ..Default::default()
        };
        assert_eq!(reencode(&patch), json!({"status": "OFF"}));

        let label = LabelValueRequest::new("iq_abc123", "YES");
        assert_eq!(
            serde_json::to_value(&label).unwrap(),
            json!({"label": "YES", "image_query_id": "iq_abc123"})
        );
        let roi = Roi::from_corners("person", (0.1, 0.2), (0.3, 0.4));
        assert_eq!(roi.score, 1.0);
        assert!((roi.geometry.x - 0.2).abs() < 1e-12 && (roi.geometry.y - 0.3).abs() < 1e-12);
        let boxed = LabelValueRequest {
            rois: Some(vec![roi.to_request()]),
            ..LabelValueRequest::new("iq_abc123", "BOUNDING_BOX")
        };
        assert_eq!(
            reencode(&boxed)["rois"],
            json!([{"label": "person", "geometry": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.4}}])
        );
        assert_eq!(
            reencode(&DetectorGroupRequest::new("my group")),
            json!({"name": "my group"})
        );
    }

    #[test]
    fn mode_configuration_is_typed_by_mode_when_a_request_is_decoded() {
        let request: DetectorCreationInputRequest = decode(&json!({
            "name": "bb", "query": "Box the people", "mode": "BOUNDING_BOX",
            "mode_configuration": {"class_name": "person"},
        }));
        assert_eq!(
            request.mode_configuration,
            Some(ModeConfiguration::BoundingBox(
                BoundingBoxModeConfiguration::new("person")
            ))
        );
        // Without a mode, a lone class_name is ambiguous and kept as it is.
        let guessed: ModeConfiguration = decode(&json!({"class_name": "person"}));
        assert_eq!(
            guessed,
            ModeConfiguration::Other(json!({"class_name": "person"}).as_object().unwrap().clone())
        );
        assert_eq!(reencode(&guessed), json!({"class_name": "person"}));
        let multi: ModeConfiguration = decode(&json!({"class_names": ["a"], "num_classes": 1}));
        assert_eq!(multi.mode(), Some(ModeEnum::MultiClass));
    }

    #[test]
    fn hand_written_models_are_lenient() {
        let inspection: Inspection = decode(&json!({
            "id": "inspect_1", "status": "COMPLETE", "result": "PASS", "user_provided_id_key": null,
            "user_metadata": {"lot": "7"}, "pdf_url": "https://example.invalid/r.pdf",
        }));
        assert!(inspection.is_complete());
        assert_eq!(inspection.result.as_deref(), Some("PASS"));
        assert_eq!(inspection.extra["pdf_url"], "https://example.invalid/r.pdf");
        let update = InspectionUpdateRequest {
            user_metadata_json: Some("{\"lot\": \"7\"}".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"user_metadata_json": "{\"lot\": \"7\"}"})
        );

        let synthetic: SyntheticImage = decode(&json!({
            "id": "syn_1", "image": "iVBORw0KGgo=", "width": 64, "height": 48, "label": "YES",
            "rois": [{"label": "dent", "score": 0.9, "geometry": {"left": 0.1, "top": 0.1, "right": 0.2, "bottom": 0.2, "x": 0.15, "y": 0.15}}],
            "added_roi_index": 0, "metadata": {"lens": "dent"},
        }));
        assert_eq!((synthetic.width, synthetic.height), (Some(64), Some(48)));
        assert_eq!(synthetic.rois.as_ref().map(Vec::len), Some(1));

        let metrics: DetectorMetrics = decode(&json!({"summary": {"total_iqs": 5}}));
        assert_eq!(
            metrics.summary.as_ref().and_then(|s| s.get("total_iqs")),
            Some(&json!(5))
        );
        let evaluation: DetectorEvaluation = decode(&json!({"evaluation_results": null}));
        assert_eq!(evaluation.evaluation_results, None);

        let readiness: EdgeDetectorReadinessMap =
            decode(&json!({"det_a": {"ready": true}, "det_b": {"ready": false}}));
        assert!(readiness["det_a"].ready && !readiness["det_b"].ready);
        let info: EdgeInfo = decode(&json!({"upstream_endpoint": "https://api.groundlight.ai"}));
        assert_eq!(
            info.upstream_endpoint.as_deref(),
            Some("https://api.groundlight.ai")
        );

        let document = json!({
            "edge_inference_configs": {"default": {"enabled": true, "always_return_edge_prediction": false,
                "disable_cloud_escalation": false, "min_time_between_escalations": 2.0}},
            "detectors": [{"detector_id": "det_x", "edge_inference_config": "default"}],
            "global_config": {"refresh_rate": 60.0, "confident_audit_rate": 1e-5},
        });
        let config: EdgeEndpointConfig = decode(&document);
        assert_eq!(config.edge_inference_configs["default"].name, "default");
        assert_eq!(reencode(&config), document);
    }

    #[test]
    fn generated_constants_describe_the_pinned_spec() {
        assert_eq!(OPENAPI_SPEC_VERSION, "0.18.2");
        assert_eq!(OPENAPI_SPEC_SHA256.len(), 64);
    }
}

/// A detector's mode as a priming group's `detector_mode` (the two enums have the same values),
/// so `create_priming_group(name, pipeline, &detector.mode)` works.
impl From<&ModeEnum> for DetectorModeEnum {
    fn from(mode: &ModeEnum) -> Self {
        Self::from(mode.as_str())
    }
}

impl From<ModeEnum> for DetectorModeEnum {
    fn from(mode: ModeEnum) -> Self {
        Self::from(&mode)
    }
}

impl From<&DetectorModeEnum> for ModeEnum {
    fn from(mode: &DetectorModeEnum) -> Self {
        Self::from(mode.as_str())
    }
}

impl From<DetectorModeEnum> for ModeEnum {
    fn from(mode: DetectorModeEnum) -> Self {
        Self::from(&mode)
    }
}

#[cfg(test)]
mod mode_conversion_tests {
    use super::*;

    #[test]
    fn modes_convert_both_ways_unknown_values_included() {
        assert_eq!(
            DetectorModeEnum::from(ModeEnum::Count),
            DetectorModeEnum::Count
        );
        assert_eq!(
            DetectorModeEnum::from(&ModeEnum::BoundingBox),
            DetectorModeEnum::BoundingBox
        );
        assert_eq!(ModeEnum::from(DetectorModeEnum::Text), ModeEnum::Text);
        let unknown = DetectorModeEnum::from(ModeEnum::from("NEW_MODE"));
        assert!(unknown.is_unknown());
        assert_eq!(unknown.as_str(), "NEW_MODE");
    }
}
