//! [`RecordedRequest`]: one request as a server saw it, the single shape every fake, validator and
//! golden comparator of the workspace reads.

use std::fmt;

use bytes::Bytes;

use super::multipart;

/// 64-bit FNV-1a of `data`: a fingerprint of uploaded content for assertions.
///
/// ```
/// assert_eq!(vision_sdk_common::testing::content_hash(b""), 0xcbf2_9ce4_8422_2325);
/// ```
pub fn content_hash(data: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// One HTTP request as received by a server (a fake, a wiremock mock, a golden log).
///
/// Built by the fakes for every request they receive, or by hand for validator and comparator
/// tests:
///
/// ```
/// use vision_sdk_common::testing::RecordedRequest;
///
/// let request = RecordedRequest::new("post", "/v1/things?page=2&name=a+b")
///     .with_header("X-Api-Key", "k")
///     .with_json(&serde_json::json!({"n": 1}));
/// assert_eq!(request.method, "POST");
/// assert_eq!(request.path, "/v1/things");
/// assert_eq!(request.query_value("name"), Some("a b"));
/// assert_eq!(request.header("x-api-key"), Some("k"));
/// assert_eq!(request.json().unwrap()["n"], 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Upper-case method.
    pub method: String,
    /// The raw (still percent-encoded) path, without the query.
    pub path: String,
    /// The raw query string as sent (without `?`), empty when there was none.
    pub raw_query: String,
    /// Decoded query pairs in wire order (`+` read as a space).
    pub query: Vec<(String, String)>,
    /// Headers in wire order; names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Bytes,
    /// The parts of a `multipart/form-data` body, in order (empty otherwise, or if malformed).
    pub parts: Vec<RecordedPart>,
    /// The status the server answered, when the recorder knows it (the fakes do).
    pub status: Option<u16>,
}

/// One part of a recorded `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedPart {
    /// The form field name.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, if any.
    pub file_name: Option<String>,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Its bytes.
    pub content: Bytes,
}

impl RecordedPart {
    /// A part (for building expected requests by hand; see [`RecordedRequest::with_multipart`]).
    pub fn new(
        name: &str,
        file_name: Option<&str>,
        content_type: Option<&str>,
        content: impl Into<Bytes>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            file_name: file_name.map(str::to_owned),
            content_type: content_type.map(str::to_owned),
            content: content.into(),
        }
    }

    /// The content as text, when it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }

    /// Size of the content in bytes.
    pub fn size(&self) -> u64 {
        self.content.len() as u64
    }

    /// [`content_hash`] of the content.
    pub fn hash(&self) -> u64 {
        content_hash(&self.content)
    }
}

impl RecordedRequest {
    /// A request from its method and target (a path with an optional raw `?query`), without
    /// headers or body; add them with the `with_*` methods.
    pub fn new(method: &str, target: &str) -> Self {
        let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            raw_query: raw_query.to_owned(),
            query: parse_query(raw_query),
            ..Self::default()
        }
    }

    /// A request from what a server received: method, target (path and raw query), headers
    /// (names in any case) and body. Multipart bodies are parsed into [`parts`](Self::parts).
    pub fn from_parts<N, V>(
        method: &str,
        target: &str,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<Bytes>,
    ) -> Self
    where
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let mut request = Self::new(method, target);
        request.headers = headers
            .into_iter()
            .map(|(n, v)| {
                (
                    n.as_ref().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_ref()).into_owned(),
                )
            })
            .collect();
        request.body = body.into();
        request.parse_parts();
        request
    }

    fn parse_parts(&mut self) {
        self.parts = match self.content_type() {
            Some(ct) if ct.to_ascii_lowercase().starts_with("multipart/") => {
                multipart::parse(ct, &self.body)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| RecordedPart {
                        name: p.name,
                        file_name: p.file_name,
                        content_type: p.content_type,
                        content: self.body.slice_ref(p.content),
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Sets a body with its `Content-Type` (multipart bodies are parsed into parts).
    #[must_use]
    pub fn with_body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.headers.retain(|(n, _)| n != "content-type");
        self.headers
            .push(("content-type".to_owned(), content_type.to_owned()));
        self.body = body.into();
        self.parse_parts();
        self
    }

    /// Sets a `multipart/form-data` body made of `parts` (with a fixed boundary).
    #[must_use]
    pub fn with_multipart(self, parts: Vec<RecordedPart>) -> Self {
        const BOUNDARY: &str = "recorded-request-boundary";
        let mut body = Vec::new();
        for part in &parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
            if let Some(file_name) = &part.file_name {
                disposition.push_str(&format!("; filename=\"{file_name}\""));
            }
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            if let Some(content_type) = &part.content_type {
                body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.with_body(&format!("multipart/form-data; boundary={BOUNDARY}"), body)
    }

    /// Sets a JSON body (`Content-Type: application/json`).
    #[must_use]
    pub fn with_json(self, body: &serde_json::Value) -> Self {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.with_body("application/json", bytes)
    }

    /// Sets the status the server answered.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, by case-insensitive name.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The `Content-Length` header, parsed (absent for chunked bodies).
    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length")?.trim().parse().ok()
    }

    /// The first value of a query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    ///
    /// When the body is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The fields of an `application/x-www-form-urlencoded` body, in order (empty for any
    /// other content type).
    pub fn form(&self) -> Vec<(String, String)> {
        let urlencoded = self
            .content_type()
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if urlencoded {
            parse_query(&String::from_utf8_lossy(&self.body))
        } else {
            Vec::new()
        }
    }

    /// The first part of a multipart body with that name.
    pub fn part(&self, name: &str) -> Option<&RecordedPart> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `"GET /path?query"`, for messages.
    pub fn line(&self) -> String {
        if self.raw_query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, self.raw_query)
        }
    }
}

impl fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

/// Splits a raw query (or urlencoded form) into decoded pairs; `+` is a space.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name, true), percent_decode(value, true))
        })
        .collect()
}

/// Percent-decodes `text`; malformed escapes are kept literally.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_and_parts() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nv\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xFF\xD8\r\n--B--\r\n";
        let r = RecordedRequest::from_parts(
            "post",
            "/up?a=1%202&b=x+y&c=%zz&d=%41",
            [("Content-Type", "multipart/form-data; boundary=B")],
            body.to_vec(),
        );
        assert_eq!(
            r.query,
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "%zz".into()),
                ("d".into(), "A".into())
            ]
        );
        assert_eq!(r.parts.len(), 2);
        assert_eq!(r.part("key").and_then(RecordedPart::text), Some("v"));
        let file = r.part("file").unwrap();
        assert_eq!(file.file_name.as_deref(), Some("f.jpg"));
        assert_eq!(file.size(), 2);
        assert_eq!(file.hash(), content_hash(b"\xFF\xD8"));
        assert_eq!(r.line(), "POST /up?a=1%202&b=x+y&c=%zz&d=%41");
        let rebuilt = RecordedRequest::new("POST", "/up").with_multipart(r.parts.clone());
        assert_eq!(rebuilt.parts, r.parts);
    }

    #[test]
    fn form_and_headers() {
        let r = RecordedRequest::new("GET", "/x")
            .with_header("X-A", "1")
            .with_header("x-a", "2")
            .with_body("application/x-www-form-urlencoded", "k=v+w&z=%2B");
        assert_eq!(r.header("X-a"), Some("1"));
        assert_eq!(r.header_values("X-A").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(
            r.form(),
            vec![("k".into(), "v w".into()), ("z".into(), "+".into())]
        );
        assert!(r.json().is_err());
        assert_eq!(percent_decode("%4", false), "%4");
        assert_eq!(percent_decode("a%2", false), "a%2");
    }
}
