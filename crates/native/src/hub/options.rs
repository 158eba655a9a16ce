//! Settings for talking to the Hub, from the environment variables every Hugging Face tool reads.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cmdai_hub::{normalize_endpoint, DEFAULT_ENDPOINT};

/// How downloads report progress on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar redrawn in place on a terminal, a line now and then otherwise.
    Auto,
    Off,
}

#[derive(Clone)]
pub struct HubOptions {
    /// `HF_ENDPOINT`, default `https://huggingface.co`.
    pub endpoint: String,
    /// `HF_TOKEN`, else the token file (`HF_TOKEN_PATH`, default `$HF_HOME/token`); sent as
    /// `Authorization: Bearer` to the endpoint only, never to a redirect target on another host.
    pub token: Option<String>,
    /// `HF_HUB_CACHE`, default `$HF_HOME/hub` (`HF_HOME` defaults to `$XDG_CACHE_HOME/huggingface`,
    /// else `~/.cache/huggingface`).
    pub cache_dir: PathBuf,
    /// `HF_HUB_OFFLINE=1`: never touch the network; only cached models resolve.
    pub offline: bool,
    /// `--yes`: download a missing model without asking.
    pub assume_yes: bool,
    /// `Off` also when `HF_HUB_DISABLE_PROGRESS_BARS=1`.
    pub progress: ProgressMode,
    /// How many times one download resumes by itself after the connection drops.
    pub retries: u32,
    /// Pause before the first automatic resume (doubled each time).
    pub retry_delay: Duration,
    pub connect_timeout: Duration,
    /// Longest wait for an answer or for the next bytes of one.
    pub read_timeout: Duration,
}

impl HubOptions {
    /// Defaults for a given cache directory: the public Hub, no token, online, asking before
    /// downloads, progress on stderr.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        HubOptions {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            token: None,
            cache_dir: cache_dir.into(),
            offline: false,
            assume_yes: false,
            progress: ProgressMode::Auto,
            retries: 3,
            retry_delay: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
        }
    }

    /// Settings from the process environment (`HF_ENDPOINT`, `HF_TOKEN`, `HF_TOKEN_PATH`, `HF_HOME`,
    /// `HF_HUB_CACHE`, `HF_HUB_OFFLINE`, `HF_HUB_DISABLE_PROGRESS_BARS`).
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read through `var` (empty values count as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let home = var("HOME").or_else(|| var("USERPROFILE")).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        let expand = |p: String| match p.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(p),
        };
        let hf_home = var("HF_HOME")
            .map(expand)
            .unwrap_or_else(|| var("XDG_CACHE_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".cache")).join("huggingface"));
        let cache_dir = var("HF_HUB_CACHE").or_else(|| var("HUGGINGFACE_HUB_CACHE")).map(expand).unwrap_or_else(|| hf_home.join("hub"));
        let token_file = var("HF_TOKEN_PATH").map(expand).unwrap_or_else(|| hf_home.join("token"));
        let token = var("HF_TOKEN").or_else(|| var("HUGGING_FACE_HUB_TOKEN")).or_else(|| read_token_file(&token_file));
        let mut opts = HubOptions::new(cache_dir);
        if let Some(endpoint) = var("HF_ENDPOINT") {
            opts.endpoint = normalize_endpoint(&endpoint);
        }
        opts.token = token;
        opts.offline = var("HF_HUB_OFFLINE").is_some_and(|v| is_truthy(&v));
        if var("HF_HUB_DISABLE_PROGRESS_BARS").is_some_and(|v| is_truthy(&v)) {
            opts.progress = ProgressMode::Off;
        }
        opts
    }
}

fn read_token_file(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let token = text.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// `1`, `true`, `yes`, `on` (any case), as huggingface_hub reads boolean variables.
fn is_truthy(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// Keeps the token out of logs.
impl fmt::Debug for HubOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubOptions")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("cache_dir", &self.cache_dir)
            .field("offline", &self.offline)
            .field("assume_yes", &self.assume_yes)
            .field("progress", &self.progress)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> HubOptions {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        HubOptions::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let o = from(&[("HOME", "/home/u")]);
        assert_eq!(o.endpoint, "https://huggingface.co");
        assert_eq!(o.cache_dir, PathBuf::from("/home/u/.cache/huggingface/hub"));
        assert_eq!(o.token, None);
        assert!(!o.offline && !o.assume_yes);
        assert_eq!(o.progress, ProgressMode::Auto);
        let o = from(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/xdg")]);
        assert_eq!(o.cache_dir, PathBuf::from("/xdg/huggingface/hub"));
    }

    #[test]
    fn variables() {
        let o = from(&[
            ("HOME", "/home/u"),
            ("HF_HOME", "~/hf"),
            ("HF_ENDPOINT", "http://127.0.0.1:9/"),
            ("HF_TOKEN", " hf_abc \n"),
            ("HF_HUB_OFFLINE", "TRUE"),
            ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ]);
        assert_eq!(o.endpoint, "http://127.0.0.1:9");
        assert_eq!(o.cache_dir, PathBuf::from("/home/u/hf/hub"));
        assert_eq!(o.token.as_deref(), Some("hf_abc"));
        assert!(o.offline);
        assert_eq!(o.progress, ProgressMode::Off);
        assert!(!format!("{o:?}").contains("hf_abc"));
        let o = from(&[("HOME", "/home/u"), ("HF_HOME", "/hf"), ("HF_HUB_CACHE", "/cache"), ("HF_HUB_OFFLINE", "0")]);
        assert_eq!(o.cache_dir, PathBuf::from("/cache"));
        assert!(!o.offline);
    }

    #[test]
    fn token_file() {
        let dir = std::env::temp_dir().join(format!("cmdai-token-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), "hf_from_file\n").unwrap();
        let home = dir.to_str().unwrap();
        assert_eq!(from(&[("HF_HOME", home)]).token.as_deref(), Some("hf_from_file"));
        assert_eq!(from(&[("HF_HOME", home), ("HF_TOKEN", "hf_env")]).token.as_deref(), Some("hf_env"));
        std::fs::write(dir.join("other"), "hf_other").unwrap();
        let other = dir.join("other");
        assert_eq!(from(&[("HF_HOME", home), ("HF_TOKEN_PATH", other.to_str().unwrap())]).token.as_deref(), Some("hf_other"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
