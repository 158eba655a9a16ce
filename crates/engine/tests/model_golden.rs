//! The engine against llama.cpp on real models: logits at every position of a prompt and
//! greedy continuations of chat prompts (references made by scripts/golden/).

use cmdai_test_support::{golden, models, NoClock};
use std::ops::ControlFlow;

use cmdai_engine::backend::{select_device, BackendChoice};
use cmdai_engine::generate::{generate, read_logits, GenerateOptions, SamplingParams};
use cmdai_engine::model::{Logits, Transformer};
use cmdai_engine::tokenizer::Tokenizer;
use futures::executor::block_on;
use serde_json::Value;

/// The engine's logits at every position of the reference prompt, judged against llama.cpp's.
fn check_logits(model: &Transformer, reference: &Value) -> f32 {
    let prompt = golden::logits_prompt(reference);
    let mut cache = model.new_cache();
    let logits = block_on(read_logits(model.forward(&prompt, &mut cache, Logits::All).unwrap())).unwrap();
    golden::check_logits(&logits, model.config.vocab_size, reference)
}

/// Greedy continuations equal for their first 16 tokens (or diverging only at a llama.cpp
/// near-tie) on at least 5 of 6 prompts.
fn check_greedy(model: &Transformer, tokenizer: &Tokenizer, reference: &Value, tie_margin: f32) {
    let cases = reference["greedy"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut verdicts = Vec::new();
    for case in cases {
        let prompt_ids = golden::ids(&case["prompt_ids"]);
        let options = GenerateOptions {
            max_tokens: golden::ids(&case["ids"]).len(),
            sampling: SamplingParams::greedy(),
            stop_strings: vec![],
            stop_at_eos: false,
        };
        let out = block_on(generate(model, tokenizer, &prompt_ids, &options, &NoClock, |_| ControlFlow::Continue(()))).unwrap();
        let verdict = golden::compare_greedy(&out.ids, case, tie_margin, 16);
        println!(
            "{verdict}: {}\n   ours:   {:?}\n   theirs: {}",
            golden::request_of(case),
            tokenizer.decode(&out.ids).unwrap(),
            case["text"]
        );
        verdicts.push(verdict);
    }
    let identical = verdicts.iter().filter(|v| **v == golden::Greedy::Same).count();
    let matching = verdicts.iter().filter(|v| v.matches()).count();
    println!("greedy: {identical} identical, {} diverging at a llama.cpp near-tie, of {}", matching - identical, cases.len());
    // The bar is 5 of 6 prompts; the references have more prompts, so keep the ratio.
    assert!(matching * 6 >= cases.len() * 5, "only {matching} of {} greedy continuations match llama.cpp", cases.len());
}

fn run(file: &str, golden_name: &str, backend: BackendChoice) {
    let reference = models::golden(golden_name);
    let device = block_on(select_device(backend)).expect("device");
    println!("device: {}", device.description);
    let (model, tokenizer) = models::load_model(file, &device.device);
    let tie_margin = check_logits(&model, &reference);
    check_greedy(&model, &tokenizer, &reference, tie_margin);
}

#[test]
fn smollm2_on_cpu_matches_llama_cpp() {
    run(models::SMOLLM2, "smollm2-135m.json", BackendChoice::Cpu);
}

#[test]
fn smollm2_on_wgpu_matches_llama_cpp() {
    run(models::SMOLLM2, "smollm2-135m.json", BackendChoice::Gpu);
}

#[test]
fn qwen05_on_cpu_matches_llama_cpp() {
    run(models::QWEN05, "qwen2.5-coder-0.5b.json", BackendChoice::Cpu);
}

/// Q4_K, Q5_0, Q6_K and Q8_0 tensors, kept in their blocks on the GPU (lavapipe in CI).
#[test]
fn qwen05_on_wgpu_matches_llama_cpp() {
    run(models::QWEN05, "qwen2.5-coder-0.5b.json", BackendChoice::Gpu);
}
