//! Building a [`Tokenizer`] from Hugging Face `tokenizer.json` (+ optional `tokenizer_config.json`).
//!
//! The result behaves like llama.cpp running a GGUF converted from the same files: added tokens are
//! matched in text (special ones as control tokens), the text between them goes through the
//! tokenizer.json pipeline, and decoding uses per-token bytes.

use serde_json::Value as Json;
use tokenizers::ModelWrapper;

use super::{finish, index_texts, EncoderInit, PieceStyle, SpecialTokens, TokenKind, Tokenizer, TokenizerError, VocabParts};

pub(super) fn build(json: &[u8], config: Option<&[u8]>) -> Result<Tokenizer, TokenizerError> {
    // Parsed in two steps: tokenizers' own streaming reader panics on some syntax errors (found
    // by fuzzing); from a parsed value its deserializers only return errors.
    let value: Json = serde_json::from_slice(json).map_err(|e| TokenizerError::InvalidJson(e.to_string()))?;
    let mut hf: tokenizers::Tokenizer = serde_json::from_value(value).map_err(|e| TokenizerError::InvalidJson(e.to_string()))?;
    // Fragments must come out whole: no truncation or padding from the file.
    hf.with_padding(None);
    hf.with_truncation(None).map_err(|e| TokenizerError::InvalidJson(e.to_string()))?;

    let config: Json = match config {
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| TokenizerError::InvalidConfig(e.to_string()))?,
        None => Json::Null,
    };
    if !(config.is_object() || config.is_null()) {
        return Err(TokenizerError::InvalidConfig("not a JSON object".into()));
    }

    let vocab = hf.get_vocab(true);
    let n = vocab.values().map(|&id| id as usize + 1).max().ok_or(TokenizerError::EmptyVocab)?;
    if n > vocab.len().saturating_mul(2) + 1024 {
        return Err(TokenizerError::InvalidJson(format!("token ids go up to {n} but only {} tokens exist", vocab.len())));
    }
    let mut texts: Vec<Option<String>> = vec![None; n];
    for (text, id) in vocab {
        texts[id as usize] = Some(text);
    }
    let mut kinds = vec![TokenKind::Normal; n];
    for (id, token) in hf.get_added_tokens_decoder() {
        if let Some(slot) = texts.get_mut(id as usize) {
            *slot = Some(token.content.clone());
            kinds[id as usize] = if token.special { TokenKind::Control } else { TokenKind::UserDefined };
        }
    }
    let texts: Vec<String> = texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| match t {
            Some(t) if !t.is_empty() => t,
            Some(_) => format!("[EMPTY_{i}]"),
            None => {
                kinds[i] = TokenKind::Undefined;
                format!("[EMPTY_{i}]")
            }
        })
        .collect();

    let decoder = hf.get_decoder().and_then(|d| serde_json::to_value(d).ok()).unwrap_or(Json::Null);
    let style = if has_type(&decoder, "ByteLevel") {
        PieceStyle::ByteLevel
    } else if has_type(&decoder, "Metaspace") || has_type(&decoder, "ByteFallback") || has_type(&decoder, "Replace") {
        PieceStyle::Metaspace
    } else {
        PieceStyle::Raw
    };
    if style == PieceStyle::Metaspace {
        for (text, kind) in texts.iter().zip(kinds.iter_mut()) {
            if *kind == TokenKind::Normal && is_byte_token(text) {
                *kind = TokenKind::Byte;
            }
        }
    }
    let add_space_prefix = style == PieceStyle::Metaspace && (has_type(&decoder, "Strip") || metaspace_prepends(&decoder));

    let ids = index_texts(&texts)?;
    let lookup = |key: &str| -> Option<u32> { token_content(config.get(key)?).and_then(|t| ids.get(t).copied()) };

    let mut special = SpecialTokens {
        bos: lookup("bos_token"),
        eos: lookup("eos_token"),
        unk: lookup("unk_token"),
        pad: lookup("pad_token"),
        sep: lookup("sep_token"),
        ..Default::default()
    };

    // BOS/EOS the post-processor adds (Llama 3 style TemplateProcessing), as llama.cpp's converter reads them.
    let post = hf.get_post_processor().and_then(|p| serde_json::to_value(p).ok()).unwrap_or(Json::Null);
    let (template_bos, template_eos) = template_specials(&post);
    let template_bos = template_bos.and_then(|t| ids.get(&t).copied());
    let template_eos = template_eos.and_then(|t| ids.get(&t).copied());
    if special.bos.is_none() {
        special.bos = template_bos;
    }
    if special.eos.is_none() && template_eos.is_some() {
        special.eos = template_eos;
    }
    let add_bos = config.get("add_bos_token").and_then(Json::as_bool).unwrap_or(template_bos.is_some());
    let add_eos = config.get("add_eos_token").and_then(Json::as_bool).unwrap_or(template_eos.is_some());

    let chat_template = match config.get("chat_template") {
        Some(Json::String(s)) => Some(s.clone()),
        Some(Json::Array(list)) => {
            let named =
                |name: &str| list.iter().find(|t| t.get("name").and_then(Json::as_str) == Some(name)).and_then(|t| t.get("template"));
            named("default").or_else(|| list.first().and_then(|t| t.get("template"))).and_then(Json::as_str).map(str::to_string)
        }
        _ => None,
    };

    let model = match hf.get_model() {
        ModelWrapper::BPE(_) => "bpe",
        ModelWrapper::WordPiece(_) => "wordpiece",
        ModelWrapper::WordLevel(_) => "wordlevel",
        ModelWrapper::Unigram(_) => "unigram",
    };

    let parts = VocabParts {
        texts,
        kinds,
        style,
        special,
        add_bos,
        add_eos,
        add_space_prefix,
        clean_spaces: config.get("clean_up_tokenization_spaces").and_then(Json::as_bool).unwrap_or(false),
        model: model.to_string(),
        pre: None,
        chat_template,
    };
    finish(parts, ids, EncoderInit::Hf(Box::new(hf)))
}

/// A token given as `"<s>"` or as `{"content": "<s>", ...}`.
fn token_content(v: &Json) -> Option<&str> {
    match v {
        Json::String(s) => Some(s),
        Json::Object(o) => o.get("content").and_then(Json::as_str),
        _ => None,
    }
}

/// Whether a serialized component (or any component nested in it) has `"type": ty`.
fn has_type(v: &Json, ty: &str) -> bool {
    match v {
        Json::Object(o) => o.get("type").and_then(Json::as_str) == Some(ty) || o.values().any(|v| has_type(v, ty)),
        Json::Array(a) => a.iter().any(|v| has_type(v, ty)),
        _ => false,
    }
}

fn metaspace_prepends(decoder: &Json) -> bool {
    match decoder {
        Json::Object(o) => {
            let is_metaspace = o.get("type").and_then(Json::as_str) == Some("Metaspace");
            let prepends = o.get("prepend_scheme").and_then(Json::as_str).map(|s| s != "never").unwrap_or(false)
                || o.get("add_prefix_space").and_then(Json::as_bool).unwrap_or(false);
            (is_metaspace && prepends) || o.values().any(metaspace_prepends)
        }
        Json::Array(a) => a.iter().any(metaspace_prepends),
        _ => false,
    }
}

fn is_byte_token(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 6 && b.starts_with(b"<0x") && b[5] == b'>' && b[3].is_ascii_hexdigit() && b[4].is_ascii_hexdigit()
}

/// The special tokens a TemplateProcessing puts before and after a single sequence.
fn template_specials(post: &Json) -> (Option<String>, Option<String>) {
    let Json::Object(o) = post else { return (None, None) };
    if o.get("type").and_then(Json::as_str) == Some("Sequence") {
        let mut found = (None, None);
        for p in o.get("processors").and_then(Json::as_array).into_iter().flatten() {
            let (b, e) = template_specials(p);
            found = (found.0.or(b), found.1.or(e));
        }
        return found;
    }
    if o.get("type").and_then(Json::as_str) != Some("TemplateProcessing") {
        return (None, None);
    }
    let Some(single) = o.get("single").and_then(Json::as_array) else { return (None, None) };
    let special_id = |piece: Option<&Json>| -> Option<String> { piece?.get("SpecialToken")?.get("id")?.as_str().map(str::to_string) };
    let bos = special_id(single.first());
    let eos = if single.len() > 1 { special_id(single.last()) } else { None };
    (bos, eos)
}
