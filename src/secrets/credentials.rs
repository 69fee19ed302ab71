//! Credential files recognised by their name and place: what each kind is
//! called, and which of its keys hold credentials. The layer scan reads
//! them; the project check refuses to COPY them into an image.

/// A kind of credential file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// `.npmrc`: registry tokens.
    Npmrc,
    /// `.pypirc`: PyPI upload credentials.
    Pypirc,
    /// `.git-credentials`: `https://user:token@host` lines.
    GitCredentials,
    /// `.netrc` / `_netrc`: machine passwords.
    Netrc,
    /// `.pgpass`: PostgreSQL passwords.
    Pgpass,
    /// `~/.aws/credentials`.
    AwsCredentials,
    /// `~/.docker/config.json`: registry auths.
    DockerConfig,
    /// `~/.kube/config`.
    Kubeconfig,
    /// `.env` and `.env.*`.
    EnvFile,
}

impl CredentialKind {
    /// The kind of the file at `path`, if it is a credential file.
    pub fn of(path: &str) -> Option<CredentialKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let p = format!("/{}", path.trim_start_matches('/'));
        Some(match name {
            ".npmrc" => CredentialKind::Npmrc,
            ".pypirc" => CredentialKind::Pypirc,
            ".git-credentials" => CredentialKind::GitCredentials,
            ".netrc" | "_netrc" => CredentialKind::Netrc,
            ".pgpass" => CredentialKind::Pgpass,
            "credentials" if p.ends_with("/.aws/credentials") => CredentialKind::AwsCredentials,
            "config.json" if p.ends_with("/.docker/config.json") => CredentialKind::DockerConfig,
            "config" if p.ends_with("/.kube/config") => CredentialKind::Kubeconfig,
            n if n == ".env" || n.starts_with(".env.") => CredentialKind::EnvFile,
            _ => return None,
        })
    }

    /// What it is, for evidence.
    pub fn describe(self) -> &'static str {
        match self {
            CredentialKind::Npmrc => "npm registry credentials (.npmrc)",
            CredentialKind::Pypirc => "PyPI credentials (.pypirc)",
            CredentialKind::GitCredentials => "git credentials (.git-credentials)",
            CredentialKind::Netrc => "machine passwords (.netrc)",
            CredentialKind::Pgpass => "PostgreSQL passwords (.pgpass)",
            CredentialKind::AwsCredentials => "AWS credentials (~/.aws/credentials)",
            CredentialKind::DockerConfig => "registry credentials (~/.docker/config.json)",
            CredentialKind::Kubeconfig => "Kubernetes credentials (kubeconfig)",
            CredentialKind::EnvFile => "environment file (.env)",
        }
    }

    /// Keys whose non-placeholder value is a credential, for the kinds
    /// read as `key = value` or JSON/YAML (the others have their own shape).
    pub fn credential_keys(self) -> &'static [&'static str] {
        match self {
            CredentialKind::Npmrc => &["_auth=", "_authToken", "_password"],
            CredentialKind::Pypirc => &["password"],
            CredentialKind::Netrc => &["password"],
            CredentialKind::AwsCredentials => &["aws_secret_access_key", "aws_session_token"],
            CredentialKind::DockerConfig => &["\"auth\"", "identitytoken", "\"password\""],
            CredentialKind::Kubeconfig => &["token:", "client-key-data:", "password:"],
            CredentialKind::GitCredentials | CredentialKind::Pgpass | CredentialKind::EnvFile => {
                &[]
            }
        }
    }
}
