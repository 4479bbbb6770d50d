//! How many images a client's calls hold in memory at once.
//!
//! An image counts from the moment its call starts loading it (reading the file, fetching the
//! URL) until its answer has been decoded: that is what the bound of `infer` —
//! `max_concurrent_requests × max_batch_size` images in memory — is about. Two relaxed-enough
//! atomic operations per image; read with `InferenceClient::unstable_images_in_memory`.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The current and the highest number of images held.
#[derive(Debug, Default)]
pub(crate) struct ImageGauge {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl ImageGauge {
    /// Counts `images` as held until the guard drops.
    pub(crate) fn hold(&self, images: usize) -> Held<'_> {
        let now = self.current.fetch_add(images, Ordering::SeqCst) + images;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Held {
            gauge: self,
            images,
        }
    }

    /// `(held now, most held at once so far)`.
    pub(crate) fn read(&self) -> (usize, usize) {
        (
            self.current.load(Ordering::SeqCst),
            self.peak.load(Ordering::SeqCst),
        )
    }
}

/// Images counted by [`ImageGauge::hold`]; released on drop.
#[derive(Debug)]
pub(crate) struct Held<'a> {
    gauge: &'a ImageGauge,
    images: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.gauge.current.fetch_sub(self.images, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_current_and_peak() {
        let gauge = ImageGauge::default();
        let a = gauge.hold(2);
        let b = gauge.hold(1);
        assert_eq!(gauge.read(), (3, 3));
        drop(a);
        assert_eq!(gauge.read(), (1, 3));
        drop(b);
        let c = gauge.hold(1);
        assert_eq!(gauge.read(), (1, 3));
        drop(c);
        assert_eq!(gauge.read(), (0, 3));
    }
}
