//! The official SDK's `ExperimentalApi` calls: notes, detector evaluation and metrics, ML
//! pipelines, priming groups, VLM verification and synthetic images. The API behind them may
//! change faster than the rest.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use vision_sdk_common::internal::{Idempotency, MultipartField};

use crate::call::call_builder;
use crate::client::{DetectorRef, Groundlight};
use crate::detectors::{
    check_len, check_non_empty, check_page, not_found, page_items, page_problem,
};
use crate::error::{Error, Result};
use crate::images::Image;
use crate::metadata::encode_json_param;
use crate::models::{
    AllNotes, DetectorEvaluation, DetectorMetrics, DetectorModeEnum, PaginatedMlPipelineList,
    PaginatedPrimingGroupList, PrimingGroup, PrimingGroupCreationInputRequest, SyntheticImage,
    VlmVerification,
};

/// At most this many images per VLM verification.
pub const VLM_MAX_IMAGES: usize = 8;
/// The largest image accepted by `generate_synthetic_image` (the server's 10 MiB body cap).
pub const SYNTHETIC_IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024;

impl Groundlight {
    /// A detector's notes: `GET /v1/notes?detector_id=…`.
    pub async fn get_notes(&self, detector: impl Into<DetectorRef>) -> Result<AllNotes> {
        let detector = detector.into();
        let id = detector.checked_id()?;
        let url = self.api_url_with_query(&["v1", "notes"], [("detector_id", id)]);
        self.get_json("get_notes", url)
            .await
            .map_err(|e| not_found(e, "detector", id))
    }

    /// Adds a note to a detector: `POST /v1/notes?detector_id=…` (multipart `content`,
    /// `is_pinned`, optional `image`).
    pub fn create_note(
        &self,
        detector: impl Into<DetectorRef>,
        note: impl Into<String>,
    ) -> CreateNote {
        CreateNote {
            client: self.clone(),
            detector: detector.into(),
            note: note.into(),
            image: None,
            is_pinned: false,
        }
    }

    /// A detector's evaluation (`GET /v1/detectors/{id}/evaluation`).
    pub async fn get_detector_evaluation(
        &self,
        detector: impl Into<DetectorRef>,
    ) -> Result<DetectorEvaluation> {
        let detector = detector.into();
        let id = detector.checked_id()?;
        self.get_json(
            "get_detector_evaluation",
            self.api_url(&["v1", "detectors", id, "evaluation"]),
        )
        .await
        .map_err(|e| not_found(e, "detector", id))
    }

    /// A detector's label metrics (`GET /v1/detectors/{id}/metrics`).
    pub async fn get_detector_metrics(
        &self,
        detector: impl Into<DetectorRef>,
    ) -> Result<DetectorMetrics> {
        let detector = detector.into();
        let id = detector.checked_id()?;
        self.get_json(
            "get_detector_metrics",
            self.api_url(&["v1", "detectors", id, "metrics"]),
        )
        .await
        .map_err(|e| not_found(e, "detector", id))
    }

    /// One page of a detector's ML pipelines
    /// (`GET /v1/detectors/{id}/pipelines?page=&page_size=`, defaults 1 and 10), or a stream
    /// over all of them with [`ListDetectorPipelines::stream`].
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let first = gl.list_detector_pipelines("det_abc").await?;
    /// let second = gl.list_detector_pipelines("det_abc").page(2).page_size(5).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub fn list_detector_pipelines(
        &self,
        detector: impl Into<DetectorRef>,
    ) -> ListDetectorPipelines {
        ListDetectorPipelines {
            client: self.clone(),
            detector: detector.into(),
            page: 1,
            page_size: 10,
        }
    }

    /// One page of priming groups (`GET /v1/priming-groups?page=&page_size=`, defaults 1 and
    /// 10), or a stream over all of them with [`ListPrimingGroups::stream`].
    pub fn list_priming_groups(&self) -> ListPrimingGroups {
        ListPrimingGroups {
            client: self.clone(),
            page: 1,
            page_size: 10,
        }
    }

    /// Creates a priming group seeded from one of your ML pipelines (`POST /v1/priming-groups`).
    /// `detector_mode` is a [`DetectorModeEnum`] or the [`ModeEnum`](crate::models::ModeEnum)
    /// a [`Detector`](crate::models::Detector) carries.
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let detector = gl.get_detector("det_abc").await?;
    /// let group = gl
    ///     .create_priming_group("door-primer", "pipe_123", &detector.mode)
    ///     .canonical_query("Is the door open?")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create_priming_group(
        &self,
        name: impl Into<String>,
        source_ml_pipeline_id: impl Into<String>,
        detector_mode: impl Into<DetectorModeEnum>,
    ) -> CreatePrimingGroup {
        CreatePrimingGroup {
            client: self.clone(),
            name: name.into(),
            source_ml_pipeline_id: source_ml_pipeline_id.into(),
            detector_mode: detector_mode.into(),
            canonical_query: None,
            disable_shadow_pipelines: false,
        }
    }

    /// `GET /v1/priming-groups/{id}`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404 and on 410 (a deleted group).
    pub async fn get_priming_group(&self, id: &str) -> Result<PrimingGroup> {
        check_non_empty("priming group id", id)?;
        self.get_json(
            "get_priming_group",
            self.api_url(&["v1", "priming-groups", id]),
        )
        .await
        .map_err(|e| match e {
            Error::Http(http) => Error::not_found_on(http, "priming group", id, true),
            other => other,
        })
    }

    /// `DELETE /v1/priming-groups/{id}`.
    pub async fn delete_priming_group(&self, id: &str) -> Result<()> {
        check_non_empty("priming group id", id)?;
        let spec = self.request(Method::DELETE, self.api_url(&["v1", "priming-groups", id]));
        self.execute("delete_priming_group", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| match e {
                Error::Http(http) => Error::not_found_on(http, "priming group", id, true),
                other => other,
            })?;
        Ok(())
    }

    /// Asks a vision-language model whether `query` holds for one image or 1 to 8 images:
    /// `POST /v1/vlm-verifications` (multipart `query`, `model_id`, `media` per image). JPEG
    /// images are sent as they are (never shrunk or re-encoded). The request has the client's
    /// timeout unless [`AskVlmVerify::timeout`] says otherwise (the official SDK uses 10 s).
    ///
    /// ```no_run
    /// use groundlight::Image;
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let one = gl.ask_vlm_verify(Image::from_path("a.jpg"), "Is there a fire?").await?;
    /// let two = gl
    ///     .ask_vlm_verify([Image::from_path("a.jpg"), Image::from_path("b.jpg")], "Is there a fire?")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn ask_vlm_verify(
        &self,
        images: impl Into<VlmImages>,
        query: impl Into<String>,
    ) -> AskVlmVerify {
        AskVlmVerify {
            client: self.clone(),
            images: images.into().0,
            query: query.into(),
            model_id: None,
        }
    }

    /// Generates a synthetic image from `image` through a "lens":
    /// `POST /v1/synthetic-images?lens_type=…[&lens_config=…]` with the image (JPEG or PNG, at
    /// most 10 MiB) as the raw body; returns the generated image's bytes (the official
    /// `SyntheticImageResult.image`). Retried after a 503 like the other calls. The request has
    /// the client's timeout unless [`GenerateSyntheticImage::timeout`] says otherwise (the
    /// official SDK waits up to 90 s for the answer: set `.timeout(Duration::from_secs(100))`
    /// for slow lenses).
    pub fn generate_synthetic_image(
        &self,
        image: impl Into<Image>,
        lens_type: impl Into<String>,
    ) -> GenerateSyntheticImage {
        GenerateSyntheticImage {
            client: self.clone(),
            image: image.into(),
            lens_type: lens_type.into(),
            lens_config: None,
        }
    }
}

/// The PNG bytes of a [`SyntheticImage`] (its `image` field is base64).
///
/// # Errors
///
/// [`Error::UnexpectedResponse`] when the field is not valid base64.
pub fn synthetic_image_bytes(image: &SyntheticImage) -> Result<Bytes> {
    base64::engine::general_purpose::STANDARD
        .decode(image.image.trim())
        .map(Bytes::from)
        .map_err(|e| Error::UnexpectedResponse(format!("synthetic image is not base64: {e}")))
}

/// The builder of [`Groundlight::create_note`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct CreateNote {
    client: Groundlight,
    detector: DetectorRef,
    note: String,
    image: Option<Image>,
    is_pinned: bool,
}

impl CreateNote {
    /// Attaches an image (sent as the `image` part, `image.jpg`).
    pub fn image(mut self, image: impl Into<Image>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Pins the note.
    pub fn is_pinned(mut self, pinned: bool) -> Self {
        self.is_pinned = pinned;
        self
    }

    /// Sends the note.
    pub async fn send(self) -> Result<()> {
        let id = self.detector.checked_id()?;
        if self.note.trim().is_empty() {
            return Err(Error::invalid("the note is empty"));
        }
        let mut fields = vec![
            MultipartField::Text {
                name: "content".into(),
                value: self.note.clone(),
            },
            MultipartField::Text {
                name: "is_pinned".into(),
                // The spec's boolean form value (SDK 1.3.1 sends Python's `True`/`False`;
                // the server accepts both, other validators only the lowercase form).
                value: if self.is_pinned { "true" } else { "false" }.into(),
            },
        ];
        if let Some(image) = &self.image {
            // Converted to JPEG like every image, but never shrunk: the official SDK sends a
            // note's image at its full size.
            let media = image.prepare(false).await?;
            let name = if media.mime() == &mime::IMAGE_JPEG {
                "image.jpg".to_owned()
            } else {
                format!("image.{}", media.mime().subtype())
            };
            fields.push(MultipartField::Media {
                name: "image".into(),
                source: media.with_file_name(name),
            });
        }
        let url = self
            .client
            .api_url_with_query(&["v1", "notes"], [("detector_id", id)]);
        let spec = self.client.request(Method::POST, url).multipart(fields);
        self.client
            .execute("create_note", Idempotency::NonIdempotent, spec)
            .await
            .map_err(|e| not_found(e, "detector", id))?;
        Ok(())
    }
}

/// The builder of [`Groundlight::create_priming_group`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct CreatePrimingGroup {
    client: Groundlight,
    name: String,
    source_ml_pipeline_id: String,
    detector_mode: DetectorModeEnum,
    canonical_query: Option<String>,
    disable_shadow_pipelines: bool,
}

impl CreatePrimingGroup {
    /// A canonical query describing the group (at most 300 characters).
    pub fn canonical_query(mut self, query: impl Into<String>) -> Self {
        self.canonical_query = Some(query.into());
        self
    }

    /// New detectors of the group get no shadow pipelines (default `false`).
    pub fn disable_shadow_pipelines(mut self, disable: bool) -> Self {
        self.disable_shadow_pipelines = disable;
        self
    }

    /// Creates the group.
    pub async fn send(self) -> Result<PrimingGroup> {
        check_len("name", &self.name, 1, 100)?;
        check_len("source_ml_pipeline_id", &self.source_ml_pipeline_id, 1, 44)?;
        if let Some(q) = &self.canonical_query {
            check_len("canonical_query", q, 0, 300)?;
        }
        if self.detector_mode.is_unknown() {
            return Err(Error::invalid(format!(
                "unknown detector_mode '{}'",
                self.detector_mode
            )));
        }
        let body = PrimingGroupCreationInputRequest {
            name: self.name,
            source_ml_pipeline_id: self.source_ml_pipeline_id,
            detector_mode: self.detector_mode,
            canonical_query: self.canonical_query,
            disable_shadow_pipelines: Some(self.disable_shadow_pipelines),
        };
        self.client
            .send_json(
                "create_priming_group",
                Method::POST,
                self.client.api_url(&["v1", "priming-groups"]),
                &body,
                Idempotency::NonIdempotent,
            )
            .await
    }
}

/// The builder of [`Groundlight::ask_vlm_verify`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct AskVlmVerify {
    client: Groundlight,
    images: Vec<Image>,
    query: String,
    model_id: Option<String>,
}

impl AskVlmVerify {
    /// The model to ask (default: the server's choice).
    pub fn model_id(mut self, model_id: impl Into<String>) -> Self {
        self.model_id = Some(model_id.into());
        self
    }

    /// The request timeout (default: the client's; the official SDK's `timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = self.client.with_timeout(timeout);
        self
    }

    /// Sends the verification.
    pub async fn send(self) -> Result<VlmVerification> {
        if self.images.is_empty() || self.images.len() > VLM_MAX_IMAGES {
            return Err(Error::invalid(format!(
                "ask_vlm_verify takes 1 to {VLM_MAX_IMAGES} images, got {}",
                self.images.len()
            )));
        }
        if self.query.trim().is_empty() {
            return Err(Error::invalid("the query is empty"));
        }
        let mut fields = vec![MultipartField::Text {
            name: "query".into(),
            value: self.query.clone(),
        }];
        if let Some(model) = &self.model_id {
            fields.push(MultipartField::Text {
                name: "model_id".into(),
                value: model.clone(),
            });
        }
        for (i, image) in self.images.iter().enumerate() {
            // Never shrunk; a JPEG is sent as it is.
            let media = image.prepare(false).await?;
            let ext = if media.mime() == &mime::IMAGE_JPEG {
                "jpg".to_owned()
            } else {
                media.mime().subtype().to_string()
            };
            fields.push(MultipartField::Media {
                name: "media".into(),
                source: media.with_file_name(format!("image_{}.{ext}", i + 1)),
            });
        }
        let spec = self
            .client
            .request(
                Method::POST,
                self.client.api_url(&["v1", "vlm-verifications"]),
            )
            .multipart(fields);
        self.client
            .execute_json("ask_vlm_verify", Idempotency::Idempotent, spec)
            .await
    }
}

/// The builder of [`Groundlight::generate_synthetic_image`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct GenerateSyntheticImage {
    client: Groundlight,
    image: Image,
    lens_type: String,
    lens_config: Option<Value>,
}

impl GenerateSyntheticImage {
    /// The lens configuration: a JSON object of at most 1024 characters once serialised (sent
    /// base64url-encoded like metadata).
    pub fn lens_config(mut self, config: impl Into<Value>) -> Self {
        self.lens_config = Some(config.into());
        self
    }

    /// The request timeout (default: the client's; the official SDK's `timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = self.client.with_timeout(timeout);
        self
    }

    /// Generates the image and returns its bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the answer has no image or it is not base64.
    pub async fn send(self) -> Result<Bytes> {
        check_non_empty("lens_type", &self.lens_type)?;
        let mut pairs = vec![("lens_type", self.lens_type.clone())];
        if let Some(config) = &self.lens_config {
            pairs.push(("lens_config", encode_json_param(config, "lens_config")?));
        }
        let media = self.image.prepare_unconverted().await?;
        if !matches!(media.mime().essence_str(), "image/jpeg" | "image/png") {
            return Err(Error::invalid(format!(
                "generate_synthetic_image takes JPEG or PNG images, got {}",
                media.mime().essence_str()
            )));
        }
        media.check_max_size(SYNTHETIC_IMAGE_MAX_BYTES)?;
        let url = self
            .client
            .api_url_with_query(&["v1", "synthetic-images"], pairs);
        let spec = self.client.request(Method::POST, url).media(media);
        let response = self
            .client
            .execute("generate_synthetic_image", Idempotency::Idempotent, spec)
            .await?;
        let image: SyntheticImage = response.json("generate_synthetic_image")?;
        if image.image.trim().is_empty() {
            return Err(response
                .invalid("generate_synthetic_image", "the answer has no image")
                .into());
        }
        base64::engine::general_purpose::STANDARD
            .decode(image.image.trim())
            .map(Bytes::from)
            .map_err(|e| {
                response
                    .invalid(
                        "generate_synthetic_image",
                        format_args!("the image is not base64: {e}"),
                    )
                    .into()
            })
    }
}

/// The images of [`Groundlight::ask_vlm_verify`]: one image (anything that is
/// `Into<Image>`: an [`Image`], a path, a [`MediaInput`](crate::MediaInput)) or a list or
/// array of them.
#[derive(Debug, Clone, Default)]
pub struct VlmImages(Vec<Image>);

impl From<Image> for VlmImages {
    fn from(image: Image) -> Self {
        Self(vec![image])
    }
}

/// One image's bytes (Python's `ask_vlm_verify(image_bytes, …)`).
impl From<&'static [u8]> for VlmImages {
    fn from(bytes: &'static [u8]) -> Self {
        Self(vec![Image::from(bytes)])
    }
}

/// One image's bytes.
impl From<Bytes> for VlmImages {
    fn from(bytes: Bytes) -> Self {
        Self(vec![Image::from(bytes)])
    }
}

impl From<&std::path::Path> for VlmImages {
    fn from(path: &std::path::Path) -> Self {
        Self(vec![Image::from_path(path)])
    }
}

impl From<std::path::PathBuf> for VlmImages {
    fn from(path: std::path::PathBuf) -> Self {
        Self(vec![Image::from_path(path)])
    }
}

impl From<crate::MediaInput> for VlmImages {
    fn from(input: crate::MediaInput) -> Self {
        Self(vec![Image::from(input)])
    }
}

impl<T: Into<Image>> From<Vec<T>> for VlmImages {
    fn from(images: Vec<T>) -> Self {
        Self(images.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Image>, const N: usize> From<[T; N]> for VlmImages {
    fn from(images: [T; N]) -> Self {
        Self(images.into_iter().map(Into::into).collect())
    }
}

/// The builder of [`Groundlight::list_detector_pipelines`].
#[derive(Debug, Clone)]
#[must_use = "call .send() or .stream(), or .await it"]
pub struct ListDetectorPipelines {
    client: Groundlight,
    detector: DetectorRef,
    page: u32,
    page_size: u32,
}

impl ListDetectorPipelines {
    /// The page (1-based; default 1). For [`stream`](Self::stream), the first page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Pipelines per page (default 10).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<PaginatedMlPipelineList> {
        check_page(self.page, self.page_size)?;
        let id = self.detector.checked_id()?.to_owned();
        fetch_pipelines_page(self.client, id, self.page, self.page_size).await
    }

    /// Every pipeline, page after page.
    pub fn stream(
        self,
    ) -> impl futures_core::Stream<Item = Result<crate::models::MlPipeline>> + Send + 'static {
        let problem = page_problem(self.page, self.page_size)
            .map(str::to_owned)
            .or_else(|| self.detector.checked_id().err().map(|e| e.to_string()));
        let Self {
            client,
            detector,
            page,
            page_size,
        } = self;
        let id = detector.id().to_owned();
        page_items(page, move |n| {
            let client = client.clone();
            let id = id.clone();
            let problem = problem.clone();
            async move {
                if let Some(problem) = problem {
                    return Err(Error::invalid(problem));
                }
                fetch_pipelines_page(client, id, n, page_size).await
            }
        })
    }
}

async fn fetch_pipelines_page(
    client: Groundlight,
    id: String,
    page: u32,
    page_size: u32,
) -> Result<PaginatedMlPipelineList> {
    let url = client.api_url_with_query(
        &["v1", "detectors", &id, "pipelines"],
        [
            ("page", page.to_string()),
            ("page_size", page_size.to_string()),
        ],
    );
    client
        .get_json("list_detector_pipelines", url)
        .await
        .map_err(|e| not_found(e, "detector", &id))
}

/// The builder of [`Groundlight::list_priming_groups`].
#[derive(Debug, Clone)]
#[must_use = "call .send() or .stream(), or .await it"]
pub struct ListPrimingGroups {
    client: Groundlight,
    page: u32,
    page_size: u32,
}

impl ListPrimingGroups {
    /// The page (1-based; default 1). For [`stream`](Self::stream), the first page.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Priming groups per page (default 10).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<PaginatedPrimingGroupList> {
        check_page(self.page, self.page_size)?;
        fetch_priming_page(self.client, self.page, self.page_size).await
    }

    /// Every priming group, page after page.
    pub fn stream(self) -> impl futures_core::Stream<Item = Result<PrimingGroup>> + Send + 'static {
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
                fetch_priming_page(client, n, page_size).await
            }
        })
    }
}

async fn fetch_priming_page(
    client: Groundlight,
    page: u32,
    page_size: u32,
) -> Result<PaginatedPrimingGroupList> {
    let url = client.api_url_with_query(
        &["v1", "priming-groups"],
        [
            ("page", page.to_string()),
            ("page_size", page_size.to_string()),
        ],
    );
    client.get_json("list_priming_groups", url).await
}

call_builder!(CreateNote, client => ());
call_builder!(CreatePrimingGroup, client => PrimingGroup);
call_builder!(AskVlmVerify, client => VlmVerification; no_timeout);
call_builder!(GenerateSyntheticImage, client => Bytes; no_timeout);
call_builder!(ListDetectorPipelines, client => PaginatedMlPipelineList);
call_builder!(ListPrimingGroups, client => PaginatedPrimingGroupList);
