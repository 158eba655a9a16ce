//! HTTP to the Hub with ureq (rustls): file metadata, file listings, and byte streams with `Range`.
//! The token goes to the endpoint's origin only; ureq never forwards `Authorization` on redirects.

use cmdai_hub::{
    check_status, file_metadata_from_head, join_location, model_info_url, parse_model_info, range_header, resolve_url, same_origin,
    FileMetadata, HubError, RepoId, RepoListing, RequestContext, DEFAULT_REVISION,
};
use cmdai_workbench::discover::{parse_search_results, search_url, HubModel};
use ureq::http::Response;
use ureq::{Agent, Body, BodyReader};

use super::options::HubOptions;

/// Largest JSON answer read (a model listing is a few kB to a few hundred kB).
const MAX_JSON_BYTES: u64 = 32 << 20;
/// Same-origin redirects followed while looking for a file's metadata (renamed repositories).
const MAX_METADATA_REDIRECTS: usize = 5;

pub(crate) struct Client {
    agent: Agent,
    endpoint: String,
    token: Option<String>,
}

/// An open download: the status, what the server says it sends, and the body.
pub(crate) struct Download {
    pub status: u16,
    pub content_range: Option<String>,
    pub reader: BodyReader<'static>,
}

fn header_fn<'a>(resp: &'a Response<Body>) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

impl Client {
    pub fn new(opts: &HubOptions) -> Self {
        let mut config = Agent::config_builder();
        if is_loopback(&opts.endpoint) {
            // ureq reads HTTP(S)_PROXY by default; a local endpoint (a test Hub, a local mirror) is never proxied.
            config = config.proxy(None);
        }
        let config = config
            .http_status_as_error(false)
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_recv_response(Some(opts.read_timeout))
            .timeout_per_read(Some(opts.read_timeout))
            .user_agent(concat!("cmdai/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent: config.new_agent(), endpoint: opts.endpoint.clone(), token: opts.token.clone() }
    }

    /// `Bearer <token>` for URLs on the endpoint's origin.
    fn auth_for(&self, url: &str) -> Option<String> {
        self.token.as_ref().filter(|_| same_origin(url, &self.endpoint)).map(|t| format!("Bearer {t}"))
    }

    fn network_error(url: &str, err: ureq::Error) -> HubError {
        let host = cmdai_hub::origin(url).unwrap_or_else(|| url.to_string());
        let detail = match err {
            ureq::Error::Io(e) => e.to_string(),
            ureq::Error::Timeout(t) => format!("timed out ({t})"),
            ureq::Error::HostNotFound => "host not found".to_string(),
            other => other.to_string(),
        };
        HubError::Network { host, detail }
    }

    /// `HEAD` on the resolve URL without following the redirect to the CDN, whose answer lacks the
    /// Hub's headers; same-origin redirects (renamed repositories) are followed.
    pub fn file_metadata(&self, repo: &RepoId, revision: &str, file: &str) -> Result<FileMetadata, HubError> {
        let mut url = resolve_url(&self.endpoint, repo, revision, file);
        for _ in 0..=MAX_METADATA_REDIRECTS {
            let auth = self.auth_for(&url);
            let mut req = self.agent.head(&url).config().max_redirects(0).build();
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            let resp = req.call().map_err(|e| Self::network_error(&url, e))?;
            let status = resp.status().as_u16();
            let header = header_fn(&resp);
            let ctx = RequestContext { repo: repo.as_str(), file: Some(file), revision, url: &url, had_token: auth.is_some() };
            check_status(status, &ctx, &header)?;
            if (300..400).contains(&status) && header("x-repo-commit").is_none() {
                if let Some(next) = header("location").map(|l| join_location(&url, l.trim())).filter(|n| same_origin(n, &url)) {
                    url = next;
                    continue;
                }
            }
            return file_metadata_from_head(status, &url, &header).map_err(|detail| HubError::BadResponse { url: url.clone(), detail });
        }
        Err(HubError::BadResponse { url, detail: "too many redirects".into() })
    }

    /// A JSON answer of the Hub's API, read with `parse`; `what` words errors (the repository).
    fn get_json<T>(&self, url: &str, what: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, HubError> {
        let auth = self.auth_for(url);
        let mut req = self.agent.get(url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req.call().map_err(|e| Self::network_error(url, e))?;
        let status = resp.status().as_u16();
        let ctx = RequestContext { repo: what, file: None, revision: DEFAULT_REVISION, url, had_token: auth.is_some() };
        check_status(status, &ctx, &header_fn(&resp))?;
        let bad = |detail: String| HubError::BadResponse { url: url.to_string(), detail };
        let text = resp.body_mut().with_config().limit(MAX_JSON_BYTES).read_to_string().map_err(|e| bad(e.to_string()))?;
        parse(&text).map_err(bad)
    }

    /// The repository's files (`/api/models/{repo}?blobs=true`).
    pub fn list_files(&self, repo: &RepoId) -> Result<RepoListing, HubError> {
        self.get_json(&model_info_url(&self.endpoint, repo), repo.as_str(), parse_model_info)
    }

    /// Models matching `query` (`/api/models?search=`).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<HubModel>, HubError> {
        self.get_json(&search_url(&self.endpoint, query, limit), "search", parse_search_results)
    }

    /// `POST url` with a JSON body and the token (the inference router); the answer's text.
    pub fn post_json(&self, url: &str, token: &str, body: &serde_json::Value) -> Result<String, HubError> {
        let mut resp = self
            .agent
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| Self::network_error(url, e))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().with_config().limit(MAX_JSON_BYTES).read_to_string().unwrap_or_default();
        if status >= 400 {
            let ctx = RequestContext { repo: "router", file: None, revision: DEFAULT_REVISION, url, had_token: true };
            check_status(status, &ctx, &header_fn(&resp))?;
        }
        Ok(text)
    }

    /// `GET url`, from byte `from` on (`Range: bytes=from-`). Redirects are followed; statuses other
    /// than 200/206/416 become errors worded for `repo`/`file`.
    pub fn open(&self, url: &str, from: u64, repo: &RepoId, file: &str) -> Result<Download, HubError> {
        let auth = self.auth_for(url);
        let mut req = self.agent.get(url);
        if let Some(range) = range_header(from) {
            req = req.header("Range", range);
        }
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req.call().map_err(|e| Self::network_error(url, e))?;
        let status = resp.status().as_u16();
        if status >= 400 && status != 416 && !same_origin(url, &self.endpoint) {
            // The file host (a CDN with signed, expiring links), not the Hub: a fresh run gets a new link.
            let host = cmdai_hub::origin(url).unwrap_or_default();
            return Err(HubError::HttpStatus {
                status,
                url: host,
                detail: Some("the file host refused the download; run the command again to resume with a fresh link".into()),
            });
        }
        if status != 416 {
            let ctx = RequestContext { repo: repo.as_str(), file: Some(file), revision: DEFAULT_REVISION, url, had_token: auth.is_some() };
            check_status(status, &ctx, &header_fn(&resp))?;
            if !matches!(status, 200 | 206) {
                return Err(HubError::BadResponse { url: url.to_string(), detail: format!("HTTP {status} instead of the file") });
            }
        }
        let content_range = header_fn(&resp)("content-range");
        Ok(Download { status, content_range, reader: resp.into_body().into_reader() })
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`.
fn is_loopback(url: &str) -> bool {
    let Some(origin) = cmdai_hub::origin(url) else { return false };
    let host_port = origin.split_once("://").map_or("", |(_, hp)| hp);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map_or("", |h| &h[1..])
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints() {
        for url in ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9/x", "http://127.1.2.3"] {
            assert!(is_loopback(url), "{url}");
        }
        for url in ["https://huggingface.co", "http://10.0.0.1:80", "http://localhost.example.com", "nonsense"] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
