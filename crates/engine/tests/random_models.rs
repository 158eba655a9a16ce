//! Model tests that need no download: 2-layer Llama and Qwen2 models with random weights
//! (cmdai-test-support's `random_model`), on the CPU and on a GPU through wgpu (Mesa's
//! lavapipe in CI). Random weights make ties rare and any difference loud.

use burn::tensor::Device;
use cmdai_engine::backend::{select_device, BackendChoice};
use cmdai_engine::generate::read_logits;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::safetensors::SafetensorsFile;
use cmdai_engine::model::{
    load_gguf_with, load_safetensors, LoadOptions, Logits, MemoryBudget, MemoryPlan, ModelConfig, ModelError, SnapshotError, Transformer,
    PLANNED_CONTEXT,
};
use cmdai_test_support::random_model::{Arch, RandomModel, WeightType};
use futures::executor::block_on;

/// Token ids of a prompt over the random models' 256-token vocabulary: repeats, both ends of
/// the table, and ids out of order (the embedding gathers them from any shard).
const PROMPT: [u32; 20] = [3, 200, 17, 17, 255, 0, 91, 128, 4, 250, 63, 64, 65, 7, 199, 1, 254, 33, 17, 100];

fn load(model: &RandomModel, weights: WeightType, device: &Device, options: LoadOptions) -> Transformer {
    let bytes = model.gguf(weights);
    let gguf = block_on(GgufFile::read(&bytes)).expect("parse the random model");
    block_on(load_gguf_with(&gguf, &bytes, device, options, |_| {})).expect("load the random model")
}

/// Logits at every position from one batched forward pass.
fn batched(model: &Transformer, tokens: &[u32]) -> Vec<f32> {
    let mut cache = model.new_cache();
    block_on(read_logits(model.forward(tokens, &mut cache, Logits::All).unwrap())).unwrap()
}

/// Logits at every position, one token per forward pass (as decoding runs).
fn token_by_token(model: &Transformer, tokens: &[u32]) -> Vec<f32> {
    let mut cache = model.new_cache();
    tokens.iter().flat_map(|&t| block_on(read_logits(model.forward(&[t], &mut cache, Logits::Last).unwrap())).unwrap()).collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// The checks that hold on any device; `what` names the run in failures.
fn check_prefill_equals_decoding(device: &Device, what: &str, tolerance: f32) {
    for arch in [Arch::Llama, Arch::Qwen2] {
        for weights in [WeightType::F32, WeightType::Q8_0] {
            let model = load(&RandomModel::tiny(arch), weights, device, LoadOptions::default());
            let (all, one_by_one) = (batched(&model, &PROMPT), token_by_token(&model, &PROMPT));
            assert_eq!(all.len(), PROMPT.len() * 256);
            let gap = max_abs_diff(&all, &one_by_one);
            let spread = all.iter().fold(0f32, |m, x| m.max(x.abs()));
            println!("{what} {arch:?} {weights:?}: batched vs token by token max |Δlogit| {gap:.2e} (logits up to {spread:.2})");
            assert!(spread > 1.0, "random logits should not be flat");
            assert!(gap <= tolerance, "{what} {arch:?} {weights:?}: batched prefill differs from decoding by {gap}");
        }
    }
}

fn check_snapshot_round_trip(device: &Device, what: &str) {
    for arch in [Arch::Llama, Arch::Qwen2] {
        let model = load(&RandomModel::tiny(arch), WeightType::Q8_0, device, LoadOptions::default());
        let (prefix, rest) = PROMPT.split_at(12);
        let mut cache = model.new_cache();
        model.forward(prefix, &mut cache, Logits::Last).unwrap();
        let bytes = block_on(model.save_cache(&cache)).unwrap();

        let mut restored = model.load_cache(&bytes).expect("a snapshot of this model loads");
        assert_eq!(restored.len(), prefix.len());
        let expected = block_on(read_logits(model.forward(rest, &mut cache, Logits::All).unwrap())).unwrap();
        let got = block_on(read_logits(model.forward(rest, &mut restored, Logits::All).unwrap())).unwrap();
        assert_eq!(got, expected, "{what} {arch:?}: a restored cache continues exactly like the original");

        // The same bytes again after a round trip, and clear errors for damaged or foreign ones.
        let mut again = model.new_cache();
        model.forward(prefix, &mut again, Logits::Last).unwrap();
        assert_eq!(block_on(model.save_cache(&again)).unwrap(), bytes);
        assert!(matches!(model.load_cache(&bytes[..bytes.len() - 4]), Err(SnapshotError::Length { .. })));
        assert!(matches!(model.load_cache(b"nope"), Err(SnapshotError::BadMagic)));
        let other = load(&RandomModel { kv_heads: 1, ..RandomModel::tiny(arch) }, WeightType::F32, device, LoadOptions::default());
        assert!(matches!(other.load_cache(&bytes), Err(SnapshotError::WrongModel)));
    }
}

/// Matrices split into buffers of a few rows (dense: three; quantized: a few more, the same
/// bytes) compute what whole ones do: products, the embedding's gathers across buffers, and
/// on a GPU the dequantized tiles of prefill.
fn check_tiny_shards(device: &Device, what: &str, tolerance: f32) {
    let tiny_shards = LoadOptions { max_binding_bytes: 3 * 64 * 4, ..LoadOptions::default() };
    for arch in [Arch::Llama, Arch::Qwen2] {
        for weights in [WeightType::F32, WeightType::Q8_0] {
            let random = RandomModel::tiny(arch);
            let whole = load(&random, weights, device, LoadOptions::default());
            let sharded = load(&random, weights, device, tiny_shards);
            let gap = max_abs_diff(&batched(&whole, &PROMPT), &batched(&sharded, &PROMPT));
            let decode_gap = max_abs_diff(&token_by_token(&whole, &PROMPT[..4]), &token_by_token(&sharded, &PROMPT[..4]));
            println!("{what} {arch:?} {weights:?}: sharded vs whole max |Δlogit| {gap:.2e} (prefill), {decode_gap:.2e} (decoding)");
            assert!(gap <= tolerance && decode_gap <= tolerance, "{what} {arch:?} {weights:?}: sharding changed the logits");
        }
    }
}

/// The plan counts what the loader uploads, and a budget one byte short of it refuses the model
/// before any tensor is read; the plan itself fits.
fn check_memory_budget(device: &Device, on_gpu: bool, what: &str) {
    for weights in [WeightType::F32, WeightType::Q8_0] {
        let bytes = RandomModel::tiny(Arch::Qwen2).gguf(weights);
        let gguf = block_on(GgufFile::read(&bytes)).unwrap();
        let vocab = gguf.require_tensor("token_embd.weight").unwrap().shape()[0];
        let config = ModelConfig::from_gguf(&gguf.metadata, vocab, gguf.tensor("output.weight").is_none()).unwrap();
        let plan = MemoryPlan::for_gguf(&gguf, &config, on_gpu, &LoadOptions::default(), PLANNED_CONTEXT);
        let vectors: u64 = gguf.tensors.iter().filter(|t| t.dims.len() == 1).map(|t| t.n_elements * 4).sum();
        let with_budget = |bytes| LoadOptions { memory_budget: Some(MemoryBudget { bytes, source: "a test" }), ..LoadOptions::default() };

        let model =
            block_on(load_gguf_with(&gguf, &bytes, device, with_budget(plan.total()), |_| {})).expect("the plan fits its own total");
        assert_eq!(plan.weights, model.weight_bytes() as u64 + vectors, "{what} {weights:?}: planned weights are the loaded ones");
        assert_eq!(plan.kv_cache, config.kv_bytes_per_token() * PLANNED_CONTEXT.min(config.context_length) as u64);
        assert!(plan.scratch > 0);

        let mut tensors_read = 0;
        let refused = block_on(load_gguf_with(&gguf, &bytes, device, with_budget(plan.total() - 1), |_| tensors_read += 1));
        match refused {
            Err(ModelError::DoesNotFit(d)) => {
                assert_eq!(d.plan, plan);
                println!("{what} {weights:?}: refused: {d}");
            }
            other => panic!("{what} {weights:?}: expected a refusal, got {:?}", other.map(|_| ())),
        }
        assert_eq!(tensors_read, 0, "{what}: a refused model loads nothing");
    }
}

#[test]
fn a_model_over_its_memory_budget_is_refused_on_the_cpu() {
    check_memory_budget(&Device::flex(), false, "cpu");
}

#[test]
fn prefill_equals_decoding_on_the_cpu() {
    check_prefill_equals_decoding(&Device::flex(), "cpu", 1e-4);
}

#[test]
fn kv_snapshots_round_trip_on_the_cpu() {
    check_snapshot_round_trip(&Device::flex(), "cpu");
}

#[test]
fn row_sharding_with_tiny_shards_on_the_cpu() {
    check_tiny_shards(&Device::flex(), "cpu", 1e-4);
}

/// Every device check on one GPU (lavapipe in CI), in one test so kernels compile once.
#[test]
fn the_same_on_wgpu() {
    let gpu = block_on(select_device(BackendChoice::Gpu)).expect("a wgpu adapter (lavapipe in CI)");
    println!("device: {}", gpu.description);
    check_prefill_equals_decoding(&gpu.device, "wgpu", 1e-4);
    check_snapshot_round_trip(&gpu.device, "wgpu");
    check_tiny_shards(&gpu.device, "wgpu", 1e-4);
    check_memory_budget(&gpu.device, true, "wgpu");
}

/// llama.cpp stores Llama Q/K rows with RoPE pairs interleaved; the loader permutes them back
/// to the checkpoint's rotate-half order. The same weights from a Hugging Face checkpoint (no
/// permutation) must give the same logits.
#[test]
fn undoing_interleaved_rope_at_load_changes_nothing() {
    for arch in [Arch::Llama, Arch::Qwen2] {
        let random = RandomModel::tiny(arch);
        let from_gguf = load(&random, WeightType::F32, &Device::flex(), LoadOptions::default());
        let (config, weights) = random.hf_checkpoint();
        let shards = [(block_on(SafetensorsFile::read(&weights)).unwrap(), weights.as_slice())];
        let from_hf = block_on(load_safetensors(&config, &shards, &Device::flex(), |_| {})).unwrap();
        let gap = max_abs_diff(&batched(&from_gguf, &PROMPT), &batched(&from_hf, &PROMPT));
        println!("{arch:?}: GGUF vs Hugging Face layout max |Δlogit| {gap:.2e}");
        assert!(gap <= 1e-4, "{arch:?}: the GGUF layout changed the logits by {gap}");
    }
}
