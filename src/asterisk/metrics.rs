//! The metrics surface: the page `res_prometheus` asks for on every scrape
//! of `/metrics` (shim/metrics.c registers the callback when
//! `res_prometheus` is loaded; without it nothing asks).

use super::{metrics_text, module};

/// The module's part of the metrics page; empty when it is not loaded.
pub fn page() -> String {
    module::get()
        .map(|m| metrics_text::render(&m.arbiter))
        .unwrap_or_default()
}
