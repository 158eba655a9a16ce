//! Bad input to the model gets a clear error, never a panic: truncated files, token ids
//! outside the vocabulary, requests beyond the context, invalid sampling settings.

use cmdai_test_support::{models, NoClock};
use std::ops::ControlFlow;

use burn::tensor::Device;
use cmdai_engine::generate::{generate, GenerateError, GenerateOptions, SamplingParams};
use cmdai_engine::gguf::{GgufError, GgufFile};
use cmdai_engine::model::{Logits, ModelError};
use futures::executor::block_on;

#[test]
fn truncated_model_file_is_reported() {
    let bytes = models::read_model(models::SMOLLM2);
    let cut = &bytes[..bytes.len() / 2];
    match block_on(GgufFile::read(&cut)) {
        Err(GgufError::Truncated(msg)) => assert!(msg.contains("past the end"), "{msg}"),
        other => panic!("expected a truncation error, got {other:?}"),
    }
}

#[test]
fn out_of_range_requests_are_errors() {
    let (model, tokenizer) = models::load_model(models::SMOLLM2, &Device::flex());

    let mut cache = model.new_cache();
    assert!(matches!(model.forward(&[1, 49152], &mut cache, Logits::Last), Err(ModelError::TokenOutOfRange { id: 49152, vocab: 49152 })));
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
