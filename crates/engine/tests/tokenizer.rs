//! The tokenizer against llama.cpp: every corpus string must encode to llama.cpp's ids and decode to
//! llama.cpp's text, for each real test model; plus streaming, the tokenizer.json path, SentencePiece
//! on a small built vocabulary, and error cases.

use cmdai_test_support::models;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use cmdai_engine::gguf::{Metadata, Value};
use cmdai_engine::tokenizer::{TokenKind, Tokenizer, TokenizerError};
use serde_json::Value as Json;

fn metadata(model_file: &str) -> Metadata {
    models::model_metadata(model_file)
}

fn load(model_file: &str) -> Tokenizer {
    Tokenizer::from_gguf(&metadata(model_file)).expect("build tokenizer from GGUF")
}

fn smollm2() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| load(models::SMOLLM2))
}

fn qwen() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| load(models::QWEN05))
}

fn golden_for(model_file: &str) -> Json {
    let name = match model_file {
        models::SMOLLM2 => "smollm2-135m.json",
        models::QWEN05 => "qwen2.5-coder-0.5b.json",
        other => panic!("no golden file for {other}"),
    };
    let g = models::golden(name);
    assert_eq!(g["model_file"].as_str(), Some(model_file), "golden file {name} is for another model");
    g
}

fn ids_of(v: &Json) -> Vec<u32> {
    v.as_array().expect("id array").iter().map(|x| x.as_u64().expect("id") as u32).collect()
}

fn corpus() -> Vec<String> {
    let path = models::repo_root().join("tests/corpus/tokenizer.json");
    let text = std::fs::read_to_string(&path).expect("read corpus");
    serde_json::from_str(&text).expect("corpus is a JSON array of strings")
}

/// Every golden `tokenize` entry: text -> ids (no BOS, special tokens parsed).
fn check_tokenize(tok: &Tokenizer, model_file: &str) {
    let g = golden_for(model_file);
    let cases = g["tokenize"].as_array().expect("tokenize cases");
    assert_eq!(cases.len(), corpus().len(), "the golden file should cover the whole corpus");
    let mut failures = Vec::new();
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let want = ids_of(&case["ids"]);
        let got = tok.encode(text, false).expect("encode");
        if got != want {
            failures.push(format!("{text:?}\n   llama.cpp {want:?}\n   ours      {got:?}"));
        }
    }
    println!("{model_file}: {}/{} corpus strings tokenize exactly like llama.cpp", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// Every golden `detokenize` entry: ids -> text (special tokens rendered).
fn check_detokenize(tok: &Tokenizer, model_file: &str) {
    let g = golden_for(model_file);
    let cases = g["detokenize"].as_array().expect("detokenize cases");
    let mut failures = Vec::new();
    for case in cases {
        let ids = ids_of(&case["ids"]);
        let want = case["text"].as_str().expect("text");
        let got = tok.decode(&ids).expect("decode");
        if got != want {
            failures.push(format!("{ids:?}\n   llama.cpp {want:?}\n   ours      {got:?}"));
        }
    }
    println!("{model_file}: {}/{} id sequences detokenize exactly like llama.cpp", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// Streaming decode of every golden id sequence (and of every generated continuation) equals the full
/// decode, and no piece but the last is cut inside a character.
fn check_streaming(tok: &Tokenizer, model_file: &str) {
    let g = golden_for(model_file);
    let mut sequences: Vec<Vec<u32>> = g["detokenize"].as_array().unwrap().iter().map(|c| ids_of(&c["ids"])).collect();
    for entry in g["greedy"].as_array().into_iter().flatten() {
        sequences.push(ids_of(&entry["ids"]));
        sequences.push(ids_of(&entry["prompt_ids"]));
    }
    for ids in &sequences {
        let full = tok.decode(ids).unwrap();
        let mut stream = tok.decode_stream();
        let mut joined = String::new();
        for &id in ids {
            joined.push_str(&stream.push(id).unwrap());
        }
        joined.push_str(&stream.finish());
        assert_eq!(joined, full, "streamed decode of {ids:?}");
        assert_eq!(tok.decode_verbatim(ids).unwrap(), full);
    }
}

#[test]
fn smollm2_tokenize_matches_llama_cpp() {
    check_tokenize(smollm2(), models::SMOLLM2);
}

#[test]
fn smollm2_detokenize_matches_llama_cpp() {
    check_detokenize(smollm2(), models::SMOLLM2);
}

#[test]
fn smollm2_streaming_equals_full_decode() {
    check_streaming(smollm2(), models::SMOLLM2);
}

#[test]
fn qwen_tokenize_matches_llama_cpp() {
    check_tokenize(qwen(), models::QWEN05);
}

#[test]
fn qwen_detokenize_matches_llama_cpp() {
    check_detokenize(qwen(), models::QWEN05);
}

#[test]
fn qwen_streaming_equals_full_decode() {
    check_streaming(qwen(), models::QWEN05);
}

/// Other `tokenizer.ggml.pre` values on Qwen's vocabulary. The expected ids come from llama.cpp
/// (the same build as the golden files) loading Qwen's GGUF with only `tokenizer.ggml.pre` changed.
#[test]
fn other_pre_tokenizers_match_llama_cpp() {
    let texts = [
        "Hello world 12345 don't DON'T We'Ve",
        "a  \n\n b\t\tc   \r\n  d",
        "x=1+2; y = [3, 4] // 1000000",
        "naïve 日本語 🦀!!! ¿qué?",
        "$$$ `code` ~~~ <=> ^_^ |pipe|",
        "<|im_start|>user\n  find . -name '*.rs'<|im_end|>",
    ];
    let expected: [(&str, [&[u32]; 6]); 5] = [
        (
            "llama-bpe",
            [
                &[9707, 1879, 220, 16, 17, 18, 19, 20, 1513, 944, 44273, 17323, 1205, 6, 42612],
                &[64, 18611, 293, 197, 1444, 20338, 220, 294],
                &[87, 28, 16, 10, 17, 26, 379, 284, 508, 18, 11, 220, 19, 60, 442, 220, 16, 15, 15, 15, 15, 15, 15],
                &[3376, 37572, 586, 75402, 21894, 102819, 11162, 99, 222, 12069, 28286, 63491, 30],
                &[74573, 1565, 1851, 63, 3968, 5817, 71505, 6306, 67280, 760, 13768, 91],
                &[151644, 872, 198, 220, 1477, 659, 481, 606, 72718, 5428, 6, 151645],
            ],
        ),
        (
            "gpt-2",
            [
                &[9707, 1879, 220, 16, 17, 18, 19, 20, 1513, 944, 44273, 6, 51, 1205, 6, 42612],
                &[64, 18611, 293, 197, 197, 66, 20338, 220, 294],
                &[87, 28, 16, 10, 17, 26, 379, 284, 508, 18, 11, 220, 19, 60, 442, 220, 16, 15, 15, 15, 15, 15, 15],
                &[3376, 37572, 586, 75402, 21894, 102819, 11162, 99, 222, 12069, 28286, 63491, 30],
                &[74573, 1565, 1851, 63, 3968, 5817, 71505, 6306, 67280, 760, 13768, 91],
                &[151644, 872, 198, 220, 1477, 659, 481, 606, 72718, 5428, 6, 151645],
            ],
        ),
        (
            "default",
            [
                &[9707, 1879, 220, 16, 17, 18, 19, 20, 1513, 6, 83, 44273, 6, 51, 1205, 6, 42612],
                &[64, 18611, 293, 197, 197, 66, 20338, 220, 294],
                &[87, 28, 16, 10, 17, 26, 379, 220, 28, 220, 58, 18, 11, 220, 19, 60, 220, 322, 220, 16, 15, 15, 15, 15, 15, 15],
                &[3376, 37572, 586, 75402, 21894, 102819, 11162, 99, 222, 12069, 220, 30182, 63491, 30],
                &[74573, 1565, 1851, 63, 220, 5817, 93, 220, 27, 2179, 220, 61, 67280, 220, 91, 13768, 91],
                &[151644, 872, 198, 220, 1477, 220, 13, 220, 12, 606, 220, 6, 19922, 5428, 6, 151645],
            ],
        ),
        (
            "falcon",
            [
                &[9707, 1879, 220, 16, 17, 18, 19, 20, 1513, 6, 83, 44273, 6, 51, 1205, 6, 42612],
                &[64, 18611, 293, 197, 197, 66, 20338, 220, 294],
                &[87, 28, 16, 10, 17, 26, 379, 220, 28, 220, 58, 18, 11, 220, 19, 60, 220, 322, 220, 16, 15, 15, 15, 15, 15, 15],
                &[3376, 37572, 586, 75402, 21894, 102819, 11162, 99, 222, 12069, 220, 30182, 63491, 30],
                &[74573, 220, 63, 1851, 63, 220, 5817, 93, 220, 27, 2179, 220, 61, 67280, 220, 91, 13768, 91],
                &[151644, 872, 198, 220, 1477, 220, 13, 220, 12, 606, 220, 6, 19922, 5428, 6, 151645],
            ],
        ),
        (
            "starcoder",
            [
                &[9707, 1879, 220, 16, 17, 18, 19, 20, 1513, 944, 44273, 6, 51, 1205, 6, 42612],
                &[64, 18611, 293, 197, 197, 66, 20338, 220, 294],
                &[87, 28, 16, 10, 17, 26, 379, 284, 508, 18, 11, 220, 19, 60, 442, 220, 16, 15, 15, 15, 15, 15, 15],
                &[3376, 37572, 586, 75402, 21894, 102819, 11162, 99, 222, 12069, 28286, 63491, 30],
                &[74573, 1565, 1851, 63, 3968, 5817, 71505, 6306, 67280, 760, 13768, 91],
                &[151644, 872, 198, 220, 1477, 659, 481, 606, 72718, 5428, 6, 151645],
            ],
        ),
    ];
    let base = metadata(models::QWEN05);
    for (pre, want) in expected {
        let mut md = base.clone();
        md.0.insert("tokenizer.ggml.pre".into(), Value::String(pre.into()));
        let tok = Tokenizer::from_gguf(&md).unwrap_or_else(|e| panic!("{pre}: {e}"));
        for (text, ids) in texts.iter().zip(want) {
            assert_eq!(tok.encode(text, false).unwrap(), ids, "{pre}: {text:?}");
            // These pre-tokenizers come with llama.cpp's clean-up of spaces before punctuation on
            // detokenize; streaming (token_to_piece) does not clean up.
            let cleaned = text.replace("find . ", "find. ");
            assert_eq!(tok.decode(ids).unwrap(), cleaned, "{pre}: decode {ids:?}");
            let mut stream = tok.decode_stream();
            let mut streamed = stream.push_all(ids).unwrap();
            streamed.push_str(&stream.finish());
            assert_eq!(streamed, *text, "{pre}: stream {ids:?}");
            assert_eq!(tok.decode_verbatim(ids).unwrap(), *text, "{pre}: verbatim {ids:?}");
            assert!(tok.cleans_up_spaces());
        }
    }
}

#[test]
fn special_ids_and_end_of_generation() {
    let s = smollm2();
    assert_eq!(s.vocab_size(), 49152);
    assert_eq!(s.bos_id(), Some(1));
    assert_eq!(s.eos_id(), Some(2));
    assert_eq!(s.pad_id(), Some(2));
    assert!(!s.add_bos());
    assert!(!s.cleans_up_spaces());
    // <|endoftext|>, <|im_end|> and <reponame> (FIM repo) end generation in llama.cpp.
    assert_eq!(s.eos_ids(), &[0, 2, 4]);
    assert_eq!(s.model_name(), "gpt2");
    assert_eq!(s.pre_tokenizer_name(), Some("smollm"));

    let q = qwen();
    assert_eq!(q.vocab_size(), 151936);
    assert_eq!(q.bos_id(), Some(151643));
    assert_eq!(q.eos_id(), Some(151645));
    assert_eq!(q.pad_id(), Some(151643));
    assert!(!q.add_bos());
    // </s> (a normal token in Qwen's vocab that llama.cpp promotes by its text), <|endoftext|>,
    // <|im_end|>, <|fim_pad|>, <|repo_name|>, <|file_sep|>.
    assert_eq!(q.eos_ids(), &[128247, 151643, 151645, 151662, 151663, 151664]);
    assert_eq!(q.token_kind(128247), Some(TokenKind::Control));
    assert_eq!(q.encode("a</s>b", false).unwrap(), vec![64, 128247, 65]);
    assert!(q.is_eog(151645) && !q.is_eog(151644));
    assert_eq!(q.id_of("<|im_start|>"), Some(151644));
    assert_eq!(q.token_text(151644), Some("<|im_start|>"));
    assert_eq!(q.token_kind(151657), Some(TokenKind::UserDefined)); // <tool_call>
    assert_eq!(q.token_kind(151665), Some(TokenKind::Unused)); // [PAD151665]
    assert_eq!(q.token_bytes(151665), Some(&b""[..]));
    assert!(q.chat_template().is_some_and(|t| t.contains("<|im_start|>")));
    assert_eq!(q.bos_text(), Some("<|endoftext|>"));
    assert_eq!(q.eos_text(), Some("<|im_end|>"));
}

#[test]
fn tokenizer_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Tokenizer>();
    assert_send_sync::<cmdai_engine::chat::ChatTemplate>();
}

#[test]
fn special_tokens_in_text_are_parsed_and_plain_text_is_not() {
    let q = qwen();
    let ids = q.encode("<|im_start|>user\nhi<|im_end|>", true).unwrap();
    assert_eq!(ids.first(), Some(&151644));
    assert_eq!(ids.last(), Some(&151645));
    // User-defined tokens too.
    assert_eq!(q.encode("<tool_call>", false).unwrap(), vec![151657]);
    // Unused slots are ordinary text.
    assert!(q.encode("[PAD151665]", false).unwrap().len() > 1);
    // Near misses are ordinary text.
    assert!(!q.encode("<|im_end |>", false).unwrap().contains(&151645));
    assert_eq!(q.encode("", true).unwrap(), Vec::<u32>::new());
}

/// A character the tokenizer spells with several tokens, the first of which is not valid UTF-8.
fn split_char(tok: &Tokenizer) -> (char, Vec<u32>) {
    for c in ['𓀀', '𝔘', '𠀋', '🫠', 'ꙮ', '🦀', '𐍈'] {
        let ids = tok.encode(&c.to_string(), false).unwrap();
        if ids.len() > 1 && std::str::from_utf8(tok.token_bytes(ids[0]).unwrap()).is_err() {
            return (c, ids);
        }
    }
    panic!("no candidate character is split across tokens");
}

#[test]
fn token_bytes_concatenate_to_the_decoded_text() {
    for tok in [smollm2(), qwen()] {
        let text = "naïve café — 日本語 🦀 𓀀 done";
        let ids = tok.encode(text, false).unwrap();
        let bytes: Vec<u8> = ids.iter().flat_map(|&id| tok.token_bytes(id).unwrap().to_vec()).collect();
        assert_eq!(bytes, text.as_bytes());
        assert_eq!(tok.decode(&ids).unwrap(), text);
        // A character split over several tokens: the stream holds its bytes back until it is complete.
        let (c, ids) = split_char(tok);
        let mut stream = tok.decode_stream();
        for &id in &ids[..ids.len() - 1] {
            assert_eq!(stream.push(id).unwrap(), "");
        }
        assert!(!stream.pending_bytes().is_empty());
        assert_eq!(stream.push(ids[ids.len() - 1]).unwrap(), c.to_string());
        assert_eq!(stream.finish(), "");
    }
}

#[test]
fn stream_flushes_an_unfinished_character_as_replacement() {
    let q = qwen();
    let (_, ids) = split_char(q);
    let cut = &ids[..ids.len() - 1];
    let mut stream = q.decode_stream();
    let mut joined = stream.push_all(cut).unwrap();
    joined.push_str(&stream.finish());
    assert_eq!(joined, q.decode(cut).unwrap());
    assert!(joined.contains('\u{FFFD}'));
    // Bytes that can never complete a character come out at once.
    let mut stream = q.decode_stream();
    let mut joined = stream.push(ids[0]).unwrap();
    joined.push_str(&stream.push_all(&q.encode("ok", false).unwrap()).unwrap());
    assert!(joined.ends_with("ok") && joined.starts_with('\u{FFFD}'), "{joined:?}");
    assert!(stream.pending_bytes().is_empty());
}

#[test]
fn decode_rejects_out_of_range_ids() {
    let s = smollm2();
    let err = s.decode(&[1, 49152]).unwrap_err();
    assert!(matches!(err, TokenizerError::TokenOutOfRange { id: 49152, vocab_size: 49152 }), "{err}");
    let mut stream = s.decode_stream();
    assert!(matches!(stream.push(u32::MAX), Err(TokenizerError::TokenOutOfRange { .. })));
    assert_eq!(s.token_text(49152), None);
    assert_eq!(s.token_bytes(49152), None);
}

/// A tokenizer.json written from the GGUF tokenizer reads back into one that behaves the same.
#[test]
fn tokenizer_json_round_trip_matches_gguf() {
    for (tok, file) in [(smollm2(), models::SMOLLM2), (qwen(), models::QWEN05)] {
        let json = tok.hf_tokenizer().expect("byte-level BPE has a HF tokenizer").to_string(false).unwrap();
        let config = serde_json::json!({
            "add_bos_token": tok.add_bos(),
            "bos_token": tok.bos_text(),
            "eos_token": {"content": tok.eos_text(), "special": true},
            "pad_token": tok.pad_id().and_then(|id| tok.token_text(id)),
            "chat_template": tok.chat_template(),
        });
        let from_json = Tokenizer::from_json_bytes(json.as_bytes(), Some(config.to_string().as_bytes())).unwrap();
        assert_eq!(from_json.vocab_size(), tok.vocab_size());
        assert_eq!(from_json.bos_id(), tok.bos_id());
        assert_eq!(from_json.eos_id(), tok.eos_id());
        assert_eq!(from_json.eos_ids(), tok.eos_ids());
        assert_eq!(from_json.chat_template(), tok.chat_template());
        let g = golden_for(file);
        for case in g["tokenize"].as_array().unwrap() {
            let text = case["text"].as_str().unwrap();
            assert_eq!(from_json.encode(text, false).unwrap(), ids_of(&case["ids"]), "{file}: {text:?}");
        }
        for case in g["detokenize"].as_array().unwrap() {
            let ids = ids_of(&case["ids"]);
            assert_eq!(from_json.decode(&ids).unwrap(), case["text"].as_str().unwrap(), "{file}: {ids:?}");
        }
    }
}

#[test]
fn tokenizer_json_errors() {
    assert!(matches!(Tokenizer::from_json_bytes(b"not json", None), Err(TokenizerError::InvalidJson(_))));
    assert!(matches!(Tokenizer::from_json_bytes(b"{}", None), Err(TokenizerError::InvalidJson(_))));
    let json = smollm2().hf_tokenizer().unwrap().to_string(false).unwrap();
    assert!(matches!(Tokenizer::from_json_bytes(json.as_bytes(), Some(b"[1, 2")), Err(TokenizerError::InvalidConfig(_))));
    assert!(matches!(Tokenizer::from_json_bytes(json.as_bytes(), Some(b"[]")), Err(TokenizerError::InvalidConfig(_))));
    // add_bos_token without a BOS token is refused, as llama.cpp refuses it.
    assert!(matches!(
        Tokenizer::from_json_bytes(json.as_bytes(), Some(br#"{"add_bos_token": true}"#)),
        Err(TokenizerError::MissingSpecialToken { .. })
    ));
}

// ---- Metadata built by hand: error cases and SentencePiece. ----

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::String((*s).to_string())).collect())
}

fn md(entries: Vec<(&str, Value)>) -> Metadata {
    Metadata(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>())
}

/// A tiny byte-level BPE vocabulary: the 256 byte chars, "ab", "abc", and "<|end|>".
fn tiny_bpe(pre: Option<&str>) -> Vec<(&'static str, Value)> {
    let mut tokens: Vec<String> = (0u16..256)
        .map(|b| {
            // The byte-level alphabet, spelled out independently of the crate.
            let b = b as u8;
            let printable = matches!(b, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF);
            if printable {
                char::from(b).to_string()
            } else {
                let rank = (0..b).filter(|&x| !matches!(x, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF)).count() as u32;
                char::from_u32(256 + rank).unwrap().to_string()
            }
        })
        .collect();
    tokens.extend(["ab".to_string(), "abc".to_string(), "<|end|>".to_string()]);
    let mut types = vec![Value::I32(1); tokens.len()];
    *types.last_mut().unwrap() = Value::I32(3);
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let mut v = vec![
        ("tokenizer.ggml.model", Value::String("gpt2".into())),
        ("tokenizer.ggml.tokens", strings(&token_refs)),
        ("tokenizer.ggml.token_type", Value::Array(types)),
        ("tokenizer.ggml.merges", strings(&["a b", "ab c"])),
        ("tokenizer.ggml.eos_token_id", Value::U32(258)),
    ];
    if let Some(pre) = pre {
        v.push(("tokenizer.ggml.pre", Value::String(pre.into())));
    }
    v
}

#[test]
fn tiny_bpe_vocab_works() {
    for pre in [None, Some("gpt-2"), Some("qwen2"), Some("llama-bpe"), Some("smollm")] {
        let mut entries = tiny_bpe(pre);
        if pre == Some("llama-bpe") {
            // llama3 adds BOS by default; this vocab has none, so turn it off.
            entries.push(("tokenizer.ggml.add_bos_token", Value::Bool(false)));
        }
        let t = Tokenizer::from_gguf(&md(entries)).unwrap_or_else(|e| panic!("{pre:?}: {e}"));
        assert_eq!(t.encode("abc", false).unwrap(), vec![257], "{pre:?}");
        assert_eq!(t.encode("abcab<|end|>a", true).unwrap(), vec![257, 256, 258, u32::from(b'a')], "{pre:?}");
        assert_eq!(t.decode(&[257, 258]).unwrap(), "abc<|end|>");
        assert_eq!(t.eos_ids(), &[258]);
    }
}

#[test]
fn gguf_errors_are_typed() {
    let build = |entries| Tokenizer::from_gguf(&md(entries));

    assert!(matches!(build(vec![]), Err(TokenizerError::MissingKey("tokenizer.ggml.model"))));

    let mut e = tiny_bpe(None);
    e.retain(|(k, _)| *k != "tokenizer.ggml.tokens");
    assert!(matches!(build(e), Err(TokenizerError::MissingKey("tokenizer.ggml.tokens"))));

    let mut e = tiny_bpe(None);
    e.retain(|(k, _)| *k != "tokenizer.ggml.merges");
    assert!(matches!(build(e), Err(TokenizerError::MissingKey("tokenizer.ggml.merges"))));

    let mut e = tiny_bpe(None);
    e[0].1 = Value::String("bert".into());
    assert!(matches!(build(e), Err(TokenizerError::UnsupportedModel(m)) if m == "bert"));

    let mut e = tiny_bpe(None);
    e[0].1 = Value::U32(7);
    assert!(matches!(build(e), Err(TokenizerError::WrongType { key: "tokenizer.ggml.model", .. })));

    let err = build(tiny_bpe(Some("no-such-pre"))).unwrap_err();
    assert!(matches!(&err, TokenizerError::UnknownPreTokenizer { name, .. } if name == "no-such-pre"));
    assert!(err.to_string().contains("qwen2"), "the error lists known names: {err}");

    let mut e = tiny_bpe(None);
    e[1].1 = Value::Array(vec![Value::String("a".into()), Value::U8(1)]);
    assert!(matches!(build(e), Err(TokenizerError::WrongType { key: "tokenizer.ggml.tokens", .. })));

    let mut e = tiny_bpe(None);
    e[2].1 = Value::Array(vec![Value::I32(1); 3]);
    assert!(matches!(build(e), Err(TokenizerError::ShortArray { key: "tokenizer.ggml.token_type", .. })));

    let mut e = tiny_bpe(None);
    e[1].1 = strings(&["a", "b", "a"]);
    e.retain(|(k, _)| *k != "tokenizer.ggml.token_type");
    assert!(matches!(build(e), Err(TokenizerError::DuplicateToken { first: 0, second: 2, .. })));

    // Token strings end at a NUL, as in llama.cpp: "a\0x" is "a" again.
    let mut e = tiny_bpe(None);
    e[1].1 = strings(&["a", "b", "a\0x"]);
    e.retain(|(k, _)| *k != "tokenizer.ggml.token_type");
    assert!(matches!(build(e), Err(TokenizerError::DuplicateToken { first: 0, second: 2, .. })));

    let mut e = tiny_bpe(None);
    e[1].1 = strings(&[]);
    assert!(matches!(build(e), Err(TokenizerError::EmptyVocab)));

    let mut e = tiny_bpe(None);
    e.push(("tokenizer.ggml.add_bos_token", Value::Bool(true)));
    assert!(matches!(build(e), Err(TokenizerError::MissingSpecialToken { .. })));

    // Out-of-range special ids are ignored, not trusted.
    let mut e = tiny_bpe(None);
    e.push(("tokenizer.ggml.bos_token_id", Value::U32(1_000_000)));
    assert_eq!(build(e).unwrap().bos_id(), None);
}

/// A small SentencePiece vocabulary, checked against llama.cpp's merge rules worked out by hand.
fn tiny_spm() -> Metadata {
    // id: 0 <unk>, 1 <s>, 2 </s>, 3.. byte tokens for 0x00..=0xFF, then pieces.
    let mut tokens = vec!["<unk>".to_string(), "<s>".to_string(), "</s>".to_string()];
    let mut types = vec![Value::I32(2), Value::I32(3), Value::I32(3)];
    let mut scores = vec![Value::F32(0.0); 3];
    for b in 0..=255u8 {
        tokens.push(format!("<0x{b:02X}>"));
        types.push(Value::I32(6));
        scores.push(Value::F32(0.0));
    }
    for (piece, score) in [
        ("▁", -1.0),
        ("h", -2.0),
        ("e", -2.0),
        ("l", -2.0),
        ("o", -2.0),
        ("w", -2.0),
        ("r", -2.0),
        ("d", -2.0),
        ("▁h", -3.0),
        ("ll", -3.0),
        ("he", -5.0),
        ("▁he", -4.0),
        ("llo", -3.5),
        ("▁hello", -1.5),
        ("▁w", -6.0),
        ("or", -6.0),
        ("▁wor", -6.5),
        ("ld", -6.0),
    ] {
        tokens.push(piece.to_string());
        types.push(Value::I32(1));
        scores.push(Value::F32(score));
    }
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    md(vec![
        ("tokenizer.ggml.model", Value::String("llama".into())),
        ("tokenizer.ggml.tokens", strings(&refs)),
        ("tokenizer.ggml.token_type", Value::Array(types)),
        ("tokenizer.ggml.scores", Value::Array(scores)),
        ("tokenizer.ggml.bos_token_id", Value::U32(1)),
        ("tokenizer.ggml.eos_token_id", Value::U32(2)),
    ])
}

#[test]
fn sentencepiece_follows_llama_cpp() {
    let t = Tokenizer::from_gguf(&tiny_spm()).unwrap();
    let id = |s: &str| t.id_of(s).unwrap_or_else(|| panic!("{s} not in vocab"));
    assert!(t.add_bos());
    assert_eq!(t.eos_ids(), &[2]);
    assert!(t.hf_tokenizer().is_none());

    // "▁hello": ll(-3) first, then ▁h(-3, right of ll? no: leftmost tie) ... worked out:
    // chars ▁ h e l l o; best pairs: ▁h(-3, left 0) and ll(-3, left 3): ▁h first (leftmost), then ll,
    // then llo(-3.5), then ▁he? "▁h"+"e" = ▁he (-4) -> then ▁he + llo = ▁hello (-1.5).
    assert_eq!(t.encode("hello", true).unwrap(), vec![1, id("▁hello")]);
    // "world": ▁ w o r l d -> ▁w(-6), or(-6), ld(-6): ▁w first, then or, then ld; ▁w+or = ▁wor (-6.5).
    assert_eq!(t.encode("world", false).unwrap(), vec![id("▁wor"), id("ld")]);
    // Unknown chars become byte tokens; "é" is two bytes.
    assert_eq!(t.encode("é", false).unwrap(), vec![id("▁"), id("<0xC3>"), id("<0xA9>")]);
    // Special tokens in text; the text after one gets a space prefix again, as in llama.cpp.
    assert_eq!(t.encode("hello</s>hello", false).unwrap(), vec![id("▁hello"), 2, id("▁hello")]);

    // Decoding: ▁ is a space, byte tokens are bytes, the first leading space goes away.
    let ids = t.encode("hello é", false).unwrap();
    assert_eq!(t.decode(&ids).unwrap(), "hello é");
    assert_eq!(t.decode(&[1, id("▁hello")]).unwrap(), "<s> hello");
    let mut stream = t.decode_stream();
    let mut joined = stream.push_all(&ids).unwrap();
    joined.push_str(&stream.finish());
    assert_eq!(joined, "hello é");
}

#[test]
fn sentencepiece_missing_byte_token_is_an_error() {
    // A vocab without byte tokens cannot spell an unknown char.
    let m = md(vec![
        ("tokenizer.ggml.model", Value::String("llama".into())),
        ("tokenizer.ggml.tokens", strings(&["<unk>", "<s>", "</s>", "▁"])),
        ("tokenizer.ggml.add_bos_token", Value::Bool(false)),
    ]);
    let t = Tokenizer::from_gguf(&m).unwrap();
    assert!(matches!(t.encode("é", false), Err(TokenizerError::MissingByteToken(0xC3))));
}

/// Found by fuzzing: tokenizers' streaming reader panicked on this syntax error in `decoder`.
#[test]
fn malformed_tokenizer_json_is_an_error_not_a_panic() {
    let json = br#"{"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": {"type" "u": 1}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#;
    assert!(matches!(Tokenizer::from_json_bytes(json, None), Err(TokenizerError::InvalidJson(_))));
}
