//! Bounded concurrency for batches: at most `limit` calls in flight, results in input order.
//!
//! Used for Roboflow's `max_concurrent_requests`, Clarifai's 128-input batches and uploads. Only
//! `limit` futures exist at a time, so a batch of 1,000 image paths never holds more than
//! `limit` images in memory (each future reads its image when it starts).
//!
//! ```
//! use vision_sdk_common::internal::batch::map_ordered;
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let out = map_ordered(vec![3u32, 1, 2], 2, |n| async move { n * 10 }).await;
//! assert_eq!(out, vec![30, 10, 20]);
//! # });
//! ```

use std::future::Future;

use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream;

/// Runs `f` over `items` with at most `limit` (≥ 1) futures in flight; results in input order.
pub async fn map_ordered<I, T, F, Fut>(items: I, limit: usize, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    ordered_stream(items, limit, f).collect().await
}

/// Like [`map_ordered`], as a stream (results yielded in input order as they complete).
pub fn ordered_stream<I, T, F, Fut>(items: I, limit: usize, f: F) -> impl Stream<Item = T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    stream::iter(items).map(f).buffered(limit.max(1))
}

/// Splits `items` into consecutive chunks of at most `size` (≥ 1) items.
pub fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut iter = items.into_iter().peekable();
    while iter.peek().is_some() {
        out.push(iter.by_ref().take(size).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn never_more_than_limit_in_flight_and_order_kept() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let out = map_ordered(0..50u32, 4, |n| {
            let in_flight = Arc::clone(&in_flight);
            let peak = Arc::clone(&peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                for _ in 0..(50 - n) % 7 {
                    tokio::task::yield_now().await;
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                n
            }
        })
        .await;
        assert_eq!(out, (0..50).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(peak.load(Ordering::SeqCst) >= 2);
    }

    #[test]
    fn chunks_split_evenly() {
        assert_eq!(
            chunks((1..=5).collect(), 2),
            vec![vec![1, 2], vec![3, 4], vec![5]]
        );
        assert!(chunks(Vec::<u8>::new(), 3).is_empty());
        assert_eq!(chunks(vec![1], 0), vec![vec![1]]);
    }
}
