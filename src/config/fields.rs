//! How the config's fields are written, for serde: a scheme or optimizer as a name or a
//! table (`"he_normal"`, `{ scheme = "normal", std = 0.01 }`), one `[dataset]` table or many,
//! grid counts (depths) that must be at least 1, and widths (a number or a list per layer).

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::width::Width;
use crate::data::DatasetConfig;

/// The `widths` axis: each entry a number of units or a list of them (see [`Width`]).
pub(super) fn widths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Width>, D::Error> {
    Vec::<toml::Value>::deserialize(deserializer)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Width::from_toml(v).map_err(|e| D::Error::custom(format!("entry {}: {e}", i + 1)))
        })
        .collect()
}

/// The `seeds` axis: a list, or `{ first = 0, count = 1000 }` for a run of consecutive seeds
/// (sweeps of initializations need thousands).
pub(super) fn seeds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Run {
        #[serde(default)]
        first: u64,
        count: u64,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seeds {
        List(Vec<u64>),
        Run(Run),
    }
    match Seeds::deserialize(deserializer).map_err(|_| {
        D::Error::custom(
            "seeds must be a list of whole numbers >= 0, or { first = 0, count = 100 }",
        )
    })? {
        Seeds::List(seeds) => Ok(seeds),
        Seeds::Run(Run { first, count }) => {
            // The list is held in memory: ten million seeds is 80 MB.
            const MOST: u64 = 10_000_000;
            if count > MOST {
                return Err(D::Error::custom(format!(
                    "seeds: count = {count} is more than {MOST} seeds"
                )));
            }
            let end = first.checked_add(count).ok_or_else(|| {
                D::Error::custom(format!(
                    "seeds: first + count overflows ({first} + {count})"
                ))
            })?;
            Ok((first..end).collect())
        }
    }
}

/// A table, or an array of tables.
pub(super) fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<DatasetConfig>, D::Error> {
    let (tables, many) = match toml::Value::deserialize(deserializer)? {
        toml::Value::Array(values) => (values, true),
        value => (vec![value], false),
    };
    let mut datasets = Vec::new();
    for (i, table) in tables.into_iter().enumerate() {
        for value in each_length(table) {
            let dataset = DatasetConfig::deserialize(value).map_err(|e| {
                D::Error::custom(if many {
                    format!("dataset {}: {e}", i + 1)
                } else {
                    e.to_string()
                })
            })?;
            datasets.push(dataset);
        }
    }
    Ok(datasets)
}

/// A dataset table whose `length` is a list (`length = [50, 100, 200]`: the sequence length
/// as a grid axis) as one table per length, in order (a `name` gets the length appended, so
/// that the labels differ); any other table as it is.
fn each_length(table: toml::Value) -> Vec<toml::Value> {
    let toml::Value::Table(t) = &table else {
        return vec![table];
    };
    let Some(toml::Value::Array(lengths)) = t.get("length") else {
        return vec![table];
    };
    lengths
        .iter()
        .map(|length| {
            let mut one = t.clone();
            one.insert("length".into(), length.clone());
            if let Some(toml::Value::String(name)) = t.get("name") {
                let label = format!("{name}-T{}", length);
                one.insert("name".into(), toml::Value::String(label));
            }
            toml::Value::Table(one)
        })
        .collect()
}

pub(super) fn serialize_one_or_many<S: serde::Serializer>(
    datasets: &[DatasetConfig],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match datasets {
        [one] => one.serialize(serializer),
        many => many.serialize(serializer),
    }
}

/// The key that names the variant of a tagged table.
pub(super) trait Tag {
    const KEY: &'static str;
}
pub(super) struct SchemeTag;
impl Tag for SchemeTag {
    const KEY: &'static str = "scheme";
}
pub(super) struct OptimizerTag;
impl Tag for OptimizerTag {
    const KEY: &'static str = "kind";
}

/// What a count of a grid axis counts, for its error message.
pub(super) trait Counted {
    const RULE: &'static str;
}
pub(super) struct Depth;
impl Counted for Depth {
    const RULE: &'static str = "a depth must be at least 1 hidden layer";
}

/// A list of whole numbers of at least 1, with a message that says so (serde's own would read
/// "invalid value: integer `-3`, expected usize").
pub(super) fn counts<'de, D: Deserializer<'de>, C: Counted>(
    deserializer: D,
) -> Result<Vec<usize>, D::Error> {
    Vec::<toml::Value>::deserialize(deserializer)?
        .into_iter()
        .map(|v| match v {
            toml::Value::Integer(n) if n >= 1 => usize::try_from(n).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("{}, got {other}", C::RULE))),
        })
        .collect()
}

/// A single name or tagged table (see [`names_or_tables`]).
pub(super) fn name_or_table<'de, D, V, T>(deserializer: D) -> Result<Option<V>, D::Error>
where
    D: Deserializer<'de>,
    V: DeserializeOwned,
    T: Tag,
{
    let value = toml::Value::deserialize(deserializer)?;
    V::deserialize(tagged::<T>(value).map_err(D::Error::custom)?)
        .map(Some)
        .map_err(D::Error::custom)
}

/// A bare name becomes the table `{ KEY = name }`; a list is refused (serde would otherwise
/// read `["zeros"]` as the tag of a one-element sequence).
pub(super) fn tagged<T: Tag>(value: toml::Value) -> Result<toml::Value, String> {
    match value {
        toml::Value::String(name) => {
            let mut table = toml::Table::new();
            table.insert(T::KEY.to_string(), toml::Value::String(name));
            Ok(toml::Value::Table(table))
        }
        toml::Value::Array(_) => Err(format!(
            "expected a name or a table with `{}`, not a list",
            T::KEY
        )),
        other => Ok(other),
    }
}

/// A list whose entries are a bare name (`"he_normal"`) or a table tagged by `T::KEY`: a name
/// is read as the table `{ KEY = name }`.
pub(super) fn names_or_tables<'de, D, V, T>(deserializer: D) -> Result<Vec<V>, D::Error>
where
    D: Deserializer<'de>,
    V: DeserializeOwned,
    T: Tag,
{
    let values = Vec::<toml::Value>::deserialize(deserializer)?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            tagged::<T>(value)
                .and_then(|v| V::deserialize(v).map_err(|e| e.to_string()))
                .map_err(|e| D::Error::custom(format!("entry {}: {e}", i + 1)))
        })
        .collect()
}
