//! Inputs, upload jobs and annotations.

use super::apps::PatchAction;
use super::datasets::ids;
use super::{
    ApiRequest, DeleteAnnotationsRequest, EmptyRequest, IdsRequest, PatchAnnotationsRequest,
    PatchInputsRequest, PostAnnotationsRequest, PostInputsRequest, check_batch,
};
use crate::error::{Error, Result};
use crate::models::{Annotation, Input, UserAppIdSet};
use crate::routes::Route;
use crate::status::StatusCode;

/// At most this many inputs per `PostInputs` (the SDK's `MAX_UPLOAD_BATCH_SIZE`).
pub const MAX_UPLOAD_BATCH: usize = 128;

/// `Inputs.upload_inputs(inputs)` (and every `upload_from_*`): `POST {UA}/inputs` with the
/// client-chosen `inputs_add_job_id` to follow the job by. Every input needs an id.
pub fn upload(scope: &UserAppIdSet, inputs: Vec<Input>, job_id: &str) -> Result<ApiRequest> {
    check_batch("inputs", &inputs, MAX_UPLOAD_BATCH)?;
    if let Some(i) = inputs.iter().position(|input| input.id.is_empty()) {
        return Err(Error::user(format!("input {i} has no id")));
    }
    ApiRequest::in_app(Route::POST_INPUTS, scope, &[])?.with_inputs_json(
        &inputs,
        &PostInputsRequest {
            inputs_add_job_id: job_id.to_owned(),
            ..PostInputsRequest::default()
        },
    )
}

/// Upload-job polling: `GET {UA}/inputs/jobs/add/{id}`.
pub fn get_add_job(scope: &UserAppIdSet, job_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_INPUTS_ADD_JOB, scope, &[("id", job_id)])
}

/// Upload-job cancel on timeout: `PATCH {UA}/inputs/jobs/add/{id}` `{}`.
pub fn cancel_add_job(scope: &UserAppIdSet, job_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::CANCEL_INPUTS_ADD_JOB, scope, &[("id", job_id)])?
        .with_json(&EmptyRequest::default())
}

/// The filters of `ListInputs`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListInputsFilter {
    /// Only these ids.
    pub ids: Vec<String>,
    /// Only inputs with this status (`INPUT_SUCCESS` to find what uploaded).
    pub status: Option<StatusCode>,
    /// The page.
    pub page: Option<u32>,
    /// The page size.
    pub per_page: Option<u32>,
}

/// `Inputs.list_inputs(page_no, per_page)`: `GET {UA}/inputs` (`ids=…&status.code=…`).
/// The status is sent as its number.
pub fn list(scope: &UserAppIdSet, filter: &ListInputsFilter) -> Result<ApiRequest> {
    let mut r = ApiRequest::in_app(Route::LIST_INPUTS, scope, &[])?
        .with_page(filter.page, filter.per_page)
        .with_query_all("ids", filter.ids.iter().cloned());
    if let Some(code) = filter.status {
        r = r.with_query("status.code", code.code().to_string());
    }
    Ok(r)
}

/// `Inputs.get_input(id)`: `GET {UA}/inputs/{input_id}`.
pub fn get(scope: &UserAppIdSet, input_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_INPUT, scope, &[("input_id", input_id)])
}

/// `Inputs.patch_inputs(inputs, action)`: `PATCH {UA}/inputs`.
pub fn patch(scope: &UserAppIdSet, inputs: Vec<Input>, action: PatchAction) -> Result<ApiRequest> {
    check_batch("inputs", &inputs, MAX_UPLOAD_BATCH)?;
    ApiRequest::in_app(Route::PATCH_INPUTS, scope, &[])?.with_json(&PatchInputsRequest {
        inputs,
        action: action.as_str().to_owned(),
    })
}

/// `Inputs.delete_inputs(inputs)`: `DELETE {UA}/inputs` `{"ids": […]}`. An empty list is an
/// error (the SDK sends it when nothing failed; not copied).
pub fn delete(scope: &UserAppIdSet, input_ids: &[&str]) -> Result<ApiRequest> {
    let ids = ids("input", input_ids)?;
    ApiRequest::in_app(Route::DELETE_INPUTS, scope, &[])?.with_json(&IdsRequest { ids })
}

/// `Inputs.upload_annotations(batch_annot)`: `POST {UA}/annotations`.
pub fn upload_annotations(
    scope: &UserAppIdSet,
    annotations: Vec<Annotation>,
) -> Result<ApiRequest> {
    check_annotations(&annotations)?;
    ApiRequest::in_app(Route::POST_ANNOTATIONS, scope, &[])?
        .with_json(&PostAnnotationsRequest { annotations })
}

/// `Inputs.patch_annotations(batch_annot, action)`: `PATCH {UA}/annotations`.
pub fn patch_annotations(
    scope: &UserAppIdSet,
    annotations: Vec<Annotation>,
    action: PatchAction,
) -> Result<ApiRequest> {
    check_annotations(&annotations)?;
    ApiRequest::in_app(Route::PATCH_ANNOTATIONS, scope, &[])?.with_json(&PatchAnnotationsRequest {
        annotations,
        action: action.as_str().to_owned(),
    })
}

/// `Inputs.list_annotations(batch_input, page_no, per_page)`: `GET {UA}/annotations?input_ids=…`.
pub fn list_annotations(
    scope: &UserAppIdSet,
    input_ids: &[&str],
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(Route::LIST_ANNOTATIONS, scope, &[])?
        .with_query_all("input_ids", input_ids.iter().copied())
        .with_page(page, per_page))
}

/// `Inputs.delete_annotations(input_ids, annotation_ids)`: `DELETE {UA}/inputs/annotations`.
/// `annotation_ids`, when given, pair with `input_ids` in order.
pub fn delete_annotations(
    scope: &UserAppIdSet,
    input_ids: &[&str],
    annotation_ids: &[&str],
) -> Result<ApiRequest> {
    let input_ids = ids("input", input_ids)?;
    if !annotation_ids.is_empty() && annotation_ids.len() != input_ids.len() {
        return Err(Error::user(
            "annotation_ids must be empty or as long as input_ids",
        ));
    }
    let ids = if annotation_ids.is_empty() {
        Vec::new()
    } else {
        ids("annotation", annotation_ids)?
    };
    ApiRequest::in_app(Route::DELETE_ANNOTATIONS, scope, &[])?
        .with_json(&DeleteAnnotationsRequest { ids, input_ids })
}

fn check_annotations(annotations: &[Annotation]) -> Result<()> {
    if annotations.is_empty() {
        return Err(Error::user("no annotations given"));
    }
    if let Some(i) = annotations.iter().position(|a| a.input_id.is_empty()) {
        return Err(Error::user(format!("annotation {i} has no input_id")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Data, Text};

    #[test]
    fn upload_checks_ids_and_batch_size() {
        let scope = UserAppIdSet::new("alice", "a");
        let input = |id: &str| Input::new(id, Data::text(Text::from_raw("x")));
        assert!(upload(&scope, vec![input("")], "j").is_err());
        assert!(upload(&scope, vec![input("a"); 129], "j").is_err());
        let r = upload(&scope, vec![input("a")], "").unwrap();
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"inputs":[{"id":"a","data":{"text":{"raw":"x"}}}]}"#
        );
    }

    #[test]
    fn list_sends_status_as_a_number() {
        let scope = UserAppIdSet::new("alice", "a");
        let filter = ListInputsFilter {
            ids: vec!["x".into()],
            status: Some(StatusCode::INPUT_SUCCESS),
            per_page: Some(1),
            ..ListInputsFilter::default()
        };
        assert_eq!(
            list(&scope, &filter).unwrap().path_and_query(),
            "/v2/users/alice/apps/a/inputs?per_page=1&ids=x&status.code=30000"
        );
    }

    #[test]
    fn deletes_reject_empty_and_mismatched_lists() {
        let scope = UserAppIdSet::new("alice", "a");
        assert!(delete(&scope, &[]).is_err());
        assert!(delete_annotations(&scope, &["i1", "i2"], &["a1"]).is_err());
        let r = delete_annotations(&scope, &["i1"], &[]).unwrap();
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"input_ids":["i1"]}"#
        );
        assert_eq!(
            std::str::from_utf8(cancel_add_job(&scope, "j").unwrap().body().unwrap()).unwrap(),
            "{}"
        );
        assert!(upload_annotations(&scope, vec![Annotation::default()]).is_err());
    }
}
