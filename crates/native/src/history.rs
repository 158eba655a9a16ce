//! Accepted commands, one JSON object per line in the data dir (`history.jsonl`): the user's
//! own record, and later a training set.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub request: String,
    pub cmd: String,
    pub explanation: String,
    pub risk: String,
    pub shell: String,
    pub cwd: String,
    pub model: String,
    /// Whether the user changed the suggestion before running it.
    pub edited: bool,
    pub exit_code: Option<i32>,
}

pub fn path() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.join("history.jsonl"))
}

/// Appends `entry` as one line; concurrent shells each write whole lines.
pub fn append(entry: &Entry) -> Result<()> {
    let path = path().context("no data directory (set HOME or CMDAI_DATA_DIR)")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    let mut file = OpenOptions::new().create(true).append(true).open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    file.write_all(line.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
