//! [`Search`]: input and annotation searches by ranks and filters (the Python `Search`).
//!
//! **Default metric (seed vs code):** the seed docs give `metric='cosine'`, the SDK code
//! (`clarifai/client/search.py`) defaults to `euclidean`. Cosine is not allowed with the
//! default `nearest_neighbor` algorithm, so a cosine default would fail out of the box; this
//! crate follows the code: [`Metric::EuclideanDistance`].

use crate::client::{CallOptions, Clarifai};
use crate::error::{Error, Result};
use crate::models::{
    Filter, Hit, Metric, MultiSearchResponse, Pagination, Query as WireQuery, Rank, UserAppIdSet,
};
use crate::requests::MAX_PER_PAGE;
use crate::requests::search::{self as search_requests, NEAREST_NEIGHBOR};

/// The SDK's `top_k` default.
pub const DEFAULT_TOP_K: u32 = 10;

/// A search configuration over one app: cheap, `Clone`, `'static`.
///
/// ```no_run
/// use clarifai::models::{Filter, MediaKind, Rank};
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let hits = client
///     .app("my-app")
///     .search()
///     .top_k(20)
///     .query()
///     .rank(Rank::image_url("https://samples.clarifai.com/dog.jpg"))
///     .filter(Filter::input_type(MediaKind::Image))
///     .await?;
/// for hit in hits { println!("{} {:?}", hit.score, hit.input.map(|i| i.id)); }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Search {
    client: Clarifai,
    scope: UserAppIdSet,
    top_k: u32,
    metric: Metric,
    algorithm: String,
}

impl Clarifai {
    /// Searches over the default app.
    pub fn search(&self) -> Search {
        Search::new(self, self.default_scope())
    }
}

impl Search {
    pub(crate) fn new(client: &Clarifai, scope: UserAppIdSet) -> Self {
        Self {
            client: client.clone(),
            scope,
            top_k: DEFAULT_TOP_K,
            metric: Metric::EuclideanDistance,
            algorithm: NEAREST_NEIGHBOR.to_owned(),
        }
    }

    /// How many hits to collect (default 10), over pages of up to 1000.
    #[must_use]
    pub fn top_k(mut self, top_k: u32) -> Self {
        self.top_k = top_k;
        self
    }

    /// The distance (default euclidean; cosine needs `brute_force`).
    #[must_use]
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// `nearest_neighbor` (default) or `brute_force`.
    #[must_use]
    pub fn algorithm(mut self, algorithm: impl Into<String>) -> Self {
        self.algorithm = algorithm.into();
        self
    }

    /// `Search.query(ranks, filters, page_no, per_page)`.
    pub fn query(&self) -> SearchQuery {
        SearchQuery {
            search: self.clone(),
            ranks: Vec::new(),
            filters: Vec::new(),
            page: None,
            per_page: None,
            options: CallOptions::default(),
        }
    }
}

/// One search (see [`Search::query`]): an input search when any filter is on inputs, else an
/// annotation search (the SDK's routing).
#[derive(Debug, Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct SearchQuery {
    search: Search,
    ranks: Vec<Rank>,
    filters: Vec<Filter>,
    page: Option<u32>,
    per_page: Option<u32>,
    options: CallOptions,
}

impl SearchQuery {
    /// Adds a rank (similar to this image, text, concept …).
    pub fn rank(mut self, rank: Rank) -> Self {
        self.ranks.push(rank);
        self
    }

    /// Adds a filter (concepts, metadata, geo, input type, dataset, status …).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }

    /// One page only (the Python `page_no`); without it, `top_k` hits are collected.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// The page size of a single page (≤ 1000).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    call_options!();

    fn body(&self) -> crate::models::Search {
        crate::models::Search {
            query: Some(WireQuery {
                ranks: self.ranks.clone(),
                filters: self.filters.clone(),
                ..WireQuery::default()
            }),
            algorithm: self.search.algorithm.clone(),
            metric: self.search.metric,
            ..crate::models::Search::default()
        }
    }

    async fn fetch(&self, pagination: Pagination) -> Result<Vec<Hit>> {
        let body = self.body();
        search_requests::validate(&body, Some(&pagination))?;
        let request = search_requests::routed(&self.search.scope, body, Some(pagination))?;
        let r: MultiSearchResponse = self
            .search
            .client
            .call("search", request, &self.options)
            .await?;
        Ok(r.hits)
    }

    /// The hits: one page when a page was set, else the first `top_k`.
    pub async fn send(self) -> Result<Vec<Hit>> {
        if self.ranks.is_empty() && self.filters.is_empty() {
            return Err(Error::user("a search needs at least one rank or filter"));
        }
        if let Some(page) = self.page {
            let per_page = self.per_page.unwrap_or(crate::requests::DEFAULT_PER_PAGE);
            return self.fetch(Pagination::new(page, per_page)).await;
        }
        let top_k = self.search.top_k;
        let mut hits = Vec::new();
        let mut page = 1;
        // One page size for every page, so that page n holds hits (n-1)·size …; the SDK's
        // smaller last page would skip hits.
        let per_page = top_k.clamp(1, MAX_PER_PAGE);
        while (hits.len() as u64) < u64::from(top_k) {
            let got = self.fetch(Pagination::new(page, per_page)).await?;
            let n = got.len();
            hits.extend(got);
            if n < per_page as usize {
                break;
            }
            page += 1;
        }
        hits.truncate(top_k as usize);
        Ok(hits)
    }
}

into_future!(SearchQuery => Vec<Hit>);
