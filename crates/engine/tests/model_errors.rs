//! Bad input to the model gets a clear error, never a panic: truncated files, token ids
//! outside the vocabulary, requests beyond the context, invalid sampling settings.

mod common;

use std::ops::ControlFlow;

use burn::tensor::Device;
use cmdai_engine::generate::{generate, Clock, GenerateError, GenerateOptions, SamplingParams};
use cmdai_engine::gguf::{GgufError, GgufFile};
use cmdai_engine::model::{load_gguf, Logits, ModelError};
use cmdai_engine::tokenizer::Tokenizer;
use futures::executor::block_on;

struct NoClock;
impl Clock for NoClock {
    fn now_ms(&self) -> f64 {
        0.0
    }
}

#[test]
fn truncated_model_file_is_reported() {
    let bytes = common::read_model(common::SMOLLM2);
    let cut = &bytes[..bytes.len() / 2];
    match block_on(GgufFile::read(&cut)) {
        Err(GgufError::Truncated(msg)) => assert!(msg.contains("past the end"), "{msg}"),
        other => panic!("expected a truncation error, got {other:?}"),
    }
}

#[test]
fn out_of_range_requests_are_errors() {
    let bytes = common::read_model(common::SMOLLM2);
    let gguf = block_on(GgufFile::read(&bytes)).unwrap();
    let tokenizer = Tokenizer::from_gguf(&gguf.metadata).unwrap();
    let model = block_on(load_gguf(&gguf, &bytes, &Device::flex(), |_| {})).unwrap();

    let mut cache = model.new_cache();
    assert!(matches!(
        model.forward(&[1, 49152], &mut cache, Logits::Last),
        Err(ModelError::TokenOutOfRange { id: 49152, vocab: 49152 })
    ));
    assert!(model.forward(&[], &mut cache, Logits::Last).is_err());

    let run = |prompt: &[u32], options: GenerateOptions| {
        block_on(generate(&model, &tokenizer, prompt, &options, &NoClock, |_| ControlFlow::Continue(())))
    };
    let too_long = GenerateOptions { max_tokens: model.config.context_length, ..Default::default() };
    assert!(matches!(run(&[1, 2, 3], too_long), Err(GenerateError::Model(ModelError::ContextOverflow { .. }))));
    assert!(matches!(run(&[], GenerateOptions::default()), Err(GenerateError::EmptyPrompt)));
    let bad_sampling = GenerateOptions { sampling: SamplingParams { temperature: -1.0, ..Default::default() }, ..Default::default() };
    assert!(matches!(run(&[1, 2, 3], bad_sampling), Err(GenerateError::Sampling(_))));

    // Cancellation from the callback stops generation at once.
    let options = GenerateOptions { max_tokens: 20, sampling: SamplingParams::greedy(), stop_at_eos: false, ..Default::default() };
    let prompt = tokenizer.encode("The shell is", false).unwrap();
    let out = block_on(generate(&model, &tokenizer, &prompt, &options, &NoClock, |_| ControlFlow::Break(()))).unwrap();
    assert_eq!(out.stop_reason, cmdai_engine::generate::StopReason::Cancelled);
    assert!(out.ids.len() < 20);
}
