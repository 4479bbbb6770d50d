//! The Clarifai resources and responses, in their proto3 JSON form.
//!
//! One module per resource. Every type is `#[non_exhaustive]` with public fields and a
//! `Default`: build one with `default()` (or a constructor such as [`Concept::new`]) and set
//! fields. Decoding is lenient about what the server adds (unknown fields are ignored, missing
//! fields take their zero value) and strict about identity: a response whose input, model,
//! app, dataset, workflow, runner … lacks its `id` is a decode error. Encoding leaves zero
//! values out, as proto3 JSON does.
//!
//! ```
//! use clarifai::models::{MultiOutputResponse, Concept};
//!
//! let response: MultiOutputResponse = serde_json::from_str(r#"{
//!     "status": {"code": 10000, "description": "Ok"},
//!     "outputs": [{"id": "o1", "data": {"concepts": [{"id": "dog", "name": "dog", "value": 0.98}]}}]
//! }"#).unwrap();
//! assert!(response.status.code.is_success());
//! let dog = &response.outputs[0].data.as_ref().unwrap().concepts[0];
//! assert_eq!((dog.name.as_str(), dog.value), ("dog", Some(0.98)));
//!
//! // An unset value is not sent (the server reads a missing value as 1.0).
//! assert_eq!(serde_json::to_string(&Concept::new("cat")).unwrap(), r#"{"id":"cat"}"#);
//! ```

mod annotation;
mod app;
mod concept;
mod data;
mod dataset;
mod input;
mod job;
mod model;
mod output;
mod pagination;
mod region;
mod runner;
mod search;
mod status;
mod user;
mod visibility;
mod workflow;

pub use annotation::*;
pub use app::*;
pub use concept::*;
pub use data::*;
pub use dataset::*;
pub use input::*;
pub use job::*;
pub use model::*;
pub use output::*;
pub use pagination::*;
pub use region::*;
pub use runner::*;
pub use search::*;
pub use status::*;
pub use user::*;
pub use visibility::*;
pub use workflow::*;

pub use crate::proto_json::Struct;

/// The response of calls that return nothing but a status (deletes, some patches).
pub type BaseResponse = StatusOnly;

message! {
    /// A response body holding only `status` (`BaseResponse`).
    pub struct StatusOnly {
        /// The call's status.
        pub status: Status,
    }
}
