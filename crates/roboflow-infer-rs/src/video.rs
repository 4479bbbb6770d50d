//! `infer_on_video`: an action-recognition model on a video (the official `infer_on_video`).
//!
//! - v1: the model's description from the registry (loaded when missing), then
//!   `POST /infer/action_recognition` with `{model_id, video: {type, value}, class_filter?}`.
//! - v0: `POST /{project}/{version}` with the video's base64 as the body
//!   (`Content-Type: application/x-www-form-urlencoded`, as upstream) or `?image=<url>` for a
//!   server-fetched URL; `class_filter` comma-joined. With
//!   [`multipart_upload`](VideoCall::multipart_upload) the clip goes as the `file` part of a
//!   `multipart/form-data` body instead (raw bytes streamed from disk: the base64 body is a
//!   third larger and held whole in memory).
//! - `include_candidates` (server 1.8.3; the official client never sends it): the v1 body
//!   member or the v0 query parameter.

use vision_sdk_common::http::HeaderValue;
use vision_sdk_common::reqwest::Method;

use vision_sdk_common::internal::execute::MultipartField;

use crate::client::{Body, CallOptions, InferenceClient, KeyIn};
use crate::error::{Error, Result};
use crate::input::{Image, Loaded};
use crate::models::{self, InferenceResponse};
use crate::registry::{checked_model_id, split_v0_model_id};
use crate::retry::RetryClass;
use crate::{ApiMode, InferenceConfiguration, TaskType};

const OP: &str = "infer_on_video";

/// A video for [`InferenceClient::infer_on_video`]: a file, bytes, a URL the client fetches, or
/// a URL the server fetches. Constructors are infallible; problems surface at `send()`.
#[derive(Debug, Clone)]
pub struct Video(Image);

impl Video {
    /// A video file, read when the call is sent.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Self {
        Self(Image::from_path(path))
    }
    /// Encoded video bytes (MP4, …).
    pub fn from_bytes(bytes: impl Into<vision_sdk_common::bytes::Bytes>) -> Self {
        Self(Image::from_bytes(bytes))
    }
    /// A URL the client fetches (under the client's URL-input policy).
    pub fn from_url(url: impl AsRef<str>) -> Self {
        Self(Image::from_url(url))
    }
    /// A URL the server fetches (v1 `{"type": "url"}`, v0 `?image=`).
    pub fn server_url(url: impl Into<String>) -> Self {
        Self(Image::server_url(url))
    }
}

impl From<&std::path::Path> for Video {
    fn from(path: &std::path::Path) -> Self {
        Self::from_path(path)
    }
}
impl From<std::path::PathBuf> for Video {
    fn from(path: std::path::PathBuf) -> Self {
        Self::from_path(path)
    }
}

impl InferenceClient {
    /// Runs an action-recognition model on a video (`infer_on_video`); the answer is
    /// [`InferenceResponse::ActionRecognition`] (a timeline), or a stub's.
    pub fn infer_on_video(
        &self,
        model_id: impl Into<String>,
        video: impl Into<Video>,
    ) -> VideoCall {
        VideoCall {
            client: self.clone(),
            model_id: model_id.into(),
            video: video.into(),
            config: InferenceConfiguration::new(),
            include_candidates: None,
            multipart: false,
            options: CallOptions::default(),
        }
    }
}

/// The builder of [`InferenceClient::infer_on_video`].
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct VideoCall {
    client: InferenceClient,
    model_id: String,
    video: Video,
    config: InferenceConfiguration,
    include_candidates: Option<bool>,
    multipart: bool,
    options: CallOptions,
}

impl VideoCall {
    call_option_setters!();

    /// `class_filter`: only these actions.
    pub fn class_filter<I: IntoIterator<Item = S>, S: Into<String>>(mut self, classes: I) -> Self {
        self.config.class_filter = Some(classes.into_iter().map(Into::into).collect());
        self
    }
    /// `include_candidates`: also the raw scored candidates, before merging (server 1.8.3).
    pub fn include_candidates(mut self, include: bool) -> Self {
        self.include_candidates = Some(include);
        self
    }
    /// v0 only: the clip as the `file` part of a `multipart/form-data` body (raw bytes, a
    /// file streamed from disk) instead of the base64 body. A server-fetched URL is still
    /// sent as `?image=<url>`.
    pub fn multipart_upload(mut self, multipart: bool) -> Self {
        self.multipart = multipart;
        self
    }
    /// A per-call configuration (confidence, …), merged over the client's.
    pub fn configuration(mut self, config: InferenceConfiguration) -> Self {
        self.config = self.config.overridden_by(&config);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<InferenceResponse> {
        let client = &self.client;
        let model_id = checked_model_id(&self.model_id)?.to_owned();
        let config = client.inner.config.overridden_by(&self.config);
        match client.mode() {
            ApiMode::V1 if self.multipart => Err(Error::WrongClientMode {
                operation: OP,
                needed: ApiMode::V0,
                mode: ApiMode::V1,
            }),
            ApiMode::V1 => {
                let description = client.describe_model(OP, &model_id, true).await?;
                let members = config
                    .v1_body(&TaskType::ActionRecognition)
                    .unwrap_or_default();
                let loaded = self.video.0.load(client, &self.options).await?;
                let mut body = Body::new();
                body.insert("model_id", model_id.as_str());
                body.insert("video", loaded.to_json());
                for (name, value) in members.iter() {
                    body.insert(name, value.clone());
                }
                body.insert_opt("include_candidates", self.include_candidates);
                let spec = client.request(
                    Method::POST,
                    client.url(&["infer", "action_recognition"]),
                    KeyIn::Body,
                );
                let spec = client
                    .with_service_secret(spec, &config)
                    .query(config.v1_query());
                let spec = InferenceClient::json_body(spec, &body)?;
                let response = client
                    .execute(OP, RetryClass::Inference, spec, &self.options)
                    .await?;
                models::decode_inference(&description.task_type, response.body())
                    .map_err(|e| Error::Decode(response.decode_error(OP, e)))
            }
            ApiMode::V0 => {
                let (project, version) = split_v0_model_id(&model_id)?;
                let spec = client
                    .request(Method::POST, client.url(&[project, version]), KeyIn::Query)
                    .query(config.v0_query());
                let spec = client.with_service_secret(spec, &config);
                let spec = match self.include_candidates {
                    Some(include) => {
                        spec.query([("include_candidates", if include { "true" } else { "false" })])
                    }
                    None => spec,
                };
                let form = HeaderValue::from_static("application/x-www-form-urlencoded");
                let spec = if self.multipart && !self.video.0.is_server_url() {
                    let (source, _) = self
                        .video
                        .0
                        .upload_source(client, &self.options, None)
                        .await?;
                    spec.multipart(vec![MultipartField::Media {
                        name: "file".into(),
                        source,
                    }])
                } else {
                    match self.video.0.load(client, &self.options).await? {
                        Loaded::ServerUrl(url) => spec
                            .query([("image", url.as_str())])
                            .bytes(Default::default(), form),
                        other => spec.bytes(other.base64().unwrap_or_default().into(), form),
                    }
                };
                let response = client
                    .execute(OP, RetryClass::Inference, spec, &self.options)
                    .await?;
                models::decode_v0_inference(response.body())
                    .map_err(|e| Error::Decode(response.decode_error(OP, e)))
            }
        }
    }
}

into_future!(VideoCall => InferenceResponse);
