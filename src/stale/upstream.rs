//! Whether an image's tag has moved in its registry. The engine asks
//! (`GET /distribution/{name}/json`, the engine's own proxy settings): no
//! image is pulled. An unreachable registry or one that wants credentials
//! is "unknown, because …", never an error; the next check asks again.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::Engine;
use crate::facts::ImageFacts;

/// What the registry said about an image's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Upstream {
    /// The tag still points to this build.
    Current {
        /// The tag asked about.
        reference: String,
    },
    /// The tag points to another build now.
    Moved {
        /// The tag asked about.
        reference: String,
        /// The digest the registry has for it.
        remote: String,
    },
    /// The registry could not say.
    Unknown {
        /// The tag asked about.
        reference: String,
        /// Why (unreachable, credentials needed…).
        reason: String,
    },
    /// Not asked (built locally, or checks are off).
    NotChecked {
        /// Why.
        reason: String,
    },
}

/// The tag to ask about: the first tag whose repository has a digest here
/// (an image pulled from a registry records `repo@sha256:…`).
pub fn reference(img: &ImageFacts) -> Option<(String, Vec<String>)> {
    img.tags.iter().find_map(|tag| {
        let repo = tag.rsplit_once(':').map_or(tag.as_str(), |(r, t)| {
            if t.contains('/') {
                tag.as_str()
            } else {
                r
            }
        });
        let local: Vec<String> = img
            .digests
            .iter()
            .filter_map(|d| d.split_once('@'))
            .filter(|(r, _)| *r == repo)
            .map(|(_, h)| h.to_owned())
            .collect();
        (!local.is_empty()).then(|| (tag.clone(), local))
    })
}

/// Asks the engine about every image that came from a registry.
pub async fn check(engine: &Engine, images: &[ImageFacts]) -> Vec<(String, Upstream)> {
    let mut out = Vec::new();
    for img in images {
        let Some((reference, local)) = reference(img) else {
            continue;
        };
        let state = match engine.registry_digest(&reference).await {
            Ok(remote) if local.contains(&remote) => Upstream::Current { reference },
            Ok(remote) => Upstream::Moved { reference, remote },
            Err(reason) => Upstream::Unknown { reference, reason },
        };
        out.push((img.id.clone(), state));
    }
    out
}
