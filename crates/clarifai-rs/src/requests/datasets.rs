//! Datasets and their versions, inputs and exports.

use super::{
    ApiRequest, DeleteDatasetVersionsRequest, DeleteDatasetsRequest, PostDatasetInputsRequest,
    PostDatasetVersionsRequest, PostDatasetsRequest, PutDatasetVersionExportsRequest, require,
};
use crate::error::{Error, Result};
use crate::models::{
    Dataset, DatasetVersion, DatasetVersionExport, DatasetVersionExportFormat, Filter, Query,
    Search, UserAppIdSet,
};
use crate::routes::Route;

/// `App.create_dataset(dataset_id, **kwargs)`: `POST {UA}/datasets`.
pub fn create(scope: &UserAppIdSet, dataset: Dataset) -> Result<ApiRequest> {
    require("dataset id", &dataset.id)?;
    ApiRequest::in_app(Route::POST_DATASETS, scope, &[])?.with_json(&PostDatasetsRequest {
        datasets: vec![dataset],
    })
}

/// `App.list_datasets(page_no, per_page)`: `GET {UA}/datasets`.
pub fn list(scope: &UserAppIdSet, page: Option<u32>, per_page: Option<u32>) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(Route::LIST_DATASETS, scope, &[])?.with_page(page, per_page))
}

/// `App.dataset(dataset_id)`: `GET {UA}/datasets/{dataset_id}`.
pub fn get(scope: &UserAppIdSet, dataset_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_DATASET, scope, &[("dataset_id", dataset_id)])
}

/// `App.delete_dataset(dataset_id)`: `DELETE {UA}/datasets` `{"dataset_ids": […]}`.
pub fn delete(scope: &UserAppIdSet, dataset_ids: &[&str]) -> Result<ApiRequest> {
    let dataset_ids = ids("dataset", dataset_ids)?;
    ApiRequest::in_app(Route::DELETE_DATASETS, scope, &[])?
        .with_json(&DeleteDatasetsRequest { dataset_ids })
}

/// `Dataset.create_version(**kwargs)`: `POST {UA}/datasets/{d}/versions`.
pub fn create_version(
    scope: &UserAppIdSet,
    dataset_id: &str,
    version: DatasetVersion,
) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::POST_DATASET_VERSIONS,
        scope,
        &[("dataset_id", dataset_id)],
    )?
    .with_json(&PostDatasetVersionsRequest {
        dataset_versions: vec![version],
    })
}

/// `Dataset.list_versions(page_no, per_page)`: `GET {UA}/datasets/{d}/versions`.
pub fn list_versions(
    scope: &UserAppIdSet,
    dataset_id: &str,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(
        Route::LIST_DATASET_VERSIONS,
        scope,
        &[("dataset_id", dataset_id)],
    )?
    .with_page(page, per_page))
}

/// `GetDatasetVersion`: `GET {UA}/datasets/{d}/versions/{v}` (version polling).
pub fn get_version(scope: &UserAppIdSet, dataset_id: &str, version_id: &str) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::GET_DATASET_VERSION,
        scope,
        &[
            ("dataset_id", dataset_id),
            ("dataset_version_id", version_id),
        ],
    )
}

/// `Dataset.delete_version(version_id)`: `DELETE {UA}/datasets/{d}/versions`.
pub fn delete_versions(
    scope: &UserAppIdSet,
    dataset_id: &str,
    version_ids: &[&str],
) -> Result<ApiRequest> {
    let dataset_version_ids = ids("dataset version", version_ids)?;
    ApiRequest::in_app(
        Route::DELETE_DATASET_VERSIONS,
        scope,
        &[("dataset_id", dataset_id)],
    )?
    .with_json(&DeleteDatasetVersionsRequest {
        dataset_version_ids,
    })
}

/// `Dataset.get_upload_status()` polling: `GET {UA}/datasets/{d}/versions/{v}/metrics`.
pub fn version_metrics(
    scope: &UserAppIdSet,
    dataset_id: &str,
    version_id: &str,
) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::LIST_DATASET_VERSION_METRICS_GROUPS,
        scope,
        &[
            ("dataset_id", dataset_id),
            ("dataset_version_id", version_id),
        ],
    )
}

/// `Dataset.export()`: `PUT {UA}/datasets/{d}/versions/{v}/exports`, repeated until done.
/// A JSON client asks for [`DatasetVersionExportFormat::ClarifaiDataJson`] (the SDK asks for
/// binary protobuf).
pub fn export(
    scope: &UserAppIdSet,
    dataset_id: &str,
    version_id: &str,
    format: DatasetVersionExportFormat,
) -> Result<ApiRequest> {
    ApiRequest::in_app(
        Route::PUT_DATASET_VERSION_EXPORTS,
        scope,
        &[
            ("dataset_id", dataset_id),
            ("dataset_version_id", version_id),
        ],
    )?
    .with_json(&PutDatasetVersionExportsRequest {
        exports: vec![DatasetVersionExport::new(format)],
    })
}

/// `Dataset.list_inputs()` / `Inputs.list_inputs(dataset_id=…)`: `GET {UA}/datasets/{d}/inputs`.
pub fn list_inputs(
    scope: &UserAppIdSet,
    dataset_id: &str,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(
        Route::LIST_DATASET_INPUTS,
        scope,
        &[("dataset_id", dataset_id)],
    )?
    .with_page(page, per_page))
}

/// `Dataset.merge_dataset(other)`: `POST {UA}/datasets/{d}/inputs` with a search for the
/// inputs of the other dataset.
pub fn merge(scope: &UserAppIdSet, dataset_id: &str, other_dataset_id: &str) -> Result<ApiRequest> {
    require("dataset id to merge", other_dataset_id)?;
    let search = Search {
        query: Some(Query {
            filters: vec![Filter::input_datasets([other_dataset_id])],
            ..Query::default()
        }),
        ..Search::default()
    };
    ApiRequest::in_app(
        Route::POST_DATASET_INPUTS,
        scope,
        &[("dataset_id", dataset_id)],
    )?
    .with_json(&PostDatasetInputsRequest {
        search: Some(search),
        ..PostDatasetInputsRequest::default()
    })
}

/// Non-empty ids, none of them empty.
pub(crate) fn ids(what: &str, ids: &[&str]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Err(Error::user(format!("no {what} ids given")));
    }
    if ids.iter().any(|id| id.is_empty()) {
        return Err(Error::user(format!("an empty {what} id was given")));
    }
    Ok(ids.iter().map(|id| (*id).to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &ApiRequest) -> &str {
        std::str::from_utf8(r.body().unwrap()).unwrap()
    }

    #[test]
    fn dataset_bodies() {
        let scope = UserAppIdSet::new("alice", "my-app");
        assert_eq!(
            body(&delete(&scope, &["ds1"]).unwrap()),
            r#"{"dataset_ids":["ds1"]}"#
        );
        assert!(delete(&scope, &[]).is_err());
        assert!(delete(&scope, &[""]).is_err());
        assert_eq!(
            body(&delete_versions(&scope, "ds1", &["dv1"]).unwrap()),
            r#"{"dataset_version_ids":["dv1"]}"#
        );
        let r = export(
            &scope,
            "ds1",
            "dv1",
            DatasetVersionExportFormat::ClarifaiDataJson,
        )
        .unwrap();
        assert_eq!(r.method(), http::Method::PUT);
        assert_eq!(
            r.path(),
            "/v2/users/alice/apps/my-app/datasets/ds1/versions/dv1/exports"
        );
        assert_eq!(body(&r), r#"{"exports":[{"format":3}]}"#);
        assert_eq!(
            body(&merge(&scope, "ds1", "other").unwrap()),
            r#"{"search":{"query":{"filters":[{"input":{"dataset_ids":["other"]}}]}}}"#
        );
        assert_eq!(
            version_metrics(&scope, "ds1", "dv1").unwrap().path(),
            "/v2/users/alice/apps/my-app/datasets/ds1/versions/dv1/metrics"
        );
        assert!(create(&scope, Dataset::default()).is_err());
    }
}
