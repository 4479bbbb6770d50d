//! [`Tally`]: the figures every fault matrix reports (cases, panics, duplicate sends, key leaks,
//! timeouts not honoured, budget overruns) and the failures behind them.

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
