//! The CA setup wizard's core: find the corporate TLS-inspection CA
//! ([`detect`]), read it as certificates only ([`certificate`]), and plan
//! the project changes that hand it to builds as a BuildKit secret and to
//! containers as a read-only mount ([`project`], through [`crate::edit`]'s
//! plan → preview → apply → undo), then check the result ([`verify`]).

pub mod certificate;
pub mod compose;
pub mod detect;
pub mod dockerfile;
pub mod project;
pub mod verify;

#[cfg(test)]
mod tests;

/// Errors of the CA wizard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// The file holds a private key: the wizard copies certificates only.
    #[error("{0} holds a private key; Dockward copies CA certificates only, never a key. Point it at the certificate file alone (for Netskope, nscacert.pem)")]
    HoldsKey(String),
    /// No certificate in the file.
    #[error("{0} holds no certificate (PEM or DER)")]
    NoCertificate(String),
    /// The file cannot be read.
    #[error("{path} cannot be read: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Only public roots were given: they need no setup.
    #[error("{0} holds only public web roots, which every image already trusts; choose the corporate CA's certificate")]
    OnlyPublic(String),
    /// No CA found, or several and none chosen.
    #[error("{0}")]
    NoChoice(String),
    /// A Dockerfile that does not parse.
    #[error("{path} cannot be parsed: {reason}")]
    Dockerfile {
        /// The file, relative to the project.
        path: String,
        /// The parser's message, with the line.
        reason: String,
    },
    /// A compose file that does not parse.
    #[error("{path} cannot be parsed: {reason}")]
    Compose {
        /// The file, relative to the project.
        path: String,
        /// The parser's message, with the line.
        reason: String,
    },
    /// The engine or the layer scan failed while verifying images.
    #[error("cannot scan the project's images: {0}")]
    Scan(String),
    /// Planning or applying the change failed.
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
}
