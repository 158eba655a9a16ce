//! `cmdai-native model-info`: what a model file holds and what it needs to run.

use anyhow::Result;
use cmdai_engine::model::{LoadOptions, MemoryPlan, ModelConfig, PLANNED_CONTEXT};
use serde_json::json;

use crate::cli::ModelArgs;
use crate::loaded::ModelFile;

pub fn run(args: ModelArgs) -> Result<()> {
    let path = crate::models_cmd::model_path(&args)?;
    let file = ModelFile::open(&path)?;
    let g = &file.gguf;
    let meta = &g.metadata;
    let embedding = g.require_tensor("token_embd.weight")?;
    let vocab = embedding.shape().first().copied().unwrap_or(0);
    let config = ModelConfig::from_gguf(meta, vocab, g.tensor("output.weight").is_none())?;
    let params = g.parameter_count();
    // Both devices keep quantized matrices in their blocks (a GPU pads them to whole words);
    // vectors and float matrices are f32.
    let gpu = MemoryPlan::for_gguf(g, &config, true, &LoadOptions::default(), PLANNED_CONTEXT);
    let cpu = MemoryPlan::for_gguf(g, &config, false, &LoadOptions::default(), PLANNED_CONTEXT);
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
            "context_tokens": gpu.context_tokens,
            "kv_cache_bytes": gpu.kv_cache,
            "gpu_bytes": gpu.total(),
            "gpu_weight_bytes": gpu.weights,
            "gpu_scratch_bytes": gpu.scratch,
            "cpu_bytes": cpu.total(),
            "cpu_weight_bytes": cpu.weights,
            "cpu_scratch_bytes": cpu.scratch,
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
        "memory needed:  GPU {:.2} GiB (weights {:.2} GiB, working memory {:.2} GiB), \
         CPU {:.2} GiB (weights {:.2} GiB, working memory {:.2} GiB), each with a KV cache of {:.2} GiB at {} tokens",
        gib(gpu.total()),
        gib(gpu.weights),
        gib(gpu.scratch),
        gib(cpu.total()),
        gib(cpu.weights),
        gib(cpu.scratch),
        gib(gpu.kv_cache),
        gpu.context_tokens
    );
    Ok(())
}
