//! Server information and the model registry.

use serde::{Deserialize, Serialize};

use crate::TaskType;

/// `GET /info` (`ServerVersionInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerInfo {
    /// `Roboflow Inference Server`.
    pub name: String,
    /// The server's version, e.g. `1.8.3`.
    pub version: String,
    /// The server instance's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// `GET /healthz`, `GET /readiness`: `{"status": "healthy" | "ready"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerStatus {
    /// The status word.
    pub status: String,
}

/// A model's batch size: a number, or what some servers send instead (e.g. `"batch"` for
/// dynamic batching).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum BatchSize {
    /// A fixed batch size.
    Fixed(u64),
    /// A named batching mode.
    Named(String),
}

/// One loaded model (`ModelDescriptionEntity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelDescription {
    /// The model id.
    pub model_id: String,
    /// What it does.
    pub task_type: TaskType,
    /// The batch size it accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<BatchSize>,
    /// Its input height (the client-side downsizing bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_height: Option<u32>,
    /// Its input width (the client-side downsizing bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_width: Option<u32>,
    /// GPU memory it takes, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vram_bytes: Option<u64>,
    /// Other model ids that resolved to this model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_aliases: Vec<String>,
    /// Request paths that ran it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_paths: Vec<String>,
}

/// `GET /model/registry`, and the answer of `/model/add`, `/model/remove`, `/model/clear`
/// (`ModelsDescriptions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegisteredModels {
    /// The loaded models.
    pub models: Vec<ModelDescription>,
    /// Their total GPU memory, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_vram_bytes: Option<u64>,
    /// GPU memory in use, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory_used: Option<u64>,
    /// GPU memory in all, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory_total: Option<u64>,
}

impl RegisteredModels {
    /// The first model with this id (`filter_model_descriptions`).
    pub fn find(&self, model_id: &str) -> Option<&ModelDescription> {
        self.models.iter().find(|m| m.model_id == model_id)
    }
}
