//! Reusing a processed prompt prefix: a KV cache saved to bytes and loaded back continues
//! exactly like the prompt processed in one go, and damaged snapshots are refused.

use cmdai_test_support::{models, NoClock};
use std::ops::ControlFlow;

use burn::tensor::Device;
use cmdai_engine::generate::{generate, generate_from, GenerateError, GenerateOptions, SamplingParams, Start, StopReason, TokenConstraint};
use cmdai_engine::model::{Logits, SnapshotError};
use futures::executor::block_on;

fn greedy(n: usize) -> GenerateOptions {
    GenerateOptions { max_tokens: n, sampling: SamplingParams::greedy(), stop_strings: Vec::new(), stop_at_eos: false }
}

#[test]
fn a_saved_prefix_continues_like_the_whole_prompt() {
    let (model, tokenizer) = models::load_model(models::SMOLLM2, &Device::flex());
    let prompt = tokenizer.encode("Shell commands every developer should know: ls, cd, grep, find,", true).unwrap();
    let whole = block_on(generate(&model, &tokenizer, &prompt, &greedy(12), &NoClock, |_| ControlFlow::Continue(()))).unwrap();

    let split = prompt.len() - 3;
    let mut cache = model.new_cache();
    block_on(cmdai_engine::generate::read_logits(model.forward(&prompt[..split], &mut cache, Logits::Last).unwrap())).unwrap();
    let bytes = block_on(model.save_cache(&cache)).unwrap();
    let restored = model.load_cache(&bytes).unwrap();
    assert_eq!(restored.len(), split);

    // Two continuations from clones of one restored prefix, as `-n K` candidates use it.
    for _ in 0..2 {
        let start = Start { cache: restored.clone(), constraint: None };
        let resumed =
            block_on(generate_from(&model, &tokenizer, &prompt, start, &greedy(12), &NoClock, |_| ControlFlow::Continue(()))).unwrap();
        assert_eq!(resumed.ids, whole.ids);
        assert_eq!((resumed.timings.prompt_tokens, resumed.timings.cached_tokens), (prompt.len(), split));
    }
    assert_eq!(whole.timings.cached_tokens, 0);

    let start = Start { cache: model.load_cache(&bytes).unwrap(), constraint: None };
    let err = block_on(generate_from(&model, &tokenizer, &prompt[..split], start, &greedy(4), &NoClock, |_| ControlFlow::Continue(())));
    assert!(matches!(err, Err(GenerateError::PrefixTooLong { .. })));
}

#[test]
fn damaged_snapshots_are_refused() {
    let (model, _) = models::load_model(models::SMOLLM2, &Device::flex());
    let mut cache = model.new_cache();
    block_on(cmdai_engine::generate::read_logits(model.forward(&[1, 2, 3, 4], &mut cache, Logits::Last).unwrap())).unwrap();
    let bytes = block_on(model.save_cache(&cache)).unwrap();

    assert_eq!(
        model.load_cache(&bytes[..bytes.len() - 1]).err(),
        Some(SnapshotError::Length { expected: bytes.len(), got: bytes.len() - 1 })
    );
    assert_eq!(model.load_cache(b"nope").err(), Some(SnapshotError::BadMagic));
    let mut other_shape = bytes.clone();
    other_shape[8] ^= 1; // the layer count
    assert_eq!(model.load_cache(&other_shape).err(), Some(SnapshotError::WrongModel));
    let mut future = bytes;
    future[4] = 9; // the version
    assert_eq!(model.load_cache(&future).err(), Some(SnapshotError::Version(9)));
}

/// Allows only one token, whatever the logits say, and is complete after `complete_after`.
struct OnlyToken {
    id: u32,
    seen: Vec<u32>,
    complete_after: usize,
}

impl TokenConstraint for OnlyToken {
    fn mask(&self, logits: &mut [f32]) {
        for (id, l) in logits.iter_mut().enumerate() {
            if id as u32 != self.id {
                *l = f32::NEG_INFINITY;
            }
        }
    }
    fn advance(&mut self, token: u32) {
        self.seen.push(token);
    }
    fn is_complete(&self) -> bool {
        self.seen.len() >= self.complete_after
    }
}

#[test]
fn a_constraint_decides_every_sampled_token() {
    let (model, tokenizer) = models::load_model(models::SMOLLM2, &Device::flex());
    let prompt = tokenizer.encode("Hello", true).unwrap();
    let options = GenerateOptions { sampling: SamplingParams { seed: 3, ..SamplingParams::default() }, ..greedy(5) };
    let mut only = OnlyToken { id: 42, seen: Vec::new(), complete_after: usize::MAX };
    let start = Start { cache: model.new_cache(), constraint: Some(&mut only) };
    let out = block_on(generate_from(&model, &tokenizer, &prompt, start, &options, &NoClock, |_| ControlFlow::Continue(()))).unwrap();
    assert_eq!(out.ids, vec![42; 5]);
    assert_eq!(out.stop_reason, StopReason::MaxTokens);
    assert_eq!(only.seen, vec![42; 5]);

    // A complete constraint ends generation without sampling the end of sequence.
    let mut only = OnlyToken { id: 42, seen: Vec::new(), complete_after: 3 };
    let start = Start { cache: model.new_cache(), constraint: Some(&mut only) };
    let out = block_on(generate_from(&model, &tokenizer, &prompt, start, &options, &NoClock, |_| ControlFlow::Continue(()))).unwrap();
    assert_eq!(out.ids, vec![42; 3]);
    assert_eq!(out.stop_reason, StopReason::Complete);
}
