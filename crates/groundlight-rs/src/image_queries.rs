//! Image queries: submit an image to a detector, wait for a confident answer, look queries up.
//!
//! Waiting is client-side, as in the official SDK: after the submit, the image query is polled
//! (`GET /v1/image-queries/{id}`) after 0.25 s, then after delays growing ×1.3, the last one
//! clamped to the deadline. At the deadline the last image query is returned as it is (the
//! official behaviour); call `.error_on_timeout()` to get [`Error::Timeout`] instead.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::Method;
use http::header::{ACCEPT, HeaderValue};
use serde_json::Value;
use vision_sdk_common::internal::Idempotency;
use vision_sdk_common::poll::{PollOutcome, PollSchedule, Probe, poll_until};

use crate::client::{DetectorRef, Groundlight, ImageQueryRef, with_query};
use crate::detectors::{check_page, check_threshold, not_found, page_items, page_problem};
use crate::error::{Error, Result};
use crate::images::Image;
use crate::metadata::{encode_metadata, python_float_str};
use crate::models::{ImageQuery, PaginatedImageQueryList};

/// How long `submit_image_query` waits for a confident answer when `.wait()` is not given
/// (the official SDK's `DEFAULT_WAIT`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// The polling schedule of waits: 0.25 s, growing ×1.3 (no cap but the deadline).
pub fn poll_schedule() -> PollSchedule {
    PollSchedule::new(Duration::from_millis(250), 1.3)
}

/// Whether an image query is sent for human review (`human_review` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HumanReview {
    /// Escalate to a human only when the ML answer is not confident (`DEFAULT`).
    Default,
    /// Always send to human review, even when the ML answer is confident (`ALWAYS`).
    Always,
    /// Never send to human review (`NEVER`).
    Never,
}

impl HumanReview {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "DEFAULT",
            Self::Always => "ALWAYS",
            Self::Never => "NEVER",
        }
    }
}

impl fmt::Display for HumanReview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a wait waits for.
#[derive(Debug, Clone, Copy)]
enum Condition {
    Confident(f64),
    Answered,
}

impl Condition {
    fn met(self, iq: &ImageQuery) -> bool {
        match self {
            Self::Confident(threshold) => iq.is_confident(threshold),
            Self::Answered => iq.is_answered(),
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            Self::Confident(_) => "confident",
            Self::Answered => "ML",
        }
    }
}

fn check_duration(what: &str, d: Duration) -> Result<()> {
    if d > Duration::from_secs(365 * 24 * 3600) {
        return Err(Error::invalid(format!(
            "{what} is unreasonably long: {d:?}"
        )));
    }
    Ok(())
}

impl Groundlight {
    /// Submits an image to a detector: `POST /v1/image-queries?detector_id=…` with the image as
    /// the raw body, then (unless `.wait(Duration::ZERO)` or `.want_async()`) polls until the
    /// answer is confident or the wait (default 30 s) is over.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use groundlight::{HumanReview, Image};
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let iq = gl
    ///     .submit_image_query("det_abc123", Image::from_path("frame.jpg"))
    ///     .wait(Duration::from_secs(10))
    ///     .confidence_threshold(0.9)
    ///     .human_review(HumanReview::Never)
    ///     .metadata(serde_json::json!({"camera": "dock-3"}))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn submit_image_query(
        &self,
        detector: impl Into<DetectorRef>,
        image: impl Into<Image>,
    ) -> SubmitImageQuery {
        SubmitImageQuery {
            client: self.clone(),
            detector: detector.into(),
            image: image.into(),
            wait: None,
            patience_time: None,
            confidence_threshold: None,
            human_review: None,
            want_async: false,
            inspection_id: None,
            metadata: None,
            image_query_id: None,
            request_timeout: None,
            error_on_timeout: false,
        }
    }

    /// Submits an image and waits (default 30 s) for an answer at least as confident as the
    /// threshold (default: the detector's); the wait is also sent as `patience_time`.
    pub fn ask_confident(
        &self,
        detector: impl Into<DetectorRef>,
        image: impl Into<Image>,
    ) -> AskConfident {
        AskConfident {
            submit: self.submit_image_query(detector, image),
        }
    }

    /// Submits an image and waits (default 30 s) for the first answer from the ML model,
    /// whatever its confidence.
    pub fn ask_ml(&self, detector: impl Into<DetectorRef>, image: impl Into<Image>) -> AskMl {
        AskMl {
            submit: self
                .submit_image_query(detector, image)
                .wait(Duration::ZERO),
            wait: None,
            error_on_timeout: false,
        }
    }

    /// Submits an image without waiting (`want_async=True`): the returned image query has no
    /// result yet; fetch it later with [`get_image_query`](Self::get_image_query) or
    /// [`wait_for_confident_result`](Self::wait_for_confident_result).
    pub fn ask_async(&self, detector: impl Into<DetectorRef>, image: impl Into<Image>) -> AskAsync {
        AskAsync {
            submit: self
                .submit_image_query(detector, image)
                .wait(Duration::ZERO)
                .want_async(),
        }
    }

    /// Polls an image query until its answer is confident (threshold: given, else the
    /// detector's) or the timeout (default 30 s) passes.
    pub fn wait_for_confident_result(
        &self,
        image_query: impl Into<ImageQueryRef>,
    ) -> WaitForConfidentResult {
        WaitForConfidentResult {
            client: self.clone(),
            image_query: image_query.into(),
            confidence_threshold: None,
            timeout: DEFAULT_WAIT,
            error_on_timeout: false,
        }
    }

    /// Polls an image query until it has an ML answer (any confidence; `source` not
    /// `STILL_PROCESSING`) or the timeout (default 30 s) passes.
    pub fn wait_for_ml_result(&self, image_query: impl Into<ImageQueryRef>) -> WaitForMlResult {
        WaitForMlResult {
            client: self.clone(),
            image_query: image_query.into(),
            timeout: DEFAULT_WAIT,
            error_on_timeout: false,
        }
    }

    /// `GET /v1/image-queries/{id}`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub async fn get_image_query(&self, id: &str) -> Result<ImageQuery> {
        if id.trim().is_empty() {
            return Err(Error::invalid("the image query id is empty"));
        }
        self.get_json(
            "get_image_query",
            self.api_url(&["v1", "image-queries", id]),
        )
        .await
        .map_err(|e| not_found(e, "image query", id))
    }

    /// One page of image queries (`GET /v1/image-queries?page=&page_size=[&detector_id=]`), or
    /// a stream over all of them with [`ListImageQueries::stream`].
    pub fn list_image_queries(&self) -> ListImageQueries {
        ListImageQueries {
            client: self.clone(),
            page: 1,
            page_size: 10,
            detector_id: None,
        }
    }

    /// The submitted image as JPEG bytes: `GET /v1/image-queries/{id}/image`.
    pub async fn get_image(&self, image_query: impl Into<ImageQueryRef>) -> Result<Bytes> {
        let image_query = image_query.into();
        let id = image_query.id();
        if id.trim().is_empty() {
            return Err(Error::invalid("the image query id is empty"));
        }
        let spec = self
            .request(
                Method::GET,
                self.api_url(&["v1", "image-queries", id, "image"]),
            )
            .header(ACCEPT, HeaderValue::from_static("image/jpeg"));
        let response = self
            .execute("get_image", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| not_found(e, "image query", id))?;
        Ok(response.into_body())
    }

    /// The confidence threshold of a detector (fetched when only its id is known).
    async fn detector_threshold(&self, detector: &DetectorRef) -> Result<f64> {
        let detector = self.get_detector(detector).await?;
        Ok(detector.confidence_threshold.unwrap_or(0.9))
    }

    /// Polls until `condition` holds or `timeout` passes; `first` is checked before any GET.
    async fn poll_image_query(
        &self,
        first: ImageQuery,
        condition: Condition,
        timeout: Duration,
        error_on_timeout: bool,
    ) -> Result<ImageQuery> {
        let id = first.id.clone();
        let mut first = Some(first);
        let outcome = poll_until(self.clock().as_ref(), &poll_schedule(), timeout, || {
            let given = first.take();
            let client = self.clone();
            let id = id.clone();
            async move {
                let iq = match given {
                    Some(iq) => iq,
                    None => client.get_image_query(&id).await?,
                };
                Ok::<_, Error>(if condition.met(&iq) {
                    Probe::Ready(iq)
                } else {
                    Probe::Pending(iq)
                })
            }
        })
        .await?;
        match outcome {
            PollOutcome::Ready(iq) => Ok(iq),
            PollOutcome::TimedOut(iq) if error_on_timeout => Err(Error::Timeout {
                image_query: Box::new(iq),
                wanted: condition.wanted(),
                waited: timeout,
            }),
            PollOutcome::TimedOut(iq) => {
                tracing::debug!(
                    image_query = %iq.id,
                    ?timeout,
                    "no {} result before the deadline; returning the last image query",
                    condition.wanted()
                );
                Ok(iq)
            }
        }
    }
}

/// The builder of [`Groundlight::submit_image_query`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct SubmitImageQuery {
    client: Groundlight,
    detector: DetectorRef,
    image: Image,
    wait: Option<Duration>,
    patience_time: Option<Duration>,
    confidence_threshold: Option<f64>,
    human_review: Option<HumanReview>,
    want_async: bool,
    inspection_id: Option<String>,
    metadata: Option<Value>,
    image_query_id: Option<String>,
    request_timeout: Option<Duration>,
    error_on_timeout: bool,
}

impl SubmitImageQuery {
    /// How long to poll for a confident answer after the submit (default 30 s; zero to return
    /// at once). Client-side only: nothing about it is sent.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// How long Groundlight should try to reach a confident answer (`patience_time`).
    pub fn patience_time(mut self, patience_time: Duration) -> Self {
        self.patience_time = Some(patience_time);
        self
    }

    /// The confidence wanted (`0.0..=1.0`); sent to the server and used for the wait. Default:
    /// the detector's threshold.
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.confidence_threshold = Some(threshold);
        self
    }

    /// Whether to send the image query for human review.
    pub fn human_review(mut self, human_review: HumanReview) -> Self {
        self.human_review = Some(human_review);
        self
    }

    /// Returns at once without a result (`want_async=True`); the wait must be zero or unset.
    pub fn want_async(mut self) -> Self {
        self.want_async = true;
        self
    }

    /// Associates the image query with an inspection (see
    /// [`start_inspection`](Groundlight::start_inspection)).
    pub fn inspection_id(mut self, inspection_id: impl Into<String>) -> Self {
        self.inspection_id = Some(inspection_id.into());
        self
    }

    /// Metadata: a JSON object (or a string holding one), at most 1024 characters once
    /// serialised; sent base64url-encoded in the query string.
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }

    /// The id to give the new image query. With it, the submit is safe to retry after a
    /// server error (the server cannot create it twice).
    pub fn image_query_id(mut self, id: impl Into<String>) -> Self {
        self.image_query_id = Some(id.into());
        self
    }

    /// The timeout of the submit request itself (default: the client's, 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Fails with [`Error::Timeout`] when the wait ends without a confident answer, instead of
    /// returning the last image query.
    pub fn error_on_timeout(mut self) -> Self {
        self.error_on_timeout = true;
        self
    }

    /// Validates the options and builds the query string (without `detector_id`).
    fn query(&self) -> Result<Vec<(&'static str, String)>> {
        let mut pairs = Vec::new();
        if let Some(p) = self.patience_time {
            check_duration("patience_time", p)?;
            pairs.push(("patience_time", python_float_str(p.as_secs_f64())));
        }
        if let Some(t) = self.confidence_threshold {
            check_threshold(t)?;
            pairs.push(("confidence_threshold", python_float_str(t)));
        }
        if let Some(h) = self.human_review {
            pairs.push(("human_review", h.as_str().to_owned()));
        }
        if let Some(id) = &self.inspection_id {
            if id.trim().is_empty() {
                return Err(Error::invalid("inspection_id is empty"));
            }
            pairs.push(("inspection_id", id.clone()));
        }
        if self.want_async {
            pairs.push(("want_async", "True".to_owned()));
        }
        if let Some(m) = &self.metadata {
            pairs.push(("metadata", encode_metadata(m)?));
        }
        if let Some(id) = &self.image_query_id {
            if id.trim().is_empty() {
                return Err(Error::invalid("image_query_id is empty"));
            }
            pairs.push(("image_query_id", id.clone()));
        }
        Ok(pairs)
    }

    /// The effective wait.
    fn effective_wait(&self) -> Result<Duration> {
        let wait = match (self.wait, self.want_async) {
            (Some(w), true) if !w.is_zero() => {
                return Err(Error::invalid(
                    "want_async requires wait to be zero: an asynchronous submit returns before there is a result",
                ));
            }
            (_, true) => Duration::ZERO,
            (Some(w), false) => w,
            (None, false) => DEFAULT_WAIT,
        };
        check_duration("wait", wait)?;
        Ok(wait)
    }

    /// Submits the image (and waits, if asked).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (before anything is sent) for a threshold outside `0..=1`,
    /// metadata over 1024 characters, `want_async` with a non-zero wait, an empty id;
    /// [`Error::Media`] for an unreadable or unrecognisable image; [`Error::Http`] for API
    /// errors; [`Error::Timeout`] only with [`error_on_timeout`](Self::error_on_timeout).
    pub async fn send(self) -> Result<ImageQuery> {
        let detector_id = self.detector.checked_id()?.to_owned();
        let mut query = self.query()?;
        let wait = self.effective_wait()?;
        let media = self
            .image
            .prepare(self.client.shrinks_oversized_images())
            .await?;
        query.push(("detector_id", detector_id));
        let url = with_query(self.client.api_url(&["v1", "image-queries"]), query);
        let idempotency = if self.image_query_id.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let spec = self
            .client
            .request(Method::POST, url)
            .media(media)
            .timeout(self.request_timeout);
        let iq: ImageQuery = self
            .client
            .execute_json("submit_image_query", idempotency, spec)
            .await?;
        if wait.is_zero() {
            return Ok(iq);
        }
        let threshold = match self.confidence_threshold {
            Some(t) => t,
            None => self.client.detector_threshold(&self.detector).await?,
        };
        self.client
            .poll_image_query(
                iq,
                Condition::Confident(threshold),
                wait,
                self.error_on_timeout,
            )
            .await
    }
}

/// The builder of [`Groundlight::ask_confident`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct AskConfident {
    submit: SubmitImageQuery,
}

impl AskConfident {
    /// The confidence wanted (default: the detector's threshold).
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.submit = self.submit.confidence_threshold(threshold);
        self
    }

    /// How long to wait (default 30 s); also sent as `patience_time`.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.submit = self.submit.wait(wait).patience_time(wait);
        self
    }

    /// Metadata (see [`SubmitImageQuery::metadata`]).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.submit = self.submit.metadata(metadata);
        self
    }

    /// Associates the image query with an inspection.
    pub fn inspection_id(mut self, inspection_id: impl Into<String>) -> Self {
        self.submit = self.submit.inspection_id(inspection_id);
        self
    }

    /// Fails with [`Error::Timeout`] instead of returning an unconfident answer.
    pub fn error_on_timeout(mut self) -> Self {
        self.submit = self.submit.error_on_timeout();
        self
    }

    /// Submits and waits.
    pub async fn send(self) -> Result<ImageQuery> {
        self.submit.send().await
    }
}

/// The builder of [`Groundlight::ask_ml`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct AskMl {
    submit: SubmitImageQuery,
    wait: Option<Duration>,
    error_on_timeout: bool,
}

impl AskMl {
    /// How long to wait for the ML answer (default 30 s).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Metadata (see [`SubmitImageQuery::metadata`]).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.submit = self.submit.metadata(metadata);
        self
    }

    /// Associates the image query with an inspection.
    pub fn inspection_id(mut self, inspection_id: impl Into<String>) -> Self {
        self.submit = self.submit.inspection_id(inspection_id);
        self
    }

    /// Fails with [`Error::Timeout`] instead of returning an unanswered image query.
    pub fn error_on_timeout(mut self) -> Self {
        self.error_on_timeout = true;
        self
    }

    /// Submits, then waits for the ML answer unless the submit already had it.
    pub async fn send(self) -> Result<ImageQuery> {
        let wait = self.wait.unwrap_or(DEFAULT_WAIT);
        check_duration("wait", wait)?;
        let client = self.submit.client.clone();
        let iq = self.submit.send().await?;
        if iq.is_answered() {
            return Ok(iq);
        }
        client
            .poll_image_query(iq, Condition::Answered, wait, self.error_on_timeout)
            .await
    }
}

/// The builder of [`Groundlight::ask_async`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct AskAsync {
    submit: SubmitImageQuery,
}

impl AskAsync {
    /// `patience_time` sent to the server.
    pub fn patience_time(mut self, patience_time: Duration) -> Self {
        self.submit = self.submit.patience_time(patience_time);
        self
    }

    /// The confidence wanted (`0.0..=1.0`).
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.submit = self.submit.confidence_threshold(threshold);
        self
    }

    /// Whether to send the image query for human review.
    pub fn human_review(mut self, human_review: HumanReview) -> Self {
        self.submit = self.submit.human_review(human_review);
        self
    }

    /// Metadata (see [`SubmitImageQuery::metadata`]).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.submit = self.submit.metadata(metadata);
        self
    }

    /// Associates the image query with an inspection.
    pub fn inspection_id(mut self, inspection_id: impl Into<String>) -> Self {
        self.submit = self.submit.inspection_id(inspection_id);
        self
    }

    /// Submits without waiting.
    pub async fn send(self) -> Result<ImageQuery> {
        self.submit.send().await
    }
}

/// The builder of [`Groundlight::wait_for_confident_result`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct WaitForConfidentResult {
    client: Groundlight,
    image_query: ImageQueryRef,
    confidence_threshold: Option<f64>,
    timeout: Duration,
    error_on_timeout: bool,
}

impl WaitForConfidentResult {
    /// The confidence wanted (default: the detector's threshold, fetched).
    pub fn confidence_threshold(mut self, threshold: f64) -> Self {
        self.confidence_threshold = Some(threshold);
        self
    }

    /// How long to wait (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Fails with [`Error::Timeout`] instead of returning an unconfident image query.
    pub fn error_on_timeout(mut self) -> Self {
        self.error_on_timeout = true;
        self
    }

    /// Waits.
    pub async fn send(self) -> Result<ImageQuery> {
        if let Some(t) = self.confidence_threshold {
            check_threshold(t)?;
        }
        check_duration("timeout", self.timeout)?;
        let (id, given) = self.image_query.into_parts();
        let iq = match given {
            Some(iq) => iq,
            None => self.client.get_image_query(&id).await?,
        };
        let threshold = match self.confidence_threshold {
            Some(t) => t,
            None => {
                self.client
                    .detector_threshold(&DetectorRef::from(iq.detector_id.as_str()))
                    .await?
            }
        };
        self.client
            .poll_image_query(
                iq,
                Condition::Confident(threshold),
                self.timeout,
                self.error_on_timeout,
            )
            .await
    }
}

/// The builder of [`Groundlight::wait_for_ml_result`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct WaitForMlResult {
    client: Groundlight,
    image_query: ImageQueryRef,
    timeout: Duration,
    error_on_timeout: bool,
}

impl WaitForMlResult {
    /// How long to wait (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Fails with [`Error::Timeout`] instead of returning an unanswered image query.
    pub fn error_on_timeout(mut self) -> Self {
        self.error_on_timeout = true;
        self
    }

    /// Waits.
    pub async fn send(self) -> Result<ImageQuery> {
        check_duration("timeout", self.timeout)?;
        let (id, given) = self.image_query.into_parts();
        let iq = match given {
            Some(iq) => iq,
            None => self.client.get_image_query(&id).await?,
        };
        self.client
            .poll_image_query(iq, Condition::Answered, self.timeout, self.error_on_timeout)
            .await
    }
}

/// The builder of [`Groundlight::list_image_queries`].
#[derive(Debug, Clone)]
#[must_use = "call .send() or .stream()"]
pub struct ListImageQueries {
    client: Groundlight,
    page: u32,
    page_size: u32,
    detector_id: Option<String>,
}

impl ListImageQueries {
    /// The page (1-based; default 1). For [`stream`](Self::stream), the first page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Image queries per page (default 10).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Only this detector's image queries.
    pub fn detector_id(mut self, detector: impl Into<DetectorRef>) -> Self {
        self.detector_id = Some(detector.into().id().to_owned());
        self
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<PaginatedImageQueryList> {
        check_page(self.page, self.page_size)?;
        fetch_iq_page(self.client, self.page, self.page_size, self.detector_id).await
    }

    /// Every image query, page after page.
    pub fn stream(self) -> impl Stream<Item = Result<ImageQuery>> + Send + 'static {
        let problem = page_problem(self.page, self.page_size);
        let Self {
            client,
            page,
            page_size,
            detector_id,
        } = self;
        page_items(page, move |n| {
            let client = client.clone();
            let detector_id = detector_id.clone();
            async move {
                if let Some(problem) = problem {
                    return Err(Error::invalid(problem));
                }
                fetch_iq_page(client, n, page_size, detector_id).await
            }
        })
    }
}

async fn fetch_iq_page(
    client: Groundlight,
    page: u32,
    page_size: u32,
    detector_id: Option<String>,
) -> Result<PaginatedImageQueryList> {
    let mut pairs = vec![
        ("page", page.to_string()),
        ("page_size", page_size.to_string()),
    ];
    if let Some(id) = detector_id {
        pairs.push(("detector_id", id));
    }
    let url = with_query(client.api_url(&["v1", "image-queries"]), pairs);
    client.get_json("list_image_queries", url).await
}
