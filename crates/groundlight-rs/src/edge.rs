//! The Edge Endpoint's own API: configuration, detector readiness, upstream.
//!
//! These calls go to the Edge Endpoint's origin (`scheme://host:port`, without `/device-api`)
//! of the client's endpoint, so the client must point at an Edge Endpoint, e.g.
//! `http://localhost:30101`. They are not retried (as in the official SDK). A 404 or no
//! connection means there is no Edge Endpoint there: [`Error::EdgeNotAvailable`].

use std::collections::BTreeSet;
use std::time::Duration;

use http::Method;
use reqwest::Url;
use serde::de::DeserializeOwned;
use vision_sdk_common::internal::{HttpResponse, Idempotency, RequestSpec};
use vision_sdk_common::poll::{PollOutcome, PollSchedule, Probe, poll_until};
use vision_sdk_common::{HttpError, RetryPolicy};

use crate::client::Groundlight;
use crate::error::{Error, Result};
use crate::models::{EdgeDetectorReadinessMap, EdgeEndpointConfig, EdgeInfo};

/// How long [`EdgeApi::wait_detectors`] waits by default.
pub const DEFAULT_EDGE_WAIT: Duration = Duration::from_secs(600);

impl Groundlight {
    /// The Edge Endpoint calls of this client (see [`EdgeApi`]).
    pub fn edge(&self) -> EdgeApi<'_> {
        EdgeApi { client: self }
    }
}

/// The Edge Endpoint's own API, from [`Groundlight::edge`].
#[derive(Debug, Clone, Copy)]
pub struct EdgeApi<'a> {
    client: &'a Groundlight,
}

impl EdgeApi<'_> {
    /// The Edge Endpoint's origin, e.g. `http://localhost:30101/`.
    pub fn base_url(&self) -> Url {
        self.client.edge_url(&[])
    }

    async fn call(&self, operation: &'static str, spec: RequestSpec) -> Result<HttpResponse> {
        let executor = &self.client.inner.executor;
        executor
            .execute_with(
                operation,
                Idempotency::Idempotent,
                &RetryPolicy::none(),
                crate::client::classifier(),
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

    /// The Edge Endpoint's configuration: `GET /edge-config`.
    pub async fn get_config(&self) -> Result<EdgeEndpointConfig> {
        self.get("edge_get_config", "edge-config").await
    }

    /// Replaces the Edge Endpoint's configuration: `PUT /edge-config` with the configuration
    /// as JSON. The Edge Endpoint then loads the detectors; see
    /// [`wait_detectors`](Self::wait_detectors).
    pub async fn apply_config(&self, config: &EdgeEndpointConfig) -> Result<()> {
        let spec = self
            .client
            .request(Method::PUT, self.client.edge_url(&["edge-config"]))
            .json(config)
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
    pub async fn get_upstream_endpoint(&self) -> Result<Option<String>> {
        let info: EdgeInfo = self.get("edge_get_upstream_endpoint", "edge-info").await?;
        Ok(info.upstream_endpoint)
    }

    /// Polls readiness every second until every detector in `detector_ids` is ready.
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
