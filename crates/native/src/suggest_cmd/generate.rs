//! Turning a request into candidate commands with the local model: the chat prompt with
//! few-shot examples, the cached prefix, JSON-constrained decoding, and parsing.

use std::path::Path;

use anyhow::{Context, Result};
use cmdai_engine::chat::Message;
use cmdai_engine::generate::{generate_from, GenerateOptions, Generation, SamplingParams, Start, Timings};
use cmdai_engine::suggest::{self, JsonCommandConstraint, SuggestContext, Suggestion};
use cmdai_engine::tokenizer::TokenKind;
use futures::executor::block_on;

use crate::loaded::{InstantClock, LoadedModel};
use crate::prompt_cache::prefix_cache;

/// Enough for a long one-liner and its explanation; the constraint closes the JSON in time.
const MAX_TOKENS: usize = 256;
/// Extra attempts per wanted candidate before giving up on finding distinct ones.
const ATTEMPTS_PER_CANDIDATE: usize = 3;

pub struct Suggester<'a> {
    loaded: &'a LoadedModel,
    model_file: &'a Path,
    /// Bytes of each token for the JSON constraint; control tokens get none.
    vocab: Vec<Vec<u8>>,
}

pub struct Candidates {
    pub suggestions: Vec<Suggestion>,
    /// The first (greedy) generation's timings.
    pub timings: Timings,
}

impl<'a> Suggester<'a> {
    pub fn new(loaded: &'a LoadedModel, model_file: &'a Path) -> Self {
        let tok = &loaded.tokenizer;
        let vocab = (0..tok.vocab_size() as u32)
            .map(|id| match tok.token_kind(id) {
                Some(TokenKind::Normal | TokenKind::Byte) => tok.token_bytes(id).unwrap_or_default().to_vec(),
                _ => Vec::new(),
            })
            .collect();
        Self { loaded, model_file, vocab }
    }

    /// Up to `count` distinct commands: the most likely one first, then samples.
    pub fn candidates(&self, ctx: &SuggestContext, request: &str, explain: bool, count: usize) -> Result<Candidates> {
        let messages = suggest::messages(ctx, request, explain);
        let (prompt_ids, prefix_len) = self.encode(&messages)?;
        let prefix = prefix_cache(&self.loaded.model, self.model_file, &prompt_ids[..prefix_len])?;

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
            let generation = self.generate(&prompt_ids, prefix.clone(), sampling)?;
            timings.get_or_insert(generation.timings.clone());
            if let Ok(s) = suggest::parse_suggestion(&generation.text) {
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

    /// The prompt's tokens and how many of them are the request-independent prefix.
    fn encode(&self, messages: &[Message]) -> Result<(Vec<u32>, usize)> {
        let (template, tok) = (&self.loaded.chat_template, &self.loaded.tokenizer);
        let prompt = template.render(messages, true)?;
        let ids = tok.encode(&prompt, false)?;
        // Everything before the final user turn is the same for every request here.
        let prefix_text = template.render(&messages[..messages.len() - 1], false)?;
        let prefix_len = match prompt.starts_with(&prefix_text) {
            true => {
                let prefix_ids = tok.encode(&prefix_text, false)?;
                if ids.starts_with(&prefix_ids) { prefix_ids.len().min(ids.len() - 1) } else { 0 }
            }
            false => 0,
        };
        Ok((ids, prefix_len))
    }

    fn generate(&self, prompt_ids: &[u32], cache: cmdai_engine::model::KvCache, sampling: SamplingParams) -> Result<Generation> {
        let mut constraint = JsonCommandConstraint::new(self.vocab.clone(), self.loaded.tokenizer.eos_ids());
        let options = GenerateOptions { max_tokens: MAX_TOKENS, sampling, stop_strings: Vec::new(), stop_at_eos: true };
        let start = Start { cache, constraint: Some(&mut constraint) };
        let model = &self.loaded.model;
        block_on(generate_from(model, &self.loaded.tokenizer, prompt_ids, start, &options, &InstantClock::new(), |_| {
            std::ops::ControlFlow::Continue(())
        }))
        .context("generation failed")
    }
}
