//! `download-model`, `models` and `models rm`: the Hugging Face cache from the terminal.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use crate::cli::{DownloadArgs, ModelArgs, ModelsAction, ModelsArgs, OutputFormat};
use crate::hub::{self, format_size, DownloadStatus, HubOptions, ALIASES, DEFAULT_ALIAS};

/// The model file `--model` names (the default model when absent), downloading it after
/// asking (or with `--yes`) when it is not cached yet.
pub fn model_for_use(model: Option<&str>, yes: bool) -> Result<PathBuf> {
    let mut opts = HubOptions::from_env();
    opts.assume_yes = yes;
    Ok(hub::resolve_model(model.unwrap_or(DEFAULT_ALIAS), &opts, hub::terminal_prompt)?)
}

/// The model file behind `--model-file` or `--model`.
pub fn model_path(args: &ModelArgs) -> Result<PathBuf> {
    match &args.model_file {
        Some(path) => Ok(path.clone()),
        None => model_for_use(args.model.as_deref(), false),
    }
}

pub fn download(args: DownloadArgs) -> Result<()> {
    let opts = HubOptions::from_env();
    let report = hub::download(args.model.as_deref().unwrap_or(DEFAULT_ALIAS), &opts)?;
    let how = match report.status {
        DownloadStatus::Downloaded => "downloaded",
        DownloadStatus::AlreadyCached => "already cached",
        DownloadStatus::CachedOffline => "cached (offline, not checked against the Hub)",
    };
    eprintln!("{}:{} {how} ({})", report.repo, report.file, format_size(report.size));
    if let Some(note) = report.note {
        eprintln!("note: {note}");
    }
    println!("{}", report.path.display());
    Ok(())
}

pub fn models(args: ModelsArgs) -> Result<()> {
    let opts = HubOptions::from_env();
    match args.action {
        Some(ModelsAction::Rm { model }) => {
            for m in hub::remove(&model, &opts)? {
                eprintln!("removed {}:{} ({})", m.repo, m.file, format_size(m.size));
            }
            return Ok(());
        }
        Some(ModelsAction::Search(search)) => return crate::discover_cmd::search(search, args.output),
        None => {}
    }
    let cached = hub::list_cached(&opts)?;
    if args.output == OutputFormat::Json {
        let list: Vec<_> =
            cached.iter().map(|m| json!({"repo": m.repo, "file": m.file, "size": m.size, "path": m.path, "current": m.current})).collect();
        println!("{}", json!({"cache": opts.cache_dir, "models": list}));
        return Ok(());
    }
    if cached.is_empty() {
        println!("No models cached in {} yet.", opts.cache_dir.display());
    }
    for m in &cached {
        println!("{:>9}  {}:{}", format_size(m.size), m.repo, m.file);
    }
    println!("\nAliases for --model (default {DEFAULT_ALIAS}):");
    for a in ALIASES {
        println!("  {:<20} {}:{}", a.name, a.repo, a.file);
    }
    Ok(())
}
