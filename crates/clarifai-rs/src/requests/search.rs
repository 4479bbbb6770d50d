//! Searches: inputs and annotations by ranks and filters.

use super::{ApiRequest, MAX_PER_PAGE, SearchRequest};
use crate::error::{Error, Result};
use crate::models::{Metric, Pagination, Search, UserAppIdSet};
use crate::routes::Route;

/// `nearest_neighbor`: approximate search (the SDK's default algorithm).
pub const NEAREST_NEIGHBOR: &str = "nearest_neighbor";
/// `brute_force`: exact search.
pub const BRUTE_FORCE: &str = "brute_force";

/// Checks the SDK's rules: the algorithm is `nearest_neighbor` or `brute_force`, cosine
/// distance is not used with `nearest_neighbor`, and a page holds at most 1000 hits.
pub fn validate(search: &Search, pagination: Option<&Pagination>) -> Result<()> {
    match search.algorithm.as_str() {
        "" | NEAREST_NEIGHBOR | BRUTE_FORCE => {}
        other => {
            return Err(Error::user(format!(
                "search algorithm `{other}` is not one of `nearest_neighbor`, `brute_force`"
            )));
        }
    }
    if search.metric == Metric::CosineDistance
        && matches!(search.algorithm.as_str(), "" | NEAREST_NEIGHBOR)
    {
        return Err(Error::user(
            "the cosine metric cannot be used with the nearest_neighbor algorithm; use brute_force",
        ));
    }
    if let Some(p) = pagination.filter(|p| p.per_page > MAX_PER_PAGE) {
        return Err(Error::user(format!(
            "per_page {} is over the maximum of {MAX_PER_PAGE}",
            p.per_page
        )));
    }
    Ok(())
}

/// `Search.query(…)` when a filter is on inputs: `POST {UA}/inputs/searches`.
pub fn inputs(
    scope: &UserAppIdSet,
    search: Search,
    pagination: Option<Pagination>,
) -> Result<ApiRequest> {
    request(Route::POST_INPUTS_SEARCHES, scope, search, pagination)
}

/// `Search.query(…)` otherwise: `POST {UA}/annotations/searches`.
pub fn annotations(
    scope: &UserAppIdSet,
    search: Search,
    pagination: Option<Pagination>,
) -> Result<ApiRequest> {
    request(Route::POST_ANNOTATIONS_SEARCHES, scope, search, pagination)
}

/// The SDK's routing: an input search when any filter is on inputs, else an annotation search.
pub fn routed(
    scope: &UserAppIdSet,
    search: Search,
    pagination: Option<Pagination>,
) -> Result<ApiRequest> {
    let on_inputs = search
        .query
        .as_ref()
        .is_some_and(|q| q.filters.iter().any(|f| f.input.is_some()));
    if on_inputs {
        inputs(scope, search, pagination)
    } else {
        annotations(scope, search, pagination)
    }
}

fn request(
    route: Route,
    scope: &UserAppIdSet,
    search: Search,
    pagination: Option<Pagination>,
) -> Result<ApiRequest> {
    validate(&search, pagination.as_ref())?;
    ApiRequest::in_app(route, scope, &[])?.with_json(&SearchRequest {
        searches: vec![search],
        pagination,
        ..SearchRequest::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Concept, Filter, MediaKind, Query, Rank};

    fn search(filters: Vec<Filter>) -> Search {
        Search {
            query: Some(Query {
                ranks: vec![Rank::text("a dog")],
                filters,
                ..Query::default()
            }),
            algorithm: NEAREST_NEIGHBOR.into(),
            metric: Metric::EuclideanDistance,
            ..Search::default()
        }
    }

    #[test]
    fn routes_like_the_sdk() {
        let scope = UserAppIdSet::new("alice", "a");
        let r = routed(
            &scope,
            search(vec![Filter::input_type(MediaKind::Image)]),
            None,
        )
        .unwrap();
        assert_eq!(r.path(), "/v2/users/alice/apps/a/inputs/searches");
        let r = routed(
            &scope,
            search(vec![Filter::concepts([Concept::new("dog")])]),
            None,
        )
        .unwrap();
        assert_eq!(r.path(), "/v2/users/alice/apps/a/annotations/searches");
    }

    #[test]
    fn metric_and_algorithm_rules() {
        let mut s = search(vec![]);
        s.metric = Metric::CosineDistance;
        assert!(validate(&s, None).is_err());
        s.algorithm = BRUTE_FORCE.into();
        assert!(validate(&s, None).is_ok());
        s.algorithm = "magic".into();
        assert!(validate(&s, None).is_err());
        assert!(validate(&search(vec![]), Some(&Pagination::new(1, 1001))).is_err());
    }
}
