//! Server information, health and operations: `/info`, `/healthz`, `/readiness`, `/metrics`,
//! `/logs`, `/device/stats`. No key is sent and nothing is retried.

use serde_json::Value;
use vision_sdk_common::reqwest::Method;

use crate::client::{CallOptions, InferenceClient, KeyIn};
use crate::error::Result;
use crate::models::{ServerInfo, ServerStatus};
use crate::retry::RetryClass;

impl InferenceClient {
    /// `GET /info`: the server's name, version and uuid (`get_server_info`).
    pub async fn get_server_info(&self) -> Result<ServerInfo> {
        let spec = self.request(Method::GET, self.url(&["info"]), KeyIn::None);
        self.execute_json(
            "get_server_info",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }

    /// `GET /healthz`: `{"status": "healthy"}` while the server runs.
    pub async fn healthz(&self) -> Result<ServerStatus> {
        let spec = self.request(Method::GET, self.url(&["healthz"]), KeyIn::None);
        self.execute_json("healthz", RetryClass::Never, spec, &CallOptions::default())
            .await
    }

    /// `GET /readiness`: `{"status": "ready"}` once the server takes requests (an error
    /// status before).
    pub async fn readiness(&self) -> Result<ServerStatus> {
        let spec = self.request(Method::GET, self.url(&["readiness"]), KeyIn::None);
        self.execute_json(
            "readiness",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }

    /// `GET /metrics`: the Prometheus text (servers with metrics enabled).
    pub async fn metrics(&self) -> Result<String> {
        let spec = self.request(Method::GET, self.url(&["metrics"]), KeyIn::None);
        let response = self
            .execute("metrics", RetryClass::Never, spec, &CallOptions::default())
            .await?;
        Ok(String::from_utf8_lossy(response.body()).into_owned())
    }

    /// `GET /logs`: recent server log records (`limit`, `level`, `since` optional).
    pub fn logs(&self) -> LogsCall {
        LogsCall {
            client: self.clone(),
            limit: None,
            level: None,
            since: None,
            options: CallOptions::default(),
        }
    }

    /// `GET /device/stats`: the device's statistics (servers with access to the docker socket).
    pub async fn device_stats(&self) -> Result<Value> {
        let spec = self.request(Method::GET, self.url(&["device", "stats"]), KeyIn::None);
        self.execute_json(
            "device_stats",
            RetryClass::Never,
            spec,
            &CallOptions::default(),
        )
        .await
    }
}

/// The builder of [`InferenceClient::logs`].
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct LogsCall {
    client: InferenceClient,
    limit: Option<u32>,
    level: Option<String>,
    since: Option<String>,
    options: CallOptions,
}

impl LogsCall {
    call_option_setters!();

    /// At most this many records (server default 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Only records of this level (`INFO`, `WARNING`, …).
    pub fn level(mut self, level: impl Into<String>) -> Self {
        self.level = Some(level.into());
        self
    }
    /// Only records after this ISO 8601 time.
    pub fn since(mut self, since: impl Into<String>) -> Self {
        self.since = Some(since.into());
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Value> {
        let client = &self.client;
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(limit) = self.limit {
            query.push(("limit", limit.to_string()));
        }
        if let Some(level) = &self.level {
            query.push(("level", level.clone()));
        }
        if let Some(since) = &self.since {
            query.push(("since", since.clone()));
        }
        let spec = client
            .request(Method::GET, client.url(&["logs"]), KeyIn::None)
            .query(query);
        client
            .execute_json("logs", RetryClass::Never, spec, &self.options)
            .await
    }
}

into_future!(LogsCall => Value);
