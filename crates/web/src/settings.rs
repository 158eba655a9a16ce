//! What the user chose once and expects kept: Hub endpoint and token, backend, shell, OS.

use cmdai_hub::{normalize_endpoint, DEFAULT_ENDPOINT};
use cmdai_workbench::discover::advisor::DEFAULT_ROUTER;
use cmdai_workbench::suggest::{OsKind, ShellKind};
use serde::{Deserialize, Serialize};

use crate::protocol::BackendPref;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub hub_endpoint: String,
    /// For gated or private repositories; kept in this browser only.
    pub hub_token: String,
    /// The OpenAI-compatible router the advisor asks when no model is loaded and a token is set.
    pub router_endpoint: String,
    pub backend: BackendPref,
    pub shell: ShellKind,
    pub os: OsKind,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            hub_endpoint: DEFAULT_ENDPOINT.to_string(),
            hub_token: String::new(),
            router_endpoint: DEFAULT_ROUTER.to_string(),
            backend: BackendPref::Auto,
            shell: ShellKind::Bash,
            os: OsKind::Linux,
        }
    }
}

impl Settings {
    /// Saved settings (unreadable ones fall back to defaults), with a `?hub=URL` query
    /// parameter overriding the endpoint for this visit.
    pub fn load(saved: Option<&str>, query: &str) -> Self {
        let mut s: Settings = saved.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        if let Some(hub) = query_param(query, "hub").filter(|h| h.starts_with("http://") || h.starts_with("https://")) {
            s.hub_endpoint = normalize_endpoint(&hub);
        }
        if let Some(router) = query_param(query, "router").filter(|r| r.starts_with("http://") || r.starts_with("https://")) {
            s.router_endpoint = normalize_endpoint(&router);
        }
        s
    }

    pub fn token(&self) -> Option<String> {
        Some(self.hub_token.trim().to_string()).filter(|t| !t.is_empty())
    }
}

/// One decoded parameter of a `?a=b&c=d` query string.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_query_parameter_overrides_the_saved_endpoint() {
        let saved = serde_json::to_string(&Settings { hub_endpoint: "https://mirror.example".into(), ..Settings::default() }).unwrap();
        assert_eq!(Settings::load(Some(&saved), "").hub_endpoint, "https://mirror.example");
        let s = Settings::load(Some(&saved), "?hub=http%3A%2F%2F127.0.0.1%3A9000%2F&x=1");
        assert_eq!(s.hub_endpoint, "http://127.0.0.1:9000");
    }

    #[test]
    fn bad_saved_settings_and_odd_queries_fall_back_to_defaults() {
        assert_eq!(Settings::load(Some("{not json"), "?hub=javascript:alert(1)"), Settings::default());
        assert_eq!(query_param("?a=%zz&b", "a").as_deref(), Some("%zz"));
        assert_eq!(query_param("?a=1&b", "b").as_deref(), Some(""));
        assert_eq!(query_param("?a=%4", "a").as_deref(), Some("%4"));
        assert_eq!(query_param("?q=%C3%A9t%C3%A9+%E2", "q").as_deref(), Some("été \u{fffd}"));
    }

    #[test]
    fn empty_token_means_none() {
        let s = Settings { hub_token: "  ".into(), ..Settings::default() };
        assert_eq!(s.token(), None);
    }
}
