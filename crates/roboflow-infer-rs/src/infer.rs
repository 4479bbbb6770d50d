//! `infer`: a model on one image or a list of images, in both route styles.
//!
//! - **v0** (hosted): one request per image, `POST /{project}/{version}?api_key=…&<configuration>`
//!   with the image's base64 as the raw body (`Content-Type: application/json`, as the
//!   official client sends it), or `?image=<url>` for [`Image::server_url`]. `format=image`
//!   answers with the visualisation itself ([`InferenceResponse::Visualization`]). The task is
//!   judged from the answer's shape ([`models::task_of_v0_response`]). With
//!   [`multipart_upload`](InferCall::multipart_upload) the image goes as the `file` part of a
//!   `multipart/form-data` body instead (raw bytes, a file streamed from disk).
//! - **v1** (self-hosted): the model's description from `GET /model/registry` (loading it with
//!   `POST /model/add` when missing; remembered unless the cache is off), then
//!   `POST /infer/{task}` with a JSON body, up to `max_batch_size` images per request. Semantic
//!   segmentation runs too (the official client refuses it; the server has the route).
//!
//! Both fan out over `max_concurrent_requests` requests at once, load each image only when its
//! request starts (at most `max_concurrent_requests × max_batch_size` images in memory), and
//! return the results in input order. With client-side downsizing on
//! (`client_downsizing_disabled(false)`, default feature `jpeg`), large images are shrunk to the
//! model's input size and the answers rescaled back.
//!
//! [`models::task_of_v0_response`]: crate::models::task_of_v0_response

use std::marker::PhantomData;

use vision_sdk_common::http::HeaderValue;
use vision_sdk_common::http::header::CONTENT_TYPE;
use vision_sdk_common::internal::batch::{chunks, map_ordered};
use vision_sdk_common::internal::execute::{HttpResponse, MultipartField, RequestSpec};
use vision_sdk_common::reqwest::{Method, Url};

use crate::client::{Body, CallOptions, InferenceClient, KeyIn};
use crate::config::V1Body;
use crate::error::from_http;
use crate::error::{Error, Result};
use crate::input::{Image, Loaded, downsize};
use crate::models::{self, InferenceResponse, ModelDescription, Visualization};
use crate::registry::{checked_model_id, split_v0_model_id};
use crate::rescale::{downsizing_bounds, rescale_response};
use crate::retry::RetryClass;
use crate::{ApiMode, Confidence, InferenceConfiguration, ResponseFormat};

const OP: &str = "infer";

mod sealed {
    pub trait Sealed {}
}

/// What an [`InferCall`] returns: one response ([`InferenceClient::infer`]) or one per image
/// ([`InferenceClient::infer_many`]).
pub trait InferOutput: sealed::Sealed + Send + 'static + Sized {
    #[doc(hidden)]
    fn from_results(results: Vec<InferenceResponse>) -> Result<Self>;
}

impl sealed::Sealed for InferenceResponse {}
impl InferOutput for InferenceResponse {
    fn from_results(results: Vec<InferenceResponse>) -> Result<Self> {
        results
            .into_iter()
            .next()
            .ok_or_else(|| Error::InvalidInput("no image".into()))
    }
}
impl sealed::Sealed for Vec<InferenceResponse> {}
impl InferOutput for Vec<InferenceResponse> {
    fn from_results(results: Vec<InferenceResponse>) -> Result<Self> {
        Ok(results)
    }
}

impl InferenceClient {
    /// Runs `model_id` (a `project/version` id or an alias such as `yolov8n-640`) on one
    /// image (the official `infer`).
    ///
    /// ```no_run
    /// use roboflow_infer::{Image, InferenceClient};
    /// # async fn run(client: InferenceClient) -> roboflow_infer::Result<()> {
    /// let result = client
    ///     .infer("my-project/3", Image::from_path("dog.jpg"))
    ///     .confidence_threshold(0.5)
    ///     .await?;
    /// if let Some(detections) = result.as_object_detection() {
    ///     for p in &detections.predictions {
    ///         println!("{} {:.2} at ({}, {})", p.class_name, p.confidence, p.x, p.y);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn infer(&self, model_id: impl Into<String>, image: impl Into<Image>) -> InferCall {
        InferCall::new(self.clone(), model_id.into(), vec![image.into()])
    }

    /// Runs `model_id` on a list of images; the results are in input order (the official
    /// `infer` with a list).
    pub fn infer_many<I>(
        &self,
        model_id: impl Into<String>,
        images: I,
    ) -> InferCall<Vec<InferenceResponse>>
    where
        I: IntoIterator,
        I::Item: Into<Image>,
    {
        InferCall::new(
            self.clone(),
            model_id.into(),
            images.into_iter().map(Into::into).collect(),
        )
    }
}

/// The builder of an `infer` call. Owns a client clone; `.send()` or `.await` it.
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct InferCall<Out = InferenceResponse> {
    client: InferenceClient,
    model_id: String,
    images: Vec<Image>,
    config: InferenceConfiguration,
    http_get: bool,
    multipart: bool,
    options: CallOptions,
    _out: PhantomData<fn() -> Out>,
}

impl<Out: InferOutput> InferCall<Out> {
    fn new(client: InferenceClient, model_id: String, images: Vec<Image>) -> Self {
        Self {
            client,
            model_id,
            images,
            config: InferenceConfiguration::new(),
            http_get: false,
            multipart: false,
            options: CallOptions::default(),
            _out: PhantomData,
        }
    }

    call_option_setters!();

    /// The per-call timeout and retry policy, set at once (`infer_on_stream` per frame).
    pub(crate) fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// A per-call configuration, merged over the client's (what it sets wins).
    pub fn configuration(mut self, config: InferenceConfiguration) -> Self {
        self.config = self.config.overridden_by(&config);
        self
    }
    /// `confidence_threshold`.
    pub fn confidence_threshold(mut self, confidence: impl Into<Confidence>) -> Self {
        self.config.confidence_threshold = Some(confidence.into());
        self
    }
    /// `iou_threshold` (v0 `overlap`).
    pub fn iou_threshold(mut self, iou: f64) -> Self {
        self.config.iou_threshold = Some(iou);
        self
    }
    /// `max_detections`.
    pub fn max_detections(mut self, max: u32) -> Self {
        self.config.max_detections = Some(max);
        self
    }
    /// `class_filter`: only these classes.
    pub fn class_filter<I: IntoIterator<Item = S>, S: Into<String>>(mut self, classes: I) -> Self {
        self.config.class_filter = Some(classes.into_iter().map(Into::into).collect());
        self
    }
    /// v0 `format` (`image`: the answer is the visualisation).
    pub fn format(mut self, format: ResponseFormat) -> Self {
        self.config.format = Some(format);
        self
    }
    /// Images per v1 request (default 1).
    pub fn max_batch_size(mut self, size: usize) -> Self {
        self.config.max_batch_size = Some(size);
        self
    }
    /// Requests in flight at once (default 1).
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.config.max_concurrent_requests = Some(requests);
        self
    }
    /// Client-side downsizing to the model's input size, with the answers rescaled back
    /// (default off, as upstream; JPEG and PNG with the default feature `jpeg`, other formats with `image`).
    pub fn client_downsizing(mut self, enabled: bool) -> Self {
        self.config.client_downsizing_disabled = Some(!enabled);
        self
    }
    /// v0 only: the legacy route's `GET` form, for [`Image::server_url`] images
    /// (`GET /{project}/{version}?image=<url>&…`).
    pub fn http_get(mut self, get: bool) -> Self {
        self.http_get = get;
        self
    }

    /// v0 only: each image as the `file` part of a `multipart/form-data` body (its raw
    /// bytes, streamed from disk for a file: constant memory, and a third smaller than the
    /// base64 body the official client sends). The legacy route takes both; the answer is the
    /// same. [`Image::server_url`] images are still sent as `?image=<url>`.
    ///
    /// ```no_run
    /// use roboflow_infer::{ApiMode, Image, InferenceClient};
    /// # async fn run() -> roboflow_infer::Result<()> {
    /// let client = InferenceClient::new("my-key")?; // hosted: v0 routes
    /// let result = client
    ///     .infer("my-project/3", Image::from_path("large-photo.jpg"))
    ///     .multipart_upload(true)
    ///     .await?;
    /// # let _ = result;
    /// # Ok(())
    /// # }
    /// ```
    pub fn multipart_upload(mut self, multipart: bool) -> Self {
        self.multipart = multipart;
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Out> {
        if self.images.is_empty() {
            return Err(Error::InvalidInput("infer needs at least one image".into()));
        }
        if self.multipart && self.http_get {
            return Err(Error::InvalidInput(
                "the GET form of the legacy route has no body: multipart_upload and http_get exclude each other"
                    .into(),
            ));
        }
        let model_id = checked_model_id(&self.model_id)?.to_owned();
        let config = self.client.inner.config.overridden_by(&self.config);
        let results = match self.client.mode() {
            ApiMode::V0 => self.v0(&model_id, &config).await?,
            ApiMode::V1 => {
                if self.http_get || self.multipart {
                    return Err(Error::WrongClientMode {
                        operation: OP,
                        needed: ApiMode::V0,
                        mode: ApiMode::V1,
                    });
                }
                self.v1(&model_id, &config).await?
            }
        };
        Out::from_results(results)
    }

    /// **Unstable, not part of the API** (for benchmarks; may change or go in any release):
    /// the HTTP requests this call would send, built but not sent — images loaded (files read,
    /// URLs fetched), downsized when asked, base64-encoded into their bodies. One request per
    /// image on v0, one per batch of `max_batch_size` on v1 (which first asks the server for
    /// the model's description, as `send` does). The credential is left out: the client adds
    /// it to each attempt.
    #[doc(hidden)]
    pub async fn unstable_build_requests(
        &self,
    ) -> Result<Vec<vision_sdk_common::reqwest::Request>> {
        if self.images.is_empty() {
            return Err(Error::InvalidInput("infer needs at least one image".into()));
        }
        let model_id = checked_model_id(&self.model_id)?.to_owned();
        let config = self.client.inner.config.overridden_by(&self.config);
        let specs = match self.client.mode() {
            ApiMode::V0 => {
                let shared = self.v0_shared(&model_id, &config)?;
                let mut specs = Vec::with_capacity(self.images.len());
                for image in &self.images {
                    specs.push(self.v0_request(&shared, &config, image).await?.0);
                }
                specs
            }
            ApiMode::V1 => {
                let shared = self.v1_shared(&model_id, &config).await?;
                let mut specs = Vec::new();
                for batch in chunks(self.images.clone(), config.effective_max_batch_size()) {
                    specs.push(self.v1_request(&shared, &config, &batch).await?.0);
                }
                specs
            }
        };
        let http = self.client.inner.executor.http();
        let mut requests = Vec::with_capacity(specs.len());
        for spec in specs {
            requests.push(spec.build(http, None).await.map_err(|e| from_http(OP, e))?);
        }
        Ok(requests)
    }

    fn v0_shared(&self, model_id: &str, config: &InferenceConfiguration) -> Result<V0Shared> {
        let (project, version) = split_v0_model_id(model_id)?;
        Ok(V0Shared {
            url: self.client.url(&[project, version]),
            query: config.v0_query(),
            bounds: downsizing_bounds(config, None),
        })
    }

    /// The v0 request of one image, and the ratio to rescale its answer by.
    async fn v0_request(
        &self,
        shared: &V0Shared,
        config: &InferenceConfiguration,
        image: &Image,
    ) -> Result<(RequestSpec, Option<f64>)> {
        let client = &self.client;
        let http_get = self.http_get;
        if self.multipart && !image.is_server_url() {
            // The `file` part, a file streamed from disk on every attempt (constant memory).
            let (source, ratio) = image
                .upload_source(client, &self.options, shared.bounds)
                .await?;
            let spec = client
                .request(Method::POST, shared.url.clone(), KeyIn::Query)
                .query(shared.query.iter().map(|(k, v)| (*k, v.as_str())));
            let spec =
                client
                    .with_service_secret(spec, config)
                    .multipart(vec![MultipartField::Media {
                        name: "file".into(),
                        source,
                    }]);
            return Ok((spec, ratio));
        }
        let loaded = image.load(client, &self.options).await?;
        let (loaded, ratio) = downsize(loaded, shared.bounds).await?;
        let method = if http_get { Method::GET } else { Method::POST };
        let spec = client
            .request(method, shared.url.clone(), KeyIn::Query)
            .query(shared.query.iter().map(|(k, v)| (*k, v.as_str())));
        let spec = client.with_service_secret(spec, config);
        let spec = match &loaded {
            Loaded::ServerUrl(image_url) => {
                let spec = spec.query([("image", image_url.as_str())]);
                if http_get {
                    spec
                } else {
                    // The server refuses a request without a Content-Type.
                    spec.bytes(
                        Default::default(),
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    )
                }
            }
            _ if http_get => {
                return Err(Error::InvalidInput(
                    "the GET form of the legacy route takes only Image::server_url images".into(),
                ));
            }
            other => spec.bytes(
                other.base64_body().unwrap_or_default(),
                HeaderValue::from_static("application/json"),
            ),
        };
        Ok((spec, ratio))
    }

    async fn v0(
        &self,
        model_id: &str,
        config: &InferenceConfiguration,
    ) -> Result<Vec<InferenceResponse>> {
        let shared = &self.v0_shared(model_id, config)?;
        let concurrency = config.effective_max_concurrent_requests();
        let results = map_ordered(
            self.images.iter().cloned(),
            concurrency,
            |image| async move {
                // Counted from loading to the decoded answer (the memory bound of batches).
                let _held = self.client.inner.images.hold(1);
                let (spec, ratio) = self.v0_request(shared, config, &image).await?;
                let response = self
                    .client
                    .execute(OP, RetryClass::Inference, spec, &self.options)
                    .await?;
                let mut result = decode_v0(&response)?;
                if let Some(ratio) = ratio {
                    rescale_response(&mut result, ratio);
                }
                Ok::<_, Error>(result)
            },
        )
        .await;
        results.into_iter().collect()
    }

    async fn v1_shared(&self, model_id: &str, config: &InferenceConfiguration) -> Result<V1Shared> {
        let client = &self.client;
        let description = client.describe_model(OP, model_id, true).await?;
        let unsupported = || Error::ModelTaskTypeNotSupported {
            model_id: model_id.to_owned(),
            task_type: description.task_type.to_string(),
        };
        let route = description
            .task_type
            .v1_infer_route()
            .ok_or_else(unsupported)?;
        let members = config
            .v1_body(&description.task_type)
            .ok_or_else(unsupported)?;
        let segments: Vec<&str> = route.trim_start_matches('/').split('/').collect();
        let url = client.url(&segments);
        let bounds = downsizing_bounds(config, Some(&description));
        Ok(V1Shared {
            model_id: model_id.to_owned(),
            url,
            members,
            bounds,
            description,
        })
    }

    /// The v1 request of one batch, and the ratios to rescale its answers by.
    async fn v1_request(
        &self,
        shared: &V1Shared,
        config: &InferenceConfiguration,
        batch: &[Image],
    ) -> Result<(RequestSpec, Vec<Option<f64>>)> {
        let client = &self.client;
        let mut body = Body::new();
        body.insert("model_id", shared.model_id.as_str());
        for (name, value) in shared.members.iter() {
            body.insert(name, value.clone());
        }
        // `{…members, "image": <image or list>}`, the images written in place.
        let mut json = serde_json::to_vec(&body)
            .map_err(|e| Error::InvalidInput(format!("the request body cannot be written: {e}")))?;
        json.pop(); // the closing `}`
        json.extend_from_slice(if json.len() > 1 {
            b",\"image\":"
        } else {
            b"\"image\":"
        });
        if batch.len() > 1 {
            json.push(b'[');
        }
        let mut ratios = Vec::with_capacity(batch.len());
        for (index, image) in batch.iter().enumerate() {
            let loaded = image.load(client, &self.options).await?;
            let (loaded, ratio) = downsize(loaded, shared.bounds).await?;
            if index > 0 {
                json.push(b',');
            }
            loaded.write_json(&mut json).map_err(|e| {
                Error::InvalidInput(format!("the request body cannot be written: {e}"))
            })?;
            ratios.push(ratio);
        }
        if batch.len() > 1 {
            json.push(b']');
        }
        json.push(b'}');
        let spec = client.request(Method::POST, shared.url.clone(), KeyIn::Body);
        let spec = client
            .with_service_secret(spec, config)
            .query(config.v1_query())
            .json_bytes(json.into());
        Ok((spec, ratios))
    }

    async fn v1(
        &self,
        model_id: &str,
        config: &InferenceConfiguration,
    ) -> Result<Vec<InferenceResponse>> {
        let shared = &self.v1_shared(model_id, config).await?;
        let batches = chunks(self.images.clone(), config.effective_max_batch_size());
        let concurrency = config.effective_max_concurrent_requests();
        let results = map_ordered(batches, concurrency, |batch| async move {
            // Counted from loading to the decoded answers (the memory bound of batches).
            let _held = self.client.inner.images.hold(batch.len());
            let (spec, ratios) = self.v1_request(shared, config, &batch).await?;
            let response = self
                .client
                .execute(OP, RetryClass::Inference, spec, &self.options)
                .await?;
            let mut decoded = decode_v1(&response, &shared.description)?;
            if decoded.len() != ratios.len() {
                return Err(Error::Decode(response.invalid(
                    OP,
                    format!(
                        "{} images sent, {} results received",
                        ratios.len(),
                        decoded.len()
                    ),
                )));
            }
            for (result, ratio) in decoded.iter_mut().zip(ratios) {
                if let Some(ratio) = ratio {
                    rescale_response(result, ratio);
                }
            }
            Ok::<_, Error>(decoded)
        })
        .await;
        let mut out = Vec::with_capacity(self.images.len());
        for batch in results {
            out.extend(batch?);
        }
        Ok(out)
    }
}

/// What every v0 request of a call shares.
struct V0Shared {
    url: Url,
    query: Vec<(&'static str, String)>,
    bounds: Option<(u32, u32)>,
}

/// What every v1 request of a call shares.
struct V1Shared {
    model_id: String,
    url: Url,
    members: V1Body,
    bounds: Option<(u32, u32)>,
    description: ModelDescription,
}

into_future!(InferCall<InferenceResponse> => InferenceResponse);
into_future!(InferCall<Vec<InferenceResponse>> => Vec<InferenceResponse>);

fn decode_v0(response: &HttpResponse) -> Result<InferenceResponse> {
    let content_type = response
        .header_str(CONTENT_TYPE.as_str())
        .unwrap_or_default();
    if content_type.starts_with("image/") {
        return Ok(InferenceResponse::Visualization(Visualization::new(
            response.body().to_vec(),
            content_type,
        )));
    }
    models::decode_v0_inference(response.body())
        .map_err(|e| Error::Decode(response.decode_error(OP, e)))
}

fn decode_v1(
    response: &HttpResponse,
    description: &ModelDescription,
) -> Result<Vec<InferenceResponse>> {
    models::decode_inference_batch(&description.task_type, response.body())
        .map_err(|e| Error::Decode(response.decode_error(OP, e)))
}
