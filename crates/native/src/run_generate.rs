//! `cmdai-native generate`: stream a continuation to stdout.

use std::io::Write;
use std::ops::ControlFlow;

use anyhow::Result;
use cmdai_engine::chat::Message;
use cmdai_engine::generate::{generate, GenerateOptions, SamplingParams};
use futures::executor::block_on;
use serde_json::json;

use crate::cli::GenerateArgs;
use crate::loaded::{load, InstantClock};

pub fn run(args: GenerateArgs) -> Result<()> {
    let loaded = load(&crate::models_cmd::model_path(&args.model)?, args.backend.backend)?;
    let prompt = if args.raw {
        args.prompt.clone()
    } else {
        let mut messages = Vec::new();
        if let Some(system) = &args.system {
            messages.push(Message::new("system", system));
        }
        messages.push(Message::new("user", &args.prompt));
        loaded.chat_template.render(&messages, true)?
    };
    // The chat template writes BOS itself when the model wants one; raw prompts get it here.
    let prompt_ids = loaded.tokenizer.encode(&prompt, args.raw)?;

    let options = GenerateOptions {
        max_tokens: args.max_tokens,
        sampling: SamplingParams {
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            min_p: args.min_p,
            repetition_penalty: args.repeat_penalty,
            seed: args.seed,
            ..SamplingParams::default()
        },
        stop_strings: args.stop.clone(),
        stop_at_eos: true,
    };
    let clock = InstantClock::new();
    let mut stdout = std::io::stdout().lock();
    let json = args.model.json;
    let generation = block_on(generate(&loaded.model, &loaded.tokenizer, &prompt_ids, &options, &clock, |piece| {
        if !json {
            // A closed pipe (`| head`) ends generation instead of failing.
            if stdout.write_all(piece.as_bytes()).and_then(|_| stdout.flush()).is_err() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }))?;

    if json {
        let out = json!({
            "prompt": prompt,
            "prompt_ids": generation.prompt_ids,
            "ids": generation.ids,
            "text": generation.text,
            "stop_reason": generation.stop_reason,
            "device": loaded.device.description,
            "timings": {
                "load_ms": loaded.load_ms,
                "prefill_ms": generation.timings.prefill_ms,
                "decode_ms": generation.timings.decode_ms,
                "prompt_tokens": generation.timings.prompt_tokens,
                "generated_tokens": generation.timings.generated_tokens,
                "prefill_tokens_per_s": generation.timings.prefill_tokens_per_s(),
                "decode_tokens_per_s": generation.timings.decode_tokens_per_s(),
            },
        });
        writeln!(stdout, "{out}")?;
    } else {
        writeln!(stdout)?;
        let t = &generation.timings;
        eprintln!(
            "cmdai: {} prompt tokens at {:.1} tok/s, {} generated at {:.1} tok/s ({:?})",
            t.prompt_tokens,
            t.prefill_tokens_per_s(),
            t.generated_tokens,
            t.decode_tokens_per_s(),
            generation.stop_reason
        );
    }
    Ok(())
}
