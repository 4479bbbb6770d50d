//! URL building in one place: base URLs checked once, path segments percent-encoded, one query
//! encoder with an explicit encoding choice. Providers never `format!` a URL.
//!
//! ```
//! use vision_sdk_common::internal::url::{join, push_query, QueryEncoding};
//! let base = reqwest::Url::parse("https://api.example.com/v1/").unwrap();
//! let mut url = join(&base, &["detectors", "a b/c"]);
//! push_query(&mut url, QueryEncoding::Rfc3986, [("name", "door open"), ("x", "1+1")]);
//! assert_eq!(url.as_str(), "https://api.example.com/v1/detectors/a%20b%2Fc?name=door%20open&x=1%2B1");
//! let mut form = join(&base, &["q"]);
//! push_query(&mut form, QueryEncoding::Form, [("name", "door open")]);
//! assert_eq!(form.as_str(), "https://api.example.com/v1/q?name=door+open");
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;

use crate::auth::redact_url;

/// How query values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryEncoding {
    /// RFC 3986: only unreserved characters stay as they are; a space is `%20`.
    Rfc3986,
    /// `application/x-www-form-urlencoded` (WHATWG): a space is `+`.
    Form,
}

/// Characters left unescaped by [`QueryEncoding::Rfc3986`] and in path segments.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `base` + `segments`, each segment percent-encoded (a `/` inside a segment is escaped).
/// A trailing empty segment of `base` (from a trailing `/`) is dropped first.
pub fn join<S: AsRef<str>>(base: &Url, segments: &[S]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    let mut path: String = url.path().trim_end_matches('/').to_owned();
    for segment in segments {
        path.push('/');
        path.extend(utf8_percent_encode(segment.as_ref(), UNRESERVED));
    }
    if path.is_empty() {
        path.push('/');
    }
    url.set_path(&path);
    url
}

/// Appends `pairs` to the query of `url` with the chosen encoding (existing pairs are kept).
pub fn push_query<K: AsRef<str>, V: AsRef<str>>(
    url: &mut Url,
    encoding: QueryEncoding,
    pairs: impl IntoIterator<Item = (K, V)>,
) {
    match encoding {
        QueryEncoding::Form => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs {
                    query.append_pair(k.as_ref(), v.as_ref());
                }
            }
            if url.query() == Some("") {
                url.set_query(None);
            }
        }
        QueryEncoding::Rfc3986 => {
            let mut query = url.query().unwrap_or_default().to_owned();
            for (k, v) in pairs {
                if !query.is_empty() {
                    query.push('&');
                }
                query.extend(utf8_percent_encode(k.as_ref(), UNRESERVED));
                query.push('=');
                query.extend(utf8_percent_encode(v.as_ref(), UNRESERVED));
            }
            url.set_query((!query.is_empty()).then_some(query.as_str()));
        }
    }
}

/// Why a base URL was refused (the message shows the URL with credentials redacted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base URL '{shown}': {why}")]
pub struct BaseUrlError {
    /// The URL as given, credentials redacted.
    pub shown: String,
    /// What is wrong.
    pub why: String,
}

/// Parses and checks a base URL: `http`/`https`, a host, no query, no fragment, no userinfo.
/// The path is kept; a trailing `/` is added so that [`join`] appends below it.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let trimmed = text.trim();
    let shown = || match Url::parse(trimmed) {
        Ok(url) => redact_url(&url),
        Err(_) => redact_unparsable(trimmed),
    };
    let bad = |why: &str| BaseUrlError {
        shown: shown(),
        why: why.to_owned(),
    };
    let mut url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("there is no host"));
    }
    if url.query().is_some() {
        return Err(bad("it must not have a query string"));
    }
    if url.fragment().is_some() {
        return Err(bad("it must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the URL are not supported"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// An unparsable URL for an error message: everything after a `?` or `#` and any userinfo
/// dropped, so a key typed into it is not shown.
pub fn redact_unparsable(text: &str) -> String {
    let cut = text.find(['?', '#']).unwrap_or(text.len());
    let head = &text[..cut];
    let shown = match (head.find("://"), head.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://{}", &head[..scheme_end], &head[at + 1..])
        }
        _ => head.to_owned(),
    };
    if cut < text.len() {
        format!("{shown}?[redacted]")
    } else {
        shown
    }
}

/// `true` when `a` and `b` have the same scheme, host and port (the origin, RFC 6454).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_encodes_segments_and_keeps_base_path() {
        let base = Url::parse("http://h:1/device-api").unwrap();
        assert_eq!(
            join(&base, &["v1", "detectors", "det_1"]).as_str(),
            "http://h:1/device-api/v1/detectors/det_1"
        );
        let root = Url::parse("http://h:1/").unwrap();
        assert_eq!(join(&root, &["a?b#c"]).as_str(), "http://h:1/a%3Fb%23c");
        assert_eq!(join::<&str>(&root, &[]).as_str(), "http://h:1/");
    }

    #[test]
    fn rfc3986_and_form_differ_only_where_they_should() {
        let mut a = Url::parse("http://h/x?keep=1").unwrap();
        push_query(&mut a, QueryEncoding::Rfc3986, [("q", "a b=c&d~")]);
        assert_eq!(a.query(), Some("keep=1&q=a%20b%3Dc%26d~"));
        let mut b = Url::parse("http://h/x").unwrap();
        push_query(&mut b, QueryEncoding::Form, [("q", "a b")]);
        assert_eq!(b.query(), Some("q=a+b"));
        let mut none = Url::parse("http://h/x").unwrap();
        push_query(&mut none, QueryEncoding::Form, Vec::<(&str, &str)>::new());
        assert_eq!(none.query(), None);
    }

    #[test]
    fn base_urls_are_checked_and_never_echo_credentials() {
        assert_eq!(
            parse_base_url(" https://api.x.com/v2 ").unwrap().as_str(),
            "https://api.x.com/v2/"
        );
        let err = parse_base_url("https://u:sk-secret@api.x.com/").unwrap_err();
        assert!(!err.to_string().contains("sk-secret"), "{err}");
        let err = parse_base_url("https://api.x.com/?api_key=sk-secret").unwrap_err();
        assert!(!err.to_string().contains("sk-secret"), "{err}");
        let err = parse_base_url("not a url?api_key=sk-secret").unwrap_err();
        assert!(!err.to_string().contains("sk-secret"), "{err}");
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("https://x/#f").is_err());
    }

    #[test]
    fn origins() {
        let a = Url::parse("https://a.com/x").unwrap();
        assert!(same_origin(&a, &Url::parse("https://a.com:443/y").unwrap()));
        assert!(!same_origin(&a, &Url::parse("http://a.com/x").unwrap()));
        assert!(!same_origin(&a, &Url::parse("https://b.com/x").unwrap()));
        assert!(!same_origin(
            &a,
            &Url::parse("https://a.com:8443/x").unwrap()
        ));
    }
}
