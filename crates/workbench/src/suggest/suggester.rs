//! One suggestion from a loaded model: the chat prompt split into its request-independent
//! prefix and the rest, and JSON-constrained generation from a cache that holds the prefix.
//! Both shells drive this; each keeps prefix caches where it can (files, worker memory).

use std::ops::ControlFlow;

use cmdai_engine::chat::{ChatError, ChatTemplate, Message};
use cmdai_engine::generate::{constraint_vocab, generate_from, Clock, GenerateError, GenerateOptions, Generation, SamplingParams, Start};
use cmdai_engine::model::{KvCache, Transformer};
use cmdai_engine::tokenizer::{Tokenizer, TokenizerError};

use super::JsonCommandConstraint;

/// Enough for a long one-liner and its explanation; the constraint closes the JSON in time.
pub const MAX_SUGGESTION_TOKENS: usize = 256;

/// A rendered prompt: its tokens, and how many of them are the same for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub ids: Vec<u32>,
    pub prefix_len: usize,
}

impl Prompt {
    pub fn prefix(&self) -> &[u32] {
        &self.ids[..self.prefix_len]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error(transparent)]
    Template(#[from] ChatError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
}

/// `messages` rendered and tokenized; everything before the final user turn is the prefix,
/// which the shells keep caches of.
pub fn split_prompt(template: &ChatTemplate, tokenizer: &Tokenizer, messages: &[Message]) -> Result<Prompt, SuggestError> {
    let prompt = template.render(messages, true)?;
    let ids = tokenizer.encode(&prompt, false)?;
    let prefix_text = template.render(&messages[..messages.len().saturating_sub(1)], false)?;
    let mut prefix_len = 0;
    if prompt.starts_with(&prefix_text) {
        let prefix_ids = tokenizer.encode(&prefix_text, false)?;
        // Tokens can merge across the boundary; then nothing is shared.
        if ids.starts_with(&prefix_ids) {
            prefix_len = prefix_ids.len().min(ids.len().saturating_sub(1));
        }
    }
    Ok(Prompt { ids, prefix_len })
}

pub struct Suggester<'a> {
    model: &'a Transformer,
    tokenizer: &'a Tokenizer,
    template: &'a ChatTemplate,
    /// Bytes of each token for the JSON constraint; control tokens get none.
    vocab: Vec<Vec<u8>>,
}

impl<'a> Suggester<'a> {
    pub fn new(model: &'a Transformer, tokenizer: &'a Tokenizer, template: &'a ChatTemplate) -> Self {
        Self { model, tokenizer, template, vocab: constraint_vocab(tokenizer) }
    }

    /// The prompt's tokens; everything before the final user turn is the reusable prefix.
    pub fn prompt(&self, messages: &[Message]) -> Result<Prompt, SuggestError> {
        split_prompt(self.template, self.tokenizer, messages)
    }

    /// One JSON-constrained answer to `prompt`, starting from `cache` (empty, or holding a
    /// prefix of the prompt). `on_text` sees the answer as it streams and may cancel it.
    pub async fn generate(
        &self,
        prompt: &Prompt,
        cache: KvCache,
        sampling: SamplingParams,
        clock: &dyn Clock,
        on_text: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Generation, SuggestError> {
        let mut constraint = JsonCommandConstraint::new(self.vocab.clone(), self.tokenizer.eos_ids());
        let options = GenerateOptions { max_tokens: MAX_SUGGESTION_TOKENS, sampling, stop_strings: Vec::new(), stop_at_eos: true };
        let start = Start { cache, constraint: Some(&mut constraint) };
        Ok(generate_from(self.model, self.tokenizer, &prompt.ids, start, &options, clock, on_text).await?)
    }
}
