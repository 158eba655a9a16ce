//! Constrained decoding of `{"recommendations": [{"modelId": "<catalog id>", "reason": "..."}]}`
//! with one or two items: a byte-level state machine in which ids can only spell catalog ids,
//! so even a tiny model answers with valid JSON naming real models.

use crate::discover::catalog::catalog;
use cmdai_engine::generate::TokenConstraint;

use super::MAX_RECOMMENDATIONS;

/// Longest reason, in bytes; then only the closing quote is allowed.
const MAX_REASON_BYTES: u16 = 120;

/// The fixed text of the layout; the quote that ends an id or a reason starts the next literal.
const LITERALS: [&[u8]; 6] = [b"{\"recommendations\": [", b"{\"modelId\": \"", b"\", \"reason\": \"", b"\"}", b", ", b"]}"];
const OPEN: u8 = 0;
const ITEM: u8 = 1;
const MID: u8 = 2;
const ITEM_END: u8 = 3;
const NEXT: u8 = 4;
const CLOSE: u8 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Literal {
        which: u8,
        pos: u8,
    },
    /// Inside an id: bytes read, and which catalog ids still match them (a bit each).
    Id {
        pos: u8,
        candidates: u32,
    },
    Reason {
        len: u16,
    },
    /// After an item: `]` ends the list, `,` starts another.
    AfterItem,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    phase: Phase,
    items: u8,
}

pub struct AdviceConstraint {
    vocab: Vec<Vec<u8>>,
    ids: Vec<&'static [u8]>,
    state: State,
}

impl AdviceConstraint {
    /// `vocab[token]` is the token's bytes, empty for control tokens.
    pub fn new(vocab: Vec<Vec<u8>>) -> Self {
        let ids: Vec<&'static [u8]> = catalog().iter().map(|e| e.id.as_bytes()).collect();
        assert!(ids.len() <= 32, "the candidate set is a u32");
        Self { vocab, ids, state: State { phase: Phase::Literal { which: OPEN, pos: 0 }, items: 0 } }
    }

    fn all_ids(&self) -> u32 {
        if self.ids.len() == 32 {
            u32::MAX
        } else {
            (1u32 << self.ids.len()) - 1
        }
    }

    fn step(&self, s: State, b: u8) -> Option<State> {
        let at = |which: u8, pos: u8| Phase::Literal { which, pos };
        let phase = match s.phase {
            Phase::Literal { which, pos } => {
                let lit = LITERALS[which as usize];
                if lit[pos as usize] != b {
                    return None;
                }
                if (pos as usize) + 1 < lit.len() {
                    at(which, pos + 1)
                } else {
                    match which {
                        OPEN | NEXT => at(ITEM, 0),
                        ITEM => Phase::Id { pos: 0, candidates: self.all_ids() },
                        MID => Phase::Reason { len: 0 },
                        ITEM_END => return Some(State { phase: Phase::AfterItem, items: s.items + 1 }),
                        _ => Phase::Done,
                    }
                }
            }
            Phase::Id { pos, candidates } => {
                let complete = self.matching(candidates, |id| id.len() == pos as usize) != 0;
                if b == b'"' && complete {
                    at(MID, 1)
                } else {
                    let next = self.matching(candidates, |id| id.get(pos as usize) == Some(&b));
                    if next == 0 {
                        return None;
                    }
                    Phase::Id { pos: pos + 1, candidates: next }
                }
            }
            Phase::Reason { len } => match b {
                b'"' if len > 0 => at(ITEM_END, 1),
                b'"' | b'\\' => return None,
                0x20..=0x7e if len < MAX_REASON_BYTES => Phase::Reason { len: len + 1 },
                _ => return None,
            },
            Phase::AfterItem => match b {
                b']' => at(CLOSE, 1),
                b',' if (s.items as usize) < MAX_RECOMMENDATIONS => at(NEXT, 1),
                _ => return None,
            },
            Phase::Done => return None,
        };
        Some(State { phase, items: s.items })
    }

    fn matching(&self, candidates: u32, keep: impl Fn(&[u8]) -> bool) -> u32 {
        self.ids.iter().enumerate().filter(|(i, id)| candidates & (1 << i) != 0 && keep(id)).fold(0, |m, (i, _)| m | (1 << i))
    }

    fn feed(&self, token: u32) -> Option<State> {
        let bytes = self.vocab.get(token as usize).filter(|b| !b.is_empty())?;
        bytes.iter().try_fold(self.state, |s, &b| self.step(s, b))
    }
}

impl TokenConstraint for AdviceConstraint {
    fn mask(&self, logits: &mut [f32]) {
        for (token, logit) in logits.iter_mut().enumerate() {
            if *logit != f32::NEG_INFINITY && self.feed(token as u32).is_none() {
                *logit = f32::NEG_INFINITY;
            }
        }
    }

    fn advance(&mut self, token: u32) {
        if let Some(next) = self.feed(token) {
            self.state = next;
        }
    }

    fn is_complete(&self) -> bool {
        self.state.phase == Phase::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vocabulary of single bytes plus a few multi-byte tokens.
    fn vocab() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = (0u8..=255).map(|b| vec![b]).collect();
        v.push(b"{\"recommendations\"".to_vec()); // 256
        v.push(b"Qwen/".to_vec()); // 257
        v.push(b"\"}]}".to_vec()); // 258
        v.push(Vec::new()); // 259, a control token
        v
    }

    fn masked(c: &AdviceConstraint) -> Vec<f32> {
        let mut logits = vec![0f32; c.vocab.len()];
        c.mask(&mut logits);
        logits
    }

    fn feed_text(c: &mut AdviceConstraint, text: &str) {
        for &b in text.as_bytes() {
            let mut logits = vec![0f32; c.vocab.len()];
            c.mask(&mut logits);
            assert!(logits[b as usize].is_finite(), "byte {:?} refused after {:?}", b as char, c.state);
            c.advance(b as u32);
        }
    }

    #[test]
    fn accepts_valid_answers_and_completes() {
        let mut c = AdviceConstraint::new(vocab());
        let answer = r#"{"recommendations": [{"modelId": "LiquidAI/LFM2-350M", "reason": "Small."}, {"modelId": "Qwen/Qwen2.5-Coder-0.5B-Instruct", "reason": "Code."}]}"#;
        feed_text(&mut c, answer);
        assert!(c.is_complete());
        let parsed: serde_json::Value = serde_json::from_str(answer).unwrap();
        assert_eq!(parsed["recommendations"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn ids_spell_catalog_ids_only() {
        let mut c = AdviceConstraint::new(vocab());
        feed_text(&mut c, r#"{"recommendations": [{"modelId": "Qwen/Qwen2.5-Coder-"#);
        let logits = masked(&c);
        let allowed: Vec<u8> = (0u8..=255).filter(|&b| logits[b as usize].is_finite()).collect();
        assert_eq!(allowed, b"013".to_vec(), "0.5B, 1.5B or 3B");
        assert!(logits[256].is_infinite() && logits[259].is_infinite());
        feed_text(&mut c, "3B-Instruct");
        assert!(masked(&c)[b'"' as usize].is_finite(), "a complete id may close");
    }

    #[test]
    fn multi_byte_tokens_and_the_item_limit() {
        let mut c = AdviceConstraint::new(vocab());
        assert!(masked(&c)[256].is_finite(), "a token spanning several literal bytes");
        feed_text(
            &mut c,
            r#"{"recommendations": [{"modelId": "LiquidAI/LFM2-350M", "reason": "a"}, {"modelId": "LiquidAI/LFM2-700M", "reason": "b"#,
        );
        assert!(masked(&c)[258].is_finite());
        c.advance(258);
        assert!(c.is_complete());

        let mut c = AdviceConstraint::new(vocab());
        feed_text(
            &mut c,
            r#"{"recommendations": [{"modelId": "LiquidAI/LFM2-350M", "reason": "a"}, {"modelId": "LiquidAI/LFM2-700M", "reason": "b"}"#,
        );
        let logits = masked(&c);
        assert!(logits[b',' as usize].is_infinite(), "at most {MAX_RECOMMENDATIONS} items");
        assert!(logits[b']' as usize].is_finite());
    }

    #[test]
    fn reasons_are_plain_bounded_text() {
        let mut c = AdviceConstraint::new(vocab());
        feed_text(&mut c, r#"{"recommendations": [{"modelId": "LiquidAI/LFM2-350M", "reason": ""#);
        let logits = masked(&c);
        assert!(logits[b'"' as usize].is_infinite(), "an empty reason");
        assert!(logits[b'\\' as usize].is_infinite() && logits[b'\n' as usize].is_infinite() && logits[0xC3].is_infinite());
        feed_text(&mut c, &"x".repeat(MAX_REASON_BYTES as usize));
        let logits = masked(&c);
        let allowed: Vec<usize> = (0..256).filter(|&b| logits[b].is_finite()).collect();
        assert_eq!(allowed, vec![b'"' as usize]);
    }
}
