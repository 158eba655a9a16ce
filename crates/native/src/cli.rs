//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use cmdai_engine::backend::BackendChoice;
use cmdai_safety::SafetyMode;
use cmdai_workbench::suggest::ShellKind;

use crate::shell_init::InitShell;

#[derive(Parser)]
#[command(
    name = "cmdai-native",
    version,
    about = "Natural language to one safe shell command, with a model on your own GPU or CPU",
    after_help = "Examples:\n  cmdai-native \"find rust files changed this week\"\n  cmdai-native -n 3 --explain \"compress every log file in /var/log\"\n  cmdai-native check \"rm -rf ~/\"",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub suggest: SuggestArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Plain,
    Json,
}

/// Suggesting a command: what `cmdai-native "REQUEST"` does.
#[derive(Args)]
pub struct SuggestArgs {
    /// What you want to do, in plain words (quote it).
    #[arg(value_name = "REQUEST")]
    pub request: Vec<String>,
    /// The shell the command is for [default: detected from $SHELL].
    #[arg(long, value_parser = parse_shell)]
    pub shell: Option<ShellKind>,
    /// Explain each part of the command.
    #[arg(long)]
    pub explain: bool,
    /// Suggest this many distinct commands.
    #[arg(short = 'n', long = "candidates", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub candidates: u8,
    #[arg(long, value_enum, default_value = "plain")]
    pub output: OutputFormat,
    /// A model: an alias (see `models`), a Hub repo (`org/name` or `org/name:file.gguf`), or a .gguf path.
    #[arg(long, value_name = "ID|PATH")]
    pub model: Option<String>,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// How cautious to be: strict blocks high risk and asks on moderate; moderate blocks
    /// critical and asks on high; permissive blocks nothing and asks on critical.
    #[arg(long, default_value = "moderate", value_parser = parse_safety)]
    pub safety: SafetyMode,
    /// Run the command without asking when the safety mode allows it.
    #[arg(short = 'x', long, conflicts_with = "dry_run")]
    pub execute: bool,
    /// Never run the command.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow running a blocked command after an explicit confirmation on a terminal.
    #[arg(long)]
    pub force: bool,
    /// Download a missing model without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
}

fn parse_shell(s: &str) -> Result<ShellKind, String> {
    s.parse().map_err(|e| format!("{e}"))
}

fn parse_safety(s: &str) -> Result<SafetyMode, String> {
    s.parse()
}

#[derive(Subcommand)]
pub enum Command {
    /// Judge any command's risk (exit code 0 safe, 1 moderate, 2 high, 3 critical).
    Check(CheckArgs),
    /// Download a model into the Hugging Face cache (the default model when none is named).
    DownloadModel(DownloadArgs),
    /// List cached models; `models rm MODEL` deletes one; `models search QUERY` searches the Hub.
    Models(ModelsArgs),
    /// Recommend models from the catalog for a goal ("a chatbot that runs on phones").
    Recommend(RecommendArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print shell functions that put suggestions on your prompt line (`eval "$(cmdai-native init bash)"`).
    Init {
        #[arg(value_enum)]
        shell: InitShell,
    },
    /// Stream a model's continuation of a prompt.
    Generate(GenerateArgs),
    /// Describe a model file: architecture, size, quantization, tokenizer, memory needs.
    ModelInfo(ModelArgs),
    /// Measure load time, time to first token, prefill and decode speed, peak memory.
    Bench(BenchArgs),
    /// Answer a file of requests with one loaded model (the command-accuracy harness,
    /// scripts/eval-commands.sh).
    #[command(hide = true)]
    Eval(EvalArgs),
}

/// Which prompt `eval` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalPrompt {
    /// cmdai's own prompt, constraint and checks, as a suggestion runs them.
    Cmdai,
    /// The baseline: a one-line system prompt, greedy, unconstrained, the reply's first line.
    Plain,
}

#[derive(Args)]
pub struct EvalArgs {
    /// A GGUF model file.
    #[arg(long, value_name = "FILE")]
    pub model_file: PathBuf,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// JSON lines: {"id", "request", "cwd", "home", "user", "entries"}.
    #[arg(long, value_name = "FILE")]
    pub requests: PathBuf,
    /// JSON lines written here: {"id", "cmd", "explanation", "seconds", ...}.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "cmdai")]
    pub prompt: EvalPrompt,
    /// Which answer line comes first: command-first or explanation-first [default: the product's].
    #[arg(long, value_parser = parse_order)]
    pub order: Option<cmdai_workbench::suggest::FieldOrder>,
    /// Examples picked from the bank per request [default: the product's].
    #[arg(long)]
    pub examples: Option<usize>,
    /// Leave out the home directory and user name.
    #[arg(long)]
    pub no_context: bool,
    /// Also show the names in the working directory (which the product leaves out).
    #[arg(long, conflicts_with = "no_context")]
    pub entries: bool,
    /// Regenerate a command with broken syntax once, naming the problem (off in the product).
    #[arg(long)]
    pub syntax_retry: bool,
    /// Stop each answer once its command line is complete (command-first order only; the
    /// command is the same, the explanation is left out to save time).
    #[arg(long)]
    pub command_only: bool,
    /// Self-consistency: the greedy answer and N-1 samples vote (the most frequent command wins).
    #[arg(long, default_value_t = 1)]
    pub votes: usize,
    /// Only the first N requests.
    #[arg(long)]
    pub limit: Option<usize>,
}

fn parse_order(s: &str) -> Result<cmdai_workbench::suggest::FieldOrder, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown order {s:?}; expected command-first or explanation-first"))
}

#[derive(Args, Clone)]
#[command(group(clap::ArgGroup::new("model_source").required(true).args(["model_file", "model"])))]
pub struct ModelArgs {
    /// A GGUF model file.
    #[arg(long, value_name = "FILE")]
    pub model_file: Option<PathBuf>,
    /// A cached model (downloaded after asking when missing): an alias, a Hub repo
    /// (`org/name` or `org/name:file.gguf`) or a .gguf path.
    #[arg(long, value_name = "ID|PATH")]
    pub model: Option<String>,
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
    /// Also time a whole suggestion for this request (cold and warm prompt cache).
    #[arg(long, value_name = "REQUEST")]
    pub suggest: Option<String>,
    /// On a GPU, dequantize the weights to f32 at load (the old layout), to compare with.
    #[arg(long)]
    pub f32_weights: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The command to judge (quote it).
    pub command: String,
    #[arg(long, value_enum, default_value = "plain")]
    pub output: OutputFormat,
}

#[derive(Args)]
pub struct DownloadArgs {
    /// Alias, Hub repo (`org/name[:file]`); the default model when left out.
    pub model: Option<String>,
}

#[derive(Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
    #[arg(long, value_enum, default_value = "plain", global = true)]
    pub output: OutputFormat,
}

#[derive(Subcommand)]
pub enum ModelsAction {
    /// Delete a cached model.
    Rm {
        /// Alias or Hub repo (`org/name[:file]`).
        model: String,
    },
    /// Search Hugging Face for models; the curated catalog answers when the Hub cannot.
    Search(SearchArgs),
}

#[derive(Args)]
pub struct SearchArgs {
    /// Words of the model's name (1 to 100 characters).
    pub query: String,
    /// Most results to show.
    #[arg(long, default_value_t = cmdai_workbench::discover::SEARCH_LIMIT as u16, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
}

/// Which advisor answers `recommend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AdvisorChoice {
    /// The local model if one is downloaded, else the Hub router with HF_TOKEN, else keyword rules.
    Auto,
    Local,
    Hub,
    Keywords,
}

#[derive(Args)]
pub struct RecommendArgs {
    /// Your goal, in plain words (5 to 500 characters).
    #[arg(required = true, value_name = "GOAL")]
    pub goal: Vec<String>,
    #[arg(long, value_enum, default_value = "plain")]
    pub output: OutputFormat,
    #[arg(long, value_enum, default_value = "auto")]
    pub advisor: AdvisorChoice,
    /// The local advisor model (default: the default model, when downloaded; never downloads).
    #[arg(long, value_name = "ID|PATH")]
    pub model: Option<String>,
    #[command(flatten)]
    pub backend: BackendArgs,
}
