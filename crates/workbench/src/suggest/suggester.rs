//! One suggestion from a loaded model: the chat prompt split into its request-independent
//! prefix and the rest, and layout-constrained generation from a cache that holds the prefix.
//! Both shells drive this; each keeps prefix caches where it can (files, worker memory).

use std::ops::ControlFlow;

use cmdai_engine::chat::{ChatError, ChatTemplate, Message};
use cmdai_engine::generate::{constraint_vocab, generate_from, Clock, GenerateError, GenerateOptions, Generation, SamplingParams, Start};
use cmdai_engine::model::{KvCache, Transformer};
use cmdai_engine::tokenizer::{Tokenizer, TokenizerError};

use super::prompt::retry_chat;
use super::{parse_suggestion, CommandConstraint, FieldOrder, ParseError, SuggestChat, SuggestOptions, Suggestion};

/// Enough for a long one-liner and its explanation; the constraint ends both lines in time.
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
    split_prompt_at(template, tokenizer, messages, messages.len().saturating_sub(1))
}

/// `messages` rendered and tokenized; the first `fixed` messages are the prefix.
pub fn split_prompt_at(template: &ChatTemplate, tokenizer: &Tokenizer, messages: &[Message], fixed: usize) -> Result<Prompt, SuggestError> {
    let prompt = template.render(messages, true)?;
    let ids = tokenizer.encode(&prompt, false)?;
    let prefix_text = template.render(&messages[..fixed.min(messages.len().saturating_sub(1))], false)?;
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
    /// Bytes of each token for the constraint; control tokens get none.
    vocab: Vec<Vec<u8>>,
}

impl<'a> Suggester<'a> {
    pub fn new(model: &'a Transformer, tokenizer: &'a Tokenizer, template: &'a ChatTemplate) -> Self {
        Self { model, tokenizer, template, vocab: constraint_vocab(tokenizer) }
    }

    /// The prompt's tokens; the chat's fixed messages are the reusable prefix.
    pub fn prompt(&self, chat: &SuggestChat) -> Result<Prompt, SuggestError> {
        split_prompt_at(self.template, self.tokenizer, &chat.messages, chat.fixed)
    }

    /// One answer to `prompt` held to the layout in `order`, starting from `cache` (empty, or
    /// holding a prefix of the prompt). `on_text` sees the answer as it streams and may cancel it.
    pub async fn generate(
        &self,
        prompt: &Prompt,
        order: FieldOrder,
        cache: KvCache,
        sampling: SamplingParams,
        clock: &dyn Clock,
        on_text: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Generation, SuggestError> {
        let mut constraint = CommandConstraint::new(self.vocab.clone(), self.tokenizer.eos_ids(), order);
        let options = GenerateOptions { max_tokens: MAX_SUGGESTION_TOKENS, sampling, stop_strings: Vec::new(), stop_at_eos: true };
        let start = Start { cache, constraint: Some(&mut constraint) };
        Ok(generate_from(self.model, self.tokenizer, &prompt.ids, start, &options, clock, on_text).await?)
    }

    /// One suggestion for `chat` (whose tokens are `prompt`), starting from `prefix` (empty, or
    /// holding `prompt.prefix()`). With `options.syntax_retry`, a command with a syntax problem (an
    /// unclosed quote, a `find -exec` without its `;`) gets one regeneration with the problem
    /// named; the first answer stands when the second is no better.
    #[allow(clippy::too_many_arguments)]
    pub async fn suggest(
        &self,
        chat: &SuggestChat,
        prompt: &Prompt,
        options: &SuggestOptions,
        prefix: &KvCache,
        sampling: SamplingParams,
        clock: &dyn Clock,
        mut on_text: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Answer, SuggestError> {
        let order = options.order;
        let first = self.generate(prompt, order, prefix.clone(), sampling.clone(), clock, &mut on_text).await?;
        let suggestion = parse_suggestion(&first.text);
        let problem = suggestion.as_ref().ok().filter(|_| options.syntax_retry).and_then(|s| cmdai_safety::syntax_problem(&s.cmd));
        let Some(problem) = problem else {
            return Ok(Answer { suggestion, generation: first, regenerated: false });
        };
        let retry = retry_chat(chat, &first.text, &problem);
        let retry_prompt = self.prompt(&retry)?;
        // Same fixed messages, so normally the same prefix; if tokens merged differently, start afresh.
        let cache = if retry_prompt.prefix() == prompt.prefix() { prefix.clone() } else { self.model.new_cache() };
        let second = self.generate(&retry_prompt, order, cache, sampling, clock, on_text).await?;
        match parse_suggestion(&second.text) {
            Ok(fixed) if cmdai_safety::syntax_problem(&fixed.cmd).is_none() => {
                Ok(Answer { suggestion: Ok(fixed), generation: second, regenerated: true })
            }
            _ => Ok(Answer { suggestion, generation: first, regenerated: true }),
        }
    }
}

/// What [`Suggester::suggest`] came to.
pub struct Answer {
    /// The command read from the answer that was kept.
    pub suggestion: Result<Suggestion, ParseError>,
    /// The generation of that answer.
    pub generation: Generation,
    /// Whether a syntax problem led to a second generation.
    pub regenerated: bool,
}
