//! Where cmdai keeps its own files, following each platform's convention (the `dirs` crate: XDG
//! on Linux, `~/Library` on macOS, Known Folders on Windows). `CMDAI_DATA_DIR` and
//! `CMDAI_CACHE_DIR` override them (tests, portable installs).

use std::path::PathBuf;

fn overridden(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Data the user would miss (history): `~/.local/share/cmdai` on Linux.
pub fn data_dir() -> Option<PathBuf> {
    overridden("CMDAI_DATA_DIR").or_else(|| dirs::data_dir().map(|d| d.join("cmdai")))
}

/// Data that can be rebuilt (prompt caches): `~/.cache/cmdai` on Linux.
pub fn cache_dir() -> Option<PathBuf> {
    overridden("CMDAI_CACHE_DIR").or_else(|| dirs::cache_dir().map(|d| d.join("cmdai")))
}
