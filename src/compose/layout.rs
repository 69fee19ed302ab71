//! Editing a compose file by lines, so that everything an edit is not about
//! (comments, ordering, quoting, blank lines) stays byte for byte: the
//! parsed positions say where a mapping's keys are, and an edit replaces a
//! line or inserts lines after one. Used by the project check's fixes and
//! the CA wizard; anything the text does not allow safely (flow style, a
//! key merged from an anchor) is the caller's note, not a guess.

use std::collections::BTreeMap;

use super::Positions;

/// One edit to a file's lines: replace line `n` (0-based) or insert after it.
#[derive(Debug, Clone)]
pub enum LineEdit {
    /// The line becomes this one.
    Replace(String),
    /// These lines follow it.
    InsertAfter(Vec<String>),
}

/// Edits by 0-based line; several on one line apply in order.
pub type Edits = BTreeMap<usize, Vec<LineEdit>>;

/// `text` with `edits` applied, its line endings and final newline kept.
pub fn apply_lines(text: &str, edits: &Edits) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let trailing = text.ends_with('\n');
    let mut out: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut current = line.to_owned();
        let mut after = Vec::new();
        for e in edits.get(&i).into_iter().flatten() {
            match e {
                LineEdit::Replace(l) => current = l.clone(),
                LineEdit::InsertAfter(ls) => after.extend(ls.iter().cloned()),
            }
        }
        out.push(current);
        out.extend(after);
    }
    let mut s = out.join(newline);
    if trailing {
        s.push_str(newline);
    }
    s
}

/// A JSON pointer segment (`~` and `/` escaped, RFC 6901).
pub fn segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Where a block mapping's keys are in its file: a service, the `build:`
/// under it, the top-level `services:` or `secrets:`.
pub struct MappingLayout<'a> {
    /// 0-based line of the mapping's own key.
    pub key_line: usize,
    /// Indentation of the mapping's children (existing ones, or two more
    /// than the key when it has none).
    pub child_indent: String,
    positions: &'a Positions,
    lines: &'a [&'a str],
    ptr: String,
}

impl<'a> MappingLayout<'a> {
    /// 0-based line of `key` under the mapping, if it is in the mapping's
    /// own block (not merged from an anchor elsewhere).
    pub fn own(&self, key: &str) -> Option<usize> {
        let (line, _) = self.positions.get(&format!("{}/{key}", self.ptr))?;
        let l = (*line as usize).checked_sub(1)?;
        (l > self.key_line).then_some(l)
    }

    /// 0-based line of the `environment:` list item `NAME=…`, if in the
    /// mapping's own block.
    pub fn env_item(&self, lines: &[&str], name: &str) -> Option<usize> {
        let prefix = format!("{}/environment/", self.ptr);
        self.positions
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix) && p[prefix.len()..].parse::<usize>().is_ok())
            .map(|(_, (l, _))| *l as usize - 1)
            .filter(|l| *l > self.key_line)
            .find(|l| {
                let item = lines
                    .get(*l)
                    .map_or("", |t| t.trim_start().trim_start_matches("- "));
                let item = item.trim_matches(['"', '\'']);
                item.split_once('=').map_or(item, |(k, _)| k) == name
            })
    }

    /// Whether the mapping has `key` (its own or merged).
    pub fn has(&self, key: &str) -> bool {
        self.positions.contains_key(&format!("{}/{key}", self.ptr))
    }

    /// The items of a block sequence under `key`: 0-based line of each and
    /// its dash's indentation, in file order.
    fn items(&self, key: &str) -> Vec<(usize, String)> {
        let prefix = format!("{}/{key}/", self.ptr);
        let mut items: Vec<(usize, String)> = self
            .positions
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix) && p[prefix.len()..].parse::<usize>().is_ok())
            .map(|(_, (l, c))| {
                let line = *l as usize - 1;
                // The dash's own indentation where the item starts its line
                // (`-   x` has more than one space after the dash).
                let text = self.lines.get(line).copied().unwrap_or("");
                let indent: String = text.chars().take_while(|c| *c == ' ').collect();
                let dash = if text[indent.len()..].starts_with('-') {
                    indent
                } else {
                    " ".repeat((*c as usize).saturating_sub(3))
                };
                (line, dash)
            })
            .collect();
        items.sort();
        items
    }

    /// 0-based line of the last item of a block sequence under `key`, and
    /// its dash's indentation.
    pub fn last_item(&self, key: &str) -> Option<(usize, String)> {
        self.items(key).pop()
    }

    /// The first item's dash indentation of a block sequence under `key`:
    /// new items go right after the key's line, so that an item written
    /// over several lines is never split.
    pub fn first_item_indent(&self, key: &str) -> Option<String> {
        self.items(key).into_iter().next().map(|(_, d)| d)
    }

    /// The layout of the block mapping under `key` (`build`, `environment`).
    pub fn nested(&self, key: &str) -> Result<MappingLayout<'a>, String> {
        let ptr = format!("{}/{key}", self.ptr);
        if self.own(key).is_none() {
            return Err(format!("`{key}` comes from a merged anchor"));
        }
        mapping_layout(self.lines, self.positions, &ptr)
    }
}

/// Whether `key` (0-based line `n`) opens a block: nothing but a comment
/// after its colon.
pub fn opens_block(lines: &[&str], n: usize) -> bool {
    let after = lines
        .get(n)
        .and_then(|t| t.split_once(':'))
        .map(|(_, a)| a.trim())
        .unwrap_or("x");
    after.is_empty() || after.starts_with('#')
}

/// The layout of the block mapping at `ptr`; an error for one written in
/// flow style (`{ … }`), which line edits cannot extend safely.
pub fn mapping_layout<'a>(
    lines: &'a [&'a str],
    positions: &'a Positions,
    ptr: &str,
) -> Result<MappingLayout<'a>, String> {
    let name = ptr.rsplit('/').next().unwrap_or(ptr);
    let (line, col) = positions
        .get(ptr)
        .ok_or_else(|| format!("{name} not found"))?;
    let key_line = *line as usize - 1;
    let text = lines.get(key_line).copied().unwrap_or("");
    let after = text.split_once(':').map(|(_, a)| a.trim()).unwrap_or("");
    if !(after.is_empty()
        || after.starts_with('#')
        || (after.starts_with('&') && !after.contains(' ')))
    {
        return Err(format!("{name} is written in flow style: edit it by hand"));
    }
    let child_col = positions
        .iter()
        .filter(|(p, _)| p.starts_with(&format!("{ptr}/")) && !p[ptr.len() + 1..].contains('/'))
        .map(|(_, (l, c))| (*l, *c))
        .filter(|(l, _)| *l as usize - 1 > key_line)
        .map(|(_, c)| c)
        .min()
        .unwrap_or(col + 2);
    Ok(MappingLayout {
        key_line,
        child_indent: " ".repeat(child_col as usize - 1),
        positions,
        lines,
        ptr: ptr.to_owned(),
    })
}

/// The layout of service `service`.
pub fn service_layout<'a>(
    lines: &'a [&'a str],
    positions: &'a Positions,
    service: &str,
) -> Result<MappingLayout<'a>, String> {
    mapping_layout(lines, positions, &format!("/services/{}", segment(service)))
        .map_err(|e| format!("service {e}"))
}
