//! Detectors: create, look up, list, update, delete; detector groups.

use std::future::Future;

use futures_core::Stream;
use http::Method;
use serde::Serialize;
use serde_json::{Value, json};
use vision_sdk_common::internal::Idempotency;
use vision_sdk_common::page::{Page, items};

use crate::client::{DetectorRef, Groundlight, with_query};
use crate::error::{Error, Result};
use crate::metadata::encode_metadata;
use crate::models::{
    Detector, DetectorGroup, EscalationTypeEnum, ModeEnum, Paginated, PaginatedDetectorList,
};

/// Checks a text length in characters.
pub(crate) fn check_len(what: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(Error::invalid(format!(
            "{what} must be {min} to {max} characters long, got {n}"
        )));
    }
    Ok(())
}

/// Checks a confidence threshold is within `0.0..=1.0`.
pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::invalid(format!(
            "confidence_threshold must be between 0.0 and 1.0, got {threshold}"
        )));
    }
    Ok(())
}

/// Streams every item of a paginated list, page after page.
pub(crate) fn page_items<T, F, Fut>(
    first_page: u32,
    mut fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Paginated<T>>> + Send + 'static,
{
    items(first_page, move |n| {
        let page = fetch(n);
        async move {
            let page = page.await?;
            Ok(Page {
                has_next: page.next.is_some(),
                total: u64::try_from(page.count).ok(),
                items: page.results,
            })
        }
    })
}

/// What is wrong with a page request, if anything.
pub(crate) fn page_problem(page: u32, page_size: u32) -> Option<&'static str> {
    if page == 0 {
        Some("page numbers start at 1")
    } else if page_size == 0 {
        Some("page_size must be at least 1")
    } else {
        None
    }
}

pub(crate) fn check_page(page: u32, page_size: u32) -> Result<()> {
    match page_problem(page, page_size) {
        Some(problem) => Err(Error::invalid(problem)),
        None => Ok(()),
    }
}

impl Groundlight {
    /// `GET /v1/detectors/{id}`. A [`Detector`] passed in is returned as is, without a request
    /// (as the official SDK does).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub async fn get_detector(&self, detector: impl Into<DetectorRef>) -> Result<Detector> {
        let detector = detector.into();
        if let Some(d) = detector.detector() {
            return Ok(d.clone());
        }
        let id = detector.checked_id()?;
        self.get_json("get_detector", self.api_url(&["v1", "detectors", id]))
            .await
            .map_err(|e| not_found(e, "detector", id))
    }

    /// Looks a detector up by name: `GET /v1/detectors?name=<name>` (percent-encoded).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when no detector has that name; [`Error::UnexpectedResponse`] when
    /// the server reports several.
    pub async fn get_detector_by_name(&self, name: &str) -> Result<Detector> {
        check_len("name", name, 1, 200)?;
        let url = with_query(self.api_url(&["v1", "detectors"]), [("name", name)]);
        let page: PaginatedDetectorList = self.get_json("get_detector_by_name", url).await?;
        match page.count {
            0 => Err(Error::NotFound {
                kind: "detector named",
                id: name.to_owned(),
                source: None,
            }),
            1 => page.results.into_iter().next().ok_or_else(|| {
                Error::UnexpectedResponse(format!(
                    "the server counted one detector named '{name}' but returned none"
                ))
            }),
            n => Err(Error::UnexpectedResponse(format!(
                "{n} detectors are named '{name}'; names should be unique"
            ))),
        }
    }

    /// One page of detectors: `GET /v1/detectors?page=&page_size=` (defaults 1 and 10), or a
    /// stream over all of them with [`ListDetectors::stream`].
    pub fn list_detectors(&self) -> ListDetectors {
        ListDetectors {
            client: self.clone(),
            page: 1,
            page_size: 10,
        }
    }

    /// Creates a binary (YES/NO) detector: `POST /v1/detectors`.
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let det = gl
    ///     .create_detector("door", "Is the door open?")
    ///     .confidence_threshold(0.8)
    ///     .metadata(serde_json::json!({"site": "dock 3"}))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create_detector(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
    ) -> CreateDetector {
        CreateDetector::new(self, name.into(), query.into(), DetectorMode::Binary)
    }

    /// Creates a counting detector (`mode: COUNT`) counting objects of `class_name`; set
    /// [`CreateDetector::max_count`] to cap the count (1 to 50).
    pub fn create_counting_detector(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
        class_name: impl Into<String>,
    ) -> CreateDetector {
        CreateDetector::new(
            self,
            name.into(),
            query.into(),
            DetectorMode::Count {
                class_name: class_name.into(),
                max_count: None,
            },
        )
    }

    /// Creates a multi-class detector (`mode: MULTI_CLASS`) answering one of `class_names`.
    pub fn create_multiclass_detector<I, S>(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
        class_names: I,
    ) -> CreateDetector
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CreateDetector::new(
            self,
            name.into(),
            query.into(),
            DetectorMode::MultiClass {
                class_names: class_names.into_iter().map(Into::into).collect(),
            },
        )
    }

    /// Creates a bounding-box detector (`mode: BOUNDING_BOX`) boxing objects of `class_name`;
    /// set [`CreateDetector::max_num_bboxes`] to cap the boxes (1 to 50).
    pub fn create_bounding_box_detector(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
        class_name: impl Into<String>,
    ) -> CreateDetector {
        CreateDetector::new(
            self,
            name.into(),
            query.into(),
            DetectorMode::BoundingBox {
                class_name: class_name.into(),
                max_num_bboxes: None,
            },
        )
    }

    /// Creates a text-recognition detector (`mode: TEXT`, `mode_configuration: {}`).
    pub fn create_text_recognition_detector(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
    ) -> CreateDetector {
        CreateDetector::new(self, name.into(), query.into(), DetectorMode::Text)
    }

    /// Returns the detector named `name`, creating a binary one if there is none.
    ///
    /// An existing detector must have the same query, and the same group and confidence
    /// threshold when those are given; otherwise the call fails with
    /// [`Error::DetectorMismatch`] and the existing detector is left untouched.
    pub fn get_or_create_detector(
        &self,
        name: impl Into<String>,
        query: impl Into<String>,
    ) -> GetOrCreateDetector {
        GetOrCreateDetector {
            create: self.create_detector(name, query),
        }
    }

    /// Sets a detector's confidence threshold: `PATCH /v1/detectors/{id}`
    /// `{"confidence_threshold": t}`; `t` must be within `0.0..=1.0` (checked locally).
    pub async fn update_detector_confidence_threshold(
        &self,
        detector: impl Into<DetectorRef>,
        confidence_threshold: f64,
    ) -> Result<Detector> {
        check_threshold(confidence_threshold)?;
        self.patch_detector(
            detector.into(),
            &json!({ "confidence_threshold": confidence_threshold }),
        )
        .await
    }

    /// Turns a detector on or off: `PATCH /v1/detectors/{id}` `{"status": "ON"|"OFF"}`.
    pub async fn update_detector_status(
        &self,
        detector: impl Into<DetectorRef>,
        enabled: bool,
    ) -> Result<Detector> {
        let status = if enabled { "ON" } else { "OFF" };
        self.patch_detector(detector.into(), &json!({ "status": status }))
            .await
    }

    /// Sets a detector's escalation type: `STANDARD` or `NO_HUMAN_LABELING` (case-insensitive,
    /// checked locally).
    pub async fn update_detector_escalation_type(
        &self,
        detector: impl Into<DetectorRef>,
        escalation_type: impl Into<EscalationTypeEnum>,
    ) -> Result<Detector> {
        let given: EscalationTypeEnum = escalation_type.into();
        let normalized = EscalationTypeEnum::from(given.as_str().trim().to_uppercase());
        if normalized.is_unknown() {
            return Err(Error::invalid(format!(
                "escalation_type must be STANDARD or NO_HUMAN_LABELING, got '{given}'"
            )));
        }
        self.patch_detector(
            detector.into(),
            &json!({ "escalation_type": normalized.as_str() }),
        )
        .await
    }

    /// Renames a detector: `PATCH /v1/detectors/{id}` `{"name": …}` (1 to 200 characters).
    pub async fn update_detector_name(
        &self,
        detector: impl Into<DetectorRef>,
        name: &str,
    ) -> Result<Detector> {
        check_len("name", name, 1, 200)?;
        self.patch_detector(detector.into(), &json!({ "name": name }))
            .await
    }

    async fn patch_detector(&self, detector: DetectorRef, body: &Value) -> Result<Detector> {
        let id = detector.checked_id()?;
        self.send_json(
            "update_detector",
            Method::PATCH,
            self.api_url(&["v1", "detectors", id]),
            body,
            Idempotency::Idempotent,
        )
        .await
        .map_err(|e| not_found(e, "detector", id))
    }

    /// Deletes a detector: `DELETE /v1/detectors/{id}`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub async fn delete_detector(&self, detector: impl Into<DetectorRef>) -> Result<()> {
        let detector = detector.into();
        let id = detector.checked_id()?;
        let spec = self.request(Method::DELETE, self.api_url(&["v1", "detectors", id]));
        self.execute("delete_detector", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| not_found(e, "detector", id))?;
        Ok(())
    }

    /// Removes every image query and label of a detector: `DELETE /v1/detector-reset/{id}`.
    pub async fn reset_detector(&self, detector: impl Into<DetectorRef>) -> Result<()> {
        let detector = detector.into();
        let id = detector.checked_id()?;
        let spec = self.request(Method::DELETE, self.api_url(&["v1", "detector-reset", id]));
        self.execute("reset_detector", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| not_found(e, "detector", id))?;
        Ok(())
    }

    /// Creates a detector group: `POST /v1/detector-groups` `{"name": …}` (1 to 100
    /// characters).
    pub async fn create_detector_group(&self, name: &str) -> Result<DetectorGroup> {
        check_len("group name", name, 1, 100)?;
        self.send_json(
            "create_detector_group",
            Method::POST,
            self.api_url(&["v1", "detector-groups"]),
            &json!({ "name": name }),
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// Lists the account's detector groups: `GET /v1/detector-groups` (a plain array).
    pub async fn list_detector_groups(&self) -> Result<Vec<DetectorGroup>> {
        self.get_json(
            "list_detector_groups",
            self.api_url(&["v1", "detector-groups"]),
        )
        .await
    }
}

/// Maps a 404 to [`Error::NotFound`].
pub(crate) fn not_found(error: Error, kind: &'static str, id: &str) -> Error {
    match error {
        Error::Http(http) => Error::not_found_on(http, kind, id, false),
        other => other,
    }
}

/// The builder of [`Groundlight::list_detectors`].
#[derive(Debug, Clone)]
#[must_use = "call .send() or .stream()"]
pub struct ListDetectors {
    client: Groundlight,
    page: u32,
    page_size: u32,
}

impl ListDetectors {
    /// The page (1-based; default 1). For [`stream`](Self::stream), the first page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Detectors per page (default 10).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<PaginatedDetectorList> {
        check_page(self.page, self.page_size)?;
        fetch_detector_page(self.client, self.page, self.page_size).await
    }

    /// Every detector, page after page (one request per page, as the stream is polled).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let all: Vec<_> = gl.list_detectors().page_size(100).stream().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> impl Stream<Item = Result<Detector>> + Send + 'static {
        let problem = page_problem(self.page, self.page_size);
        let Self {
            client,
            page,
            page_size,
        } = self;
        page_items(page, move |n| {
            let client = client.clone();
            async move {
                if let Some(problem) = problem {
                    return Err(Error::invalid(problem));
                }
                fetch_detector_page(client, n, page_size).await
            }
        })
    }
}

async fn fetch_detector_page(
    client: Groundlight,
    page: u32,
    page_size: u32,
) -> Result<PaginatedDetectorList> {
    let url = with_query(
        client.api_url(&["v1", "detectors"]),
        [
            ("page", page.to_string()),
            ("page_size", page_size.to_string()),
        ],
    );
    client.get_json("list_detectors", url).await
}

#[derive(Debug, Clone, PartialEq)]
enum DetectorMode {
    Binary,
    Count {
        class_name: String,
        max_count: Option<u32>,
    },
    MultiClass {
        class_names: Vec<String>,
    },
    BoundingBox {
        class_name: String,
        max_num_bboxes: Option<u32>,
    },
    Text,
}

/// The builder of [`Groundlight::create_detector`] and the mode-specific creators.
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct CreateDetector {
    client: Groundlight,
    name: String,
    query: String,
    mode: DetectorMode,
    group_name: Option<String>,
    confidence_threshold: Option<f64>,
    patience_time: Option<f64>,
    pipeline_config: Option<String>,
    edge_pipeline_config: Option<String>,
    metadata: Option<Value>,
    priming_group_id: Option<String>,
    misuse: Option<String>,
}

/// The JSON body, in the official SDK's field order; `pipeline_config` and
/// `edge_pipeline_config` are always sent (`null` when unset), as the official SDK does.
#[derive(Serialize)]
struct CreateDetectorBody<'a> {
    name: &'a str,
    query: &'a str,
    pipeline_config: Option<&'a str>,
    edge_pipeline_config: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence_threshold: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patience_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priming_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode_configuration: Option<Value>,
}

impl CreateDetector {
    fn new(client: &Groundlight, name: String, query: String, mode: DetectorMode) -> Self {
        Self {
            client: client.clone(),
            name,
            query,
            mode,
            group_name: None,
            confidence_threshold: None,
            patience_time: None,
            pipeline_config: None,
            edge_pipeline_config: None,
            metadata: None,
            priming_group_id: None,
            misuse: None,
        }
    }

    /// The detector group (1 to 100 characters).
    pub fn group_name(mut self, group_name: impl Into<String>) -> Self {
        self.group_name = Some(group_name.into());
        self
    }

    /// Answers below this confidence are escalated to human review (`0.0..=1.0`; server
    /// default 0.9).
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.confidence_threshold = Some(threshold);
        self
    }

    /// How long Groundlight tries to reach a confident answer (at most 3600 s; server default
    /// 30 s). Sent as seconds.
    pub fn patience_time(mut self, patience_time: std::time::Duration) -> Self {
        self.patience_time = Some(patience_time.as_secs_f64());
        self
    }

    /// (Advanced) The prediction pipeline configuration (at most 100 characters).
    pub fn pipeline_config(mut self, config: impl Into<String>) -> Self {
        self.pipeline_config = Some(config.into());
        self
    }

    /// (Advanced) The edge pipeline configuration (at most 100 characters).
    pub fn edge_pipeline_config(mut self, config: impl Into<String>) -> Self {
        self.edge_pipeline_config = Some(config.into());
        self
    }

    /// Metadata: a JSON object (or a string holding one) of at most 1024 characters once
    /// serialised (see [`crate::metadata`]).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }

    /// Associates the detector with an existing priming group.
    pub fn priming_group_id(mut self, id: impl Into<String>) -> Self {
        self.priming_group_id = Some(id.into());
        self
    }

    /// The largest count of a counting detector (1 to 50).
    pub fn max_count(mut self, max_count: u32) -> Self {
        match &mut self.mode {
            DetectorMode::Count { max_count: m, .. } => *m = Some(max_count),
            _ => self.misuse = Some("max_count applies only to counting detectors".into()),
        }
        self
    }

    /// The largest number of boxes of a bounding-box detector (1 to 50).
    pub fn max_num_bboxes(mut self, max_num_bboxes: u32) -> Self {
        match &mut self.mode {
            DetectorMode::BoundingBox {
                max_num_bboxes: m, ..
            } => *m = Some(max_num_bboxes),
            _ => {
                self.misuse = Some("max_num_bboxes applies only to bounding-box detectors".into());
            }
        }
        self
    }

    /// Validates everything and returns the JSON body.
    fn body(&self) -> Result<Value> {
        if let Some(misuse) = &self.misuse {
            return Err(Error::invalid(misuse.clone()));
        }
        check_len("name", &self.name, 1, 200)?;
        check_len("query", &self.query, 1, 300)?;
        if let Some(group) = &self.group_name {
            check_len("group_name", group, 1, 100)?;
        }
        if let Some(t) = self.confidence_threshold {
            check_threshold(t)?;
        }
        if let Some(p) = self.patience_time
            && !(0.0..=3600.0).contains(&p)
        {
            return Err(Error::invalid(format!(
                "patience_time must be between 0 and 3600 seconds, got {p}"
            )));
        }
        if let Some(c) = &self.pipeline_config {
            check_len("pipeline_config", c, 0, 100)?;
        }
        if let Some(c) = &self.edge_pipeline_config {
            check_len("edge_pipeline_config", c, 0, 100)?;
        }
        if let Some(id) = &self.priming_group_id {
            check_len("priming_group_id", id, 1, 44)?;
        }
        let metadata = self.metadata.as_ref().map(encode_metadata).transpose()?;
        let (mode, mode_configuration) = match &self.mode {
            DetectorMode::Binary => (None, None),
            DetectorMode::Count {
                class_name,
                max_count,
            } => {
                check_len("class_name", class_name, 1, usize::MAX)?;
                let mut config = json!({ "class_name": class_name });
                if let Some(n) = max_count {
                    check_range("max_count", *n)?;
                    config["max_count"] = json!(n);
                }
                (Some(ModeEnum::Count), Some(config))
            }
            DetectorMode::MultiClass { class_names } => {
                if class_names.is_empty() {
                    return Err(Error::invalid("class_names must not be empty"));
                }
                for c in class_names {
                    check_len("each class name", c, 1, usize::MAX)?;
                }
                (
                    Some(ModeEnum::MultiClass),
                    Some(json!({ "class_names": class_names })),
                )
            }
            DetectorMode::BoundingBox {
                class_name,
                max_num_bboxes,
            } => {
                check_len("class_name", class_name, 1, usize::MAX)?;
                let mut config = json!({ "class_name": class_name });
                if let Some(n) = max_num_bboxes {
                    check_range("max_num_bboxes", *n)?;
                    config["max_num_bboxes"] = json!(n);
                }
                (Some(ModeEnum::BoundingBox), Some(config))
            }
            DetectorMode::Text => (Some(ModeEnum::Text), Some(json!({}))),
        };
        let body = CreateDetectorBody {
            name: &self.name,
            query: &self.query,
            pipeline_config: self.pipeline_config.as_deref(),
            edge_pipeline_config: self.edge_pipeline_config.as_deref(),
            group_name: self.group_name.as_deref(),
            metadata,
            confidence_threshold: self.confidence_threshold,
            patience_time: self.patience_time,
            priming_group_id: self.priming_group_id.as_deref(),
            mode: mode.as_ref().map(mode_str),
            mode_configuration,
        };
        serde_json::to_value(&body)
            .map_err(|e| Error::invalid(format!("could not serialise the detector: {e}")))
    }

    /// Sends `POST /v1/detectors` and returns the new detector.
    pub async fn send(self) -> Result<Detector> {
        let body = self.body()?;
        self.client
            .send_json(
                "create_detector",
                Method::POST,
                self.client.api_url(&["v1", "detectors"]),
                &body,
                Idempotency::NonIdempotent,
            )
            .await
    }
}

fn mode_str(mode: &ModeEnum) -> &'static str {
    match mode {
        ModeEnum::Count => "COUNT",
        ModeEnum::MultiClass => "MULTI_CLASS",
        ModeEnum::BoundingBox => "BOUNDING_BOX",
        ModeEnum::Text => "TEXT",
        _ => "BINARY",
    }
}

fn check_range(what: &str, n: u32) -> Result<()> {
    if !(1..=50).contains(&n) {
        return Err(Error::invalid(format!(
            "{what} must be between 1 and 50, got {n}"
        )));
    }
    Ok(())
}

/// The builder of [`Groundlight::get_or_create_detector`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct GetOrCreateDetector {
    create: CreateDetector,
}

impl GetOrCreateDetector {
    /// The group of a new detector; an existing one must be in this group.
    pub fn group_name(mut self, group_name: impl Into<String>) -> Self {
        self.create = self.create.group_name(group_name);
        self
    }

    /// The confidence threshold of a new detector; an existing one must have this threshold.
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.create = self.create.confidence_threshold(threshold);
        self
    }

    /// (Advanced) The pipeline configuration of a new detector.
    pub fn pipeline_config(mut self, config: impl Into<String>) -> Self {
        self.create = self.create.pipeline_config(config);
        self
    }

    /// (Advanced) The edge pipeline configuration of a new detector.
    pub fn edge_pipeline_config(mut self, config: impl Into<String>) -> Self {
        self.create = self.create.edge_pipeline_config(config);
        self
    }

    /// Metadata of a new detector (not compared with an existing one).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.create = self.create.metadata(metadata);
        self
    }

    /// Looks the detector up by name and creates it if missing.
    ///
    /// # Errors
    ///
    /// [`Error::DetectorMismatch`] when an existing detector differs (its query, or the group
    /// or threshold given here); it is not modified.
    pub async fn send(self) -> Result<Detector> {
        let create = self.create;
        create.body()?; // everything is checked before the first request
        match create.client.get_detector_by_name(&create.name).await {
            Ok(existing) => {
                let mismatch = |reason: String| {
                    Err(Error::DetectorMismatch {
                        name: create.name.clone(),
                        reason,
                    })
                };
                if existing.query != create.query {
                    return mismatch(format!(
                        "the queries don't match: the existing query is '{}', the requested one '{}'",
                        existing.query, create.query
                    ));
                }
                if let Some(group) = &create.group_name
                    && existing.group_name != *group
                {
                    return mismatch(format!(
                        "the existing detector is in group '{}', not '{group}'",
                        existing.group_name
                    ));
                }
                if let Some(t) = create.confidence_threshold
                    && existing.confidence_threshold != Some(t)
                {
                    return mismatch(format!(
                        "the existing confidence threshold is {:?}, not {t}",
                        existing.confidence_threshold
                    ));
                }
                Ok(existing)
            }
            Err(Error::NotFound { .. }) => create.send().await,
            Err(other) => Err(other),
        }
    }
}
