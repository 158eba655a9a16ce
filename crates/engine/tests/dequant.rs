//! Bit-exact dequantization against golden vectors produced by gguf-py's numpy dequantizers
//! (scripts/golden-dequant/make_vectors.py writes tests/golden/dequant/vectors.json).

use cmdai_engine::quant::{dequantize, GgmlType};

const VECTORS: &str = include_str!("../../../tests/golden/dequant/vectors.json");

struct Case {
    ty: GgmlType,
    data: Vec<u8>,
    expected: Vec<u32>,
}

fn hex_bytes(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hex_words(s: &str) -> Vec<u32> {
    assert!(s.len().is_multiple_of(8), "hex length not a multiple of 8");
    (0..s.len()).step_by(8).map(|i| u32::from_str_radix(&s[i..i + 8], 16).unwrap()).collect()
}

fn cases() -> Vec<Case> {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors.json parses");
    let cases = doc["cases"].as_array().expect("cases array");
    cases
        .iter()
        .map(|c| {
            let id = c["id"].as_u64().unwrap() as u32;
            let ty = GgmlType::from_id(id).unwrap_or_else(|| panic!("unknown id {id}"));
            assert_eq!(ty.name(), c["type"].as_str().unwrap(), "id {id}");
            let data = hex_bytes(c["data"].as_str().unwrap());
            let expected = hex_words(c["expected"].as_str().unwrap());
            assert_eq!(expected.len() as u64, c["elements"].as_u64().unwrap());
            Case { ty, data, expected }
        })
        .collect()
}

/// Describes how `got` differs from `want`, or `None` if every bit matches.
fn bits_mismatch(ty: GgmlType, got: &[f32], want: &[u32], context: &str) -> Option<String> {
    assert_eq!(got.len(), want.len());
    let bad: Vec<usize> = (0..want.len()).filter(|&i| got[i].to_bits() != want[i]).collect();
    let &i = bad.first()?;
    Some(format!(
        "{ty} {context}: {} of {} elements differ; first at {i}: got {} ({:#010x}), want {} ({:#010x})",
        bad.len(),
        want.len(),
        got[i],
        got[i].to_bits(),
        f32::from_bits(want[i]),
        want[i],
    ))
}

#[test]
fn golden_vectors_match_gguf_py_bit_for_bit() {
    let mut failures = Vec::new();
    for case in cases() {
        assert_eq!(case.ty.bytes_for(case.expected.len() as u64), Some(case.data.len() as u64));
        let mut out = vec![f32::NAN; case.expected.len()];
        dequantize(case.ty, &case.data, &mut out).unwrap();
        failures.extend(bits_mismatch(case.ty, &out, &case.expected, "whole tensor"));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every decodable type has golden coverage.
#[test]
fn golden_vectors_cover_every_supported_type() {
    let cases = cases();
    for ty in GgmlType::ALL.into_iter().filter(|t| t.can_dequantize()) {
        let n: usize = cases.iter().filter(|c| c.ty == ty).map(|c| c.expected.len()).sum();
        assert!(n >= 4 * ty.block_len(), "{ty}: only {n} golden elements");
    }
}

/// Blocks decode independently: splitting a tensor on block boundaries (as a parallel caller
/// would) gives the same bits.
#[test]
fn block_by_block_matches_whole_tensor() {
    let mut failures = Vec::new();
    for case in cases() {
        let (bl, bb) = (case.ty.block_len(), case.ty.block_bytes());
        let mut out = vec![f32::NAN; bl];
        for (i, (block, want)) in case.data.chunks(bb).zip(case.expected.chunks(bl)).enumerate() {
            dequantize(case.ty, block, &mut out).unwrap();
            if let Some(f) = bits_mismatch(case.ty, &out, want, &format!("block {i}")) {
                failures.push(f);
                break; // one report per type is enough
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Throughput on synthetic tensors built from the golden blocks: 1 MiB of input (output stays
/// in cache: decode speed) and 64 MiB (output streams to memory: what model load sees). Run:
/// `cargo test --release -p cmdai-engine --test dequant -- --ignored --nocapture throughput`
#[test]
#[ignore]
fn throughput() {
    let cases = cases();
    for ty in [GgmlType::Q4K, GgmlType::Q6K, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::F16] {
        let seed = cases.iter().find(|c| c.ty == ty).unwrap();
        for mib in [1, 64] {
            let blocks = (mib << 20) / ty.block_bytes();
            let data: Vec<u8> = seed.data.iter().copied().cycle().take(blocks * ty.block_bytes()).collect();
            let mut out = vec![0f32; blocks * ty.block_len()];
            dequantize(ty, &data, &mut out).unwrap(); // warm up: page faults, caches
            let reps = 256 / mib;
            let start = std::time::Instant::now();
            for _ in 0..reps {
                dequantize(ty, std::hint::black_box(&data), &mut out).unwrap();
                std::hint::black_box(&mut out);
            }
            let secs = start.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{ty:>5} {mib:>2} MiB: {:6.0} MB/s of quantized input, {:5.0} M elements/s",
                data.len() as f64 / 1e6 / secs,
                out.len() as f64 / 1e6 / secs
            );
        }
    }
}
