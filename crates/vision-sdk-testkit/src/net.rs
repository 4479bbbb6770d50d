//! Addresses for connection-failure tests.

/// A loopback port nothing listens on (bound, then released): connecting to it is refused.
///
/// ```
/// let port = vision_sdk_testkit::dead_port();
/// assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
/// ```
///
/// # Panics
///
/// When no loopback port can be bound.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("bound address").port();
    drop(listener);
    port
}

/// `http://127.0.0.1:<dead port>`: a base URL whose every request fails to connect.
pub fn dead_url() -> String {
    format!("http://127.0.0.1:{}", dead_port())
}
