//! [`Tally`]: the figures every fault matrix reports (cases, panics, duplicate sends, key leaks,
//! timeouts not honoured, budget overruns) and the failures behind them; [`Tally::run_all`],
//! which runs a matrix's cases, and [`Tally::run_product`], which makes them from faults × calls.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;

/// What a fault matrix counted. Cases add their counts; [`Tally::report`] prints the summary and
/// fails the test when any case failed.
#[derive(Debug, Default)]
pub struct Tally {
    /// Cases run.
    pub cases: usize,
    /// Panics that escaped the SDK.
    pub panics: usize,
    /// Non-idempotent calls sent more than once after they may have reached the server.
    pub duplicate_sends: usize,
    /// Cases where the key appeared in text or reached another origin.
    pub key_leaks: usize,
    /// Cases that ran longer than their timeout allows.
    pub timeouts_not_honoured: usize,
    /// Cases whose virtual time exceeded the retry budget.
    pub budget_overruns: usize,
    /// One line per failed assertion, naming the case.
    pub failures: Vec<String>,
}

impl Tally {
    /// Runs every `(name, case)`, at most `parallel` at a time, each in a task of its own, so a
    /// panic is counted and named (`<name>: panicked: …`) instead of ending the matrix. Returns
    /// the merged tally.
    pub async fn run_all<I, F>(cases: I, parallel: usize) -> Tally
    where
        I: IntoIterator<Item = (String, F)>,
        F: Future<Output = Tally> + Send + 'static,
    {
        futures_util::stream::iter(cases.into_iter().map(|(name, case)| async move {
            match tokio::spawn(case).await {
                Ok(tally) => tally,
                Err(panic) => Tally {
                    cases: 1,
                    panics: 1,
                    failures: vec![format!("{name}: panicked: {panic}")],
                    ..Tally::default()
                },
            }
        }))
        .buffer_unordered(parallel.max(1))
        .fold(Tally::default(), |mut total, tally| async move {
            total.merge(tally);
            total
        })
        .await
    }

    /// Runs one case per pair of `faults` × `items()` (a fresh list of items for each fault) as
    /// [`Tally::run_all`] does. `case` gets the pair and a number unique within the process (for
    /// per-case keys and markers, across every matrix of a test binary) and returns the case's
    /// name and future.
    pub async fn run_product<A, B, F>(
        faults: &[A],
        items: impl Fn() -> Vec<B>,
        parallel: usize,
        mut case: impl FnMut(A, B, usize) -> (String, F),
    ) -> Tally
    where
        A: Copy,
        F: Future<Output = Tally> + Send + 'static,
    {
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let mut cases = Vec::new();
        for &fault in faults {
            for item in items() {
                cases.push(case(fault, item, CASE.fetch_add(1, Ordering::Relaxed)));
            }
        }
        Self::run_all(cases, parallel).await
    }

    /// Adds another tally's counts and failures.
    pub fn merge(&mut self, other: Tally) {
        self.cases += other.cases;
        self.panics += other.panics;
        self.duplicate_sends += other.duplicate_sends;
        self.key_leaks += other.key_leaks;
        self.timeouts_not_honoured += other.timeouts_not_honoured;
        self.budget_overruns += other.budget_overruns;
        self.failures.extend(other.failures);
    }

    /// Checks the traces a matrix captured: a line holding `marker` (the key) is a key leak, and
    /// text without any `vision_sdk.request` span means nothing was captured (the leak check
    /// would then pass vacuously), which is a failure too.
    pub fn check_traces(&mut self, text: &str, marker: &str) {
        if let Some(at) = text.find(marker) {
            let from = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line = text[from..].lines().next().unwrap_or("");
            self.key_leaks += 1;
            self.failures.push(format!(
                "key in tracing output: {}",
                line.replace(marker, "<THE KEY>")
            ));
        }
        if !text.contains("vision_sdk.request") {
            self.failures.push("no trace output captured".into());
        }
    }

    /// Prints `<matrix> [<class>]: …` to stderr and panics with every failure when there is one.
    pub fn report(&self, matrix: &str, class: &str) {
        let summary = format!(
            "{matrix} [{class}]: {} cases, {} panics, {} duplicate non-idempotent sends, {} key leaks, {} timeouts not honoured, {} budget overruns, {} failures",
            self.cases,
            self.panics,
            self.duplicate_sends,
            self.key_leaks,
            self.timeouts_not_honoured,
            self.budget_overruns,
            self.failures.len()
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{summary}");
        }
        assert!(
            self.failures.is_empty(),
            "{summary}\n{}",
            self.failures.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[tokio::test]
    async fn run_all_merges_cases_and_counts_a_panic_by_name() {
        let cases = (0..5).map(|i| {
            let name = format!("case {i}");
            (name, async move {
                assert!(i != 3, "boom");
                Tally {
                    cases: 1,
                    key_leaks: usize::from(i == 1),
                    ..Tally::default()
                }
            })
        });
        let tally = Tally::run_all(cases, 2).await;
        assert_eq!(tally.cases, 5);
        assert_eq!(tally.panics, 1);
        assert_eq!(tally.key_leaks, 1);
        assert_eq!(tally.failures.len(), 1);
        assert!(
            tally.failures[0].starts_with("case 3: panicked"),
            "{:?}",
            tally.failures
        );
    }

    #[tokio::test]
    async fn run_product_runs_every_pair_with_distinct_numbers() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tally = Tally::run_product(
            &['a', 'b'],
            || vec![1, 2, 3],
            2,
            |fault, item, n| {
                let seen = seen.clone();
                (format!("{fault}{item}"), async move {
                    seen.lock().unwrap().push((fault, item, n));
                    Tally {
                        cases: 1,
                        ..Tally::default()
                    }
                })
            },
        )
        .await;
        assert_eq!(tally.cases, 6);
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        let pairs: Vec<(char, i32)> = seen.iter().map(|&(f, i, _)| (f, i)).collect();
        assert_eq!(
            pairs,
            [('a', 1), ('a', 2), ('a', 3), ('b', 1), ('b', 2), ('b', 3)]
        );
        let mut numbers: Vec<usize> = seen.iter().map(|&(_, _, n)| n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 6, "{seen:?}");
    }
}
