//! `cmdai-native model-info`: what a model file holds and what it needs to run.

use anyhow::Result;
use cmdai_engine::model::{gpu_weight_bytes, ModelConfig};
use cmdai_engine::quant::{GgmlType, QuantMatrix};
use serde_json::json;

use crate::cli::ModelArgs;
use crate::loaded::ModelFile;

/// Context assumed for the KV-cache estimate.
const ESTIMATE_CONTEXT: usize = 4096;

pub fn run(args: ModelArgs) -> Result<()> {
    let path = crate::models_cmd::model_path(&args)?;
    let file = ModelFile::open(&path)?;
    let g = &file.gguf;
    let meta = &g.metadata;
    let embedding = g.require_tensor("token_embd.weight")?;
    let vocab = embedding.shape().first().copied().unwrap_or(0);
    let config = ModelConfig::from_gguf(meta, vocab, g.tensor("output.weight").is_none())?;
    let params = g.parameter_count();
    let context = ESTIMATE_CONTEXT.min(config.context_length);
    let kv = config.kv_bytes_per_token() * context as u64;
    // Both devices keep quantized matrices in their blocks (a GPU pads them to whole words);
    // vectors and float matrices are f32.
    let weights_cpu: u64 = g
        .tensors
        .iter()
        .map(|t| if t.dims.len() == 2 && t.ty != GgmlType::F32 && QuantMatrix::supports(t.ty) { t.n_bytes } else { t.n_elements * 4 })
        .sum();
    let weights_gpu: u64 = g
        .tensors
        .iter()
        .map(|t| match t.shape()[..] {
            [rows, cols] if QuantMatrix::supports(t.ty) => gpu_weight_bytes(t.ty, rows, cols) as u64,
            _ => t.n_elements * 4,
        })
        .sum();
    let mix: Vec<_> = g
        .type_mix()
        .into_iter()
        .map(|(ty, n)| json!({"type": ty.name(), "elements": n, "share": n as f64 / params.max(1) as f64}))
        .collect();
    let info = json!({
        "file": path.display().to_string(),
        "file_bytes": g.file_size,
        "name": meta.get_str("general.name"),
        "architecture": config.arch.gguf_name,
        "parameters": params,
        "layers": config.n_layers,
        "hidden_size": config.hidden_size,
        "heads": config.n_heads,
        "kv_heads": config.n_kv_heads,
        "vocab_size": config.vocab_size,
        "context_length": config.context_length,
        "tied_embeddings": config.tied_embeddings,
        "tensor_types": mix,
        "tokenizer": {
            "model": meta.get_str("tokenizer.ggml.model"),
            "pre": meta.get_str("tokenizer.ggml.pre"),
        },
        "chat_template": meta.get_str("tokenizer.chat_template").is_some(),
        "memory": {
            "context_tokens": context,
            "kv_cache_bytes": kv,
            "gpu_bytes": weights_gpu + kv,
            "cpu_bytes": weights_cpu + kv,
        },
    });
    if args.json {
        println!("{info}");
        return Ok(());
    }
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    println!("name:           {}", meta.get_str("general.name").unwrap_or("(unnamed)"));
    println!("architecture:   {}", config.arch.gguf_name);
    println!("parameters:     {:.1} M", params as f64 / 1e6);
    println!(
        "shape:          {} layers, hidden {}, {} heads / {} KV heads, vocab {}",
        config.n_layers, config.hidden_size, config.n_heads, config.n_kv_heads, config.vocab_size
    );
    println!("context length: {}", config.context_length);
    let types: Vec<String> =
        g.type_mix().into_iter().map(|(ty, n)| format!("{} {:.1}%", ty.name(), 100.0 * n as f64 / params.max(1) as f64)).collect();
    println!("tensor types:   {}", types.join(", "));
    println!(
        "tokenizer:      {} (pre-tokenizer {})",
        meta.get_str("tokenizer.ggml.model").unwrap_or("?"),
        meta.get_str("tokenizer.ggml.pre").unwrap_or("default")
    );
    println!("chat template:  {}", if meta.get_str("tokenizer.chat_template").is_some() { "yes" } else { "no (ChatML used)" });
    println!("file size:      {:.2} GiB", gib(g.file_size));
    println!(
        "memory needed:  GPU {:.2} GiB (weights {:.2} GiB), CPU {:.2} GiB (weights {:.2} GiB), \
         each with a KV cache of {:.2} GiB at {} tokens",
        gib(weights_gpu + kv),
        gib(weights_gpu),
        gib(weights_cpu + kv),
        gib(weights_cpu),
        gib(kv),
        context
    );
    Ok(())
}
