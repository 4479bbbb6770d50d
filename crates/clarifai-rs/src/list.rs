//! List calls (convention C7): `.page(n)`, `.per_page(n)`, `.send()` for one page,
//! `.stream()` over every page, stopping on the first empty page (the SDK's `Lister`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use vision_sdk_common::RetryPolicy;
use vision_sdk_common::page::Page;

use crate::client::{CallOptions, Clarifai};
use crate::error::Result;
use crate::requests::ApiRequest;
use crate::response::ListResponse;

/// The page size of [`List::stream`] when none is set (the server's default page, 128).
pub const STREAM_PER_PAGE: u32 = 128;

type MakeRequest = Arc<dyn Fn(Option<u32>, Option<u32>) -> Result<ApiRequest> + Send + Sync>;
type Keep<T> = Arc<dyn Fn(&T) -> bool + Send + Sync>;

/// A list call. `R` is the response type; the items are `R::Item` (`App`, `Input`, …).
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let first = client.user("me").list_apps().page(1).per_page(10).send().await?;
/// let every_app: Vec<_> = client.user("me").list_apps().stream().try_collect().await?;
/// # let _ = (first, every_app); Ok(()) }
/// ```
#[must_use = "a list call does nothing until `.send()`, `.stream()` or `.await`"]
pub struct List<R: ListResponse> {
    client: Clarifai,
    operation: &'static str,
    make: MakeRequest,
    keep: Option<Keep<R::Item>>,
    app: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    options: CallOptions,
    _response: PhantomData<fn() -> R>,
}

impl<R: ListResponse> Clone for List<R> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            operation: self.operation,
            make: Arc::clone(&self.make),
            keep: self.keep.clone(),
            app: self.app.clone(),
            page: self.page,
            per_page: self.per_page,
            options: self.options.clone(),
            _response: PhantomData,
        }
    }
}

impl<R: ListResponse> fmt::Debug for List<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List")
            .field("operation", &self.operation)
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish_non_exhaustive()
    }
}

impl<R: ListResponse> List<R> {
    pub(crate) fn new(
        client: &Clarifai,
        operation: &'static str,
        make: impl Fn(Option<u32>, Option<u32>) -> Result<ApiRequest> + Send + Sync + 'static,
    ) -> Self {
        Self {
            client: client.clone(),
            operation,
            make: Arc::new(make),
            keep: None,
            app: None,
            page: None,
            per_page: None,
            options: CallOptions::default(),
            _response: PhantomData,
        }
    }

    /// Keeps only the items `keep` accepts (client-side filters such as `only_in_app`).
    pub(crate) fn filter(
        mut self,
        keep: impl Fn(&R::Item) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.keep = Some(Arc::new(keep));
        self
    }

    /// The page to get (1-based; the Python `page_no`). Alone, it pages by 16 (the SDK's
    /// `Lister` default).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Items per page (≤ 1000; the Python `per_page`).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Same as [`per_page`](Self::per_page) (the family's name).
    pub fn page_size(self, size: u32) -> Self {
        self.per_page(size)
    }

    /// The timeout of each request of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    async fn fetch(
        &self,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<(Vec<R::Item>, usize)> {
        let request = (self.make)(page, per_page)?;
        let response: R = self
            .client
            .call(self.operation, request, &self.options)
            .await?;
        let mut items = response.into_items();
        let raw = items.len();
        if let Some(keep) = &self.keep {
            items.retain(|i| keep(i));
        }
        Ok((items, raw))
    }

    /// One page (the server's first page when no page was set).
    pub async fn send(self) -> Result<Page<R::Item>> {
        let (items, raw) = self.fetch(self.page, self.per_page).await?;
        Ok(Page {
            items,
            has_next: raw > 0,
            total: None,
        })
    }

    /// Every item from [`page`](Self::page) (default 1) on, page by page
    /// ([`per_page`](Self::per_page), default [`STREAM_PER_PAGE`]), until a page comes back
    /// empty. An error ends the stream.
    pub fn stream(self) -> impl Stream<Item = Result<R::Item>> + Send + 'static {
        let per_page = self.per_page.unwrap_or(STREAM_PER_PAGE);
        let first = self.page.unwrap_or(1);
        stream::try_unfold((Some(first), self), move |(next, this)| async move {
            let Some(n) = next else {
                return Ok::<_, crate::Error>(None);
            };
            let (items, raw) = this.fetch(Some(n), Some(per_page)).await?;
            let next = if raw == 0 { None } else { n.checked_add(1) };
            Ok(Some((
                stream::iter(items.into_iter().map(Ok)),
                (next, this),
            )))
        })
        .try_flatten()
    }
}

impl<R: ListResponse> List<R>
where
    R::Item: crate::app::InApp,
{
    /// Keeps only the app's own items by default (the Python `only_in_app=True`).
    pub(crate) fn in_app(mut self, app_id: String) -> Self {
        self.app = Some(app_id);
        self.only_in_app(true)
    }

    /// `only_in_app`: `true` (the default) keeps only items whose `app_id` is the app's;
    /// `false` keeps everything the server lists (public and shared models too).
    pub fn only_in_app(mut self, only: bool) -> Self {
        match (only, self.app.clone()) {
            (true, Some(app)) => {
                self.keep = Some(Arc::new(move |item: &R::Item| {
                    crate::app::InApp::app_id(item) == app
                }));
            }
            _ => self.keep = None,
        }
        self
    }
}

impl List<crate::models::MultiInputResponse> {
    /// Only inputs of this type (the Python `input_type`; filtered client-side).
    pub fn input_type(self, kind: crate::models::MediaKind) -> Self {
        self.filter(move |i: &crate::models::Input| {
            i.data.as_ref().and_then(|d| d.media_kind()) == Some(kind)
        })
    }
}

impl List<crate::models::MultiDatasetInputResponse> {
    /// Only inputs of this type (the Python `input_type`; filtered client-side).
    pub fn input_type(self, kind: crate::models::MediaKind) -> Self {
        self.filter(move |i: &crate::models::Input| {
            i.data.as_ref().and_then(|d| d.media_kind()) == Some(kind)
        })
    }
}

impl<R: ListResponse> IntoFuture for List<R> {
    type Output = Result<Page<R::Item>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
