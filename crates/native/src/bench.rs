//! `cmdai-native bench`: the numbers users compare runners by.

use std::ops::ControlFlow;
use std::time::Instant;

use anyhow::{bail, Result};
use cmdai_engine::generate::{generate, read_logits, GenerateOptions, SamplingParams};
use cmdai_engine::model::Logits;
use futures::executor::block_on;
use serde_json::json;

use crate::cli::BenchArgs;
use crate::loaded::{load, InstantClock};

const TEXT: &str = "The shell is a program that reads commands and runs other programs. \
Pipelines connect the output of one command to the input of the next, so small tools such as \
grep, sed, awk, sort, uniq and xargs combine into powerful one-liners. Redirection sends output \
to files, and job control runs work in the background. ";

pub fn run(args: BenchArgs) -> Result<()> {
    let loaded = load(&args.model.model_file, args.backend.backend)?;
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
    let report = json!({
        "model": args.model.model_file.display().to_string(),
        "device": loaded.device.description,
        "load_ms": loaded.load_ms,
        "time_to_first_token_ms": t.prefill_ms,
        "prefill_tokens": prompt.len(),
        "prefill_tokens_per_s": prompt.len() as f64 / prefill_s,
        "decode_tokens": t.generated_tokens,
        "decode_tokens_per_s": t.decode_tokens_per_s(),
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
        match peak_rss_bytes() {
            Some(b) => println!("peak resident memory: {:.0} MiB", b as f64 / (1u64 << 20) as f64),
            None => println!("peak resident memory: unknown on this platform"),
        }
    }
    Ok(())
}

/// Peak resident set size, from the kernel's own accounting (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
