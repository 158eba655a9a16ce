//! The Hub's URLs, with file paths percent-encoded one segment at a time.

use super::model_ref::RepoId;

/// `HF_ENDPOINT` without surrounding spaces or trailing slashes.
pub fn normalize_endpoint(endpoint: &str) -> String {
    endpoint.trim().trim_end_matches('/').to_string()
}

/// `{endpoint}/{repo}/resolve/{revision}/{file}`: the file's bytes (usually a redirect to a CDN).
pub fn resolve_url(endpoint: &str, repo: &RepoId, revision: &str, file: &str) -> String {
    format!("{}/{repo}/resolve/{}/{}", normalize_endpoint(endpoint), encode_segment(revision), encode_path(file))
}

/// `{endpoint}/api/models/{repo}?blobs=true`: the repository's commit and every file, with sizes and
/// LFS SHA-256s.
pub fn model_info_url(endpoint: &str, repo: &RepoId) -> String {
    format!("{}/api/models/{repo}?blobs=true", normalize_endpoint(endpoint))
}

/// `{endpoint}/api/models/{repo}/tree/{revision}`: the top-level files of a revision.
pub fn tree_url(endpoint: &str, repo: &RepoId, revision: &str) -> String {
    format!("{}/api/models/{repo}/tree/{}", normalize_endpoint(endpoint), encode_segment(revision))
}

/// Percent-encodes each `/`-separated segment of a repository path, keeping the slashes.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`), so a
/// revision such as `refs/pr/1` stays one segment.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `scheme://host[:port]` of an absolute URL, lowercased, without user info or a default port.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let mut hp = host_port.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => Some(":443"),
        "http" => Some(":80"),
        _ => None,
    };
    if let Some(port) = default_port {
        if let Some(stripped) = hp.strip_suffix(port) {
            hp = stripped.to_string();
        }
    }
    Some(format!("{scheme}://{hp}"))
}

/// Whether two absolute URLs share scheme, host and port (credentials are only sent to the endpoint's origin).
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

/// The absolute URL a `Location` header points to, relative to the request's URL.
pub fn join_location(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    if let Some(rest) = location.strip_prefix("//") {
        let scheme = base.split_once("://").map_or("https", |(s, _)| s);
        return format!("{scheme}://{rest}");
    }
    let Some(base_origin) = origin(base) else { return location.to_string() };
    if location.starts_with('/') {
        return format!("{base_origin}{location}");
    }
    let path = base.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    format!("{base_origin}{}{location}", if dir.is_empty() { "/" } else { dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_hub_urls() {
        let repo = RepoId::new("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF").unwrap();
        assert_eq!(
            resolve_url("https://huggingface.co/", &repo, "main", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
            "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
        );
        assert_eq!(
            resolve_url("http://127.0.0.1:8080", &repo, "refs/pr/1", "dir/a b+c#?%.gguf"),
            "http://127.0.0.1:8080/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/refs%2Fpr%2F1/dir/a%20b%2Bc%23%3F%25.gguf"
        );
        assert_eq!(encode_path("ü/x~y.gguf"), "%C3%BC/x~y.gguf");
        assert_eq!(
            model_info_url(" https://hf.example//", &repo),
            "https://hf.example/api/models/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF?blobs=true"
        );
        assert_eq!(
            tree_url("https://hf.example", &repo, "main"),
            "https://hf.example/api/models/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/tree/main"
        );
    }

    #[test]
    fn origins() {
        assert_eq!(origin("HTTPS://HuggingFace.co:443/x/y?z").as_deref(), Some("https://huggingface.co"));
        assert_eq!(origin("http://user:pw@127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin("/relative"), None);
        assert!(same_origin("https://huggingface.co/a", "https://huggingface.co:443/b"));
        assert!(!same_origin("https://huggingface.co/a", "https://cdn-lfs.huggingface.co/b"));
        assert!(!same_origin("http://127.0.0.1:1/a", "http://127.0.0.1:2/a"));
        assert!(!same_origin("http://h/a", "https://h/a"));
    }

    #[test]
    fn locations() {
        let base = "http://127.0.0.1:9/org/m/resolve/main/x.gguf?q=1";
        assert_eq!(join_location(base, "https://cdn.example/blob?sig=1"), "https://cdn.example/blob?sig=1");
        assert_eq!(join_location(base, "//cdn.example/b"), "http://cdn.example/b");
        assert_eq!(join_location(base, "/org/renamed/resolve/main/x.gguf"), "http://127.0.0.1:9/org/renamed/resolve/main/x.gguf");
        assert_eq!(join_location(base, "y.gguf"), "http://127.0.0.1:9/org/m/resolve/main/y.gguf");
        assert_eq!(join_location("http://h", "y"), "http://h/y");
    }
}
