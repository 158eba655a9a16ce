//! Hugging Face checkpoints written in memory: safetensors files, the GGUF → Hugging Face
//! tensor names, and the rotate-half Q/K row order of the original checkpoints.

use serde_json::json;

/// The Hugging Face name of a Llama/Qwen2 GGUF tensor name.
pub fn hf_tensor_name(gguf: &str) -> String {
    let fixed = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ];
    if let Some((_, hf)) = fixed.iter().find(|(g, _)| *g == gguf) {
        return hf.to_string();
    }
    let parts: Vec<&str> = gguf.splitn(4, '.').collect();
    let module = match parts[2] {
        "attn_norm" => "input_layernorm",
        "ffn_norm" => "post_attention_layernorm",
        "attn_q" => "self_attn.q_proj",
        "attn_k" => "self_attn.k_proj",
        "attn_v" => "self_attn.v_proj",
        "attn_output" => "self_attn.o_proj",
        "ffn_gate" => "mlp.gate_proj",
        "ffn_up" => "mlp.up_proj",
        "ffn_down" => "mlp.down_proj",
        other => panic!("unexpected tensor {other}"),
    };
    format!("model.layers.{}.{module}.{}", parts[1], parts[3])
}

/// llama.cpp's converter interleaves RoPE pairs in Q/K rows of Llama models; the original
/// checkpoint has row `i` and `i + d/2` as a pair. Undoes it per head of `head_dim` rows.
pub fn to_rotate_half(data: &[f32], cols: usize, head_dim: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(data.len());
    for head in data.chunks(head_dim * cols) {
        for parity in [0, 1] {
            for pair in 0..head_dim / 2 {
                let row = 2 * pair + parity;
                out.extend_from_slice(&head[row * cols..(row + 1) * cols]);
            }
        }
    }
    out
}

/// The inverse of [`to_rotate_half`]: what llama.cpp's converter writes for a Llama checkpoint.
pub fn to_interleaved(data: &[f32], cols: usize, head_dim: usize) -> Vec<f32> {
    let half = head_dim / 2;
    let mut out = Vec::with_capacity(data.len());
    for head in data.chunks(head_dim * cols) {
        for row in 0..head_dim {
            let src = (row % 2) * half + row / 2;
            out.extend_from_slice(&head[src * cols..(src + 1) * cols]);
        }
    }
    out
}

/// A safetensors file of `(name, shape, values)` tensors, stored as F32 or rounded to BF16.
pub fn safetensors_bytes(tensors: &[(String, Vec<usize>, Vec<f32>)], bf16: bool) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, shape, values) in tensors {
        let start = data.len();
        for v in values {
            if bf16 {
                data.extend_from_slice(&half::bf16::from_f32(*v).to_le_bytes());
            } else {
                data.extend_from_slice(&v.to_le_bytes());
            }
        }
        header
            .insert(name.clone(), json!({"dtype": if bf16 { "BF16" } else { "F32" }, "shape": shape, "data_offsets": [start, data.len()]}));
    }
    header.insert("__metadata__".into(), json!({"format": "pt"}));
    let mut header = serde_json::to_vec(&header).unwrap();
    while !header.len().is_multiple_of(8) {
        header.push(b' ');
    }
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_and_rotate_half_are_inverses() {
        // Two heads of dimension 4, one column.
        let hf: Vec<f32> = (0..8).map(|r| r as f32).collect();
        let gguf = to_interleaved(&hf, 1, 4);
        assert_eq!(gguf, vec![0., 2., 1., 3., 4., 6., 5., 7.]);
        assert_eq!(to_rotate_half(&gguf, 1, 4), hf);
    }
}
