//! The model registry of a self-hosted server (v1): which models are loaded, loading and
//! unloading them, and the legacy `/start/…` and `/clear_cache` routes. None of these calls is
//! retried (as upstream).

use serde_json::Value;
use vision_sdk_common::reqwest::Method;

use crate::client::{Body, CallOptions, InferenceClient, KeyIn};
use crate::error::{Error, Result};
use crate::models::{ModelDescription, RegisteredModels};
use crate::retry::RetryClass;
use crate::{ApiMode, aliases};

impl InferenceClient {
    /// `GET /model/registry`: the models loaded on the server (`list_loaded_models`).
    pub async fn list_loaded_models(&self) -> Result<RegisteredModels> {
        const OP: &str = "list_loaded_models";
        self.require_mode(OP, ApiMode::V1)?;
        self.registry(OP).await
    }

    async fn registry(&self, operation: &'static str) -> Result<RegisteredModels> {
        let spec = self.request(Method::GET, self.url(&["model", "registry"]), KeyIn::Query);
        self.execute_json(operation, RetryClass::Never, spec, &CallOptions::default())
            .await
    }

    /// `POST /model/add`: loads a model (aliases resolved) and returns the registry
    /// (`load_model`).
    pub async fn load_model(&self, model_id: &str) -> Result<RegisteredModels> {
        const OP: &str = "load_model";
        self.require_mode(OP, ApiMode::V1)?;
        let model_id = checked_model_id(model_id)?;
        self.add_model(OP, model_id).await
    }

    async fn add_model(&self, operation: &'static str, model_id: &str) -> Result<RegisteredModels> {
        let config = &self.inner.config;
        let spec = self.request(Method::POST, self.url(&["model", "add"]), KeyIn::Body);
        let spec = self
            .with_service_secret(spec, config)
            .query(config.v1_query());
        let mut body = Body::new();
        body.insert("model_id", model_id);
        let spec = Self::json_body(spec, &body)?;
        let models: RegisteredModels = self
            .execute_json(operation, RetryClass::Never, spec, &CallOptions::default())
            .await?;
        if let Some(description) = models.find(model_id) {
            self.cache_description(description);
        }
        Ok(models)
    }

    /// `POST /model/remove`: unloads a model (`unload_model`).
    pub async fn unload_model(&self, model_id: &str) -> Result<RegisteredModels> {
        const OP: &str = "unload_model";
        self.require_mode(OP, ApiMode::V1)?;
        let model_id = checked_model_id(model_id)?;
        let spec = self.request(Method::POST, self.url(&["model", "remove"]), KeyIn::None);
        let spec = Self::json_body(spec, &{
            let mut b = Body::new();
            b.insert("model_id", model_id);
            b
        })?;
        self.forget_description(Some(model_id));
        self.execute_json(OP, RetryClass::Never, spec, &CallOptions::default())
            .await
    }

    /// `POST /model/clear`: unloads every model (`unload_all_models`).
    pub async fn unload_all_models(&self) -> Result<RegisteredModels> {
        const OP: &str = "unload_all_models";
        self.require_mode(OP, ApiMode::V1)?;
        let spec = self.request(Method::POST, self.url(&["model", "clear"]), KeyIn::None);
        self.forget_description(None);
        self.execute_json(OP, RetryClass::Never, spec, &CallOptions::default())
            .await
    }

    /// The registry's description of a model (task type, input size), loading the model first
    /// when `allow_loading` and it is not loaded (`get_model_description`). Uses the client's
    /// description cache unless it was turned off.
    pub async fn get_model_description(
        &self,
        model_id: &str,
        allow_loading: bool,
    ) -> Result<ModelDescription> {
        const OP: &str = "get_model_description";
        self.require_mode(OP, ApiMode::V1)?;
        let model_id = checked_model_id(model_id)?;
        self.describe_model(OP, model_id, allow_loading).await
    }

    pub(crate) async fn describe_model(
        &self,
        operation: &'static str,
        model_id: &str,
        allow_loading: bool,
    ) -> Result<ModelDescription> {
        if let Some(cached) = self.cached_description(model_id) {
            return Ok(cached);
        }
        let registry = self.registry(operation).await?;
        if let Some(description) = registry.find(model_id) {
            self.cache_description(description);
            return Ok(description.clone());
        }
        if !allow_loading {
            return Err(Error::ModelNotInitialized {
                model_id: model_id.to_owned(),
            });
        }
        let registry = self.add_model(operation, model_id).await?;
        registry
            .find(model_id)
            .cloned()
            .ok_or_else(|| Error::ModelNotInitialized {
                model_id: model_id.to_owned(),
            })
    }

    /// `GET /start/{dataset_id}/{version_id}`: the legacy way of loading a model on a
    /// self-hosted server (no SDK method upstream). Returns the server's JSON.
    pub async fn start_model_legacy(&self, model_id: &str) -> Result<Value> {
        const OP: &str = "start_model_legacy";
        let model_id = aliases::resolve_model_alias(model_id.trim());
        let (dataset, version) = split_v0_model_id(model_id)?;
        let config = &self.inner.config;
        let spec = self.request(
            Method::GET,
            self.url(&["start", dataset, version]),
            KeyIn::Query,
        );
        let spec = self.with_service_secret(spec, config).query(
            config
                .count_inference
                .map(|c| ("countinference", if c { "True" } else { "False" })),
        );
        self.execute_json(OP, RetryClass::Never, spec, &CallOptions::default())
            .await
    }

    /// `GET /clear_cache`: the legacy "unload everything" of a self-hosted server (returns the
    /// server's text, `"Cache cleared"`).
    pub async fn clear_cache_legacy(&self) -> Result<String> {
        const OP: &str = "clear_cache_legacy";
        let spec = self.request(Method::GET, self.url(&["clear_cache"]), KeyIn::None);
        self.forget_description(None);
        let response = self
            .execute(OP, RetryClass::Never, spec, &CallOptions::default())
            .await?;
        let text = String::from_utf8_lossy(response.body()).into_owned();
        // FastAPI returns the string as JSON.
        Ok(serde_json::from_str::<String>(&text).unwrap_or(text))
    }
}

/// A model id after alias resolution; blank ids are refused before any request.
pub(crate) fn checked_model_id(model_id: &str) -> Result<&str> {
    let model_id = model_id.trim();
    if model_id.is_empty() {
        return Err(Error::InvalidInput("the model id is empty".into()));
    }
    Ok(aliases::resolve_model_alias(model_id))
}

/// `project/version` of a v0 model id (exactly two non-empty parts).
pub(crate) fn split_v0_model_id(model_id: &str) -> Result<(&str, &str)> {
    let mut parts = model_id.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(project), Some(version), None) if !project.is_empty() && !version.is_empty() => {
            Ok((project, version))
        }
        _ => Err(Error::InvalidModelIdentifier(model_id.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_ids() {
        assert_eq!(split_v0_model_id("a/1").unwrap(), ("a", "1"));
        for bad in ["a", "a/1/2", "/1", "a/", ""] {
            assert!(
                matches!(
                    split_v0_model_id(bad),
                    Err(Error::InvalidModelIdentifier(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(checked_model_id(" yolov8n-640 ").unwrap(), "coco/3");
        assert!(checked_model_id(" ").is_err());
    }
}
