//! Colours, the embedded font, and tick formatting: the look shared by every plot.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor, register_font};

/// A subset of DejaVu Sans (see `assets/DejaVuSans-LICENSE.txt`): PNG text is rasterised by
/// ab_glyph from these bytes, so no system font library is needed.
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// The family name every text style uses.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process; the error says why it could not be.
pub(crate) fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font could not be loaded".to_string())
        })
        .clone()
}

/// Okabe and Ito's colour-blind-safe categorical palette, ordered so that the first lines get
/// the most distinct colours (yellow, which is faint on white, comes last).
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// How a line is drawn: its colour, and its dash (`None` for a solid line, else the lengths
/// of a dash and of the gap after it, in pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LineLook {
    pub color: RGBColor,
    pub dash: Option<(u32, u32)>,
}

/// Dash patterns, one per round of the palette: solid, dashed, dotted.
const DASHES: [Option<(u32, u32)>; 3] = [None, Some((9, 5)), Some((2, 4))];

/// The look of the `i`-th line: the eight colours solid, then dashed, then dotted, so that
/// 24 lines stay told apart (the looks repeat after that).
pub(crate) fn line_look(i: usize) -> LineLook {
    let n = OKABE_ITO.len();
    LineLook {
        color: OKABE_ITO[i % n],
        dash: DASHES[(i / n) % DASHES.len()],
    }
}

/// matplotlib's viridis at nine evenly spaced stops; colours between are interpolated.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2c, 0x7a),
    (0x3b, 0x51, 0x8b),
    (0x2c, 0x71, 0x8e),
    (0x21, 0x90, 0x8d),
    (0x27, 0xad, 0x81),
    (0x5c, 0xc8, 0x63),
    (0xaa, 0xdc, 0x32),
    (0xfd, 0xe7, 0x25),
];

/// viridis at `t` in [0, 1] (clamped).
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour of label `label` among `n` labels, spread over viridis as matplotlib's
/// `scatter(c=labels)` does (the lowest label dark purple, the highest yellow).
pub(crate) fn label_color(label: usize, n: usize) -> RGBColor {
    if n <= 1 {
        viridis(0.5)
    } else {
        viridis(label as f64 / (n - 1) as f64)
    }
}

/// A tick label: integers without decimals, moderate numbers with at most three decimals
/// (trailing zeros dropped), very large or small ones in scientific notation.
pub(crate) fn tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{v:.2e}");
        // 1.50e4 -> 1.5e4
        return match s.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => s,
        };
    }
    let decimals = if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A K tick: the integer when `v` is one, nothing between integers.
pub(crate) fn k_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v >= 0.0 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_four_lines_look_different_then_repeat() {
        let looks: Vec<LineLook> = (0..24).map(line_look).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(line_look(0).dash, None);
        assert_eq!(line_look(8).color, line_look(0).color);
        assert_eq!(line_look(24), line_look(0));
    }

    #[test]
    fn viridis_ends_are_matplotlibs() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(0.5), RGBColor(0x21, 0x90, 0x8d));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(label_color(4, 5), viridis(1.0));
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(1234.5678), "1234.6");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(0.12345), "0.123");
        assert_eq!(tick(-3.10), "-3.1");
        assert_eq!(tick(1.5e7), "1.5e7");
        assert_eq!(tick(0.0), "0");
        assert_eq!(k_tick(3.0), "3");
        assert_eq!(k_tick(3.5), "");
    }

    #[test]
    fn the_embedded_font_loads() {
        assert_eq!(ensure_font(), Ok(()));
    }
}
