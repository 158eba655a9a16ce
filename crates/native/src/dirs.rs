//! Where cmdai keeps its own files, following each platform's convention. `CMDAI_DATA_DIR`
//! and `CMDAI_CACHE_DIR` override them (tests, portable installs).

use std::path::PathBuf;

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from)
}

fn platform_dir(xdg: &str, mac: &str, windows: &str, linux_default: &str) -> Option<PathBuf> {
    if cfg!(windows) {
        return std::env::var_os(windows).map(PathBuf::from);
    }
    if cfg!(target_os = "macos") {
        return home().map(|h| h.join(mac));
    }
    std::env::var_os(xdg).map(PathBuf::from).or_else(|| home().map(|h| h.join(linux_default)))
}

/// Data the user would miss (history): `~/.local/share/cmdai` on Linux.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CMDAI_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    platform_dir("XDG_DATA_HOME", "Library/Application Support", "APPDATA", ".local/share").map(|d| d.join("cmdai"))
}

/// Data that can be rebuilt (prompt caches): `~/.cache/cmdai` on Linux.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CMDAI_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    platform_dir("XDG_CACHE_HOME", "Library/Caches", "LOCALAPPDATA", ".cache").map(|d| d.join("cmdai"))
}
