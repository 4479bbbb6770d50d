//! The official SDK's `ExperimentalApi` calls: notes, detector evaluation and metrics, ML
//! pipelines, priming groups, VLM verification and synthetic images. The API behind them may
//! change faster than the rest.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use vision_sdk_common::internal::{Idempotency, MultipartField};

use crate::client::{DetectorRef, Groundlight, with_query};
use crate::detectors::{check_len, check_page, not_found};
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
        let url = with_query(self.api_url(&["v1", "notes"]), [("detector_id", id)]);
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

    /// One page of a detector's ML pipelines (`GET /v1/detectors/{id}/pipelines?page=&page_size=`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub async fn list_detector_pipelines(
        &self,
        detector: impl Into<DetectorRef>,
        page: u32,
        page_size: u32,
    ) -> Result<PaginatedMlPipelineList> {
        check_page(page, page_size)?;
        let detector = detector.into();
        let id = detector.checked_id()?;
        let url = with_query(
            self.api_url(&["v1", "detectors", id, "pipelines"]),
            [
                ("page", page.to_string()),
                ("page_size", page_size.to_string()),
            ],
        );
        self.get_json("list_detector_pipelines", url)
            .await
            .map_err(|e| not_found(e, "detector", id))
    }

    /// One page of priming groups (`GET /v1/priming-groups?page=&page_size=`).
    pub async fn list_priming_groups(
        &self,
        page: u32,
        page_size: u32,
    ) -> Result<PaginatedPrimingGroupList> {
        check_page(page, page_size)?;
        let url = with_query(
            self.api_url(&["v1", "priming-groups"]),
            [
                ("page", page.to_string()),
                ("page_size", page_size.to_string()),
            ],
        );
        self.get_json("list_priming_groups", url).await
    }

    /// Creates a priming group seeded from one of your ML pipelines (`POST /v1/priming-groups`).
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
        check_len("priming group id", id, 1, usize::MAX)?;
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
        check_len("priming group id", id, 1, usize::MAX)?;
        let spec = self.request(Method::DELETE, self.api_url(&["v1", "priming-groups", id]));
        self.execute("delete_priming_group", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| match e {
                Error::Http(http) => Error::not_found_on(http, "priming group", id, true),
                other => other,
            })?;
        Ok(())
    }

    /// Asks a vision-language model whether `query` holds for 1 to 8 images:
    /// `POST /v1/vlm-verifications` (multipart `query`, `model_id`, `media` per image). The
    /// request times out after 10 s unless [`AskVlmVerify::timeout`] says otherwise.
    pub fn ask_vlm_verify<I>(&self, images: I, query: impl Into<String>) -> AskVlmVerify
    where
        I: IntoIterator,
        I::Item: Into<Image>,
    {
        AskVlmVerify {
            client: self.clone(),
            images: images.into_iter().map(Into::into).collect(),
            query: query.into(),
            model_id: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// Generates a synthetic image from `image` through a "lens":
    /// `POST /v1/synthetic-images?lens_type=…[&lens_config=…]` with the image (JPEG or PNG, at
    /// most 10 MiB) as the raw body. Decode the result's image with [`synthetic_image_bytes`].
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
            timeout: Duration::from_secs(100),
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
            let media = image
                .prepare(self.client.shrinks_oversized_images())
                .await?;
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
        let url = with_query(self.client.api_url(&["v1", "notes"]), [("detector_id", id)]);
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
    timeout: Duration,
}

impl AskVlmVerify {
    /// The model to ask (default: the server's choice).
    pub fn model_id(mut self, model_id: impl Into<String>) -> Self {
        self.model_id = Some(model_id.into());
        self
    }

    /// The request timeout (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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
        let shrink = self.client.shrinks_oversized_images();
        for (i, image) in self.images.iter().enumerate() {
            let media = image.prepare(shrink).await?;
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
            .multipart(fields)
            .timeout(Some(self.timeout));
        self.client
            .execute_json("ask_vlm_verify", Idempotency::NonIdempotent, spec)
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
    timeout: Duration,
}

impl GenerateSyntheticImage {
    /// The lens configuration: a JSON object of at most 1024 characters once serialised (sent
    /// base64url-encoded like metadata).
    pub fn lens_config(mut self, config: impl Into<Value>) -> Self {
        self.lens_config = Some(config.into());
        self
    }

    /// The request timeout (default 100 s: the official 10 s to connect + 90 s to read).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Generates the image.
    pub async fn send(self) -> Result<SyntheticImage> {
        check_len("lens_type", &self.lens_type, 1, usize::MAX)?;
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
        let url = with_query(self.client.api_url(&["v1", "synthetic-images"]), pairs);
        let spec = self
            .client
            .request(Method::POST, url)
            .media(media)
            .timeout(Some(self.timeout));
        self.client
            .execute_json("generate_synthetic_image", Idempotency::NonIdempotent, spec)
            .await
    }
}
