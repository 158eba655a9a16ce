//! The cache layout of `huggingface_hub`, as `/`-separated paths relative to the cache root
//! (`$HF_HUB_CACHE`, by default `~/.cache/huggingface/hub`), so models are shared with other HF tools:
//!
//! ```text
//! models--ORG--NAME/
//!   blobs/<sha256 for LFS files, git etag otherwise>     the bytes, written once verified
//!   blobs/<hash>.incomplete                              a download in progress (resumable)
//!   refs/main                                            the commit `main` pointed to
//!   snapshots/<commit>/<file>  -> ../../blobs/<hash>     relative symlink (a copy without symlinks)
//! .locks/models--ORG--NAME/<hash>.lock                   held while downloading
//! ```

use super::model_ref::RepoId;

pub const BLOBS_DIR: &str = "blobs";
pub const REFS_DIR: &str = "refs";
pub const SNAPSHOTS_DIR: &str = "snapshots";
pub const LOCKS_DIR: &str = ".locks";

/// `models--ORG--NAME`.
pub fn repo_folder(repo: &RepoId) -> String {
    format!("models--{}", repo.as_str().replace('/', "--"))
}

/// The repository id of a cache folder name: `models--ORG--NAME` → `ORG/NAME` (`models--gpt2` →
/// `gpt2`); `None` for anything else (datasets, spaces, stray files).
pub fn repo_from_folder(folder: &str) -> Option<String> {
    let rest = folder.strip_prefix("models--")?;
    if rest.is_empty() {
        return None;
    }
    Some(match rest.split_once("--") {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() => format!("{ns}/{name}"),
        Some(_) => return None,
        None => rest.to_string(),
    })
}

/// `models--ORG--NAME/blobs/<blob>`.
pub fn blob_rel(repo: &RepoId, blob: &str) -> String {
    format!("{}/{BLOBS_DIR}/{blob}", repo_folder(repo))
}

/// `models--ORG--NAME/blobs/<blob>.incomplete`.
pub fn incomplete_rel(repo: &RepoId, blob: &str) -> String {
    format!("{}.incomplete", blob_rel(repo, blob))
}

/// `models--ORG--NAME/refs/<revision>`.
pub fn ref_rel(repo: &RepoId, revision: &str) -> String {
    format!("{}/{REFS_DIR}/{revision}", repo_folder(repo))
}

/// `models--ORG--NAME/snapshots/<commit>`.
pub fn snapshot_dir_rel(repo: &RepoId, commit: &str) -> String {
    format!("{}/{SNAPSHOTS_DIR}/{commit}", repo_folder(repo))
}

/// `models--ORG--NAME/snapshots/<commit>/<file>`.
pub fn snapshot_rel(repo: &RepoId, commit: &str, file: &str) -> String {
    format!("{}/{file}", snapshot_dir_rel(repo, commit))
}

/// `.locks/models--ORG--NAME/<blob>.lock`.
pub fn lock_rel(repo: &RepoId, blob: &str) -> String {
    format!("{LOCKS_DIR}/{}/{blob}.lock", repo_folder(repo))
}

/// The relative symlink target from `snapshots/<commit>/<file>` to `blobs/<blob>`:
/// `../../blobs/<blob>`, one more `../` per directory in `file`.
pub fn snapshot_link_target(file: &str, blob: &str) -> String {
    format!("{}{BLOBS_DIR}/{blob}", "../".repeat(file.split('/').count() + 1))
}

/// The blob name for an `ETag`/`X-Linked-Etag` value (`"abc"`, `W/"abc"`): the bare tag, when it
/// is a safe file name (ASCII letters, digits, `-`, `_`; at most 128 characters).
pub fn blob_name(etag: &str) -> Option<String> {
    let tag = etag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let tag = tag.trim_matches('"');
    let ok = !tag.is_empty() && tag.len() <= 128 && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| tag.to_string())
}

/// A full git commit hash (40 hex digits), the only thing used as a snapshot directory name.
pub fn is_commit_hash(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let repo = RepoId::new("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF").unwrap();
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(repo_folder(&repo), "models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF");
        assert_eq!(blob_rel(&repo, "ab12"), "models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF/blobs/ab12");
        assert_eq!(incomplete_rel(&repo, "ab12"), "models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF/blobs/ab12.incomplete");
        assert_eq!(ref_rel(&repo, "main"), "models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF/refs/main");
        assert_eq!(
            snapshot_rel(&repo, commit, "a/b.gguf"),
            format!("models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF/snapshots/{commit}/a/b.gguf")
        );
        assert_eq!(lock_rel(&repo, "ab12"), ".locks/models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF/ab12.lock");
        assert_eq!(snapshot_link_target("x.gguf", "ab12"), "../../blobs/ab12");
        assert_eq!(snapshot_link_target("q/x.gguf", "ab12"), "../../../blobs/ab12");
    }

    #[test]
    fn folder_names() {
        assert_eq!(
            repo_from_folder("models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF").as_deref(),
            Some("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF")
        );
        assert_eq!(repo_from_folder("models--gpt2").as_deref(), Some("gpt2"));
        for other in ["datasets--a--b", "models--", "models----x", ".locks", "version.txt"] {
            assert_eq!(repo_from_folder(other), None, "{other}");
        }
        let repo = RepoId::new("a-b/c_d.e").unwrap();
        assert_eq!(repo_from_folder(&repo_folder(&repo)).as_deref(), Some("a-b/c_d.e"));
    }

    #[test]
    fn etags_and_commits() {
        let sha = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046";
        assert_eq!(blob_name(&format!("\"{sha}\"")).as_deref(), Some(sha));
        assert_eq!(blob_name(&format!("W/\"{sha}\"")).as_deref(), Some(sha));
        assert_eq!(blob_name("\"a1b2-c3\"").as_deref(), Some("a1b2-c3"));
        for bad in ["", "\"\"", "\"../x\"", "\"a/b\"", "\"a b\""] {
            assert_eq!(blob_name(bad), None, "{bad}");
        }
        assert!(is_commit_hash("0123456789abcdef0123456789ABCDEF01234567"));
        assert!(!is_commit_hash("main"));
        assert!(!is_commit_hash("0123456789abcdef0123456789abcdef0123456g"));
    }
}
