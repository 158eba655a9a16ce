//! One file from the Hub into the cache: bytes go to `blobs/<hash>.incomplete` (resumed with
//! `Range` after an interruption, in this run or the next), are hashed as they arrive, and are only
//! moved into place once size and SHA-256 match. A corrupt file is deleted; an interrupted or
//! disk-full one is kept for resuming.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;
use std::thread;

use cmdai_hub::{plan_resume, plan_write, verify_download, FileMetadata, HubError, RepoId, ResumePlan, Sha256Stream, WritePlan};

use super::cache::{io_error, HubCache};
use super::client::Client;
use super::options::HubOptions;
use super::progress::Progress;

const CHUNK: usize = 256 * 1024;

/// Whether an attempt may be repeated (resuming from what is on disk).
enum Failure {
    Retry(HubError),
    Fatal(HubError),
}

/// A file of a repository at a revision.
pub(crate) struct Target<'a> {
    pub repo: &'a RepoId,
    pub revision: &'a str,
    pub file: &'a str,
}

/// Downloads the target as `meta` describes it into the cache and returns its snapshot path.
pub(crate) fn fetch(
    client: &Client,
    cache: &HubCache,
    opts: &HubOptions,
    target: &Target<'_>,
    meta: &FileMetadata,
    progress: &mut dyn Progress,
) -> Result<std::path::PathBuf, HubError> {
    let Target { repo, revision, file } = *target;
    let _lock = cache.lock(repo, &meta.blob, || progress.note(&format!("waiting for another process downloading {file}")))?;
    if cache.has_blob(repo, &meta.blob) {
        return cache.finalize(repo, revision, &meta.commit, file, &meta.blob, None);
    }
    let partial = cache.incomplete_path(repo, &meta.blob);
    if let Some(parent) = partial.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error("cannot create", parent, e))?;
    }
    let mut attempt = 0;
    loop {
        match attempt_once(client, &partial, repo, file, meta, progress) {
            Ok(()) => break,
            Err(Failure::Retry(err)) if attempt < opts.retries => {
                attempt += 1;
                progress.finish(false);
                let what = match &err {
                    HubError::Interrupted { done, detail, .. } => {
                        format!("connection lost after {} ({detail})", cmdai_hub::format_size(*done))
                    }
                    other => other.to_string(),
                };
                progress.note(&format!("{what}; retrying ({attempt} of {})", opts.retries));
                thread::sleep(opts.retry_delay * (1 << (attempt - 1).min(5)));
            }
            Err(Failure::Retry(err) | Failure::Fatal(err)) => {
                progress.finish(false);
                return Err(err);
            }
        }
    }
    progress.finish(true);
    cache.finalize(repo, revision, &meta.commit, file, &meta.blob, Some(&partial))
}

fn disk_full(err: &io::Error) -> bool {
    // ENOSPC on Unix; ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL on Windows.
    const CODES: &[i32] = if cfg!(windows) { &[39, 112] } else { &[28] };
    err.kind() == io::ErrorKind::StorageFull || err.raw_os_error().is_some_and(|c| CODES.contains(&c))
}

/// The error for a failed write of the partial file: disk full is worded as such.
pub(crate) fn write_error(path: &Path, err: io::Error, done: u64, total: Option<u64>) -> HubError {
    if disk_full(&err) {
        HubError::DiskFull { path: path.display().to_string(), done, total }
    } else {
        io_error("cannot write", path, err)
    }
}

/// Hashes the first `len` bytes of `path` (a partial download about to be continued).
fn hash_prefix(path: &Path, len: u64, hasher: &mut Sha256Stream, progress: &mut dyn Progress) -> Result<(), HubError> {
    let file = File::open(path).map_err(|e| io_error("cannot read", path, e))?;
    let mut reader = file.take(len);
    let mut buf = vec![0u8; CHUNK];
    if len > 256 << 20 {
        progress.note(&format!("checking the {} already downloaded", cmdai_hub::format_size(len)));
    }
    loop {
        let n = reader.read(&mut buf).map_err(|e| io_error("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    if hasher.len() != len {
        return Err(io_error("cannot read", path, io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(())
}

/// Checks the finished partial file; deletes it when it is wrong.
fn verify_partial(partial: &Path, file: &str, meta: &FileMetadata, hasher: Sha256Stream) -> Result<(), Failure> {
    let size = hasher.len();
    let sha = hasher.finish();
    verify_download(file, meta.sha256.as_deref(), meta.size, &sha, size).map_err(|err| {
        let _ = fs::remove_file(partial);
        Failure::Fatal(err)
    })
}

fn attempt_once(
    client: &Client,
    partial: &Path,
    repo: &RepoId,
    file: &str,
    meta: &FileMetadata,
    progress: &mut dyn Progress,
) -> Result<(), Failure> {
    let fatal = Failure::Fatal;
    let on_disk = fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
    let mut from = match plan_resume(on_disk, meta.size) {
        ResumePlan::Start => 0,
        ResumePlan::Resume { from } => from,
        ResumePlan::Discard => {
            fs::remove_file(partial).map_err(|e| fatal(io_error("cannot delete", partial, e)))?;
            0
        }
        ResumePlan::Complete => {
            let mut hasher = Sha256Stream::new();
            hash_prefix(partial, on_disk, &mut hasher, progress).map_err(fatal)?;
            return verify_partial(partial, file, meta, hasher);
        }
    };
    let mut download = client.open(&meta.location, from, repo, file).map_err(|e| match e {
        HubError::Network { .. } => Failure::Retry(e),
        e => Failure::Fatal(e),
    })?;
    match plan_write(from, download.status, download.content_range.as_deref(), meta.size) {
        WritePlan::Append => {}
        WritePlan::Overwrite => from = 0,
        WritePlan::Restart => {
            fs::remove_file(partial).map_err(|e| fatal(io_error("cannot delete", partial, e)))?;
            return Err(Failure::Retry(HubError::BadResponse {
                url: meta.location.clone(),
                detail: format!("the server could not continue the download at byte {from} (HTTP {}); starting over", download.status),
            }));
        }
    }
    let mut hasher = Sha256Stream::new();
    let mut out = if from == 0 {
        File::create(partial).map_err(|e| fatal(write_error(partial, e, 0, meta.size)))?
    } else {
        hash_prefix(partial, from, &mut hasher, progress).map_err(fatal)?;
        File::options().append(true).open(partial).map_err(|e| fatal(write_error(partial, e, from, meta.size)))?
    };
    progress.start(file, meta.size, from);
    let mut done = from;
    let mut buf = vec![0u8; CHUNK];
    let interrupted = |done: u64, detail: String| HubError::Interrupted { file: file.to_string(), done, total: meta.size, detail };
    loop {
        let n = match download.reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = out.sync_data();
                return Err(Failure::Retry(interrupted(done, e.to_string())));
            }
        };
        if meta.size.is_some_and(|total| done + n as u64 > total) {
            drop(out);
            let _ = fs::remove_file(partial);
            return Err(fatal(HubError::SizeMismatch {
                file: file.to_string(),
                expected: meta.size.unwrap_or(0),
                actual: done + n as u64,
            }));
        }
        out.write_all(&buf[..n]).map_err(|e| fatal(write_error(partial, e, done, meta.size)))?;
        hasher.update(&buf[..n]);
        done += n as u64;
        progress.advance(done);
    }
    out.sync_all().map_err(|e| fatal(write_error(partial, e, done, meta.size)))?;
    drop(out);
    if meta.size.is_some_and(|total| done < total) {
        return Err(Failure::Retry(interrupted(done, "the connection closed early".into())));
    }
    verify_partial(partial, file, meta, hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_is_recognized() {
        let err = io::Error::from(io::ErrorKind::StorageFull);
        assert!(matches!(write_error(Path::new("/x"), err, 5, Some(9)), HubError::DiskFull { done: 5, total: Some(9), .. }));
        let err = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(write_error(Path::new("/x"), err, 5, Some(9)), HubError::Io { .. }));
    }

    /// A real ENOSPC from the kernel: writes to /dev/full fail with it.
    #[cfg(target_os = "linux")]
    #[test]
    fn dev_full_is_disk_full() {
        let Ok(mut f) = File::options().write(true).open("/dev/full") else { return };
        let err = f.write_all(&[0u8; 4096]).and_then(|()| f.flush()).unwrap_err();
        let msg = write_error(Path::new("/dev/full"), err, 0, None).to_string();
        assert!(msg.starts_with("disk full while writing /dev/full"), "{msg}");
    }
}
