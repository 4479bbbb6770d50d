//! Comparing the requests a crate sends with golden requests (recorded from the official SDKs),
//! both as [`RecordedRequest`]s, with rules for what may differ.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use vision_sdk_common::testing::RecordedRequest;

/// How two requests are compared: method, path, query pairs (in order), the selected headers,
/// the response status (when both sides know it) and the body by its kind: JSON (parsed),
/// urlencoded (pairs in order), multipart (part names, order, file names, content types,
/// contents) or raw bytes. Volatile values are ignored by rule.
///
/// ```
/// use vision_sdk_common::testing::RecordedRequest;
/// use vision_sdk_testkit::Compare;
///
/// let golden = RecordedRequest::new("POST", "/v1/items?ts=1")
///     .with_header("X-Api-Key", "k")
///     .with_json(&serde_json::json!({"name": "a", "request_id": "r-1", "tags": [{"at": 1}]}));
/// let ours = RecordedRequest::new("POST", "/v1/items?ts=2")
///     .with_header("x-api-key", "k")
///     .with_json(&serde_json::json!({"name": "a", "request_id": "r-2", "tags": [{"at": 9}]}));
/// let compare = Compare::new()
///     .header("x-api-key")
///     .ignore_query_value("ts")
///     .ignore_json("/request_id")
///     .ignore_json("/tags/*/at");
/// compare.assert_same(&golden, &ours);
/// assert!(!Compare::new().diff(&golden, &ours).is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Compare {
    headers: Vec<String>,
    header_presence: BTreeSet<String>,
    query_presence: BTreeSet<String>,
    json_ignored: Vec<Vec<String>>,
    form_presence: BTreeSet<String>,
    part_presence: BTreeSet<String>,
    file_parts_by_size: bool,
    ignore_status: bool,
    ignore_body: bool,
}

impl Compare {
    /// Compares method, path, query, status and body; no headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also compares this header's value (case-insensitive name; absent on both sides is equal).
    #[must_use]
    pub fn header(mut self, name: &str) -> Self {
        self.headers.push(name.to_ascii_lowercase());
        self
    }

    /// Compares only whether this header is present, not its value (request ids, dates).
    #[must_use]
    pub fn header_presence(mut self, name: &str) -> Self {
        self.header_presence.insert(name.to_ascii_lowercase());
        self.header(name)
    }

    /// Compares only the presence and position of this query parameter, not its value.
    #[must_use]
    pub fn ignore_query_value(mut self, name: &str) -> Self {
        self.query_presence.insert(name.to_owned());
        self
    }

    /// Ignores the JSON body value at this pointer (`/a/b`; `*` matches any key or index). The
    /// member must still be present on both sides or absent on both.
    #[must_use]
    pub fn ignore_json(mut self, pointer: &str) -> Self {
        let segments = pointer
            .trim_start_matches('/')
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        self.json_ignored.push(segments);
        self
    }

    /// Ignores the value of this urlencoded form field (its presence and position still count).
    #[must_use]
    pub fn ignore_form_value(mut self, name: &str) -> Self {
        self.form_presence.insert(name.to_owned());
        self
    }

    /// Ignores the content of this multipart part (name, position, file name and type count).
    #[must_use]
    pub fn ignore_part_content(mut self, name: &str) -> Self {
        self.part_presence.insert(name.to_owned());
        self
    }

    /// Compares parts with a file name by size only (golden logs often keep sizes, not files).
    #[must_use]
    pub fn file_parts_by_size(mut self) -> Self {
        self.file_parts_by_size = true;
        self
    }

    /// Does not compare response statuses.
    #[must_use]
    pub fn ignore_status(mut self) -> Self {
        self.ignore_status = true;
        self
    }

    /// Does not compare bodies.
    #[must_use]
    pub fn ignore_body(mut self) -> Self {
        self.ignore_body = true;
        self
    }

    /// Every difference between `golden` and `ours`, human-readable (empty: the same).
    pub fn diff(&self, golden: &RecordedRequest, ours: &RecordedRequest) -> Vec<String> {
        let mut out = Vec::new();
        if !golden.method.eq_ignore_ascii_case(&ours.method) {
            out.push(format!(
                "method: golden {}, ours {}",
                golden.method, ours.method
            ));
        }
        if golden.path != ours.path {
            out.push(format!("path: golden {}, ours {}", golden.path, ours.path));
        }
        self.diff_query(golden, ours, &mut out);
        for name in &self.headers {
            let (g, o) = (golden.header(name), ours.header(name));
            let same = if self.header_presence.contains(name) {
                g.is_some() == o.is_some()
            } else {
                g == o
            };
            if !same {
                out.push(format!("header {name}: golden {g:?}, ours {o:?}"));
            }
        }
        if !self.ignore_status
            && let (Some(g), Some(o)) = (golden.status, ours.status)
            && g != o
        {
            out.push(format!("response status: golden {g}, ours {o}"));
        }
        if !self.ignore_body {
            self.diff_body(golden, ours, &mut out);
        }
        out
    }

    fn diff_query(&self, golden: &RecordedRequest, ours: &RecordedRequest, out: &mut Vec<String>) {
        let view = |r: &RecordedRequest| -> Vec<(String, Option<String>)> {
            r.query
                .iter()
                .map(|(k, v)| {
                    let value = (!self.query_presence.contains(k)).then(|| v.clone());
                    (k.clone(), value)
                })
                .collect()
        };
        let (g, o) = (view(golden), view(ours));
        if g != o {
            out.push(format!(
                "query: golden {:?}, ours {:?}",
                golden.query, ours.query
            ));
        }
    }

    fn diff_body(&self, golden: &RecordedRequest, ours: &RecordedRequest, out: &mut Vec<String>) {
        let kind = |r: &RecordedRequest| {
            let ct = r.content_type().unwrap_or_default().to_ascii_lowercase();
            if r.body.is_empty() {
                "empty"
            } else if ct.starts_with("multipart/") {
                "multipart"
            } else if ct.starts_with("application/x-www-form-urlencoded") {
                "urlencoded"
            } else if ct.starts_with("application/json") || ct.contains("+json") {
                "json"
            } else {
                "raw"
            }
        };
        let (gk, ok) = (kind(golden), kind(ours));
        if gk != ok {
            out.push(format!(
                "body kind: golden {gk} ({:?}), ours {ok} ({:?})",
                golden.content_type(),
                ours.content_type()
            ));
            return;
        }
        match gk {
            "json" => match (golden.json(), ours.json()) {
                (Ok(g), Ok(o)) => self.diff_json(&mut Vec::new(), &g, &o, out),
                (g, o) => out.push(format!(
                    "JSON body does not parse: golden {:?}, ours {:?}",
                    g.err().map(|e| e.to_string()),
                    o.err().map(|e| e.to_string())
                )),
            },
            "urlencoded" => {
                let view = |r: &RecordedRequest| -> Vec<(String, Option<String>)> {
                    r.form()
                        .into_iter()
                        .map(|(k, v)| {
                            let value = (!self.form_presence.contains(&k)).then_some(v);
                            (k, value)
                        })
                        .collect()
                };
                if view(golden) != view(ours) {
                    out.push(format!(
                        "form body: golden {:?}, ours {:?}",
                        golden.text(),
                        ours.text()
                    ));
                }
            }
            "multipart" => self.diff_parts(golden, ours, out),
            "raw" if golden.body != ours.body => out.push(format!(
                "raw body: golden {} bytes, ours {} bytes, different content",
                golden.body.len(),
                ours.body.len()
            )),
            _ => {}
        }
    }

    fn diff_parts(&self, golden: &RecordedRequest, ours: &RecordedRequest, out: &mut Vec<String>) {
        let names = |r: &RecordedRequest| -> Vec<String> {
            r.parts.iter().map(|p| p.name.clone()).collect()
        };
        if names(golden) != names(ours) {
            out.push(format!(
                "multipart parts: golden {:?}, ours {:?}",
                names(golden),
                names(ours)
            ));
            return;
        }
        for (g, o) in golden.parts.iter().zip(&ours.parts) {
            let at = format!("part {}", g.name);
            if g.file_name != o.file_name {
                out.push(format!(
                    "{at}: file name golden {:?}, ours {:?}",
                    g.file_name, o.file_name
                ));
            }
            if g.content_type != o.content_type {
                out.push(format!(
                    "{at}: content type golden {:?}, ours {:?}",
                    g.content_type, o.content_type
                ));
            }
            if self.part_presence.contains(&g.name) {
                continue;
            }
            if self.file_parts_by_size && g.file_name.is_some() {
                if g.size() != o.size() {
                    out.push(format!("{at}: size golden {}, ours {}", g.size(), o.size()));
                }
            } else if g.content != o.content {
                out.push(match (g.text(), o.text()) {
                    (Some(gt), Some(ot)) if gt.len() + ot.len() < 400 => {
                        format!("{at}: golden {gt:?}, ours {ot:?}")
                    }
                    _ => format!(
                        "{at}: contents differ (golden {} bytes, ours {} bytes)",
                        g.size(),
                        o.size()
                    ),
                });
            }
        }
    }

    fn ignored(&self, path: &[String]) -> bool {
        self.json_ignored.iter().any(|rule| {
            rule.len() == path.len() && rule.iter().zip(path).all(|(r, p)| r == "*" || r == p)
        })
    }

    fn diff_json(
        &self,
        path: &mut Vec<String>,
        golden: &Value,
        ours: &Value,
        out: &mut Vec<String>,
    ) {
        if self.ignored(path) {
            return;
        }
        let pointer = |path: &[String]| {
            if path.is_empty() {
                "body".to_owned()
            } else {
                format!("body/{}", path.join("/"))
            }
        };
        match (golden, ours) {
            (Value::Object(g), Value::Object(o)) => {
                let keys: BTreeSet<&String> = g.keys().chain(o.keys()).collect();
                for key in keys {
                    path.push(key.clone());
                    match (g.get(key), o.get(key)) {
                        (Some(gv), Some(ov)) => self.diff_json(path, gv, ov, out),
                        (gv, ov) => out.push(format!(
                            "{}: golden {}, ours {}",
                            pointer(path),
                            show(gv),
                            show(ov)
                        )),
                    }
                    path.pop();
                }
            }
            (Value::Array(g), Value::Array(o)) => {
                if g.len() != o.len() {
                    out.push(format!(
                        "{}: golden has {} items, ours {}",
                        pointer(path),
                        g.len(),
                        o.len()
                    ));
                }
                for (i, (gv, ov)) in g.iter().zip(o).enumerate() {
                    path.push(i.to_string());
                    self.diff_json(path, gv, ov, out);
                    path.pop();
                }
            }
            (Value::Number(g), Value::Number(o)) if g.as_f64() == o.as_f64() => {}
            (g, o) if g == o => {}
            (g, o) => out.push(format!("{}: golden {g}, ours {o}", pointer(path))),
        }
    }

    /// Asserts that `ours` is `golden`.
    ///
    /// # Panics
    ///
    /// With every difference.
    #[track_caller]
    pub fn assert_same(&self, golden: &RecordedRequest, ours: &RecordedRequest) {
        let differences = self.diff(golden, ours);
        assert!(
            differences.is_empty(),
            "{} differs from the golden {}:\n  {}",
            ours.line(),
            golden.line(),
            differences.join("\n  ")
        );
    }

    /// Asserts that `ours` is the golden sequence, request by request.
    ///
    /// # Panics
    ///
    /// With the differences of every request, or the two sequences when their lengths differ.
    #[track_caller]
    pub fn assert_same_sequence(&self, golden: &[RecordedRequest], ours: &[RecordedRequest]) {
        let lines = |rs: &[RecordedRequest]| -> String {
            rs.iter()
                .map(|r| format!("\n    {} -> {:?}", r.line(), r.status))
                .collect()
        };
        assert_eq!(
            golden.len(),
            ours.len(),
            "request count differs; golden:{}\n  ours:{}",
            lines(golden),
            lines(ours)
        );
        let mut report = String::new();
        for (i, (g, o)) in golden.iter().zip(ours).enumerate() {
            let differences = self.diff(g, o);
            if !differences.is_empty() {
                let _ = write!(
                    report,
                    "\nrequest {i} ({}):\n  {}",
                    o.line(),
                    differences.join("\n  ")
                );
            }
        }
        assert!(
            report.is_empty(),
            "requests differ from the golden ones:{report}"
        );
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(absent)".to_owned(), Value::to_string)
}

/// A [`RecordedRequest`] from a request a wiremock server received.
pub fn from_wiremock(request: &wiremock::Request) -> RecordedRequest {
    let target = match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
    };
    RecordedRequest::from_parts(
        request.method.as_str(),
        &target,
        request
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
        request.body.clone(),
    )
}
