//! Shapeset-3×2 (Glorot & Bengio 2010), rasterized our own way: 32×32 grey images on a black
//! background holding one or two shapes — triangle, parallelogram, ellipse — of random size,
//! rotation, position and grey level. The 9 classes say which shapes are present: the three
//! single shapes, then the six unordered pairs. A second shape may cover at most 50% of the
//! first shape's area. A pixel belongs to a shape when its centre lies inside it.

use std::f64::consts::PI;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Examples, Targets};
use crate::rng::{stream, Purpose};

/// Image side in pixels.
pub const SIDE: usize = 32;

/// The classes: one shape, or an unordered pair.
pub const SHAPESET_CLASSES: [&str; 9] = [
    "triangle",
    "parallelogram",
    "ellipse",
    "triangle+triangle",
    "triangle+parallelogram",
    "triangle+ellipse",
    "parallelogram+parallelogram",
    "parallelogram+ellipse",
    "ellipse+ellipse",
];

#[derive(Debug, Clone, Copy)]
enum Shape {
    Triangle,
    Parallelogram,
    Ellipse,
}

/// The shapes of each class.
fn class_shapes(class: usize) -> Vec<Shape> {
    use Shape::*;
    match class {
        0 => vec![Triangle],
        1 => vec![Parallelogram],
        2 => vec![Ellipse],
        3 => vec![Triangle, Triangle],
        4 => vec![Triangle, Parallelogram],
        5 => vec![Triangle, Ellipse],
        6 => vec![Parallelogram, Parallelogram],
        7 => vec![Parallelogram, Ellipse],
        _ => vec![Ellipse, Ellipse],
    }
}

/// A shape placed in the image: its pixel mask.
fn draw(shape: Shape, rng: &mut ChaCha8Rng) -> Vec<bool> {
    // Size, aspect, rotation and position; the shape stays inside the image.
    let radius = rng.random_range(4.0..9.0);
    let aspect = rng.random_range(0.55..1.0);
    let angle = rng.random_range(0.0..2.0 * PI);
    let margin = radius + 0.5;
    let cx = rng.random_range(margin..SIDE as f64 - margin);
    let cy = rng.random_range(margin..SIDE as f64 - margin);
    let (sin, cos) = angle.sin_cos();
    let skew = rng.random_range(-0.5..0.5);
    let mut mask = vec![false; SIDE * SIDE];
    for py in 0..SIDE {
        for px in 0..SIDE {
            // The pixel centre in the shape's own frame.
            let (dx, dy) = (px as f64 + 0.5 - cx, py as f64 + 0.5 - cy);
            let u = (cos * dx + sin * dy) / radius;
            let v = (-sin * dx + cos * dy) / (radius * aspect);
            mask[py * SIDE + px] = match shape {
                Shape::Ellipse => u * u + v * v <= 1.0,
                Shape::Parallelogram => (v.abs() <= 0.7) && ((u - skew * v).abs() <= 0.7),
                // An isosceles triangle with apex at v = -1 and base at v = 0.8.
                Shape::Triangle => (-1.0..=0.8).contains(&v) && u.abs() <= 0.9 * (v + 1.0) / 1.8,
            };
        }
    }
    mask
}

/// One image of `class`: returns its pixels in [0, 1].
fn image(class: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    loop {
        let shapes = class_shapes(class);
        let masks: Vec<Vec<bool>> = shapes.iter().map(|&s| draw(s, rng)).collect();
        let area = |m: &Vec<bool>| m.iter().filter(|&&b| b).count();
        if masks.iter().any(|m| area(m) < 6) {
            continue;
        }
        if let [first, second] = masks.as_slice() {
            let overlap = first.iter().zip(second).filter(|(a, b)| **a && **b).count();
            if 2 * overlap > area(first) {
                continue;
            }
        }
        let mut pixels = vec![0.0f32; SIDE * SIDE];
        for mask in &masks {
            let grey = rng.random_range(0.3f32..1.0);
            for (p, &inside) in pixels.iter_mut().zip(mask) {
                if inside {
                    *p = grey;
                }
            }
        }
        return pixels;
    }
}

/// `n` images with balanced classes in random order.
pub fn shapeset(n: usize, seed: u64) -> Examples {
    let mut rng = stream(seed, Purpose::Data);
    let mut labels: Vec<u32> = (0..n)
        .map(|i| (i % SHAPESET_CLASSES.len()) as u32)
        .collect();
    labels.shuffle(&mut rng);
    let mut x = Vec::with_capacity(n * SIDE * SIDE);
    for &c in &labels {
        x.extend(image(c as usize, &mut rng));
    }
    Examples {
        n,
        dim: SIDE * SIDE,
        x,
        y: Targets::Labels(labels),
    }
}
