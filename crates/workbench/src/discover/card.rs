//! The card every model is shown as, from the catalog or from a Hub search, and the judgement
//! of whether this device can run it.

use serde::{Deserialize, Serialize};

use cmdai_engine::model::is_supported_architecture;
use cmdai_hub::format_size;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    Text,
    Vision,
    Audio,
}

impl Modality {
    pub fn label(self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Vision => "vision",
            Modality::Audio => "audio",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantOption {
    pub quant: String,
    pub file: String,
    pub size: Option<u64>,
}

/// Whether cmdai can run a model here, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Runnability {
    /// The file to download and the memory it will take.
    Runnable {
        quant: String,
        file: String,
        needs_bytes: u64,
    },
    /// Probably runnable, but only reading the file settles it (Hub results).
    Unverified {
        reason: String,
    },
    NotRunnable {
        reason: String,
    },
}

impl Runnability {
    pub fn is_runnable(&self) -> bool {
        matches!(self, Runnability::Runnable { .. })
    }

    pub fn badge(&self) -> &'static str {
        match self {
            Runnability::Runnable { .. } => "Runs here",
            Runnability::Unverified { .. } => "Might run",
            Runnability::NotRunnable { .. } => "Not runnable yet",
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Runnability::Runnable { quant, needs_bytes, .. } => format!("{quant}, needs about {}", format_size(*needs_bytes)),
            Runnability::Unverified { reason } | Runnability::NotRunnable { reason } => reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardSource {
    Catalog,
    Hub,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCard {
    /// The Hub repository.
    pub id: String,
    pub name: String,
    pub modality: Modality,
    pub description: Option<String>,
    pub params: Option<u64>,
    pub context_length: Option<u32>,
    pub license: Option<String>,
    pub architecture: Option<String>,
    pub gguf_repo: Option<String>,
    pub has_gguf: bool,
    /// Known GGUF files, smallest first.
    pub quants: Vec<QuantOption>,
    pub downloads: Option<u64>,
    pub likes: Option<u64>,
    /// ISO 8601, as the Hub sends it.
    pub last_modified: Option<String>,
    pub runnable: Runnability,
    pub source: CardSource,
}

impl ModelCard {
    /// The smallest known file size.
    pub fn size(&self) -> Option<u64> {
        self.quants.iter().filter_map(|q| q.size).min()
    }
}

/// What the device running the model can hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBudget {
    /// Where models run, for reasons and for the advisor ("WebGPU: Apple M2", "CPU, 16 GB").
    pub label: String,
    /// Bytes the weights and the cache may use.
    pub memory_bytes: u64,
    /// The GPU path holds weights as f32 (4 bytes a parameter); the CPU path keeps the file's blocks.
    pub weights_as_f32: bool,
}

/// Activations, KV cache and allocator slack on top of the weights.
const OVERHEAD_BYTES: u64 = 96 << 20;

impl DeviceBudget {
    /// Bytes a model of `params` parameters from a file of `file_size` bytes needs here.
    pub fn needs(&self, params: u64, file_size: u64) -> u64 {
        let weights = if self.weights_as_f32 { params.saturating_mul(4) } else { file_size };
        weights + weights / 10 + OVERHEAD_BYTES
    }

    /// Whether a model can run here, and with which of `quants` (smallest first).
    pub fn judge(&self, architecture: &str, modality: Modality, params: u64, quants: &[QuantOption]) -> Runnability {
        if modality != Modality::Text {
            return Runnability::NotRunnable { reason: unsupported_modality(modality) };
        }
        if !is_supported_architecture(architecture) {
            return Runnability::NotRunnable { reason: unsupported_architecture(architecture) };
        }
        let Some(smallest) = quants.first() else {
            return Runnability::NotRunnable { reason: "no GGUF file is published for it; cmdai loads GGUF".into() };
        };
        let fitting = quants.iter().find_map(|q| {
            let needs = self.needs(params, q.size?);
            (needs <= self.memory_bytes).then_some((q, needs))
        });
        match fitting {
            Some((q, needs)) => Runnability::Runnable { quant: q.quant.clone(), file: q.file.clone(), needs_bytes: needs },
            None => Runnability::NotRunnable {
                reason: format!(
                    "needs about {} of memory ({}), more than the {} this device offers ({})",
                    format_size(self.needs(params, smallest.size.unwrap_or(0))),
                    smallest.quant,
                    format_size(self.memory_bytes),
                    self.label
                ),
            },
        }
    }
}

#[cfg(test)]
impl DeviceBudget {
    /// A CPU with `gb` GB for the model.
    pub(crate) fn cpu_gb(gb: u64) -> Self {
        DeviceBudget { label: "CPU".into(), memory_bytes: gb * 1_000_000_000, weights_as_f32: false }
    }
}

/// A parameter count as model names write it: "135M", "1.5B".
pub fn params_label(params: u64) -> String {
    if params >= 1_000_000_000 {
        format!("{:.1}B", params as f64 / 1e9)
    } else {
        format!("{}M", params / 1_000_000)
    }
}

pub(crate) fn unsupported_modality(modality: Modality) -> String {
    format!("{} input is not supported by cmdai's engine yet; it runs text models", modality.label())
}

pub(crate) fn unsupported_architecture(architecture: &str) -> String {
    format!("the {architecture} architecture is not supported by cmdai's engine yet (it runs llama and qwen2 models)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quants(sizes: &[(&str, u64)]) -> Vec<QuantOption> {
        sizes.iter().map(|(q, s)| QuantOption { quant: (*q).into(), file: format!("m-{q}.gguf"), size: Some(*s) }).collect()
    }

    #[test]
    fn picks_the_first_quant_that_fits() {
        let q = quants(&[("Q4_K_M", 1_000_000_000), ("Q8_0", 1_800_000_000)]);
        let r = DeviceBudget::cpu_gb(4).judge("qwen2", Modality::Text, 1_500_000_000, &q);
        assert!(matches!(&r, Runnability::Runnable { quant, .. } if quant == "Q4_K_M"), "{r:?}");
        let r = DeviceBudget::cpu_gb(1).judge("qwen2", Modality::Text, 1_500_000_000, &q);
        assert!(matches!(&r, Runnability::NotRunnable { reason } if reason.contains("more than the 1.00 GB")), "{r:?}");
    }

    #[test]
    fn the_gpu_path_counts_four_bytes_a_parameter() {
        let gpu = DeviceBudget { label: "WebGPU".into(), memory_bytes: 4_000_000_000, weights_as_f32: true };
        let q = quants(&[("Q4_K_M", 1_000_000_000)]);
        assert!(gpu.judge("llama", Modality::Text, 500_000_000, &q).is_runnable());
        assert!(!gpu.judge("llama", Modality::Text, 1_500_000_000, &q).is_runnable());
    }

    #[test]
    fn says_why_not() {
        let q = quants(&[("Q8_0", 100)]);
        let r = DeviceBudget::cpu_gb(8).judge("lfm2", Modality::Text, 1, &q);
        assert_eq!(r.reason(), "the lfm2 architecture is not supported by cmdai's engine yet (it runs llama and qwen2 models)");
        assert_eq!(r.badge(), "Not runnable yet");
        let r = DeviceBudget::cpu_gb(8).judge("lfm2", Modality::Audio, 1, &q);
        assert!(r.reason().starts_with("audio input is not supported"), "{r:?}");
        assert!(DeviceBudget::cpu_gb(8).judge("llama", Modality::Text, 1, &[]).reason().contains("no GGUF"));
    }
}
