//! The advisor on the model loaded here: the advisor prompt, generated under
//! [`AdviceConstraint`], read back into catalog cards.

use std::ops::ControlFlow;

use super::{advisor_messages, model_advice, parse_recommendations, Advice, AdviceConstraint, AdviceError, AdviceSource};
use crate::discover::card::DeviceBudget;
use crate::suggest::{split_prompt, Prompt, SuggestError};
use cmdai_engine::chat::ChatTemplate;
use cmdai_engine::generate::{constraint_vocab, generate_from, Clock, GenerateError, GenerateOptions, SamplingParams, Start};
use cmdai_engine::model::{KvCache, Transformer};
use cmdai_engine::tokenizer::Tokenizer;

/// Room for two items with reasons at their longest.
const MAX_ADVICE_TOKENS: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum LocalAdviceError {
    #[error(transparent)]
    Prompt(#[from] SuggestError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Advice(#[from] AdviceError),
}

pub struct LocalAdvisor<'a> {
    model: &'a Transformer,
    tokenizer: &'a Tokenizer,
    template: &'a ChatTemplate,
}

impl<'a> LocalAdvisor<'a> {
    pub fn new(model: &'a Transformer, tokenizer: &'a Tokenizer, template: &'a ChatTemplate) -> Self {
        Self { model, tokenizer, template }
    }

    /// The advisor prompt for a validated goal. Its prefix (the catalog and the device) is the
    /// same for every goal, so a shell can keep its cache.
    pub fn prompt(&self, goal: &str, budget: &DeviceBudget) -> Result<Prompt, LocalAdviceError> {
        Ok(split_prompt(self.template, self.tokenizer, &advisor_messages(goal, budget))?)
    }

    /// Advice from `prompt`, starting from `cache` (empty, or holding a prefix of the prompt);
    /// `model_name` names the advisor in the answer. `on_text` sees the JSON as it streams and
    /// may cancel.
    pub async fn advise(
        &self,
        prompt: &Prompt,
        cache: KvCache,
        budget: &DeviceBudget,
        model_name: &str,
        clock: &dyn Clock,
        on_text: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Advice, LocalAdviceError> {
        let mut constraint = AdviceConstraint::new(constraint_vocab(self.tokenizer));
        let options = GenerateOptions {
            max_tokens: MAX_ADVICE_TOKENS,
            sampling: SamplingParams::greedy(),
            stop_strings: Vec::new(),
            stop_at_eos: true,
        };
        let start = Start { cache, constraint: Some(&mut constraint) };
        let generation = generate_from(self.model, self.tokenizer, &prompt.ids, start, &options, clock, on_text).await?;
        let recommendations = parse_recommendations(&generation.text, budget)?;
        Ok(model_advice(recommendations, AdviceSource::LocalModel { model: model_name.to_string() }))
    }
}
