//! Which family of routes a server speaks: the legacy hosted ones (v0) or the self-hosted ones (v1).
//!
//! The rule is exactly the official client's (`_determine_client_mode`): an API URL that *starts
//! with* one of the ten hosted Roboflow URLs in [`HOSTED_API_URLS`] is v0, everything else (a
//! self-hosted server, a dedicated `*.roboflow.cloud` deployment, even `http://detect.roboflow.com`)
//! is v1. It is a plain string-prefix test, so `https://serverless.roboflow.com/` and
//! `https://serverless.roboflow.com.example.org` are v0 too, as upstream. Override it with
//! [`ApiMode::V0`] / [`ApiMode::V1`] when the rule guesses wrong (the official
//! `select_api_v0()` / `select_api_v1()`).
//!
//! ```
//! use roboflow_infer::ApiMode;
//!
//! assert_eq!(ApiMode::for_url("https://serverless.roboflow.com"), ApiMode::V0);
//! assert_eq!(ApiMode::for_url("http://localhost:9001"), ApiMode::V1);
//! assert_eq!(ApiMode::for_url("http://detect.roboflow.com"), ApiMode::V1);
//! ```

use std::fmt;

/// The hosted Roboflow API URLs (`ALL_ROBOFLOW_API_URLS` of `inference_sdk/config.py`, 1.8.3).
/// An API URL starting with any of them selects [`ApiMode::V0`].
pub const HOSTED_API_URLS: [&str; 10] = [
    "https://detect.roboflow.com",
    "https://outline.roboflow.com",
    "https://classify.roboflow.com",
    "https://infer.roboflow.com",
    "https://serverless.roboflow.com",
    "https://serverless.roboflow.one",
    "https://serverless.roboflow.eu",
    "https://serverless.roboflow-eu.one",
    "https://asyncinfer.roboflow.com",
    "https://asyncinfer.roboflow.one",
];

/// The route family of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiMode {
    /// Legacy hosted routes: `POST /{project}/{version}` with a raw base64 body, the key in
    /// `?api_key=`, configuration in the query, one image per request.
    V0,
    /// Self-hosted routes: `/model/registry`, `/model/add`, `/infer/{task}` with JSON bodies, the
    /// key in the body, batches of images per request.
    V1,
}

impl ApiMode {
    /// The official rule: v0 iff `api_url` starts with one of [`HOSTED_API_URLS`].
    pub fn for_url(api_url: &str) -> Self {
        if HOSTED_API_URLS
            .iter()
            .any(|hosted| api_url.starts_with(hosted))
        {
            Self::V0
        } else {
            Self::V1
        }
    }

    /// `"v0"` or `"v1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0 => "v0",
            Self::V1 => "v1",
        }
    }
}

impl fmt::Display for ApiMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client picks its [`ApiMode`]: by the official rule, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ModeSelection {
    /// [`ApiMode::for_url`] on the client's API URL (the default, as upstream).
    #[default]
    Auto,
    /// Always this mode, whatever the URL.
    Force(ApiMode),
}

impl ModeSelection {
    /// The mode for `api_url`.
    pub fn resolve(self, api_url: &str) -> ApiMode {
        match self {
            Self::Auto => ApiMode::for_url(api_url),
            Self::Force(mode) => mode,
        }
    }
}

impl From<ApiMode> for ModeSelection {
    fn from(mode: ApiMode) -> Self {
        Self::Force(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hosted_url_is_v0() {
        for url in HOSTED_API_URLS {
            assert_eq!(ApiMode::for_url(url), ApiMode::V0, "{url}");
            // Prefix rule: paths and trailing slashes do not change it.
            assert_eq!(ApiMode::for_url(&format!("{url}/")), ApiMode::V0, "{url}/");
        }
    }

    /// `shared/protocols/golden/roboflow/results.json: client_mode_by_url`, as the official
    /// client chose.
    #[test]
    fn matches_the_official_choices() {
        let cases = [
            ("https://serverless.roboflow.com", ApiMode::V0),
            ("https://detect.roboflow.com", ApiMode::V0),
            ("https://classify.roboflow.com", ApiMode::V0),
            ("https://outline.roboflow.com", ApiMode::V0),
            ("https://infer.roboflow.com", ApiMode::V0),
            ("http://detect.roboflow.com", ApiMode::V1),
            ("https://serverless.roboflow.com/", ApiMode::V0),
            ("http://localhost:9001", ApiMode::V1),
            ("https://my-server.example.com", ApiMode::V1),
        ];
        for (url, mode) in cases {
            assert_eq!(ApiMode::for_url(url), mode, "{url}");
        }
    }

    #[test]
    fn other_roboflow_hosts_are_v1() {
        for url in [
            "https://my-dedicated.roboflow.cloud",
            "https://api.roboflow.com",
            "HTTPS://DETECT.ROBOFLOW.COM", // case-sensitive, as upstream
            "detect.roboflow.com",
            "",
        ] {
            assert_eq!(ApiMode::for_url(url), ApiMode::V1, "{url}");
        }
    }

    #[test]
    fn selection_can_override() {
        let hosted = "https://serverless.roboflow.com";
        assert_eq!(ModeSelection::Auto.resolve(hosted), ApiMode::V0);
        assert_eq!(
            ModeSelection::from(ApiMode::V1).resolve(hosted),
            ApiMode::V1
        );
        assert_eq!(
            ModeSelection::Force(ApiMode::V0).resolve("http://localhost:9001"),
            ApiMode::V0
        );
        assert_eq!(ModeSelection::default(), ModeSelection::Auto);
        assert_eq!(ApiMode::V0.to_string(), "v0");
    }
}
