//! The Hugging Face cache directory on disk (`$HF_HUB_CACHE`), in `huggingface_hub`'s layout so
//! models are shared with other HF tools: lookups, listing, removal, and putting a verified download
//! in place (blob, then snapshot symlink, then `refs/main`; each step atomic).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use cmdai_hub::{
    blob_rel, choose_gguf_name, incomplete_rel, is_commit_hash, is_gguf, lock_rel, ref_rel, repo_folder, repo_from_folder,
    snapshot_link_target, snapshot_rel, HubError, RepoId, BLOBS_DIR, SNAPSHOTS_DIR,
};

/// A GGUF file in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedModel {
    /// `ORG/NAME`.
    pub repo: String,
    /// Path inside the repository.
    pub file: String,
    pub size: u64,
    /// `…/snapshots/<commit>/<file>`: the path to load.
    pub path: PathBuf,
    /// Where the bytes are: the blob the snapshot entry links to, or the entry itself (a copy).
    pub blob: PathBuf,
    pub commit: String,
    /// In the snapshot `refs/main` points to.
    pub current: bool,
}

pub struct HubCache {
    root: PathBuf,
}

pub(crate) fn io_error(action: &str, path: &Path, err: io::Error) -> HubError {
    HubError::Io { action: action.to_string(), path: path.display().to_string(), detail: err.to_string() }
}

/// `base` joined with a `/`-separated relative path.
fn join(base: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(base.to_path_buf(), |p, part| p.join(part))
}

impl HubCache {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        HubCache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn repo_dir(&self, repo: &str) -> PathBuf {
        match RepoId::new(repo) {
            Ok(id) => self.root.join(repo_folder(&id)),
            Err(_) => self.root.join(format!("models--{}", repo.replace('/', "--"))),
        }
    }

    pub fn blob_path(&self, repo: &RepoId, blob: &str) -> PathBuf {
        join(&self.root, &blob_rel(repo, blob))
    }

    pub fn incomplete_path(&self, repo: &RepoId, blob: &str) -> PathBuf {
        join(&self.root, &incomplete_rel(repo, blob))
    }

    pub fn has_blob(&self, repo: &RepoId, blob: &str) -> bool {
        self.blob_path(repo, blob).is_file()
    }

    /// The commit a ref (`main`) points to, if it is a commit hash.
    pub fn read_ref(&self, repo: &RepoId, revision: &str) -> Option<String> {
        let text = fs::read_to_string(join(&self.root, &ref_rel(repo, revision))).ok()?;
        let commit = text.trim();
        is_commit_hash(commit).then(|| commit.to_string())
    }

    /// A cached file of `repo` (without network): `file`, or the GGUF [`choose_gguf_name`] picks among
    /// the cached ones. Looks in the snapshot `refs/main` points to first, then in the others, newest first.
    pub fn find(&self, repo: &RepoId, file: Option<&str>) -> Option<PathBuf> {
        let models = self.repo_models(repo.as_str());
        let file = match file {
            Some(f) => f.to_string(),
            None => choose_gguf_name(repo.as_str(), models.iter().map(|m| m.file.as_str())).ok()?.to_string(),
        };
        if let Some(m) = models.iter().find(|m| m.file == file) {
            return Some(m.path.clone());
        }
        // Not a GGUF (or not listed): look it up directly.
        self.snapshot_dirs(repo.as_str()).into_iter().map(|(_, dir)| join(&dir, &file)).find(|p| p.is_file())
    }

    /// Snapshot directories of a repository: the current one first, then newest first.
    fn snapshot_dirs(&self, repo: &str) -> Vec<(String, PathBuf)> {
        let dir = self.repo_dir(repo).join(SNAPSHOTS_DIR);
        let current = RepoId::new(repo).ok().and_then(|id| self.read_ref(&id, "main"));
        let mut dirs: Vec<(bool, SystemTime, String, PathBuf)> = fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                let meta = fs::symlink_metadata(e.path()).ok().filter(|m| m.is_dir())?;
                let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                Some((current.as_deref() == Some(name.as_str()), mtime, name, e.path()))
            })
            .collect();
        dirs.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        dirs.into_iter().map(|(_, _, name, path)| (name, path)).collect()
    }

    /// Cached GGUF files of one repository (current snapshot first; each file/blob pair once).
    pub fn repo_models(&self, repo: &str) -> Vec<CachedModel> {
        let current = RepoId::new(repo).ok().and_then(|id| self.read_ref(&id, "main"));
        let mut out: Vec<CachedModel> = Vec::new();
        for (commit, dir) in self.snapshot_dirs(repo) {
            for file in files_under(&dir) {
                if !is_gguf(&file) {
                    continue;
                }
                let path = join(&dir, &file);
                let Ok(meta) = fs::metadata(&path) else { continue }; // a dangling link
                if !meta.is_file() {
                    continue;
                }
                let blob = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if out.iter().any(|m| m.file == file && m.blob == blob) {
                    continue;
                }
                let current = current.as_deref() == Some(commit.as_str());
                out.push(CachedModel { repo: repo.to_string(), file, size: meta.len(), path, blob, commit: commit.clone(), current });
            }
        }
        out
    }

    /// Every cached GGUF file, whoever downloaded it, sorted by repository and file.
    pub fn list(&self) -> Result<Vec<CachedModel>, HubError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("cannot read the model cache", &self.root, e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            if let Some(repo) = entry.file_name().to_str().and_then(repo_from_folder) {
                out.extend(self.repo_models(&repo));
            }
        }
        out.sort_by(|a, b| (&a.repo, &a.file, !a.current).cmp(&(&b.repo, &b.file, !b.current)));
        Ok(out)
    }

    /// Holds `.locks/models--ORG--NAME/<blob>.lock` (the lock file `huggingface_hub` uses) until
    /// the returned file is dropped; `on_wait` runs when another process holds it.
    pub fn lock(&self, repo: &RepoId, blob: &str, on_wait: impl FnOnce()) -> Result<File, HubError> {
        let path = join(&self.root, &lock_rel(repo, blob));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
        }
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(|e| io_error("cannot open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(|e| io_error("cannot lock", &path, e))?;
            }
            Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {}
            Err(fs::TryLockError::Error(e)) => return Err(io_error("cannot lock", &path, e)),
        }
        Ok(file)
    }

    /// Puts a file in place: moves `downloaded` (a verified `.incomplete`) to `blobs/<blob>` unless
    /// that blob exists, links `snapshots/<commit>/<file>` to it, and points `refs/<revision>` at
    /// `commit`. Returns the snapshot path.
    pub fn finalize(
        &self,
        repo: &RepoId,
        revision: &str,
        commit: &str,
        file: &str,
        blob: &str,
        downloaded: Option<&Path>,
    ) -> Result<PathBuf, HubError> {
        let blob_path = self.blob_path(repo, blob);
        if let Some(src) = downloaded {
            if blob_path.is_file() {
                let _ = fs::remove_file(src);
            } else {
                fs::rename(src, &blob_path).map_err(|e| io_error("cannot move the download to", &blob_path, e))?;
            }
        }
        let snapshot = join(&self.root, &snapshot_rel(repo, commit, file));
        place_link(&blob_path, &snapshot, &snapshot_link_target(file, blob))?;
        if self.read_ref(repo, revision).as_deref() != Some(commit) {
            let ref_path = join(&self.root, &ref_rel(repo, revision));
            write_atomic(&ref_path, commit.as_bytes())?;
        }
        Ok(snapshot)
    }

    /// Deletes a cached file: its entries in every snapshot, its blob when no other entry uses it,
    /// emptied snapshot directories, and the repository directory once it holds no file.
    pub fn remove(&self, model: &CachedModel) -> Result<(), HubError> {
        let repo_dir = self.repo_dir(&model.repo);
        let snapshots = repo_dir.join(SNAPSHOTS_DIR);
        for (_, dir) in self.snapshot_dirs(&model.repo) {
            let entry = join(&dir, &model.file);
            if fs::symlink_metadata(&entry).is_err() {
                continue;
            }
            let target = fs::canonicalize(&entry).ok();
            if target.is_none() || target.as_ref() == Some(&model.blob) {
                fs::remove_file(&entry).map_err(|e| io_error("cannot delete", &entry, e))?;
                prune_empty_dirs(entry.parent(), &snapshots);
            }
        }
        let blobs = repo_dir.join(BLOBS_DIR);
        if model.blob.starts_with(fs::canonicalize(&blobs).unwrap_or(blobs.clone())) && model.blob.exists() {
            let still_used = self
                .snapshot_dirs(&model.repo)
                .iter()
                .any(|(_, dir)| files_under(dir).iter().any(|f| fs::canonicalize(join(dir, f)).ok().as_ref() == Some(&model.blob)));
            if !still_used {
                fs::remove_file(&model.blob).map_err(|e| io_error("cannot delete", &model.blob, e))?;
            }
        }
        if dir_is_empty(&snapshots) && dir_is_empty(&blobs) {
            fs::remove_dir_all(&repo_dir).map_err(|e| io_error("cannot delete", &repo_dir, e))?;
        }
        Ok(())
    }
}

fn dir_is_empty(dir: &Path) -> bool {
    fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true)
}

/// Removes `dir` and its parents while they are empty, stopping at `stop` (kept).
fn prune_empty_dirs(mut dir: Option<&Path>, stop: &Path) {
    while let Some(d) = dir {
        if d == stop || !d.starts_with(stop) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Files (and links to files) under `dir`, as `/`-separated relative paths; real subdirectories only.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth < 16 => walk(&entry.path(), &rel, depth + 1, out),
                Ok(t) if !t.is_dir() => out.push(rel),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", 0, &mut out);
    out.sort_unstable();
    out
}

/// A temporary name next to `path`, unique to this process and call, for write-then-rename.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), HubError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
    }
    let tmp = temp_path(path);
    fs::write(&tmp, bytes).map_err(|e| io_error("cannot write", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error("cannot write", path, e)
    })
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &str, link: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_file(target.replace('/', "\\"), link)
}

#[cfg(not(any(unix, windows)))]
fn symlink(_target: &str, _link: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Makes `snapshot` a relative symlink to the blob (replacing what was there atomically); where
/// symlinks cannot be made, moves the blob there instead, as `huggingface_hub` does.
fn place_link(blob: &Path, snapshot: &Path, target: &str) -> Result<(), HubError> {
    if fs::canonicalize(snapshot).ok().is_some_and(|p| Some(p) == fs::canonicalize(blob).ok()) {
        return Ok(());
    }
    let parent = snapshot.parent().expect("a snapshot path has a parent");
    fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
    let tmp = temp_path(snapshot);
    let _ = fs::remove_file(&tmp);
    if symlink(target, &tmp).is_err() {
        fs::rename(blob, &tmp).map_err(|e| io_error("cannot move the download to", snapshot, e))?;
    }
    fs::rename(&tmp, snapshot).map_err(|e| {
        if fs::symlink_metadata(&tmp).is_ok_and(|m| m.file_type().is_symlink()) {
            let _ = fs::remove_file(&tmp);
        }
        io_error("cannot create", snapshot, e)
    })
}
