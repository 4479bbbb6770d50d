//! Page-number pagination as a `futures::Stream` of pages or of items.
//!
//! The provider supplies `fetch(page_number) -> Page<T>`; the stream asks for page 1, 2, … until
//! a page says there is no next one (or comes back empty). An error is yielded once and ends
//! the stream.

use std::future::Future;

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Whether the server says another page follows.
    pub has_next: bool,
    /// The total count, when the server reports it.
    pub total: Option<u64>,
}

/// Streams pages `first_page`, `first_page + 1`, … from `fetch`.
///
/// ```
/// use futures_util::TryStreamExt;
/// use vision_sdk_common::page::{pages, Page};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let all: Vec<Page<u32>> = pages(1, |n| async move {
///     Ok::<_, std::convert::Infallible>(Page { items: vec![n], has_next: n < 3, total: Some(3) })
/// }).try_collect().await.unwrap();
/// assert_eq!(all.len(), 3);
/// # });
/// ```
pub fn pages<T, E, F, Fut>(first_page: u32, fetch: F) -> impl Stream<Item = Result<Page<T>, E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    stream::unfold((Some(first_page), fetch), |(next, mut fetch)| async move {
        let page_number = next?;
        match fetch(page_number).await {
            Ok(page) => {
                let next = (page.has_next && !page.items.is_empty())
                    .then(|| page_number.checked_add(1))
                    .flatten();
                Some((Ok(page), (next, fetch)))
            }
            Err(error) => Some((Err(error), (None, fetch))),
        }
    })
}

/// Streams every item of every page (see [`pages`]).
pub fn items<T, E, F, Fut>(first_page: u32, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    pages(first_page, fetch)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn walks_all_pages_in_order() {
        let items: Vec<u32> = items(1, |n| async move {
            Ok::<_, ()>(Page {
                items: vec![n * 10, n * 10 + 1],
                has_next: n < 3,
                total: Some(6),
            })
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, vec![10, 11, 20, 21, 30, 31]);
    }

    #[tokio::test]
    async fn error_ends_the_stream() {
        let results: Vec<Result<Page<u32>, String>> = pages(1, |n| async move {
            if n == 2 {
                Err(format!("page {n} failed"))
            } else {
                Ok(Page {
                    items: vec![n],
                    has_next: true,
                    total: None,
                })
            }
        })
        .collect()
        .await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[tokio::test]
    async fn empty_page_stops_even_if_server_claims_more() {
        let mut calls = 0;
        let pages: Vec<Page<u32>> = pages(5, |_| {
            calls += 1;
            async {
                Ok::<_, ()>(Page {
                    items: vec![],
                    has_next: true,
                    total: None,
                })
            }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(calls, 1);
    }
}
