//! Request construction, as pure functions: route, path, query string and JSON body of every
//! REST call of the SDK surface, with nothing sent.
//!
//! [`ApiRequest`] is the finished request (the client executes it); the functions of the
//! submodules build one per SDK call (`apps::create`, `models::predict`, …), the typed bodies
//! live in [`bodies`]. Bad input (an empty id, too many inputs) is an [`Error::InvalidInput`] here,
//! before anything is sent.
//!
//! ```
//! use clarifai::models::{Data, Image, Input, UserAppIdSet};
//! use clarifai::requests::models::{self, ModelRef, PredictOptions};
//!
//! let model = ModelRef::new(UserAppIdSet::new("clarifai", "main"), "general-image-recognition");
//! let inputs = [Input::from_data(Data::image(Image::from_url("https://samples.clarifai.com/dog.jpg")))];
//! let request = models::predict(&model, &inputs, &PredictOptions::default()).unwrap();
//! assert_eq!(request.method(), http::Method::POST);
//! assert_eq!(request.path(), "/v2/users/clarifai/apps/main/models/general-image-recognition/outputs");
//! assert_eq!(
//!     std::str::from_utf8(request.body().unwrap()).unwrap(),
//!     r#"{"inputs":[{"data":{"image":{"url":"https://samples.clarifai.com/dog.jpg"}}}]}"#
//! );
//! ```

pub mod apps;
pub mod bodies;
pub mod datasets;
pub mod inputs;
mod inputs_json;
pub mod models;
pub mod runners;
pub mod search;
pub mod workflows;

pub use bodies::*;

use std::fmt::Write as _;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::models::UserAppIdSet;
use crate::routes::{Body, Route};

/// The Python SDK's page size when a page is asked for without a size (`Lister(page_size=16)`).
pub const DEFAULT_PER_PAGE: u32 = 16;

/// The largest page the server serves.
pub const MAX_PER_PAGE: u32 = 1000;

/// A request ready to send: route, path, query string and body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    route: Route,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Bytes>,
}

impl ApiRequest {
    /// A request of `route` with these path values (see [`Route::path`]).
    pub fn new(route: Route, params: &[(&str, &str)]) -> Result<Self> {
        Ok(Self {
            route,
            path: route.path(params)?,
            query: Vec::new(),
            body: None,
        })
    }

    /// A request of `route` under the app `scope` (`user_id`, `app_id`) plus `params`.
    pub fn in_app(route: Route, scope: &UserAppIdSet, params: &[(&str, &str)]) -> Result<Self> {
        let mut all = Vec::with_capacity(params.len() + 2);
        all.push(("user_id", scope.user_id.as_str()));
        all.push(("app_id", scope.app_id.as_str()));
        all.extend_from_slice(params);
        Self::new(route, &all)
    }

    /// Sets the JSON body. Only for routes whose message travels as the body.
    pub fn with_json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        self.check_json_body()?;
        let bytes = serde_json::to_vec(body).map_err(|e| self.encode_error(&e))?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets a JSON body whose first member is `inputs` (written by [`inputs_json`], straight
    /// from the borrowed inputs), followed by the other fields of `rest`.
    pub(crate) fn with_inputs_json<T: Serialize>(
        mut self,
        inputs: &[crate::models::Input],
        rest: &T,
    ) -> Result<Self> {
        self.check_json_body()?;
        let bytes =
            inputs_json::body_with_inputs(inputs, rest).map_err(|e| self.encode_error(&e))?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    fn check_json_body(&self) -> Result<()> {
        if self.route.body() == Body::Json {
            Ok(())
        } else {
            Err(Error::user(format!(
                "{} takes no body (its fields go in the query string)",
                self.route.rpc()
            )))
        }
    }

    fn encode_error(&self, e: &serde_json::Error) -> Error {
        Error::user(format!(
            "{}: the body cannot be encoded: {e}",
            self.route.rpc()
        ))
    }

    /// Adds a query parameter (repeat the key for repeated fields).
    #[must_use]
    pub fn with_query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    /// Adds one `key=value` per value (repeated fields: `ids=a&ids=b`).
    #[must_use]
    pub fn with_query_all<I, S>(mut self, key: &'static str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query
            .extend(values.into_iter().map(|value| (key, value.into())));
        self
    }

    /// Adds `page`/`per_page` as the Python SDK's `Lister` does: nothing when neither is given
    /// (the server's defaults), [`DEFAULT_PER_PAGE`] when only `page` is.
    #[must_use]
    pub fn with_page(self, page: Option<u32>, per_page: Option<u32>) -> Self {
        let per_page = match (page, per_page) {
            (Some(_), None) => Some(DEFAULT_PER_PAGE),
            (_, per_page) => per_page,
        };
        let mut this = self;
        if let Some(page) = page {
            this = this.with_query("page", page.to_string());
        }
        if let Some(per_page) = per_page {
            this = this.with_query("per_page", per_page.to_string());
        }
        this
    }

    /// The route.
    pub fn route(&self) -> Route {
        self.route
    }

    /// The RPC name.
    pub fn rpc(&self) -> &'static str {
        self.route.rpc()
    }

    /// The HTTP method.
    pub fn method(&self) -> http::Method {
        self.route.method()
    }

    /// The path (`/v2/…`), percent-encoded.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in order.
    pub fn query(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// The JSON body, if any.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// Path and encoded query string (`/v2/users/me/apps?page=1&per_page=16`).
    pub fn path_and_query(&self) -> String {
        let mut out = self.path.clone();
        for (i, (key, value)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            let _ = write!(
                out,
                "{}={}",
                utf8_percent_encode(key, QUERY),
                utf8_percent_encode(value, QUERY)
            );
        }
        out
    }
}

/// Query components: everything but the unreserved characters is encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Fails unless `value` is non-empty.
pub(crate) fn require(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        Err(Error::user(format!("{what} is empty")))
    } else {
        Ok(())
    }
}

/// Fails when `items` is empty or holds more than `max`.
pub(crate) fn check_batch<T>(what: &str, items: &[T], max: usize) -> Result<()> {
    if items.is_empty() {
        return Err(Error::user(format!("no {what} given")));
    }
    if items.len() > max {
        return Err(Error::user(format!(
            "{} {what} given; at most {max} are allowed per request",
            items.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod golden;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_follow_the_lister() {
        let scope = UserAppIdSet::new("alice", "a");
        let r = ApiRequest::in_app(Route::LIST_CONCEPTS, &scope, &[]).unwrap();
        assert_eq!(
            r.clone().with_page(None, None).path_and_query(),
            "/v2/users/alice/apps/a/concepts"
        );
        assert_eq!(
            r.clone().with_page(Some(3), None).path_and_query(),
            "/v2/users/alice/apps/a/concepts?page=3&per_page=16"
        );
        assert_eq!(
            r.with_page(None, Some(50)).path_and_query(),
            "/v2/users/alice/apps/a/concepts?per_page=50"
        );
    }

    #[test]
    fn query_values_are_encoded_and_bodies_only_where_the_binding_has_one() {
        let scope = UserAppIdSet::new("alice", "a");
        let r = ApiRequest::in_app(Route::LIST_INPUTS, &scope, &[])
            .unwrap()
            .with_query_all("ids", ["a b", "c&d"]);
        assert_eq!(
            r.path_and_query(),
            "/v2/users/alice/apps/a/inputs?ids=a%20b&ids=c%26d"
        );
        let err = r.with_json(&serde_json::json!({})).unwrap_err();
        assert!(
            err.to_string().contains("ListInputs takes no body"),
            "{err}"
        );
        assert!(matches!(
            ApiRequest::in_app(Route::GET_APP, &UserAppIdSet::new("", "a"), &[]),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn batch_limits() {
        assert!(check_batch("inputs", &[1; 128], 128).is_ok());
        let err = check_batch("inputs", &[1; 129], 128).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: 129 inputs given; at most 128 are allowed per request"
        );
        assert!(check_batch::<u8>("inputs", &[], 128).is_err());
        assert!(require("model id", "").is_err() && require("model id", "m").is_ok());
    }
}
