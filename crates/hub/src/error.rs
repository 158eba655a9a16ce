//! Everything that can go wrong between a `--model` argument and a verified file in the cache.
//! Each message says what happened and what to do about it.

use super::size::format_size;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    #[error("invalid model `{input}`: {reason}")]
    InvalidModelRef { input: String, reason: String },

    #[error("{}", access_denied(repo, *status, *had_token, *gated))]
    AccessDenied { repo: String, status: u16, had_token: bool, gated: bool },

    #[error("repository `{repo}` not found on the Hub{}", if *had_token { "" } else { " (if it is private, set HF_TOKEN)" })]
    RepoNotFound { repo: String, had_token: bool },

    #[error("revision `{revision}` not found in `{repo}`")]
    RevisionNotFound { repo: String, revision: String },

    #[error("file `{file}` not found in `{repo}` (revision {revision})")]
    FileNotFound { repo: String, file: String, revision: String },

    #[error("rate limited by the Hub (HTTP 429){}", retry_hint(retry_after.as_deref()))]
    RateLimited { retry_after: Option<String> },

    #[error("HTTP {status} from {url}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    HttpStatus { status: u16, url: String, detail: Option<String> },

    #[error("cannot reach {host}: {detail} (check the network; with HF_HUB_OFFLINE=1 only cached models are used)")]
    Network { host: String, detail: String },

    #[error("unexpected answer from {url}: {detail}")]
    BadResponse { url: String, detail: String },

    #[error("download of `{file}` interrupted after {}: {detail}; run the command again to resume", progress_text(*done, *total))]
    Interrupted { file: String, done: u64, total: Option<u64>, detail: String },

    #[error("checksum mismatch for `{file}`: expected SHA-256 {expected}, got {actual}; the corrupt download was deleted, run the command again to download it anew")]
    ChecksumMismatch { file: String, expected: String, actual: String },

    #[error("size mismatch for `{file}`: expected {expected} bytes, got {actual}; the download was deleted, run the command again to download it anew")]
    SizeMismatch { file: String, expected: u64, actual: u64 },

    #[error("disk full while writing {path} ({}); free some space and run the command again: the download resumes from there", progress_text(*done, *total))]
    DiskFull { path: String, done: u64, total: Option<u64> },

    #[error("{action} {path}: {detail}")]
    Io { action: String, path: String, detail: String },

    #[error("`{repo}` has no GGUF file{}", list_suffix(files))]
    NoGguf { repo: String, files: Vec<String> },

    #[error("`{repo}` has several GGUF files and no single Q4_K_M; choose one with `{repo}:FILE`:\n  {}", choices.join("\n  "))]
    AmbiguousGguf { repo: String, choices: Vec<String> },

    #[error("`{model}` is not downloaded ({cache} has no copy) and offline mode is on (HF_HUB_OFFLINE): unset HF_HUB_OFFLINE and connect to download it")]
    OfflineNotCached { model: String, cache: String },

    #[error("`{model}` is not downloaded yet ({}): run `cmdai-native download-model {model}` first, or pass --yes to download it without asking", size.map(format_size).unwrap_or_else(|| "size unknown".into()))]
    ConfirmationRequired { model: String, size: Option<u64> },

    #[error("download of `{model}` declined")]
    Declined { model: String },

    #[error("`{model}` is not in the model cache ({cache})")]
    NotCached { model: String, cache: String },

    #[error("model file {path} does not exist")]
    PathNotFound { path: String },
}

fn access_denied(repo: &str, status: u16, had_token: bool, gated: bool) -> String {
    let what = if gated { "gated" } else { "gated or private" };
    if had_token {
        format!(
            "access to `{repo}` denied (HTTP {status}) with the configured token: the repository is {what}; \
             accept its terms on its Hub page or use a token (HF_TOKEN) that can read it"
        )
    } else {
        format!(
            "access to `{repo}` denied (HTTP {status}): the repository is {what}; set HF_TOKEN to a Hugging Face \
             access token (https://huggingface.co/settings/tokens) after accepting its terms on its Hub page"
        )
    }
}

fn retry_hint(retry_after: Option<&str>) -> String {
    match retry_after {
        Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => format!("; retry after {s} seconds (Retry-After)"),
        Some(s) => format!("; retry after {s} (Retry-After)"),
        None => "; wait a while and try again (an HF_TOKEN raises the limit)".into(),
    }
}

fn progress_text(done: u64, total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{} of {}", format_size(done), format_size(t)),
        None => format_size(done),
    }
}

fn list_suffix(files: &[String]) -> String {
    if files.is_empty() {
        return " (the repository is empty)".into();
    }
    const SHOWN: usize = 20;
    let mut s = format!("; its files:\n  {}", files.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("\n  "));
    if files.len() > SHOWN {
        s.push_str(&format!("\n  ... and {} more", files.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let e = HubError::AccessDenied { repo: "meta/x".into(), status: 401, had_token: false, gated: false };
        assert!(e.to_string().contains("set HF_TOKEN"), "{e}");
        let e = HubError::AccessDenied { repo: "meta/x".into(), status: 403, had_token: true, gated: true };
        assert!(e.to_string().contains("accept its terms"), "{e}");
        let e = HubError::RateLimited { retry_after: Some("30".into()) };
        assert!(e.to_string().contains("retry after 30 seconds"), "{e}");
        let e = HubError::RateLimited { retry_after: None };
        assert!(e.to_string().contains("429"), "{e}");
        let e = HubError::Interrupted { file: "m.gguf".into(), done: 1_500_000, total: Some(3_000_000), detail: "reset".into() };
        assert_eq!(e.to_string(), "download of `m.gguf` interrupted after 1.50 MB of 3.00 MB: reset; run the command again to resume");
        let e = HubError::NoGguf { repo: "a/b".into(), files: vec![] };
        assert!(e.to_string().contains("empty"));
        let e = HubError::NoGguf { repo: "a/b".into(), files: (0..25).map(|i| format!("f{i}")).collect() };
        assert!(e.to_string().contains("and 5 more"), "{e}");
        let e = HubError::ConfirmationRequired { model: "qwen2.5-coder-1.5b".into(), size: Some(1_117_320_768) };
        assert!(e.to_string().contains("--yes") && e.to_string().contains("1.12 GB"), "{e}");
    }
}
