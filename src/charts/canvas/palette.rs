//! Colours and marker shapes: Tableau 10 (colour-blind safe) for schemes, viridis for ordered
//! quantities (layers, colour bars), and eight marker shapes so that schemes whose lines
//! coincide stay distinguishable.

use plotters::style::RGBColor;

/// Colour-blind-safe categorical colours (Tableau 10), for schemes.
pub const CATEGORICAL: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

/// Grey for runs that never reached the target.
pub const NOT_CONVERGED: RGBColor = RGBColor(215, 215, 215);
/// Dark red for runs that diverged.
pub const DIVERGED: RGBColor = RGBColor(120, 20, 20);
/// The colour of a curve drawn over a heatmap.
pub const OVERLAY: RGBColor = RGBColor(220, 30, 30);

/// Viridis at `t` in [0, 1] (dark purple to yellow), for ordered series such as layers.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) } * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let mix = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `c` darkened towards black by `amount` in [0, 1] (theory lines over measured ones).
pub fn darker(c: RGBColor, amount: f64) -> RGBColor {
    let k = 1.0 - amount;
    let f = |v: u8| (f64::from(v) * k).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Whether text on `c` should be black (light background) rather than white.
pub fn wants_black_text(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) > 140.0
}

/// A point marker's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    InvertedTriangle,
    Plus,
    Cross,
    Hexagon,
}

/// The shapes in the order schemes take them (with [`CATEGORICAL`], scheme `i` has colour
/// `i % 10` and shape `i % 8`: distinct for the first 40).
pub const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::InvertedTriangle,
    Marker::Plus,
    Marker::Cross,
    Marker::Hexagon,
];

impl Marker {
    /// The outline, in pixels around the point, of a marker about `r` pixels in radius.
    pub fn outline(self, r: f64) -> Vec<(i32, i32)> {
        let polar = |n: usize, start: f64, radius: f64| -> Vec<(f64, f64)> {
            (0..n)
                .map(|i| {
                    let a = start + std::f64::consts::TAU * i as f64 / n as f64;
                    (radius * a.cos(), -radius * a.sin())
                })
                .collect()
        };
        let arm = |w: f64| {
            vec![
                (-w, -r),
                (w, -r),
                (w, -w),
                (r, -w),
                (r, w),
                (w, w),
                (w, r),
                (-w, r),
                (-w, w),
                (-r, w),
                (-r, -w),
                (-w, -w),
            ]
        };
        let deg = std::f64::consts::PI / 180.0;
        let points: Vec<(f64, f64)> = match self {
            Marker::Circle => polar(16, 0.0, r),
            Marker::Square => polar(4, 45.0 * deg, r * 1.2),
            Marker::Triangle => polar(3, 90.0 * deg, r * 1.35),
            Marker::Diamond => polar(4, 0.0, r * 1.3),
            Marker::InvertedTriangle => polar(3, -90.0 * deg, r * 1.35),
            Marker::Plus => arm(r * 0.35),
            Marker::Cross => arm(r * 0.35)
                .into_iter()
                .map(|(x, y)| ((x - y) * 0.8, (x + y) * 0.8))
                .collect(),
            Marker::Hexagon => polar(6, 0.0, r * 1.1),
        };
        points
            .into_iter()
            .map(|(x, y)| (x.round() as i32, y.round() as i32))
            .collect()
    }
}
