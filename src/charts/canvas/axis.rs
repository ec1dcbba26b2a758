//! Axes whose ticks initlab chooses itself: linear (ticks at 1-2-5 steps), integer (whole
//! numbers only, for layers and blocks) and log (every decade, or every few decades when the
//! data span many, labelled 10ᵏ; 1-2-5 ticks inside a decade when the data span less than
//! one). A log axis maps `log10(v)` linearly, so a range of 300 decades (a vanishing network
//! at depth 150) costs no more than one of 3; plotters' own log coordinate enumerates every
//! decade's sub-ticks and never returns on such a span.
//!
//! The same [`Axis`] is a plotters coordinate (for panels) and a colour scale (for colour
//! bars): [`Axis::fraction`] is where a value lies between the ends.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

/// How an axis spaces its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Linear, with ticks only at whole numbers.
    Integer,
    /// Base-10 logarithmic; only positive values have a place.
    Log,
}

impl Scale {
    /// Whether `v` can be placed on an axis of this scale (finite, and positive on a log
    /// axis).
    pub fn holds(self, v: f64) -> bool {
        v.is_finite() && (self != Scale::Log || v > 0.0)
    }
}

/// An axis from `lo` to `hi` (data values) with its ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub scale: Scale,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

/// The smallest positive f64 (a subnormal).
const SMALLEST: f64 = 5e-324;

/// At most this many labelled ticks on an axis.
const MAX_TICKS: usize = 9;

impl Axis {
    /// An axis over `[lo, hi]` (for `Scale::Log`, both positive; an empty or reversed range
    /// is widened around `lo`).
    pub fn new(scale: Scale, lo: f64, hi: f64) -> Self {
        let (lo, hi) = widen(scale, lo, hi);
        let ticks = match scale {
            Scale::Linear => linear_ticks(lo, hi, false),
            Scale::Integer => linear_ticks(lo, hi, true),
            Scale::Log => log_ticks(lo.log10(), hi.log10()),
        };
        Axis {
            scale,
            lo,
            hi,
            ticks,
        }
    }

    /// An axis fitted to the data range `[lo, hi]` with a margin (5% of the span, on a log
    /// axis of the span in decades).
    pub fn padded(scale: Scale, lo: f64, hi: f64) -> Self {
        let (lo, hi) = widen(scale, lo, hi);
        match scale {
            Scale::Log => {
                let (a, b) = (lo.log10(), hi.log10());
                let pad = (0.05 * (b - a)).max(0.05);
                // Never past what an f64 can hold (5e-324 to 1.8e308).
                let (a, b) = (
                    (a - pad).max(SMALLEST.log10()),
                    (b + pad).min(f64::MAX.log10()),
                );
                Axis::new(scale, 10f64.powf(a), 10f64.powf(b))
            }
            _ => {
                let pad = 0.04 * (hi - lo);
                Axis::new(scale, lo - pad, hi + pad)
            }
        }
    }

    pub fn lo(&self) -> f64 {
        self.lo
    }

    pub fn hi(&self) -> f64 {
        self.hi
    }

    pub fn ticks(&self) -> &[f64] {
        &self.ticks
    }

    /// Where `v` lies from `lo` (0) to `hi` (1); outside the range it is below 0 or above 1,
    /// and a value with no place on a log axis (0, negative) is −∞.
    pub fn fraction(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Log => {
                let (a, b) = (self.lo.log10(), self.hi.log10());
                let l = if v > 0.0 {
                    v.log10()
                } else {
                    f64::NEG_INFINITY
                };
                (l - a) / (b - a)
            }
            _ => (v - self.lo) / (self.hi - self.lo),
        }
    }

    /// Whether `v` can be placed on this axis (see [`Scale::holds`]).
    pub fn holds(&self, v: f64) -> bool {
        self.scale.holds(v)
    }

    /// A tick's label: `10ᵏ` on a log axis ticked at decades, else three significant digits.
    pub fn label(&self, v: f64) -> String {
        let decades = self.ticks.len() >= 2
            && self
                .ticks
                .iter()
                .all(|t| (t.log10() - t.log10().round()).abs() < 1e-9);
        if self.scale == Scale::Log && decades {
            let k = v.log10();
            if (k - k.round()).abs() < 1e-9 {
                return power_of_ten(k.round() as i64);
            }
        }
        number(v)
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        // Far-off values (and −∞ for a zero on a log axis) are pinned just outside the area.
        let t = self.fraction(*v);
        let t = if t.is_nan() { -1.0 } else { t.clamp(-1.0, 2.0) };
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only labelled grid lines (no light sub-grid), and none when none are asked for.
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, v: &f64) -> String {
        self.label(*v)
    }
}

/// A usable range: positive on a log axis, and wider than a point.
fn widen(scale: Scale, lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 1.0)
    };
    match scale {
        Scale::Log => {
            let lo = if lo > 0.0 { lo } else { SMALLEST };
            let hi = hi.max(lo);
            if hi > lo {
                (lo, hi)
            } else {
                (lo / 2.0, lo * 2.0)
            }
        }
        _ if hi > lo => (lo, hi),
        _ => (lo - 0.5, lo + 0.5),
    }
}

/// The smallest step `m·10ᵏ` (`m` from `mantissas`) that puts at most `MAX_TICKS` ticks on
/// `span`.
fn nice_step(span: f64, mantissas: &[f64]) -> f64 {
    let raw = span / (MAX_TICKS - 1) as f64;
    let mut magnitude = 10f64.powf(raw.log10().floor());
    loop {
        for &m in mantissas {
            let step = m * magnitude;
            if step >= raw {
                return step;
            }
        }
        magnitude *= 10.0;
    }
}

/// Ticks at the multiples of a 1-2-5 step inside `[lo, hi]` (whole numbers only if `integer`).
fn linear_ticks(lo: f64, hi: f64, integer: bool) -> Vec<f64> {
    let mut step = nice_step(hi - lo, &[1.0, 2.0, 2.5, 5.0]);
    if integer {
        step = step.max(1.0).round();
    }
    // A tolerance for ends that went through log10 and back (0.7 → 0.69999...).
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            // Snap 0.30000000000000004 to 0.3.
            (v / step).round() * step
        })
        .collect()
}

/// Ticks of a log axis from `10^a` to `10^b`: decades when at least three fit (every k-th
/// decade, k from 1-2-3-5, when they would be too many); else 1, 2 and 5 times the powers of
/// ten when three to `MAX_TICKS` of those fit; else two decades; else linear ticks.
fn log_ticks(a: f64, b: f64) -> Vec<f64> {
    let (first, last) = (a.ceil() as i64, b.floor() as i64);
    let decades: Vec<f64> = if last > first {
        let step = nice_step((last - first) as f64, &[1.0, 2.0, 3.0, 5.0])
            .round()
            .max(1.0) as i64;
        (first..=last)
            .filter(|k| k.rem_euclid(step) == 0)
            .map(|k| 10f64.powi(k as i32))
            .collect()
    } else {
        Vec::new()
    };
    if decades.len() >= 3 {
        return decades;
    }
    let (lo, hi) = (10f64.powf(a), 10f64.powf(b));
    let one_two_five: Vec<f64> = (a.floor() as i32..=b.ceil() as i32)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k)))
        .filter(|&v| v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12))
        .collect();
    if (3..=MAX_TICKS).contains(&one_two_five.len()) {
        one_two_five
    } else if decades.len() == 2 {
        decades
    } else {
        linear_ticks(lo, hi, false)
    }
}

/// `10ᵏ` with a superscript exponent (DejaVu Sans has the glyphs).
pub fn power_of_ten(k: i64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::from("10");
    if k < 0 {
        out.push('⁻');
    }
    for d in k.unsigned_abs().to_string().bytes() {
        out.push(DIGITS[usize::from(d - b'0')]);
    }
    out
}

/// A number with three significant digits, without trailing zeros; whole numbers below 10⁵
/// (step counts) written out; other magnitudes from 10³ on and below 10⁻³ as `m·10ᵏ`.
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.fract() == 0.0 && v.abs() < 1e5 {
        return format!("{v:.0}");
    }
    // Rounded to three significant digits first, so that 9.996 becomes 10 and takes its
    // decade.
    let scale = 10f64.powi(v.abs().log10().floor() as i32 - 2);
    let rounded = (v / scale).round() * scale;
    let k = rounded.abs().log10().floor() as i64;
    if !(-3..3).contains(&k) {
        let m = trim_zeros(format!("{:.2}", rounded / 10f64.powi(k as i32)));
        return if m == "1" {
            power_of_ten(k)
        } else {
            format!("{m}·{}", power_of_ten(k))
        };
    }
    let decimals = (2 - k).max(0) as usize;
    trim_zeros(format!("{rounded:.decimals$}"))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis) -> Vec<String> {
        axis.ticks().iter().map(|&v| axis.label(v)).collect()
    }

    #[test]
    fn a_log_axis_over_twenty_decades_labels_every_few_decades() {
        assert_eq!(
            labels(&Axis::new(Scale::Log, 1e-20, 10.0)),
            ["10⁻¹⁸", "10⁻¹⁵", "10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³", "10⁰"]
        );
        assert_eq!(
            labels(&Axis::new(Scale::Log, 1e-4, 1e2)),
            ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²"]
        );
    }

    #[test]
    fn a_log_axis_spanning_three_hundred_decades_has_a_handful_of_ticks() {
        // The depth-150 vanishing network: theory reaches the smallest subnormal.
        let axis = Axis::padded(Scale::Log, 5e-324, 1.0);
        let ticks = axis.ticks();
        assert!((2..=MAX_TICKS).contains(&ticks.len()), "{ticks:?}");
        assert_eq!(axis.label(1e-300), "10⁻³⁰⁰");
        assert!(axis.fraction(5e-324) >= 0.0 && axis.fraction(1.0) < 1.0);
    }

    #[test]
    fn a_log_axis_inside_one_decade_labels_one_two_five_or_linear_ticks() {
        assert_eq!(
            labels(&Axis::new(Scale::Log, 0.15, 6.0)),
            ["0.2", "0.5", "1", "2", "5"]
        );
        // Two decades are not enough: 1-2-5 ticks across them.
        assert_eq!(
            labels(&Axis::new(Scale::Log, 2.0, 300.0)),
            ["2", "5", "10", "20", "50", "100", "200"]
        );
        assert_eq!(
            labels(&Axis::new(Scale::Log, 0.4, 0.7)),
            ["0.4", "0.45", "0.5", "0.55", "0.6", "0.65", "0.7"]
        );
    }

    #[test]
    fn integer_axes_tick_whole_numbers_only() {
        assert_eq!(
            labels(&Axis::new(Scale::Integer, 0.5, 3.5)),
            ["1", "2", "3"]
        );
        let deep = Axis::new(Scale::Integer, 1.0, 150.0);
        assert!(deep.ticks().len() <= MAX_TICKS);
        assert!(deep.ticks().iter().all(|t| t.fract() == 0.0));
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(number(0.4627), "0.463");
        assert_eq!(number(2.3164), "2.32");
        assert_eq!(number(1234.0), "1234");
        assert_eq!(number(123_456.0), "1.23·10⁵");
        assert_eq!(number(0.00002), "2·10⁻⁵");
        assert_eq!(number(1e-5), "10⁻⁵");
        assert_eq!(number(24030.4), "2.4·10⁴");
        assert_eq!(number(1234.5), "1.23·10³");
        assert_eq!(number(99960.5), "10⁵");
        assert_eq!(number(0.0099996), "0.01");
        assert_eq!(number(416.3), "416");
        assert_eq!(number(-0.4627), "-0.463");
        assert_eq!(power_of_ten(-14), "10⁻¹⁴");
    }

    #[test]
    fn values_without_a_place_on_a_log_axis_map_below_it() {
        let axis = Axis::new(Scale::Log, 1e-3, 1e3);
        assert!((axis.fraction(1.0) - 0.5).abs() < 1e-12);
        assert_eq!(axis.fraction(0.0), f64::NEG_INFINITY);
        assert_eq!(axis.map(&0.0, (0, 100)), -100);
        assert!(!axis.holds(0.0) && axis.holds(1e-300));
    }
}
