//! Loading from safetensors + config.json: a real model converted in memory from its GGUF file
//! to the Hugging Face layout (names, rotate-half Q/K rows, F32 or BF16 data) must give the
//! same predictions as the GGUF path (whose quantized matmuls round activations to 8 bits).

use burn::tensor::Device;
use cmdai_engine::generate::read_logits;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::safetensors::SafetensorsFile;
use cmdai_engine::model::{load_gguf, load_safetensors, Logits};
use cmdai_test_support::models;
use cmdai_test_support::safetensors_writer::{hf_tensor_name, safetensors_bytes, to_rotate_half};
use futures::executor::block_on;
use serde_json::json;

#[test]
fn safetensors_checkpoint_matches_gguf() {
    let bytes = models::read_model(models::SMOLLM2);
    let gguf = block_on(GgufFile::read(&bytes)).unwrap();
    let device = Device::flex();
    let m = &gguf.metadata;
    let head_dim = 576 / 9;

    let mut tensors = Vec::new();
    for info in &gguf.tensors {
        let mut data = block_on(gguf.tensor_f32(&bytes, info)).unwrap();
        if info.name.contains("attn_q.weight") || info.name.contains("attn_k.weight") {
            data = to_rotate_half(&data, info.shape()[1], head_dim);
        }
        tensors.push((hf_tensor_name(&info.name), info.shape(), data));
    }
    let config = json!({
        "model_type": "llama",
        "hidden_size": m.get_u64("llama.embedding_length"),
        "num_hidden_layers": m.get_u64("llama.block_count"),
        "num_attention_heads": m.get_u64("llama.attention.head_count"),
        "num_key_value_heads": m.get_u64("llama.attention.head_count_kv"),
        "intermediate_size": m.get_u64("llama.feed_forward_length"),
        "rms_norm_eps": m.get_f64("llama.attention.layer_norm_rms_epsilon"),
        "rope_theta": m.get_f64("llama.rope.freq_base"),
        "max_position_embeddings": m.get_u64("llama.context_length"),
        "vocab_size": 49152,
        "tie_word_embeddings": true,
    });
    let config = serde_json::to_vec(&config).unwrap();

    let prompt: Vec<u32> = vec![1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407];
    let logits_of = |model: &cmdai_engine::model::Transformer| {
        let mut cache = model.new_cache();
        block_on(read_logits(model.forward(&prompt, &mut cache, Logits::All).unwrap())).unwrap()
    };
    let reference = logits_of(&block_on(load_gguf(&gguf, &bytes, &device, |_| {})).unwrap());

    for bf16 in [false, true] {
        // Two shards, as big checkpoints come, split at an arbitrary tensor.
        let (first, second) = tensors.split_at(100);
        let shards: Vec<(SafetensorsFile, Vec<u8>)> = [first, second]
            .into_iter()
            .map(|part| {
                let file = safetensors_bytes(part, bf16);
                (parse(&file).unwrap(), file)
            })
            .collect();
        let model = block_on(load_safetensors(&config, &shards, &device, |_| {})).unwrap();
        let logits = logits_of(&model);
        let worst = logits.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        let mean = logits.iter().zip(&reference).map(|(a, b)| (a - b).abs()).sum::<f32>() / logits.len() as f32;
        let vocab = model.config.vocab_size;
        let top1 = |l: &[f32]| l.chunks(vocab).map(cmdai_engine::generate::argmax).collect::<Vec<_>>();
        let same_top1 = top1(&logits).iter().zip(top1(&reference)).filter(|(a, b)| **a == *b).count();
        println!("bf16={bf16}: logit difference mean {mean} max {worst}; same top-1 at {same_top1} of {} positions", prompt.len());
        // The GGUF model multiplies 8-bit activations with its quantized blocks, the
        // safetensors one f32 activations with f32 (or bf16-rounded) weights: the numbers
        // differ by that rounding only, far less than any misplaced or mistransposed tensor.
        assert_eq!(same_top1, prompt.len(), "bf16={bf16}: top-1 differs");
        assert!(mean < 0.5, "bf16={bf16}: logits differ by {mean} on average");
    }
}

fn parse(bytes: &[u8]) -> Result<SafetensorsFile, cmdai_engine::model::safetensors::SafetensorsError> {
    block_on(SafetensorsFile::read(&bytes))
}

#[test]
fn corrupt_safetensors_headers_are_errors() {
    let good = safetensors_bytes(&[("w".into(), vec![2, 2], vec![1., 2., 3., 4.])], false);
    assert!(parse(&good).is_ok());
    assert!(parse(&good[..good.len() - 1]).is_err(), "data cut short");
    assert!(parse(&good[..4]).is_err(), "no header length");
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(parse(&huge).is_err(), "header length past the end");
    let mut not_json = good.clone();
    not_json[8] = b'!';
    assert!(parse(&not_json).is_err(), "header is not JSON");
    let wrong_shape = safetensors_bytes(&[("w".into(), vec![2, 2], vec![1., 2., 3.])], false);
    assert!(parse(&wrong_shape).is_err(), "shape and byte range disagree");
}
