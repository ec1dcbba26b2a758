//! The width of a network: units per hidden layer, the same in every layer (`64`) or a profile
//! that gives each hidden layer its own (`[32, 64, 128]`). Profiles are what Hanin & Rolnick
//! (2018, "How to start training: the effect of initialization and architecture") need: the
//! spread of a ReLU network's activation length grows with β = Σ_j 1/n_j over its layers, not
//! with depth or width alone. A profile fixes its depth: in a grid it pairs only with the entry
//! of `depths` equal to its length.
//!
//! A width is written in `runs.csv`, run ids, captions and `exclude` by its label: the number
//! (`64`, as before profiles existed), or the profile's runs of equal widths joined by `+`
//! (`32x4+64x8` is four layers of 32 units, then eight of 64; `64+128+256`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Units per hidden layer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Width {
    /// Every hidden layer has this many units.
    Uniform(usize),
    /// Hidden layer `l` (from 1) has `profile[l - 1]` units; the network's depth is its length.
    Profile(Vec<usize>),
}

impl Default for Width {
    fn default() -> Self {
        Width::Uniform(0)
    }
}

impl Width {
    /// Whether this width can be the width of a network of `depth` hidden layers.
    pub fn fits(&self, depth: usize) -> bool {
        match self {
            Width::Uniform(_) => true,
            Width::Profile(p) => p.len() == depth,
        }
    }

    /// The units of hidden layer `layer` (from 1; clamped to the profile's ends).
    pub fn at(&self, layer: usize) -> usize {
        match self {
            Width::Uniform(n) => *n,
            Width::Profile(p) => p[layer.clamp(1, p.len()) - 1],
        }
    }

    /// The hidden layers' sizes of a network of `depth` layers (which the width must fit).
    pub fn layers(&self, depth: usize) -> Vec<usize> {
        match self {
            Width::Uniform(n) => vec![*n; depth],
            Width::Profile(p) => p.clone(),
        }
    }

    /// The width of every layer, when they are all the same.
    pub fn uniform(&self) -> Option<usize> {
        match self {
            Width::Uniform(n) => Some(*n),
            Width::Profile(_) => None,
        }
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let profile = match self {
            Width::Uniform(n) => return write!(f, "{n}"),
            Width::Profile(p) => p,
        };
        let mut first = true;
        for run in profile.chunk_by(|a, b| a == b) {
            if !first {
                f.write_str("+")?;
            }
            first = false;
            match run.len() {
                1 => write!(f, "{}", run[0])?,
                k => write!(f, "{}x{k}", run[0])?,
            }
        }
        Ok(())
    }
}

impl FromStr for Width {
    type Err = String;

    /// Reads a label back: `64`, or a profile such as `32x4+64x8`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("`{s}` is not a width: a number of units, or runs such as `32x4+64x8`");
        let count = |t: &str| t.trim().parse::<usize>().ok().filter(|&n| n >= 1);
        if let Some(n) = count(s) {
            return Ok(Width::Uniform(n));
        }
        let mut profile = Vec::new();
        for run in s.split('+') {
            let (units, times) = run.split_once('x').unwrap_or((run, "1"));
            let (units, times) = (count(units).ok_or_else(bad)?, count(times).ok_or_else(bad)?);
            profile.extend(std::iter::repeat_n(units, times));
        }
        Ok(Width::Profile(profile))
    }
}

/// A config writes a width as a whole number or a list of them (`64`, `[32, 64, 128]`).
impl Serialize for Width {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Width::Uniform(n) => n.serialize(serializer),
            Width::Profile(p) => p.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Width {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        Width::from_toml(&value).map_err(serde::de::Error::custom)
    }
}

impl Width {
    /// A width as a config writes it: a whole number of at least 1, or a profile as a
    /// non-empty list of them (one per hidden layer) or its label (`"32x4+64x8"`).
    pub fn from_toml(value: &toml::Value) -> Result<Self, String> {
        const RULE: &str = "a width must be a number of units (at least 1), or a list of them \
                            with one per hidden layer, or a profile's label such as \"32x4+64x8\"";
        let count = |v: &toml::Value| match v {
            toml::Value::Integer(n) if *n >= 1 => usize::try_from(*n).ok(),
            _ => None,
        };
        match value {
            toml::Value::String(label) => match label.parse() {
                Ok(Width::Profile(p)) if p.len() > 1 => Ok(Width::Profile(p)),
                _ => Err(format!("{RULE}, got {value}")),
            },
            toml::Value::Array(layers) if !layers.is_empty() => layers
                .iter()
                .map(|v| count(v).ok_or_else(|| format!("{RULE}, got {value}")))
                .collect::<Result<_, _>>()
                .map(Width::Profile),
            other => count(other)
                .map(Width::Uniform)
                .ok_or_else(|| format!("{RULE}, got {other}")),
        }
    }

    /// Whether `value`, written in an `exclude` entry or a claim's `where`, names this width:
    /// a uniform width by its number, a profile by its label or its list of layers (a number
    /// written as a string names nothing, as on the other numeric axes).
    pub fn matches(&self, value: &toml::Value) -> bool {
        match value {
            toml::Value::String(s) => {
                matches!(self, Width::Profile(_)) && s.parse::<Width>().is_ok_and(|w| w == *self)
            }
            toml::Value::Float(f) => self.uniform().is_some_and(|n| n as f64 == *f),
            other => Width::from_toml(other).is_ok_and(|w| w == *self),
        }
    }
}

/// `runs.csv` writes a width by its label, so a uniform width stays the number it always was.
pub mod label {
    use super::Width;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(width: &Width, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(width)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Width, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for (width, label) in [
            (Width::Uniform(64), "64"),
            (Width::Profile(vec![64, 128, 256]), "64+128+256"),
            (Width::Profile(vec![32, 32, 32, 32, 64, 64]), "32x4+64x2"),
            (Width::Profile(vec![8]), "8x1"),
            (Width::Profile(vec![8, 8, 16, 8]), "8x2+16+8"),
        ] {
            let shown = width.to_string();
            // A one-layer profile is written like a uniform width, so it reads back as one.
            if label != "8x1" {
                assert_eq!(shown, label);
                assert_eq!(label.parse::<Width>().unwrap(), width);
            } else {
                assert_eq!(shown, "8");
            }
        }
        for bad in ["", "0", "x4", "32x", "32x0", "32+", "a", "-3"] {
            assert!(bad.parse::<Width>().is_err(), "{bad}");
        }
    }

    #[test]
    fn config_values_and_exclude_matching() {
        let v = |s: &str| toml::from_str::<toml::Table>(&format!("v = {s}")).unwrap()["v"].clone();
        assert_eq!(Width::from_toml(&v("64")).unwrap(), Width::Uniform(64));
        assert_eq!(
            Width::from_toml(&v("[32, 64]")).unwrap(),
            Width::Profile(vec![32, 64])
        );
        assert_eq!(
            Width::from_toml(&v("\"32x2+64\"")).unwrap(),
            Width::Profile(vec![32, 32, 64])
        );
        for bad in [
            "0", "[]", "[32, 0]", "\"64\"", "\"64x1\"", "\"6x\"", "1.5", "[[32]]",
        ] {
            let e = Width::from_toml(&v(bad)).unwrap_err();
            assert!(e.contains("at least 1"), "{bad}: {e}");
        }
        let p = Width::Profile(vec![32, 32, 64]);
        assert!(p.matches(&v("\"32x2+64\"")) && p.matches(&v("[32, 32, 64]")));
        assert!(!p.matches(&v("32")) && !p.matches(&v("\"32x3\"")));
        let u = Width::Uniform(64);
        assert!(u.matches(&v("64")) && u.matches(&v("64.0")));
        assert!(!u.matches(&v("[64]")) && !u.matches(&v("\"64\"")));
    }

    #[test]
    fn layers_and_fits() {
        let p = Width::Profile(vec![32, 64, 128]);
        assert!(p.fits(3) && !p.fits(2));
        assert_eq!((p.at(1), p.at(3), p.at(9)), (32, 128, 128));
        assert_eq!(p.layers(3), vec![32, 64, 128]);
        let u = Width::Uniform(16);
        assert!(u.fits(7));
        assert_eq!((u.at(5), u.layers(2)), (16, vec![16, 16]));
    }
}
