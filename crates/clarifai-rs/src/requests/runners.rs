//! Runners: CRUD and the unary worker routes (list items, post outputs).
//!
//! In clarifai-grpc 12.6.0 creating and deleting runners, listing runner items and posting
//! their outputs are bound only under a nodepool (`{NP}` =
//! `/v2/users/{user_id}/compute_clusters/{compute_cluster_id}/nodepools/{nodepool_id}`), so
//! these calls take a [`NodepoolRef`]; listing and getting runners also have a user-level
//! binding.

use super::datasets::ids;
use super::{ApiRequest, IdsRequest, PostRunnerItemOutputsRequest, PostRunnersRequest, require};
use crate::error::Result;
use crate::models::Runner;
use crate::routes::Route;

/// A nodepool of a compute cluster of a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodepoolRef {
    /// The owner.
    pub user_id: String,
    /// The compute cluster.
    pub compute_cluster_id: String,
    /// The nodepool.
    pub nodepool_id: String,
}

impl NodepoolRef {
    /// The nodepool `nodepool_id` of cluster `compute_cluster_id` of `user_id`.
    pub fn new(
        user_id: impl Into<String>,
        compute_cluster_id: impl Into<String>,
        nodepool_id: impl Into<String>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            compute_cluster_id: compute_cluster_id.into(),
            nodepool_id: nodepool_id.into(),
        }
    }

    fn request(&self, route: Route, extra: &[(&str, &str)]) -> Result<ApiRequest> {
        let mut params = vec![
            ("user_id", self.user_id.as_str()),
            ("compute_cluster_id", self.compute_cluster_id.as_str()),
            ("nodepool_id", self.nodepool_id.as_str()),
        ];
        params.extend_from_slice(extra);
        ApiRequest::new(route, &params)
    }
}

/// `User.list_runners(page_no, per_page)`: `GET {U}/runners`.
pub fn list(user_id: &str, page: Option<u32>, per_page: Option<u32>) -> Result<ApiRequest> {
    Ok(ApiRequest::new(Route::LIST_RUNNERS, &[("user_id", user_id)])?.with_page(page, per_page))
}

/// `ListRunners` of one nodepool: `GET {NP}/runners`.
pub fn list_in_nodepool(
    nodepool: &NodepoolRef,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(nodepool
        .request(Route::LIST_NODEPOOL_RUNNERS, &[])?
        .with_page(page, per_page))
}

/// `User.runner(runner_id)` / `Runner(check_runner_exists=True)`: `GET {U}/runners/{runner_id}`.
pub fn get(user_id: &str, runner_id: &str) -> Result<ApiRequest> {
    ApiRequest::new(
        Route::GET_RUNNER,
        &[("user_id", user_id), ("runner_id", runner_id)],
    )
}

/// `GetRunner` in a nodepool: `GET {NP}/runners/{runner_id}`.
pub fn get_in_nodepool(nodepool: &NodepoolRef, runner_id: &str) -> Result<ApiRequest> {
    nodepool.request(Route::GET_NODEPOOL_RUNNER, &[("runner_id", runner_id)])
}

/// `User.create_runner(runner_id, labels, description)`: `POST {NP}/runners`.
pub fn create(nodepool: &NodepoolRef, runner: Runner) -> Result<ApiRequest> {
    require("runner id", &runner.id)?;
    nodepool
        .request(Route::POST_RUNNERS, &[])?
        .with_json(&PostRunnersRequest {
            runners: vec![runner],
        })
}

/// `User.delete_runner(runner_id)`: `DELETE {NP}/runners` `{"ids": […]}`.
pub fn delete(nodepool: &NodepoolRef, runner_ids: &[&str]) -> Result<ApiRequest> {
    let ids = ids("runner", runner_ids)?;
    nodepool
        .request(Route::DELETE_RUNNERS, &[])?
        .with_json(&IdsRequest { ids })
}

/// Worker poll (`ListRunnerItems`): `GET {NP}/runners/{runner_id}/items`.
pub fn list_items(nodepool: &NodepoolRef, runner_id: &str) -> Result<ApiRequest> {
    nodepool.request(Route::LIST_RUNNER_ITEMS, &[("runner_id", runner_id)])
}

/// Worker result (`PostRunnerItemOutputs`):
/// `POST {NP}/runners/{runner_id}/items/{runner_item_id}/outputs`.
pub fn post_item_outputs(
    nodepool: &NodepoolRef,
    runner_id: &str,
    runner_item_id: &str,
    outputs: &PostRunnerItemOutputsRequest,
) -> Result<ApiRequest> {
    nodepool
        .request(
            Route::POST_RUNNER_ITEM_OUTPUTS,
            &[("runner_id", runner_id), ("runner_item_id", runner_item_id)],
        )?
        .with_json(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_paths_need_the_nodepool() {
        let np = NodepoolRef::new("alice", "cc", "np");
        let runner = Runner {
            id: "r1".into(),
            description: "d".into(),
            ..Runner::default()
        };
        let r = create(&np, runner).unwrap();
        assert_eq!(
            r.path(),
            "/v2/users/alice/compute_clusters/cc/nodepools/np/runners"
        );
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"runners":[{"id":"r1","description":"d"}]}"#
        );
        assert!(list_items(&NodepoolRef::new("alice", "", "np"), "r1").is_err());
        assert_eq!(
            get("alice", "r1").unwrap().path(),
            "/v2/users/alice/runners/r1"
        );
        assert_eq!(
            get_in_nodepool(&np, "r1").unwrap().path(),
            "/v2/users/alice/compute_clusters/cc/nodepools/np/runners/r1"
        );
        assert_eq!(
            std::str::from_utf8(delete(&np, &["r1"]).unwrap().body().unwrap()).unwrap(),
            r#"{"ids":["r1"]}"#
        );
    }
}
