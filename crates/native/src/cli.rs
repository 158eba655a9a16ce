//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use cmdai_engine::backend::BackendChoice;

#[derive(Parser)]
#[command(name = "cmdai-native", version, about = "Local LLM workbench: natural language to shell commands, on your own GPU or CPU")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Stream a model's continuation of a prompt.
    Generate(GenerateArgs),
    /// Describe a model file: architecture, size, quantization, tokenizer, memory needs.
    ModelInfo(ModelArgs),
    /// Measure load time, time to first token, prefill and decode speed, peak memory.
    Bench(BenchArgs),
}

#[derive(Args, Clone)]
pub struct ModelArgs {
    /// A GGUF model file.
    #[arg(long, value_name = "FILE")]
    pub model_file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Clone)]
pub struct BackendArgs {
    /// Where the model runs: a hardware GPU if any (auto), any wgpu adapter (gpu), or the CPU.
    #[arg(long, default_value = "auto", value_parser = parse_backend)]
    pub backend: BackendChoice,
}

fn parse_backend(s: &str) -> Result<BackendChoice, String> {
    s.parse()
}

#[derive(Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Feed the prompt as is, without the model's chat template.
    #[arg(long)]
    pub raw: bool,
    /// A system message for the chat template.
    #[arg(long, conflicts_with = "raw")]
    pub system: Option<String>,
    /// Maximum number of tokens to generate.
    #[arg(short = 'n', long = "max-tokens", default_value_t = 256)]
    pub max_tokens: usize,
    /// 0 is greedy.
    #[arg(long, default_value_t = 0.7)]
    pub temperature: f32,
    #[arg(long, default_value_t = 40)]
    pub top_k: usize,
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f32,
    #[arg(long, default_value_t = 0.05)]
    pub min_p: f32,
    #[arg(long, default_value_t = 1.0)]
    pub repeat_penalty: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop before this text (repeatable).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop: Vec<String>,
    /// The prompt.
    pub prompt: String,
}

#[derive(Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Prompt length for the prefill measurement.
    #[arg(long, default_value_t = 128)]
    pub prompt_tokens: usize,
    /// Tokens generated for the decode measurement.
    #[arg(long, default_value_t = 128)]
    pub decode_tokens: usize,
}
