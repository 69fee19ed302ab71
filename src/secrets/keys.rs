//! Private key material by content: PEM blocks of every kind (PKCS#1,
//! PKCS#8, SEC1, OpenSSH, PGP, OpenVPN static keys) with a body that
//! decodes, and binary key stores (PKCS#12, Java keystores, KeePass, PuTTY).
//! A header alone is not a key: `"-----BEGIN OPENSSH PRIVATE KEY-----"` as a
//! constant in a library, `<a very long private key string>` in API docs or
//! `XXXX` in a template have no body that decodes to one.

use base64::Engine as _;

/// One private key found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemKey {
    /// The PEM label, e.g. `RSA PRIVATE KEY`.
    pub label: String,
    /// Whether it is encrypted (a passphrase protects it).
    pub encrypted: bool,
    /// [`super::digest`] of its body: a fingerprint part, never shown.
    pub digest: String,
}

/// Fewer decoded bytes than this cannot be a private key (an Ed25519 key in
/// PKCS#8, the smallest in use, has 48).
const MIN_KEY_BYTES: usize = 40;

fn private_label(label: &str) -> bool {
    label.ends_with("PRIVATE KEY")
        || label == "PGP PRIVATE KEY BLOCK"
        || label == "OpenVPN Static key V1"
}

/// Decodes a PEM body: armor headers (`Proc-Type:`, `Version:`), blank
/// lines and a PGP checksum line (`=abcd`) dropped; `None` unless the rest
/// is base64 (or hex, for OpenVPN) of a plausible length.
fn decode_body(label: &str, body: &str) -> Option<Vec<u8>> {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| {
            let header = l.contains(':');
            let checksum = l.starts_with('=') && l.len() <= 5;
            !(l.is_empty() || header || checksum)
        })
        .collect();
    let joined: String = lines.concat();
    let bytes = if label == "OpenVPN Static key V1" {
        hex::decode(&joined).ok()?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(joined.as_bytes())
            .ok()?
    };
    (bytes.len() >= MIN_KEY_BYTES).then_some(bytes)
}

/// Whether decoded bytes have the structure their label promises: DER (a
/// SEQUENCE) for PKCS#1/#8 and SEC1, the `openssh-key-v1` magic, an OpenPGP
/// packet. Encrypted legacy PEM bodies are ciphertext and are not checked.
fn well_formed(label: &str, bytes: &[u8], legacy_encrypted: bool) -> bool {
    if legacy_encrypted || label == "OpenVPN Static key V1" {
        return true;
    }
    match label {
        "OPENSSH PRIVATE KEY" => bytes.starts_with(b"openssh-key-v1\0"),
        "PGP PRIVATE KEY BLOCK" => bytes.first().is_some_and(|b| b & 0x80 != 0),
        _ => complete_der_sequence(bytes),
    }
}

/// Whether `bytes` hold a whole DER SEQUENCE: the length its header
/// declares is there. One line of a key pasted into documentation
/// (`MIIEowIBAAKCAQEA…` declaring 1,187 bytes, 48 present) is not a key.
fn complete_der_sequence(bytes: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = bytes else {
        return false;
    };
    let (len, header) = if first & 0x80 == 0 {
        (usize::from(*first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return false;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    header + len <= bytes.len()
}

/// Every private key in `text` whose body decodes.
pub fn private_keys(text: &str) -> Vec<PemKey> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("-----BEGIN ") {
        let start = from + i + 11;
        from = start;
        let Some(label_end) = text[start..].find("-----") else {
            break;
        };
        let label = &text[start..start + label_end];
        if label.len() > 64 || label.contains('\n') || !private_label(label) {
            continue;
        }
        let body_start = start + label_end + 5;
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = text[body_start..].find(&end_marker) else {
            continue; // a header with no end: a constant in code, not a key
        };
        let body = &text[body_start..body_start + body_len];
        from = body_start + body_len;
        let legacy_encrypted = body.contains("Proc-Type: 4,ENCRYPTED");
        let Some(bytes) = decode_body(label, body) else {
            continue;
        };
        if !well_formed(label, &bytes, legacy_encrypted) {
            continue;
        }
        let encrypted = label.starts_with("ENCRYPTED")
            || legacy_encrypted
            || (label == "OPENSSH PRIVATE KEY" && bytes.windows(6).any(|w| w == b"bcrypt"));
        out.push(PemKey {
            label: label.to_string(),
            encrypted,
            digest: super::digest(body.trim()),
        });
    }
    out
}

/// A binary key store recognised by its first bytes (and, for PKCS#12,
/// its name): what it is, for evidence.
pub fn key_store(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let der = bytes.first() == Some(&0x30);
    if (lower.ends_with(".p12") || lower.ends_with(".pfx")) && der {
        return Some("PKCS#12 bundle (private key and certificate)");
    }
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || bytes.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE])
    {
        // A truststore (`cacerts`) holds only certificates: a keystore
        // counts when it holds a private or secret key entry.
        return java_keystore_has_keys(bytes).then_some("Java keystore with private keys");
    }
    if (lower.ends_with(".jks") || lower.ends_with(".keystore")) && der {
        return Some("Java keystore (PKCS#12)");
    }
    if bytes.starts_with(&[0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5]) {
        return Some("KeePass database (.kdbx)");
    }
    if bytes.starts_with(b"PuTTY-User-Key-File-")
        && bytes.windows(14).any(|w| w == b"Private-Lines:")
    {
        return Some("PuTTY private key (.ppk)");
    }
    None
}

/// Walks a JKS/JCEKS file's entries (tag 1: private key, 2: trusted
/// certificate, 3: secret key) until one holds a key; false at the first
/// thing that does not parse.
fn java_keystore_has_keys(bytes: &[u8]) -> bool {
    let mut at: usize = 8; // magic, version
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = bytes.get(at..at.checked_add(n)?)?;
        at += n;
        Some(s)
    };
    let u32_at = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let Some(count) = take(4).map(u32_at) else {
        return false;
    };
    for _ in 0..count.min(100_000) {
        let Some(tag) = take(4).map(u32_at) else {
            return false;
        };
        if tag == 1 || tag == 3 {
            return true;
        }
        // A trusted certificate: alias, date, certificate type, certificate.
        let Some(alias) = take(2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            return false;
        };
        if take(alias).is_none() || take(8).is_none() {
            return false;
        }
        let Some(kind) = take(2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            return false;
        };
        if take(kind).is_none() {
            return false;
        }
        let Some(len) = take(4).map(u32_at) else {
            return false;
        };
        if take(len).is_none() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(label: &str, body: &str) -> String {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    #[test]
    fn keys_with_bodies_are_found() {
        // A throwaway Ed25519 key in PKCS#8 (48 bytes: the smallest in use).
        let ed = pem(
            "PRIVATE KEY",
            "MC4CAQAwBQYDK2VwBCIEIBhV8N0aCS2Qh6HUj3vTQBVx0Y4GkFf3wQJzCkyO8ym5",
        );
        let keys = private_keys(&ed);
        assert_eq!(keys.len(), 1);
        assert!(!keys[0].encrypted);
        let ossh = pem(
            "OPENSSH PRIVATE KEY",
            "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw==",
        );
        assert!(
            private_keys(&ossh)[0].encrypted,
            "bcrypt KDF: passphrase-protected"
        );
        let pgp = pem(
            "PGP PRIVATE KEY BLOCK",
            "Version: GnuPG v2\n\nlQHYAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7\n=AbCd",
        );
        assert_eq!(private_keys(&pgp).len(), 1);
        let legacy = pem(
            "RSA PRIVATE KEY",
            "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nCzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg==",
        );
        assert!(private_keys(&legacy)[0].encrypted);
    }

    #[test]
    fn headers_without_a_key_body_are_not_keys() {
        for text in [
            "KEY_HEADER = \"-----BEGIN OPENSSH PRIVATE KEY-----\"\n".to_string(),
            pem("RSA PRIVATE KEY", "<a very long private key string>"),
            pem("PRIVATE KEY", "XXXX"),
            pem("PRIVATE KEY", "MIIEvQ..."),
            // One line of a 1,191-byte key, as pasted into a README.
            pem(
                "RSA PRIVATE KEY",
                "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
            ),
            // Decodes, but not to DER.
            pem("PRIVATE KEY", "CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg=="),
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_string(),
        ] {
            assert!(private_keys(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn key_stores_by_magic() {
        assert!(key_store("agent/nsusercert.p12", &[0x30, 0x82, 0x0a]).is_some());
        assert!(key_store("readme.p12", b"not der").is_none());
        let mut truststore = vec![0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 1];
        truststore.extend([0, 0, 0, 2, 0, 2, b'c', b'a']);
        truststore.extend([0; 8]);
        truststore.extend([0, 5, b'X', b'.', b'5', b'0', b'9', 0, 0, 0, 3, 1, 2, 3]);
        assert_eq!(
            key_store("etc/ssl/certs/java/cacerts", &truststore),
            None,
            "certificates only"
        );
        let keystore = [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1];
        assert_eq!(
            key_store("app/server.jks", &keystore),
            Some("Java keystore with private keys")
        );
        assert!(key_store(
            "x.kdbx",
            &[0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB, 0x4B, 0xB5, 1]
        )
        .is_some());
        assert!(key_store(
            "id.ppk",
            b"PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n"
        )
        .is_some());
        assert!(key_store("notes.txt", b"hello").is_none());
    }
}
