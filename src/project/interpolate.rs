//! Compose's variable interpolation (`${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `$VAR`, `$$`) from the project's `.env`, where a value
//! decides a finding. Unknown variables are empty, as Compose makes them.

use std::collections::HashMap;

/// Variables from a `.env` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// Parses `KEY=value` lines (comments, `export `, quotes).
    pub fn parse(text: &str) -> Env {
        let mut vars = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim();
            let v = if v.len() >= 2
                && ((v.starts_with('"') && v.ends_with('"'))
                    || (v.starts_with('\'') && v.ends_with('\'')))
            {
                &v[1..v.len() - 1]
            } else {
                v.split(" #").next().unwrap_or(v).trim_end()
            };
            vars.insert(k.trim().to_owned(), v.to_owned());
        }
        Env(vars)
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The entries, for checks over every value.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// `text` with its variables replaced.
    pub fn interpolate(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
            } else if let Some(body) = after.strip_prefix('{') {
                let Some(end) = body.find('}') else {
                    out.push_str(&rest[i..]);
                    return out;
                };
                out.push_str(&self.expand(&body[..end]));
                rest = &body[end + 1..];
            } else {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                if n == 0 {
                    out.push('$');
                } else {
                    out.push_str(self.get(&after[..n]).unwrap_or(""));
                }
                rest = &after[n..];
            }
        }
        out.push_str(rest);
        out
    }

    fn expand(&self, expr: &str) -> String {
        for (op, unset_only) in [(":-", false), ("-", true), (":?", false), ("?", true)] {
            if let Some((name, default)) = expr.split_once(op) {
                let v = self.get(name);
                let use_default = match v {
                    None => true,
                    Some(v) => !unset_only && v.is_empty(),
                };
                return if use_default && !op.contains('?') {
                    default.to_owned()
                } else {
                    v.unwrap_or("").to_owned()
                };
            }
        }
        if let Some((name, alt)) = expr.split_once(":+") {
            return if self.get(name).is_some_and(|v| !v.is_empty()) {
                alt.to_owned()
            } else {
                String::new()
            };
        }
        self.get(expr).unwrap_or("").to_owned()
    }
}

/// Every string in a JSON value, interpolated.
pub fn interpolate_json(v: &mut serde_json::Value, env: &Env) {
    match v {
        serde_json::Value::String(s) if s.contains('$') => *s = env.interpolate(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| interpolate_json(x, env)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| interpolate_json(x, env)),
        _ => {}
    }
}
