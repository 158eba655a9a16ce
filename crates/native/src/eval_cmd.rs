//! `cmdai-native eval`: answers a file of requests with one loaded model and writes what it
//! suggested, for the command-accuracy harness (`scripts/eval-commands.sh`, `tests/commands/`).
//! The `cmdai` prompt runs exactly the suggestion path of `cmdai-native "REQUEST"`; the `plain`
//! prompt is the baseline every change is measured against.

use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::time::Instant;

use anyhow::{Context, Result};
use cmdai_engine::chat::Message;
use cmdai_engine::generate::{generate, read_logits, GenerateOptions, SamplingParams};
use cmdai_engine::model::{KvCache, Logits};
use cmdai_workbench::suggest::{self, FieldOrder, ShellKind, SuggestContext, SuggestOptions};
use futures::executor::block_on;
use serde::{Deserialize, Serialize};

use crate::cli::{EvalArgs, EvalPrompt};
use crate::loaded::{load, InstantClock, LoadedModel};
use crate::prompt_cache::prefix_cache;

/// The baseline's whole instruction, as the accuracy issue measured it with llama.cpp.
const PLAIN_SYSTEM_PROMPT: &str = "Translate the request into a single bash command; reply with only the command.";
const PLAIN_MAX_TOKENS: usize = 128;

#[derive(Deserialize)]
struct EvalRequest {
    id: String,
    request: String,
    cwd: String,
    home: Option<String>,
    user: Option<String>,
    #[serde(default)]
    entries: Vec<String>,
}

#[derive(Serialize, Default)]
struct EvalAnswer {
    id: String,
    cmd: String,
    explanation: String,
    /// The command before a syntax regeneration replaced it, so one run also scores "no retry".
    first_cmd: Option<String>,
    /// The greedy command when voting (`--votes`) picked another.
    greedy_cmd: Option<String>,
    seconds: f64,
    error: Option<String>,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.requests).with_context(|| format!("cannot read {}", args.requests.display()))?;
    let mut requests = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let request: EvalRequest = serde_json::from_str(line).with_context(|| format!("{}:{}", args.requests.display(), number + 1))?;
        requests.push(request);
    }
    requests.truncate(args.limit.unwrap_or(usize::MAX));

    let loaded = load(&args.model_file, args.backend.backend)?;
    let engine = suggest::Suggester::new(&loaded.model, &loaded.tokenizer, &loaded.chat_template);
    let defaults = SuggestOptions::default();
    let options = SuggestOptions {
        order: args.order.unwrap_or(defaults.order),
        picked_examples: args.examples.unwrap_or(defaults.picked_examples),
        syntax_retry: args.syntax_retry,
        ..defaults
    };
    let environment = crate::context::detect(Some(ShellKind::Bash));
    let mut out = BufWriter::new(std::fs::File::create(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?);
    let started_all = Instant::now();
    for (done, request) in requests.iter().enumerate() {
        let started = Instant::now();
        let mut answer = match args.prompt {
            EvalPrompt::Cmdai => {
                let ctx = SuggestContext {
                    cwd: request.cwd.clone(),
                    home: request.home.clone().filter(|_| !args.no_context),
                    user: request.user.clone().filter(|_| !args.no_context),
                    entries: if args.entries { request.entries.clone() } else { Vec::new() },
                    ..environment.clone()
                };
                cmdai_answer(&engine, &loaded, &args, &ctx, &request.request, &options)
            }
            EvalPrompt::Plain => plain_answer(&loaded, &request.request).map(|cmd| EvalAnswer { cmd, ..EvalAnswer::default() }),
        }
        .unwrap_or_else(|e| EvalAnswer { error: Some(format!("{e:#}")), ..EvalAnswer::default() });
        answer.id = request.id.clone();
        answer.seconds = started.elapsed().as_secs_f64();
        serde_json::to_writer(&mut out, &answer)?;
        writeln!(out)?;
        out.flush()?;
        eprint!("\r{}/{} requests, {:.1} s each", done + 1, requests.len(), started_all.elapsed().as_secs_f64() / (done + 1) as f64);
    }
    eprintln!();
    Ok(())
}

/// The suggestion path of `cmdai-native "REQUEST"` (greedy, prefix cache, syntax retry).
fn cmdai_answer(
    engine: &suggest::Suggester<'_>,
    loaded: &LoadedModel,
    args: &EvalArgs,
    ctx: &SuggestContext,
    request: &str,
    options: &SuggestOptions,
) -> Result<EvalAnswer> {
    let chat = suggest::suggest_chat(ctx, request, options);
    let prompt = engine.prompt(&chat)?;
    let prefix = prefix_cache(&loaded.model, &args.model_file, prompt.prefix())?;
    let mut streamed = String::new();
    // Where each answer's text ends in `streamed` (a syntax retry streams a second answer).
    let mut answer_ends = Vec::new();
    // With --command-only an answer stops once its explanation line has begun: the command
    // before it is final, so accuracy is unchanged and the run is faster.
    let command_only = args.command_only && options.order == FieldOrder::CommandFirst;
    let on_text = |text: &str| {
        streamed.push_str(text);
        let answer_start = answer_ends.last().copied().unwrap_or(0);
        if command_only && streamed[answer_start..].contains("\n# ") {
            answer_ends.push(streamed.len());
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let answer = block_on(engine.suggest(&chat, &prompt, options, &prefix, SamplingParams::greedy(), &InstantClock::new(), on_text))?;
    let first_cmd = answer.regenerated.then(|| {
        let first = match answer_ends.first() {
            Some(&end) => &streamed[..end],
            None => streamed.strip_suffix(answer.generation.text.as_str()).unwrap_or(&streamed),
        };
        suggest::parse_suggestion(first).map(|s| s.cmd).unwrap_or_default()
    });
    let suggestion = answer.suggestion?;
    let mut result = EvalAnswer { cmd: suggestion.cmd, explanation: suggestion.explanation, first_cmd, ..EvalAnswer::default() };
    if args.votes > 1 {
        let voted = voted_command(engine, loaded, &prompt, options, &prefix, &result.cmd, args.votes)?;
        if voted != result.cmd {
            result.greedy_cmd = Some(std::mem::replace(&mut result.cmd, voted));
        }
    }
    Ok(result)
}

/// Self-consistency: the greedy command and `votes - 1` sampled ones; the most frequent (white
/// space collapsed) among those with sound syntax wins, ties going to the greedy one.
fn voted_command(
    engine: &suggest::Suggester<'_>,
    loaded: &LoadedModel,
    prompt: &suggest::Prompt,
    options: &SuggestOptions,
    prefix: &KvCache,
    greedy: &str,
    votes: usize,
) -> Result<String> {
    // The prompt but its last token, processed once and shared by every sample.
    let mut shared = prefix.clone();
    let rest = &prompt.ids[shared.len()..prompt.ids.len() - 1];
    if !rest.is_empty() {
        block_on(read_logits(loaded.model.forward(rest, &mut shared, Logits::Last)?))?;
    }
    let normalize = |cmd: &str| cmd.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut commands = vec![greedy.to_string()];
    for seed in 1..votes as u64 {
        let sampling = SamplingParams { temperature: 0.7, seed, ..SamplingParams::default() };
        let mut streamed = String::new();
        let stop_after_command = |text: &str| {
            streamed.push_str(text);
            if streamed.contains("\n# ") {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let generation =
            block_on(engine.generate(prompt, options.order, shared.clone(), sampling, &InstantClock::new(), stop_after_command))?;
        if let Ok(sample) = suggest::parse_suggestion(&generation.text) {
            if cmdai_safety::syntax_problem(&sample.cmd).is_none() {
                commands.push(sample.cmd);
            }
        }
    }
    let count = |cmd: &String| commands.iter().filter(|c| normalize(c) == normalize(cmd)).count();
    let best = commands.iter().max_by_key(|c| (count(c), std::cmp::Reverse(commands.iter().position(|o| o == *c)))).cloned();
    Ok(best.unwrap_or_else(|| greedy.to_string()))
}

/// The baseline: greedy, unconstrained, and the first line of whatever the model replied.
fn plain_answer(loaded: &LoadedModel, request: &str) -> Result<String> {
    let chat = [Message::system(PLAIN_SYSTEM_PROMPT), Message::user(request)];
    let prompt = loaded.chat_template.render(&chat, true)?;
    let ids = loaded.tokenizer.encode(&prompt, false)?;
    let options =
        GenerateOptions { max_tokens: PLAIN_MAX_TOKENS, sampling: SamplingParams::greedy(), stop_strings: Vec::new(), stop_at_eos: true };
    let generation =
        block_on(generate(&loaded.model, &loaded.tokenizer, &ids, &options, &InstantClock::new(), |_| ControlFlow::Continue(())))?;
    Ok(generation.text.lines().next().unwrap_or_default().trim().to_string())
}
