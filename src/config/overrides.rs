//! `--set key=value`: overrides of any config field from the command line, applied to the
//! parsed TOML table before it is typed. `key` is a dotted path (`train.steps`,
//! `dataset.kind`); `value` is TOML (`3`, `[2, 4]`, `"tanh"`, `{ loss = 0.3 }`), or else, when
//! it is a bare word, taken as a string (`dataset.kind=digits` needs no quotes); a value that
//! starts like a list, table or quoted string must be valid TOML (`depths=[3,` is refused).

/// Applies one `key=value` override to `table`.
pub fn apply(table: &mut toml::Table, assignment: &str) -> Result<(), String> {
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| format!("--set `{assignment}`: expected key=value"))?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("--set `{assignment}`: `{key}` is not a key"));
    }
    let value = parse_value(raw.trim())
        .map_err(|e| format!("--set `{assignment}`: the value is not valid TOML: {e}"))?;
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("split yields at least one part");
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("--set `{assignment}`: `{part}` is not a table"))?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// A TOML value, or the raw text as a string when it is a bare word (`digits`); text that
/// starts like a list, table or quoted string must be valid TOML.
fn parse_value(raw: &str) -> Result<toml::Value, String> {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => Ok(t.remove("v").unwrap_or(toml::Value::String(String::new()))),
        Err(e) if raw.starts_with(['[', '{', '"', '\'']) => Err(e.message().trim_end().to_string()),
        Err(_) => Ok(toml::Value::String(raw.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_set_nested_values_with_toml_types() {
        let mut t: toml::Table = toml::from_str("name = \"a\"\n[train]\nsteps = 10").unwrap();
        apply(&mut t, "train.steps=20").unwrap();
        apply(&mut t, "depths = [2, 4]").unwrap();
        apply(&mut t, "dataset.kind=digits").unwrap();
        apply(&mut t, "train.target={ loss = 0.3 }").unwrap();
        assert_eq!(t["train"]["steps"].as_integer(), Some(20));
        assert_eq!(t["depths"].as_array().unwrap().len(), 2);
        assert_eq!(t["dataset"]["kind"].as_str(), Some("digits"));
        assert_eq!(t["train"]["target"]["loss"].as_float(), Some(0.3));
        assert!(apply(&mut t, "steps").unwrap_err().contains("key=value"));
        assert!(apply(&mut t, "name.x=1")
            .unwrap_err()
            .contains("not a table"));
        assert!(apply(&mut t, ".a=1").is_err());
        assert!(apply(&mut t, "depths=[3,")
            .unwrap_err()
            .contains("not valid TOML"));
        assert!(apply(&mut t, "train.target={ loss = }").is_err());
    }
}
