//! Hugging Face model search: the query's rules, the request URL, the answer mapped onto cards,
//! and the fallback to the curated catalog when the Hub cannot answer.

use serde::{Deserialize, Serialize};

use super::card::{
    unsupported_architecture, unsupported_modality, CardSource, DeviceBudget, Modality, ModelCard, QuantOption, Runnability,
};
use super::catalog::catalog;
use cmdai_engine::model::is_supported_architecture;
use cmdai_hub::{encode_segment, is_gguf, normalize_endpoint, HubError, RepoListing};

/// Results asked for per search.
pub const SEARCH_LIMIT: usize = 20;
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("type a few letters of a model name to search")]
    Empty,
    #[error("a search is at most {MAX_QUERY_CHARS} characters; this one has {0}")]
    TooLong(usize),
    #[error("a search cannot contain control characters")]
    Control,
}

/// The trimmed query, or why it cannot be searched for.
pub fn validate_query(query: &str) -> Result<String, QueryError> {
    let q = query.trim();
    let chars = q.chars().count();
    if chars == 0 {
        return Err(QueryError::Empty);
    }
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong(chars));
    }
    if q.chars().any(char::is_control) {
        return Err(QueryError::Control);
    }
    Ok(q.to_string())
}

/// `GET {endpoint}/api/models?search=…`: the most downloaded matches first, with the fields a
/// card shows (the Hub leaves out `lastModified` unless it is asked for).
pub fn search_url(endpoint: &str, query: &str, limit: usize) -> String {
    let mut url = format!(
        "{}/api/models?search={}&limit={}&sort=downloads&direction=-1",
        normalize_endpoint(endpoint),
        encode_segment(query),
        limit.clamp(1, 100)
    );
    for field in ["downloads", "likes", "lastModified", "pipeline_tag", "tags", "library_name"] {
        url.push_str("&expand%5B%5D=");
        url.push_str(field);
    }
    url
}

/// One result of `/api/models`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HubModel {
    #[serde(alias = "modelId")]
    pub id: String,
    #[serde(default)]
    pub downloads: Option<u64>,
    #[serde(default)]
    pub likes: Option<u64>,
    #[serde(default, rename = "lastModified")]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub pipeline_tag: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub library_name: Option<String>,
}

/// Reads a search answer; the error is a detail for [`HubError::BadResponse`].
pub fn parse_search_results(json: &str) -> Result<Vec<HubModel>, String> {
    serde_json::from_str::<Vec<HubModel>>(json).map_err(|e| format!("not a model list: {e}"))
}

/// Architectures as the Hub tags them, most specific first (`qwen2_moe` before `qwen2`).
const KNOWN_ARCHITECTURES: &[&str] = &[
    "lfm2_moe",
    "lfm2moe",
    "lfm2_vl",
    "lfm2",
    "qwen3_moe",
    "qwen3",
    "qwen2_moe",
    "qwen2_vl",
    "qwen2",
    "gemma3n",
    "gemma3",
    "gemma2",
    "gemma",
    "llama4",
    "llama",
    "mistral",
    "mixtral",
    "phi3",
    "phi",
    "granite",
    "olmo2",
    "smollm3",
    "gpt2",
    "bert",
    "t5",
    "whisper",
];

impl HubModel {
    pub fn modality(&self) -> Modality {
        let pipeline = self.pipeline_tag.as_deref().unwrap_or("");
        let tagged = |words: &[&str]| self.tags.iter().any(|t| words.contains(&t.as_str()));
        if pipeline.starts_with("image")
            || pipeline.contains("visual")
            || pipeline == "video-text-to-text"
            || tagged(&["vision", "image-text-to-text"])
        {
            Modality::Vision
        } else if pipeline.contains("speech")
            || pipeline.starts_with("audio")
            || pipeline.contains("to-audio")
            || tagged(&["audio", "speech"])
        {
            Modality::Audio
        } else {
            Modality::Text
        }
    }

    pub fn has_gguf(&self) -> bool {
        self.library_name.as_deref() == Some("gguf") || self.tags.iter().any(|t| t == "gguf")
    }

    pub fn architecture(&self) -> Option<&'static str> {
        KNOWN_ARCHITECTURES.iter().copied().find(|a| self.tags.iter().any(|t| t == a))
    }

    /// The result as a card. A repository of a catalog model (or of its GGUF files) gets the
    /// catalog's details and the Hub's numbers.
    pub fn card(&self, budget: &DeviceBudget) -> ModelCard {
        let known =
            catalog().iter().find(|e| e.id.eq_ignore_ascii_case(&self.id) || e.gguf_repo.is_some_and(|g| g.eq_ignore_ascii_case(&self.id)));
        let mut card = match known {
            Some(entry) => entry.card(budget),
            None => ModelCard {
                id: self.id.clone(),
                name: self.id.rsplit('/').next().unwrap_or(&self.id).to_string(),
                modality: self.modality(),
                description: None,
                params: None,
                context_length: None,
                license: self.tags.iter().find_map(|t| t.strip_prefix("license:")).map(str::to_string),
                architecture: self.architecture().map(str::to_string),
                gguf_repo: self.has_gguf().then(|| self.id.clone()),
                has_gguf: self.has_gguf(),
                quants: Vec::new(),
                downloads: None,
                likes: None,
                last_modified: None,
                runnable: self.runnability(),
                source: CardSource::Hub,
            },
        };
        card.id = self.id.clone();
        card.downloads = self.downloads;
        card.likes = self.likes;
        card.last_modified = self.last_modified.clone();
        card.source = CardSource::Hub;
        card
    }

    /// What the search answer alone tells: the size is only known once the files are listed.
    fn runnability(&self) -> Runnability {
        let modality = self.modality();
        if modality != Modality::Text {
            return Runnability::NotRunnable { reason: unsupported_modality(modality) };
        }
        if !self.has_gguf() {
            return Runnability::NotRunnable { reason: "no GGUF files in this repository; cmdai loads GGUF".into() };
        }
        match self.architecture() {
            Some(arch) if !is_supported_architecture(arch) => Runnability::NotRunnable { reason: unsupported_architecture(arch) },
            Some(arch) => {
                Runnability::Unverified { reason: format!("GGUF files of a {arch} model; the size is checked when you pick a file") }
            }
            None => Runnability::Unverified { reason: "GGUF files available; the architecture is read from the file".into() },
        }
    }
}

/// Where search results came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchSource {
    Hub,
    /// The Hub could not answer; `note` says why, for the user.
    Catalog {
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOutcome {
    pub query: String,
    pub cards: Vec<ModelCard>,
    pub source: SearchSource,
}

impl SearchOutcome {
    pub fn from_hub(query: &str, results: &[HubModel], budget: &DeviceBudget) -> Self {
        let cards = results.iter().take(SEARCH_LIMIT).map(|m| m.card(budget)).collect();
        SearchOutcome { query: query.to_string(), cards, source: SearchSource::Hub }
    }

    /// Catalog matches, with a note on why the Hub was not asked or did not answer.
    pub fn fallback(query: &str, error: &HubError, budget: &DeviceBudget) -> Self {
        let why = match error {
            HubError::RateLimited { retry_after: Some(t) } => {
                format!("Hugging Face is rate limiting searches (retry after {})", seconds(t))
            }
            HubError::RateLimited { retry_after: None } => "Hugging Face is rate limiting searches".to_string(),
            HubError::Network { .. } => "Hugging Face cannot be reached (offline?)".to_string(),
            other => format!("Hugging Face search failed ({other})"),
        };
        SearchOutcome {
            query: query.to_string(),
            cards: filter_catalog(query, budget),
            source: SearchSource::Catalog { note: format!("{why}; showing matches from the curated catalog instead.") },
        }
    }
}

/// Quantization names as they appear in GGUF file names, longest first where one contains another.
const QUANT_NAMES: &[&str] = &[
    "IQ4_NL", "IQ4_XS", "IQ3_XXS", "IQ3_M", "IQ2_XXS", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M",
    "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "BF16", "F16", "F32",
];

/// The quantization a GGUF file name announces ("GGUF" when it names none).
pub fn quant_label(file: &str) -> String {
    let upper = file.rsplit('/').next().unwrap_or(file).to_ascii_uppercase();
    QUANT_NAMES.iter().find(|q| upper.contains(*q)).map_or_else(|| "GGUF".to_string(), |q| q.to_string())
}

/// A repository's loadable GGUF files, smallest first. Split models (`-00001-of-00002`) and
/// multimodal projectors (`mmproj`) are left out: cmdai loads one self-contained file.
pub fn gguf_options(listing: &RepoListing) -> Vec<QuantOption> {
    let mut files: Vec<QuantOption> = listing
        .files
        .iter()
        .filter(|f| is_gguf(&f.path))
        .filter(|f| {
            // Vision projectors and the parts of split files are not models on their own.
            let lower = f.path.to_ascii_lowercase();
            let split_part = lower.contains("-of-") && lower.contains("-0000");
            !(lower.contains("mmproj") || split_part)
        })
        .map(|f| QuantOption { quant: quant_label(&f.path), file: f.path.clone(), size: f.size })
        .collect();
    files.sort_by_key(|f| f.size.unwrap_or(u64::MAX));
    files
}

/// How long to leave the Hub alone after `error`: its `Retry-After` (or `RateLimit` reset) in
/// seconds, a minute when it gave none; `None` when the error is not a rate limit.
pub fn rate_limit_pause_s(error: &HubError) -> Option<u64> {
    match error {
        HubError::RateLimited { retry_after } => Some(retry_after.as_deref().and_then(|t| t.trim().parse().ok()).unwrap_or(60)),
        _ => None,
    }
}

fn seconds(retry_after: &str) -> String {
    if retry_after.bytes().all(|b| b.is_ascii_digit()) {
        format!("{retry_after} s")
    } else {
        retry_after.to_string()
    }
}

/// Catalog entries whose name, family, architecture, modality or description contain every
/// word of the query, ignoring case.
pub fn filter_catalog(query: &str, budget: &DeviceBudget) -> Vec<ModelCard> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    catalog()
        .iter()
        .filter(|e| {
            let hay = e.haystack();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .map(|e| e.card(budget))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_trimmed_and_bounded() {
        assert_eq!(validate_query("  qwen coder "), Ok("qwen coder".into()));
        assert_eq!(validate_query("   "), Err(QueryError::Empty));
        assert_eq!(validate_query(&"é".repeat(100)).map(|q| q.chars().count()), Ok(100));
        assert_eq!(validate_query(&"a".repeat(101)), Err(QueryError::TooLong(101)));
        assert_eq!(validate_query("a\u{7}b"), Err(QueryError::Control));
    }

    #[test]
    fn url_asks_for_the_card_fields() {
        let url = search_url("https://huggingface.co/", "llama 3 & co", 20);
        assert!(
            url.starts_with("https://huggingface.co/api/models?search=llama%203%20%26%20co&limit=20&sort=downloads&direction=-1"),
            "{url}"
        );
        assert!(url.contains("expand%5B%5D=lastModified") && url.contains("expand%5B%5D=pipeline_tag"), "{url}");
        assert!(search_url("http://h", "x", 500).contains("limit=100"));
    }

    #[test]
    fn maps_results_onto_cards() {
        let json = r#"[
          {"id":"bartowski/Foo-1B-GGUF","downloads":1234,"likes":5,"lastModified":"2025-01-02T03:04:05.000Z",
           "pipeline_tag":"text-generation","tags":["gguf","llama","license:apache-2.0"],"library_name":"gguf"},
          {"modelId":"acme/vision-thing","pipeline_tag":"image-text-to-text","tags":["transformers"]},
          {"id":"acme/whisper-tiny","pipeline_tag":"automatic-speech-recognition","tags":[]},
          {"id":"acme/gemma-gguf","tags":["gguf","gemma3"]},
          {"id":"acme/plain","tags":[]}
        ]"#;
        let results = parse_search_results(json).unwrap();
        let cards: Vec<_> = results.iter().map(|r| r.card(&DeviceBudget::cpu_gb(8))).collect();
        assert_eq!(cards[0].name, "Foo-1B-GGUF");
        assert_eq!((cards[0].downloads, cards[0].likes), (Some(1234), Some(5)));
        assert_eq!(cards[0].last_modified.as_deref(), Some("2025-01-02T03:04:05.000Z"));
        assert_eq!(cards[0].license.as_deref(), Some("apache-2.0"));
        assert!(cards[0].has_gguf && matches!(cards[0].runnable, Runnability::Unverified { .. }));
        assert_eq!(cards[1].modality, Modality::Vision);
        assert_eq!(cards[2].modality, Modality::Audio);
        assert!(cards[3].runnable.reason().contains("gemma3 architecture is not supported"), "{:?}", cards[3].runnable);
        assert_eq!(cards[4].modality, Modality::Text, "text is the default");
        assert!(cards[4].runnable.reason().contains("no GGUF"));
        assert!(parse_search_results(r#"{"error":"x"}"#).is_err());
    }

    #[test]
    fn catalog_repositories_keep_their_details() {
        let json = r#"[{"id":"Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF","downloads":99,"tags":["gguf"]}]"#;
        let card = parse_search_results(json).unwrap()[0].card(&DeviceBudget::cpu_gb(8));
        assert_eq!(card.name, "Qwen2.5-Coder-0.5B-Instruct");
        assert_eq!(card.id, "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF");
        assert_eq!((card.downloads, card.source), (Some(99), CardSource::Hub));
        assert!(card.runnable.is_runnable());
    }

    #[test]
    fn lists_loadable_gguf_files_with_their_quants() {
        use cmdai_hub::RepoFile;
        let file = |path: &str, size: u64| RepoFile { path: path.into(), size: Some(size), sha256: None };
        let listing = RepoListing {
            commit: None,
            files: vec![
                file("README.md", 10),
                file("Foo-1B-Q8_0.gguf", 1_300),
                file("foo-1b-q4_k_m.gguf", 800),
                file("mmproj-Foo-F16.gguf", 600),
                file("big/Foo-1B-F16-00001-of-00002.gguf", 2_000),
                file("Foo-1B.IQ4_NL.gguf", 700),
            ],
        };
        let got: Vec<(String, String)> = gguf_options(&listing).into_iter().map(|q| (q.quant, q.file)).collect();
        assert_eq!(
            got,
            [
                ("IQ4_NL".into(), "Foo-1B.IQ4_NL.gguf".into()),
                ("Q4_K_M".into(), "foo-1b-q4_k_m.gguf".into()),
                ("Q8_0".into(), "Foo-1B-Q8_0.gguf".into())
            ]
        );
        assert_eq!(quant_label("model-bf16.gguf"), "BF16");
        assert_eq!(quant_label("model.gguf"), "GGUF");
    }

    #[test]
    fn rate_limits_pause_searches() {
        let limited = |after: Option<&str>| HubError::RateLimited { retry_after: after.map(Into::into) };
        assert_eq!(rate_limit_pause_s(&limited(Some("17"))), Some(17));
        assert_eq!(rate_limit_pause_s(&limited(None)), Some(60));
        assert_eq!(rate_limit_pause_s(&limited(Some("Wed, 21 Oct 2015 07:28:00 GMT"))), Some(60));
        assert_eq!(rate_limit_pause_s(&HubError::Network { host: "h".into(), detail: "x".into() }), None);
    }

    #[test]
    fn falls_back_to_the_catalog_with_a_note() {
        let out = SearchOutcome::fallback("CODER", &HubError::RateLimited { retry_after: Some("30".into()) }, &DeviceBudget::cpu_gb(8));
        assert!(out.cards.len() >= 3 && out.cards.iter().all(|c| c.name.contains("Coder")), "{:?}", out.cards);
        let SearchSource::Catalog { note } = &out.source else { panic!() };
        assert_eq!(note, "Hugging Face is rate limiting searches (retry after 30 s); showing matches from the curated catalog instead.");
        let offline = SearchOutcome::fallback(
            "lfm2 vision",
            &HubError::Network { host: "h".into(), detail: "refused".into() },
            &DeviceBudget::cpu_gb(8),
        );
        assert_eq!(offline.cards.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["LFM2-VL-450M", "LFM2-VL-1.6B"]);
        assert!(filter_catalog("no such model", &DeviceBudget::cpu_gb(8)).is_empty());
    }
}
