//! `cmdai-native bench`: the numbers users compare runners by.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use cmdai_engine::generate::{generate, read_logits, GenerateOptions, SamplingParams};
use cmdai_engine::model::Logits;
use futures::executor::block_on;
use serde_json::json;

use crate::cli::BenchArgs;
use crate::loaded::{load_with, InstantClock, LoadedModel};
use crate::suggest_cmd::{Candidates, Suggester};

const TEXT: &str = "The shell is a program that reads commands and runs other programs. \
Pipelines connect the output of one command to the input of the next, so small tools such as \
grep, sed, awk, sort, uniq and xargs combine into powerful one-liners. Redirection sends output \
to files, and job control runs work in the background. ";

pub fn run(args: BenchArgs) -> Result<()> {
    let model_file = crate::models_cmd::model_path(&args.model)?;
    let loaded = load_with(&model_file, args.backend.backend, args.f32_weights)?;
    let tok = &loaded.tokenizer;

    let mut prompt = tok.encode(&TEXT.repeat(1 + args.prompt_tokens / 40), false)?;
    if prompt.len() < args.prompt_tokens {
        bail!("the benchmark text is too short for {} tokens", args.prompt_tokens);
    }
    prompt.truncate(args.prompt_tokens);

    // Warm-up with the measured shapes: compiles and autotunes GPU kernels and fills allocator
    // pools once, as the first request after loading would.
    let mut cache = loaded.model.new_cache();
    block_on(read_logits(loaded.model.forward(&prompt, &mut cache, Logits::Last)?))?;
    block_on(read_logits(loaded.model.forward(&prompt[..1], &mut cache, Logits::Last)?))?;

    // Prefill: one forward pass over the prompt, up to logits on the host.
    let started = Instant::now();
    let mut cache = loaded.model.new_cache();
    block_on(read_logits(loaded.model.forward(&prompt, &mut cache, Logits::Last)?))?;
    let prefill_s = started.elapsed().as_secs_f64();

    let options = GenerateOptions {
        max_tokens: args.decode_tokens,
        sampling: SamplingParams::greedy(),
        stop_strings: Vec::new(),
        stop_at_eos: false,
    };
    let generation = block_on(generate(&loaded.model, tok, &prompt, &options, &InstantClock::new(), |_| ControlFlow::Continue(())))?;
    let t = &generation.timings;
    let suggestion = match &args.suggest {
        Some(request) => Some(time_suggestion(&loaded, &model_file, request)?),
        None => None,
    };
    let model = &loaded.model;
    let kv_bytes = model.config.kv_bytes_per_token() * (prompt.len() + t.generated_tokens) as u64;
    // What decoding streams through per token, and how fast it does it.
    let bandwidth = model.weight_bytes_per_token() as f64 * t.decode_tokens_per_s();
    let report = json!({
        "model": model_file.display().to_string(),
        "device": loaded.device.description,
        "load_ms": loaded.load_ms,
        "time_to_first_token_ms": t.prefill_ms,
        "prefill_tokens": prompt.len(),
        "prefill_tokens_per_s": prompt.len() as f64 / prefill_s,
        "decode_tokens": t.generated_tokens,
        "decode_tokens_per_s": t.decode_tokens_per_s(),
        "weight_bytes": model.weight_bytes(),
        "kv_cache_bytes": kv_bytes,
        "weight_bytes_per_token": model.weight_bytes_per_token(),
        "decode_bytes_per_s": bandwidth,
        "suggestion": suggestion,
        "peak_rss_bytes": peak_rss_bytes(),
    });
    if args.model.json {
        println!("{report}");
    } else {
        println!("device:              {}", loaded.device.description);
        println!("load:                {:.0} ms", loaded.load_ms);
        println!("time to first token: {:.0} ms ({} prompt tokens)", t.prefill_ms, prompt.len());
        println!("prefill:             {:.1} tok/s", prompt.len() as f64 / prefill_s);
        println!("decode:              {:.1} tok/s over {} tokens", t.decode_tokens_per_s(), t.generated_tokens);
        let mib = |b: f64| b / (1u64 << 20) as f64;
        println!(
            "memory on device:    weights {:.0} MiB, KV cache {:.1} MiB ({} positions)",
            mib(model.weight_bytes() as f64),
            mib(kv_bytes as f64),
            prompt.len() + t.generated_tokens
        );
        println!(
            "decode bandwidth:    {:.2} GB/s ({:.0} MiB of weights per token)",
            bandwidth / 1e9,
            mib(model.weight_bytes_per_token() as f64)
        );
        if let Some(s) = &suggestion {
            println!(
                "suggestion:          {:.0} ms with a cold prompt cache, {:.0} ms warm ({} tokens: {})",
                s.cold_ms, s.warm_ms, s.tokens, s.cmd
            );
            println!("enter to command:    {:.0} ms (load + warm suggestion)", loaded.load_ms + s.warm_ms);
        }
        match peak_rss_bytes() {
            Some(b) => println!("peak resident memory: {:.0} MiB", b as f64 / (1u64 << 20) as f64),
            None => println!("peak resident memory: unknown on this platform"),
        }
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct SuggestionTiming {
    cmd: String,
    tokens: usize,
    /// The first suggestion in an environment also computes and stores the prompt's fixed prefix.
    cold_ms: f64,
    /// Later ones read that prefix from the cache dir, as every run after the first does.
    warm_ms: f64,
}

/// The suggestion flow as `cmdai-native "REQUEST"` runs it, after the model is loaded.
fn time_suggestion(loaded: &LoadedModel, model_file: &Path, request: &str) -> Result<SuggestionTiming> {
    let ctx = crate::context::detect(None);
    let suggester = Suggester::new(loaded, model_file);
    // A private cache dir, so "cold" really is cold and the user's cache is left alone.
    let scratch = std::env::temp_dir().join(format!("cmdai-bench-{}", std::process::id()));
    std::env::set_var("CMDAI_CACHE_DIR", &scratch);
    let timed = || -> Result<(f64, Candidates)> {
        let started = Instant::now();
        let c = suggester.candidates(&ctx, request, &Default::default(), 1)?;
        Ok((started.elapsed().as_secs_f64() * 1000.0, c))
    };
    let (cold_ms, _) = timed()?;
    let (warm_ms, c) = timed()?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(SuggestionTiming { cmd: c.suggestions[0].cmd.clone(), tokens: c.timings.generated_tokens, cold_ms, warm_ms })
}

/// Peak resident set size, from the kernel's own accounting (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
