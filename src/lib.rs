//! Native core of `generic-session`.
//!
//! The request path reads top to bottom: [`cookie_header`] finds the session cookie in the request,
//! [`keygrip`] verifies its signature, [`token`] makes a new token when there is none,
//! [`set_cookie`] writes the response cookie, and [`session_cookie`] ties those steps into the one
//! call made per request. [`memory_store`] is the in-process store. Nothing above knows of N-API:
//! the [`binding`] module converts between JavaScript and these types, and is the only place that
//! does.

pub mod base64;
pub mod completion;
pub mod cookie_header;
pub mod http_date;
pub mod json_text;
pub mod keygrip;
pub mod level_keys;
pub mod level_migrate;
pub mod level_store;
pub mod level_thread;
pub mod outbox;
pub mod redis_keys;
pub mod redis_store;
pub mod runtime_thread;
pub mod memory_store;
pub mod session_cookie;
pub mod session_lanes;
pub mod set_cookie;
pub mod token;

// Compiled into the addon only: unit tests exercise the core directly.
#[cfg(not(test))]
mod binding;

