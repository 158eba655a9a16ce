//! Building a [`Tokenizer`] from GGUF `tokenizer.ggml.*` metadata, following llama.cpp's vocab loader.

use std::collections::HashSet;

use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, DecoderWrapper, PreTokenizerWrapper, SplitDelimiterBehavior};

use super::{finish, index_texts, pre, EncoderInit, PieceStyle, SpecialTokens, TokenKind, Tokenizer, TokenizerError, VocabParts};
use crate::gguf::{Metadata, Value};

const KEY_MODEL: &str = "tokenizer.ggml.model";
const KEY_PRE: &str = "tokenizer.ggml.pre";
const KEY_TOKENS: &str = "tokenizer.ggml.tokens";
const KEY_TYPES: &str = "tokenizer.ggml.token_type";
const KEY_SCORES: &str = "tokenizer.ggml.scores";
const KEY_MERGES: &str = "tokenizer.ggml.merges";

pub(super) fn build(md: &Metadata) -> Result<Tokenizer, TokenizerError> {
    let model = md
        .get(KEY_MODEL)
        .ok_or(TokenizerError::MissingKey(KEY_MODEL))?
        .as_str()
        .ok_or(TokenizerError::WrongType { key: KEY_MODEL, expected: "a string" })?;
    if model != "gpt2" && model != "llama" {
        return Err(TokenizerError::UnsupportedModel(model.to_string()));
    }

    let mut texts = string_array(md, KEY_TOKENS)?;
    let n = texts.len();
    if n == 0 {
        return Err(TokenizerError::EmptyVocab);
    }
    for (i, text) in texts.iter_mut().enumerate() {
        // llama.cpp reads token strings as C strings: a NUL ends them.
        if let Some(nul) = text.find('\0') {
            text.truncate(nul);
        }
        if text.is_empty() {
            *text = format!("[EMPTY_{i}]");
        }
    }
    let kinds: Vec<TokenKind> = match md.get(KEY_TYPES) {
        None => vec![TokenKind::Normal; n],
        Some(v) => {
            let arr = v.as_array().ok_or(TokenizerError::WrongType { key: KEY_TYPES, expected: "an integer array" })?;
            if arr.len() < n {
                return Err(TokenizerError::ShortArray { key: KEY_TYPES, found: arr.len(), expected: n });
            }
            arr[..n]
                .iter()
                .map(|v| v.as_i64().map(TokenKind::from_gguf))
                .collect::<Option<_>>()
                .ok_or(TokenizerError::WrongType { key: KEY_TYPES, expected: "an integer array" })?
        }
    };
    let ids = index_texts(&texts)?;
    let chat_template = md.get_str("tokenizer.chat_template").map(str::to_string);

    if model == "llama" {
        let scores: Vec<f32> = match md.get(KEY_SCORES) {
            None => vec![0.0; n],
            Some(v) => {
                let arr = v.as_array().ok_or(TokenizerError::WrongType { key: KEY_SCORES, expected: "a float array" })?;
                if arr.len() < n {
                    return Err(TokenizerError::ShortArray { key: KEY_SCORES, found: arr.len(), expected: n });
                }
                arr[..n]
                    .iter()
                    .map(|v| v.as_f64().map(|f| f as f32))
                    .collect::<Option<_>>()
                    .ok_or(TokenizerError::WrongType { key: KEY_SCORES, expected: "a float array" })?
            }
        };
        let defaults = SpecialTokens { bos: Some(1), eos: Some(2), unk: Some(0), ..Default::default() };
        let special = read_special_ids(md, defaults, n);
        let parts = VocabParts {
            texts,
            kinds,
            style: PieceStyle::Metaspace,
            special,
            add_bos: md.get_bool("tokenizer.ggml.add_bos_token").unwrap_or(true),
            add_eos: md.get_bool("tokenizer.ggml.add_eos_token").unwrap_or(false),
            add_space_prefix: md.get_bool("tokenizer.ggml.add_space_prefix").unwrap_or(true),
            clean_spaces: false,
            model: model.to_string(),
            pre: md.get_str(KEY_PRE).map(str::to_string),
            chat_template,
        };
        return finish(parts, ids, EncoderInit::Spm(scores));
    }

    // Byte-level BPE.
    let pre_name = match md.get(KEY_PRE) {
        None => None,
        Some(v) => Some(v.as_str().ok_or(TokenizerError::WrongType { key: KEY_PRE, expected: "a string" })?),
    };
    let config = pre::lookup(pre_name.unwrap_or("default")).ok_or_else(|| TokenizerError::UnknownPreTokenizer {
        name: pre_name.unwrap_or_default().to_string(),
        known: pre::KNOWN.join(", "),
    })?;

    let merges_raw = string_array(md, KEY_MERGES)?;
    let mut seen = HashSet::with_capacity(merges_raw.len());
    let mut merges = Vec::with_capacity(merges_raw.len());
    for merge in &merges_raw {
        // "left right", split at the first space after the first byte (llama.cpp's rule).
        let Some(pos) = merge.as_bytes().iter().skip(1).position(|&b| b == b' ').map(|p| p + 1) else { continue };
        let (left, right) = (&merge[..pos], &merge[pos + 1..]);
        // Hugging Face's BPE rejects merges whose parts or result are not tokens; llama.cpp would merge
        // and then fall back to bytes. Such merges do not occur in real vocabularies.
        if !ids.contains_key(left) || !ids.contains_key(right) || !ids.contains_key(&format!("{left}{right}")) {
            continue;
        }
        // The first occurrence of a pair sets its rank.
        if seen.insert((left, right)) {
            merges.push((left.to_string(), right.to_string()));
        }
    }

    let vocab: Vocab = ids.iter().map(|(k, &v)| (k.clone(), v)).collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .ignore_merges(config.ignore_merges)
        .build()
        .map_err(|e| TokenizerError::Build(e.to_string()))?;
    let mut steps = Vec::with_capacity(config.regexes.len() + 1);
    for re in config.regexes {
        let split = Split::new(SplitPattern::Regex((*re).to_string()), SplitDelimiterBehavior::Isolated, false)
            .map_err(|e| TokenizerError::Build(format!("pre-tokenizer regex {re:?}: {e}")))?;
        steps.push(PreTokenizerWrapper::Split(split));
    }
    steps.push(PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, false)));
    let mut hf = tokenizers::Tokenizer::new(bpe);
    hf.with_pre_tokenizer(Some(Sequence::new(steps)));
    hf.with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevel::new(false, false, false))));

    let mut special = SpecialTokens::default();
    if config.no_bos {
        special.bos = None;
    }
    let special = read_special_ids(md, special, n);
    let parts = VocabParts {
        texts,
        kinds,
        style: PieceStyle::ByteLevel,
        special,
        add_bos: md.get_bool("tokenizer.ggml.add_bos_token").unwrap_or(config.add_bos),
        add_eos: md.get_bool("tokenizer.ggml.add_eos_token").unwrap_or(false),
        add_space_prefix: md.get_bool("tokenizer.ggml.add_space_prefix").unwrap_or(false),
        clean_spaces: config.clean_spaces,
        model: model.to_string(),
        pre: pre_name.map(str::to_string),
        chat_template,
    };
    let mut tokenizer = finish(parts, ids, EncoderInit::Hf(Box::new(hf)))?;
    register_added_tokens(&mut tokenizer)?;
    Ok(tokenizer)
}

/// Makes the Hugging Face tokenizer know the tokens matched in text, so that it (and a tokenizer.json
/// written from it) treats them as added tokens too.
fn register_added_tokens(tokenizer: &mut Tokenizer) -> Result<(), TokenizerError> {
    let super::Encoder::Hf(hf) = &mut tokenizer.encoder else { return Ok(()) };
    let mut specials = Vec::new();
    let mut plain = Vec::new();
    for (text, kind) in tokenizer.texts.iter().zip(&tokenizer.kinds) {
        match kind {
            TokenKind::Control | TokenKind::Unknown => specials.push(AddedToken::from(text.clone(), true).normalized(false)),
            TokenKind::UserDefined => plain.push(AddedToken::from(text.clone(), false).normalized(false)),
            _ => {}
        }
    }
    hf.add_special_tokens(specials).map_err(|e| TokenizerError::Build(e.to_string()))?;
    hf.add_tokens(plain).map_err(|e| TokenizerError::Build(e.to_string()))?;
    Ok(())
}

fn string_array(md: &Metadata, key: &'static str) -> Result<Vec<String>, TokenizerError> {
    let arr = md
        .get(key)
        .ok_or(TokenizerError::MissingKey(key))?
        .as_array()
        .ok_or(TokenizerError::WrongType { key, expected: "a string array" })?;
    arr.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(TokenizerError::WrongType { key, expected: "a string array" }),
        })
        .collect()
}

/// Reads the special token ids over `defaults`. Ids outside the vocab are ignored (and out-of-range
/// defaults dropped), as llama.cpp does.
fn read_special_ids(md: &Metadata, defaults: SpecialTokens, n: usize) -> SpecialTokens {
    type Slot = fn(&mut SpecialTokens) -> &mut Option<u32>;
    let slots: [(&str, Slot); 16] = [
        ("tokenizer.ggml.bos_token_id", |s| &mut s.bos),
        ("tokenizer.ggml.eos_token_id", |s| &mut s.eos),
        ("tokenizer.ggml.eot_token_id", |s| &mut s.eot),
        ("tokenizer.ggml.eom_token_id", |s| &mut s.eom),
        ("tokenizer.ggml.unknown_token_id", |s| &mut s.unk),
        ("tokenizer.ggml.seperator_token_id", |s| &mut s.sep),
        ("tokenizer.ggml.padding_token_id", |s| &mut s.pad),
        ("tokenizer.ggml.fim_pre_token_id", |s| &mut s.fim_pre),
        ("tokenizer.ggml.fim_suf_token_id", |s| &mut s.fim_suf),
        ("tokenizer.ggml.fim_mid_token_id", |s| &mut s.fim_mid),
        ("tokenizer.ggml.fim_pad_token_id", |s| &mut s.fim_pad),
        ("tokenizer.ggml.fim_rep_token_id", |s| &mut s.fim_rep),
        ("tokenizer.ggml.fim_sep_token_id", |s| &mut s.fim_sep),
        // Deprecated spellings.
        ("tokenizer.ggml.prefix_token_id", |s| &mut s.fim_pre),
        ("tokenizer.ggml.suffix_token_id", |s| &mut s.fim_suf),
        ("tokenizer.ggml.middle_token_id", |s| &mut s.fim_mid),
    ];
    let mut s = defaults;
    for (key, slot) in slots {
        let slot = slot(&mut s);
        if slot.is_some_and(|id| id as usize >= n) {
            *slot = None;
        }
        if let Some(id) = md.get_u64(key) {
            if (id as usize) < n && id <= u64::from(u32::MAX) {
                *slot = Some(id as u32);
            }
        }
    }
    s
}
