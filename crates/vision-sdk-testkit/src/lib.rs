//! Test helpers shared by the crates of the `vision-sdk-rs` workspace (not published).
//!
//! - [`fault_server`]: a loopback HTTP/1.1 server that misbehaves on purpose (resets, truncated
//!   and slow bodies, keep-alive races, cross-origin redirects, credential echoes), scripted per
//!   request and recording every request it receives.

pub mod fault_server;
