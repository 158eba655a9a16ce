//! The GGUF reader: well-formed files in both versions, every value type, and a catalogue of
//! corruptions that must each give an error (never a panic or a huge allocation).

use cmdai_engine::gguf::{GgufError, GgufFile, Value};
use cmdai_engine::quant::GgmlType;
use cmdai_test_support::gguf_writer::{f32_bytes, gguf_string, GgufWriter};
use cmdai_test_support::models;
use futures::executor::block_on;

fn sample() -> GgufWriter {
    let mut nested = 9u32.to_le_bytes().to_vec(); // array of arrays
    nested.extend(2u64.to_le_bytes());
    for row in [[1u8, 2], [3, 4]] {
        nested.extend(0u32.to_le_bytes()); // of u8
        nested.extend(2u64.to_le_bytes());
        nested.extend(row);
    }
    let mut strings = 8u32.to_le_bytes().to_vec();
    strings.extend(2u64.to_le_bytes());
    strings.extend(gguf_string("a"));
    strings.extend(gguf_string("é✓"));
    GgufWriter::new(3)
        .kv("general.architecture", 8, &gguf_string("llama"))
        .kv("u8", 0, &[200])
        .kv("i8", 1, &[0xff])
        .kv("u16", 2, &60000u16.to_le_bytes())
        .kv("i16", 3, &(-2i16).to_le_bytes())
        .kv("u32", 4, &7u32.to_le_bytes())
        .kv("i32", 5, &(-7i32).to_le_bytes())
        .kv("f32", 6, &1.5f32.to_le_bytes())
        .kv("bool", 7, &[1])
        .kv("u64", 10, &u64::MAX.to_le_bytes())
        .kv("i64", 11, &i64::MIN.to_le_bytes())
        .kv("f64", 12, &0.25f64.to_le_bytes())
        .kv("nested", 9, &nested)
        .kv("strings", 9, &strings)
        .tensor("a", &[4, 2], 0, f32_bytes(&[1., 2., 3., 4., 5., 6., 7., 8.]))
        .tensor("b", &[3], 0, f32_bytes(&[-1., 0., 1.]))
}

fn parse(bytes: &[u8]) -> Result<GgufFile, GgufError> {
    block_on(GgufFile::read(&bytes))
}

#[test]
fn reads_every_value_type_and_tensor() {
    for version in [2, 3] {
        let mut w = sample();
        w.version = version;
        let f = parse(&w.bytes()).unwrap();
        let m = &f.metadata;
        assert_eq!(f.version, version);
        assert_eq!(f.architecture(), Some("llama"));
        assert_eq!(m.get("u8"), Some(&Value::U8(200)));
        assert_eq!(m.get("i8"), Some(&Value::I8(-1)));
        assert_eq!(m.get("u16"), Some(&Value::U16(60000)));
        assert_eq!(m.get("i16"), Some(&Value::I16(-2)));
        assert_eq!(m.get_u64("u32"), Some(7));
        assert_eq!(m.get("i32"), Some(&Value::I32(-7)));
        assert_eq!(m.get_f64("f32"), Some(1.5));
        assert_eq!(m.get_bool("bool"), Some(true));
        assert_eq!(m.get_u64("u64"), Some(u64::MAX));
        assert_eq!(m.get("i64"), Some(&Value::I64(i64::MIN)));
        assert_eq!(m.get_f64("f64"), Some(0.25));
        let nested = m.get_array("nested").unwrap();
        assert_eq!(nested[1], Value::Array(vec![Value::U8(3), Value::U8(4)]));
        assert_eq!(m.get_array("strings").unwrap()[1].as_str(), Some("é✓"));

        let a = f.tensor("a").unwrap();
        assert_eq!((a.dims.clone(), a.shape(), a.ty, a.n_bytes), (vec![4, 2], vec![2, 4], GgmlType::F32, 32));
        assert_eq!(block_on(f.tensor_f32(&w.bytes(), f.tensor("b").unwrap())).unwrap(), vec![-1., 0., 1.]);
        assert_eq!(f.data_offset % 32, 0);
    }
}

#[test]
fn honours_general_alignment() {
    let mut w = sample().kv("general.alignment", 4, &64u32.to_le_bytes());
    w.alignment = 64;
    let bytes = w.bytes();
    let f = parse(&bytes).unwrap();
    assert_eq!(f.alignment, 64);
    assert_eq!(f.data_offset % 64, 0);
    assert_eq!(block_on(f.tensor_f32(&bytes, f.tensor("b").unwrap())).unwrap(), vec![-1., 0., 1.]);

    let bad = sample().kv("general.alignment", 4, &48u32.to_le_bytes()).bytes();
    assert!(matches!(parse(&bad), Err(GgufError::Corrupt(_))));
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample().bytes();
    for len in 0..bytes.len() {
        assert!(parse(&bytes[..len]).is_err(), "prefix of {len} bytes was accepted");
    }
}

#[test]
fn rejects_corrupt_headers() {
    let ok = sample().bytes();

    let mut bad = ok.clone();
    bad[0] = b'X';
    assert!(matches!(parse(&bad), Err(GgufError::BadMagic(_))));

    for version in [1u32, 4, 0x0300_0000] {
        let mut bad = ok.clone();
        bad[4..8].copy_from_slice(&version.to_le_bytes());
        assert!(matches!(parse(&bad), Err(GgufError::UnsupportedVersion(v)) if v == version));
    }

    // Forged counts must not allocate: a billion tensors in a tiny file.
    let mut bad = ok.clone();
    bad[8..16].copy_from_slice(&1_000_000_000u64.to_le_bytes());
    assert!(matches!(parse(&bad), Err(GgufError::Corrupt(_))));

    let unknown_type = GgufWriter::new(3).tensor("x", &[4], 9999, vec![0; 16]).bytes();
    assert!(matches!(parse(&unknown_type), Err(GgufError::UnknownTensorType { id: 9999, .. })));

    let duplicate = GgufWriter::new(3).tensor("x", &[4], 0, vec![0; 16]).tensor("x", &[4], 0, vec![0; 16]).bytes();
    assert!(matches!(parse(&duplicate), Err(GgufError::DuplicateTensor(_))));

    let duplicate_key = GgufWriter::new(3).kv("k", 4, &[0; 4]).kv("k", 4, &[0; 4]).bytes();
    assert!(matches!(parse(&duplicate_key), Err(GgufError::DuplicateKey(_))));

    let overflow = GgufWriter::new(3).tensor("x", &[u64::MAX, 4], 0, vec![]).bytes();
    assert!(matches!(parse(&overflow), Err(GgufError::Corrupt(_))));

    let too_many_dims = GgufWriter::new(3).tensor("x", &[1, 1, 1, 1, 1], 0, vec![0; 4]).bytes();
    assert!(matches!(parse(&too_many_dims), Err(GgufError::Corrupt(_))));

    // A Q4_0 row must be a whole number of 32-element blocks.
    let partial_block = GgufWriter::new(3).tensor("x", &[16], 2, vec![0; 18]).bytes();
    assert!(matches!(parse(&partial_block), Err(GgufError::Corrupt(_))));

    let past_end = GgufWriter::new(3).tensor("x", &[1024], 0, vec![0; 16]).bytes();
    assert!(matches!(parse(&past_end), Err(GgufError::Truncated(_))));

    let mut huge_string = b"GGUF".to_vec();
    huge_string.extend(3u32.to_le_bytes());
    huge_string.extend(0u64.to_le_bytes());
    huge_string.extend(1u64.to_le_bytes());
    huge_string.extend((u64::MAX - 3).to_le_bytes());
    assert!(matches!(parse(&huge_string), Err(GgufError::Truncated(_))));

    let mut huge_array = 0u32.to_le_bytes().to_vec();
    huge_array.extend(u64::MAX.to_le_bytes());
    let bad = GgufWriter::new(3).kv("arr", 9, &huge_array).bytes();
    assert!(matches!(parse(&bad), Err(GgufError::Truncated(_))));

    let bad_bool = GgufWriter::new(3).kv("b", 7, &[2]).bytes();
    assert!(matches!(parse(&bad_bool), Err(GgufError::Corrupt(_))));

    let bad_utf8 = GgufWriter::new(3).kv("s", 8, &[2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe]).bytes();
    assert!(matches!(parse(&bad_utf8), Err(GgufError::Corrupt(_))));

    let mut deep = vec![];
    for _ in 0..20 {
        deep.extend(9u32.to_le_bytes());
        deep.extend(1u64.to_le_bytes());
    }
    deep.extend(0u32.to_le_bytes());
    deep.extend(0u64.to_le_bytes());
    let bad = GgufWriter::new(3).kv("deep", 9, &deep).bytes();
    assert!(matches!(parse(&bad), Err(GgufError::Corrupt(_))));
}

/// Deterministic mutation fuzzing in every test run (the cargo-fuzz target in fuzz/ goes deeper).
#[test]
fn random_mutations_never_panic() {
    let original = sample().bytes();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut bytes = original.clone();
        for _ in 0..1 + next() % 4 {
            let i = (next() % bytes.len() as u64) as usize;
            bytes[i] = match next() % 3 {
                0 => next() as u8,
                1 => 0xff,
                _ => 0,
            };
        }
        if let Ok(f) = parse(&bytes) {
            for t in &f.tensors {
                let _ = block_on(f.tensor_f32(&bytes, t));
            }
        }
    }
}

#[test]
fn reads_real_model_headers() {
    for (file, arch, n_tensors) in [(models::SMOLLM2, "llama", 272), (models::QWEN05, "qwen2", 291)] {
        let path = models::test_model_path(file);
        let bytes = std::fs::read(&path).unwrap();
        let f = parse(&bytes).unwrap();
        assert_eq!(f.architecture(), Some(arch));
        assert_eq!(f.tensors.len(), n_tensors, "{file}");
        assert!(f.metadata.get_array("tokenizer.ggml.tokens").unwrap().len() > 49_000);
        let last = f.tensors.iter().max_by_key(|t| t.offset).unwrap();
        assert_eq!(f.data_offset + last.offset + last.n_bytes, f.file_size, "{file}: tensor data reaches the end");
    }
}
