//! Values as people read them: durations, sizes, ratios, rates.

/// µs as people read them: `850 µs`, `1.23 ms`, `2.5 s`.
pub fn duration(us: f64) -> String {
    if us < 1.0 {
        format!("{us:.2} µs")
    } else if us < 100.0 {
        format!("{us:.1} µs")
    } else if us < 1e3 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{} ms", significant(us / 1e3))
    } else {
        format!("{} s", significant(us / 1e6))
    }
}

/// Three significant digits, no more than two decimals.
fn significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Sizes in decimal kilo- and megabytes, as the goals are written.
pub fn bytes(value: f64) -> String {
    if value >= 1e6 {
        format!("{} MB", significant(value / 1e6))
    } else {
        format!("{:.0} KB", value / 1e3)
    }
}

pub fn ratio(value: f64) -> String {
    format!("{value:.2}×")
}

pub fn rate(value: f64) -> String {
    format!("{value:.0}/s")
}

/// A table cell: the value written out, or `–` when the run did not measure it.
pub fn cell(value: Option<f64>, show: fn(f64) -> String) -> String {
    value.map_or_else(|| "–".to_owned(), show)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_people_write_them() {
        assert_eq!(duration(0.5), "0.50 µs");
        assert_eq!(duration(8.04), "8.0 µs");
        assert_eq!(duration(850.2), "850 µs");
        assert_eq!(duration(1234.0), "1.23 ms");
        assert_eq!(duration(56_700.0), "56.7 ms");
        assert_eq!(duration(2_500_000.0), "2.50 s");
        assert_eq!(bytes(520_555.0), "521 KB");
        assert_eq!(bytes(2_950_158.0), "2.95 MB");
        assert_eq!(ratio(1.104), "1.10×");
    }
}
