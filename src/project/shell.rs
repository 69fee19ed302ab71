//! Reading a RUN step's shell text for what it does: pipelines from a
//! download into a shell, `sudo` as a command, `$NAME` references. Words
//! are split on the shell's operators, not matched with patterns.

/// The shell words of a command, split on whitespace and operators.
fn pipelines(command: &str) -> Vec<Vec<Vec<String>>> {
    // command → `;`/`&&`/`||` lists → `|` stages → words
    let flat = command.replace("\\\n", " ").replace("\\\r\n", " ");
    flat.split([';', '\n'])
        .flat_map(|s| s.split("&&"))
        .flat_map(|s| s.split("||"))
        .map(|list| {
            list.split('|')
                .map(|stage| {
                    stage
                        .split_whitespace()
                        .map(|w| w.trim_matches(['(', ')', '"', '\'']).to_owned())
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Whether a shell runs what a download returns through a substitution:
/// `sh -c "$(curl …)"`, `` bash -c "`wget -O- …`" ``, `bash <(curl …)`.
fn substituted_download(command: &str) -> bool {
    let fetched = ["$(curl", "$(wget", "`curl", "`wget", "<(curl", "<(wget"]
        .iter()
        .any(|m| command.contains(m));
    fetched
        && pipelines(command).iter().flatten().any(|words| {
            words.iter().any(|x| {
                let b = x.rsplit('/').next().unwrap_or(x);
                matches!(b, "sh" | "bash" | "zsh" | "dash" | "ash")
            })
        })
}

/// Whether a download (`curl`, `wget`) is piped into a shell or interpreter,
/// or run by one through a substitution.
pub fn curl_pipe_shell(command: &str) -> bool {
    if substituted_download(command) {
        return true;
    }
    pipelines(command).iter().any(|stages| {
        stages.windows(2).any(|w| {
            let fetch = w[0].iter().any(|x| {
                x == "curl" || x == "wget" || x.ends_with("/curl") || x.ends_with("/wget")
            });
            let mut next = w[1]
                .iter()
                .map(String::as_str)
                .skip_while(|x| *x == "sudo" || x.starts_with('-'));
            let shell = next.next().is_some_and(|x| {
                let b = x.rsplit('/').next().unwrap_or(x);
                matches!(
                    b,
                    "sh" | "bash" | "zsh" | "dash" | "ash" | "python" | "python3" | "perl"
                )
            });
            fetch && shell
        })
    })
}

/// Whether any simple command starts with `sudo`.
pub fn uses_sudo(command: &str) -> bool {
    pipelines(command).iter().flatten().any(|words| {
        words
            .first()
            .is_some_and(|w| w == "sudo" || w.ends_with("/sudo"))
    })
}

/// `$NAME` or `${NAME…}` in a command.
pub fn references(command: &str, name: &str) -> bool {
    command.match_indices('$').any(|(i, _)| {
        let rest = &command[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.strip_prefix(name).is_some_and(|after| {
            !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::curl_pipe_shell;

    #[test]
    fn downloads_run_by_a_shell_are_found_piped_or_substituted() {
        for yes in [
            "curl -fsSL https://get.example.com | bash",
            "wget -qO- https://x.example/i.sh | sudo sh -s -- -y",
            "sh -c \"$(curl -fsSL https://raw.example/install.sh)\"",
            "/bin/bash -c \"`wget -qO- https://x.example/i.sh`\"",
            "bash <(curl -s https://x.example/i.sh)",
        ] {
            assert!(curl_pipe_shell(yes), "{yes}");
        }
        for no in [
            "curl -fsSLo /tmp/i.sh https://x.example/i.sh && sha256sum -c sums && sh /tmp/i.sh",
            "echo \"$(curl --version)\"",
            "curl -s https://x.example/data.json | jq .",
        ] {
            assert!(!curl_pipe_shell(no), "{no}");
        }
    }
}
