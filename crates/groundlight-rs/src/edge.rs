//! The Edge Endpoint's own API: configuration, detector readiness, upstream.
//!
//! These calls go to the Edge Endpoint's origin (`scheme://host:port`, without `/device-api`)
//! of the client's endpoint, so the client must point at an Edge Endpoint, e.g.
//! `http://localhost:30101`. They are not retried (as in the official SDK). A 404 or no
//! connection means there is no Edge Endpoint there: [`Error::EdgeNotAvailable`].
//!
//! [`EdgeApi::apply_config`] and [`EdgeApi::set_config`] check the configuration and send the
//! whole document, defaults included ([`EdgeEndpointConfig::to_payload`]), as the official
//! `model_dump()` does.
//!
//! The configuration types and presets of the official `groundlight.edge` module are
//! re-exported here under their official names too ([`InferenceConfig`], [`DetectorConfig`],
//! [`DetectorsConfig`], [`GlobalConfig`], [`DEFAULT`], [`EDGE_ANSWERS_WITH_ESCALATION`],
//! [`NO_CLOUD`], [`DISABLED`]); see [`crate::models::EdgeEndpointConfig`] for the YAML loader
//! and [`crate::models::edge_config`] for the validation rules.

use std::collections::BTreeSet;
use std::time::Duration;

use http::Method;
use reqwest::Url;
use serde::de::DeserializeOwned;
use vision_sdk_common::HttpError;
use vision_sdk_common::internal::{HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::poll::{PollOutcome, PollSchedule, Probe, poll_until};

use crate::call::call_builder;
use crate::client::Groundlight;
use crate::error::{Error, Result};
use crate::models::{EdgeDetectorReadinessMap, EdgeInfo};

pub use crate::models::{
    DEFAULT, DISABLED, EDGE_ANSWERS_WITH_ESCALATION, EDGE_DETECTOR_ID_PATTERN,
    EdgeDetectorConfig as DetectorConfig, EdgeDetectorsConfig as DetectorsConfig,
    EdgeEndpointConfig, EdgeGlobalConfig as GlobalConfig, EdgeInferenceConfig as InferenceConfig,
    NO_CLOUD, edge_defaults,
};

/// How long [`EdgeApi::wait_detectors`] waits by default.
pub const DEFAULT_EDGE_WAIT: Duration = Duration::from_secs(600);

impl Groundlight {
    /// The Edge Endpoint calls of this client (see [`EdgeApi`]).
    pub fn edge(&self) -> EdgeApi<'_> {
        EdgeApi { client: self }
    }

    /// The endpoint's `scheme://host[:port]`, without a path or a trailing `/` (the official
    /// `ExperimentalApi.edge_base_url()`): where the Edge Endpoint's own API lives.
    ///
    /// ```
    /// let gl = groundlight::Groundlight::builder()
    ///     .endpoint("http://localhost:30101")
    ///     .api_token("api_x")
    ///     .build()?;
    /// assert_eq!(gl.edge_base_url(), "http://localhost:30101");
    /// # Ok::<(), groundlight::Error>(())
    /// ```
    pub fn edge_base_url(&self) -> String {
        self.edge_url(&[]).as_str().trim_end_matches('/').to_owned()
    }
}

/// The Edge Endpoint's own API, from [`Groundlight::edge`].
#[derive(Debug, Clone, Copy)]
pub struct EdgeApi<'a> {
    client: &'a Groundlight,
}

impl EdgeApi<'_> {
    /// The Edge Endpoint's origin as a URL, e.g. `http://localhost:30101/` (with the `/` a
    /// [`Url`] always has; [`Groundlight::edge_base_url`] is the official string form).
    pub fn base_url(&self) -> Url {
        self.client.edge_url(&[])
    }

    async fn call(&self, operation: &'static str, spec: RequestSpec) -> Result<HttpResponse> {
        // Like every other call: token rotation (when asked for) is set up first, so the Edge
        // Endpoint sees the token in use.
        if let Some(rotation) = &self.client.inner.rotation {
            rotation.ensure_started().await?;
        }
        let executor = &self.client.inner.executor;
        executor
            .execute_with(
                operation,
                Idempotency::Idempotent,
                &crate::retry::edge_policy(),
                crate::retry::classifier(),
                spec,
            )
            .await
            .map_err(|e| self.map_error(e))
    }

    async fn get<T: DeserializeOwned>(&self, operation: &'static str, path: &str) -> Result<T> {
        let spec = self
            .client
            .request(Method::GET, self.client.edge_url(&[path]));
        let response = self.call(operation, spec).await?;
        Ok(response.json(operation)?)
    }

    fn map_error(&self, error: HttpError) -> Error {
        let unavailable = matches!(error, HttpError::Connect { .. })
            || error.status() == Some(http::StatusCode::NOT_FOUND);
        if unavailable {
            Error::EdgeNotAvailable {
                endpoint: self.base_url().to_string(),
                source: Some(Box::new(error)),
            }
        } else {
            Error::from_http(error)
        }
    }

    /// The Edge Endpoint's configuration: `GET /edge-config`, checked as the official
    /// `from_payload` checks it ([`EdgeEndpointConfig::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the answer is not a valid configuration.
    pub async fn get_config(&self) -> Result<EdgeEndpointConfig> {
        const OPERATION: &str = "edge_get_config";
        let spec = self
            .client
            .request(Method::GET, self.client.edge_url(&["edge-config"]));
        let response = self.call(OPERATION, spec).await?;
        let config: EdgeEndpointConfig = response.json(OPERATION)?;
        if let Err(invalid) = config.validate() {
            let why = match invalid {
                Error::InvalidInput(why) => why,
                other => other.to_string(),
            };
            let source = <serde_json::Error as serde::de::Error>::custom(why);
            return Err(response.decode_error(OPERATION, source).into());
        }
        Ok(config)
    }

    /// Replaces the Edge Endpoint's configuration: `PUT /edge-config` with
    /// [`EdgeEndpointConfig::to_payload`] (every field, defaults included). The Edge Endpoint
    /// then loads the detectors; see [`wait_detectors`](Self::wait_detectors) and
    /// [`set_config`](Self::set_config).
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// use groundlight::edge::{EdgeEndpointConfig, NO_CLOUD};
    /// let mut config = EdgeEndpointConfig::default();
    /// config.add_detector("det_2vcRpzL8aHmO0bb4Dq1NkMEGxzS", &NO_CLOUD)?;
    /// gl.edge().apply_config(&config).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], before any request, when `config` breaks a rule
    /// ([`EdgeEndpointConfig::validate`]).
    pub async fn apply_config(&self, config: &EdgeEndpointConfig) -> Result<()> {
        config.validate()?;
        let spec = self
            .client
            .request(Method::PUT, self.client.edge_url(&["edge-config"]))
            .json(&config.to_payload())
            .map_err(Error::from_http)?;
        self.call("edge_apply_config", spec).await?;
        Ok(())
    }

    /// Which detectors are ready to serve: `GET /edge-detector-readiness`.
    pub async fn get_detector_readiness(&self) -> Result<EdgeDetectorReadinessMap> {
        self.get("edge_get_detector_readiness", "edge-detector-readiness")
            .await
    }

    /// The Groundlight cloud the Edge Endpoint forwards to: `GET /edge-info`.
    ///
    /// # Errors
    ///
    /// [`Error::EdgeNotAvailable`] when the answer has no `upstream_endpoint` (as the official
    /// SDK raises `EdgeNotAvailableError`).
    pub async fn get_upstream_endpoint(&self) -> Result<String> {
        let info: EdgeInfo = self.get("edge_get_upstream_endpoint", "edge-info").await?;
        info.upstream_endpoint
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Error::EdgeNotAvailable {
                endpoint: self.base_url().to_string(),
                source: None,
            })
    }

    /// Applies `config` ([`apply_config`](Self::apply_config)), waits until every detector it
    /// lists is ready ([`wait_detectors`](Self::wait_detectors), default 600 s), and returns
    /// the configuration the Edge Endpoint now has (the official `edge.set_config`).
    ///
    /// ```no_run
    /// # async fn run(gl: groundlight::Groundlight, config: groundlight::models::EdgeEndpointConfig) -> groundlight::Result<()> {
    /// let applied = gl.edge().set_config(config).timeout(std::time::Duration::from_secs(120)).await?;
    /// # Ok(()) }
    /// ```
    pub fn set_config(&self, config: EdgeEndpointConfig) -> SetEdgeConfig {
        SetEdgeConfig {
            client: self.client.clone(),
            config,
            timeout: DEFAULT_EDGE_WAIT,
        }
    }

    /// Polls readiness every second until every detector in `detector_ids` is ready. A zero
    /// `timeout` means the default, 600 s (as the official SDK treats `timeout_sec <= 0`); an
    /// empty list is ready at once, without a request.
    ///
    /// # Errors
    ///
    /// [`Error::EdgeDetectorsNotReady`] (listing the laggards) when `timeout` passes first.
    pub async fn wait_detectors<I, S>(&self, detector_ids: I, timeout: Duration) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let wanted: BTreeSet<String> = detector_ids.into_iter().map(Into::into).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let timeout = if timeout.is_zero() {
            DEFAULT_EDGE_WAIT
        } else {
            timeout
        };
        let outcome = poll_until(
            self.client.clock().as_ref(),
            &PollSchedule::fixed(Duration::from_secs(1)),
            timeout,
            || {
                let wanted = &wanted;
                async move {
                    let readiness = self.get_detector_readiness().await?;
                    let not_ready: Vec<String> = wanted
                        .iter()
                        .filter(|id| !readiness.get(*id).is_some_and(|r| r.ready))
                        .cloned()
                        .collect();
                    Ok::<_, Error>(if not_ready.is_empty() {
                        Probe::Ready(not_ready)
                    } else {
                        Probe::Pending(not_ready)
                    })
                }
            },
        )
        .await;
        match outcome {
            Ok(PollOutcome::Ready(_)) => Ok(()),
            Ok(PollOutcome::TimedOut(not_ready)) => Err(Error::EdgeDetectorsNotReady {
                not_ready,
                waited: timeout,
            }),
            Err(e) => Err(e),
        }
    }
}

/// The builder of [`EdgeApi::set_config`].
#[derive(Debug, Clone)]
#[must_use = "call .send(), or .await it"]
pub struct SetEdgeConfig {
    client: Groundlight,
    config: EdgeEndpointConfig,
    timeout: Duration,
}

impl SetEdgeConfig {
    /// How long to wait for the detectors to be ready (default 600 s; zero means the default).
    /// The official SDK's `timeout_sec`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Applies, waits, and returns the Edge Endpoint's configuration.
    ///
    /// # Errors
    ///
    /// [`Error::EdgeDetectorsNotReady`] when the detectors are not ready in time.
    pub async fn send(self) -> Result<EdgeEndpointConfig> {
        let edge = self.client.edge();
        edge.apply_config(&self.config).await?;
        let ids: Vec<String> = self
            .config
            .detectors
            .iter()
            .map(|d| d.detector_id.clone())
            .collect();
        edge.wait_detectors(ids, self.timeout).await?;
        edge.get_config().await
    }
}

call_builder!(SetEdgeConfig, client => EdgeEndpointConfig);
