//! Download speed and time left, smoothed over the last few seconds.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub bytes_per_s: f64,
    pub eta_s: Option<f64>,
    /// "downloading" or "verifying".
    pub phase: String,
}

/// Speed over a sliding window of samples `(time_ms, bytes_done)`.
pub struct RateMeter {
    samples: std::collections::VecDeque<(f64, u64)>,
    window_ms: f64,
}

impl RateMeter {
    pub fn new(window_ms: f64) -> Self {
        Self { samples: Default::default(), window_ms }
    }

    pub fn sample(&mut self, now_ms: f64, done: u64, total: u64, phase: &str) -> Progress {
        self.samples.push_back((now_ms, done));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|(t, _)| now_ms - t > self.window_ms) {
            self.samples.pop_front();
        }
        let (t0, d0) = *self.samples.front().expect("just pushed");
        let elapsed_s = (now_ms - t0) / 1000.0;
        let bytes_per_s = if elapsed_s > 0.0 { done.saturating_sub(d0) as f64 / elapsed_s } else { 0.0 };
        let eta_s = (bytes_per_s > 0.0).then(|| total.saturating_sub(done) as f64 / bytes_per_s);
        Progress { done, total, bytes_per_s, eta_s, phase: phase.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_and_eta_from_the_window() {
        let mut m = RateMeter::new(5000.0);
        assert_eq!(m.sample(0.0, 0, 1000, "downloading").eta_s, None);
        let p = m.sample(1000.0, 100, 1000, "downloading");
        assert_eq!(p.bytes_per_s, 100.0);
        assert_eq!(p.eta_s, Some(9.0));
        // Old samples fall out of the window, so a stall shows as a drop in speed.
        m.sample(7000.0, 100, 1000, "downloading");
        let p = m.sample(8000.0, 100, 1000, "downloading");
        assert_eq!(p.bytes_per_s, 0.0);
        assert_eq!(p.eta_s, None);
    }
}
