//! [`Inputs`]: uploads, listing, deletion and annotations of one app's inputs (the Python
//! `Inputs`), and the input and annotation builders (`get_input_from_url`, `get_bbox_proto`, …)
//! as plain functions.

use std::time::Duration;

use bytes::Bytes;
use vision_sdk_common::internal::poll_until;
use vision_sdk_common::{MediaInput, PollSchedule, Probe};

use crate::client::{CallOptions, Clarifai};
use crate::error::{Error, Result, missing};
use crate::list::List;
use crate::models::{
    Annotation, Audio, BoundingBox, Concept, Data, Geo, Image, Input, InputsAddJob, MediaKind,
    MultiAnnotationResponse, MultiInputResponse, Polygon, Region, RegionInfo, SingleInputResponse,
    SingleInputsAddJobResponse, StatusOnly, Struct, Text, UserAppIdSet, Video,
};
use crate::requests::apps::PatchAction;
use crate::requests::inputs::{self as input_requests, ListInputsFilter, MAX_UPLOAD_BATCH};
use crate::status::StatusCode;

/// How long [`Inputs::wait_for_upload_job`] waits by default (the SDK's 30 minutes).
pub const UPLOAD_JOB_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The input of `id` with content at `url` (`get_input_from_url`).
///
/// ```
/// use clarifai::inputs;
/// use clarifai::models::MediaKind;
/// let input = inputs::from_url("dog-1", "https://samples.clarifai.com/dog.jpg", MediaKind::Image)
///     .with_labels(["dog"]);
/// assert_eq!(serde_json::to_string(&input).unwrap(),
///     r#"{"id":"dog-1","data":{"image":{"url":"https://samples.clarifai.com/dog.jpg"},"concepts":[{"id":"dog","name":"dog","value":1.0}]}}"#);
/// ```
pub fn from_url(id: impl Into<String>, url: impl Into<String>, kind: MediaKind) -> Input {
    Input::new(id, data_from_url(url.into(), kind))
}

/// The input of `id` with these bytes (`get_input_from_bytes`; text bytes become `text.raw`).
pub fn from_bytes(id: impl Into<String>, bytes: impl Into<Bytes>, kind: MediaKind) -> Input {
    Input::new(id, data_from_bytes(bytes.into(), kind))
}

/// A text input (`get_text_input`).
pub fn text(id: impl Into<String>, raw: impl Into<String>) -> Input {
    Input::new(id, Data::text(Text::from_raw(raw)))
}

/// Text and an image in one input (`get_multimodal_input`).
pub fn multimodal(id: impl Into<String>, raw_text: impl Into<String>, image: Image) -> Input {
    let mut data = Data::image(image);
    data.text = Some(Text::from_raw(raw_text));
    Input::new(id, data)
}

/// A bounding-box annotation (`get_bbox_proto`): `[xmin, ymin, xmax, ymax]`, normalised.
///
/// ```
/// let a = clarifai::inputs::bbox_annotation("in1", "dog", [0.1, 0.2, 0.5, 0.9]);
/// let b = a.data.unwrap().regions[0].region_info.clone().unwrap().bounding_box.unwrap();
/// assert_eq!((b.top_row, b.left_col, b.bottom_row, b.right_col), (0.2, 0.1, 0.9, 0.5));
/// ```
pub fn bbox_annotation(input_id: impl Into<String>, label: &str, bbox: [f32; 4]) -> Annotation {
    region_annotation(
        input_id,
        label,
        RegionInfo {
            bounding_box: Some(BoundingBox::from_xyxy(bbox)),
            ..RegionInfo::default()
        },
    )
}

/// A polygon annotation (`get_mask_proto`): points `[x, y]`, normalised.
pub fn mask_annotation(
    input_id: impl Into<String>,
    label: &str,
    polygon: &[[f32; 2]],
) -> Annotation {
    region_annotation(
        input_id,
        label,
        RegionInfo {
            polygon: Some(Polygon::from_xy(polygon)),
            ..RegionInfo::default()
        },
    )
}

fn region_annotation(input_id: impl Into<String>, label: &str, info: RegionInfo) -> Annotation {
    let region = Region {
        region_info: Some(info),
        data: Some(Data {
            concepts: vec![labelled(label)],
            ..Data::default()
        }),
        ..Region::default()
    };
    Annotation::new(
        input_id,
        Data {
            regions: vec![region],
            ..Data::default()
        },
    )
}

/// A positive label: id and name `label`, value 1.
pub(crate) fn labelled(label: &str) -> Concept {
    Concept::new(label).with_name(label).with_value(1.0)
}

pub(crate) fn data_from_url(url: String, kind: MediaKind) -> Data {
    match kind {
        MediaKind::Image => Data::image(Image::from_url(url)),
        MediaKind::Video => Data::video(Video::from_url(url)),
        MediaKind::Audio => Data::audio(Audio::from_url(url)),
        MediaKind::Text => Data::text(Text::from_url(url)),
    }
}

pub(crate) fn data_from_bytes(bytes: Bytes, kind: MediaKind) -> Data {
    match kind {
        MediaKind::Image => Data::image(Image::from_bytes(bytes)),
        MediaKind::Video => Data::video(Video::from_bytes(bytes)),
        MediaKind::Audio => Data::audio(Audio::from_bytes(bytes)),
        MediaKind::Text => Data::text(Text::from_raw(String::from_utf8_lossy(&bytes).into_owned())),
    }
}

/// Reads a media input (file, bytes) at send time.
pub(crate) async fn read_media(media: &MediaInput) -> Result<Bytes> {
    let source = media.resolve(90).await?;
    Ok(source.read_all().await?)
}

impl Input {
    /// Labels the input: one positive concept (id = name = label) per label.
    #[must_use]
    pub fn with_labels<S: AsRef<str>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        let data = self.data.get_or_insert_with(Data::default);
        data.concepts = labels.into_iter().map(|l| labelled(l.as_ref())).collect();
        self
    }

    /// Sets the input's metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: Struct) -> Self {
        self.data.get_or_insert_with(Data::default).metadata = metadata;
        self
    }

    /// Sets the input's location.
    #[must_use]
    pub fn with_geo(mut self, longitude: f32, latitude: f32) -> Self {
        self.data.get_or_insert_with(Data::default).geo = Some(Geo::point(longitude, latitude));
        self
    }
}

/// A fresh upload job id (32 hex digits, like the SDK's `uuid.uuid4().hex`).
pub(crate) fn new_job_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// The inputs of one app: cheap, `Clone`, `'static`.
///
/// ```no_run
/// use clarifai::models::MediaKind;
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let inputs = client.app("my-app").inputs();
/// let job = inputs
///     .upload_from_url("dog-1", "https://samples.clarifai.com/dog.jpg", MediaKind::Image)
///     .labels(["dog"])
///     .send()
///     .await?;
/// inputs.wait_for_upload_job(&job.job_id).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Inputs {
    client: Clarifai,
    scope: UserAppIdSet,
}

impl Clarifai {
    /// The inputs of the default app.
    pub fn inputs(&self) -> Inputs {
        Inputs::new(self, self.default_scope())
    }
}

/// What an upload started: the job to follow and the inputs as the server took them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UploadJob {
    /// The `inputs_add_job_id` (follow it with [`Inputs::wait_for_upload_job`]).
    pub job_id: String,
    /// The inputs, each with its status.
    pub inputs: Vec<Input>,
}

impl Inputs {
    pub(crate) fn new(client: &Clarifai, scope: UserAppIdSet) -> Self {
        Self {
            client: client.clone(),
            scope,
        }
    }

    /// The owner and app.
    pub fn scope(&self) -> &UserAppIdSet {
        &self.scope
    }

    /// `Inputs.upload_inputs(inputs)`: `POST {UA}/inputs` (≤ 128, each with an id).
    pub fn upload_inputs(&self, inputs: Vec<Input>) -> Upload {
        Upload {
            client: self.client.clone(),
            scope: self.scope.clone(),
            pending: inputs
                .into_iter()
                .map(|i| Pending::Ready(Box::new(i)))
                .collect(),
            dataset_id: None,
            labels: None,
            job_id: None,
            options: CallOptions::default(),
        }
    }

    /// `Inputs.upload_from_url(input_id, image_url|video_url|audio_url|text_url)`.
    pub fn upload_from_url(
        &self,
        input_id: impl Into<String>,
        url: impl Into<String>,
        kind: MediaKind,
    ) -> Upload {
        self.upload_inputs(vec![from_url(input_id, url, kind)])
    }

    /// `Inputs.upload_from_bytes(input_id, image_bytes|…)`.
    pub fn upload_from_bytes(
        &self,
        input_id: impl Into<String>,
        bytes: impl Into<Bytes>,
        kind: MediaKind,
    ) -> Upload {
        self.upload_inputs(vec![from_bytes(input_id, bytes, kind)])
    }

    /// `Inputs.upload_from_file(input_id, image_file|…)`: the file is read when the call is
    /// sent (a missing file is [`Error::Media`], nothing sent).
    pub fn upload_from_file(
        &self,
        input_id: impl Into<String>,
        path: impl AsRef<std::path::Path>,
        kind: MediaKind,
    ) -> Upload {
        let mut upload = self.upload_inputs(Vec::new());
        upload.pending.push(Pending::File {
            id: input_id.into(),
            media: MediaInput::from_path(path),
            kind,
        });
        upload
    }

    /// `Inputs.upload_text(input_id, raw_text)`.
    pub fn upload_text(&self, input_id: impl Into<String>, raw_text: impl Into<String>) -> Upload {
        self.upload_inputs(vec![text(input_id, raw_text)])
    }

    /// `Inputs.list_inputs(page_no, per_page, input_type)`: `GET {UA}/inputs`
    /// (`.input_type(kind)` filters client-side, as the SDK does).
    pub fn list_inputs(&self) -> List<MultiInputResponse> {
        self.list_inputs_filtered(ListInputsFilter::default())
    }

    /// `GET {UA}/inputs?ids=…&status.code=…`.
    pub fn list_inputs_filtered(&self, filter: ListInputsFilter) -> List<MultiInputResponse> {
        let scope = self.scope.clone();
        List::new(&self.client, "list_inputs", move |page, per_page| {
            let mut f = filter.clone();
            f.page = page;
            f.per_page = per_page;
            input_requests::list(&scope, &f)
        })
    }

    /// `GET {UA}/inputs?ids=…[&status.code=…]`: these inputs, optionally only those with
    /// this status (the SDK's `_delete_failed_inputs` asks for `INPUT_SUCCESS`).
    pub fn list_inputs_by_ids(
        &self,
        ids: &[&str],
        status: Option<StatusCode>,
    ) -> List<MultiInputResponse> {
        let filter = ListInputsFilter {
            ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            status,
            ..ListInputsFilter::default()
        };
        self.list_inputs_filtered(filter)
    }

    /// `GET {UA}/inputs/{input_id}`.
    pub async fn get_input(&self, input_id: &str) -> Result<Input> {
        let r: SingleInputResponse = self
            .client
            .run("get_input", input_requests::get(&self.scope, input_id))
            .await?;
        r.input.ok_or_else(|| missing("GetInput", "input"))
    }

    /// `Inputs.delete_inputs(inputs)`: `DELETE {UA}/inputs` (asynchronous on the server).
    pub async fn delete_inputs(&self, input_ids: &[&str]) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_inputs",
                input_requests::delete(&self.scope, input_ids),
            )
            .await?;
        Ok(())
    }

    /// `Inputs.patch_inputs(inputs, action)`: `PATCH {UA}/inputs`.
    pub async fn patch_inputs(
        &self,
        inputs: Vec<Input>,
        action: PatchAction,
    ) -> Result<Vec<Input>> {
        let r: MultiInputResponse = self
            .client
            .run(
                "patch_inputs",
                input_requests::patch(&self.scope, inputs, action),
            )
            .await?;
        Ok(r.inputs)
    }

    /// `Inputs.patch_concepts(concept_ids, labels, values, action)` (the app's concepts).
    pub async fn patch_concepts(
        &self,
        concepts: Vec<Concept>,
        action: PatchAction,
    ) -> Result<Vec<Concept>> {
        crate::App::new(&self.client, self.scope.clone())
            .patch_concepts(concepts, action)
            .await
    }

    /// The upload job: `GET {UA}/inputs/jobs/add/{id}`.
    pub async fn get_upload_job(&self, job_id: &str) -> Result<InputsAddJob> {
        let r: SingleInputsAddJobResponse = self
            .client
            .run(
                "get_inputs_add_job",
                input_requests::get_add_job(&self.scope, job_id),
            )
            .await?;
        r.inputs_add_job
            .ok_or_else(|| missing("GetInputsAddJob", "inputs_add_job"))
    }

    /// Cancels an upload job: `PATCH {UA}/inputs/jobs/add/{id}`.
    pub async fn cancel_upload_job(&self, job_id: &str) -> Result<InputsAddJob> {
        let r: SingleInputsAddJobResponse = self
            .client
            .run(
                "cancel_inputs_add_job",
                input_requests::cancel_add_job(&self.scope, job_id),
            )
            .await?;
        r.inputs_add_job
            .ok_or_else(|| missing("CancelInputsAddJob", "inputs_add_job"))
    }

    /// The SDK's `_wait_for_inputs`: polls the job (1.79 s growing ×1.3) until nothing is
    /// pending or in progress; after [`UPLOAD_JOB_TIMEOUT`] the job is cancelled and
    /// [`Error::WaitTimeout`] returned.
    pub async fn wait_for_upload_job(&self, job_id: &str) -> Result<InputsAddJob> {
        self.wait_for_upload_job_within(job_id, UPLOAD_JOB_TIMEOUT)
            .await
    }

    /// [`wait_for_upload_job`](Self::wait_for_upload_job) with another timeout.
    pub async fn wait_for_upload_job_within(
        &self,
        job_id: &str,
        timeout: Duration,
    ) -> Result<InputsAddJob> {
        let schedule = sdk_backoff();
        let outcome = poll_until(&**self.client.clock(), &schedule, timeout, || async {
            let job = self.get_upload_job(job_id).await?;
            Ok::<_, Error>(if job.is_done() {
                Probe::Ready(job)
            } else {
                Probe::Pending(job)
            })
        })
        .await?;
        match outcome.ready() {
            Ok(job) => Ok(job),
            Err(last) => {
                self.cancel_upload_job(job_id).await?;
                Err(Error::WaitTimeout {
                    what: format!("upload job {job_id}"),
                    waited: timeout,
                    last: last.status.map(|s| s.code).unwrap_or_default(),
                })
            }
        }
    }

    /// `Inputs.upload_annotations(batch_annot)`: `POST {UA}/annotations`. Per-annotation
    /// statuses tell which failed (`MIXED_STATUS` is not an error).
    pub async fn upload_annotations(
        &self,
        annotations: Vec<Annotation>,
    ) -> Result<Vec<Annotation>> {
        let r: MultiAnnotationResponse = self
            .client
            .run(
                "upload_annotations",
                input_requests::upload_annotations(&self.scope, annotations),
            )
            .await?;
        Ok(r.annotations)
    }

    /// `Inputs.patch_annotations(batch_annot, action)`: `PATCH {UA}/annotations`.
    pub async fn patch_annotations(
        &self,
        annotations: Vec<Annotation>,
        action: PatchAction,
    ) -> Result<Vec<Annotation>> {
        let r: MultiAnnotationResponse = self
            .client
            .run(
                "patch_annotations",
                input_requests::patch_annotations(&self.scope, annotations, action),
            )
            .await?;
        Ok(r.annotations)
    }

    /// `Inputs.list_annotations(batch_input, page_no, per_page)`: `GET {UA}/annotations`.
    pub fn list_annotations(
        &self,
        input_ids: &[&str],
    ) -> List<crate::models::MultiAnnotationResponse> {
        let scope = self.scope.clone();
        let ids: Vec<String> = input_ids.iter().map(|s| (*s).to_owned()).collect();
        List::new(&self.client, "list_annotations", move |page, per_page| {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            input_requests::list_annotations(&scope, &ids, page, per_page)
        })
    }

    /// `DELETE {UA}/inputs/annotations` (annotation ids, when given, pair with input ids).
    pub async fn delete_annotations(
        &self,
        input_ids: &[&str],
        annotation_ids: &[&str],
    ) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_annotations",
                input_requests::delete_annotations(&self.scope, input_ids, annotation_ids),
            )
            .await?;
        Ok(())
    }

    /// `Inputs.download_inputs(inputs)`: the bytes at each input's data URL, in order. The PAT
    /// is sent only to URLs of the API's own origin (the SDK sends it everywhere; not copied).
    pub async fn download_inputs(&self, inputs: &[Input]) -> Result<Vec<Bytes>> {
        let mut out = Vec::with_capacity(inputs.len());
        for input in inputs {
            let data = input.data.as_ref();
            let url = data
                .and_then(|d| {
                    d.image
                        .as_ref()
                        .map(|m| m.url.as_str())
                        .or(d.video.as_ref().map(|m| m.url.as_str()))
                        .or(d.audio.as_ref().map(|m| m.url.as_str()))
                        .or(d.text.as_ref().map(|m| m.url.as_str()))
                })
                .filter(|u| !u.is_empty())
                .ok_or_else(|| Error::user(format!("input `{}` has no data URL", input.id)))?;
            out.push(self.client.download("download_inputs", url).await?);
        }
        Ok(out)
    }
}

/// The SDK's `BackoffIterator(10)`: 0.1 s · 1.3ⁿ from n = 11 (1.79 s, 2.33 s, …), capped at 60 s.
pub(crate) fn sdk_backoff() -> PollSchedule {
    PollSchedule::new(Duration::from_secs_f64(0.1 * 1.3f64.powi(11)), 1.3)
        .max_delay(Some(Duration::from_secs(60)))
}

#[derive(Debug, Clone)]
enum Pending {
    Ready(Box<Input>),
    File {
        id: String,
        media: MediaInput,
        kind: MediaKind,
    },
}

/// An upload of inputs (see [`Inputs::upload_inputs`]). Not idempotent: re-sent only after a
/// throttling answer or a connect error.
#[derive(Debug, Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct Upload {
    client: Clarifai,
    scope: UserAppIdSet,
    pending: Vec<Pending>,
    dataset_id: Option<String>,
    labels: Option<Vec<String>>,
    job_id: Option<String>,
    options: CallOptions,
}

impl Upload {
    /// Adds every input to this dataset (the Python `dataset_id`).
    pub fn dataset_id(mut self, dataset_id: impl Into<String>) -> Self {
        self.dataset_id = Some(dataset_id.into());
        self
    }

    /// Labels every input (the Python `labels`).
    pub fn labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.labels = Some(labels.into_iter().map(Into::into).collect());
        self
    }

    /// The upload job id (default: a fresh random one).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    call_options!();

    /// Reads files, then sends `POST {UA}/inputs`.
    pub async fn send(self) -> Result<UploadJob> {
        let mut inputs = Vec::with_capacity(self.pending.len());
        for item in self.pending {
            inputs.push(match item {
                Pending::Ready(input) => *input,
                Pending::File { id, media, kind } => {
                    Input::new(id, data_from_bytes(read_media(&media).await?, kind))
                }
            });
        }
        for input in &mut inputs {
            if let Some(ds) = &self.dataset_id {
                input.dataset_ids = vec![ds.clone()];
            }
            if let Some(labels) = &self.labels {
                let data = input.data.get_or_insert_with(Data::default);
                data.concepts = labels.iter().map(|l| labelled(l)).collect();
            }
        }
        if inputs.len() > MAX_UPLOAD_BATCH {
            return Err(Error::user(format!(
                "{} inputs given; at most {MAX_UPLOAD_BATCH} are allowed per request (use Dataset::upload_inputs for batches)",
                inputs.len()
            )));
        }
        let job_id = self.job_id.unwrap_or_else(new_job_id);
        let request = input_requests::upload(&self.scope, inputs, &job_id)?;
        let r: MultiInputResponse = self
            .client
            .call("upload_inputs", request, &self.options)
            .await?;
        Ok(UploadJob {
            job_id,
            inputs: r.inputs,
        })
    }
}

into_future!(Upload => UploadJob);

/// An input status that is neither success nor still in progress.
pub(crate) fn failed_status(s: &crate::models::Status) -> bool {
    !matches!(
        s.code,
        StatusCode::INPUT_SUCCESS
            | StatusCode::INPUT_PENDING
            | StatusCode::INPUT_IN_PROGRESS
            | StatusCode::SUCCESS
            | StatusCode::ZERO
    )
}
