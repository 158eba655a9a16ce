//! From the Hub's HTTP answers to errors and file metadata. Headers are read through a lookup
//! function (case-insensitive names), so any HTTP client (ureq, browser `fetch`) can be plugged in.

use super::error::HubError;
use super::layout::{blob_name, is_commit_hash};
use super::url::join_location;
use super::verify::is_sha256;

/// What a request was for, to word its errors.
#[derive(Clone, Copy, Debug)]
pub struct RequestContext<'a> {
    pub repo: &'a str,
    /// The file, for a download or metadata request; `None` for a listing.
    pub file: Option<&'a str>,
    pub revision: &'a str,
    pub url: &'a str,
    /// Whether an `Authorization` header was sent.
    pub had_token: bool,
}

/// `Ok` for 1xx-3xx; otherwise the matching error. The Hub names its 4xx cases in `X-Error-Code`
/// (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`) and explains in `X-Error-Message`.
pub fn check_status(status: u16, ctx: &RequestContext<'_>, header: &dyn Fn(&str) -> Option<String>) -> Result<(), HubError> {
    if status < 400 {
        return Ok(());
    }
    let code = header("x-error-code").unwrap_or_default();
    let repo = ctx.repo.to_string();
    let file_not_found = || match ctx.file {
        Some(file) => HubError::FileNotFound { repo: repo.clone(), file: file.to_string(), revision: ctx.revision.to_string() },
        None => HubError::RepoNotFound { repo: repo.clone(), had_token: ctx.had_token },
    };
    Err(match (status, code.as_str()) {
        (_, "RepoNotFound") if matches!(status, 401 | 404) => HubError::RepoNotFound { repo, had_token: ctx.had_token },
        (404, "RevisionNotFound") => HubError::RevisionNotFound { repo, revision: ctx.revision.to_string() },
        (404, "EntryNotFound") => file_not_found(),
        (401 | 403, _) => HubError::AccessDenied { repo, status, had_token: ctx.had_token, gated: code == "GatedRepo" },
        (404, _) => file_not_found(),
        (429, _) => HubError::RateLimited { retry_after: retry_after(header) },
        _ => HubError::HttpStatus { status, url: ctx.url.to_string(), detail: header("x-error-message") },
    })
}

/// `Retry-After`, else the reset time `t=` of the IETF `RateLimit` header the Hub sends.
fn retry_after(header: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(v) = header("retry-after").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        return Some(v);
    }
    let rl = header("ratelimit")?;
    rl.split([';', ',']).find_map(|p| p.trim().strip_prefix("t=").map(|t| t.trim().to_string())).filter(|t| !t.is_empty())
}

/// What a `HEAD` on a resolve URL (redirects not followed) says about a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMetadata {
    /// `X-Repo-Commit`: the commit the revision points to.
    pub commit: String,
    /// The cache blob name: the SHA-256 for LFS files, else the git etag.
    pub blob: String,
    /// `X-Linked-Etag` when it is a SHA-256 (LFS files).
    pub sha256: Option<String>,
    /// `X-Linked-Size`, else `Content-Length` of an unredirected 200.
    pub size: Option<u64>,
    /// Where to `GET` the bytes: the redirect target (a CDN) or the resolve URL itself.
    pub location: String,
}

/// Reads [`FileMetadata`] from a successful answer (200 or 3xx) to `HEAD request_url`; the error is
/// a detail for [`HubError::BadResponse`].
pub fn file_metadata_from_head(status: u16, request_url: &str, header: &dyn Fn(&str) -> Option<String>) -> Result<FileMetadata, String> {
    let commit = header("x-repo-commit").ok_or("no X-Repo-Commit header (is HF_ENDPOINT a Hugging Face Hub?)")?;
    let commit = commit.trim().to_ascii_lowercase();
    if !is_commit_hash(&commit) {
        return Err(format!("X-Repo-Commit `{commit}` is not a commit hash"));
    }
    let etag = header("x-linked-etag").or_else(|| header("etag")).ok_or("neither X-Linked-Etag nor ETag in the answer")?;
    let blob = blob_name(&etag).ok_or_else(|| format!("unusable ETag `{etag}`"))?.to_ascii_lowercase();
    let sha256 = Some(blob.clone()).filter(|b| is_sha256(b) && header("x-linked-etag").is_some());
    let parse_size = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
    let size = parse_size("x-linked-size").or_else(|| if status == 200 { parse_size("content-length") } else { None });
    let location = if (300..400).contains(&status) {
        let loc = header("location").ok_or_else(|| format!("HTTP {status} without a Location header"))?;
        join_location(request_url, loc.trim())
    } else {
        request_url.to_string()
    };
    Ok(FileMetadata { commit, blob, sha256, size, location })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
        move |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }

    const CTX: RequestContext<'static> = RequestContext {
        repo: "org/m",
        file: Some("m.gguf"),
        revision: "main",
        url: "https://hf.co/org/m/resolve/main/m.gguf",
        had_token: false,
    };

    #[test]
    fn maps_statuses() {
        let none = headers(&[]);
        assert_eq!(check_status(200, &CTX, &none), Ok(()));
        assert_eq!(check_status(302, &CTX, &none), Ok(()));
        assert_eq!(
            check_status(401, &CTX, &none),
            Err(HubError::AccessDenied { repo: "org/m".into(), status: 401, had_token: false, gated: false })
        );
        assert_eq!(
            check_status(403, &RequestContext { had_token: true, ..CTX }, &headers(&[("X-Error-Code", "GatedRepo")])),
            Err(HubError::AccessDenied { repo: "org/m".into(), status: 403, had_token: true, gated: true })
        );
        assert_eq!(
            check_status(401, &CTX, &headers(&[("X-Error-Code", "RepoNotFound")])),
            Err(HubError::RepoNotFound { repo: "org/m".into(), had_token: false })
        );
        assert_eq!(
            check_status(404, &CTX, &headers(&[("X-Error-Code", "EntryNotFound")])),
            Err(HubError::FileNotFound { repo: "org/m".into(), file: "m.gguf".into(), revision: "main".into() })
        );
        assert_eq!(check_status(404, &CTX, &none), check_status(404, &CTX, &headers(&[("X-Error-Code", "EntryNotFound")])));
        assert_eq!(
            check_status(404, &CTX, &headers(&[("X-Error-Code", "RevisionNotFound")])),
            Err(HubError::RevisionNotFound { repo: "org/m".into(), revision: "main".into() })
        );
        let listing = RequestContext { file: None, ..CTX };
        assert_eq!(check_status(404, &listing, &none), Err(HubError::RepoNotFound { repo: "org/m".into(), had_token: false }));
        assert_eq!(
            check_status(429, &CTX, &headers(&[("Retry-After", " 17 ")])),
            Err(HubError::RateLimited { retry_after: Some("17".into()) })
        );
        assert_eq!(
            check_status(429, &CTX, &headers(&[("RateLimit", "\"api\";r=0;t=42")])),
            Err(HubError::RateLimited { retry_after: Some("42".into()) })
        );
        assert_eq!(check_status(429, &CTX, &none), Err(HubError::RateLimited { retry_after: None }));
        let err = check_status(503, &CTX, &headers(&[("X-Error-Message", "maintenance")])).unwrap_err();
        assert_eq!(err.to_string(), "HTTP 503 from https://hf.co/org/m/resolve/main/m.gguf: maintenance");
    }

    #[test]
    fn reads_lfs_redirect() {
        let sha = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046";
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let h = headers(&[
            ("X-Repo-Commit", commit),
            ("X-Linked-Etag", &format!("\"{sha}\"")),
            ("X-Linked-Size", "1117320768"),
            ("ETag", "W/\"pointer\""),
            ("Content-Length", "1234"),
            ("Location", "https://cdn.example/x?sig=1"),
        ]);
        let meta = file_metadata_from_head(302, CTX.url, &h).unwrap();
        assert_eq!(
            meta,
            FileMetadata {
                commit: commit.into(),
                blob: sha.into(),
                sha256: Some(sha.into()),
                size: Some(1117320768),
                location: "https://cdn.example/x?sig=1".into()
            }
        );
    }

    #[test]
    fn reads_plain_file() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let h = headers(&[("X-Repo-Commit", commit), ("ETag", "\"a1b2c3\""), ("Content-Length", "1519")]);
        let meta = file_metadata_from_head(200, CTX.url, &h).unwrap();
        assert_eq!(meta.blob, "a1b2c3");
        assert_eq!(meta.sha256, None);
        assert_eq!(meta.size, Some(1519));
        assert_eq!(meta.location, CTX.url);
        // A relative redirect stays on the endpoint.
        let h = headers(&[("X-Repo-Commit", commit), ("ETag", "\"a1\""), ("Location", "/cdn/a1")]);
        assert_eq!(file_metadata_from_head(307, CTX.url, &h).unwrap().location, "https://hf.co/cdn/a1");
        assert_eq!(file_metadata_from_head(307, CTX.url, &h).unwrap().size, None);
    }

    #[test]
    fn rejects_incomplete_metadata() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert!(file_metadata_from_head(200, CTX.url, &headers(&[("ETag", "\"a\"")])).is_err());
        assert!(file_metadata_from_head(200, CTX.url, &headers(&[("X-Repo-Commit", "../../etc"), ("ETag", "\"a\"")])).is_err());
        assert!(file_metadata_from_head(200, CTX.url, &headers(&[("X-Repo-Commit", commit)])).is_err());
        assert!(file_metadata_from_head(200, CTX.url, &headers(&[("X-Repo-Commit", commit), ("ETag", "\"../x\"")])).is_err());
        assert!(file_metadata_from_head(302, CTX.url, &headers(&[("X-Repo-Commit", commit), ("ETag", "\"a\"")])).is_err());
    }
}
