use super::{MultiOutputResponse, Status};
use crate::proto_json::Struct;
use crate::requests::PostModelOutputsRequest;

message! {
    /// `Runner`: a worker registered on a nodepool that serves model requests.
    pub struct Runner {
        /// The runner id.
        pub id: String,
        /// A description.
        pub description: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Free metadata.
        pub metadata: Struct,
        /// Deprecated labels (the seed-era `create_runner(labels)`).
        pub labels: Vec<String>,
        /// What the runner runs (`{"model": …}`, JSON).
        pub worker: Option<serde_json::Value>,
        /// The nodepool it runs on.
        pub nodepool: Option<Nodepool>,
        /// Compute requirements (JSON).
        pub compute_info: Option<serde_json::Value>,
        /// Number of replicas.
        pub num_replicas: u32,
        /// Minimum replicas.
        pub min_replicas: u32,
        /// Priority.
        pub priority: u32,
    }
}

identified!(Runner => "runner");

message! {
    /// `Nodepool` (reference): id and compute cluster.
    pub struct Nodepool {
        /// The nodepool id.
        pub id: String,
        /// A description.
        pub description: String,
        /// The compute cluster.
        pub compute_cluster: Option<ComputeCluster>,
    }
}

message! {
    /// `ComputeCluster` (reference): id and owner.
    pub struct ComputeCluster {
        /// The cluster id.
        pub id: String,
        /// A description.
        pub description: String,
        /// The region.
        pub region: String,
        /// The owner.
        pub user_id: String,
    }
}

message! {
    /// `Deployment` (reference): id and owner.
    pub struct Deployment {
        /// The deployment id.
        pub id: String,
        /// The owner.
        pub user_id: String,
        /// A description.
        pub description: String,
    }
}

message! {
    /// `RunnerSelector`: route a prediction to a nodepool, a runner or a deployment.
    pub struct RunnerSelector {
        /// A nodepool (with its compute cluster).
        pub nodepool: Option<Nodepool>,
        /// A runner.
        pub runner: Option<Runner>,
        /// A deployment.
        pub deployment: Option<Deployment>,
    }
}

impl RunnerSelector {
    /// Route to a nodepool of a compute cluster of `user_id`.
    pub fn nodepool(
        nodepool_id: impl Into<String>,
        compute_cluster_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Self {
        Self {
            nodepool: Some(Nodepool {
                id: nodepool_id.into(),
                compute_cluster: Some(ComputeCluster {
                    id: compute_cluster_id.into(),
                    user_id: user_id.into(),
                    ..ComputeCluster::default()
                }),
                ..Nodepool::default()
            }),
            ..Self::default()
        }
    }

    /// Route to a deployment of `user_id`.
    pub fn deployment(deployment_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            deployment: Some(Deployment {
                id: deployment_id.into(),
                user_id: user_id.into(),
                ..Deployment::default()
            }),
            ..Self::default()
        }
    }
}

message! {
    /// `RunnerItem`: one unit of work for a runner (a predict request).
    pub struct RunnerItem {
        /// The item id (used to post the outputs back).
        pub id: String,
        /// A description.
        pub description: String,
        /// Processing information (JSON).
        pub processing_info: Option<serde_json::Value>,
        /// The prediction to run.
        pub post_model_outputs_request: Option<PostModelOutputsRequest>,
        /// A state sync request (JSON).
        pub sync_state_request: Option<serde_json::Value>,
        /// An auto-annotation request (JSON).
        pub auto_annotation_request: Option<serde_json::Value>,
        /// Metadata (JSON).
        pub metadata: Option<serde_json::Value>,
    }
}

identified!(RunnerItem => "runner item");

message! {
    /// `RunnerItemOutput`: the answer to a runner item.
    pub struct RunnerItemOutput {
        /// The prediction's outputs.
        pub multi_output_response: Option<MultiOutputResponse>,
    }
}

message! {
    /// `MultiRunnerItemResponse` (`ListRunnerItems`).
    pub struct MultiRunnerItemResponse {
        /// The call's status (`RUNNER_NEEDS_RETRY` 25604: poll again).
        pub status: Status,
        /// The work; each item must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub runner_items: Vec<RunnerItem>,
    }
}

message! {
    /// `SingleRunnerResponse` (`GetRunner`).
    pub struct SingleRunnerResponse {
        /// The call's status.
        pub status: Status,
        /// The runner; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub runner: Option<Runner>,
    }
}

message! {
    /// `MultiRunnerResponse` (`ListRunners`, `PostRunners`).
    pub struct MultiRunnerResponse {
        /// The call's status.
        pub status: Status,
        /// The runners; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub runners: Vec<Runner>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_items_carry_predict_requests() {
        let r: MultiRunnerItemResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"runner_items":[{"id":"item1","post_model_outputs_request":{"model_id":"m","inputs":[{"data":{"text":{"raw":"hi"}}}]}}]}"#,
        )
        .unwrap();
        let req = r.runner_items[0]
            .post_model_outputs_request
            .as_ref()
            .unwrap();
        assert_eq!(
            req.inputs[0]
                .data
                .as_ref()
                .unwrap()
                .text
                .as_ref()
                .unwrap()
                .raw,
            "hi"
        );
        assert!(
            serde_json::from_str::<MultiRunnerItemResponse>(r#"{"runner_items":[{}]}"#).is_err()
        );
        assert_eq!(
            serde_json::to_value(RunnerSelector::nodepool("np", "cc", "alice")).unwrap(),
            serde_json::json!({"nodepool":{"id":"np","compute_cluster":{"id":"cc","user_id":"alice"}}})
        );
    }
}
