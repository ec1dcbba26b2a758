//! A size in bytes as people write it on a command line (`--max-memory 8G`) and read it in a
//! message (`1.5 GB`, `10 MB`), in binary units.

use std::fmt;
use std::str::FromStr;

/// A number of bytes, read as `8G`, `512M`, `1.5GB`, `2048K` or plain bytes (binary units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bytes(pub u64);

impl FromStr for Bytes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_uppercase();
        let t = t.strip_suffix("IB").or(t.strip_suffix('B')).unwrap_or(&t);
        let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            Some((i, _)) => (&t[..i], &t[i..]),
            None => (t, ""),
        };
        if number.trim().is_empty() {
            return Err(format!("`{s}` is not a size such as 8G or 512M"));
        }
        let scale = match unit {
            "" => 1u64,
            "K" => 1 << 10,
            "M" => 1 << 20,
            "G" => 1 << 30,
            "T" => 1 << 40,
            _ => return Err(format!("`{s}`: the unit must be K, M, G or T")),
        };
        let value: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a size such as 8G or 512M"))?;
        if !(value.is_finite() && value > 0.0) {
            return Err(format!("`{s}`: a size must be positive"));
        }
        Ok(Bytes((value * scale as f64) as u64))
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        if b >= (1u64 << 30) as f64 {
            write!(f, "{:.1} GB", b / (1u64 << 30) as f64)
        } else {
            write!(f, "{:.0} MB", (b / (1u64 << 20) as f64).ceil())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!("8G".parse::<Bytes>(), Ok(Bytes(8 << 30)));
        assert_eq!("512MB".parse::<Bytes>(), Ok(Bytes(512 << 20)));
        assert_eq!("1.5GiB".parse::<Bytes>(), Ok(Bytes(3 << 29)));
        assert_eq!("4096".parse::<Bytes>(), Ok(Bytes(4096)));
        assert!("-1G".parse::<Bytes>().is_err());
        assert!("8Q".parse::<Bytes>().is_err());
        assert!("lots".parse::<Bytes>().is_err());
        assert_eq!(Bytes(3 << 29).to_string(), "1.5 GB");
        assert_eq!(Bytes(10 << 20).to_string(), "10 MB");
    }
}
