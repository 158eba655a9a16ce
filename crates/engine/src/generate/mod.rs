//! Text generation: prefill, incremental decode, sampling, stop conditions, streaming.

mod readback;
mod sampler;
mod stop;

pub use sampler::{argmax, Sampler, SamplingParams};
pub use stop::StopStrings;

use std::ops::ControlFlow;

use serde::Serialize;

use crate::model::{KvCache, Logits, ModelError, Transformer};
use crate::tokenizer::{TokenKind, Tokenizer};
use readback::read_step;

/// Milliseconds from some fixed point; the shells supply one (`Instant` natively,
/// `performance.now()` in the browser) since the engine has no clock of its own.
pub trait Clock {
    /// The current time in milliseconds; only differences between two calls are used.
    fn now_ms(&self) -> f64;
}

/// Settings of one [`generate`] call.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The most tokens to generate; the prompt plus this many must fit the model's context length.
    pub max_tokens: usize,
    /// How each next token is picked.
    pub sampling: SamplingParams,
    /// Generation ends before any of these would be printed.
    pub stop_strings: Vec<String>,
    /// End at the model's end-of-sequence / end-of-turn tokens.
    pub stop_at_eos: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self { max_tokens: 256, sampling: SamplingParams::default(), stop_strings: Vec::new(), stop_at_eos: true }
    }
}

/// Why generation ended (serialized in snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model produced an end-of-generation token (only with [`GenerateOptions::stop_at_eos`]).
    Eos,
    /// The [`TokenConstraint`] was complete.
    Complete,
    /// A stop string appeared; the text ends before it.
    StopString,
    /// [`GenerateOptions::max_tokens`] tokens were generated.
    MaxTokens,
    /// The `on_text` callback returned `Break`.
    Cancelled,
}

/// Token counts and durations of one generation; times in milliseconds of the [`Clock`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Tokens in the prompt, cached ones included.
    pub prompt_tokens: usize,
    /// Prompt tokens taken from a reused cache, not computed.
    pub cached_tokens: usize,
    /// Tokens sampled, an end-of-generation token included.
    pub generated_tokens: usize,
    /// Prompt processing, up to the first sampled token.
    pub prefill_ms: f64,
    /// From the first sampled token to the end of generation.
    pub decode_ms: f64,
}

impl Timings {
    /// Prefill speed over the prompt tokens actually computed.
    pub fn prefill_tokens_per_s(&self) -> f64 {
        per_second(self.prompt_tokens - self.cached_tokens, self.prefill_ms)
    }
    /// Decode speed over the tokens after the first.
    pub fn decode_tokens_per_s(&self) -> f64 {
        per_second(self.generated_tokens.saturating_sub(1), self.decode_ms)
    }
}

fn per_second(n: usize, ms: f64) -> f64 {
    if ms > 0.0 {
        n as f64 * 1000.0 / ms
    } else {
        0.0
    }
}

/// The outcome of [`generate`].
#[derive(Debug, Clone, Serialize)]
pub struct Generation {
    /// The prompt's token ids, as passed in.
    pub prompt_ids: Vec<u32>,
    /// The generated token ids, ending with the end-of-generation token when the reason is [`StopReason::Eos`].
    pub ids: Vec<u32>,
    /// The text handed to `on_text`, without any stop string.
    pub text: String,
    /// Why generation ended.
    pub stop_reason: StopReason,
    /// Token counts and durations.
    pub timings: Timings,
}

/// Why [`generate`] failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The forward pass failed, or the prompt plus `max_tokens` exceeds the context length.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The [`SamplingParams`] are out of range (see [`SamplingParams::validate`]).
    #[error("invalid sampling settings: {0}")]
    Sampling(String),
    /// There are no prompt tokens to predict from.
    #[error("the prompt is empty")]
    EmptyPrompt,
    /// The [`Start`] cache holds the whole prompt or more; it must leave at least the last prompt token.
    #[error("the reused cache holds {cached} tokens but the prompt has only {prompt}")]
    PrefixTooLong {
        /// Tokens already in the cache.
        cached: usize,
        /// Tokens in the prompt.
        prompt: usize,
    },
    /// Turning the generated ids into text failed.
    #[error(transparent)]
    Tokenizer(#[from] crate::tokenizer::TokenizerError),
}

/// Logits read back to the host, row-major (asynchronously: WebGPU has no other way).
pub async fn read_logits(logits: burn::tensor::Tensor<2>) -> Result<Vec<f32>, ModelError> {
    let data = logits.into_data_async().await.map_err(|e| ModelError::Device(format!("{e:?}")))?;
    data.try_to_vec::<f32>().map_err(|e| ModelError::Device(format!("{e:?}")))
}

/// Restricts which token may come next, e.g. to the strings of a grammar.
pub trait TokenConstraint {
    /// Sets the logits of tokens that may not come next to negative infinity.
    fn mask(&self, logits: &mut [f32]);
    /// Records the token that was chosen.
    fn advance(&mut self, token: u32);
    /// Whether nothing but the end of the sequence may follow: generation then stops
    /// without spending a forward pass on sampling it.
    fn is_complete(&self) -> bool {
        false
    }
}

/// Each token's bytes, as constraints read them; control tokens get none.
pub fn constraint_vocab(tokenizer: &Tokenizer) -> Vec<Vec<u8>> {
    (0..tokenizer.vocab_size() as u32)
        .map(|id| match tokenizer.token_kind(id) {
            Some(TokenKind::Normal | TokenKind::Byte) => tokenizer.token_bytes(id).unwrap_or_default().to_vec(),
            _ => Vec::new(),
        })
        .collect()
}

/// Generates a continuation of `prompt_ids`, calling `on_text` with each new piece of text as
/// soon as it is certain (never half a UTF-8 character, never the start of a stop string).
/// `on_text` returning `Break` cancels.
pub async fn generate(
    model: &Transformer,
    tokenizer: &Tokenizer,
    prompt_ids: &[u32],
    options: &GenerateOptions,
    clock: &dyn Clock,
    on_text: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Generation, GenerateError> {
    let start = Start { cache: model.new_cache(), constraint: None };
    generate_from(model, tokenizer, prompt_ids, start, options, clock, on_text).await
}

/// Where [`generate_from`] starts.
pub struct Start<'a> {
    /// Holds the first `cache.len()` prompt tokens already (a reused prefix); it must be
    /// shorter than the prompt, since the last prompt position yields the first logits.
    pub cache: KvCache,
    /// Restricts every sampled token, when set.
    pub constraint: Option<&'a mut dyn TokenConstraint>,
}

/// [`generate`] from a cache that already holds a prefix of the prompt, optionally with a
/// [`TokenConstraint`] on every sampled token.
pub async fn generate_from(
    model: &Transformer,
    tokenizer: &Tokenizer,
    prompt_ids: &[u32],
    start: Start<'_>,
    options: &GenerateOptions,
    clock: &dyn Clock,
    mut on_text: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Generation, GenerateError> {
    options.sampling.validate().map_err(GenerateError::Sampling)?;
    if prompt_ids.is_empty() {
        return Err(GenerateError::EmptyPrompt);
    }
    let needed = prompt_ids.len() + options.max_tokens;
    let limit = model.config.context_length;
    if needed > limit {
        return Err(ModelError::ContextOverflow { needed, limit }.into());
    }
    let Start { mut cache, mut constraint } = start;
    if cache.len() >= prompt_ids.len() {
        return Err(GenerateError::PrefixTooLong { cached: cache.len(), prompt: prompt_ids.len() });
    }

    let mut sampler = Sampler::new(options.sampling.clone());
    let mut history = prompt_ids.to_vec();
    let mut ids = Vec::new();
    let mut stops = StopStrings::new(&options.stop_strings);
    let mut timings = Timings { prompt_tokens: prompt_ids.len(), cached_tokens: cache.len(), ..Default::default() };
    let eos = tokenizer.eos_ids();
    // The stream, not `decode`: llama.cpp-style space clean-up would turn `find . -name` into
    // `find. -name` for some tokenizers, and re-decoding everything each step is quadratic.
    let mut detokenizer = tokenizer.decode_stream();

    let start = clock.now_ms();
    let new_tokens = &prompt_ids[cache.len()..];
    let mut logits = read_step(model.forward(new_tokens, &mut cache, Logits::Last)?, &options.sampling).await?;
    let mut decode_start = start;
    let mut stop_reason = StopReason::MaxTokens;
    let mut text = String::new();
    while ids.len() < options.max_tokens {
        if let Some(c) = constraint.as_deref() {
            logits.mask(c).await?;
        }
        let next = sampler.sample(&mut logits.values, &history);
        if let Some(c) = constraint.as_deref_mut() {
            c.advance(next);
        }
        if ids.is_empty() {
            decode_start = clock.now_ms();
            timings.prefill_ms = decode_start - start;
        }
        if options.stop_at_eos && eos.contains(&next) {
            stop_reason = StopReason::Eos;
            ids.push(next);
            break;
        }
        ids.push(next);
        history.push(next);

        text.push_str(&detokenizer.push(next)?);
        let (ready, stopped) = stops.push(&text);
        if !ready.is_empty() && on_text(ready).is_break() {
            stop_reason = StopReason::Cancelled;
            break;
        }
        if stopped {
            stop_reason = StopReason::StopString;
            break;
        }
        if constraint.as_deref().is_some_and(|c| c.is_complete()) {
            stop_reason = StopReason::Complete;
            break;
        }
        if ids.len() == options.max_tokens {
            break;
        }
        logits = read_step(model.forward(&[next], &mut cache, Logits::Last)?, &options.sampling).await?;
    }
    if stop_reason != StopReason::StopString && stop_reason != StopReason::Cancelled {
        text.push_str(&detokenizer.finish());
        let rest = stops.finish(&text);
        if !rest.is_empty() {
            let _ = on_text(rest);
        }
    }
    timings.generated_tokens = ids.len();
    timings.decode_ms = clock.now_ms() - decode_start;
    Ok(Generation { prompt_ids: prompt_ids.to_vec(), ids, text: stops.into_emitted(), stop_reason, timings })
}
