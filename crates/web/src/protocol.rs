//! The messages between the page and the inference worker. Both sides are Rust; they travel
//! as JSON strings so that the page never shares memory or types with the engine's state.

use cmdai_safety::Risk;
use cmdai_workbench::discover::advisor::Advice;
use cmdai_workbench::discover::DeviceBudget;
use cmdai_workbench::suggest::{OsKind, ShellKind};
use serde::{Deserialize, Serialize};

/// Where the page wants the model to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendPref {
    /// WebGPU when the browser has an adapter, else the CPU.
    #[default]
    Auto,
    Gpu,
    Cpu,
}

/// From the page to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Load a model that is complete in the model store.
    Load {
        model_id: String,
        backend: BackendPref,
    },
    Suggest {
        job: u64,
        request: String,
        shell: ShellKind,
        os: OsKind,
        explain: bool,
        seed: Option<u64>,
    },
    Chat {
        job: u64,
        messages: Vec<ChatTurn>,
        max_tokens: usize,
    },
    /// The model advisor on the loaded model; `model` names it in the answer.
    Advise {
        job: u64,
        goal: String,
        budget: DeviceBudget,
        model: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTurn {
    pub role: String,
    pub content: String,
}

/// From the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is running and takes messages.
    Started,
    Loading {
        model_id: String,
        loaded: usize,
        total: usize,
    },
    Loaded {
        model_id: String,
        device: DeviceReport,
        load_ms: f64,
    },
    LoadFailed {
        model_id: String,
        message: String,
    },
    /// A piece of streamed output of job `job`.
    Text {
        job: u64,
        text: String,
    },
    Command {
        job: u64,
        card: CommandCard,
        speed: Speed,
    },
    ChatDone {
        job: u64,
        text: String,
        speed: Speed,
    },
    Advice {
        job: u64,
        advice: Advice,
    },
    Failed {
        job: u64,
        message: String,
    },
}

/// Where the model ended up running, and why when it is not the GPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DeviceReport {
    /// "webgpu" or "cpu".
    pub backend: String,
    pub adapter: Option<AdapterReport>,
    /// Set when the GPU was wanted but the CPU is used.
    pub fallback_reason: Option<String>,
    /// Bytes the weight matrices occupy where the model runs (quantized blocks on either).
    #[serde(default)]
    pub weight_bytes: u64,
}

/// What WebGPU says about its adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AdapterReport {
    pub vendor: String,
    pub architecture: String,
    pub description: String,
    pub shader_f16: bool,
    pub max_buffer_size: f64,
    pub max_storage_buffer_binding_size: f64,
}

/// A suggested command with the validator's verdict (the same engine code as the CLI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandCard {
    pub cmd: String,
    pub explanation: String,
    pub risk: Risk,
    pub reason: String,
    pub alternative: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Speed {
    pub prompt_tokens: usize,
    /// Prompt tokens restored from the prefix cache rather than computed.
    #[serde(default)]
    pub cached_tokens: usize,
    pub generated_tokens: usize,
    pub prefill_tokens_per_s: f64,
    pub decode_tokens_per_s: f64,
    /// From the request reaching the worker to the answer leaving it.
    pub total_ms: f64,
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("worker messages serialize")
    }
}

impl FromWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("worker messages serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_tagged_json() {
        let msg = ToWorker::Suggest {
            job: 7,
            request: "list files".into(),
            shell: ShellKind::Fish,
            os: OsKind::MacOs,
            explain: false,
            seed: Some(3),
        };
        let json = msg.to_json();
        assert!(json.contains(r#""type":"suggest""#) && json.contains(r#""shell":"fish""#), "{json}");
        assert_eq!(serde_json::from_str::<ToWorker>(&json).unwrap(), msg);
    }

    #[test]
    fn events_round_trip() {
        let card = CommandCard {
            cmd: "rm -rf /".into(),
            explanation: "deletes everything".into(),
            risk: Risk::Critical,
            reason: "deletes the root".into(),
            alternative: None,
        };
        let msg = FromWorker::Command { job: 1, card, speed: Speed::default() };
        let json = msg.to_json();
        assert!(json.contains(r#""risk":"critical""#), "{json}");
        assert_eq!(serde_json::from_str::<FromWorker>(&json).unwrap(), msg);
    }

    #[test]
    fn unknown_messages_are_errors_not_panics() {
        assert!(serde_json::from_str::<ToWorker>(r#"{"type":"format_disk"}"#).is_err());
        assert!(serde_json::from_str::<FromWorker>("not json").is_err());
    }
}
