//! Type-table and error-path tests. Bit-exact decoding is checked against gguf-py's golden
//! vectors in `tests/dequant.rs`.

use super::*;

#[test]
fn ids_round_trip_and_are_unique() {
    for (i, ty) in GgmlType::ALL.iter().enumerate() {
        assert_eq!(GgmlType::from_id(ty.id()), Some(*ty), "{ty}");
        for other in &GgmlType::ALL[i + 1..] {
            assert_ne!(ty.id(), other.id());
            assert_ne!(ty.name(), other.name());
        }
    }
    // ALL is in id order.
    assert!(GgmlType::ALL.windows(2).all(|w| w[0].id() < w[1].id()));
}

#[test]
fn retired_and_unknown_ids_are_rejected() {
    for id in [4, 5, 31, 32, 33, 36, 37, 38, 42, 1000, u32::MAX] {
        assert_eq!(GgmlType::from_id(id), None, "id {id}");
    }
}

#[test]
fn known_ids_names_and_sizes() {
    // (id, name, block_len, block_bytes) from ggml.h / ggml-common.h.
    let expected = [
        (0, "F32", 1, 4),
        (1, "F16", 1, 2),
        (2, "Q4_0", 32, 18),
        (3, "Q4_1", 32, 20),
        (6, "Q5_0", 32, 22),
        (7, "Q5_1", 32, 24),
        (8, "Q8_0", 32, 34),
        (9, "Q8_1", 32, 36),
        (10, "Q2_K", 256, 84),
        (11, "Q3_K", 256, 110),
        (12, "Q4_K", 256, 144),
        (13, "Q5_K", 256, 176),
        (14, "Q6_K", 256, 210),
        (15, "Q8_K", 256, 292),
        (16, "IQ2_XXS", 256, 66),
        (17, "IQ2_XS", 256, 74),
        (18, "IQ3_XXS", 256, 98),
        (19, "IQ1_S", 256, 50),
        (20, "IQ4_NL", 32, 18),
        (21, "IQ3_S", 256, 110),
        (22, "IQ2_S", 256, 82),
        (23, "IQ4_XS", 256, 136),
        (24, "I8", 1, 1),
        (25, "I16", 1, 2),
        (26, "I32", 1, 4),
        (27, "I64", 1, 8),
        (28, "F64", 1, 8),
        (29, "IQ1_M", 256, 56),
        (30, "BF16", 1, 2),
        (34, "TQ1_0", 256, 54),
        (35, "TQ2_0", 256, 66),
        (39, "MXFP4", 32, 17),
        (40, "NVFP4", 64, 36),
        (41, "Q1_0", 128, 18),
    ];
    assert_eq!(expected.len(), GgmlType::ALL.len());
    for (id, name, block_len, block_bytes) in expected {
        let ty = GgmlType::from_id(id).unwrap();
        assert_eq!(ty.name(), name);
        assert_eq!(ty.to_string(), name);
        assert_eq!(ty.block_len(), block_len, "{name}");
        assert_eq!(ty.block_bytes(), block_bytes, "{name}");
    }
}

#[test]
fn bytes_for() {
    assert_eq!(GgmlType::Q4K.bytes_for(0), Some(0));
    assert_eq!(GgmlType::Q4K.bytes_for(256), Some(144));
    assert_eq!(GgmlType::Q4K.bytes_for(896 * 4864), Some(896 * 4864 / 256 * 144));
    assert_eq!(GgmlType::Q4K.bytes_for(255), None);
    assert_eq!(GgmlType::Q4K.bytes_for(257), None);
    assert_eq!(GgmlType::Q8_0.bytes_for(64), Some(68));
    assert_eq!(GgmlType::F32.bytes_for(3), Some(12));
    assert_eq!(GgmlType::BF16.bytes_for(3), Some(6));
    // Overflow is None, not a wrapped size.
    assert_eq!(GgmlType::F32.bytes_for(u64::MAX), None);
    assert_eq!(GgmlType::I8.bytes_for(u64::MAX), Some(u64::MAX));
    assert_eq!(GgmlType::Q8_0.bytes_for(u64::MAX / 32 * 32), None); // 2^59 blocks * 34 bytes
    assert_eq!(GgmlType::Q4_0.bytes_for(u64::MAX / 32 * 32), Some((u64::MAX / 32) * 18));
}

#[test]
fn unsupported_types_are_errors() {
    for ty in GgmlType::ALL.into_iter().filter(|t| !t.can_dequantize()) {
        let mut out = vec![0f32; ty.block_len()];
        let data = vec![0u8; ty.block_bytes()];
        assert_eq!(dequantize(ty, &data, &mut out), Err(QuantError::Unsupported(ty)));
    }
    for ty in [GgmlType::Q4K, GgmlType::F16, GgmlType::IQ4NL] {
        assert!(ty.can_dequantize());
    }
}

#[test]
fn wrong_lengths_are_errors_and_leave_out_untouched() {
    let ty = GgmlType::Q4K;
    let mut out = vec![7.0f32; 512];
    let err = dequantize(ty, &[0u8; 144], &mut out).unwrap_err();
    assert_eq!(err, QuantError::BadLength { ty, elements: 512, expected: 288, actual: 144 });
    assert!(err.to_string().contains("288"));
    let err = dequantize(ty, &[0u8; 289], &mut out).unwrap_err();
    assert!(matches!(err, QuantError::BadLength { expected: 288, actual: 289, .. }));
    assert!(out.iter().all(|&v| v == 7.0));

    let mut out = vec![0f32; 100];
    let err = dequantize(ty, &[0u8; 144], &mut out).unwrap_err();
    assert_eq!(err, QuantError::NotBlockMultiple { ty, elements: 100, block_len: 256 });
}

/// Every length combination either decodes or errors; none panics.
#[test]
fn no_panics_on_any_length() {
    for ty in GgmlType::ALL.into_iter().filter(|t| t.can_dequantize()) {
        let (bl, bb) = (ty.block_len(), ty.block_bytes());
        for blocks in 0..3 {
            for out_len in [blocks * bl, blocks * bl + 1, (blocks * bl).saturating_sub(1)] {
                let mut out = vec![0f32; out_len];
                for data_len in [blocks * bb, blocks * bb + 1, (blocks * bb).saturating_sub(1)] {
                    let data: Vec<u8> = (0..data_len).map(|i| (i * 37 + 11) as u8).collect();
                    let ok = out_len % bl == 0 && data_len == out_len / bl * bb;
                    assert_eq!(dequantize(ty, &data, &mut out).is_ok(), ok, "{ty} {out_len} {data_len}");
                }
            }
        }
    }
}

fn f16_bytes(v: f32) -> [u8; 2] {
    half::f16::from_f32(v).to_le_bytes()
}

#[test]
fn floats() {
    let mut out = [0f32; 2];
    dequantize(GgmlType::F32, &[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], &mut out).unwrap();
    assert_eq!(out, [1.0, -2.0]);
    let mut data = f16_bytes(0.5).to_vec();
    data.extend(f16_bytes(-3.0));
    dequantize(GgmlType::F16, &data, &mut out).unwrap();
    assert_eq!(out, [0.5, -3.0]);
    dequantize(GgmlType::BF16, &[0x80, 0x3f, 0x40, 0xc0], &mut out).unwrap();
    assert_eq!(out, [1.0, -3.0]);
}

#[test]
fn q4_0_and_q8_0_by_hand() {
    // Nibble j -> element j, high nibble -> element j + 16; value = d * (q - 8).
    let mut block = f16_bytes(0.5).to_vec();
    block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
    let mut out = [0f32; 32];
    dequantize(GgmlType::Q4_0, &block, &mut out).unwrap();
    for j in 0..16 {
        assert_eq!(out[j], 0.5 * (j as f32 - 8.0));
        assert_eq!(out[j + 16], 0.5 * (7.0 - j as f32));
    }

    let mut block = f16_bytes(-2.0).to_vec();
    block.extend((0..32).map(|j: i32| (j * 8 - 128) as i8 as u8));
    dequantize(GgmlType::Q8_0, &block, &mut out).unwrap();
    for (j, v) in out.iter().enumerate() {
        assert_eq!(*v, -2.0 * (j as f32 * 8.0 - 128.0));
    }
}

#[test]
fn q4_k_by_hand() {
    // d = 1, dmin = 0.5; sub-block i gets scale i + 1 and min i (both under 16, so only the
    // simple halves of the 12-byte packing are used for i < 4).
    let mut block = Vec::new();
    block.extend(f16_bytes(1.0));
    block.extend(f16_bytes(0.5));
    let mut scales = [0u8; 12];
    for i in 0..4 {
        scales[i] = i as u8 + 1;
        scales[i + 4] = i as u8;
        scales[i + 8] = (i as u8 + 5) | ((i as u8 + 4) << 4);
    }
    block.extend(scales);
    block.extend([0x3Au8; 128]); // low nibble 10, high nibble 3
    let mut out = [0f32; 256];
    dequantize(GgmlType::Q4K, &block, &mut out).unwrap();
    for (sb, sub) in out.chunks(32).enumerate() {
        let q = if sb % 2 == 0 { 10.0 } else { 3.0 };
        let want = (sb as f32 + 1.0) * q - 0.5 * sb as f32;
        assert!(sub.iter().all(|&v| v == want), "sub-block {sb}: {sub:?} != {want}");
    }
}

#[test]
fn table_constants_match_decoders() {
    assert_eq!(legacy::Q4_0_BYTES, 18);
    assert_eq!(k_quants::Q4K_BYTES, 144);
    assert_eq!(iq::IQ4XS_BYTES, 136);
    assert_eq!(ternary::TQ1_0_BYTES, 54);
    assert_eq!(fp4::NVFP4_BYTES, 36);
}

/// The vectorizable f16 widening agrees with `half` on every bit pattern, NaNs included.
#[test]
fn f16_widening_is_exact_for_all_patterns() {
    for h in 0..=u16::MAX {
        let want = half::f16::from_bits(h).to_f32().to_bits();
        assert_eq!(float::f16_bits_to_f32(h).to_bits(), want, "{h:#06x}");
    }
}

/// A deterministic pseudo-random byte pattern (xorshift).
pub(super) fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

/// Random blocks of `ty` holding `elements` values. Any bytes are valid quants, but f16
/// scales could be NaN or huge, so every scale field is set to 1/16 (0x2C00).
pub(super) fn random_blocks(ty: GgmlType, elements: usize, seed: u64) -> Vec<u8> {
    use GgmlType::*;
    let mut data = random_bytes(elements / ty.block_len() * ty.block_bytes(), seed);
    let scale_offsets: &[usize] = match ty {
        Q4K | Q5K | Q4_1 | Q5_1 => &[0, 2],
        Q2K => &[ty.block_bytes() - 4, ty.block_bytes() - 2],
        Q3K | Q6K => &[ty.block_bytes() - 2],
        Q8_0 | Q4_0 | Q5_0 | IQ4NL | F16 => &[0],
        _ => unreachable!("no test layout for {ty}"),
    };
    for block in data.chunks_exact_mut(ty.block_bytes()) {
        for &o in scale_offsets {
            block[o] = 0x00;
            block[o + 1] = 0x2C;
        }
    }
    data
}

/// Activations that 8-bit quantization represents exactly: quarter-integers whose every
/// 32-value run reaches ±127/4, so each run's scale is 1/4 (and so is each 256-value run's).
/// Integer kernels must then agree with the f32 product up to summation order.
pub(super) fn exact_activations(len: usize, seed: u64) -> Vec<f32> {
    random_bytes(len, seed)
        .iter()
        .enumerate()
        .map(|(i, &b)| if i % 32 == 5 { 127.0 / 4.0 } else { f32::from(i16::from(b % 255) - 127) / 4.0 })
        .collect()
}

/// A fused row kernel against the f64 dot product of the dequantized weights, on activations
/// that 8-bit quantization keeps exact: only summation order may differ.
pub(super) fn check_fused_row<A>(ty: GgmlType, cols: usize, quantize: fn(&[f32], &mut Vec<A>), row_dot: fn(&[u8], &[A]) -> f32) {
    for seed in 1..6 {
        let w = random_blocks(ty, cols, seed);
        let x = exact_activations(cols, seed + 100);
        let mut wf = vec![0f32; cols];
        dequantize(ty, &w, &mut wf).unwrap();
        let want: f64 = wf.iter().zip(&x).map(|(a, b)| *a as f64 * *b as f64).sum();
        let magnitude: f64 = wf.iter().zip(&x).map(|(a, b)| (*a as f64 * *b as f64).abs()).sum();
        let mut xq = Vec::new();
        quantize(&x, &mut xq);
        let got = row_dot(&w, &xq) as f64;
        assert!((got - want).abs() <= 1e-5 * magnitude, "{ty}: {got} vs {want}");
    }
}
