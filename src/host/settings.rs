//! Docker Desktop's settings: where they live on each OS, and the parts that
//! matter for security (File sharing, the TCP API, Enhanced Container
//! Isolation, host networking, extensions), including admin-locked values.
//!
//! Formats, from Docker's documentation: `settings-store.json` (Desktop 4.35
//! on) uses PascalCase keys (`FilesharingDirectories`), the older
//! `settings.json` camelCase (`filesharingDirectories`); keys are matched
//! case-insensitively. `admin-settings.json` wraps each value as
//! `{"locked": bool, "value": …}`; a locked admin value wins.

use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use super::settings_file::{distinct_strings, read_json};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The operating system whose layout to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Os {
    /// macOS.
    Macos,
    /// Windows.
    Windows,
    /// Linux.
    Linux,
}

impl Os {
    /// The OS this build runs on.
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::Macos
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// What the host check reads from the environment (given explicitly in tests).
#[derive(Debug, Clone)]
pub struct HostEnv {
    /// Which layout.
    pub os: Os,
    /// The user's home folder.
    pub home: PathBuf,
    /// `%APPDATA%` (Windows).
    pub appdata: Option<PathBuf>,
    /// `%ProgramData%` (Windows), default `C:\ProgramData`.
    pub programdata: Option<PathBuf>,
    /// `$TMP`/`$TEMP`/`$TMPDIR`, for `$TMP` in the share list.
    pub tmp: Option<String>,
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `DOCKER_TLS_VERIFY` set to a non-empty value other than 0.
    pub docker_tls_verify: bool,
    /// `DOCKWARD_DESKTOP_SETTINGS`: a settings file to read instead of
    /// Docker Desktop's own (read here, in the core, so the CLI and the app
    /// honour it alike; an explicit `--settings` wins).
    pub desktop_settings: Option<PathBuf>,
}

impl HostEnv {
    /// From this process's environment.
    pub fn from_process() -> HostEnv {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        HostEnv {
            os: Os::current(),
            home: dirs::home_dir().unwrap_or_else(|| PathBuf::from("/")),
            appdata: var("APPDATA").map(PathBuf::from),
            programdata: var("ProgramData").map(PathBuf::from),
            tmp: var("TMPDIR").or_else(|| var("TMP")).or_else(|| var("TEMP")),
            docker_host: var("DOCKER_HOST"),
            docker_tls_verify: var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0"),
            desktop_settings: var("DOCKWARD_DESKTOP_SETTINGS").map(PathBuf::from),
        }
    }
}

/// Where Docker Desktop keeps its settings on `env.os`: the user files,
/// newest format first, then the admin file.
pub fn locations(env: &HostEnv) -> (Vec<PathBuf>, PathBuf) {
    match env.os {
        Os::Macos => {
            let dir = env.home.join("Library/Group Containers/group.com.docker");
            (
                vec![dir.join("settings-store.json"), dir.join("settings.json")],
                PathBuf::from("/Library/Application Support/com.docker.docker/admin-settings.json"),
            )
        }
        Os::Windows => {
            let appdata = env
                .appdata
                .clone()
                .unwrap_or_else(|| env.home.join("AppData").join("Roaming"));
            let dir = appdata.join("Docker");
            let programdata = env
                .programdata
                .clone()
                .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
            (
                vec![dir.join("settings-store.json"), dir.join("settings.json")],
                programdata
                    .join("DockerDesktop")
                    .join("admin-settings.json"),
            )
        }
        Os::Linux => {
            let dir = env.home.join(".docker/desktop");
            (
                vec![dir.join("settings-store.json"), dir.join("settings.json")],
                PathBuf::from("/usr/share/docker-desktop/admin-settings.json"),
            )
        }
    }
}

/// The folders Docker Desktop shares when its list is missing or empty.
pub fn default_shares(env: &HostEnv) -> Vec<String> {
    match env.os {
        Os::Macos => ["/Users", "/Volumes", "/private", "/tmp", "/var/folders"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Os::Windows => vec![r"C:\Users".to_string()],
        Os::Linux => vec![env.home.display().to_string()],
    }
}

/// The security-relevant settings as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DesktopSettings {
    /// Settings files read (user, then admin).
    pub files: Vec<String>,
    /// Problems with files that exist but could not be used.
    pub warnings: Vec<String>,
    /// The File sharing list, `$HOME`/`$TMP` expanded; the defaults when
    /// the list is missing or empty.
    pub file_sharing: Vec<String>,
    /// True when `file_sharing` are Docker Desktop's defaults.
    pub default_sharing: bool,
    /// `ExposeDockerAPIOnTCP2375`.
    pub expose_tcp_2375: Option<bool>,
    /// `EnhancedContainerIsolation`.
    pub enhanced_container_isolation: Option<bool>,
    /// `HostNetworkingEnabled`.
    pub host_networking: Option<bool>,
    /// `ExtensionsEnabled`.
    pub extensions: Option<bool>,
    /// `OnlyMarketplaceExtensions`.
    pub only_marketplace_extensions: Option<bool>,
    /// Settings an administrator locked.
    pub locked: Vec<String>,
}

fn expand(path: &str, env: &HostEnv) -> String {
    let home = env.home.display().to_string();
    let tmp = env.tmp.clone().unwrap_or_else(|| match env.os {
        Os::Windows => format!(r"{home}\AppData\Local\Temp"),
        _ => "/tmp".to_string(),
    });
    let mut p = path.trim().to_string();
    for (var, value) in [
        ("$HOME", &home),
        ("$TMPDIR", &tmp),
        ("$TMP", &tmp),
        ("$TEMP", &tmp),
    ] {
        if let Some(rest) = p.strip_prefix(var) {
            p = format!("{value}{rest}");
        }
    }
    if let Some(rest) = p.strip_prefix('~') {
        p = format!("{home}{rest}");
    }
    p
}

/// File sharing folders checked at most. Docker Desktop's list is a handful
/// of folders; each is walked for sensitive files, so a hostile list of
/// millions must not mean millions of walks.
pub const MAX_SHARES: usize = 1000;

/// Reads Docker Desktop's settings: `settings` overrides the user file's
/// location. `None` when no settings file exists (Docker Desktop not
/// installed); problems with a file that exists become warnings.
pub fn read(env: &HostEnv, settings: Option<&Path>) -> Option<DesktopSettings> {
    let (user_files, admin_file) = locations(env);
    let user_files = match settings.or(env.desktop_settings.as_deref()) {
        Some(p) => vec![p.to_path_buf()],
        None => user_files,
    };
    let mut out = DesktopSettings::default();
    let mut user = None;
    let mut found = false;
    for f in &user_files {
        match read_json(f) {
            Ok(Some(v)) => {
                found = true;
                out.files.push(f.display().to_string());
                user = Some(v);
                break;
            }
            Ok(None) => {}
            Err(w) => {
                found = true;
                out.warnings.push(w);
            }
        }
    }
    let admin = match read_json(&admin_file) {
        Ok(Some(v)) => {
            found = true;
            out.files.push(admin_file.display().to_string());
            Some(v)
        }
        Ok(None) => None,
        Err(w) => {
            found = true;
            out.warnings.push(w);
            None
        }
    };
    if !found {
        return None;
    }
    // A locked admin value wins over the user's.
    let pick = |key: &str, out: &mut DesktopSettings| -> Option<Box<RawValue>> {
        if let Some((v, true)) = admin.as_ref().and_then(|a| a.get(key)) {
            out.locked.push(key.to_string());
            return Some(v);
        }
        user.as_ref()
            .and_then(|u| u.get(key))
            .or_else(|| admin.as_ref().and_then(|a| a.get(key)))
            .map(|(v, _)| v)
    };
    let (listed, more) = pick("FilesharingDirectories", &mut out)
        .map(|raw| distinct_strings(&raw, MAX_SHARES))
        .unwrap_or_default();
    if more {
        out.warnings.push(format!(
            "File sharing lists more than {MAX_SHARES} different folders; only the first {MAX_SHARES} are checked"
        ));
    }
    let mut shares: Vec<String> = Vec::new();
    for s in listed.iter().map(|s| expand(s, env)) {
        if !s.is_empty() && !shares.contains(&s) {
            shares.push(s);
        }
    }
    out.default_sharing = shares.is_empty();
    out.file_sharing = if shares.is_empty() {
        default_shares(env)
    } else {
        shares
    };
    let flag = |key: &str, out: &mut DesktopSettings| {
        pick(key, out).and_then(|v| serde_json::from_str::<bool>(v.get()).ok())
    };
    out.expose_tcp_2375 = flag("ExposeDockerAPIOnTCP2375", &mut out);
    out.enhanced_container_isolation = flag("EnhancedContainerIsolation", &mut out);
    out.host_networking = flag("HostNetworkingEnabled", &mut out);
    out.extensions = flag("ExtensionsEnabled", &mut out);
    out.only_marketplace_extensions = flag("OnlyMarketplaceExtensions", &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(os: Os, home: &Path) -> HostEnv {
        HostEnv {
            os,
            home: home.to_path_buf(),
            appdata: Some(home.join("AppData/Roaming")),
            programdata: Some(home.join("ProgramData")),
            tmp: Some("/tmp".into()),
            docker_host: None,
            docker_tls_verify: false,
            desktop_settings: None,
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn missing_files_mean_no_docker_desktop() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(read(&env(Os::Linux, dir.path()), None), None);
    }

    #[test]
    fn settings_store_pascal_case_on_macos_with_home_expanded() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = env(Os::Macos, dir.path());
        let (files, _) = locations(&e);
        write(
            &files[0],
            r#"{"FilesharingDirectories":["$HOME/code","/Library/Application Support/Netskope/STAgent/data"],"ExposeDockerAPIOnTCP2375":true,"EnhancedContainerIsolation":false,"HostNetworkingEnabled":true}"#,
        );
        let s = read(&e, None).expect("found");
        assert_eq!(
            s.file_sharing,
            [
                format!("{}/code", dir.path().display()),
                "/Library/Application Support/Netskope/STAgent/data".to_string()
            ]
        );
        assert!(!s.default_sharing);
        assert_eq!(s.expose_tcp_2375, Some(true));
        assert_eq!(s.enhanced_container_isolation, Some(false));
        assert_eq!(s.host_networking, Some(true));
    }

    #[test]
    fn older_settings_json_camel_case_and_empty_list_means_defaults() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = env(Os::Macos, dir.path());
        let (files, _) = locations(&e);
        write(
            &files[1],
            r#"{"filesharingDirectories":[],"exposeDockerAPIOnTCP2375":false}"#,
        );
        let s = read(&e, None).expect("found");
        assert!(s.default_sharing);
        assert_eq!(
            s.file_sharing,
            ["/Users", "/Volumes", "/private", "/tmp", "/var/folders"]
        );
        assert_eq!(s.expose_tcp_2375, Some(false));
        assert_eq!(s.files, [files[1].display().to_string()]);
    }

    #[test]
    fn windows_and_linux_locations() {
        let dir = tempfile::tempdir().expect("tmp");
        let w = env(Os::Windows, dir.path());
        let (files, admin) = locations(&w);
        assert!(files[0].ends_with("AppData/Roaming/Docker/settings-store.json"));
        assert!(admin.ends_with("ProgramData/DockerDesktop/admin-settings.json"));
        write(
            &files[0],
            r#"{"FilesharingDirectories":["C:\\Users\\me\\.ssh"]}"#,
        );
        let s = read(&w, None).expect("found");
        assert_eq!(s.file_sharing, [r"C:\Users\me\.ssh"]);

        let l = env(Os::Linux, dir.path());
        let (files, _) = locations(&l);
        assert!(files[0].ends_with(".docker/desktop/settings-store.json"));
        write(&files[0], r#"{"ExtensionsEnabled":true}"#);
        let s = read(&l, None).expect("found");
        assert_eq!(
            s.file_sharing,
            [dir.path().display().to_string()],
            "Linux default: $HOME"
        );
        assert_eq!(s.extensions, Some(true));
    }

    #[test]
    fn malformed_file_is_a_warning_naming_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = env(Os::Linux, dir.path());
        let (files, _) = locations(&e);
        write(&files[0], "{ not json");
        write(&files[1], r#"{"filesharingDirectories":["/srv"]}"#);
        let s = read(&e, None).expect("found");
        assert_eq!(s.warnings.len(), 1);
        assert!(
            s.warnings[0].contains("settings-store.json")
                && s.warnings[0].contains("not valid JSON")
        );
        assert_eq!(s.file_sharing, ["/srv"], "the older file still counts");
    }

    #[test]
    fn a_locked_admin_value_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut e = env(Os::Windows, dir.path());
        e.programdata = Some(dir.path().join("PD"));
        let (files, admin) = locations(&e);
        write(
            &files[0],
            r#"{"EnhancedContainerIsolation":false,"ExposeDockerAPIOnTCP2375":true}"#,
        );
        write(
            &admin,
            r#"{"configurationFileVersion":2,"enhancedContainerIsolation":{"locked":true,"value":true},"exposeDockerAPIOnTCP2375":{"locked":false,"value":false}}"#,
        );
        let s = read(&e, None).expect("found");
        assert_eq!(s.enhanced_container_isolation, Some(true));
        assert_eq!(
            s.expose_tcp_2375,
            Some(true),
            "unlocked admin value: the user's wins"
        );
        assert_eq!(s.locked, ["EnhancedContainerIsolation"]);
    }

    #[test]
    fn settings_override_path() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("mine.json");
        write(&p, r#"{"FilesharingDirectories":["$TMP/x"]}"#);
        let s = read(&env(Os::Linux, dir.path()), Some(&p)).expect("found");
        assert_eq!(s.file_sharing, ["/tmp/x"]);
    }
}
