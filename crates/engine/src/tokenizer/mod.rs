//! Tokenizers built from GGUF metadata or tokenizer.json.
//!
//! The goal is to reproduce llama.cpp token for token:
//!
//! * [`Tokenizer::encode`] behaves like `llama_tokenize(..., parse_special = true)`: every control,
//!   user-defined and unknown-type token written in the text becomes that token (longest tokens are
//!   split out first, as llama.cpp does), and the text between them goes through the model's
//!   pre-tokenizer and BPE (Hugging Face `tokenizers` does that part) or llama.cpp's SentencePiece
//!   merge loop.
//! * [`Tokenizer::decode`] behaves like `llama_detokenize(..., remove_special = false,
//!   unparse_special = true)`: control tokens are rendered as their text, unused tokens as nothing.
//! * [`Tokenizer::decode_stream`] yields the same text piece by piece without ever splitting a UTF-8
//!   character.
//!
//! Known differences from llama.cpp:
//!
//! * A BPE GGUF without `bos_token_id`/`eos_token_id` gets no BOS/EOS here; llama.cpp falls back to
//!   token 11 for both.
//! * Without `eot_token_id`, llama.cpp takes whichever end-of-turn-looking token its hash map yields
//!   first; here the first of its list that exists (`<|eot_id|>`, `<|im_end|>`, ...). The
//!   end-of-generation set ([`Tokenizer::eos_ids`]) is the same either way.
//! * BPE merges whose parts or result are not tokens are dropped (Hugging Face's BPE requires it);
//!   llama.cpp would apply them and fall back to byte tokens. Real vocabularies have none.
//! * The per-model strip attributes llama.cpp hard-codes for phi-3 and jina `<mask>` are not applied.
//! * Only the `tokenizer.ggml.pre` names in `pre.rs` are known; others are an error, not a guess.
//! * Unicode categories come from the regex crate's tables, llama.cpp's from its own; they can
//!   disagree only on recently assigned characters.
//! * From tokenizer.json, the file's own normalizer runs (Qwen's NFC, for one), as in `transformers`.

mod byte_level;
mod from_gguf;
mod from_json;
mod pre;
mod spm;
mod stream;

use std::collections::HashMap;
use std::fmt;

pub use stream::TokenStream;

/// A token's index in the vocabulary.
pub type TokenId = u32;

/// Everything that can go wrong building or using a [`Tokenizer`].
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// A required `tokenizer.ggml.*` key is absent.
    #[error("GGUF metadata has no `{0}` key")]
    MissingKey(&'static str),
    /// A metadata key holds a value of the wrong type.
    #[error("GGUF metadata key `{key}` is not {expected}")]
    WrongType {
        /// The metadata key.
        key: &'static str,
        /// The type it should have, e.g. "a string array".
        expected: &'static str,
    },
    /// A per-token array (token types, scores) is shorter than the vocabulary.
    #[error("GGUF metadata key `{key}` has {found} entries, fewer than the {expected} tokens")]
    ShortArray {
        /// The metadata key.
        key: &'static str,
        /// Entries in the array.
        found: usize,
        /// Tokens in the vocabulary.
        expected: usize,
    },
    /// `tokenizer.ggml.model` is neither `gpt2` (byte-level BPE) nor `llama` (SentencePiece).
    #[error("tokenizer model `{0}` is not supported (supported: `gpt2` byte-level BPE, `llama` SentencePiece)")]
    UnsupportedModel(String),
    /// `tokenizer.ggml.pre` names a pre-tokenizer not in `pre.rs`; `known` lists those that are.
    #[error("unknown pre-tokenizer `{name}` (tokenizer.ggml.pre); known: {known}")]
    UnknownPreTokenizer {
        /// The name in the file.
        name: String,
        /// The names this crate knows, comma-separated.
        known: String,
    },
    /// The vocabulary has no tokens.
    #[error("the vocabulary is empty")]
    EmptyVocab,
    /// Two ids share the same vocab string.
    #[error("duplicate token {text:?} at ids {first} and {second}")]
    DuplicateToken {
        /// The vocab string.
        text: String,
        /// The lower id holding it.
        first: u32,
        /// The higher id holding it.
        second: u32,
    },
    /// BOS or EOS is to be added (the `flag` setting) but the model declares no such token.
    #[error("{flag} is true but the model has no {what} token")]
    MissingSpecialToken {
        /// The setting that asks for the token, e.g. `add_bos_token`.
        flag: &'static str,
        /// The token missing: `BOS` or `EOS`.
        what: &'static str,
    },
    /// Decoding met an id not below the vocabulary size.
    #[error("token id {id} is out of range (vocabulary size {vocab_size})")]
    TokenOutOfRange {
        /// The offending token id.
        id: TokenId,
        /// The vocabulary size.
        vocab_size: usize,
    },
    /// SentencePiece byte fallback needs a `<0xXX>` token the vocabulary lacks.
    #[error("the vocabulary has no byte token for 0x{0:02X}")]
    MissingByteToken(u8),
    /// `tokenizer.json` could not be parsed or is inconsistent.
    #[error("invalid tokenizer.json: {0}")]
    InvalidJson(String),
    /// `tokenizer_config.json` is not a valid JSON object.
    #[error("invalid tokenizer_config.json: {0}")]
    InvalidConfig(String),
    /// The Hugging Face tokenizer could not be built, e.g. a pre-tokenizer regex did not compile.
    #[error("tokenizer construction failed: {0}")]
    Build(String),
    /// The Hugging Face pipeline failed on a fragment of text.
    #[error("encoding failed: {0}")]
    Encode(String),
}

/// A result with [`TokenizerError`] as the default error.
pub type Result<T, E = TokenizerError> = std::result::Result<T, E>;

/// A token's type, as GGUF `tokenizer.ggml.token_type` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Type 0 or anything unknown: decodes to nothing.
    Undefined,
    /// Type 1: ordinary text.
    Normal,
    /// Type 2: the unknown token. Matched in text like a control token.
    Unknown,
    /// Type 3: control tokens such as `<|im_start|>`. Matched in text as whole tokens.
    Control,
    /// Type 4: user-defined tokens. Matched in text as whole tokens, decoded verbatim.
    UserDefined,
    /// Type 5: unused/padding slots. Decode to nothing and are never produced by encoding.
    Unused,
    /// Type 6: `<0xXX>` byte tokens of SentencePiece vocabularies.
    Byte,
}

impl TokenKind {
    /// The kind for a `tokenizer.ggml.token_type` value; unknown values give [`TokenKind::Undefined`].
    pub fn from_gguf(token_type: i64) -> Self {
        match token_type {
            1 => TokenKind::Normal,
            2 => TokenKind::Unknown,
            3 => TokenKind::Control,
            4 => TokenKind::UserDefined,
            5 => TokenKind::Unused,
            6 => TokenKind::Byte,
            _ => TokenKind::Undefined,
        }
    }

    /// Tokens that are split out of the text before the pre-tokenizer runs.
    pub fn is_matched_in_text(self) -> bool {
        matches!(self, TokenKind::Control | TokenKind::UserDefined | TokenKind::Unknown)
    }
}

/// How a normal token's vocab string turns into bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PieceStyle {
    /// GPT-2 byte-level alphabet.
    ByteLevel,
    /// SentencePiece: `▁` is a space.
    Metaspace,
    /// The vocab string is the text.
    Raw,
}

/// The part that turns text between special tokens into ids.
#[derive(Clone)]
enum Encoder {
    /// Hugging Face pipeline (pre-tokenizer + model); used with `add_special_tokens = false`.
    Hf(Box<tokenizers::Tokenizer>),
    /// llama.cpp's SentencePiece merge loop over token scores.
    Spm { scores: Vec<f32> },
}

/// The special token ids a model declares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpecialTokens {
    /// Beginning of sequence, put first by [`Tokenizer::encode`] when the model adds BOS.
    pub bos: Option<TokenId>,
    /// End of sequence.
    pub eos: Option<TokenId>,
    /// End of turn (`<|im_end|>`, `<|eot_id|>`, ...).
    pub eot: Option<TokenId>,
    /// End of message (`<|eom_id|>`).
    pub eom: Option<TokenId>,
    /// The unknown token, for text the vocabulary cannot spell.
    pub unk: Option<TokenId>,
    /// Separator between segments, for models that use one.
    pub sep: Option<TokenId>,
    /// Padding.
    pub pad: Option<TokenId>,
    /// Fill-in-the-middle: marks the prefix (`<|fim_prefix|>`).
    pub fim_pre: Option<TokenId>,
    /// Fill-in-the-middle: marks the suffix (`<|fim_suffix|>`).
    pub fim_suf: Option<TokenId>,
    /// Fill-in-the-middle: where the middle is to be generated (`<|fim_middle|>`).
    pub fim_mid: Option<TokenId>,
    /// Fill-in-the-middle padding (`<|fim_pad|>`).
    pub fim_pad: Option<TokenId>,
    /// Repository name marker of repository-level completion (`<|repo_name|>`).
    pub fim_rep: Option<TokenId>,
    /// File separator of repository-level completion (`<|file_sep|>`).
    pub fim_sep: Option<TokenId>,
}

/// A tokenizer that encodes and decodes exactly as llama.cpp does for the same model.
#[derive(Clone)]
pub struct Tokenizer {
    encoder: Encoder,
    /// Vocab strings by id.
    texts: Vec<String>,
    kinds: Vec<TokenKind>,
    /// Decoded bytes by id (llama.cpp's `token_to_piece(special = true)`).
    pieces: Vec<Vec<u8>>,
    ids: HashMap<String, TokenId>,
    /// Tokens matched in text, longest first.
    matched_in_text: Vec<TokenId>,
    special: SpecialTokens,
    /// End-of-generation ids, sorted.
    eog: Vec<TokenId>,
    add_bos: bool,
    add_eos: bool,
    /// SentencePiece: a space is put before text that starts a fragment, and the first decoded piece
    /// loses one leading space.
    add_space_prefix: bool,
    clean_spaces: bool,
    model: String,
    pre: Option<String>,
    chat_template: Option<String>,
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("model", &self.model)
            .field("pre", &self.pre)
            .field("vocab_size", &self.texts.len())
            .field("special", &self.special)
            .field("eog", &self.eog)
            .field("add_bos", &self.add_bos)
            .field("add_eos", &self.add_eos)
            .finish_non_exhaustive()
    }
}

enum Fragment<'a> {
    Text(&'a str),
    Token(TokenId),
}

impl Tokenizer {
    /// Builds the tokenizer a GGUF file describes (`tokenizer.ggml.*` keys).
    ///
    /// Supports `tokenizer.ggml.model` `gpt2` (byte-level BPE, with the pre-tokenizer named by
    /// `tokenizer.ggml.pre`; an unknown name is an error, a missing one means `default` as in
    /// llama.cpp) and `llama` (SentencePiece).
    pub fn from_gguf(metadata: &crate::gguf::Metadata) -> Result<Self> {
        from_gguf::build(metadata)
    }

    /// Builds a tokenizer from a Hugging Face `tokenizer.json`, with the optional
    /// `tokenizer_config.json` supplying `add_bos_token`, `add_eos_token`, the BOS/EOS/PAD/UNK tokens,
    /// `clean_up_tokenization_spaces` and `chat_template`.
    ///
    /// Added tokens are handled the way llama.cpp handles a GGUF converted from these files: special
    /// ones become control tokens, the others user-defined tokens, and all are matched in text.
    pub fn from_json_bytes(json: &[u8], config: Option<&[u8]>) -> Result<Self> {
        from_json::build(json, config)
    }

    /// Number of token ids.
    pub fn vocab_size(&self) -> usize {
        self.texts.len()
    }

    /// The special token ids the model declares.
    pub fn special_tokens(&self) -> &SpecialTokens {
        &self.special
    }

    /// The beginning-of-sequence id, if the model has one.
    pub fn bos_id(&self) -> Option<TokenId> {
        self.special.bos
    }

    /// The end-of-sequence id; generation stops at every id of [`eos_ids`](Self::eos_ids), not only this one.
    pub fn eos_id(&self) -> Option<TokenId> {
        self.special.eos
    }

    /// The end-of-turn id (`<|im_end|>`, `<|eot_id|>`, ...), if the model has one.
    pub fn eot_id(&self) -> Option<TokenId> {
        self.special.eot
    }

    /// The padding id, if the model has one.
    pub fn pad_id(&self) -> Option<TokenId> {
        self.special.pad
    }

    /// Every id that ends generation (llama.cpp's EOG set: EOS, EOT/EOM, `<|im_end|>`,
    /// `<|endoftext|>`, FIM pad/repo/separator tokens, ...), sorted.
    pub fn eos_ids(&self) -> &[TokenId] {
        &self.eog
    }

    /// Whether `id` ends generation (is one of [`eos_ids`](Self::eos_ids)).
    pub fn is_eog(&self, id: TokenId) -> bool {
        self.eog.binary_search(&id).is_ok()
    }

    /// Whether [`encode`](Self::encode) with `add_special` puts BOS first.
    pub fn add_bos(&self) -> bool {
        self.add_bos
    }

    /// Whether [`encode`](Self::encode) with `add_special` puts EOS last.
    pub fn add_eos(&self) -> bool {
        self.add_eos
    }

    /// The vocab string of a token (byte-level or `▁`-escaped, as stored in the model).
    pub fn token_text(&self, id: TokenId) -> Option<&str> {
        self.texts.get(id as usize).map(String::as_str)
    }

    /// The id whose vocab string is exactly `text`.
    pub fn id_of(&self, text: &str) -> Option<TokenId> {
        self.ids.get(text).copied()
    }

    /// The type of token `id`; `None` when it is out of range.
    pub fn token_kind(&self, id: TokenId) -> Option<TokenKind> {
        self.kinds.get(id as usize).copied()
    }

    /// The bytes a token decodes to (control tokens as their text, unused tokens as nothing). A
    /// token's bytes need not be valid UTF-8 on their own.
    pub fn token_bytes(&self, id: TokenId) -> Option<&[u8]> {
        self.pieces.get(id as usize).map(Vec::as_slice)
    }

    /// `tokenizer.ggml.model` (`gpt2`, `llama`) or the tokenizer.json model type.
    pub fn model_name(&self) -> &str {
        &self.model
    }

    /// `tokenizer.ggml.pre`, when the tokenizer came from a GGUF file with one.
    pub fn pre_tokenizer_name(&self) -> Option<&str> {
        self.pre.as_deref()
    }

    /// The Jinja chat template the model ships, if any.
    pub fn chat_template(&self) -> Option<&str> {
        self.chat_template.as_deref()
    }

    /// The vocab string of BOS, for chat templates.
    pub fn bos_text(&self) -> Option<&str> {
        self.special.bos.and_then(|id| self.token_text(id))
    }

    /// The vocab string of EOS, for chat templates.
    pub fn eos_text(&self) -> Option<&str> {
        self.special.eos.and_then(|id| self.token_text(id))
    }

    /// The underlying Hugging Face tokenizer (pre-tokenizer, model, added tokens), for byte-level BPE
    /// models; `None` for SentencePiece models, which use llama.cpp's own algorithm. Serializing it
    /// gives a tokenizer.json that [`from_json_bytes`](Self::from_json_bytes) reads back.
    pub fn hf_tokenizer(&self) -> Option<&tokenizers::Tokenizer> {
        match &self.encoder {
            Encoder::Hf(t) => Some(t),
            Encoder::Spm { .. } => None,
        }
    }

    /// Token ids for `text`. Control and user-defined tokens written in the text are always parsed as
    /// tokens. With `add_special`, BOS/EOS are added where the model asks for them.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<TokenId>> {
        let mut out = Vec::with_capacity(text.len() / 3 + 2);
        if add_special && self.add_bos {
            out.push(self.special.bos.ok_or(TokenizerError::MissingSpecialToken { flag: "add_bos", what: "BOS" })?);
        }
        let fragments = self.partition(text);
        match &self.encoder {
            Encoder::Hf(hf) => {
                for fragment in fragments {
                    match fragment {
                        Fragment::Token(id) => out.push(id),
                        Fragment::Text(s) => {
                            let encoding = hf.encode_fast(s, false).map_err(|e| TokenizerError::Encode(e.to_string()))?;
                            out.extend_from_slice(encoding.get_ids());
                        }
                    }
                }
            }
            Encoder::Spm { scores } => {
                let vocab = spm::SpmVocab { ids: &self.ids, scores };
                let mut prev_special = true;
                for fragment in fragments {
                    match fragment {
                        Fragment::Token(id) => {
                            out.push(id);
                            prev_special = true;
                        }
                        Fragment::Text(s) => {
                            let mut escaped = String::with_capacity(s.len() + 4);
                            if self.add_space_prefix && prev_special {
                                escaped.push('\u{2581}');
                            }
                            for c in s.chars() {
                                escaped.push(if c == ' ' { '\u{2581}' } else { c });
                            }
                            spm::tokenize(&vocab, &escaped, &mut out)?;
                            prev_special = false;
                        }
                    }
                }
            }
        }
        if add_special && self.add_eos {
            out.push(self.special.eos.ok_or(TokenizerError::MissingSpecialToken { flag: "add_eos", what: "EOS" })?);
        }
        Ok(out)
    }

    /// Splits `text` at every occurrence of a control/user-defined/unknown token, longest tokens first,
    /// as llama.cpp's `tokenizer_st_partition` does.
    fn partition<'a>(&self, text: &'a str) -> Vec<Fragment<'a>> {
        let mut fragments = Vec::new();
        if text.is_empty() {
            return fragments;
        }
        fragments.push(Fragment::Text(text));
        for &id in &self.matched_in_text {
            let needle = self.texts[id as usize].as_str();
            if needle.is_empty() || !text.contains(needle) {
                continue;
            }
            let mut next = Vec::with_capacity(fragments.len() + 2);
            for fragment in fragments {
                match fragment {
                    Fragment::Token(_) => next.push(fragment),
                    Fragment::Text(mut rest) => {
                        while let Some(pos) = rest.find(needle) {
                            if pos > 0 {
                                next.push(Fragment::Text(&rest[..pos]));
                            }
                            next.push(Fragment::Token(id));
                            rest = &rest[pos + needle.len()..];
                        }
                        if !rest.is_empty() {
                            next.push(Fragment::Text(rest));
                        }
                    }
                }
            }
            fragments = next;
        }
        fragments
    }

    /// Text for `ids` as llama.cpp's `llama_detokenize` gives it: special tokens rendered as their
    /// text, and, for the BPE pre-tokenizers llama.cpp marks so (`llama-bpe`, `gpt-2`, `default`, ...,
    /// never `qwen2` or `smollm`), spaces before `?!.,` and some apostrophes cleaned up. Bytes that do
    /// not form valid UTF-8 become U+FFFD.
    ///
    /// Generated text should rather be shown with [`decode_stream`](Self::decode_stream) or
    /// [`decode_verbatim`](Self::decode_verbatim), which never clean up (`find . -name` stays intact).
    pub fn decode(&self, ids: &[TokenId]) -> Result<String> {
        Ok(lossy(self.decode_bytes(ids)?))
    }

    /// The raw bytes of [`decode`](Self::decode), before UTF-8 validation.
    pub fn decode_bytes(&self, ids: &[TokenId]) -> Result<Vec<u8>> {
        let out = self.verbatim_bytes(ids)?;
        Ok(if self.clean_spaces { clean_up_spaces(&out) } else { out })
    }

    /// The concatenated token pieces, exactly what [`decode_stream`](Self::decode_stream) yields: like
    /// [`decode`](Self::decode) without the space clean-up.
    pub fn decode_verbatim(&self, ids: &[TokenId]) -> Result<String> {
        Ok(lossy(self.verbatim_bytes(ids)?))
    }

    /// Whether [`decode`](Self::decode) cleans up spaces (and so may differ from the stream).
    pub fn cleans_up_spaces(&self) -> bool {
        self.clean_spaces
    }

    fn verbatim_bytes(&self, ids: &[TokenId]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for (i, &id) in ids.iter().enumerate() {
            let piece = self.piece(id)?;
            out.extend_from_slice(if i == 0 { self.strip_first(piece) } else { piece });
        }
        Ok(out)
    }

    /// A decoder that turns ids into text as they arrive.
    ///
    /// The concatenation of its pieces equals [`decode_verbatim`](Self::decode_verbatim) of all ids, and
    /// [`decode`](Self::decode) too unless the model asks for llama.cpp's space clean-up (never for
    /// `qwen2` or `smollm` tokenizers), which llama.cpp's streaming `token_to_piece` does not apply either.
    pub fn decode_stream(&self) -> TokenStream<'_> {
        TokenStream::new(self)
    }

    fn piece(&self, id: TokenId) -> Result<&[u8]> {
        self.pieces.get(id as usize).map(Vec::as_slice).ok_or(TokenizerError::TokenOutOfRange { id, vocab_size: self.pieces.len() })
    }

    /// llama.cpp removes one leading space from the first piece when the model adds a space prefix.
    fn strip_first<'p>(&self, piece: &'p [u8]) -> &'p [u8] {
        if self.add_space_prefix {
            piece.strip_prefix(b" ").unwrap_or(piece)
        } else {
            piece
        }
    }
}

fn lossy(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// llama.cpp's `clean_spaces` post-processing of detokenized text.
fn clean_up_spaces(text: &[u8]) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    // Pass 1: drop the space in " ?", " !", " .", " ,".
    let mut pass1 = Vec::with_capacity(text.len());
    pass1.push(text[0]);
    for i in 1..text.len() {
        let x = text[i];
        if text[i - 1] == b' ' && matches!(x, b'?' | b'!' | b'.' | b',') {
            pass1.pop();
        }
        pass1.push(x);
    }
    // Pass 2: " ' " -> "'". The dropped space after the apostrophe no longer counts as a space.
    let mut input = pass1;
    let mut pass2 = Vec::with_capacity(input.len());
    pass2.push(input[0]);
    let mut i = 1;
    while i < input.len() {
        let x = input[i];
        if x == b'\'' && i + 1 < input.len() && input[i - 1] == b' ' && input[i + 1] == b' ' {
            pass2.pop();
            input[i + 1] = 0;
            pass2.push(x);
            i += 2;
            continue;
        }
        pass2.push(x);
        i += 1;
    }
    // Pass 3: " 's", " 'm", " 're", " 've" lose the space.
    let mut pass3 = Vec::with_capacity(pass2.len());
    pass3.push(pass2[0]);
    let n = pass2.len();
    for i in 1..n {
        let x = pass2[i];
        if pass2[i - 1] == b' ' && x == b'\'' && i + 1 < n {
            let x1 = pass2[i + 1];
            if matches!(x1, b's' | b'm') {
                pass3.pop();
            } else if i + 2 < n {
                let x2 = pass2[i + 2];
                if (x1 == b'r' || x1 == b'v') && x2 == b'e' {
                    pass3.pop();
                }
            }
        }
        pass3.push(x);
    }
    pass3
}

/// Raw material shared by the GGUF and tokenizer.json constructors.
pub(crate) struct VocabParts {
    pub texts: Vec<String>,
    pub kinds: Vec<TokenKind>,
    pub style: PieceStyle,
    pub special: SpecialTokens,
    pub add_bos: bool,
    pub add_eos: bool,
    pub add_space_prefix: bool,
    pub clean_spaces: bool,
    pub model: String,
    pub pre: Option<String>,
    pub chat_template: Option<String>,
}

/// Fills in what llama.cpp derives at load time and assembles the tokenizer.
pub(crate) fn finish(parts: VocabParts, ids: HashMap<String, TokenId>, encoder_for: EncoderInit) -> Result<Tokenizer> {
    let VocabParts { texts, mut kinds, style, mut special, add_bos, add_eos, add_space_prefix, clean_spaces, model, pre, chat_template } =
        parts;

    // Control-looking tokens found by their text (llama.cpp's auto-detection), promoted to control.
    let promote = |slot: &mut Option<TokenId>, names: &[&str], kinds: &mut [TokenKind]| {
        if slot.is_some() {
            return;
        }
        if let Some(id) = names.iter().find_map(|n| ids.get(*n).copied()) {
            *slot = Some(id);
            let k = &mut kinds[id as usize];
            if !k.is_matched_in_text() {
                *k = TokenKind::Control;
            }
        }
    };
    promote(&mut special.eot, EOT_NAMES, &mut kinds);
    promote(&mut special.eom, &["<|eom_id|>"], &mut kinds);
    promote(&mut special.fim_pre, FIM_PRE_NAMES, &mut kinds);
    promote(&mut special.fim_suf, FIM_SUF_NAMES, &mut kinds);
    promote(&mut special.fim_mid, FIM_MID_NAMES, &mut kinds);
    promote(&mut special.fim_pad, FIM_PAD_NAMES, &mut kinds);
    promote(&mut special.fim_rep, FIM_REP_NAMES, &mut kinds);
    promote(&mut special.fim_sep, &["<|file_sep|>"], &mut kinds);

    let mut eog: Vec<TokenId> = [special.fim_pad, special.fim_rep, special.fim_sep].into_iter().flatten().collect();
    for name in EOG_NAMES {
        if let Some(&id) = ids.get(*name) {
            eog.push(id);
            let k = &mut kinds[id as usize];
            if !k.is_matched_in_text() {
                *k = TokenKind::Control;
            }
        }
    }
    // gpt-oss: these are always rendered.
    for name in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
        if let Some(&id) = ids.get(name) {
            kinds[id as usize] = TokenKind::UserDefined;
        }
    }
    eog.extend([special.eos, special.eot, special.eom].into_iter().flatten());
    eog.sort_unstable();
    eog.dedup();
    // o200k_harmony / solar-open: `<|end|>` is not the end of generation there.
    let has = |eog: &[TokenId], name: &str| ids.get(name).is_some_and(|id| eog.contains(id));
    if has(&eog, "<|end|>") && ((has(&eog, "<|return|>") && has(&eog, "<|call|>")) || (has(&eog, "<|calls|>") && has(&eog, "<|flush|>"))) {
        if let Some(&end) = ids.get("<|end|>") {
            eog.retain(|&id| id != end);
            kinds[end as usize] = TokenKind::UserDefined;
        }
    }
    // gemma4 / paddleocr: `</s>` is not the end of generation when `<|tool_response>` is.
    if has(&eog, "<|tool_response>") && has(&eog, "</s>") {
        if let Some(&s) = ids.get("</s>") {
            eog.retain(|&id| id != s);
            kinds[s as usize] = TokenKind::Normal;
        }
    }

    let mut matched_in_text: Vec<TokenId> = (0..texts.len() as TokenId).filter(|&id| kinds[id as usize].is_matched_in_text()).collect();
    matched_in_text.sort_by(|&a, &b| texts[b as usize].len().cmp(&texts[a as usize].len()).then(a.cmp(&b)));

    let pieces = texts.iter().zip(&kinds).map(|(text, &kind)| piece_bytes(text, kind, style)).collect();

    if add_bos && special.bos.is_none() {
        return Err(TokenizerError::MissingSpecialToken { flag: "add_bos_token", what: "BOS" });
    }
    if add_eos && special.eos.is_none() {
        return Err(TokenizerError::MissingSpecialToken { flag: "add_eos_token", what: "EOS" });
    }

    let encoder = match encoder_for {
        EncoderInit::Hf(t) => Encoder::Hf(t),
        EncoderInit::Spm(scores) => Encoder::Spm { scores },
    };

    Ok(Tokenizer {
        encoder,
        texts,
        kinds,
        pieces,
        ids,
        matched_in_text,
        special,
        eog,
        add_bos,
        add_eos,
        add_space_prefix,
        clean_spaces,
        model,
        pre,
        chat_template,
    })
}

pub(crate) enum EncoderInit {
    Hf(Box<tokenizers::Tokenizer>),
    Spm(Vec<f32>),
}

/// Vocab string -> id, rejecting duplicates as llama.cpp does. Empty strings must already be replaced.
pub(crate) fn index_texts(texts: &[String]) -> Result<HashMap<String, TokenId>> {
    let mut ids = HashMap::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let id = i as TokenId;
        if let Some(first) = ids.insert(text.clone(), id) {
            return Err(TokenizerError::DuplicateToken { text: text.clone(), first, second: id });
        }
    }
    Ok(ids)
}

/// What llama.cpp's `token_to_piece(special = true)` gives for one token.
fn piece_bytes(text: &str, kind: TokenKind, style: PieceStyle) -> Vec<u8> {
    match kind {
        TokenKind::Control | TokenKind::Unknown | TokenKind::UserDefined => text.as_bytes().to_vec(),
        TokenKind::Normal => match style {
            PieceStyle::ByteLevel => byte_level::decode_token_text(text),
            PieceStyle::Metaspace => text.replace('\u{2581}', " ").into_bytes(),
            PieceStyle::Raw => text.as_bytes().to_vec(),
        },
        TokenKind::Byte => vec![parse_byte_token(text)],
        TokenKind::Unused | TokenKind::Undefined => Vec::new(),
    }
}

/// The byte of a `<0xXX>` token (llama.cpp reads the two chars after `<0x` as hex).
fn parse_byte_token(text: &str) -> u8 {
    let hex = text.get(3..5).or_else(|| text.get(3..)).unwrap_or("");
    let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
    u8::from_str_radix(&digits, 16).unwrap_or(0)
}

const EOT_NAMES: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>",
    "<end_of_utterance>",
];
const FIM_PRE_NAMES: &[&str] = &[
    "<|fim_prefix|>",
    "<fim-prefix>",
    "<fim_prefix>",
    "<\u{FF5C}fim\u{2581}begin\u{FF5C}>",
    "<PRE>",
    "\u{2581}<PRE>",
    "<|code_prefix|>",
    "<|prefix|>",
];
const FIM_SUF_NAMES: &[&str] = &[
    "<|fim_suffix|>",
    "<fim-suffix>",
    "<fim_suffix>",
    "<\u{FF5C}fim\u{2581}hole\u{FF5C}>",
    "<SUF>",
    "\u{2581}<SUF>",
    "<|code_suffix|>",
    "<|suffix|>",
];
const FIM_MID_NAMES: &[&str] = &[
    "<|fim_middle|>",
    "<fim-middle>",
    "<fim_middle>",
    "<\u{FF5C}fim\u{2581}end\u{FF5C}>",
    "<MID>",
    "\u{2581}<MID>",
    "<|code_middle|>",
    "<|middle|>",
];
const FIM_PAD_NAMES: &[&str] = &["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
const FIM_REP_NAMES: &[&str] = &["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
const EOG_NAMES: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<|flush|>",
    "<|calls|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "[EOS]",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<eos>",
    "<turn|>",
    "<|tool_response>",
    "<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>",
    "[e~[",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_spaces_matches_llama_cpp() {
        let c = |s: &str| String::from_utf8(clean_up_spaces(s.as_bytes())).unwrap();
        assert_eq!(c("Hello , world !"), "Hello, world!");
        assert_eq!(c("a  ."), "a .");
        assert_eq!(c("it ' s"), "it's");
        assert_eq!(c("a ' ' b"), "a'' b");
        assert_eq!(c("he 's we 're you 've I 'm they 'll it 'd don 't"), "he's we're you've I'm they 'll it 'd don 't");
        assert_eq!(c(""), "");
        assert_eq!(c(" ."), ".");
    }

    #[test]
    fn byte_tokens_parse() {
        assert_eq!(parse_byte_token("<0x0A>"), 0x0A);
        assert_eq!(parse_byte_token("<0xFF>"), 0xFF);
        assert_eq!(parse_byte_token("<0x"), 0);
    }
}
