//! Horizontal bar charts as plain SVG, written by hand: no plotting dependency for three
//! charts. A chart is panels of rows; a row has bars (grouped), a bar has segments
//! (stacked), each segment of a series (colour, legend). Each panel has its own scale, so
//! microseconds and hundreds of milliseconds do not share one axis; a log scale is for
//! ratios.

use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    /// What the values are, under the axis: "µs, p50".
    pub axis: String,
    pub log: bool,
    pub series: Vec<String>,
    pub panels: Vec<Panel>,
    /// Vertical reference lines in every panel (value, label): goals.
    pub lines: Vec<(f64, String)>,
    /// How a value is written at the end of its bar.
    pub format: fn(f64) -> String,
}

#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub label: String,
    /// Each bar: (series index, value) segments, stacked.
    pub bars: Vec<Vec<(usize, f64)>>,
    /// A tick on this row only (value, label): its own goal.
    pub marker: Option<(f64, String)>,
}

const COLORS: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];
const WIDTH: f64 = 820.0;
const LABEL: f64 = 230.0;
const RIGHT: f64 = 110.0;
const BAR: f64 = 13.0;
const BAR_GAP: f64 = 3.0;
const ROW_GAP: f64 = 9.0;

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Ticks for a linear axis from 0 past `max`: 1, 2 or 5 times a power of ten apart, about
/// five of them. The last tick is the axis's end.
pub fn linear_ticks(max: f64) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0, 1.0];
    }
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| s >= &rough)
        .unwrap_or(10.0 * power);
    let count = (max / step).ceil() as usize;
    (0..=count.max(1)).map(|i| i as f64 * step).collect()
}

/// Ticks for a log axis: the powers of ten from below `min` to above `max`.
pub fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    let low = min.max(1e-9).log10().floor() as i32;
    let high = max.max(min * 10.0).log10().ceil() as i32;
    (low..=high.max(low + 1)).map(|e| 10f64.powi(e)).collect()
}

struct Scale {
    log: bool,
    low: f64,
    high: f64,
    ticks: Vec<f64>,
}

impl Scale {
    fn x(&self, value: f64) -> f64 {
        let span = WIDTH - LABEL - RIGHT;
        let t = if self.log {
            let v = value.max(self.low);
            (v.log10() - self.low.log10()) / (self.high.log10() - self.low.log10())
        } else {
            value / self.high
        };
        LABEL + t.clamp(0.0, 1.0) * span
    }
}

fn scale(chart: &Chart, panel: &Panel) -> Scale {
    let mut values: Vec<f64> = Vec::new();
    for row in &panel.rows {
        for bar in &row.bars {
            values.push(bar.iter().map(|s| s.1).sum());
        }
        if let Some((v, _)) = row.marker {
            values.push(v);
        }
    }
    values.extend(chart.lines.iter().map(|l| l.0));
    let max = values.iter().copied().fold(0.0, f64::max);
    if chart.log {
        let min = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
            .min(1.0);
        let ticks = log_ticks(min, max);
        Scale {
            log: true,
            low: ticks[0],
            high: ticks[ticks.len() - 1],
            ticks,
        }
    } else {
        let ticks = linear_ticks(max);
        Scale {
            log: false,
            low: 0.0,
            high: ticks[ticks.len() - 1],
            ticks,
        }
    }
}

fn tick_label(value: f64) -> String {
    if value >= 1e6 {
        format!("{}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{}k", value / 1e3)
    } else {
        format!("{value}")
    }
}

pub fn render(chart: &Chart) -> String {
    let mut body = String::new();
    let mut y = 44.0;
    // Legend, wrapped at the right edge.
    let mut x = LABEL;
    for (i, name) in chart.series.iter().enumerate() {
        let width = 24.0 + 6.5 * name.chars().count() as f64;
        if x > LABEL && x + width > WIDTH {
            x = LABEL;
            y += 16.0;
        }
        let _ = write!(
            body,
            r#"<rect x="{x}" y="{y}" width="10" height="10" fill="{}"/><text x="{}" y="{}" class="small">{}</text>"#,
            COLORS[i % COLORS.len()],
            x + 14.0,
            y + 9.0,
            escape(name)
        );
        x += width;
    }
    y += 22.0;
    for panel in &chart.panels {
        let scale = scale(chart, panel);
        let _ = write!(
            body,
            r#"<text x="8" y="{}" class="panel">{}</text>"#,
            y + 12.0,
            escape(&panel.title)
        );
        y += 20.0;
        let top = y;
        for row in &panel.rows {
            let height = row.bars.len().max(1) as f64 * (BAR + BAR_GAP) - BAR_GAP;
            let _ = write!(
                body,
                r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text>"#,
                LABEL - 8.0,
                y + height / 2.0 + 4.0,
                escape(&row.label)
            );
            for bar in &row.bars {
                let mut start = 0.0;
                for &(series, value) in bar {
                    let (x0, x1) = (scale.x(start), scale.x(start + value));
                    let _ = write!(
                        body,
                        r#"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{}"><title>{}: {}</title></rect>"#,
                        (x1 - x0).max(0.5),
                        COLORS[series % COLORS.len()],
                        escape(&chart.series[series]),
                        escape(&(chart.format)(value))
                    );
                    start += value;
                }
                let _ = write!(
                    body,
                    r#"<text x="{:.1}" y="{:.1}" class="small">{}</text>"#,
                    scale.x(start) + 4.0,
                    y + BAR - 3.0,
                    escape(&(chart.format)(start))
                );
                y += BAR + BAR_GAP;
            }
            if let Some((value, label)) = &row.marker {
                let x = scale.x(*value);
                let _ = write!(
                    body,
                    r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#222" stroke-width="2" stroke-dasharray="3,2"><title>{}</title></line>"##,
                    y - height - BAR_GAP - 2.0,
                    y,
                    escape(label)
                );
            }
            y += ROW_GAP - BAR_GAP;
        }
        // Axis, ticks and reference lines over the panel.
        let bottom = y;
        for tick in &scale.ticks {
            let x = scale.x(*tick);
            let _ = write!(
                body,
                r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" class="small">{}</text>"##,
                bottom + 12.0,
                tick_label(*tick)
            );
        }
        for (i, (value, label)) in chart.lines.iter().enumerate() {
            let x = scale.x(*value);
            // Labels of close lines one above the other.
            let label_y = top + 6.0 + 11.0 * i as f64;
            let _ = write!(
                body,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#c00" stroke-dasharray="4,3"/><text x="{:.1}" y="{:.1}" class="small" fill="#c00">{}</text>"##,
                top - 4.0,
                x + 3.0,
                label_y,
                escape(label)
            );
        }
        y = bottom + 30.0;
    }
    let height = y + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">
<style>.title{{font-size:15px;font-weight:bold}} .panel{{font-size:13px;font-weight:bold}} .label{{font-size:12px}} .small{{font-size:10px}}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="20" class="title">{}</text><text x="8" y="35" class="small">{}</text>
{body}
</svg>
"##,
        escape(&chart.title),
        escape(&chart.axis)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_cover_the_maximum() {
        assert_eq!(linear_ticks(9.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(linear_ticks(1200.0), [0.0, 500.0, 1000.0, 1500.0]);
        assert_eq!(linear_ticks(0.0), [0.0, 1.0]);
        let ticks = linear_ticks(0.37);
        assert!(
            *ticks.last().unwrap() >= 0.37 && ticks.len() <= 7,
            "{ticks:?}"
        );
    }

    #[test]
    fn log_ticks_are_decades() {
        assert_eq!(log_ticks(1.0, 650.0), [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(log_ticks(0.5, 3.0), [0.1, 1.0, 10.0]);
    }

    #[test]
    fn a_chart_is_well_formed_svg_with_every_label() {
        let chart = Chart {
            title: "A & B".into(),
            axis: "µs".into(),
            log: false,
            series: vec!["instantiate".into(), "call".into()],
            panels: vec![Panel {
                title: "token".into(),
                rows: vec![Row {
                    label: "es256 <wasm>".into(),
                    bars: vec![vec![(0, 10.0), (1, 90.0)]],
                    marker: Some((50.0, "goal".into())),
                }],
            }],
            lines: vec![(80.0, "limit".into())],
            format: |v| format!("{v} µs"),
        };
        let svg = render(&chart);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for text in [
            "A &amp; B",
            "es256 &lt;wasm&gt;",
            "100 µs",
            "limit",
            "instantiate",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 2 + 1,
            "legend, segments, background"
        );
    }
}
