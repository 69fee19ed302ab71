//! `COMPOSE_FILE` (and `COMPOSE_PATH_SEPARATOR`) as a project's `.env`
//! sets them: the compose files Compose loads, in order, instead of the
//! defaults and their overrides. Read by the project check and the CA
//! wizard, which also rewrites the line.

/// `COMPOSE_FILE` as a project's `.env` sets it.
pub struct ComposeFileSetting {
    /// Its line (0-based) in `.env`.
    pub line: usize,
    /// The files it names, relative, without `./`.
    pub files: Vec<String>,
    /// `COMPOSE_PATH_SEPARATOR`, or `:`.
    pub separator: char,
}

impl ComposeFileSetting {
    /// Reads it from `.env`'s text, if set.
    pub fn parse(env: &str) -> Option<ComposeFileSetting> {
        let value = |key: &str| {
            env.lines().enumerate().find_map(|(i, l)| {
                let l = l.trim().trim_start_matches("export ");
                let v = l.strip_prefix(key)?.strip_prefix('=')?;
                Some((i, v.trim().trim_matches(['"', '\'']).to_owned()))
            })
        };
        let separator = value("COMPOSE_PATH_SEPARATOR")
            .and_then(|(_, v)| v.chars().next())
            .unwrap_or(':');
        let (line, list) = value("COMPOSE_FILE")?;
        let files = list
            .split(separator)
            .map(|f| f.trim().trim_start_matches("./").to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        Some(ComposeFileSetting {
            line,
            files,
            separator,
        })
    }

    /// `env` with the setting naming `files`, every other line as it was.
    pub fn with_files(&self, env: &str, files: &[String]) -> String {
        let value = files.join(&self.separator.to_string());
        env.split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| {
                if i != self.line {
                    return l.to_owned();
                }
                let end = &l[l.trim_end_matches(['\r', '\n']).len()..];
                let export = if l.trim_start().starts_with("export ") {
                    "export "
                } else {
                    ""
                };
                format!("{export}COMPOSE_FILE={value}{end}")
            })
            .collect()
    }
}
