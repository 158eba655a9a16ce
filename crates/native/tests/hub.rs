//! Model downloads against a fake Hugging Face Hub on 127.0.0.1 (cmdai-test-support's fake_hub): the
//! cache layout shared with other HF tools, resume after a cut connection, corrupt bytes, HTTP
//! errors, offline mode, confirmation, listing and removal. One real model (SmolLM2) goes through
//! the whole path.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cmdai_hub::{find_alias, sha256_hex, RepoId};
use cmdai_native::hub::{
    download, list_cached, remove, resolve_model, DownloadStatus, HubCache, HubError, HubOptions, ProgressMode, Prompt,
};
use cmdai_test_support::fake_hub::{FakeFile, FakeHub, FakeRepo, Fault, Request};
use cmdai_test_support::models;
use cmdai_test_support::temp_dir::TempDir;

const COMMIT_A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const COMMIT_B: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
const TINY: &str = "test-org/Tiny-GGUF";
const TINY_Q4: &str = "tiny-q4_k_m.gguf";
const TINY_Q4_LEN: usize = 3_000_000;

/// Deterministic pseudo-random bytes.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn tiny_repo() -> FakeRepo {
    FakeRepo::new(
        TINY,
        COMMIT_A,
        vec![
            FakeFile::bytes("README.md", b"# Tiny\n".to_vec()),
            FakeFile::bytes("tiny-q8_0.gguf", data(200_000, 1)),
            FakeFile::bytes(TINY_Q4, data(TINY_Q4_LEN, 2)),
        ],
    )
}

fn tiny_q4_sha() -> String {
    sha256_hex(&data(TINY_Q4_LEN, 2))
}

fn options(hub: &FakeHub, cache: &Path) -> HubOptions {
    let mut o = HubOptions::new(cache);
    o.endpoint = hub.endpoint();
    o.assume_yes = true;
    o.progress = ProgressMode::Off;
    o.retries = 0;
    o.retry_delay = Duration::from_millis(10);
    o.connect_timeout = Duration::from_secs(5);
    o.read_timeout = Duration::from_secs(20);
    o
}

fn yes(_: &Prompt) -> Result<bool, HubError> {
    Ok(true)
}

fn never_asked(p: &Prompt) -> Result<bool, HubError> {
    panic!("unexpected confirmation prompt: {p:?}")
}

fn repo_dir(cache: &Path, repo: &str) -> PathBuf {
    cache.join(format!("models--{}", repo.replace('/', "--")))
}

/// Every file under `dir` (relative, sorted), links included.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn cdn_gets(hub: &FakeHub) -> Vec<Request> {
    hub.requests().into_iter().filter(|r| r.cdn && r.method == "GET").collect()
}

fn incomplete(cache: &Path, repo: &str, sha: &str) -> PathBuf {
    HubCache::new(cache).incomplete_path(&RepoId::new(repo).unwrap(), sha)
}

/// Leaves `bytes` where an interrupted download of `sha` would have left them.
fn plant_partial(cache: &Path, repo: &str, sha: &str, bytes: &[u8]) {
    let partial = incomplete(cache, repo, sha);
    fs::create_dir_all(partial.parent().unwrap()).unwrap();
    fs::write(&partial, bytes).unwrap();
}

#[test]
fn download_uses_the_standard_cache_layout() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());

    // A bare repository picks its Q4_K_M GGUF.
    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    let sha = tiny_q4_sha();
    let repo = repo_dir(cache.path(), TINY);
    assert_eq!(path, repo.join("snapshots").join(COMMIT_A).join(TINY_Q4));
    assert_eq!(fs::read_link(&path).unwrap(), PathBuf::from(format!("../../blobs/{sha}")));
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
    assert_eq!(fs::read_to_string(repo.join("refs/main")).unwrap(), COMMIT_A);
    assert_eq!(files(&repo), vec![format!("blobs/{sha}"), "refs/main".into(), format!("snapshots/{COMMIT_A}/{TINY_Q4}")]);
    assert!(cache.path().join(format!(".locks/models--test-org--Tiny-GGUF/{sha}.lock")).is_file());

    // The CDN (another origin) got exactly one plain GET; no Range, no token.
    let gets = cdn_gets(&hub);
    assert_eq!(gets.len(), 1);
    assert_eq!(gets[0].header("range"), None);

    // Cached now: no network at all, same path, for the repo, `repo:file`, and with the Hub gone.
    hub.clear_requests();
    assert_eq!(resolve_model(TINY, &opts, never_asked).unwrap(), path);
    assert_eq!(resolve_model(&format!("{TINY}:{TINY_Q4}"), &opts, never_asked).unwrap(), path);
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());

    // `download-model` checks the Hub and finds it current.
    let report = download(TINY, &opts).unwrap();
    assert_eq!(report.status, DownloadStatus::AlreadyCached);
    assert_eq!((report.file.as_str(), report.size, report.path), (TINY_Q4, TINY_Q4_LEN as u64, path));
    assert!(cdn_gets(&hub).is_empty());
}

#[test]
fn a_plain_git_file_is_cached_under_its_etag() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let path = resolve_model(&format!("{TINY}:README.md"), &opts, never_asked).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "# Tiny\n");
    let etag = &sha256_hex(b"# Tiny\n")[..40];
    assert_eq!(fs::read_link(&path).unwrap(), PathBuf::from(format!("../../blobs/{etag}")));
    assert!(cdn_gets(&hub).is_empty(), "non-LFS files come from the Hub itself");
}

#[test]
fn real_model_through_the_whole_path() {
    let alias = find_alias("smollm2-135m").unwrap();
    let model = models::test_model_path(alias.file);
    let repo = FakeRepo::new(alias.repo, COMMIT_A, vec![FakeFile::path(alias.file, model, alias.size, alias.sha256)]);
    let hub = FakeHub::start(vec![repo]);
    hub.push_fault(Fault::CutAfter(40_000_000));
    let cache = TempDir::new("hub");
    let mut opts = options(&hub, cache.path());
    opts.retries = 1;
    let path = resolve_model("smollm2-135m", &opts, never_asked).unwrap();

    let bytes = fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, alias.size);
    assert_eq!(sha256_hex(&bytes), alias.sha256);
    let gets = cdn_gets(&hub);
    assert_eq!(gets.len(), 2, "{gets:?}");
    let range = gets[1].header("range").expect("the second request resumes");
    let from: u64 = range.trim_start_matches("bytes=").trim_end_matches('-').parse().unwrap();
    assert!(from > 0 && from <= 40_000_000, "{range}");
    let listed = list_cached(&opts).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].repo.as_str(), listed[0].file.as_str(), listed[0].size), (alias.repo, alias.file, alias.size));
}

#[test]
fn a_cut_download_resumes_on_the_next_run() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    hub.push_fault(Fault::CutAfter(1_000_000));
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let sha = tiny_q4_sha();

    let err = resolve_model(TINY, &opts, never_asked).unwrap_err();
    assert!(matches!(err, HubError::Interrupted { .. }), "{err}");
    assert!(err.to_string().contains("run the command again to resume"), "{err}");
    let partial = incomplete(cache.path(), TINY, &sha);
    let kept = fs::metadata(&partial).unwrap().len();
    assert!(kept > 0 && kept <= 1_000_000, "{kept}");
    // Nothing a later run would load.
    let repo = repo_dir(cache.path(), TINY);
    assert_eq!(files(&repo), vec![format!("blobs/{sha}.incomplete")]);

    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
    let gets = cdn_gets(&hub);
    assert_eq!(gets.len(), 2);
    assert_eq!(gets[1].header("range"), Some(format!("bytes={kept}-").as_str()));
    assert!(!partial.exists());
}

#[test]
fn a_cut_download_resumes_within_one_run() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    hub.push_fault(Fault::CutAfter(700_000));
    hub.push_fault(Fault::CutAfter(700_000));
    let cache = TempDir::new("hub");
    let mut opts = options(&hub, cache.path());
    opts.retries = 2;
    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), tiny_q4_sha());
    let ranges: Vec<Option<String>> = cdn_gets(&hub).iter().map(|r| r.header("range").map(str::to_string)).collect();
    assert_eq!(ranges.len(), 3, "{ranges:?}");
    assert_eq!(ranges[0], None);
    assert!(ranges[1].is_some() && ranges[2].is_some(), "{ranges:?}");
}

#[test]
fn a_server_ignoring_range_restarts_cleanly() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    hub.push_fault(Fault::IgnoreRange);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let sha = tiny_q4_sha();
    plant_partial(cache.path(), TINY, &sha, &data(TINY_Q4_LEN, 2)[..500_000]);

    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
    assert_eq!(cdn_gets(&hub)[0].header("range"), Some("bytes=500000-"));
}

#[test]
fn a_complete_partial_file_is_verified_without_downloading() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let sha = tiny_q4_sha();
    plant_partial(cache.path(), TINY, &sha, &data(TINY_Q4_LEN, 2));
    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
    assert!(cdn_gets(&hub).is_empty());

    // A partial file longer than the real one is thrown away.
    let other = TempDir::new("hub");
    let opts = options(&hub, other.path());
    plant_partial(other.path(), TINY, &sha, &data(TINY_Q4_LEN + 10, 9));
    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
}

#[test]
fn corrupt_bytes_are_rejected_and_removed() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    hub.push_fault(Fault::Corrupt);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let sha = tiny_q4_sha();

    let err = resolve_model(TINY, &opts, never_asked).unwrap_err();
    match &err {
        HubError::ChecksumMismatch { expected, actual, .. } => assert!(expected == &sha && actual != &sha),
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("deleted"), "{err}");
    let repo = repo_dir(cache.path(), TINY);
    assert!(files(&repo).is_empty(), "{:?}", files(&repo));

    // A corrupt partial file left by an earlier run is caught as well.
    let partial = incomplete(cache.path(), TINY, &sha);
    fs::write(&partial, data(500_000, 77)).unwrap();
    let err = resolve_model(TINY, &opts, never_asked).unwrap_err();
    assert!(matches!(err, HubError::ChecksumMismatch { .. }), "{err}");
    assert!(files(&repo).is_empty(), "{:?}", files(&repo));

    // The next run downloads it anew.
    let path = resolve_model(TINY, &opts, never_asked).unwrap();
    assert_eq!(sha256_hex(&fs::read(&path).unwrap()), sha);
}

#[test]
fn http_errors_are_clear() {
    let mut gated = FakeRepo::new("gated-org/Gated-GGUF", COMMIT_A, vec![FakeFile::bytes("g-Q4_K_M.gguf", data(100_000, 3))]);
    gated.token = Some("hf_good".into());
    let many =
        FakeRepo::new("o/Many", COMMIT_A, vec![FakeFile::bytes("m-q8_0.gguf", data(10, 4)), FakeFile::bytes("m-f16.gguf", data(10, 5))]);
    let none = FakeRepo::new("o/None", COMMIT_A, vec![FakeFile::bytes("model.safetensors", data(10, 6))]);
    let mut hub = FakeHub::start(vec![tiny_repo(), gated, many, none]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let err = |model: &str, opts: &HubOptions| resolve_model(model, opts, never_asked).unwrap_err();

    let e = err("test-org/Missing-GGUF", &opts);
    assert!(matches!(e, HubError::RepoNotFound { .. }) && e.to_string().contains("test-org/Missing-GGUF"), "{e}");
    let e = err(&format!("{TINY}:nope.gguf"), &opts);
    assert!(matches!(e, HubError::FileNotFound { .. }) && e.to_string().contains("nope.gguf"), "{e}");
    let e = err("gated-org/Gated-GGUF", &opts);
    assert!(matches!(e, HubError::AccessDenied { status: 401, had_token: false, .. }) && e.to_string().contains("set HF_TOKEN"), "{e}");
    let e = err("gated-org/Gated-GGUF", &HubOptions { token: Some("hf_bad".into()), ..opts.clone() });
    assert!(matches!(e, HubError::AccessDenied { status: 403, had_token: true, .. }), "{e}");
    let e = err("o/Many", &opts);
    assert!(matches!(e, HubError::AmbiguousGguf { .. }) && e.to_string().contains("m-f16.gguf\n  m-q8_0.gguf"), "{e}");
    let e = err("o/None", &opts);
    assert!(matches!(e, HubError::NoGguf { .. }) && e.to_string().contains("model.safetensors"), "{e}");
    let e = err("gpt2", &opts);
    assert!(matches!(e, HubError::InvalidModelRef { .. }), "{e}");

    hub.push_fault(Fault::Status { code: 429, headers: vec![("Retry-After".into(), "7".into())] });
    let e = err(TINY, &opts);
    assert!(matches!(e, HubError::RateLimited { .. }) && e.to_string().contains("retry after 7 seconds"), "{e}");
    hub.push_fault(Fault::Status { code: 503, headers: vec![("X-Error-Message".into(), "maintenance".into())] });
    let e = err(TINY, &opts);
    assert!(matches!(e, HubError::HttpStatus { status: 503, .. }) && e.to_string().contains("maintenance"), "{e}");
    // The CDN's own refusal (an expired signed link) is not blamed on the token.
    hub.push_fault(Fault::CdnStatus(403));
    let e = err(&format!("{TINY}:tiny-q8_0.gguf"), &opts);
    assert!(matches!(e, HubError::HttpStatus { status: 403, .. }) && e.to_string().contains("fresh link"), "{e}");
    assert!(!e.to_string().contains("expires="), "signed URLs stay out of messages: {e}");
    assert!(files(cache.path()).iter().all(|f| f.starts_with(".locks")), "{:?}", files(cache.path()));

    // With the right token: downloaded, and the token never left the Hub's origin.
    let with_token = HubOptions { token: Some("hf_good".into()), ..opts.clone() };
    hub.clear_requests();
    resolve_model("gated-org/Gated-GGUF", &with_token, never_asked).unwrap();
    let reqs = hub.requests();
    assert!(reqs.iter().filter(|r| !r.cdn).all(|r| r.header("authorization") == Some("Bearer hf_good")), "{reqs:?}");
    assert!(reqs.iter().any(|r| r.cdn));
    assert!(reqs.iter().filter(|r| r.cdn).all(|r| r.header("authorization").is_none()), "{reqs:?}");

    hub.stop();
    let e = err(&format!("{TINY}:tiny-q8_0.gguf"), &opts);
    assert!(matches!(e, HubError::Network { .. }) && e.to_string().contains("HF_HUB_OFFLINE"), "{e}");
}

#[test]
fn offline_mode_uses_the_cache_only() {
    let mut hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let path = resolve_model(TINY, &opts, never_asked).unwrap();

    let offline = HubOptions { offline: true, ..opts.clone() };
    hub.clear_requests();
    let t = Instant::now();
    assert_eq!(resolve_model(TINY, &offline, never_asked).unwrap(), path);
    assert_eq!(resolve_model("test-org/Tiny-GGUF:tiny-q4_k_m.gguf", &offline, never_asked).unwrap(), path);
    let report = download(TINY, &offline).unwrap();
    assert_eq!((report.status, report.file.as_str(), &report.path), (DownloadStatus::CachedOffline, TINY_Q4, &path));
    assert!(hub.requests().is_empty(), "offline mode made requests: {:?}", hub.requests());

    hub.stop();
    assert_eq!(resolve_model(TINY, &offline, never_asked).unwrap(), path);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let e = resolve_model(&format!("{TINY}:tiny-q8_0.gguf"), &offline, never_asked).unwrap_err();
    assert!(matches!(e, HubError::OfflineNotCached { .. }) && e.to_string().contains("HF_HUB_OFFLINE"), "{e}");
    let e = download("smollm2-135m", &offline).unwrap_err();
    assert!(matches!(e, HubError::OfflineNotCached { .. }), "{e}");

    // The Hub unreachable without offline mode: cached models still resolve, download-model says why.
    assert_eq!(resolve_model(TINY, &opts, never_asked).unwrap(), path);
    let report = download(TINY, &opts).unwrap();
    assert_eq!(report.status, DownloadStatus::CachedOffline);
    assert!(report.note.unwrap().contains("cannot reach"));
}

/// Places a file in the cache the way `huggingface_hub` does, without cmdai.
#[cfg(unix)]
fn place_by_hand(cache: &Path, repo: &str, commit: &str, file: &str, bytes: &[u8]) -> PathBuf {
    let dir = repo_dir(cache, repo);
    let sha = sha256_hex(bytes);
    fs::create_dir_all(dir.join("blobs")).unwrap();
    fs::create_dir_all(dir.join("refs")).unwrap();
    fs::write(dir.join("blobs").join(&sha), bytes).unwrap();
    fs::write(dir.join("refs/main"), commit).unwrap();
    let link = dir.join("snapshots").join(commit).join(file);
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    let depth = file.split('/').count() + 1;
    std::os::unix::fs::symlink(format!("{}blobs/{sha}", "../".repeat(depth)), &link).unwrap();
    link
}

#[cfg(unix)]
#[test]
fn files_from_other_hf_tools_are_found_listed_and_removed() {
    let cache = TempDir::new("hub");
    let hand = place_by_hand(cache.path(), "other-org/Hand-GGUF", COMMIT_B, "hand-Q4_K_M.gguf", &data(1000, 8));
    place_by_hand(cache.path(), "other-org/Hand-GGUF", COMMIT_B, "config.json", b"{}");
    let nested = place_by_hand(cache.path(), "other-org/Nested", COMMIT_A, "q8/nested-q8_0.gguf", &data(500, 9));
    fs::create_dir_all(cache.path().join("datasets--x--y/snapshots")).unwrap();

    // The Hub is unreachable (nothing listens on the endpoint), and no network is needed.
    let mut opts = HubOptions::new(cache.path());
    opts.endpoint = "http://127.0.0.1:9".into();
    opts.progress = ProgressMode::Off;
    assert_eq!(resolve_model("other-org/Hand-GGUF", &opts, never_asked).unwrap(), hand);
    assert_eq!(resolve_model("other-org/Nested", &opts, never_asked).unwrap(), nested);
    assert_eq!(resolve_model("other-org/Nested:q8/nested-q8_0.gguf", &opts, never_asked).unwrap(), nested);

    let listed = list_cached(&opts).unwrap();
    let rows: Vec<(&str, &str, u64, bool)> = listed.iter().map(|m| (m.repo.as_str(), m.file.as_str(), m.size, m.current)).collect();
    assert_eq!(rows, vec![("other-org/Hand-GGUF", "hand-Q4_K_M.gguf", 1000, true), ("other-org/Nested", "q8/nested-q8_0.gguf", 500, true)]);
    assert_eq!(listed[0].path, hand);

    // Removing the GGUF keeps the repository (config.json is still there) ...
    let removed = remove("other-org/Hand-GGUF", &opts).unwrap();
    assert_eq!(removed.len(), 1);
    let dir = repo_dir(cache.path(), "other-org/Hand-GGUF");
    assert_eq!(files(&dir), vec![format!("blobs/{}", sha256_hex(b"{}")), "refs/main".into(), format!("snapshots/{COMMIT_B}/config.json")]);
    // ... and a repository left empty goes entirely.
    remove("other-org/Nested:q8/nested-q8_0.gguf", &opts).unwrap();
    assert!(!repo_dir(cache.path(), "other-org/Nested").exists());
    let e = remove("other-org/Nested", &opts).unwrap_err();
    assert!(matches!(e, HubError::NotCached { .. }) && e.to_string().contains("other-org/Nested"), "{e}");
    assert!(list_cached(&opts).unwrap().is_empty());
}

#[test]
fn updates_list_and_remove() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let report = download(TINY, &opts).unwrap();
    assert_eq!(report.status, DownloadStatus::Downloaded);
    download(&format!("{TINY}:tiny-q8_0.gguf"), &opts).unwrap();

    // A new commit changes the Q4_K_M file.
    let mut repo = tiny_repo();
    repo.commit = COMMIT_B.into();
    repo.files[2] = FakeFile::bytes(TINY_Q4, data(TINY_Q4_LEN, 3));
    hub.set_repo(repo);
    let report = download(TINY, &opts).unwrap();
    assert_eq!(report.status, DownloadStatus::Downloaded);
    assert!(report.path.starts_with(repo_dir(cache.path(), TINY).join("snapshots").join(COMMIT_B)));
    assert_eq!(fs::read_to_string(repo_dir(cache.path(), TINY).join("refs/main")).unwrap(), COMMIT_B);
    // The other file, only in the old snapshot, is still found.
    assert!(resolve_model(&format!("{TINY}:tiny-q8_0.gguf"), &opts, never_asked).unwrap().starts_with(repo_dir(cache.path(), TINY)));

    // Offline, the bare repository means the current version of its Q4_K_M file.
    let offline = HubOptions { offline: true, ..opts.clone() };
    assert_eq!(resolve_model(TINY, &offline, never_asked).unwrap(), report.path);

    let listed = list_cached(&opts).unwrap();
    let rows: Vec<(&str, bool)> = listed.iter().map(|m| (m.file.as_str(), m.current)).collect();
    assert_eq!(rows, vec![("tiny-q4_k_m.gguf", true), ("tiny-q4_k_m.gguf", false), ("tiny-q8_0.gguf", false)]);

    let e = remove(TINY, &opts).unwrap_err();
    assert!(matches!(e, HubError::AmbiguousGguf { .. }), "{e}");
    assert_eq!(remove(&format!("{TINY}:{TINY_Q4}"), &opts).unwrap().len(), 2);
    assert_eq!(list_cached(&opts).unwrap().len(), 1);
    remove(TINY, &opts).unwrap();
    assert!(!repo_dir(cache.path(), TINY).exists());
    let e = remove("x.gguf", &opts).unwrap_err();
    assert!(matches!(e, HubError::InvalidModelRef { .. }), "{e}");
}

#[test]
fn asks_before_downloading() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let mut opts = options(&hub, cache.path());
    opts.assume_yes = false;

    let asked = AtomicUsize::new(0);
    let e = resolve_model(TINY, &opts, |p| {
        asked.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            (p.model.as_str(), p.repo.as_str(), p.file.as_str(), p.size, p.resume_from),
            (TINY, TINY, TINY_Q4, Some(TINY_Q4_LEN as u64), 0)
        );
        assert!(p.question().contains("3.00 MB"), "{}", p.question());
        Ok(false)
    })
    .unwrap_err();
    assert!(matches!(e, HubError::Declined { .. }), "{e}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(cdn_gets(&hub).is_empty());

    // Not a terminal: the prompt function's error comes through.
    let e = resolve_model("test-org/Tiny-GGUF:tiny-q8_0.gguf", &opts, |p| {
        Err(HubError::ConfirmationRequired { model: p.model.clone(), size: p.size })
    })
    .unwrap_err();
    assert!(e.to_string().contains("--yes") && e.to_string().contains("200 kB"), "{e}");

    // An interrupted download says how much is already there.
    hub.push_fault(Fault::CutAfter(1_000_000));
    resolve_model(TINY, &opts, yes).unwrap_err();
    let resumed = AtomicUsize::new(0);
    resolve_model(TINY, &opts, |p| {
        resumed.store(p.resume_from as usize, Ordering::SeqCst);
        Ok(true)
    })
    .unwrap();
    assert!(resumed.load(Ordering::SeqCst) > 0);

    // Cached: no question.
    resolve_model(TINY, &opts, never_asked).unwrap();
}

#[test]
fn concurrent_downloads_share_one_blob() {
    let hub = FakeHub::start(vec![tiny_repo()]);
    let cache = TempDir::new("hub");
    let opts = options(&hub, cache.path());
    let paths: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| resolve_model(TINY, &opts, never_asked).unwrap())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(paths.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(sha256_hex(&fs::read(&paths[0]).unwrap()), tiny_q4_sha());
    assert_eq!(cdn_gets(&hub).len(), 1);
}

#[test]
fn local_paths_are_used_as_they_are() {
    let dir = TempDir::new("hub");
    let file = dir.path().join("my.gguf");
    fs::write(&file, b"GGUF").unwrap();
    let opts = HubOptions { offline: true, ..HubOptions::new(dir.path().join("hub")) };
    assert_eq!(resolve_model(file.to_str().unwrap(), &opts, never_asked).unwrap(), file);
    let missing = dir.path().join("missing.gguf");
    let e = resolve_model(missing.to_str().unwrap(), &opts, never_asked).unwrap_err();
    assert!(matches!(e, HubError::PathNotFound { .. }) && e.to_string().contains("missing.gguf"), "{e}");
    let e = download(file.to_str().unwrap(), &opts).unwrap_err();
    assert!(matches!(e, HubError::InvalidModelRef { .. }), "{e}");
}
