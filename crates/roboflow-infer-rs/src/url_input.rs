//! Images given as URLs that the client fetches itself (then sends as base64, as the official
//! client does), and the rules that keep such a fetch from reaching where it should not.
//!
//! The official client reads these rules from environment variables (`ALLOW_URL_INPUT`,
//! `ALLOW_NON_HTTPS_URL_INPUT`, `ALLOW_URL_INPUT_WITHOUT_FQDN`,
//! `ALLOW_URL_TO_NON_GLOBAL_ADDRESSES`, `MAX_IMAGE_URL_REDIRECTS`,
//! `WHITELISTED_DESTINATIONS_FOR_URL_INPUT`, `BLACKLISTED_DESTINATIONS_FOR_URL_INPUT`); so does
//! [`UrlInputPolicy::from_env`]. Each rule is also a setter. The defaults are stricter than
//! upstream's (which fetches any `http` URL, loopback included): **https only, global
//! addresses only, at most 5 redirects, each hop checked again**. A URL the server should fetch
//! itself is [`Image::server_url`](crate::Image::server_url) instead.
//!
//! ```
//! use roboflow_infer::UrlInputPolicy;
//!
//! // A test server on loopback: allow plain http and non-global addresses.
//! let policy = UrlInputPolicy::default()
//!     .allow_non_https(true)
//!     .allow_non_global_addresses(true);
//! assert!(policy.check_url(&"http://127.0.0.1:8080/dog.jpg".parse().unwrap()).is_ok());
//! assert!(UrlInputPolicy::default().check_url(&"http://example.com/a.jpg".parse().unwrap()).is_err());
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vision_sdk_common::bytes::Bytes;
use vision_sdk_common::http::StatusCode;
use vision_sdk_common::internal::execute::{Idempotency, RequestSpec};
use vision_sdk_common::reqwest::{Method, Url};

use crate::client::{CallOptions, InferenceClient};
use crate::error::{Error, Result, from_http};

/// The rules for image URLs the client fetches. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UrlInputPolicy {
    /// Whether URLs are accepted at all (`ALLOW_URL_INPUT`, default `true`).
    pub allow_url_input: bool,
    /// Whether `http://` URLs are fetched (`ALLOW_NON_HTTPS_URL_INPUT`, default `false`).
    pub allow_non_https: bool,
    /// Whether hosts without a dot (`http://nas/…`) are fetched (`ALLOW_URL_INPUT_WITHOUT_FQDN`,
    /// default `false`; IP literals are judged by address).
    pub allow_without_fqdn: bool,
    /// Whether loopback, private, link-local and other non-global addresses are fetched
    /// (`ALLOW_URL_TO_NON_GLOBAL_ADDRESSES`, default `false`).
    pub allow_non_global_addresses: bool,
    /// The most redirects followed, each checked again (`MAX_IMAGE_URL_REDIRECTS`, default 5).
    pub max_redirects: u32,
    /// Only these hosts, when not empty (`WHITELISTED_DESTINATIONS_FOR_URL_INPUT`, comma-separated).
    pub allowed_hosts: Vec<String>,
    /// Never these hosts (`BLACKLISTED_DESTINATIONS_FOR_URL_INPUT`, comma-separated).
    pub blocked_hosts: Vec<String>,
}

impl Default for UrlInputPolicy {
    fn default() -> Self {
        Self {
            allow_url_input: true,
            allow_non_https: false,
            allow_without_fqdn: false,
            allow_non_global_addresses: false,
            max_redirects: 5,
            allowed_hosts: Vec::new(),
            blocked_hosts: Vec::new(),
        }
    }
}

impl UrlInputPolicy {
    /// The defaults, adjusted by the official variables read through `lookup`.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut policy = Self::default();
        let flag = |name: &str, default: bool| {
            lookup(name).map_or(default, |v| crate::client::env_bool(&v))
        };
        policy.allow_url_input = flag("ALLOW_URL_INPUT", policy.allow_url_input);
        policy.allow_non_https = flag("ALLOW_NON_HTTPS_URL_INPUT", policy.allow_non_https);
        policy.allow_without_fqdn = flag("ALLOW_URL_INPUT_WITHOUT_FQDN", policy.allow_without_fqdn);
        policy.allow_non_global_addresses = flag(
            "ALLOW_URL_TO_NON_GLOBAL_ADDRESSES",
            policy.allow_non_global_addresses,
        );
        if let Some(n) = lookup("MAX_IMAGE_URL_REDIRECTS").and_then(|v| v.trim().parse().ok()) {
            policy.max_redirects = n;
        }
        let list = |name: &str| -> Vec<String> {
            lookup(name)
                .map(|v| {
                    v.split(',')
                        .map(|h| h.trim().to_ascii_lowercase())
                        .filter(|h| !h.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        policy.allowed_hosts = list("WHITELISTED_DESTINATIONS_FOR_URL_INPUT");
        policy.blocked_hosts = list("BLACKLISTED_DESTINATIONS_FOR_URL_INPUT");
        policy
    }

    /// Accept URLs at all.
    #[must_use]
    pub fn allow_url_input(mut self, allow: bool) -> Self {
        self.allow_url_input = allow;
        self
    }
    /// Fetch `http://` URLs.
    #[must_use]
    pub fn allow_non_https(mut self, allow: bool) -> Self {
        self.allow_non_https = allow;
        self
    }
    /// Fetch hosts without a dot.
    #[must_use]
    pub fn allow_without_fqdn(mut self, allow: bool) -> Self {
        self.allow_without_fqdn = allow;
        self
    }
    /// Fetch non-global addresses (loopback, private networks, link-local, …).
    #[must_use]
    pub fn allow_non_global_addresses(mut self, allow: bool) -> Self {
        self.allow_non_global_addresses = allow;
        self
    }
    /// The most redirects followed.
    #[must_use]
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.max_redirects = max;
        self
    }
    /// Only these hosts (empty: any).
    #[must_use]
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.allowed_hosts = hosts
            .into_iter()
            .map(|h| h.into().to_ascii_lowercase())
            .collect();
        self
    }
    /// Never these hosts.
    #[must_use]
    pub fn blocked_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.blocked_hosts = hosts
            .into_iter()
            .map(|h| h.into().to_ascii_lowercase())
            .collect();
        self
    }

    /// Checks a URL against every rule that needs no DNS lookup (scheme, host lists, FQDN,
    /// IP-literal addresses).
    pub fn check_url(&self, url: &Url) -> Result<()> {
        let refuse = |why: String| Err(Error::UrlInputNotAllowed(why));
        if !self.allow_url_input {
            return refuse("URL input is disabled (ALLOW_URL_INPUT)".into());
        }
        match url.scheme() {
            "https" => {}
            "http" if self.allow_non_https => {}
            "http" => {
                return refuse(format!(
                    "{} is not https (allow it with UrlInputPolicy::allow_non_https)",
                    shown(url)
                ));
            }
            other => return refuse(format!("the scheme `{other}` is not http(s)")),
        }
        let Some(host) = url.host_str() else {
            return refuse("the URL has no host".into());
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if self.blocked_hosts.contains(&host) {
            return refuse(format!("the host {host} is blocked"));
        }
        if !self.allowed_hosts.is_empty() && !self.allowed_hosts.contains(&host) {
            return refuse(format!("the host {host} is not in the allowed hosts"));
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => self.check_address(ip),
            Err(_) if !self.allow_without_fqdn && !host.contains('.') => refuse(format!(
                "the host {host} is not a fully qualified domain name (allow it with UrlInputPolicy::allow_without_fqdn)"
            )),
            Err(_) => Ok(()),
        }
    }

    /// Checks one resolved address.
    pub fn check_address(&self, ip: IpAddr) -> Result<()> {
        if self.allow_non_global_addresses || is_global(ip) {
            Ok(())
        } else {
            Err(Error::UrlInputNotAllowed(format!(
                "{ip} is not a global address (allow it with UrlInputPolicy::allow_non_global_addresses)"
            )))
        }
    }

    /// [`check_url`](Self::check_url), then every address the host resolves to.
    async fn check_resolved(&self, url: &Url) -> Result<()> {
        self.check_url(url)?;
        if self.allow_non_global_addresses {
            return Ok(());
        }
        let Some(host) = url.host_str() else {
            return Ok(());
        };
        if host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok()
        {
            return Ok(());
        }
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses = tokio::net::lookup_host((host, port)).await.map_err(|e| {
            Error::UrlInputNotAllowed(format!("the host {host} does not resolve: {e}"))
        })?;
        for address in addresses {
            self.check_address(address.ip())?;
        }
        Ok(())
    }
}

/// A URL for messages: scheme, host, port and path (no query, which may hold tokens).
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Whether an address is globally routable (the parts of the unstable `IpAddr::is_global` that
/// matter for fetching: loopback, private, shared, link-local, documentation, benchmarking,
/// reserved, unspecified, broadcast and multicast ranges are not).
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_global_v4(v4);
            }
            is_global_v6(v6)
        }
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x0064 && segments[1] == 0xff9b) // NAT64 (maps to v4, judged there)
        || (segments[0] == 0x0100 && segments[1..4] == [0, 0, 0])) // discard-only
}

/// Fetches an image URL under the client's policy, following at most `max_redirects`
/// redirects, each checked again.
pub(crate) async fn fetch(
    client: &InferenceClient,
    url: &Url,
    options: &CallOptions,
) -> Result<Bytes> {
    let policy = &client.inner.url_policy;
    let mut current = url.clone();
    let mut redirects = 0;
    loop {
        policy.check_resolved(&current).await?;
        let spec = RequestSpec::new(Method::GET, current.clone())
            .without_auth()
            .timeout(options.timeout);
        let outcome = client
            .inner
            .executor
            .execute_with(
                "fetch_image_url",
                Idempotency::Idempotent,
                &vision_sdk_common::RetryPolicy::none(),
                &*client.inner.classifiers.never,
                spec,
            )
            .await;
        match outcome {
            Ok(response) => {
                let body = response.into_body();
                if body.is_empty() {
                    return Err(Error::Media(vision_sdk_common::MediaError::Empty));
                }
                return Ok(body);
            }
            Err(error) => {
                let location = error.details().and_then(|d| {
                    let status = d.status();
                    (status.is_redirection() && status != StatusCode::NOT_MODIFIED)
                        .then(|| d.headers().get("location"))
                        .flatten()
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                });
                let Some(location) = location else {
                    return Err(from_http("fetch_image_url", error));
                };
                redirects += 1;
                if redirects > policy.max_redirects {
                    return Err(Error::UrlInputNotAllowed(format!(
                        "more than {} redirects fetching {}",
                        policy.max_redirects,
                        shown(url)
                    )));
                }
                current = current.join(&location).map_err(|e| {
                    Error::UrlInputNotAllowed(format!("a redirect to an unusable URL: {e}"))
                })?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_are_strict() {
        let p = UrlInputPolicy::default();
        assert!(p.check_url(&url("https://example.com/a.jpg")).is_ok());
        assert!(p.check_url(&url("http://example.com/a.jpg")).is_err());
        assert!(p.check_url(&url("https://127.0.0.1/a.jpg")).is_err());
        assert!(p.check_url(&url("https://[::1]/a.jpg")).is_err());
        assert!(p.check_url(&url("https://10.1.2.3/a.jpg")).is_err());
        assert!(p.check_url(&url("https://169.254.169.254/latest")).is_err());
        assert!(p.check_url(&url("https://nas/a.jpg")).is_err());
        assert!(p.check_url(&url("ftp://example.com/a.jpg")).is_err());
        assert!(p.check_url(&url("https://8.8.8.8/a.jpg")).is_ok());
        let err = p
            .check_url(&url("http://example.com/a.jpg?token=sekrit"))
            .unwrap_err();
        assert!(!err.to_string().contains("sekrit"), "{err}");
    }

    #[test]
    fn env_and_lists() {
        let p = UrlInputPolicy::from_env(|name| match name {
            "ALLOW_NON_HTTPS_URL_INPUT" => Some("True".into()),
            "ALLOW_URL_TO_NON_GLOBAL_ADDRESSES" => Some("true".into()),
            "MAX_IMAGE_URL_REDIRECTS" => Some("2".into()),
            "BLACKLISTED_DESTINATIONS_FOR_URL_INPUT" => Some("evil.com, bad.org".into()),
            _ => None,
        });
        assert!(p.allow_non_https && p.allow_non_global_addresses);
        assert_eq!(p.max_redirects, 2);
        assert!(p.check_url(&url("http://127.0.0.1/a.jpg")).is_ok());
        assert!(p.check_url(&url("https://evil.com/a.jpg")).is_err());
        let only = UrlInputPolicy::default().allowed_hosts(["cdn.example.com"]);
        assert!(
            only.check_url(&url("https://cdn.example.com/a.jpg"))
                .is_ok()
        );
        assert!(
            only.check_url(&url("https://other.example.com/a.jpg"))
                .is_err()
        );
        let off = UrlInputPolicy::default().allow_url_input(false);
        assert!(off.check_url(&url("https://example.com/a.jpg")).is_err());
    }

    #[test]
    fn global_addresses() {
        for ip in ["8.8.8.8", "2606:4700::1111", "1.1.1.1"] {
            assert!(is_global(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_global(ip.parse().unwrap()), "{ip}");
        }
    }
}
