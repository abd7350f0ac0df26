//! CSV and SVG renderings of a [`ThinTieMap`]. The SVG is a symmetric heat map of
//! log₂(observed/expected): red where ties are thin, blue where thick, grey where the
//! cell is too small to judge. Every text is XML-escaped.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::thin::{By, ThinTieMap, Verdict};

/// Horizontal room the legend needs right of the labels (swatches at 0..256, text centred).
const LEGEND_WIDTH: f64 = 280.0;

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Thin => "thin",
        Verdict::AsExpected => "as_expected",
        Verdict::Thick => "thick",
        Verdict::TooSmall => "too_small",
    }
}

/// Diverging colour of a ratio: log₂ clipped to ±3.
fn colour(ratio: f64) -> String {
    let t = if ratio > 0.0 {
        (ratio.log2() / 3.0).clamp(-1.0, 1.0)
    } else {
        -1.0
    };
    let (r, g, b) = if t < 0.0 {
        let s = -t;
        (
            255.0 - s * (255.0 - 215.0),
            255.0 - s * (255.0 - 48.0),
            255.0 - s * (255.0 - 39.0),
        )
    } else {
        (
            255.0 - t * (255.0 - 69.0),
            255.0 - t * (255.0 - 117.0),
            255.0 - t * (255.0 - 180.0),
        )
    };
    format!(
        "#{:02x}{:02x}{:02x}",
        r.round() as u8,
        g.round() as u8,
        b.round() as u8
    )
}

impl ThinTieMap {
    /// CSV with a header: `a,b,observed,expected,ratio,low,high,verdict`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("a,b,observed,expected,ratio,low,high,verdict\n");
        for cell in &self.cells {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                csv_field(&cell.a),
                csv_field(&cell.b),
                cell.observed,
                cell.expected,
                cell.ratio,
                cell.low,
                cell.high,
                verdict_code(cell.verdict)
            );
        }
        out
    }

    /// A standalone SVG heat map.
    pub fn to_svg(&self) -> String {
        let by = By::parse(self.by).unwrap_or(By::Region);
        let codes: Vec<&str> = self
            .cells
            .iter()
            .flat_map(|c| [c.a.as_str(), c.b.as_str()])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let labels: Vec<String> = codes
            .iter()
            .map(|c| format!("{} {}", c, by.label(c)))
            .collect();
        let label_width =
            labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as f64 * 6.5 + 10.0;
        let size = 16.0;
        let n = codes.len() as f64;
        let (left, top) = (label_width, label_width + 40.0);
        // Wide enough for the grid and for the legend (five swatches and "too small").
        let width = (left + n * size + 20.0).max(left + LEGEND_WIDTH);
        let height = top + n * size + 70.0;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="10">"#
        );
        let _ = writeln!(
            out,
            "<title>{}</title>",
            xml_escape(&format!(
                "Thin-tie map by {} ({} expectation): observed/expected ties",
                self.by, self.model
            ))
        );
        let _ = writeln!(
            out,
            r#"<text x="4" y="14" font-size="12" font-weight="bold">{}</text><text x="4" y="30">{}</text>"#,
            xml_escape(&format!("Ties by {}: observed / expected", self.by)),
            xml_escape(&format!(
                "{} expectation, {:.0} % intervals",
                self.model,
                self.confidence * 100.0
            ))
        );
        let position = |code: &str| codes.iter().position(|c| *c == code).unwrap_or(0) as f64;
        for (i, label) in labels.iter().enumerate() {
            let y = top + i as f64 * size + size * 0.7;
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{y:.1}" text-anchor="end">{}</text>"#,
                left - 4.0,
                xml_escape(label)
            );
            let x = left + i as f64 * size + size * 0.7;
            let _ = writeln!(
                out,
                r#"<text transform="translate({x:.1},{:.1}) rotate(-90)">{}</text>"#,
                top - 4.0,
                xml_escape(label)
            );
        }
        for cell in &self.cells {
            let (i, j) = (position(&cell.a), position(&cell.b));
            let fill = if cell.verdict == Verdict::TooSmall {
                "#d9d9d9".to_owned()
            } else {
                colour(cell.ratio)
            };
            let tip = format!(
                "{} × {}: observed {}, expected {:.2}, ratio {:.2} [{:.2}, {:.2}], {}",
                by.label(&cell.a),
                by.label(&cell.b),
                cell.observed,
                cell.expected,
                cell.ratio,
                cell.low,
                cell.high,
                verdict_code(cell.verdict)
            );
            for (x, y) in [(i, j), (j, i)] {
                if x == y && i != j {
                    continue;
                }
                let _ = writeln!(
                    out,
                    r##"<rect x="{:.1}" y="{:.1}" width="{size}" height="{size}" fill="{fill}" stroke="#ffffff"><title>{}</title></rect>"##,
                    left + x * size,
                    top + y * size,
                    xml_escape(&tip)
                );
                if i == j {
                    break;
                }
            }
        }
        let legend_y = top + n * size + 20.0;
        for (idx, (ratio, text)) in [(0.125, "⅛"), (0.5, "½"), (1.0, "1"), (2.0, "2"), (8.0, "8")]
            .iter()
            .enumerate()
        {
            let x = left + idx as f64 * 40.0;
            let _ = writeln!(
                out,
                r##"<rect x="{x:.1}" y="{legend_y:.1}" width="36" height="12" fill="{}" stroke="#999999"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                colour(*ratio),
                x + 18.0,
                legend_y + 24.0,
                xml_escape(text)
            );
        }
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{legend_y:.1}\" width=\"36\" height=\"12\" fill=\"#d9d9d9\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">too small</text>",
            left + 220.0,
            left + 238.0,
            legend_y + 24.0
        );
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thin::Cell;

    fn map() -> ThinTieMap {
        ThinTieMap {
            by: "region",
            model: "uniform",
            confidence: 0.95,
            organizations: 4,
            counted: 3,
            skipped: 0,
            cells: vec![Cell {
                a: "035".into(),
                b: "145".into(),
                observed: 1,
                expected: 2.0,
                ratio: 0.5,
                low: 0.01,
                high: 2.8,
                verdict: Verdict::TooSmall,
            }],
        }
    }

    #[test]
    fn xml_escaping_covers_markup_and_quotes() {
        assert_eq!(
            xml_escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
    }

    #[test]
    fn csv_has_one_line_per_cell_after_the_header() {
        let csv = map().to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "a,b,observed,expected,ratio,low,high,verdict");
        assert_eq!(lines[1], "035,145,1,2,0.5,0.01,2.8,too_small");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn svg_is_well_formed_with_both_triangles() {
        let svg = map().to_svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 6,
            "two cells plus the legend"
        );
        assert!(svg.contains("Southeast Asia"));
        assert!(!svg.contains("& "), "no unescaped ampersand");
    }

    #[test]
    fn the_legend_fits_inside_a_small_map() {
        let svg = map().to_svg();
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("the svg's width");
        // Every legend swatch ends inside the picture.
        for rect in svg.split("<rect").skip(1) {
            let attr = |name: &str| -> f64 {
                rect.split(&format!(" {name}=\""))
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            };
            assert!(attr("x") + attr("width") <= width, "a rect ends at {} beyond {width}", attr("x") + attr("width"));
        }
    }
}
