//! Evaluation plots drawn without matplotlib: a confusion matrix, predicted vs true values,
//! and feature importances, each written as PNG (for the Hub and GitHub) and SVG (sharp at
//! any size).
//!
//! A [`Chart`] is a list of shapes on a white canvas; [`Chart::to_svg`] writes them as SVG
//! elements and [`Chart::to_png`] rasterises them (text with a 5x7 bitmap font).

mod font;
mod png;

use std::path::Path;

use crate::Result;
use crate::card::write_atomic;

use png::{Raster, text_height, text_width};

/// Most points drawn in a scatter plot; larger inputs are sampled evenly.
pub const MAX_SCATTER_POINTS: usize = 5_000;
/// Most bars in a feature-importance plot (the largest ones).
pub const MAX_BARS: usize = 20;
/// Longest label drawn, in characters (longer ones are cut with `...`).
const MAX_LABEL_CHARS: usize = 24;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

const BLACK: Rgb = Rgb(0, 0, 0);
const WHITE: Rgb = Rgb(255, 255, 255);
const GREY: Rgb = Rgb(150, 150, 150);
const BLUE: Rgb = Rgb(31, 119, 180);

/// Horizontal alignment of text at its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

/// One shape.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Rgb,
    },
    Line {
        from: (f64, f64),
        to: (f64, f64),
        width: f64,
        color: Rgb,
    },
    Dot {
        cx: f64,
        cy: f64,
        r: f64,
        fill: Rgb,
    },
    /// `y` is the top of the text; `scale` is font pixels (7 px tall per unit).
    Text {
        x: f64,
        y: f64,
        text: String,
        scale: u32,
        anchor: Anchor,
        color: Rgb,
    },
}

/// A drawing: its size and shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    items: Vec<Item>,
}

impl Chart {
    fn new(width: f64, height: f64) -> Self {
        Chart {
            width: width.ceil().max(1.0) as u32,
            height: height.ceil().max(1.0) as u32,
            items: Vec::new(),
        }
    }

    fn text(&mut self, x: f64, y: f64, text: &str, scale: u32, anchor: Anchor, color: Rgb) {
        self.items.push(Item::Text {
            x,
            y,
            text: text.to_owned(),
            scale,
            anchor,
            color,
        });
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n"
        );
        for item in &self.items {
            let line = match item {
                Item::Rect { x, y, w, h, fill } => format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                    hex(*fill)
                ),
                Item::Line {
                    from,
                    to,
                    width,
                    color,
                } => format!(
                    "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"{width:.1}\"/>",
                    from.0,
                    from.1,
                    to.0,
                    to.1,
                    hex(*color)
                ),
                Item::Dot { cx, cy, r, fill } => format!(
                    "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" fill=\"{}\" fill-opacity=\"0.7\"/>",
                    hex(*fill)
                ),
                Item::Text {
                    x,
                    y,
                    text,
                    scale,
                    anchor,
                    color,
                } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    // Baseline at the bottom of the bitmap glyphs, so both files line up.
                    let baseline = y + text_height(*scale);
                    format!(
                        "<text x=\"{x:.1}\" y=\"{baseline:.1}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\">{}</text>",
                        10 * scale,
                        hex(*color),
                        escape_xml(text)
                    )
                }
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("</svg>\n");
        out
    }

    /// The chart as PNG bytes.
    pub fn to_png(&self) -> Vec<u8> {
        let mut raster = Raster::new(self.width, self.height);
        for item in &self.items {
            match item {
                Item::Rect { x, y, w, h, fill } => raster.fill_rect(*x, *y, *w, *h, *fill),
                Item::Line {
                    from,
                    to,
                    width,
                    color,
                } => raster.line(*from, *to, *width, *color),
                Item::Dot { cx, cy, r, fill } => raster.disc(*cx, *cy, *r, *fill),
                Item::Text {
                    x,
                    y,
                    text,
                    scale,
                    anchor,
                    color,
                } => {
                    let width = text_width(text, *scale);
                    let left = match anchor {
                        Anchor::Start => *x,
                        Anchor::Middle => x - width / 2.0,
                        Anchor::End => x - width,
                    };
                    raster.text(left, *y, text, *scale, *color);
                }
            }
        }
        raster.to_png()
    }

    /// Writes `<stem>.png` and `<stem>.svg` (atomically) into `folder`.
    pub fn save(&self, folder: &Path, stem: &str) -> Result<()> {
        let png = folder.join(format!("{stem}.png"));
        let svg = folder.join(format!("{stem}.svg"));
        write_atomic(&png, &self.to_png())?;
        write_atomic(&svg, self.to_svg().as_bytes())
    }
}

/// A confusion matrix: `counts[i][j]` samples of true class `labels[i]` predicted as
/// `labels[j]`, as a blue heat map with the counts written in the cells.
pub fn confusion_matrix(labels: &[String], counts: &[Vec<u64>]) -> Chart {
    let n = labels.len().max(1);
    let cell = (420.0 / n as f64).clamp(28.0, 80.0).round();
    let labels: Vec<String> = labels.iter().map(|l| shorten(l, MAX_LABEL_CHARS)).collect();
    let label_width = labels.iter().map(|l| text_width(l, 1)).fold(0.0, f64::max);
    let left = (label_width + 24.0).max(80.0);
    let top = 60.0;
    let grid = cell * n as f64;
    let mut chart = Chart::new(left + grid + 30.0, top + grid + 60.0);
    chart.text(
        (left + grid / 2.0).max(chart.width as f64 / 2.0),
        14.0,
        "Confusion matrix",
        2,
        Anchor::Middle,
        BLACK,
    );
    chart.text(left - 8.0, top - 16.0, "True label", 1, Anchor::End, BLACK);
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    for (i, row) in counts.iter().enumerate().take(n) {
        let y = top + cell * i as f64;
        for (j, count) in row.iter().enumerate().take(n) {
            let x = left + cell * j as f64;
            let t = *count as f64 / max;
            chart.items.push(Item::Rect {
                x,
                y,
                w: cell,
                h: cell,
                fill: blues(t),
            });
            let text = count.to_string();
            let scale = if text_width(&text, 2) < cell - 8.0 {
                2
            } else {
                1
            };
            let color = if t > 0.5 { WHITE } else { BLACK };
            chart.text(
                x + cell / 2.0,
                y + (cell - text_height(scale)) / 2.0,
                &text,
                scale,
                Anchor::Middle,
                color,
            );
        }
    }
    for (i, label) in labels.iter().enumerate() {
        let y = top + cell * i as f64 + (cell - text_height(1)) / 2.0;
        chart.text(left - 8.0, y, label, 1, Anchor::End, BLACK);
        let fitting = shorten(label, ((cell - 4.0) / 6.0).max(1.0) as usize);
        chart.text(
            left + cell * i as f64 + cell / 2.0,
            top + grid + 8.0,
            &fitting,
            1,
            Anchor::Middle,
            BLACK,
        );
    }
    chart.text(
        left + grid / 2.0,
        top + grid + 30.0,
        "Predicted label",
        2,
        Anchor::Middle,
        BLACK,
    );
    chart
}

/// Predicted against true values of a regressor, with the `y = x` diagonal.
pub fn predicted_vs_true(y_true: &[f64], y_pred: &[f64]) -> Chart {
    let (left, top, size) = (80.0, 60.0, 380.0);
    let mut chart = Chart::new(left + size + 30.0, top + size + 60.0);
    chart.text(
        chart.width as f64 / 2.0,
        14.0,
        "Predicted vs true",
        2,
        Anchor::Middle,
        BLACK,
    );
    let finite = |v: &&f64| v.is_finite();
    let lo = y_true
        .iter()
        .chain(y_pred)
        .filter(finite)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = y_true
        .iter()
        .chain(y_pred)
        .filter(finite)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let to_x = |v: f64| left + (v - lo) / (hi - lo) * size;
    let to_y = |v: f64| top + size - (v - lo) / (hi - lo) * size;
    // Frame and diagonal.
    for (from, to) in [
        ((left, top), (left, top + size)),
        ((left, top + size), (left + size, top + size)),
    ] {
        chart.items.push(Item::Line {
            from,
            to,
            width: 1.0,
            color: BLACK,
        });
    }
    chart.items.push(Item::Line {
        from: (to_x(lo), to_y(lo)),
        to: (to_x(hi), to_y(hi)),
        width: 1.0,
        color: GREY,
    });
    let n = y_true.len().min(y_pred.len());
    let step = n.div_ceil(MAX_SCATTER_POINTS).max(1);
    for index in (0..n).step_by(step) {
        if let (Some(t), Some(p)) = (y_true.get(index), y_pred.get(index))
            && t.is_finite()
            && p.is_finite()
        {
            chart.items.push(Item::Dot {
                cx: to_x(*t),
                cy: to_y(*p),
                r: 3.0,
                fill: BLUE,
            });
        }
    }
    for value in [lo, (lo + hi) / 2.0, hi] {
        let label = format_number(value);
        chart.text(
            to_x(value),
            top + size + 8.0,
            &label,
            1,
            Anchor::Middle,
            BLACK,
        );
        chart.text(
            left - 8.0,
            to_y(value) - text_height(1) / 2.0,
            &label,
            1,
            Anchor::End,
            BLACK,
        );
    }
    chart.text(
        left + size / 2.0,
        top + size + 30.0,
        "True value",
        2,
        Anchor::Middle,
        BLACK,
    );
    chart.text(left, top - 16.0, "Predicted value", 1, Anchor::Start, BLACK);
    chart
}

/// Feature importances as horizontal bars, largest first (at most [`MAX_BARS`]).
pub fn feature_importances(names: &[String], values: &[f64]) -> Chart {
    let mut pairs: Vec<(String, f64)> = names
        .iter()
        .zip(values)
        .map(|(n, v)| {
            (
                shorten(n, MAX_LABEL_CHARS),
                if v.is_finite() { *v } else { 0.0 },
            )
        })
        .collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
    pairs.truncate(MAX_BARS);
    let label_width = pairs
        .iter()
        .map(|(n, _)| text_width(n, 1))
        .fold(0.0, f64::max);
    let (left, top, bar_area, row) = (label_width + 20.0, 60.0, 320.0, 24.0);
    let height = top + row * pairs.len() as f64 + 20.0;
    let mut chart = Chart::new(left + bar_area + 80.0, height);
    chart.text(
        chart.width as f64 / 2.0,
        14.0,
        "Feature importances",
        2,
        Anchor::Middle,
        BLACK,
    );
    let max = pairs.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    for (index, (name, value)) in pairs.iter().enumerate() {
        let y = top + row * index as f64;
        let length = value.max(0.0) / max * bar_area;
        chart.items.push(Item::Rect {
            x: left,
            y: y + 3.0,
            w: length,
            h: row - 6.0,
            fill: BLUE,
        });
        let text_y = y + (row - text_height(1)) / 2.0;
        chart.text(left - 8.0, text_y, name, 1, Anchor::End, BLACK);
        chart.text(
            left + length + 6.0,
            text_y,
            &format_number(*value),
            1,
            Anchor::Start,
            BLACK,
        );
    }
    chart.items.push(Item::Line {
        from: (left, top),
        to: (left, top + row * pairs.len() as f64),
        width: 1.0,
        color: BLACK,
    });
    chart
}

/// Matplotlib's "Blues" ramp, from near-white at 0 to dark blue at 1.
fn blues(t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    Rgb(lerp(247, 8), lerp(251, 48), lerp(255, 107))
}

fn hex(color: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` cut to `max` characters, ending in `...` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(3);
    let mut out: String = text.chars().take(keep).collect();
    out.push_str("...");
    out
}

/// A short label for a number: integers as is, others with three significant digits.
fn format_number(value: f64) -> String {
    if value == value.round() && value.abs() < 1e6 {
        return format!("{value:.0}");
    }
    let magnitude = value.abs().log10().floor();
    if !(-3.0..6.0).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let decimals = (2.0 - magnitude).max(0.0) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        (w, h)
    }

    #[test]
    fn confusion_matrix_png_and_svg_agree_on_size() {
        let labels = vec!["cat".to_owned(), "dog".to_owned()];
        let chart = confusion_matrix(&labels, &[vec![5, 1], vec![2, 7]]);
        assert_eq!(png_size(&chart.to_png()), (chart.width, chart.height));
        let svg = chart.to_svg();
        assert!(svg.contains(&format!("width=\"{}\"", chart.width)));
        assert!(svg.contains(">Confusion matrix</text>"));
    }

    #[test]
    fn degenerate_inputs_draw() {
        let chart = predicted_vs_true(&[], &[]);
        assert_eq!(png_size(&chart.to_png()), (chart.width, chart.height));
        let chart = predicted_vs_true(&[1.0, f64::NAN], &[1.0, 2.0]);
        assert!(!chart.to_png().is_empty());
        let chart = feature_importances(&[], &[]);
        assert!(!chart.to_png().is_empty());
        let chart = confusion_matrix(&[], &[]);
        assert!(!chart.to_svg().is_empty());
    }

    #[test]
    fn numbers() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.123456), "0.123");
        assert_eq!(format_number(12.3456), "12.3");
        assert_eq!(format_number(1.5e-7), "1.50e-7");
    }
}
