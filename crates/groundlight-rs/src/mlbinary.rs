//! Downloading a detector's model binaries (the official SDK's `download_mlbinary`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::Method;
use reqwest::Url;
use vision_sdk_common::internal::{HttpResponse, Idempotency};

use crate::client::{DetectorRef, Groundlight};
use crate::detectors::not_found;
use crate::error::{Error, Result};
use crate::models::EdgeModelInfo;

/// The timeout of each model download when the client has none (the official SDK's 10 s).
pub const MLBINARY_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What [`Groundlight::download_mlbinary`] wrote.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MlBinaries {
    /// The server's answer (ids, presigned URLs, pipeline configurations).
    pub info: EdgeModelInfo,
    /// `output_dir/<model_binary_id>`.
    pub model_path: PathBuf,
    /// `output_dir/<oodd_model_binary_id>`, when the detector has an out-of-domain model.
    pub oodd_model_path: Option<PathBuf>,
}

impl Groundlight {
    /// Presigned URLs and metadata of a detector's model binaries:
    /// `GET /v1/edge/fetch-model-urls/{detector_id}/` (the official SDK's
    /// `_download_mlbinary_url`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] on 404.
    pub async fn get_model_urls(&self, detector: impl Into<DetectorRef>) -> Result<EdgeModelInfo> {
        Ok(self.fetch_model_urls(&detector.into()).await?.0)
    }

    async fn fetch_model_urls(
        &self,
        detector: &DetectorRef,
    ) -> Result<(EdgeModelInfo, HttpResponse)> {
        let id = detector.checked_id()?;
        // The trailing slash is part of the route.
        let url = self.api_url(&["v1", "edge", "fetch-model-urls", id, ""]);
        let spec = self.request(Method::GET, url);
        let response = self
            .execute("get_model_urls", Idempotency::Idempotent, spec)
            .await
            .map_err(|e| not_found(e, "detector", id))?;
        let info = response.json("get_model_urls")?;
        Ok((info, response))
    }

    /// Downloads a detector's model binaries into `output_dir` (created if missing), as the
    /// official SDK's `download_mlbinary`: asks for the presigned URLs, then fetches the model
    /// into `output_dir/<model_binary_id>` and the out-of-domain model into
    /// `output_dir/<oodd_model_binary_id>`.
    ///
    /// The presigned URLs are fetched **without** the API token, with the client's timeout
    /// (10 s when it has none) and retries; their query (the signature) never appears in an
    /// error. Unlike the official SDK, a failed download is an error (Python saves the error
    /// page as the model).
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// let written = gl.download_mlbinary("det_abc", "models/").await?;
    /// println!("{}", written.model_path.display());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown detector; [`Error::Decode`] when the answer has no
    /// model id or URL, or an id that is not a plain file name; [`Error::Http`] when a download
    /// fails; [`Error::Io`] when a file cannot be written.
    pub async fn download_mlbinary(
        &self,
        detector: impl Into<DetectorRef>,
        output_dir: impl AsRef<Path>,
    ) -> Result<MlBinaries> {
        let (info, response) = self.fetch_model_urls(&detector.into()).await?;
        let invalid = |why: String| Error::Decode(response.invalid("get_model_urls", why));
        let model = binary_ref(
            "model_binary",
            info.model_binary_id.as_deref(),
            info.model_binary_url.as_deref(),
        )
        .map_err(invalid)?
        .ok_or_else(|| invalid("no model_binary_id and model_binary_url".into()))?;
        let oodd = binary_ref(
            "oodd_model_binary",
            info.oodd_model_binary_id.as_deref(),
            info.oodd_model_binary_url.as_deref(),
        )
        .map_err(invalid)?;
        let dir = output_dir.as_ref();
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| Error::io(dir, source))?;
        let model_path = self.download_to(model, dir).await?;
        let oodd_model_path = match oodd {
            Some(oodd) => Some(self.download_to(oodd, dir).await?),
            None => None,
        };
        Ok(MlBinaries {
            info,
            model_path,
            oodd_model_path,
        })
    }

    async fn download_to(&self, (file_name, url): (&str, Url), dir: &Path) -> Result<PathBuf> {
        let timeout = self.timeout().unwrap_or(MLBINARY_DOWNLOAD_TIMEOUT);
        let spec = self
            .request(Method::GET, url)
            .without_auth()
            .timeout(Some(timeout));
        let response = self
            .execute("download_mlbinary", Idempotency::Idempotent, spec)
            .await?;
        let path = dir.join(file_name);
        tokio::fs::write(&path, response.body())
            .await
            .map_err(|source| Error::io(&path, source))?;
        Ok(path)
    }
}

/// The file name and URL of one binary: both or neither (`None`); an id that is not a plain
/// file name or a URL that is not `http(s)` is refused (the server never names a path).
fn binary_ref<'a>(
    what: &str,
    id: Option<&'a str>,
    url: Option<&str>,
) -> Result<Option<(&'a str, Url)>, String> {
    match (id, url) {
        (None, None) => Ok(None),
        (Some(id), Some(url)) => {
            let plain =
                !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\', '\0', ':']);
            if !plain {
                return Err(format!("{what}_id is not a plain file name"));
            }
            let url = Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| format!("{what}_url is not an http(s) URL"))?;
            Ok(Some((id, url)))
        }
        (Some(_), None) => Err(format!("no {what}_url")),
        (None, Some(_)) => Err(format!("no {what}_id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_ids_are_plain_file_names() {
        let url = Some("https://s3.example/m?X-Amz-Signature=abc");
        assert!(binary_ref("m", Some("model-1.bin"), url).unwrap().is_some());
        assert!(binary_ref("m", None, None).unwrap().is_none());
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "C:x"] {
            assert!(binary_ref("m", Some(bad), url).is_err(), "{bad:?}");
        }
        assert!(binary_ref("m", Some("x"), Some("file:///etc/passwd")).is_err());
        assert!(binary_ref("m", Some("x"), None).is_err());
        assert!(binary_ref("m", None, url).is_err());
    }
}
