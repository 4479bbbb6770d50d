//! Inspections (accounts with Inspection Reports): group image queries, attach metadata, close
//! with a PASS/FAIL result.
//!
//! These calls use `{endpoint}/inspections…`, outside the OpenAPI spec; they were removed from
//! the official SDK in 0.28 and are ported from its 0.27 implementation.

use http::Method;
use serde_json::{Map, Value, json};
use vision_sdk_common::internal::Idempotency;

use crate::client::Groundlight;
use crate::detectors::not_found;
use crate::error::{Error, Result};
use crate::metadata::python_json_dumps;
use crate::models::{Inspection, InspectionUpdateRequest};

fn check_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid("the inspection id is empty"));
    }
    Ok(())
}

impl Groundlight {
    /// Starts an inspection: `POST {endpoint}/inspections` with `{}`; returns its id. Pass the
    /// id to [`SubmitImageQuery::inspection_id`](crate::SubmitImageQuery::inspection_id).
    pub async fn start_inspection(&self) -> Result<String> {
        let inspection: Inspection = self
            .send_json(
                "start_inspection",
                Method::POST,
                self.api_url(&["inspections"]),
                &json!({}),
                Idempotency::NonIdempotent,
            )
            .await?;
        if inspection.id.is_empty() {
            return Err(Error::UnexpectedResponse(
                "the new inspection has no id".into(),
            ));
        }
        Ok(inspection.id)
    }

    /// `GET {endpoint}/inspections/{id}`.
    pub async fn get_inspection(&self, inspection_id: &str) -> Result<Inspection> {
        check_id(inspection_id)?;
        self.get_json(
            "get_inspection",
            self.api_url(&["inspections", inspection_id]),
        )
        .await
        .map_err(|e| not_found(e, "inspection", inspection_id))
    }

    /// Adds a key/value pair to an inspection's metadata.
    ///
    /// Reads the inspection first; the first key ever given becomes its
    /// `user_provided_id_key`/`user_provided_id_value`; every key is merged into
    /// `user_metadata`, sent back as the JSON string `user_metadata_json` (`PATCH`).
    ///
    /// # Errors
    ///
    /// [`Error::InspectionClosed`] when the inspection is `COMPLETE`.
    pub async fn update_inspection_metadata(
        &self,
        inspection_id: &str,
        key: &str,
        value: &str,
    ) -> Result<()> {
        check_id(inspection_id)?;
        if key.is_empty() {
            return Err(Error::invalid("the metadata key is empty"));
        }
        let inspection = self.get_inspection(inspection_id).await?;
        if inspection.is_complete() {
            return Err(Error::InspectionClosed(inspection_id.to_owned()));
        }
        let mut update = InspectionUpdateRequest::default();
        if inspection
            .user_provided_id_key
            .as_deref()
            .is_none_or(str::is_empty)
        {
            update.user_provided_id_key = Some(key.to_owned());
            update.user_provided_id_value = Some(value.to_owned());
        }
        let mut metadata: Map<String, Value> = inspection.user_metadata.unwrap_or_default();
        metadata.insert(key.to_owned(), Value::String(value.to_owned()));
        update.user_metadata_json = Some(python_json_dumps(&Value::Object(metadata)));
        let spec = self
            .request(Method::PATCH, self.api_url(&["inspections", inspection_id]))
            .json(&update)
            .map_err(Error::from_http)?;
        self.execute("update_inspection_metadata", Idempotency::Idempotent, spec)
            .await?;
        Ok(())
    }

    /// Closes an inspection and returns its result (`PASS` or `FAIL`); an inspection already
    /// closed is not closed again (that would regenerate its report) and `COMPLETE` is
    /// returned.
    pub async fn stop_inspection(&self, inspection_id: &str) -> Result<String> {
        let inspection = self.get_inspection(inspection_id).await?;
        if inspection.is_complete() {
            return Ok(Inspection::STATUS_COMPLETE.to_owned());
        }
        let update = InspectionUpdateRequest {
            status: Some(Inspection::STATUS_COMPLETE.to_owned()),
            ..InspectionUpdateRequest::default()
        };
        let closed: Inspection = self
            .send_json(
                "stop_inspection",
                Method::PATCH,
                self.api_url(&["inspections", inspection_id]),
                &update,
                Idempotency::Idempotent,
            )
            .await?;
        closed.result.ok_or_else(|| {
            Error::UnexpectedResponse(format!(
                "the closed inspection {inspection_id} has no result"
            ))
        })
    }
}
