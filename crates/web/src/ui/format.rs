//! Numbers as people read them.

pub use cmdai_hub::{format_duration, format_size};

pub fn percent(done: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        done as f64 * 100.0 / total as f64
    }
}
