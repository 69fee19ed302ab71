//! Handing the CA to Compose services without touching the user's compose
//! file: a `compose.override.yaml` beside it (Compose loads it by itself)
//! gives each service that builds the build secret, and every service the
//! bundle as a read-only bind mount and the variables its runtimes read.
//! When the user has an override already, the setup is merged into it line
//! by line (`compose::layout`), every line of theirs kept.

use crate::compose::layout::{
    apply_lines, mapping_layout, opens_block, segment, service_layout, Edits, LineEdit,
};
use crate::compose::ServiceSummary;

use super::dockerfile::SECRET_ID;

/// Where the bundle is mounted in containers.
pub const CONTAINER_PATH: &str = "/run/certs/ca-bundle.pem";

/// Variables that make runtimes in a container trust the bundle. All point
/// at the bundle (public roots plus the corporate CA): those that replace
/// the trust store must, and `NODE_EXTRA_CA_CERTS` only adds.
pub const RUNTIME_VARIABLES: &[&str] = &[
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE",
    "CARGO_HTTP_CAINFO",
];

/// YAML-quotes a scalar when it needs it (service names are usually plain).
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && (!s.starts_with(['-', '.']) || s.starts_with("./") || s.starts_with("../"));
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

/// The services among `services` that the override `text` does not give
/// the setup: the read-only mount of the bundle, and the build secret for
/// those that build. An override that does not parse lacks it for all.
pub fn missing_setup(text: &str, services: &[ServiceSummary]) -> Vec<String> {
    let doc = crate::compose::to_json(text).unwrap_or_default();
    let mut out: Vec<String> = services
        .iter()
        .filter_map(|s| {
            let service = &doc["services"][&s.name];
            if !mounts_bundle(service) {
                return Some(s.name.clone()); // no setup at all
            }
            let mut lacks = Vec::new();
            if !mount_read_only(service) {
                lacks.push("a read-only mount");
            }
            if s.builds && !lists_secret(&service["build"]) {
                lacks.push("the build secret");
            }
            if !sets_a_variable(service) {
                lacks.push("the CA variables");
            }
            (!lacks.is_empty()).then(|| format!("{} ({})", s.name, lacks.join(", ")))
        })
        .collect();
    // Builds read the secret from its top-level definition.
    if services.iter().any(|s| s.builds) && doc["secrets"][SECRET_ID]["file"].as_str().is_none() {
        out.push(format!("the top-level `secrets.{SECRET_ID}`"));
    }
    out
}

/// Whether the mount at [`CONTAINER_PATH`] is read-only.
fn mount_read_only(service: &serde_json::Value) -> bool {
    service["volumes"].as_array().is_some_and(|v| {
        v.iter().any(|m| {
            (m["target"].as_str() == Some(CONTAINER_PATH) && m["read_only"] == true)
                || m.as_str().is_some_and(|t| {
                    let parts: Vec<&str> = t.split(':').collect();
                    parts.get(1) == Some(&CONTAINER_PATH)
                        && parts
                            .get(2)
                            .is_some_and(|o| o.split(',').any(|f| f == "ro"))
                })
        })
    })
}

/// Whether the service sets any of the runtimes' CA variables.
fn sets_a_variable(service: &serde_json::Value) -> bool {
    let env = &service["environment"];
    RUNTIME_VARIABLES.iter().any(|v| {
        env.get(v).is_some()
            || env.as_array().is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.as_str().is_some_and(|i| i.split('=').next() == Some(v)))
            })
    })
}

/// Whether a service (as JSON) mounts something at [`CONTAINER_PATH`]
/// (long syntax, or short `source:target[:mode]`).
fn mounts_bundle(service: &serde_json::Value) -> bool {
    service["volumes"].as_array().is_some_and(|v| {
        v.iter().any(|m| {
            m["target"].as_str() == Some(CONTAINER_PATH)
                || m.as_str()
                    .is_some_and(|t| t.split(':').nth(1) == Some(CONTAINER_PATH))
        })
    })
}

/// Whether a service's `build` (as JSON) lists the CA's build secret.
fn lists_secret(build: &serde_json::Value) -> bool {
    build["secrets"].as_array().is_some_and(|a| {
        a.iter()
            .any(|i| i.as_str() == Some(SECRET_ID) || i["source"].as_str() == Some(SECRET_ID))
    })
}

/// The lines giving service `s` the setup, its key at `indent`.
fn service_block(indent: &str, s: &ServiceSummary, bundle: &str) -> Vec<String> {
    let mut y = vec![format!("{indent}{}:", scalar(&s.name))];
    let i = format!("{indent}  ");
    if s.builds {
        y.push(format!("{i}build:"));
        y.push(format!("{i}  secrets:"));
        y.push(format!("{i}    - {SECRET_ID}"));
    }
    y.push(format!("{i}volumes:"));
    y.extend(mount_item(&format!("{i}  "), bundle));
    y.push(format!("{i}environment:"));
    y.extend(
        RUNTIME_VARIABLES
            .iter()
            .map(|v| format!("{i}  {v}: {CONTAINER_PATH}")),
    );
    y
}

/// The read-only bind mount as a block-sequence item, its dash at `dash`.
fn mount_item(dash: &str, bundle: &str) -> Vec<String> {
    vec![
        format!("{dash}- type: bind"),
        format!("{dash}  source: {}", scalar(bundle)),
        format!("{dash}  target: {CONTAINER_PATH}"),
        format!("{dash}  read_only: true"),
    ]
}

/// The top-level secret definition, its key at `indent`.
fn secret_definition(indent: &str, bundle: &str) -> Vec<String> {
    vec![
        format!("{indent}{SECRET_ID}:"),
        format!("{indent}  file: {}", scalar(bundle)),
    ]
}

/// The override file for `base` (the compose file's name) whose services
/// are `services`; `bundle` is the bundle's path relative to the compose
/// file's folder (`./.certs/ca-bundle.pem`).
pub fn override_text(base: &str, services: &[ServiceSummary], bundle: &str) -> String {
    let mut y = vec![
        "# Made by Dockward's CA setup: the corporate CA for builds (a BuildKit".to_owned(),
        "# secret) and containers (a read-only mount), from .certs/ (kept out of".to_owned(),
        format!("# git and of the build context). Compose loads this file with {base}"),
        "# by itself. `dockward ca undo` removes it; .certs/setup.sh makes the".to_owned(),
        "# certificate files on a teammate's machine.".to_owned(),
        "services:".to_owned(),
    ];
    for s in services {
        y.extend(service_block("  ", s, bundle));
    }
    if services.iter().any(|s| s.builds) {
        y.push("secrets:".to_owned());
        y.extend(secret_definition("  ", bundle));
    }
    y.join("\n") + "\n"
}

/// The setup added to an override file the user already has, keeping every
/// line of it: services it lacks are added under its `services:`, services
/// it has get the mount, the variables it does not set and the build secret
/// (new items go first in a list, so an item written over several lines is
/// never split), and the secret is defined at the top level. What line
/// edits cannot do safely (flow style, keys merged from an anchor, a
/// variable the user already sets) is left as it is and comes back as a note.
pub fn merge_override(
    text: &str,
    services: &[ServiceSummary],
    bundle: &str,
) -> Result<(String, Vec<String>), String> {
    let (doc, positions) = crate::compose::to_json_with_positions(text)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut edits = Edits::new();
    let mut notes = Vec::new();
    let mut tail: Vec<String> = Vec::new();
    if positions.contains_key("/services") {
        match mapping_layout(&lines, &positions, "/services") {
            Ok(top) => {
                let mut new = Vec::new();
                for s in services {
                    if doc["services"].get(&s.name).is_none() {
                        new.extend(service_block(&top.child_indent, s, bundle));
                    } else {
                        merge_service(&lines, &positions, &doc, s, bundle, &mut edits, &mut notes);
                    }
                }
                if !new.is_empty() {
                    edits
                        .entry(top.key_line)
                        .or_default()
                        .push(LineEdit::InsertAfter(new));
                }
            }
            Err(e) => notes.push(format!("{e}: add the CA setup to its services by hand")),
        }
    } else {
        tail.push("services:".to_owned());
        for s in services {
            tail.extend(service_block("  ", s, bundle));
        }
    }
    if services.iter().any(|s| s.builds) {
        let at = format!("/secrets/{}", segment(SECRET_ID));
        if positions.contains_key(&at) {
            if doc["secrets"][SECRET_ID]["file"].as_str() != Some(bundle) {
                notes.push(format!(
                    "the secret {SECRET_ID} is defined already and was left as it is: it should be `file: {bundle}`"
                ));
            }
        } else if positions.contains_key("/secrets") {
            match mapping_layout(&lines, &positions, "/secrets") {
                Ok(top) => edits
                    .entry(top.key_line)
                    .or_default()
                    .push(LineEdit::InsertAfter(secret_definition(
                        &top.child_indent,
                        bundle,
                    ))),
                Err(e) => notes.push(format!(
                    "{e}: define the secret {SECRET_ID} with `file: {bundle}` by hand"
                )),
            }
        } else {
            tail.push("secrets:".to_owned());
            tail.extend(secret_definition("  ", bundle));
        }
    }
    if !tail.is_empty() {
        tail.insert(
            0,
            "# Added by Dockward's CA setup (`dockward ca undo` takes it out)".to_owned(),
        );
        match lines.len().checked_sub(1) {
            Some(last) => edits
                .entry(last)
                .or_default()
                .push(LineEdit::InsertAfter(tail)),
            None => return Ok((tail.join("\n") + "\n", notes)),
        }
    }
    let out = apply_lines(text, &edits);
    // A layout the line edits misread must not become a broken file.
    if crate::compose::to_json(&out).is_err() {
        notes.push(format!(
            "its layout could not be extended safely: add the mount of {bundle} at {CONTAINER_PATH} (read-only), the variables and build.secrets [{SECRET_ID}] by hand"
        ));
        return Ok((text.to_owned(), notes));
    }
    Ok((out, notes))
}

/// The setup for service `s`, which the override has already.
fn merge_service(
    lines: &[&str],
    positions: &crate::compose::Positions,
    doc: &serde_json::Value,
    s: &ServiceSummary,
    bundle: &str,
    edits: &mut Edits,
    notes: &mut Vec<String>,
) {
    let name = &s.name;
    let l = match service_layout(lines, positions, name) {
        Ok(l) => l,
        Err(e) => return notes.push(format!("{e}: add the CA setup to it by hand")),
    };
    let service = &doc["services"][name];
    let ind = &l.child_indent;
    let mut added: Vec<String> = Vec::new();
    // The read-only mount.
    let mounted = mounts_bundle(service);
    if !l.has("volumes") {
        added.push(format!("{ind}volumes:"));
        added.extend(mount_item(&format!("{ind}  "), bundle));
    } else if !mounted {
        match l.own("volumes").filter(|n| opens_block(lines, *n)) {
            Some(n) => {
                let dash = l
                    .first_item_indent("volumes")
                    .unwrap_or_else(|| format!("{ind}  "));
                push_after(edits, n, mount_item(&dash, bundle));
            }
            None => notes.push(format!(
                "{name}: add the read-only mount of {bundle} at {CONTAINER_PATH} to its volumes by hand (flow style or merged)"
            )),
        }
    }
    // The variables it does not set already.
    let env = &service["environment"];
    let set = |v: &str| match env {
        serde_json::Value::Object(m) => m.get(v).map(|x| x.as_str().unwrap_or("").to_owned()),
        serde_json::Value::Array(a) => a.iter().filter_map(|i| i.as_str()).find_map(|i| {
            let (k, val) = i.split_once('=').unwrap_or((i, ""));
            (k == v).then(|| val.to_owned())
        }),
        _ => None,
    };
    let mut missing = Vec::new();
    for v in RUNTIME_VARIABLES {
        match set(v) {
            Some(val) if val != CONTAINER_PATH => notes.push(format!(
                "{name}: {v} is set already and was kept; the CA setup would point it at {CONTAINER_PATH}"
            )),
            Some(_) => {}
            None => missing.push(*v),
        }
    }
    if !missing.is_empty() {
        if !l.has("environment") {
            added.push(format!("{ind}environment:"));
            added.extend(
                missing
                    .iter()
                    .map(|v| format!("{ind}  {v}: {CONTAINER_PATH}")),
            );
        } else {
            let list = env.is_array();
            let block = l.own("environment").filter(|n| opens_block(lines, *n));
            let indent = if list {
                l.first_item_indent("environment")
            } else {
                l.nested("environment").ok().map(|e| e.child_indent)
            };
            match (block, indent) {
                (Some(n), Some(i)) => push_after(
                    edits,
                    n,
                    missing
                        .iter()
                        .map(|v| {
                            if list {
                                format!("{i}- {v}={CONTAINER_PATH}")
                            } else {
                                format!("{i}{v}: {CONTAINER_PATH}")
                            }
                        })
                        .collect(),
                ),
                _ => notes.push(format!(
                    "{name}: set {} to {CONTAINER_PATH} in its environment by hand (flow style or merged)",
                    missing.join(", ")
                )),
            }
        }
    }
    // The build secret.
    if s.builds {
        match &service["build"] {
            serde_json::Value::Null if !l.has("build") => {
                added.push(format!("{ind}build:"));
                added.push(format!("{ind}  secrets:"));
                added.push(format!("{ind}    - {SECRET_ID}"));
            }
            build @ serde_json::Value::Object(_) => {
                let listed = lists_secret(build);
                match l.nested("build") {
                    Ok(b) if !b.has("secrets") => push_after(
                        edits,
                        b.key_line,
                        vec![
                            format!("{}secrets:", b.child_indent),
                            format!("{}  - {SECRET_ID}", b.child_indent),
                        ],
                    ),
                    Ok(b) if !listed => match (
                        b.own("secrets").filter(|n| opens_block(lines, *n)),
                        b.first_item_indent("secrets"),
                    ) {
                        (Some(n), Some(dash)) => push_after(edits, n, vec![format!("{dash}- {SECRET_ID}")]),
                        _ => notes.push(format!(
                            "{name}: add {SECRET_ID} to build.secrets by hand (flow style or merged)"
                        )),
                    },
                    Ok(_) => {}
                    Err(e) => notes.push(format!("{name}: {e}: add build.secrets [{SECRET_ID}] by hand")),
                }
            }
            _ => notes.push(format!(
                "{name}: its build is a path here: write it as `build: {{ context: …, secrets: [{SECRET_ID}] }}` by hand"
            )),
        }
    }
    if !added.is_empty() {
        push_after(edits, l.key_line, added);
    }
}

fn push_after(edits: &mut Edits, line: usize, add: Vec<String>) {
    edits
        .entry(line)
        .or_default()
        .push(LineEdit::InsertAfter(add));
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
