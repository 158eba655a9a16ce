//! Incremental detokenization for streaming generation.

use super::{Result, TokenId, Tokenizer};

/// Turns token ids into text as they arrive, holding back bytes of a UTF-8 character that is not
/// complete yet, so no piece ever ends in the middle of a character.
///
/// Joining every piece [`push`](Self::push) returns and then [`finish`](Self::finish) gives exactly
/// `String::from_utf8_lossy` of the ids' bytes: invalid bytes become U+FFFD the same way.
#[derive(Debug, Clone)]
pub struct TokenStream<'a> {
    tokenizer: &'a Tokenizer,
    pending: Vec<u8>,
    first: bool,
}

impl<'a> TokenStream<'a> {
    pub(super) fn new(tokenizer: &'a Tokenizer) -> Self {
        TokenStream { tokenizer, pending: Vec::new(), first: true }
    }

    /// Adds one token and returns the text that is now complete (possibly empty).
    pub fn push(&mut self, id: TokenId) -> Result<String> {
        let piece = self.tokenizer.piece(id)?;
        let piece = if self.first { self.tokenizer.strip_first(piece) } else { piece };
        self.first = false;
        self.pending.extend_from_slice(piece);
        Ok(self.take_complete())
    }

    /// Adds several tokens and returns the text that is now complete.
    pub fn push_all(&mut self, ids: &[TokenId]) -> Result<String> {
        let mut out = String::new();
        for &id in ids {
            out.push_str(&self.push(id)?);
        }
        Ok(out)
    }

    /// Bytes held back because they may start a character that later tokens complete.
    pub fn pending_bytes(&self) -> &[u8] {
        &self.pending
    }

    /// Ends the stream: held-back bytes that never became a character come out as U+FFFD.
    pub fn finish(mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        String::from_utf8_lossy(&rest).into_owned()
    }

    fn take_complete(&mut self) -> String {
        let mut out = String::new();
        let mut start = 0;
        loop {
            let rest = &self.pending[start..];
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    start = self.pending.len();
                    break;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    out.push_str(&String::from_utf8_lossy(&rest[..valid]));
                    match e.error_len() {
                        Some(bad) => {
                            out.push('\u{FFFD}');
                            start += valid + bad;
                        }
                        None => {
                            // An incomplete character at the end: keep it for the next token.
                            start += valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..start);
        out
    }
}
