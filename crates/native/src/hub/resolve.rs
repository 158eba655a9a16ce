//! The Hub commands: resolve a `--model` to a file (asking before a download), download, list, remove.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use cmdai_hub::{choose_gguf, format_size, HubError, ModelRef, RepoId, DEFAULT_REVISION};

use super::cache::{CachedModel, HubCache};
use super::client::Client;
use super::download::{fetch, Target};
use super::options::HubOptions;
use super::progress::stderr_progress;

/// What to confirm before a download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// As the user wrote it (alias, repository, `repo:file`).
    pub model: String,
    pub repo: String,
    pub file: String,
    pub size: Option<u64>,
    /// Bytes of an earlier, interrupted download that will be reused.
    pub resume_from: u64,
    pub cache_dir: PathBuf,
}

impl Prompt {
    /// `qwen2.5-coder-1.5b is not downloaded yet. Download … (1.12 GB) from … into …? [Y/n] `
    pub fn question(&self) -> String {
        let size = self.size.map(format_size).unwrap_or_else(|| "size unknown".into());
        let resume = if self.resume_from > 0 { format!(", {} of it already here", format_size(self.resume_from)) } else { String::new() };
        format!(
            "{} is not downloaded yet. Download {} ({size}{resume}) from {} into {}? [Y/n] ",
            self.model,
            self.file,
            self.repo,
            self.cache_dir.display()
        )
    }
}

/// Asks [`Prompt::question`] on stderr and reads the answer from stdin (Enter means yes). When stdin
/// is not a terminal, fails with [`HubError::ConfirmationRequired`] (which suggests `--yes`).
pub fn terminal_prompt(prompt: &Prompt) -> Result<bool, HubError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(HubError::ConfirmationRequired { model: prompt.model.clone(), size: prompt.size });
    }
    eprint!("{}", prompt.question());
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
        return Ok(false);
    }
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "" | "y" | "yes"))
}

/// How [`download`] got the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownloadStatus {
    Downloaded,
    /// The Hub's current file was in the cache already.
    AlreadyCached,
    /// Offline (`HF_HUB_OFFLINE`, or the Hub could not be reached): the cached copy, not checked
    /// against the Hub.
    CachedOffline,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadReport {
    pub repo: String,
    pub file: String,
    pub path: PathBuf,
    pub size: u64,
    pub status: DownloadStatus,
    /// Why the Hub was not asked (the network error), for [`DownloadStatus::CachedOffline`].
    pub note: Option<String>,
}

fn parse_hub_target(model: &str, what: &str) -> Result<(ModelRef, RepoId, Option<String>), HubError> {
    let model_ref = ModelRef::parse(model)?;
    match model_ref.hub_target() {
        Some((repo, file)) => Ok((model_ref, repo, file)),
        None => Err(HubError::InvalidModelRef {
            input: model.to_string(),
            reason: format!("{what} takes a built-in model name or a Hub repository, not a local file"),
        }),
    }
}

fn offline_error(cache: &HubCache, model: &ModelRef, repo: &RepoId, file: Option<&str>) -> HubError {
    let mut choices: Vec<String> = cache.repo_models(repo.as_str()).into_iter().map(|m| m.file).collect();
    choices.sort_unstable();
    choices.dedup();
    if file.is_none() && choices.len() > 1 {
        return HubError::AmbiguousGguf { repo: repo.to_string(), choices };
    }
    HubError::OfflineNotCached { model: model.to_string(), cache: cache.root().display().to_string() }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The file `--model` names, downloading it when needed.
///
/// A local path is returned as is (it must exist). A Hub model found in the cache (`refs/main` →
/// `snapshots/`, then older snapshots) is returned without any network call. Otherwise, unless
/// offline, the file is looked up on the Hub (for a bare repository: its Q4_K_M GGUF, else its only
/// GGUF), `ask` confirms the download (skipped with `opts.assume_yes`; see [`terminal_prompt`]),
/// and it is downloaded, verified and put in the cache.
pub fn resolve_model(model: &str, opts: &HubOptions, mut ask: impl FnMut(&Prompt) -> Result<bool, HubError>) -> Result<PathBuf, HubError> {
    let model_ref = ModelRef::parse(model)?;
    let Some((repo, file)) = model_ref.hub_target() else {
        let path = expand_home(model.trim());
        return if path.is_file() { Ok(path) } else { Err(HubError::PathNotFound { path: path.display().to_string() }) };
    };
    let cache = HubCache::new(&opts.cache_dir);
    if let Some(path) = cache.find(&repo, file.as_deref()) {
        return Ok(path);
    }
    if opts.offline {
        return Err(offline_error(&cache, &model_ref, &repo, file.as_deref()));
    }
    let client = Client::new(opts);
    let file = match file {
        Some(f) => f,
        None => {
            let listing = client.list_files(&repo)?;
            let chosen = choose_gguf(repo.as_str(), &listing.files)?.path.clone();
            if let Some(path) = cache.find(&repo, Some(&chosen)) {
                return Ok(path);
            }
            chosen
        }
    };
    let meta = client.file_metadata(&repo, DEFAULT_REVISION, &file)?;
    if !opts.assume_yes && !cache.has_blob(&repo, &meta.blob) {
        let resume_from = std::fs::metadata(cache.incomplete_path(&repo, &meta.blob)).map(|m| m.len()).unwrap_or(0);
        let prompt = Prompt {
            model: model_ref.to_string(),
            repo: repo.to_string(),
            file: file.clone(),
            size: meta.size,
            resume_from,
            cache_dir: opts.cache_dir.clone(),
        };
        if !ask(&prompt)? {
            return Err(HubError::Declined { model: model_ref.to_string() });
        }
    }
    let mut progress = stderr_progress(opts.progress);
    let target = Target { repo: &repo, revision: DEFAULT_REVISION, file: &file };
    fetch(&client, &cache, opts, &target, &meta, progress.as_mut())
}

/// `download-model`: makes the cache hold the Hub's current version of a model (no question asked).
/// Offline, or when the Hub cannot be reached, a cached copy is accepted as is.
pub fn download(model: &str, opts: &HubOptions) -> Result<DownloadReport, HubError> {
    let (model_ref, repo, file) = parse_hub_target(model, "download-model")?;
    let cache = HubCache::new(&opts.cache_dir);
    let report = |path: PathBuf, file: String, status: DownloadStatus, note: Option<String>| {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        DownloadReport { repo: repo.to_string(), file, path, size, status, note }
    };
    let cached_or = |err: HubError| -> Result<DownloadReport, HubError> {
        let offline = matches!(err, HubError::Network { .. } | HubError::OfflineNotCached { .. });
        match cache.find(&repo, file.as_deref()).filter(|_| offline) {
            Some(path) => {
                let name = cached_file_name(&cache, &repo, &path, file.as_deref());
                let note = matches!(err, HubError::Network { .. }).then(|| err.to_string());
                Ok(report(path, name, DownloadStatus::CachedOffline, note))
            }
            None => Err(err),
        }
    };
    if opts.offline {
        return cached_or(offline_error(&cache, &model_ref, &repo, file.as_deref()));
    }
    let client = Client::new(opts);
    let file = match &file {
        Some(f) => f.clone(),
        None => match client.list_files(&repo) {
            Ok(listing) => choose_gguf(repo.as_str(), &listing.files)?.path.clone(),
            Err(e) => return cached_or(e),
        },
    };
    let meta = match client.file_metadata(&repo, DEFAULT_REVISION, &file) {
        Ok(m) => m,
        Err(e) => return cached_or(e),
    };
    let already = cache.has_blob(&repo, &meta.blob);
    let mut progress = stderr_progress(opts.progress);
    let target = Target { repo: &repo, revision: DEFAULT_REVISION, file: &file };
    let path = fetch(&client, &cache, opts, &target, &meta, progress.as_mut())?;
    let status = if already { DownloadStatus::AlreadyCached } else { DownloadStatus::Downloaded };
    Ok(report(path, file, status, None))
}

/// The repository path of a cached snapshot file.
fn cached_file_name(cache: &HubCache, repo: &RepoId, path: &std::path::Path, file: Option<&str>) -> String {
    if let Some(f) = file {
        return f.to_string();
    }
    cache.repo_models(repo.as_str()).into_iter().find(|m| m.path == path).map(|m| m.file).unwrap_or_default()
}

/// `models`: the GGUF files in the cache, including those other Hugging Face tools downloaded.
pub fn list_cached(opts: &HubOptions) -> Result<Vec<CachedModel>, HubError> {
    HubCache::new(&opts.cache_dir).list()
}

/// `models rm`: deletes a cached model (every cached version of the file: snapshot entries, blobs,
/// and the repository directory once empty) and returns what was removed. A bare repository must
/// have exactly one cached GGUF.
pub fn remove(model: &str, opts: &HubOptions) -> Result<Vec<CachedModel>, HubError> {
    let (model_ref, repo, file) = parse_hub_target(model, "models rm")?;
    let cache = HubCache::new(&opts.cache_dir);
    let models = cache.repo_models(repo.as_str());
    let file = match file {
        Some(f) => f,
        None => {
            let mut names: Vec<String> = models.iter().map(|m| m.file.clone()).collect();
            names.sort_unstable();
            names.dedup();
            match names.len() {
                0 => return Err(HubError::NotCached { model: model_ref.to_string(), cache: cache.root().display().to_string() }),
                1 => names.remove(0),
                _ => return Err(HubError::AmbiguousGguf { repo: repo.to_string(), choices: names }),
            }
        }
    };
    let victims: Vec<CachedModel> = models.into_iter().filter(|m| m.file == file).collect();
    if victims.is_empty() {
        return Err(HubError::NotCached { model: model_ref.to_string(), cache: cache.root().display().to_string() });
    }
    for m in &victims {
        cache.remove(m)?;
    }
    Ok(victims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_names_size_and_place() {
        let p = Prompt {
            model: "qwen2.5-coder-1.5b".into(),
            repo: "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF".into(),
            file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf".into(),
            size: Some(1_117_320_768),
            resume_from: 0,
            cache_dir: PathBuf::from("/home/u/.cache/huggingface/hub"),
        };
        assert_eq!(
            p.question(),
            "qwen2.5-coder-1.5b is not downloaded yet. Download qwen2.5-coder-1.5b-instruct-q4_k_m.gguf (1.12 GB) from \
             Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF into /home/u/.cache/huggingface/hub? [Y/n] "
        );
        let p = Prompt { resume_from: 500_000_000, ..p };
        assert!(p.question().contains("(1.12 GB, 500 MB of it already here)"), "{}", p.question());
    }
}
