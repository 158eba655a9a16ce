//! SentencePiece-style BPE over token scores (GGUF `tokenizer.ggml.model == "llama"`), as llama.cpp does
//! it: start from single chars, repeatedly merge the adjacent pair whose concatenation is the
//! highest-scoring vocab token (leftmost on ties), and spell out chars that never formed a token as
//! `<0xXX>` byte tokens.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use super::TokenizerError;

#[derive(Clone, Copy)]
struct Symbol {
    start: usize,
    len: usize,
    prev: Option<usize>,
    next: Option<usize>,
}

struct Bigram {
    left: usize,
    right: usize,
    score: f32,
    size: usize,
}

impl PartialEq for Bigram {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Bigram {}
impl PartialOrd for Bigram {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bigram {
    /// Max-heap order: higher score first, then the leftmost pair.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.left.cmp(&self.left))
    }
}

/// What the SPM session needs from the vocabulary.
pub(crate) struct SpmVocab<'a> {
    pub ids: &'a HashMap<String, u32>,
    pub scores: &'a [f32],
}

impl SpmVocab<'_> {
    fn byte_token(&self, byte: u8) -> Result<u32, TokenizerError> {
        if let Some(&id) = self.ids.get(&format!("<0x{byte:02X}>")) {
            return Ok(id);
        }
        // llama.cpp falls back to the byte itself as a one-char token.
        if byte.is_ascii() {
            if let Some(&id) = self.ids.get(&char::from(byte).to_string()) {
                return Ok(id);
            }
        }
        Err(TokenizerError::MissingByteToken(byte))
    }
}

/// Tokenizes `text` (spaces already escaped to `▁`) and appends the ids to `out`.
pub(crate) fn tokenize(vocab: &SpmVocab<'_>, text: &str, out: &mut Vec<u32>) -> Result<(), TokenizerError> {
    let mut symbols: Vec<Symbol> = Vec::with_capacity(text.len());
    for (i, (start, c)) in text.char_indices().enumerate() {
        let len = c.len_utf8();
        symbols.push(Symbol { start, len, prev: i.checked_sub(1), next: if start + len == text.len() { None } else { Some(i + 1) } });
    }
    if symbols.is_empty() {
        return Ok(());
    }

    let mut queue = BinaryHeap::new();

    let try_add = |symbols: &[Symbol], queue: &mut BinaryHeap<Bigram>, left: Option<usize>, right: Option<usize>| {
        let (Some(left), Some(right)) = (left, right) else { return };
        let (l, r) = (symbols[left], symbols[right]);
        let Some(piece) = text.get(l.start..l.start + l.len + r.len) else { return };
        let Some(&id) = vocab.ids.get(piece) else { return };
        let Some(&score) = vocab.scores.get(id as usize) else { return };
        queue.push(Bigram { left, right, score, size: piece.len() });
    };

    for i in 1..symbols.len() {
        try_add(&symbols, &mut queue, Some(i - 1), Some(i));
    }

    while let Some(bigram) = queue.pop() {
        let (l, r) = (symbols[bigram.left], symbols[bigram.right]);
        // Skip pairs where one side was merged away since the pair was queued.
        if l.len == 0 || r.len == 0 || l.len + r.len != bigram.size {
            continue;
        }
        symbols[bigram.left].len += r.len;
        symbols[bigram.right].len = 0;
        symbols[bigram.left].next = r.next;
        if let Some(n) = r.next {
            symbols[n].prev = Some(bigram.left);
        }
        let (prev, next) = (symbols[bigram.left].prev, symbols[bigram.left].next);
        try_add(&symbols, &mut queue, prev, Some(bigram.left));
        try_add(&symbols, &mut queue, Some(bigram.left), next);
    }

    // Every merged symbol is a vocab token by construction; only single chars can be missing, and
    // those are spelled out as byte tokens (llama.cpp's merge-record lookup never finds a single char).
    let mut cursor = Some(0);
    while let Some(i) = cursor {
        let s = symbols[i];
        let piece = text.get(s.start..s.start + s.len).unwrap_or("");
        match vocab.ids.get(piece) {
            Some(&id) => out.push(id),
            None => {
                for &b in piece.as_bytes() {
                    out.push(vocab.byte_token(b)?);
                }
            }
        }
        cursor = s.next;
    }
    Ok(())
}
