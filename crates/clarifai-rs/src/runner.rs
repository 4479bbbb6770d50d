//! [`Runner`]: serving a model's predictions from your own code (the Python `Runner`, seed
//! era), over the unary REST routes.
//!
//! The loop polls `GET {NP}/runners/{r}/items` (`ListRunnerItems`, a long poll; the code
//! `RUNNER_NEEDS_RETRY` 25604 means "poll again"), runs the [`RunnerHandler`] on each input of
//! each item's `post_model_outputs_request`, and posts the outputs to
//! `POST {NP}/runners/{r}/items/{item}/outputs`.
//!
//! **What the server no longer serves.** The current SDK (clarifai ≥ 10.3) serves runners
//! through `ProcessRunnerItems`, a bidirectional gRPC stream (`POST /v2/runners/items/process`)
//! that JSON REST cannot carry, and clarifai-grpc 12.6.0 binds the item routes only under a
//! compute cluster and nodepool (hence the two ids of [`User::runner`](crate::User::runner)).
//! Whether the hosted API still hands out work through the unary `ListRunnerItems` is
//! unverified; this loop works against servers that do (and against the fake).

use std::future::Future;
use std::sync::Arc;

use crate::client::Clarifai;
use crate::error::{Error, Result, missing};
use crate::models::{
    self, Input, MultiOutputResponse, MultiRunnerItemResponse, Output, OutputInfo,
    SingleRunnerResponse, Status, StatusOnly,
};
use crate::requests::PostRunnerItemOutputsRequest;
use crate::requests::runners::{self as runner_requests, NodepoolRef};
use crate::status::StatusCode;

/// The most parallel polls (the SDK caps `num_parallel_polls` at 10).
pub const MAX_PARALLEL_POLLS: usize = 10;

/// Your model: one output per input (the Python `Runner.run_input`).
pub trait RunnerHandler: Send + Sync + 'static {
    /// Predicts one input; `output_info` carries the request's parameters
    /// (`output_info.params`), when the request had any.
    fn run_input(
        &self,
        input: Input,
        output_info: Option<OutputInfo>,
    ) -> impl Future<Output = Result<Output>> + Send;
}

/// A runner of a nodepool: cheap, `Clone`, `'static`.
#[derive(Debug, Clone)]
pub struct Runner {
    client: Clarifai,
    nodepool: NodepoolRef,
    runner_id: String,
}

impl Runner {
    pub(crate) fn new(client: &Clarifai, nodepool: NodepoolRef, runner_id: String) -> Self {
        Self {
            client: client.clone(),
            nodepool,
            runner_id,
        }
    }

    /// The runner id.
    pub fn id(&self) -> &str {
        &self.runner_id
    }

    /// `check_runner_exists`: `GET {NP}/runners/{r}`.
    pub async fn info(&self) -> Result<models::Runner> {
        let r: SingleRunnerResponse = self
            .client
            .run(
                "get_runner",
                runner_requests::get_in_nodepool(&self.nodepool, &self.runner_id),
            )
            .await?;
        r.runner.ok_or_else(|| missing("GetRunner", "runner"))
    }

    /// One poll: lists the waiting items, answers each; returns how many were served
    /// (`0` after `RUNNER_NEEDS_RETRY`).
    pub async fn poll_once<H: RunnerHandler>(&self, handler: &H) -> Result<usize> {
        let listed = self
            .client
            .run::<MultiRunnerItemResponse>(
                "list_runner_items",
                runner_requests::list_items(&self.nodepool, &self.runner_id),
            )
            .await;
        let items = match listed {
            Ok(r) => r.runner_items,
            Err(e) if e.code() == Some(StatusCode::RUNNER_NEEDS_RETRY) => return Ok(0),
            Err(e) => return Err(e),
        };
        let served = items.len();
        for item in items {
            let request = item.post_model_outputs_request.unwrap_or_default();
            let output_info = request
                .model
                .as_ref()
                .and_then(|m| m.model_version.as_ref())
                .and_then(|v| v.output_info.clone());
            let mut outputs = Vec::with_capacity(request.inputs.len());
            // A success leaves `status` out (as the official worker's outputs do).
            let mut status = Status::default();
            for input in request.inputs {
                match handler.run_input(input, output_info.clone()).await {
                    Ok(output) => outputs.push(output),
                    Err(e) => {
                        status = Status::new(StatusCode::FAILURE, e.to_string());
                        outputs.clear();
                        break;
                    }
                }
            }
            let response = MultiOutputResponse {
                status,
                outputs,
                ..MultiOutputResponse::default()
            };
            let _: StatusOnly = self
                .client
                .run(
                    "post_runner_item_outputs",
                    runner_requests::post_item_outputs(
                        &self.nodepool,
                        &self.runner_id,
                        &item.id,
                        &PostRunnerItemOutputsRequest::single(response),
                    ),
                )
                .await?;
        }
        Ok(served)
    }

    /// `Runner.start()`: `num_parallel_polls` (1–10) poll loops until one fails with an error
    /// that is not retryable (which is returned).
    pub async fn start<H: RunnerHandler>(
        &self,
        handler: Arc<H>,
        num_parallel_polls: usize,
    ) -> Result<()> {
        let n = num_parallel_polls.clamp(1, MAX_PARALLEL_POLLS);
        let loops = (0..n).map(|_| {
            let handler = Arc::clone(&handler);
            async move {
                loop {
                    match self.poll_once(&*handler).await {
                        Ok(_) => {}
                        Err(e) if e.is_retryable() => {}
                        Err(e) => return Err::<(), Error>(e),
                    }
                }
            }
        });
        let results = futures_util::future::join_all(loops).await;
        results.into_iter().find(Result::is_err).unwrap_or(Ok(()))
    }
}
