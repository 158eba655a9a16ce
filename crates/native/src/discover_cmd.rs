//! `models search` and `recommend`: finding a model from the terminal, with the same catalog,
//! search mapping, fallbacks and advisor paths as the web app.

use std::path::Path;

use anyhow::Result;
use cmdai_engine::backend::BackendChoice;
use cmdai_hub::{format_size, HubError};
use cmdai_workbench::discover::advisor::{
    fallback_advice, model_advice, parse_recommendations, parse_router_answer, router_request, validate_goal, Advice, AdviceSource,
    LocalAdvisor, DEFAULT_ROUTER, ROUTER_MODEL,
};
use cmdai_workbench::discover::{validate_query, DeviceBudget, ModelCard, SearchOutcome, SearchSource};
use futures::executor::block_on;

use crate::cli::{AdvisorChoice, OutputFormat, RecommendArgs, SearchArgs};
use crate::hub::{self, HubOptions, DEFAULT_ALIAS};
use crate::loaded::{load, InstantClock};

/// What this machine offers a model: the memory available now, with weights kept quantized on
/// the CPU path (4 bytes a parameter when `--backend gpu` dequantizes them). Where free memory
/// is not known, no model is ruled out for its size.
pub fn machine_budget(backend: BackendChoice) -> DeviceBudget {
    let memory = available_memory();
    let gpu = backend == BackendChoice::Gpu;
    let path = if gpu { "GPU path" } else { "CPU" };
    let label = match memory {
        Some(m) => format!("this machine's {path}, {} free", format_size(m)),
        None => format!("this machine's {path}, free memory unknown"),
    };
    DeviceBudget { label, memory_bytes: memory.unwrap_or(u64::MAX), weights_as_f32: gpu }
}

/// `MemAvailable` of `/proc/meminfo` (Linux); `None` elsewhere.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info.lines().find_map(|l| l.strip_prefix("MemAvailable:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

pub fn search(args: SearchArgs, output: OutputFormat) -> Result<()> {
    let query = validate_query(&args.query)?;
    let opts = HubOptions::from_env();
    let budget = machine_budget(BackendChoice::Cpu);
    let outcome = if opts.offline {
        let offline = HubError::Network { host: opts.endpoint.clone(), detail: "offline mode (HF_HUB_OFFLINE)".into() };
        SearchOutcome::fallback(&query, &offline, &budget)
    } else {
        match hub::search_models(&opts, &query, args.limit.into()) {
            Ok(results) => SearchOutcome::from_hub(&query, &results, &budget),
            Err(e) => SearchOutcome::fallback(&query, &e, &budget),
        }
    };
    if output == OutputFormat::Json {
        println!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    if let SearchSource::Catalog { note } = &outcome.source {
        eprintln!("note: {note}");
    }
    println!("Search results for '{}' ({})", outcome.query, outcome.cards.len());
    if outcome.cards.is_empty() {
        println!("No models match. Try other keywords: a family (qwen, llama, smollm), a task (coder, vision), or a size (1b).");
    }
    for card in &outcome.cards {
        print_card(card);
    }
    Ok(())
}

fn print_card(card: &ModelCard) {
    let mut facts = vec![card.modality.label().to_string()];
    if let Some(size) = card.size() {
        facts.push(format_size(size));
    }
    if let Some(d) = card.downloads {
        facts.push(format!("{d} downloads"));
    }
    if let Some(l) = card.likes {
        facts.push(format!("{l} likes"));
    }
    if let Some(date) = card.last_modified.as_deref().and_then(|d| d.get(..10)) {
        facts.push(format!("updated {date}"));
    }
    facts.push(if card.has_gguf { "GGUF".into() } else { "no GGUF".into() });
    println!("  {}  ({})", card.name, card.id);
    println!("      {}", facts.join(" · "));
    println!("      {}: {}", card.runnable.badge(), card.runnable.reason());
}

pub fn recommend(args: RecommendArgs) -> Result<()> {
    let goal = validate_goal(&args.goal.join(" "))?;
    let budget = machine_budget(args.backend.backend);
    let advice = advise(&goal, &budget, &args)?;
    if args.output == OutputFormat::Json {
        println!("{}", serde_json::to_string(&advice)?);
        return Ok(());
    }
    let by = match &advice.source {
        AdviceSource::LocalModel { model } => format!("the local model {model}"),
        AdviceSource::HubRouter { model } => format!("{model} on the Hugging Face router"),
        AdviceSource::Keywords => "keyword rules".into(),
    };
    if let Some(note) = &advice.note {
        eprintln!("note: {note}");
    }
    println!("Advice from {by}:\n  {}\n", advice.reasoning);
    for (i, r) in advice.recommendations.iter().enumerate() {
        println!("{}. {}", i + 1, r.reason);
        print_card(&r.card);
        if let Some(command) = download_command(&r.card) {
            println!("      get it: {command}");
        }
    }
    Ok(())
}

fn download_command(card: &ModelCard) -> Option<String> {
    match &card.runnable {
        cmdai_workbench::discover::Runnability::Runnable { file, .. } => {
            Some(format!("cmdai-native download-model {}:{file}", card.gguf_repo.as_deref()?))
        }
        _ => None,
    }
}

/// The first advisor path that answers; any failure falls through to the keyword rules,
/// with the reason in the note.
fn advise(goal: &str, budget: &DeviceBudget, args: &RecommendArgs) -> Result<Advice> {
    let opts = HubOptions::from_env();
    let mut why_not = Vec::new();
    if matches!(args.advisor, AdvisorChoice::Auto | AdvisorChoice::Local) {
        match local_model(args.model.as_deref(), &opts) {
            Some(path) => match advise_locally(goal, budget, &path, args.backend.backend) {
                Ok(advice) => return Ok(advice),
                Err(e) => why_not.push(format!("local model: {e:#}")),
            },
            None => why_not.push("no local model is downloaded".into()),
        }
    }
    if matches!(args.advisor, AdvisorChoice::Auto | AdvisorChoice::Hub) {
        match (&opts.token, opts.offline) {
            (None, _) => why_not.push("no Hugging Face token (HF_TOKEN) for the router".into()),
            (Some(_), true) => why_not.push("offline mode (HF_HUB_OFFLINE)".into()),
            (Some(token), false) => match advise_remotely(goal, budget, &opts, token) {
                Ok(advice) => return Ok(advice),
                Err(e) => why_not.push(format!("router: {e:#}")),
            },
        }
    }
    let why = (!why_not.is_empty()).then(|| why_not.join("; "));
    Ok(fallback_advice(goal, budget, why.as_deref()))
}

/// `--model`, else the default model when it is already downloaded: advice never downloads.
fn local_model(model: Option<&str>, opts: &HubOptions) -> Option<std::path::PathBuf> {
    let mut offline = opts.clone();
    offline.offline = true;
    hub::resolve_model(model.unwrap_or(DEFAULT_ALIAS), &offline, |_| Ok(false)).ok()
}

fn advise_locally(goal: &str, budget: &DeviceBudget, path: &Path, backend: BackendChoice) -> Result<Advice> {
    let loaded = load(path, backend)?;
    let advisor = LocalAdvisor::new(&loaded.model, &loaded.tokenizer, &loaded.chat_template);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prompt = advisor.prompt(goal, budget)?;
    let cache = loaded.model.new_cache();
    let clock = InstantClock::new();
    Ok(block_on(advisor.advise(&prompt, cache, budget, &name, &clock, |_| std::ops::ControlFlow::Continue(())))?)
}

fn advise_remotely(goal: &str, budget: &DeviceBudget, opts: &HubOptions, token: &str) -> Result<Advice> {
    let router = std::env::var("CMDAI_ROUTER_URL").unwrap_or_else(|_| DEFAULT_ROUTER.to_string());
    let body = hub::post_json(opts, &format!("{}/chat/completions", router.trim_end_matches('/')), token, &router_request(goal, budget))?;
    let json = parse_router_answer(&body)?;
    let recommendations = parse_recommendations(&json, budget)?;
    Ok(model_advice(recommendations, AdviceSource::HubRouter { model: ROUTER_MODEL.into() }))
}
