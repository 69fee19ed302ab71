//! Reading Docker Compose files: which file Compose would load in a folder,
//! and a file's content as JSON with YAML's anchors, aliases and merge keys
//! (`<<: *defaults`) resolved, the way Compose sees it. Parsed with saphyr,
//! whose alias expansion has a node budget (a "billion laughs" file is
//! refused, not expanded).

mod compose_file;
pub mod layout;

pub use compose_file::ComposeFileSetting;

use layout::segment;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Value};

/// The names Compose looks for in a folder, in its order of preference.
pub const FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override file Compose loads with `base` by itself
/// (`compose.yaml` → `compose.override.yaml`).
pub fn override_name(base: &str) -> String {
    match base.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.override.{ext}"),
        None => format!("{base}.override"),
    }
}

/// Files larger than this are not compose files anyone wrote by hand.
pub const MAX_COMPOSE_BYTES: usize = 4 << 20;

/// A compose file's first document as JSON (merge keys applied: keys of
/// the mapping itself win over merged ones). An empty file is `null`.
pub fn to_json(text: &str) -> Result<Value, String> {
    if text.len() > MAX_COMPOSE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_COMPOSE_BYTES}-byte limit for a compose file",
            text.len()
        ));
    }
    Ok(to_json_with_positions(text)?.0)
}

/// Where each value of a document is: JSON pointer (`/services/web/privileged`)
/// → 1-based line and column of its key (mapping entries) or item (sequence
/// entries). A merged key points where the merged mapping defines it.
pub type Positions = std::collections::HashMap<String, (u32, u32)>;

/// [`to_json`] with the position of every value, for findings that name a
/// file's line and column.
pub fn to_json_with_positions(text: &str) -> Result<(Value, Positions), String> {
    if text.len() > MAX_COMPOSE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_COMPOSE_BYTES}-byte limit for a compose file",
            text.len()
        ));
    }
    let docs = MarkedYaml::load_from_str(text).map_err(|e| e.to_string())?;
    let mut at = Positions::new();
    let value = docs
        .first()
        .map(|d| node_json(d, "", &mut at))
        .unwrap_or(Value::Null);
    Ok((value, at))
}

fn pos(n: &MarkedYaml) -> (u32, u32) {
    let m = n.span.start;
    (
        u32::try_from(m.line()).unwrap_or(u32::MAX),
        u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    )
}

fn node_json(n: &MarkedYaml, ptr: &str, at: &mut Positions) -> Value {
    match &n.data {
        YamlData::Value(s) => match s {
            Scalar::Null => Value::Null,
            Scalar::Boolean(b) => Value::Bool(*b),
            Scalar::Integer(i) => Value::from(*i),
            Scalar::FloatingPoint(f) => serde_json::Number::from_f64(**f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Scalar::String(s) => Value::String(s.to_string()),
        },
        YamlData::Sequence(seq) => Value::Array(
            seq.iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{ptr}/{i}");
                    at.insert(p.clone(), pos(item));
                    node_json(item, &p, at)
                })
                .collect(),
        ),
        YamlData::Mapping(m) => {
            let mut own = Map::new();
            let mut merged = Map::new();
            for (k, v) in m.iter() {
                let key = match &k.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    _ => continue,
                };
                if key == "<<" {
                    let sources: Vec<&MarkedYaml> = match &v.data {
                        YamlData::Sequence(s) => s.iter().collect(),
                        _ => vec![v],
                    };
                    // Earlier sources win over later ones, as in YAML 1.1.
                    for src in sources {
                        let mut src_at = Positions::new();
                        if let Value::Object(o) = node_json(src, ptr, &mut src_at) {
                            for (mk, mv) in o {
                                merged.entry(mk).or_insert(mv);
                            }
                        }
                        for (p, xy) in src_at {
                            at.entry(p).or_insert(xy);
                        }
                    }
                } else {
                    let p = format!("{ptr}/{}", segment(&key));
                    // The key's own entry wins over a merged one.
                    at.insert(p.clone(), pos(k));
                    own.insert(key, node_json(v, &p, at));
                }
            }
            for (mk, mv) in merged {
                own.entry(mk).or_insert(mv);
            }
            Value::Object(own)
        }
        YamlData::Tagged(_, inner) => node_json(inner, ptr, at),
        _ => Value::Null,
    }
}

/// A service as the CA wizard needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    /// Its name.
    pub name: String,
    /// Whether Compose builds its image (`build:`).
    pub builds: bool,
}

/// The services of a compose file, in name order.
pub fn services(doc: &Value) -> Vec<ServiceSummary> {
    doc.get("services")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(name, s)| ServiceSummary {
                    name: name.clone(),
                    builds: s.get("build").is_some_and(|b| !b.is_null()),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_aliases_and_merge_keys_are_resolved() {
        let doc = to_json(
            "x-defaults: &defaults\n  restart: unless-stopped\n  privileged: false\nservices:\n  web:\n    <<: *defaults\n    build: .\n    privileged: true # mine wins\n  db:\n    <<: [*defaults]\n    image: postgres:16\n",
        )
        .expect("parses");
        assert_eq!(doc["services"]["web"]["privileged"], true);
        assert_eq!(doc["services"]["web"]["restart"], "unless-stopped");
        assert_eq!(doc["services"]["db"]["privileged"], false);
        assert_eq!(
            services(&doc),
            [
                ServiceSummary {
                    name: "db".into(),
                    builds: false
                },
                ServiceSummary {
                    name: "web".into(),
                    builds: true
                }
            ],
            "in name order"
        );
    }

    #[test]
    fn bad_yaml_and_alias_bombs_are_errors() {
        assert!(to_json("services:\n  web: [\n").is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(to_json(&bomb).is_err(), "a billion laughs is refused");
    }

    #[test]
    fn override_names_follow_the_base() {
        assert_eq!(override_name("compose.yaml"), "compose.override.yaml");
        assert_eq!(
            override_name("docker-compose.yml"),
            "docker-compose.override.yml"
        );
    }
}
