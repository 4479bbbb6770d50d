//! Resources from clarifai.com URLs, as the Python SDK's `ClarifaiUrlHelper` reads them.
//!
//! * app: `https://clarifai.com/{user_id}/{app_id}`
//! * resource: `https://clarifai.com/{user_id}/{app_id}/{models|workflows|datasets}/{id}`,
//!   optionally followed by `/{version segment}/{version_id}` (`/model_version_id/{v}`,
//!   `/versions/{v}`, …; like the SDK, any name of the fifth segment is accepted).
//!
//! Query strings and fragments are ignored; path segments are percent-decoded. Any `http(s)`
//! host is accepted (the UI base is configurable with `CLARIFAI_UI`).
//!
//! ```
//! use clarifai::urls::{ResourceKind, ResourceUrl};
//!
//! let url = ResourceUrl::parse_model(
//!     "https://clarifai.com/clarifai/main/models/general-image-recognition/model_version_id/aa7f35c0",
//! )
//! .unwrap();
//! assert_eq!((url.scope.user_id.as_str(), url.scope.app_id.as_str()), ("clarifai", "main"));
//! assert_eq!((url.kind, url.id.as_str()), (ResourceKind::Model, "general-image-recognition"));
//! assert_eq!(url.version_id.as_deref(), Some("aa7f35c0"));
//!
//! let app = clarifai::urls::parse_app("https://clarifai.com/alice/my-app").unwrap();
//! assert_eq!(app.app_id, "my-app");
//! assert!(ResourceUrl::parse_workflow("https://clarifai.com/alice/my-app/models/m").is_err());
//! ```

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};
use crate::models::UserAppIdSet;

/// The kind of resource a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/models/`
    Model,
    /// `/workflows/`
    Workflow,
    /// `/datasets/`
    Dataset,
}

impl ResourceKind {
    /// The URL segment (`models`, `workflows`, `datasets`).
    pub fn segment(self) -> &'static str {
        match self {
            Self::Model => "models",
            Self::Workflow => "workflows",
            Self::Dataset => "datasets",
        }
    }

    fn from_segment(segment: &str) -> Option<Self> {
        match segment {
            "models" => Some(Self::Model),
            "workflows" => Some(Self::Workflow),
            "datasets" => Some(Self::Dataset),
            _ => None,
        }
    }
}

/// A model, workflow or dataset named by a clarifai.com URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceUrl {
    /// Owner and app.
    pub scope: UserAppIdSet,
    /// What the URL names.
    pub kind: ResourceKind,
    /// The resource id.
    pub id: String,
    /// The version, when the URL has one.
    pub version_id: Option<String>,
}

impl ResourceUrl {
    /// Any resource URL (4 or 6 path segments).
    pub fn parse(url: &str) -> Result<Self> {
        let parts = segments(url)?;
        if parts.len() != 4 && parts.len() != 6 {
            return Err(invalid(
                url,
                format!(
                    "expected /{{user_id}}/{{app_id}}/{{resource}}/{{id}}[/{{version segment}}/{{version_id}}], got {} path segments",
                    parts.len()
                ),
            ));
        }
        let kind = ResourceKind::from_segment(&parts[2]).ok_or_else(|| {
            invalid(
                url,
                format!(
                    "`{}` is not a resource type (models, workflows, datasets)",
                    parts[2]
                ),
            )
        })?;
        let mut parts = parts.into_iter().map(Cow::into_owned);
        let (user_id, app_id) = (parts.next(), parts.next());
        let _resource = parts.next();
        let id = parts.next().unwrap_or_default();
        let _version_segment = parts.next();
        let version_id = parts.next();
        Ok(Self {
            scope: UserAppIdSet::new(user_id.unwrap_or_default(), app_id.unwrap_or_default()),
            kind,
            id,
            version_id,
        })
    }

    /// A model URL (`…/models/{model_id}[/model_version_id/{version_id}]`).
    pub fn parse_model(url: &str) -> Result<Self> {
        Self::parse_kind(url, ResourceKind::Model)
    }

    /// A workflow URL (`…/workflows/{workflow_id}[/…/{version_id}]`).
    pub fn parse_workflow(url: &str) -> Result<Self> {
        Self::parse_kind(url, ResourceKind::Workflow)
    }

    /// A dataset URL (`…/datasets/{dataset_id}[/…/{version_id}]`).
    pub fn parse_dataset(url: &str) -> Result<Self> {
        Self::parse_kind(url, ResourceKind::Dataset)
    }

    fn parse_kind(url: &str, kind: ResourceKind) -> Result<Self> {
        let parsed = Self::parse(url)?;
        if parsed.kind != kind {
            return Err(invalid(
                url,
                format!(
                    "this is a {} URL, not a {} URL",
                    parsed.kind.segment(),
                    kind.segment()
                ),
            ));
        }
        Ok(parsed)
    }

    /// The UI URL of this resource under `ui_base` (`https://clarifai.com`), versions as
    /// `/{kind}_version_id/{v}` for models and `/versions/{v}` otherwise.
    pub fn to_ui_url(&self, ui_base: &str) -> String {
        let mut out = format!(
            "{}/{}/{}/{}/{}",
            ui_base.trim_end_matches('/'),
            self.scope.user_id,
            self.scope.app_id,
            self.kind.segment(),
            self.id
        );
        if let Some(v) = &self.version_id {
            let segment = match self.kind {
                ResourceKind::Model => "model_version_id",
                ResourceKind::Workflow | ResourceKind::Dataset => "versions",
            };
            out.push_str(&format!("/{segment}/{v}"));
        }
        out
    }
}

/// An app URL: `https://clarifai.com/{user_id}/{app_id}`.
pub fn parse_app(url: &str) -> Result<UserAppIdSet> {
    let parts = segments(url)?;
    if parts.len() != 2 {
        return Err(invalid(
            url,
            format!(
                "expected /{{user_id}}/{{app_id}}, got {} path segments",
                parts.len()
            ),
        ));
    }
    let mut parts = parts.into_iter().map(Cow::into_owned);
    Ok(UserAppIdSet::new(
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    ))
}

fn segments(text: &str) -> Result<Vec<Cow<'_, str>>> {
    let url = url::Url::parse(text).map_err(|e| invalid(text, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(text, "the scheme must be http or https".to_owned()));
    }
    let path_start = text.find(url.path()).unwrap_or(0);
    let path = &text[path_start..path_start + url.path().len()];
    let mut out = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let segment = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| invalid(text, format!("path segment `{raw}` is not UTF-8")))?;
        out.push(segment);
    }
    Ok(out)
}

fn invalid(url: &str, reason: String) -> Error {
    Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_urls_with_and_without_versions() {
        let u = ResourceUrl::parse_model(
            "https://clarifai.com/clarifai/main/models/general-image-recognition",
        )
        .unwrap();
        assert_eq!(u.version_id, None);
        assert_eq!(u.id, "general-image-recognition");
        let u = ResourceUrl::parse_model(
            "https://clarifai.com/openai/chat-completion/models/gpt-4o/versions/v2?x=1#y",
        )
        .unwrap();
        assert_eq!(
            (u.scope.app_id.as_str(), u.version_id.as_deref()),
            ("chat-completion", Some("v2"))
        );
        assert_eq!(
            u.to_ui_url("https://clarifai.com/"),
            "https://clarifai.com/openai/chat-completion/models/gpt-4o/model_version_id/v2"
        );
    }

    #[test]
    fn workflow_dataset_and_app_urls() {
        let w =
            ResourceUrl::parse_workflow("https://clarifai.com/clarifai/main/workflows/General/")
                .unwrap();
        assert_eq!((w.kind, w.id.as_str()), (ResourceKind::Workflow, "General"));
        let d = ResourceUrl::parse_dataset(
            "http://clarifai.com/alice/a/datasets/my%20ds/dataset_version_id/dv1",
        )
        .unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("my ds", Some("dv1"))
        );
        assert_eq!(
            d.to_ui_url("https://clarifai.com"),
            "https://clarifai.com/alice/a/datasets/my ds/versions/dv1"
        );
        let a = parse_app("https://clarifai.com/alice/a?tab=models").unwrap();
        assert_eq!(a, UserAppIdSet::new("alice", "a"));
    }

    #[test]
    fn rejects_what_the_sdk_rejects_and_more() {
        for bad in [
            "https://clarifai.com/alice/a/models",
            "https://clarifai.com/alice/a/models/m/versions",
            "https://clarifai.com/alice/a/models/m/versions/v/extra",
            "https://clarifai.com/alice/a/modules/m",
            "ftp://clarifai.com/alice/a/models/m",
            "not a url",
        ] {
            let err = ResourceUrl::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err}");
        }
        let err = ResourceUrl::parse_dataset("https://clarifai.com/alice/a/models/m").unwrap_err();
        assert!(
            err.to_string().contains("models URL, not a datasets URL"),
            "{err}"
        );
        assert!(parse_app("https://clarifai.com/alice").is_err());
        assert!(parse_app("https://clarifai.com/alice/a/models/m").is_err());
    }
}
