//! Turning a request into candidate commands with the local model: the engine's suggester,
//! the prefix cache kept on disk, and sampling until enough distinct commands are found.

use std::path::Path;

use anyhow::{Context, Result};
use cmdai_engine::generate::{SamplingParams, Timings};
use cmdai_workbench::suggest::{self, SuggestContext, SuggestOptions, Suggestion};
use futures::executor::block_on;

use crate::loaded::{InstantClock, LoadedModel};
use crate::prompt_cache::prefix_cache;

/// Extra attempts per wanted candidate before giving up on finding distinct ones.
const ATTEMPTS_PER_CANDIDATE: usize = 3;

pub struct Suggester<'a> {
    loaded: &'a LoadedModel,
    model_file: &'a Path,
    engine: suggest::Suggester<'a>,
}

pub struct Candidates {
    pub suggestions: Vec<Suggestion>,
    /// The first (greedy) generation's timings.
    pub timings: Timings,
}

impl<'a> Suggester<'a> {
    pub fn new(loaded: &'a LoadedModel, model_file: &'a Path) -> Self {
        let engine = suggest::Suggester::new(&loaded.model, &loaded.tokenizer, &loaded.chat_template);
        Self { loaded, model_file, engine }
    }

    /// Up to `count` distinct commands: the most likely one first, then samples.
    pub fn candidates(&self, ctx: &SuggestContext, request: &str, options: &SuggestOptions, count: usize) -> Result<Candidates> {
        let chat = suggest::suggest_chat(ctx, request, options);
        let prompt = self.engine.prompt(&chat)?;
        let prefix = prefix_cache(&self.loaded.model, self.model_file, prompt.prefix())?;

        let mut suggestions: Vec<Suggestion> = Vec::new();
        let mut timings = None;
        for attempt in 0..count * ATTEMPTS_PER_CANDIDATE {
            if suggestions.len() == count {
                break;
            }
            let sampling = if attempt == 0 {
                SamplingParams::greedy()
            } else {
                SamplingParams { temperature: 0.8, seed: attempt as u64, ..SamplingParams::default() }
            };
            let answer = block_on(
                self.engine
                    .suggest(&chat, &prompt, options, &prefix, sampling, &InstantClock::new(), |_| std::ops::ControlFlow::Continue(())),
            )
            .context("generation failed")?;
            timings.get_or_insert(answer.generation.timings.clone());
            if let Ok(s) = answer.suggestion {
                if !suggestions.iter().any(|known| known.cmd == s.cmd) {
                    suggestions.push(s);
                }
            }
        }
        if suggestions.is_empty() {
            anyhow::bail!("the model produced no usable command; try rephrasing the request");
        }
        Ok(Candidates { suggestions, timings: timings.unwrap_or_default() })
    }
}
