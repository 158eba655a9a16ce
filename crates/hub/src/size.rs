//! Human-readable sizes and durations for prompts and progress bars.

/// Decimal units with three significant digits, as the Hub shows them: `98.4 MB`, `1.12 GB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.5 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let decimals = if value < 9.995 {
        2
    } else if value < 99.95 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

/// `0:07`, `12:34`, `1:02:03`.
pub fn format_duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(999), "999 B");
        assert_eq!(format_size(1000), "1.00 kB");
        assert_eq!(format_size(98_362_432), "98.4 MB");
        assert_eq!(format_size(491_400_064), "491 MB");
        assert_eq!(format_size(999_999_999), "1.00 GB");
        assert_eq!(format_size(1_117_320_768), "1.12 GB");
        assert_eq!(format_size(u64::MAX), "18447 PB");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(7), "0:07");
        assert_eq!(format_duration(754), "12:34");
        assert_eq!(format_duration(3723), "1:02:03");
    }
}
