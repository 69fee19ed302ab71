//! The `environment:` secret fix: a value typed into a compose file becomes
//! a Compose secret. The entry turns into `NAME_FILE=/run/secrets/name`,
//! the service lists the secret, and the top-level `secrets:` defines it
//! as `environment: NAME`, so Compose reads the value from the shell (or
//! an untracked `.env`) when it starts the stack. The value is removed from
//! the file and written nowhere: Dockward is not a secret store.

use crate::compose::layout::{Edits, LineEdit, MappingLayout};
use crate::compose::Positions;

/// The secret's name in Compose (`API_TOKEN` → `api_token`).
pub fn secret_name(var: &str) -> String {
    var.to_ascii_lowercase()
}

/// The variable a value only refers to (`${STRIPE:-}`, `$STRIPE`): the
/// Compose secret must read that one, the one that holds the value.
fn referenced_variable(value: &str) -> Option<&str> {
    let v = value.trim_matches(['"', '\'']);
    let rest = v.strip_prefix("${").or_else(|| v.strip_prefix('$'))?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    let tail = &rest[end..];
    // The whole value is the reference: `}` closes it, or a default or
    // an error message does (`:-x}`), with nothing after it.
    let whole = if v.starts_with("${") {
        tail == "}"
            || ([":-", "-", ":?", "?"].iter().any(|op| tail.starts_with(op))
                && tail.ends_with('}')
                && !tail[..tail.len() - 1].contains(['$', '}']))
    } else {
        tail.is_empty()
    };
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && whole).then_some(name)
}

/// Adds the edits for the env secrets `names` of one service to `edits`,
/// and to `defined` each moved secret's (variable, where Compose reads its
/// value); returns notes for what it left alone.
pub fn service_edits(
    lines: &[&str],
    l: &MappingLayout<'_>,
    names: &[String],
    edits: &mut Edits,
    added: &mut Vec<String>,
    defined: &mut Vec<(String, String)>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut moved = Vec::new();
    for name in names {
        let ptr_map = format!("environment/{}", name.replace('~', "~0").replace('/', "~1"));
        let item = l
            .own(&ptr_map)
            .map(|n| (n, false))
            .or_else(|| l.env_item(lines, name).map(|n| (n, true)));
        let Some((n, list)) = item else {
            notes.push(format!(
                "{name}: comes from a merged anchor or another file: move it by hand"
            ));
            continue;
        };
        let line = lines.get(n).copied().unwrap_or("");
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        let value_part = line.trim_start().trim_start_matches("- ");
        let after_key = value_part
            .split_once([':', '='])
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        if after_key.starts_with('|') || after_key.starts_with('>') || after_key.is_empty() {
            notes.push(format!("{name}: a multi-line value: move it by hand"));
            continue;
        }
        let source = referenced_variable(after_key).unwrap_or(name.as_str());
        defined.push((name.clone(), source.to_owned()));
        let secret = secret_name(name);
        let new = if list {
            format!("{indent}- {name}_FILE=/run/secrets/{secret}")
        } else {
            format!("{indent}{name}_FILE: /run/secrets/{secret}")
        };
        edits.entry(n).or_default().push(LineEdit::Replace(new));
        moved.push(secret);
    }
    if moved.is_empty() {
        return notes;
    }
    let ind = &l.child_indent;
    if l.has("secrets") {
        match (l.own("secrets"), l.last_item("secrets")) {
            (Some(_), Some((last, dash)))
                if lines
                    .get(last)
                    .is_some_and(|t| t.trim_start().starts_with('-')) =>
            {
                let items = moved.iter().map(|s| format!("{dash}- {s}")).collect();
                edits
                    .entry(last)
                    .or_default()
                    .push(LineEdit::InsertAfter(items));
            }
            _ => notes.push(format!(
                "add {} to the service's `secrets:` by hand (flow style or merged)",
                moved.join(", ")
            )),
        }
    } else {
        added.push(format!("{ind}secrets:"));
        added.extend(moved.iter().map(|s| format!("{ind}  - {s}")));
    }
    notes
}

/// Edits defining `vars` ((variable, the variable Compose reads its value
/// from)) as top-level secrets read from the environment.
pub fn top_level_edits(
    lines: &[&str],
    positions: &Positions,
    vars: &[(String, String)],
    edits: &mut Edits,
) -> Vec<String> {
    let define = |indent: &str, (v, source): &(String, String)| {
        vec![
            format!("{indent}{}:", secret_name(v)),
            format!("{indent}  environment: {source}"),
        ]
    };
    let mut new: Vec<&(String, String)> = vars
        .iter()
        .filter(|(v, _)| !positions.contains_key(&format!("/secrets/{}", secret_name(v))))
        .collect();
    new.sort();
    new.dedup();
    if new.is_empty() {
        return vec![];
    }
    match positions.get("/secrets") {
        Some((line, _)) => {
            let key_line = *line as usize - 1;
            let after = lines
                .get(key_line)
                .and_then(|t| t.split_once(':'))
                .map(|(_, a)| a.trim())
                .unwrap_or("");
            if !(after.is_empty() || after.starts_with('#')) {
                return vec![
                    "the top-level `secrets:` is in flow style: define the new secrets by hand"
                        .into(),
                ];
            }
            let indent = positions
                .iter()
                .filter(|(p, _)| {
                    p.starts_with("/secrets/") && !p["/secrets/".len()..].contains('/')
                })
                .map(|(_, (_, c))| " ".repeat(*c as usize - 1))
                .min_by_key(String::len)
                .unwrap_or_else(|| "  ".into());
            let lines_to_add = new.iter().flat_map(|v| define(&indent, v)).collect();
            edits
                .entry(key_line)
                .or_default()
                .push(LineEdit::InsertAfter(lines_to_add));
        }
        None => {
            let last = lines.len().saturating_sub(1);
            let mut add = vec!["secrets:".to_owned()];
            add.extend(new.iter().flat_map(|v| define("  ", v)));
            edits
                .entry(last)
                .or_default()
                .push(LineEdit::InsertAfter(add));
        }
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::referenced_variable;

    #[test]
    fn a_value_that_only_refers_to_a_variable_names_it() {
        assert_eq!(referenced_variable("${STRIPE}"), Some("STRIPE"));
        assert_eq!(referenced_variable("\"${STRIPE:-}\""), Some("STRIPE"));
        assert_eq!(referenced_variable("$STRIPE"), Some("STRIPE"));
        assert_eq!(referenced_variable("sk_live_${STRIPE}"), None);
        assert_eq!(referenced_variable("${A}${B}"), None);
        assert_eq!(referenced_variable("hunter2"), None);
    }
}
