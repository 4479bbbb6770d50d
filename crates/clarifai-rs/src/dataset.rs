//! [`Dataset`]: versions, bulk uploads (folder, CSV, any [`DataLoader`]) and export of one
//! dataset (the Python `Dataset`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use vision_sdk_common::internal::batch::ordered_stream;
use vision_sdk_common::internal::poll_until;
use vision_sdk_common::{MediaInput, PollSchedule, Probe};

use crate::client::Clarifai;
use crate::error::{Error, Result, missing};
use crate::export_archive::{ExportOptions, ExportedDataset};
use crate::inputs::{Inputs, data_from_bytes, data_from_url, labelled, new_job_id, read_media};
use crate::list::List;
use crate::models::{
    self, Annotation, Data, DatasetVersionExportFormat, Geo, Input, MediaKind,
    MultiDatasetInputResponse, MultiDatasetVersionExportResponse,
    MultiDatasetVersionMetricsGroupResponse, MultiDatasetVersionResponse, SingleDatasetResponse,
    SingleDatasetVersionResponse, Status, StatusOnly, Struct, Text, UserAppIdSet,
};
use crate::requests::datasets as dataset_requests;
use crate::requests::inputs::{self as input_requests, ListInputsFilter, MAX_UPLOAD_BATCH};
use crate::status::StatusCode;
use crate::urls::ResourceUrl;

/// How often a failed batch is retried (the SDK's `MAX_RETRIES`).
pub const MAX_RETRIES: usize = 2;

/// A dataset's handle (optionally pinned to a version): cheap, `Clone`, `'static`.
///
/// ```no_run
/// use clarifai::models::MediaKind;
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let dataset = client.app("my-app").dataset("pets");
/// let report = dataset.upload_from_folder("./pets/dog", MediaKind::Image).labels(true).await?;
/// println!("{} uploaded, {} failed", report.uploaded.len(), report.failed.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    client: Clarifai,
    scope: UserAppIdSet,
    id: String,
    version_id: Option<String>,
}

impl Clarifai {
    /// The dataset `dataset_id` of the default app.
    pub fn dataset(&self, dataset_id: impl Into<String>) -> Dataset {
        Dataset::new(self, self.default_scope(), dataset_id.into(), None)
    }

    /// The dataset of a clarifai.com URL (`…/datasets/{id}[/…/{version}]`).
    pub fn dataset_from_url(&self, url: &str) -> Result<Dataset> {
        let parsed = ResourceUrl::parse_dataset(url)?;
        Ok(Dataset::new(
            self,
            parsed.scope,
            parsed.id,
            parsed.version_id,
        ))
    }
}

impl Dataset {
    pub(crate) fn new(
        client: &Clarifai,
        scope: UserAppIdSet,
        id: String,
        version_id: Option<String>,
    ) -> Self {
        Self {
            client: client.clone(),
            scope,
            id,
            version_id,
        }
    }

    /// The dataset id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The same dataset pinned to a version (`dataset_version_id`).
    #[must_use]
    pub fn version(&self, version_id: impl Into<String>) -> Self {
        Self::new(
            &self.client,
            self.scope.clone(),
            self.id.clone(),
            Some(version_id.into()),
        )
    }

    /// `GET {UA}/datasets/{d}`.
    pub async fn info(&self) -> Result<models::Dataset> {
        let r: SingleDatasetResponse = self
            .client
            .run("get_dataset", dataset_requests::get(&self.scope, &self.id))
            .await?;
        r.dataset.ok_or_else(|| missing("GetDataset", "dataset"))
    }

    /// `Dataset.create_version(description, metadata)`: `POST {UA}/datasets/{d}/versions`.
    pub async fn create_version(
        &self,
        version: models::DatasetVersion,
    ) -> Result<models::DatasetVersion> {
        let r: MultiDatasetVersionResponse = self
            .client
            .run(
                "create_dataset_version",
                dataset_requests::create_version(&self.scope, &self.id, version),
            )
            .await?;
        r.dataset_versions
            .into_iter()
            .next()
            .ok_or_else(|| missing("PostDatasetVersions", "dataset_version"))
    }

    /// `Dataset.list_versions(page_no, per_page)`.
    pub fn list_versions(&self) -> List<MultiDatasetVersionResponse> {
        let (scope, id) = (self.scope.clone(), self.id.clone());
        List::new(&self.client, "list_dataset_versions", move |p, n| {
            dataset_requests::list_versions(&scope, &id, p, n)
        })
    }

    /// `GET {UA}/datasets/{d}/versions/{v}`.
    pub async fn get_version(&self, version_id: &str) -> Result<models::DatasetVersion> {
        let r: SingleDatasetVersionResponse = self
            .client
            .run(
                "get_dataset_version",
                dataset_requests::get_version(&self.scope, &self.id, version_id),
            )
            .await?;
        r.dataset_version
            .ok_or_else(|| missing("GetDatasetVersion", "dataset_version"))
    }

    /// `Dataset.delete_version(version_id)`: `DELETE {UA}/datasets/{d}/versions`.
    pub async fn delete_version(&self, version_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_dataset_version",
                dataset_requests::delete_versions(&self.scope, &self.id, &[version_id]),
            )
            .await?;
        Ok(())
    }

    /// `Inputs.list_inputs(dataset_id=…)`: `GET {UA}/datasets/{d}/inputs`.
    pub fn list_inputs(&self) -> List<MultiDatasetInputResponse> {
        let (scope, id) = (self.scope.clone(), self.id.clone());
        List::new(&self.client, "list_dataset_inputs", move |p, n| {
            dataset_requests::list_inputs(&scope, &id, p, n)
        })
    }

    /// `Dataset.upload_dataset(dataloader, batch_size, …)`: every item of `loader`, in
    /// batches of `batch_size` (≤ 128) with bounded concurrency (see [`BulkUpload`]).
    pub fn upload_dataset(&self, loader: impl DataLoader + 'static) -> BulkUpload {
        BulkUpload {
            dataset: self.clone(),
            source: Source::Loader(Arc::new(loader)),
            batch_size: MAX_UPLOAD_BATCH,
            concurrency: default_concurrency(),
            labels: false,
            job_timeout: crate::inputs::UPLOAD_JOB_TIMEOUT,
        }
    }

    /// `Dataset.upload_from_folder(folder_path, input_type, labels)`: every file of the folder
    /// (file stem = input id; `.labels(true)`: the folder name is the label). Files are read
    /// batch by batch, so memory is bounded by batch size × concurrency.
    pub fn upload_from_folder(&self, folder: impl Into<PathBuf>, kind: MediaKind) -> BulkUpload {
        let mut upload = self.upload_dataset(FolderLoader { items: Vec::new() });
        upload.source = Source::Folder(folder.into(), kind);
        upload
    }

    /// `Dataset.upload_from_csv(csv_path, input_type, csv_type, labels)`: columns `inputid`,
    /// `input`, `concepts` (comma-separated labels), `metadata` (JSON), `geopoints`
    /// (`lon,lat`); `csv_type` says whether `input` is raw text, a URL or a file path.
    pub fn upload_from_csv(
        &self,
        csv: impl Into<PathBuf>,
        kind: MediaKind,
        csv_type: CsvType,
    ) -> BulkUpload {
        let mut upload = self.upload_dataset(FolderLoader { items: Vec::new() });
        upload.source = Source::Csv(csv.into(), kind, csv_type);
        upload.labels = true;
        upload
    }

    /// `Dataset.get_upload_status(…)`: creates a version, polls its metrics until the server
    /// has computed them (at most `timeout`), and returns them (JSON); `delete_version`
    /// removes the temporary version afterwards.
    pub async fn get_upload_status(
        &self,
        timeout: Duration,
        delete_version: bool,
    ) -> Result<Vec<serde_json::Value>> {
        let version = self
            .create_version(models::DatasetVersion::default())
            .await?;
        let outcome = poll_until(
            &**self.client.clock(),
            &PollSchedule::fixed(Duration::from_secs(5)),
            timeout,
            || async {
                let r: MultiDatasetVersionMetricsGroupResponse = self
                    .client
                    .run(
                        "get_upload_status",
                        dataset_requests::version_metrics(&self.scope, &self.id, &version.id),
                    )
                    .await?;
                Ok::<_, Error>(if r.dataset_version_metrics_groups.is_empty() {
                    Probe::Pending(r.dataset_version_metrics_groups)
                } else {
                    Probe::Ready(r.dataset_version_metrics_groups)
                })
            },
        )
        .await?;
        if delete_version {
            self.delete_version(&version.id).await?;
        }
        outcome.ready().map_err(|_| Error::WaitTimeout {
            what: format!("metrics of dataset version {}", version.id),
            waited: timeout,
            last: StatusCode::ZERO,
        })
    }

    /// `Dataset.export(…)`: asks for a `CLARIFAI_DATA_JSON` export of the pinned version
    /// (re-asked every second while pending, at most `timeout`) and downloads the archive
    /// (a ZIP). The SDK asks for binary protobuf; [`export_to`](Self::export_to) unpacks the
    /// archive per split.
    pub async fn export(&self, timeout: Duration) -> Result<Bytes> {
        let version = self
            .version_id
            .clone()
            .ok_or_else(|| Error::user("export needs a dataset version: use `.version(id)`"))?;
        let outcome = poll_until(
            &**self.client.clock(),
            &PollSchedule::fixed(Duration::from_secs(1)),
            timeout,
            || async {
                let r: MultiDatasetVersionExportResponse = self
                    .client
                    .run(
                        "export_dataset",
                        dataset_requests::export(
                            &self.scope,
                            &self.id,
                            &version,
                            DatasetVersionExportFormat::ClarifaiDataJson,
                        ),
                    )
                    .await?;
                let export = r
                    .exports
                    .into_iter()
                    .next()
                    .ok_or_else(|| missing("PutDatasetVersionExports", "export"))?;
                let code = export.status.as_ref().map(|s| s.code).unwrap_or_default();
                if code.code() == 64202 {
                    let status = export.status.clone().unwrap_or_default();
                    return Err(crate::ApiError::from_status(
                        "PutDatasetVersionExports",
                        version.clone(),
                        &status,
                        None,
                    )
                    .into());
                }
                Ok::<_, Error>(if export.url.is_empty() {
                    Probe::Pending(export)
                } else {
                    Probe::Ready(export)
                })
            },
        )
        .await?;
        match outcome.ready() {
            Ok(export) => self.client.download("export_dataset", &export.url).await,
            Err(last) => Err(Error::WaitTimeout {
                what: format!("export of dataset version {version}"),
                waited: timeout,
                last: last.status.map(|s| s.code).unwrap_or_default(),
            }),
        }
    }

    /// `Dataset.export(save_path, split, local_archive_path)`: gets the archive (from
    /// `local_archive_path` without any request, else as [`export`](Self::export) does) and
    /// unpacks it into the folder `save_path`, mirroring the archive's `{split}/…` folders,
    /// only `split` when one is given. Every member path is checked before anything is
    /// written ([`Error::UnsafeArchivePath`] for zip-slip, [`Error::CorruptArchive`]).
    ///
    /// ```no_run
    /// use clarifai::ExportOptions;
    /// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
    /// let dataset = client.app("my-app").dataset("pets").version("v1");
    /// let written = dataset.export_to("./pets-export", ExportOptions::default().split("train")).await?;
    /// for file in written.files() {
    ///     println!("{}", file.display());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn export_to(
        &self,
        save_path: impl AsRef<Path>,
        options: ExportOptions,
    ) -> Result<ExportedDataset> {
        let save_path = save_path.as_ref();
        if save_path.as_os_str().is_empty() {
            return Err(Error::user("export needs a `save_path` folder"));
        }
        let archive = match &options.local_archive_path {
            Some(path) => Bytes::from(std::fs::read(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?),
            None => self.export(options.timeout).await?,
        };
        crate::export_archive::unpack(&archive, save_path, options.split.as_deref())
    }

    /// `App.merge_dataset`: adds another dataset's inputs to this one.
    pub async fn merge(&self, other_dataset_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "merge_dataset",
                dataset_requests::merge(&self.scope, &self.id, other_dataset_id),
            )
            .await?;
        Ok(())
    }

    fn inputs(&self) -> Inputs {
        Inputs::new(&self.client, self.scope.clone())
    }
}

fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(10)
}

/// Where an item's content comes from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Content {
    /// A URL the server fetches.
    Url(String),
    /// Bytes already in memory.
    Bytes(Bytes),
    /// A file, read when its batch is sent.
    Path(PathBuf),
    /// Raw text.
    Text(String),
}

/// One item of a [`DataLoader`]: an input to upload and its annotations.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DataItem {
    /// The input id (required).
    pub id: String,
    /// The input type.
    pub kind: MediaKind,
    /// The content.
    pub content: Content,
    /// Input-level labels.
    pub labels: Vec<String>,
    /// Metadata.
    pub metadata: Struct,
    /// Location (`[longitude, latitude]`).
    pub geo: Option<[f32; 2]>,
    /// Region annotations (boxes, polygons) to post after the input uploaded.
    pub annotations: Vec<Annotation>,
}

impl DataItem {
    /// An item without labels or annotations.
    pub fn new(id: impl Into<String>, kind: MediaKind, content: Content) -> Self {
        Self {
            id: id.into(),
            kind,
            content,
            labels: Vec::new(),
            metadata: Struct::new(),
            geo: None,
            annotations: Vec::new(),
        }
    }

    /// Sets input-level labels.
    #[must_use]
    pub fn with_labels(mut self, labels: Vec<String>) -> Self {
        self.labels = labels;
        self
    }

    /// Adds region annotations.
    #[must_use]
    pub fn with_annotations(mut self, annotations: Vec<Annotation>) -> Self {
        self.annotations = annotations;
        self
    }

    async fn into_input(self, dataset_id: &str) -> Result<(Input, Vec<Annotation>)> {
        let mut data = match self.content {
            Content::Url(url) => data_from_url(url, self.kind),
            Content::Bytes(bytes) => data_from_bytes(bytes, self.kind),
            Content::Path(path) => {
                data_from_bytes(read_media(&MediaInput::from_path(path)).await?, self.kind)
            }
            Content::Text(raw) => Data::text(Text::from_raw(raw)),
        };
        data.concepts = self.labels.iter().map(|l| labelled(l)).collect();
        data.metadata = self.metadata;
        data.geo = self.geo.map(|[lon, lat]| Geo::point(lon, lat));
        let input = Input::new(self.id, data).in_datasets([dataset_id]);
        Ok((input, self.annotations))
    }
}

/// The Python `ClarifaiDataLoader`: an indexable source of items. Items are asked for batch
/// by batch, so a loader may read lazily.
pub trait DataLoader: Send + Sync {
    /// How many items there are.
    fn len(&self) -> usize;
    /// `true` when there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Item `index` (`0..len()`).
    ///
    /// # Errors
    /// Whatever makes the item unusable; it is reported as a failed item, the upload goes on.
    fn item(&self, index: usize) -> Result<DataItem>;
}

impl DataLoader for Vec<DataItem> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn item(&self, index: usize) -> Result<DataItem> {
        self.get(index)
            .cloned()
            .ok_or_else(|| Error::user(format!("no item {index}")))
    }
}

/// The items of a CSV file (and the placeholder source of a builder before `send`).
struct FolderLoader {
    items: Vec<DataItem>,
}

/// A folder's files, listed and sorted once; each [`DataItem`] is made when its batch asks
/// for it, so the upload keeps one path per file, not one item.
struct FolderFiles {
    paths: Vec<PathBuf>,
    kind: MediaKind,
    label: Option<String>,
}

impl FolderFiles {
    fn list(folder: &Path, kind: MediaKind, labels: bool) -> Result<Self> {
        let read = std::fs::read_dir(folder).map_err(|e| {
            Error::user(format!("cannot read the folder {}: {e}", folder.display()))
        })?;
        let mut paths: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        paths.shrink_to_fit();
        let label = labels
            .then(|| folder.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten();
        Ok(Self { paths, kind, label })
    }

    fn item_of(&self, path: &Path) -> DataItem {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut item = DataItem::new(id, self.kind, Content::Path(path.to_owned()));
        if let Some(l) = &self.label {
            item.labels = vec![l.clone()];
        }
        item
    }
}

impl DataLoader for FolderFiles {
    fn len(&self) -> usize {
        self.paths.len()
    }
    fn item(&self, index: usize) -> Result<DataItem> {
        self.paths
            .get(index)
            .map(|p| self.item_of(p))
            .ok_or_else(|| Error::user(format!("no item {index}")))
    }
}

impl DataLoader for FolderLoader {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn item(&self, index: usize) -> Result<DataItem> {
        self.items
            .get(index)
            .cloned()
            .ok_or_else(|| Error::user(format!("no item {index}")))
    }
}

/// What the `input` column of a CSV holds (the Python `csv_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvType {
    /// The text itself (text inputs only).
    Raw,
    /// A URL.
    Url,
    /// A local file path.
    FilePath,
}

#[derive(Clone)]
enum Source {
    Loader(Arc<dyn DataLoader>),
    Folder(PathBuf, MediaKind),
    Csv(PathBuf, MediaKind, CsvType),
}

/// The items of a folder: its files, sorted, file stem = input id.
pub fn folder_items(folder: &Path, kind: MediaKind, labels: bool) -> Result<Vec<DataItem>> {
    let files = FolderFiles::list(folder, kind, labels)?;
    Ok(files.paths.iter().map(|p| files.item_of(p)).collect())
}

/// The items of a CSV file (see [`Dataset::upload_from_csv`]).
pub fn csv_items(
    text: &str,
    kind: MediaKind,
    csv_type: CsvType,
    labels: bool,
) -> Result<Vec<DataItem>> {
    let mut rows = parse_csv(text).into_iter();
    let header = rows
        .next()
        .ok_or_else(|| Error::user("the CSV file is empty"))?;
    for column in &header {
        if !matches!(
            column.as_str(),
            "inputid" | "input" | "concepts" | "metadata" | "geopoints"
        ) {
            return Err(Error::user(format!(
                "CSV column `{column}` is not one of inputid, input, concepts, metadata, geopoints"
            )));
        }
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let input_col =
        col("input").ok_or_else(|| Error::user("the CSV file has no `input` column"))?;
    if csv_type == CsvType::Raw && kind != MediaKind::Text {
        return Err(Error::user("csv_type raw is only for text inputs"));
    }
    let mut items = Vec::new();
    for (n, row) in rows.enumerate() {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).cloned().unwrap_or_default();
        let value = get(Some(input_col));
        let id = Some(get(col("inputid")))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("input-{n}"));
        let content = match csv_type {
            CsvType::Raw => Content::Text(value),
            CsvType::Url => Content::Url(value),
            CsvType::FilePath => Content::Path(PathBuf::from(value)),
        };
        let mut item = DataItem::new(id, kind, content);
        let concepts = get(col("concepts"));
        if labels && !concepts.is_empty() {
            item.labels = concepts
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        let metadata = get(col("metadata"));
        if !metadata.is_empty() {
            item.metadata = serde_json::from_str(&metadata).map_err(|e| {
                Error::user(format!(
                    "CSV row {}: metadata is not a JSON object: {e}",
                    n + 2
                ))
            })?;
        }
        let geo = get(col("geopoints"));
        if !geo.is_empty() {
            let parts: Vec<f32> = geo
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect();
            if parts.len() != 2 {
                return Err(Error::user(format!(
                    "CSV row {}: geopoints must be `longitude,latitude`",
                    n + 2
                )));
            }
            item.geo = Some([parts[0], parts[1]]);
        }
        items.push(item);
    }
    Ok(items)
}

/// RFC 4180 CSV: commas, `"`-quoted fields with `""` escapes, CRLF or LF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The outcome of a bulk upload.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UploadReport {
    /// Ids that uploaded.
    pub uploaded: Vec<String>,
    /// Ids that failed for good, with why (the SDK's failure log).
    pub failed: Vec<(String, String)>,
    /// Annotations the server did not take (`input_id`, why).
    pub failed_annotations: Vec<(String, String)>,
}

/// A bulk upload (folder, CSV or loader). Each batch: `POST {UA}/inputs` with a job id, wait
/// for the job, list which inputs reached `INPUT_SUCCESS`, delete and re-upload the others (up
/// to [`MAX_RETRIES`] times), then post the batch's annotations.
#[derive(Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct BulkUpload {
    dataset: Dataset,
    source: Source,
    batch_size: usize,
    concurrency: usize,
    labels: bool,
    job_timeout: Duration,
}

impl std::fmt::Debug for BulkUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkUpload")
            .field("dataset", &self.dataset.id)
            .field("batch_size", &self.batch_size)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl BulkUpload {
    /// Inputs per request (1–128; default 128).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, MAX_UPLOAD_BATCH);
        self
    }

    /// Batches in flight (default `min(10, CPUs)`, the SDK's).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Folder uploads: label each input with the folder name; CSV uploads: read `concepts`
    /// (default `false` for folders, `true` for CSV).
    pub fn labels(mut self, labels: bool) -> Self {
        self.labels = labels;
        self
    }

    /// How long to wait for each batch's upload job (default 30 minutes).
    pub fn job_timeout(mut self, timeout: Duration) -> Self {
        self.job_timeout = timeout;
        self
    }

    /// Runs the upload.
    pub async fn send(self) -> Result<UploadReport> {
        let loader: Arc<dyn DataLoader> = match &self.source {
            Source::Loader(l) => Arc::clone(l),
            Source::Folder(folder, kind) => {
                Arc::new(FolderFiles::list(folder, *kind, self.labels)?)
            }
            Source::Csv(path, kind, csv_type) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::user(format!("cannot read the CSV file {}: {e}", path.display()))
                })?;
                Arc::new(FolderLoader {
                    items: csv_items(&text, *kind, *csv_type, self.labels)?,
                })
            }
        };
        let total = loader.len();
        let batches: Vec<std::ops::Range<usize>> = (0..total)
            .step_by(self.batch_size)
            .map(|start| start..(start + self.batch_size).min(total))
            .collect();
        let this = &self;
        // Each batch's report is merged as it completes (in order), not collected first.
        let mut results = std::pin::pin!(ordered_stream(batches, self.concurrency, |range| {
            let loader = Arc::clone(&loader);
            async move { this.batch(&*loader, range).await }
        }));
        let mut report = UploadReport::default();
        let mut first_error = None;
        while let Some(r) = results.next().await {
            match r {
                Ok(r) => {
                    report.uploaded.extend(r.uploaded);
                    report.failed.extend(r.failed);
                    report.failed_annotations.extend(r.failed_annotations);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(report), Err)
    }

    async fn batch(
        &self,
        loader: &dyn DataLoader,
        range: std::ops::Range<usize>,
    ) -> Result<UploadReport> {
        let mut report = UploadReport::default();
        let mut inputs = Vec::new();
        let mut annotations = Vec::new();
        for index in range {
            let item = match loader.item(index) {
                Ok(item) => item,
                Err(e) => {
                    report.failed.push((format!("#{index}"), e.to_string()));
                    continue;
                }
            };
            let id = item.id.clone();
            match item.into_input(&self.dataset.id).await {
                Ok((input, anns)) => {
                    inputs.push(input);
                    annotations.extend(anns);
                }
                Err(e) => report.failed.push((id, e.to_string())),
            }
        }
        let inputs_api = self.dataset.inputs();
        let mut attempt = 0;
        while !inputs.is_empty() {
            let ids: Vec<String> = inputs.iter().map(|i| i.id.clone()).collect();
            let outcome = self.upload_once(&inputs_api, inputs.clone()).await;
            let (ok, failed): (Vec<String>, Vec<(String, String)>) = match outcome {
                Ok(ok) => {
                    let failed = ids
                        .iter()
                        .filter(|id| !ok.contains(id))
                        .map(|id| {
                            (
                                id.clone(),
                                "not INPUT_SUCCESS after the upload job".to_owned(),
                            )
                        })
                        .collect();
                    (ok, failed)
                }
                Err(e) if attempt < MAX_RETRIES && e.is_retryable() => (
                    Vec::new(),
                    ids.iter().map(|id| (id.clone(), e.to_string())).collect(),
                ),
                Err(e) => {
                    report
                        .failed
                        .extend(ids.iter().map(|id| (id.clone(), e.to_string())));
                    break;
                }
            };
            report.uploaded.extend(ok);
            if failed.is_empty() {
                break;
            }
            attempt += 1;
            if attempt > MAX_RETRIES {
                report.failed.extend(failed);
                break;
            }
            // Delete what failed (never an empty delete) and send it again.
            let failed_ids: Vec<&str> = failed.iter().map(|(id, _)| id.as_str()).collect();
            let _ = inputs_api.delete_inputs(&failed_ids).await;
            inputs.retain(|i| failed_ids.contains(&i.id.as_str()));
        }
        let annotations: Vec<Annotation> = annotations
            .into_iter()
            .filter(|a| report.uploaded.contains(&a.input_id))
            .collect();
        for chunk in annotations.chunks(MAX_UPLOAD_BATCH) {
            match inputs_api.upload_annotations(chunk.to_vec()).await {
                Ok(done) => report.failed_annotations.extend(
                    done.into_iter()
                        .filter(|a| a.status.as_ref().is_some_and(|s| s.code.code() == 24152))
                        .map(|a| (a.input_id, "ANNOTATION_FAILED".to_owned())),
                ),
                Err(e) => report
                    .failed_annotations
                    .extend(chunk.iter().map(|a| (a.input_id.clone(), e.to_string()))),
            }
        }
        Ok(report)
    }

    /// One PostInputs + job wait + success listing; the ids that reached `INPUT_SUCCESS`.
    /// Both answers are decoded into ids and statuses only ([`InputStatuses`]): the inputs
    /// they echo, media included, are skipped rather than decoded.
    async fn upload_once(&self, inputs_api: &Inputs, inputs: Vec<Input>) -> Result<Vec<String>> {
        let ids: Vec<String> = inputs.iter().map(|i| i.id.clone()).collect();
        let job_id = new_job_id();
        let request = input_requests::upload(inputs_api.scope(), inputs, &job_id)?;
        let client = &self.dataset.client;
        let posted: InputStatuses = client
            .call("upload_inputs", request, &Default::default())
            .await?;
        let rejected: Vec<String> = posted
            .inputs
            .into_iter()
            .filter(|i| i.status.as_ref().is_some_and(crate::inputs::failed_status))
            .map(|i| i.id)
            .collect();
        inputs_api
            .wait_for_upload_job_within(&job_id, self.job_timeout)
            .await?;
        let filter = ListInputsFilter {
            ids: ids
                .iter()
                .filter(|id| !rejected.contains(id))
                .cloned()
                .collect(),
            status: Some(StatusCode::INPUT_SUCCESS),
            per_page: Some(u32::try_from(ids.len()).unwrap_or(u32::MAX)),
            ..ListInputsFilter::default()
        };
        if filter.ids.is_empty() {
            return Ok(Vec::new());
        }
        let listed: InputStatuses = client
            .call(
                "list_inputs",
                input_requests::list(inputs_api.scope(), &filter)?,
                &Default::default(),
            )
            .await?;
        Ok(listed.inputs.into_iter().map(|i| i.id).collect())
    }
}

/// A `MultiInputResponse` read for its inputs' ids and statuses only (bulk uploads).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct InputStatuses {
    /// The call's status.
    status: Status,
    /// The inputs; each must have an `id`.
    #[serde(deserialize_with = "crate::proto_json::identified_vec")]
    inputs: Vec<InputStatus>,
}

/// An input's id and status.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct InputStatus {
    /// The input id.
    id: String,
    /// Its processing status.
    status: Option<Status>,
}

identified!(InputStatus => "input");

impl crate::response::ApiResponse for InputStatuses {
    fn status(&self) -> &Status {
        &self.status
    }
}

into_future!(BulkUpload => UploadReport);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_items() {
        let text = "inputid,input,concepts,metadata,geopoints\r\na,\"hello, world\",\"pos,good\",\"{\"\"k\"\": 1}\",\"-30,40\"\nb,bye,,,\n";
        let items = csv_items(text, MediaKind::Text, CsvType::Raw, true).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id, "a");
        assert!(matches!(&items[0].content, Content::Text(t) if t == "hello, world"));
        assert_eq!(items[0].labels, vec!["pos", "good"]);
        assert_eq!(items[0].metadata["k"], 1);
        assert_eq!(items[0].geo, Some([-30.0, 40.0]));
        assert!(items[1].labels.is_empty());
        assert!(csv_items("bad\nx\n", MediaKind::Text, CsvType::Raw, true).is_err());
        assert!(csv_items("input\nx\n", MediaKind::Image, CsvType::Raw, true).is_err());
    }
}
