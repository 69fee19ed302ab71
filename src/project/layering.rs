//! Compose files that layer on one another: a compose file and its
//! override (`compose.override.yaml` beside `compose.yaml`, which Compose
//! loads with it), or the files `COMPOSE_FILE` names, in order. Compose
//! merges them into one set of services. What a service *lacks* (no
//! `user:`, no `read_only`, no `cap_drop`, no limits) is judged on that
//! merge, once, in the first file; an override that only adds a mount is
//! a fragment and is never judged alone for what it does not say. What a
//! file *says* (`privileged: true`, a socket mount) stays a finding on its
//! own line, in whichever file says it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// Rules about what a service lacks: judged on the merged service.
pub const ABSENCE_RULES: &[&str] = &[
    "container.root-user",
    "container.capabilities-not-dropped",
    "container.no-new-privileges-missing",
    "container.writable-rootfs",
    "container.no-resource-limits",
];

/// How one compose file sits among the others.
#[derive(Debug, Default, Clone)]
pub struct Layering {
    /// The files Compose merges over this one, in order, parsed and
    /// interpolated (for a first file).
    pub overlays: Vec<Value>,
    /// The services of the first file (for a later file: its services that
    /// are there are fragments of those).
    pub base_services: Option<Vec<String>>,
}

impl Layering {
    /// Service `name` (as `svc` in this file) with the overlays merged in.
    pub fn merged(&self, name: &str, svc: &Value) -> Value {
        let mut out = svc.clone();
        for doc in &self.overlays {
            if let Some(over) = doc.pointer(&format!(
                "/services/{}",
                name.replace('~', "~0").replace('/', "~1")
            )) {
                out = merge(&out, over);
            }
        }
        out
    }

    /// Whether service `name` here is a fragment of the first file's.
    pub fn fragment(&self, name: &str) -> bool {
        self.base_services
            .as_ref()
            .is_some_and(|b| b.iter().any(|s| s == name))
    }
}

/// Compose's merge as far as the rules read it: mappings merge key by key,
/// sequences append what they do not already hold, a later scalar wins.
pub fn merge(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                let merged = match out.get(k) {
                    Some(old) => merge(old, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(a), Value::Array(b)) => {
            let mut out = a.clone();
            for v in b {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Value::Array(out)
        }
        (_, v) => v.clone(),
    }
}

/// The groups of compose files Compose loads together: with `COMPOSE_FILE`
/// set, its files in order; else each found compose file and its override
/// beside it. Returns, by file, the files layered over it (first files) and
/// the first file of each later file.
pub fn groups(
    root: &Path,
    found: &[String],
    compose_file: &[String],
) -> (HashMap<String, Vec<String>>, HashMap<String, String>) {
    let mut overlays: HashMap<String, Vec<String>> = HashMap::new();
    let mut base_of: HashMap<String, String> = HashMap::new();
    let mut add = |group: Vec<String>| {
        if let [first, rest @ ..] = group.as_slice() {
            if rest.is_empty() {
                return;
            }
            for r in rest {
                base_of.entry(r.clone()).or_insert_with(|| first.clone());
            }
            overlays
                .entry(first.clone())
                .or_default()
                .extend(rest.iter().cloned());
        }
    };
    let exists = |rel: &String| root.join(rel).is_file();
    if !compose_file.is_empty() {
        add(compose_file.iter().filter(|f| exists(f)).cloned().collect());
    } else {
        for f in found {
            let (dir, base) = f.rsplit_once('/').unwrap_or(("", f.as_str()));
            if base.contains(".override.") {
                continue;
            }
            let over = crate::compose::override_name(base);
            let over = if dir.is_empty() {
                over
            } else {
                format!("{dir}/{over}")
            };
            if exists(&over) {
                add(vec![f.clone(), over]);
            }
        }
    }
    (overlays, base_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_merge_sequences_append_scalars_win() {
        let base = serde_json::json!({"image": "x", "cap_drop": ["NET_RAW"], "deploy": {"resources": {"limits": {"cpus": "1"}}}});
        let over = serde_json::json!({"read_only": true, "cap_drop": ["ALL", "NET_RAW"], "deploy": {"resources": {"limits": {"memory": "512m"}}}, "image": "y"});
        assert_eq!(
            merge(&base, &over),
            serde_json::json!({"image": "y", "read_only": true, "cap_drop": ["NET_RAW", "ALL"], "deploy": {"resources": {"limits": {"cpus": "1", "memory": "512m"}}}})
        );
    }
}
