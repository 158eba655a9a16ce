//! Constrained decoding of the answer layout `{"cmd": "...", "explanation": "..."}`.
//!
//! A byte-level state machine walks the fixed layout; a token is allowed iff all of its bytes can be
//! fed from the current state. Tokens are classified once at construction so that `mask` only
//! simulates the few tokens whose outcome is in doubt.

use cmdai_engine::generate::TokenConstraint;

/// Most tokens the command may take before its string must be closed.
const CMD_TOKEN_BUDGET: u16 = 160;
/// Most tokens the explanation may take before its string must be closed.
const EXPLANATION_TOKEN_BUDGET: u16 = 80;

/// The fixed bytes around the two string values; the quote closing a value belongs to the value.
const LITERALS: [&[u8]; 3] = [b"{\"cmd\": \"", b", \"explanation\": \"", b"}"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Cmd,
    Explanation,
}

impl Field {
    fn token_budget(self) -> u16 {
        match self {
            Field::Cmd => CMD_TOKEN_BUDGET,
            Field::Explanation => EXPLANATION_TOKEN_BUDGET,
        }
    }

    /// Index in [`LITERALS`] of what follows the closing quote.
    fn next_literal(self) -> u8 {
        match self {
            Field::Cmd => 1,
            Field::Explanation => 2,
        }
    }

    /// Whether every code point starting with the `digits` hex digits of `prefix` is forbidden in
    /// a `\uXXXX` escape. Checking prefixes rejects a doomed escape early, so it never dead-ends.
    fn forbids_unicode_prefix(self, prefix: u16, digits: u8) -> bool {
        let shift = 4 * u32::from(4 - digits);
        let low = u32::from(prefix) << shift;
        let high = low | ((1 << shift) - 1);
        // Lone surrogates make serde_json reject the string; control characters would break the line.
        let surrogate = low >= 0xD800 && high <= 0xDFFF;
        let control_in_cmd = self == Field::Cmd && high < 0x20;
        surrogate || control_in_cmd
    }
}

/// A multi-byte construct begun but not finished inside a string value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// After a backslash.
    Escape,
    /// Inside `\uXXXX`: the hex digits read so far and their value.
    Unicode {
        digits: u8,
        value: u16,
    },
    /// Inside a UTF-8 character: continuation bytes still due and the range the next one must be in.
    Utf8 {
        remaining: u8,
        low: u8,
        high: u8,
    },
}

/// Position inside one of the two string values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Text {
    field: Field,
    pending: Pending,
    /// Whether a character other than a space or tab has been written (the command may not be blank).
    has_content: bool,
    /// Tokens that started inside this value; counted against the field's budget.
    tokens: u16,
}

impl Text {
    fn start(field: Field) -> Self {
        Text { field, pending: Pending::None, has_content: false, tokens: 0 }
    }

    fn can_close(self) -> bool {
        self.pending == Pending::None && (self.has_content || self.field == Field::Explanation)
    }

    fn step(self, byte: u8) -> Option<State> {
        let (pending, adds_content) = match self.pending {
            Pending::None => match byte {
                b'"' => return self.can_close().then_some(State::Literal { index: self.field.next_literal(), pos: 0 }),
                b'\\' => (Pending::Escape, false),
                0x00..=0x1F => return None,
                0x20..=0x7F => (Pending::None, byte != b' '),
                _ => (utf8_lead(byte)?, true),
            },
            Pending::Escape => match byte {
                b'"' | b'\\' | b'/' => (Pending::None, true),
                b't' => (Pending::None, false),
                b'u' => (Pending::Unicode { digits: 0, value: 0 }, false),
                // The command is one line: no escaped line breaks or other controls in it.
                b'b' | b'f' | b'n' | b'r' if self.field == Field::Explanation => (Pending::None, false),
                _ => return None,
            },
            Pending::Unicode { digits, value } => {
                let value = value << 4 | (char::from(byte).to_digit(16)? as u16);
                let digits = digits + 1;
                if self.field.forbids_unicode_prefix(value, digits) {
                    return None;
                }
                if digits == 4 {
                    (Pending::None, value != 0x20 && value != 0x09)
                } else {
                    (Pending::Unicode { digits, value }, false)
                }
            }
            Pending::Utf8 { remaining, low, high } => {
                if !(low..=high).contains(&byte) {
                    return None;
                }
                let pending =
                    if remaining == 1 { Pending::None } else { Pending::Utf8 { remaining: remaining - 1, low: 0x80, high: 0xBF } };
                (pending, false)
            }
        };
        Some(State::Text(Text { pending, has_content: self.has_content || adds_content, ..self }))
    }
}

/// What a UTF-8 lead byte still needs; `None` for bytes that cannot start a character.
/// The narrowed first-continuation ranges exclude overlong forms, surrogates and code points past U+10FFFF.
fn utf8_lead(byte: u8) -> Option<Pending> {
    let (remaining, low, high) = match byte {
        0xC2..=0xDF => (1, 0x80, 0xBF),
        0xE0 => (2, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
        0xED => (2, 0x80, 0x9F),
        0xF0 => (3, 0x90, 0xBF),
        0xF1..=0xF3 => (3, 0x80, 0xBF),
        0xF4 => (3, 0x80, 0x8F),
        _ => return None,
    };
    Some(Pending::Utf8 { remaining, low, high })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At byte `pos` of `LITERALS[index]`.
    Literal {
        index: u8,
        pos: u8,
    },
    Text(Text),
    Complete,
    /// A token the mask forbade was advanced; only end of sequence is allowed from here.
    Dead,
}

impl State {
    fn step(self, byte: u8) -> Option<State> {
        match self {
            State::Literal { index, pos } => {
                let literal = LITERALS[usize::from(index)];
                if literal[usize::from(pos)] != byte {
                    return None;
                }
                if usize::from(pos) + 1 < literal.len() {
                    return Some(State::Literal { index, pos: pos + 1 });
                }
                Some(match index {
                    0 => State::Text(Text::start(Field::Cmd)),
                    1 => State::Text(Text::start(Field::Explanation)),
                    _ => State::Complete,
                })
            }
            State::Text(text) => text.step(byte),
            State::Complete | State::Dead => None,
        }
    }

    fn run(self, bytes: &[u8]) -> Option<State> {
        bytes.iter().try_fold(self, |state, &byte| state.step(byte))
    }
}

/// Bytes that may appear in a string value as they are, starting and ending no multi-byte construct.
fn is_plain_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') && std::str::from_utf8(bytes).is_ok()
}

/// What each not-plain token does from a value with nothing pending, where nearly all generation
/// happens; precomputed so that `mask` there is a single pass over a short list.
#[derive(Default)]
struct CleanTextOutcomes {
    /// Tokens that may not come next.
    rejected: Vec<u32>,
    /// Allowed tokens that close the value.
    closing: Vec<u32>,
}

/// Every value position with nothing pending, in the order of [`clean_slot`].
const CLEAN_TEXTS: [(Field, bool); 4] = [(Field::Cmd, false), (Field::Cmd, true), (Field::Explanation, false), (Field::Explanation, true)];

fn clean_slot(text: Text) -> Option<usize> {
    let slot = CLEAN_TEXTS.iter().position(|&(field, has_content)| (field, has_content) == (text.field, text.has_content));
    slot.filter(|_| text.pending == Pending::None)
}

/// Whether `end` lies past the value of `field`.
fn leaves(field: Field, end: State) -> bool {
    !matches!(end, State::Text(t) if t.field == field)
}

/// Restricts generation to exactly `{"cmd": "<one-line command>", "explanation": "<text>"}` followed
/// by end of sequence.
pub struct JsonCommandConstraint {
    vocab: Vec<Vec<u8>>,
    eos_ids: Vec<u32>,
    /// Token ids (never empty, never eos) grouped by their first byte.
    by_first_byte: Vec<Vec<u32>>,
    /// Every token that is not plain text (including empty and eos tokens): the only ones whose
    /// fate inside a value needs simulating.
    not_plain: Vec<u32>,
    /// Indexed by [`clean_slot`].
    clean_outcomes: [CleanTextOutcomes; 4],
    has_plain: bool,
    state: State,
}

impl JsonCommandConstraint {
    /// `vocab[id]` = the bytes token `id` decodes to (empty for control/special tokens, which are never
    /// allowed except `eos_ids`).
    pub fn new(vocab: Vec<Vec<u8>>, eos_ids: &[u32]) -> Self {
        let mut by_first_byte = vec![Vec::new(); 256];
        let mut not_plain = Vec::new();
        let mut has_plain = false;
        for (id, bytes) in vocab.iter().enumerate() {
            let id = id as u32;
            let is_eos = eos_ids.contains(&id);
            if let (Some(&first), false) = (bytes.first(), is_eos) {
                by_first_byte[usize::from(first)].push(id);
            }
            if !is_eos && is_plain_text(bytes) {
                has_plain = true;
            } else {
                not_plain.push(id);
            }
        }
        let mut constraint = JsonCommandConstraint {
            vocab,
            eos_ids: eos_ids.to_vec(),
            by_first_byte,
            not_plain,
            clean_outcomes: Default::default(),
            has_plain,
            state: State::Literal { index: 0, pos: 0 },
        };
        constraint.clean_outcomes = CLEAN_TEXTS.map(|(field, has_content)| {
            let start = State::Text(Text { has_content, ..Text::start(field) });
            constraint.clean_text_outcomes(start, field)
        });
        constraint
    }

    fn clean_text_outcomes(&self, start: State, field: Field) -> CleanTextOutcomes {
        let mut outcomes = CleanTextOutcomes::default();
        for &id in &self.not_plain {
            match self.state_from(start, id) {
                None => outcomes.rejected.push(id),
                Some(end) if leaves(field, end) => outcomes.closing.push(id),
                Some(_) => {}
            }
        }
        outcomes
    }

    /// The state after `id` from `start`, or `None` when the token may not come next.
    fn state_from(&self, start: State, id: u32) -> Option<State> {
        let bytes = self.vocab.get(id as usize)?;
        if bytes.is_empty() || self.eos_ids.contains(&id) {
            return None;
        }
        start.run(bytes)
    }

    fn state_after(&self, id: u32) -> Option<State> {
        self.state_from(self.state, id)
    }

    /// Tokens that may come next and lead to a state `wanted` accepts, among the tokens whose first
    /// byte the current state accepts.
    fn select(&self, wanted: impl Fn(State) -> bool) -> Vec<u32> {
        (0..=255u8)
            .filter(|&byte| self.state.step(byte).is_some())
            .flat_map(|byte| &self.by_first_byte[usize::from(byte)])
            .copied()
            .filter(|&id| self.state_after(id).is_some_and(&wanted))
            .collect()
    }

    /// With the budget spent, tokens that close the value; failing that (say, mid-character), tokens
    /// that make closing possible; failing that, any valid token, so generation never stalls.
    fn closing_ids(&self, text: Text) -> Vec<u32> {
        let leaves = |end: State| leaves(text.field, end);
        let closing = match clean_slot(text) {
            Some(slot) => self.clean_outcomes[slot].closing.clone(),
            // Closing needs a quote, and no plain token has one.
            None => self.not_plain.iter().copied().filter(|&id| self.state_after(id).is_some_and(leaves)).collect(),
        };
        if !closing.is_empty() {
            return closing;
        }
        let closable = self.select(|end| leaves(end) || matches!(end, State::Text(t) if t.can_close()));
        if !closable.is_empty() {
            return closable;
        }
        self.select(|_| true)
    }

    fn allowed_ids(&self) -> Vec<u32> {
        match self.state {
            State::Complete | State::Dead => self.eos_ids.clone(),
            State::Text(text) if text.tokens >= text.field.token_budget() => self.closing_ids(text),
            State::Literal { .. } | State::Text(_) => self.select(|_| true),
        }
    }
}

impl TokenConstraint for JsonCommandConstraint {
    /// True once a complete JSON object has been produced.
    fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    fn mask(&self, logits: &mut [f32]) {
        let known = logits.len().min(self.vocab.len());
        if let State::Text(text) = self.state {
            // Hot path: mid-value every plain token is allowed, and the rest was decided up front.
            if let (Some(slot), true) = (clean_slot(text), text.tokens < text.field.token_budget() && self.has_plain) {
                logits[known..].fill(f32::NEG_INFINITY);
                for &id in &self.clean_outcomes[slot].rejected {
                    if let Some(logit) = logits.get_mut(id as usize) {
                        *logit = f32::NEG_INFINITY;
                    }
                }
                return;
            }
        }
        let in_range = |id: &u32| (*id as usize) < logits.len();
        let mut allowed: Vec<u32> = self.allowed_ids().into_iter().filter(in_range).collect();
        if allowed.is_empty() {
            // Should not happen with a real vocabulary; ending beats sampling from nothing.
            allowed = self.eos_ids.iter().copied().filter(in_range).collect();
        }
        if allowed.is_empty() {
            // Not even an eos id to fall back on: leave the choice to the caller's stop rules.
            return;
        }
        let kept: Vec<f32> = allowed.iter().map(|&id| logits[id as usize]).collect();
        logits.fill(f32::NEG_INFINITY);
        for (&id, value) in allowed.iter().zip(kept) {
            logits[id as usize] = value;
        }
    }

    fn advance(&mut self, token: u32) {
        self.state = match self.state {
            State::Complete => State::Complete,
            State::Dead => State::Dead,
            before => match self.state_after(token) {
                Some(State::Text(mut text)) => {
                    if matches!(before, State::Text(t) if t.field == text.field) {
                        text.tokens = text.tokens.saturating_add(1);
                    }
                    State::Text(text)
                }
                Some(after) => after,
                None => State::Dead,
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Single bytes 0..=255, then multi-byte tokens, then an empty special token and eos.
    fn toy_vocab() -> (Vec<Vec<u8>>, u32) {
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for token in [
            "{\"",
            "cmd",
            "\": \"",
            "\", \"",
            "\"}",
            "ls",
            " -la",
            "é",
            "{\"cmd\": \"",
            "\", \"explanation\": \"",
            "explanation",
            "\\n",
            "\\u00e9",
            "\\u000a",
            "\\\"",
            "日本",
            " | grep foo",
            "\"}\n",
            "é\"",
        ] {
            vocab.push(token.as_bytes().to_vec());
        }
        vocab.push(Vec::new());
        vocab.push(Vec::new());
        let eos = vocab.len() as u32 - 1;
        (vocab, eos)
    }

    fn id_of(vocab: &[Vec<u8>], token: &[u8]) -> u32 {
        vocab.iter().position(|t| t == token).unwrap() as u32
    }

    struct XorShift(u64);

    impl XorShift {
        fn next_f32(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 24) as f32
        }
    }

    fn argmax(logits: &[f32]) -> u32 {
        let best = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
        assert!(best.1.is_finite(), "mask allowed nothing");
        best.0 as u32
    }

    /// Greedy decoding under the constraint; `bias` is added to the random logits. Returns the bytes
    /// produced before eos.
    fn decode(seed: u64, bias: &[(u32, f32)]) -> Vec<u8> {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut out = Vec::new();
        for _ in 0..1000 {
            let mut logits: Vec<f32> = (0..vocab.len()).map(|_| rng.next_f32()).collect();
            for &(id, boost) in bias {
                logits[id as usize] += boost;
            }
            constraint.mask(&mut logits);
            let eos_allowed = logits[eos as usize].is_finite();
            assert_eq!(eos_allowed, constraint.is_complete(), "eos must be allowed exactly when complete");
            let token = argmax(&logits);
            if token == eos {
                return out;
            }
            out.extend_from_slice(&vocab[token as usize]);
            constraint.advance(token);
        }
        panic!("no eos after 1000 tokens: {}", String::from_utf8_lossy(&out));
    }

    #[derive(serde::Deserialize)]
    struct Answer {
        cmd: String,
        explanation: String,
    }

    fn parse_answer(bytes: &[u8]) -> Answer {
        let text = std::str::from_utf8(bytes).expect("valid UTF-8");
        assert!(text.starts_with("{\"cmd\": \"") && text.contains("\", \"explanation\": \"") && text.ends_with("\"}"));
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn random_decoding_always_yields_the_layout() {
        for seed in 0..500 {
            let answer = parse_answer(&decode(seed, &[]));
            assert!(answer.cmd.chars().any(|c| c != ' ' && c != '\t'), "blank cmd {:?}", answer.cmd);
            assert!(!answer.cmd.contains(['\n', '\r']), "multi-line cmd {:?}", answer.cmd);
            assert!(answer.explanation.chars().count() <= 4 * 81);
        }
    }

    #[test]
    fn budgets_force_strings_to_close() {
        let (vocab, _) = toy_vocab();
        let ls = id_of(&vocab, b"ls");
        let answer = parse_answer(&decode(7, &[(ls, 100.0)]));
        // The forced closing token may carry a little content of its own ("é\"").
        let cmd_tail = answer.cmd.strip_prefix(&"ls".repeat(usize::from(CMD_TOKEN_BUDGET))).unwrap();
        assert!(cmd_tail.len() <= 2 && !cmd_tail.contains("ls"), "{cmd_tail:?}");
        let explanation_tail = answer.explanation.strip_prefix(&"ls".repeat(usize::from(EXPLANATION_TOKEN_BUDGET))).unwrap();
        assert!(explanation_tail.len() <= 2 && !explanation_tail.contains("ls"), "{explanation_tail:?}");
    }

    #[test]
    fn budget_waits_for_a_split_character_to_finish() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        constraint.advance(id_of(&vocab, b"{\"cmd\": \""));
        for _ in 0..CMD_TOKEN_BUDGET - 1 {
            constraint.advance(id_of(&vocab, b"ls"));
        }
        constraint.advance(0xC3);
        let mut logits = vec![0.0; vocab.len()];
        constraint.mask(&mut logits);
        let allowed: Vec<usize> = (0..logits.len()).filter(|&i| logits[i].is_finite()).collect();
        assert_eq!(allowed, (0x80..=0xBF).collect::<Vec<_>>(), "only what finishes the character");
        constraint.advance(0xA9);
        let mut logits = vec![0.0; vocab.len()];
        constraint.mask(&mut logits);
        let allowed: Vec<u32> = (0..logits.len() as u32).filter(|&i| logits[i as usize].is_finite()).collect();
        assert!(allowed.contains(&u32::from(b'"')) && allowed.contains(&id_of(&vocab, "é\"".as_bytes())));
        for id in allowed {
            let after = constraint.state_after(id);
            assert!(matches!(after, Some(State::Literal { index: 1, .. } | State::Text(Text { field: Field::Explanation, .. }))));
        }
    }

    fn allowed(constraint: &JsonCommandConstraint, id: u32) -> bool {
        let mut logits = vec![0.0; constraint.vocab.len()];
        constraint.mask(&mut logits);
        logits[id as usize].is_finite()
    }

    fn constraint_after(tokens: &[&[u8]]) -> (JsonCommandConstraint, Vec<Vec<u8>>) {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        for token in tokens {
            let id = id_of(&vocab, token);
            assert!(allowed(&constraint, id), "{:?} should be allowed", String::from_utf8_lossy(token));
            constraint.advance(id);
        }
        (constraint, vocab)
    }

    #[test]
    fn utf8_may_be_split_across_tokens() {
        let (constraint, vocab) = constraint_after(&[b"{\"cmd\": \"", b"ls", &[0xC3]]);
        assert!(allowed(&constraint, 0xA9));
        assert!(!allowed(&constraint, 0x28), "not a continuation byte");
        assert!(!allowed(&constraint, u32::from(b'"')), "cannot close mid-character");
        assert!(!allowed(&constraint, id_of(&vocab, b"ls")));
        let (constraint, _) = constraint_after(&[b"{\"cmd\": \"", b"ls", &[0xC3], &[0xA9]]);
        assert!(allowed(&constraint, u32::from(b'"')));
        assert!(!allowed(&constraint, 0xA9), "a lone continuation byte");
        assert!(!allowed(&constraint, 0xC0) && !allowed(&constraint, 0xF5), "never valid UTF-8");
        let (constraint, _) = constraint_after(&[b"{\"cmd\": \"", &[0xED]]);
        assert!(!allowed(&constraint, 0xA0), "surrogate");
        assert!(allowed(&constraint, 0x9F));
    }

    #[test]
    fn tokens_may_cross_literal_boundaries() {
        let (constraint, _) = constraint_after(&[b"{\"", b"cmd", b"\": \"", b"ls", b"\", \"", b"explanation", b"\": \"", b"\"}"]);
        assert!(constraint.is_complete());
        let (constraint, _) = constraint_after(&[b"{\"cmd\": \"", b"ls", b"\", \"explanation\": \"", "é\"".as_bytes()]);
        assert!(!constraint.is_complete());
        assert!(allowed(&constraint, u32::from(b'}')));
    }

    #[test]
    fn command_must_be_one_non_blank_line() {
        let (constraint, vocab) = constraint_after(&[b"{\"cmd\": \"", b" "]);
        assert!(!allowed(&constraint, u32::from(b'"')), "blank command");
        assert!(!allowed(&constraint, id_of(&vocab, b"\\n")));
        assert!(!allowed(&constraint, id_of(&vocab, b"\\u000a")));
        assert!(!allowed(&constraint, u32::from(b'\n')));
        assert!(allowed(&constraint, id_of(&vocab, b"\\u00e9")));
        assert!(allowed(&constraint, id_of(&vocab, b"\\\"")));
        let (constraint, vocab) = constraint_after(&[b"{\"cmd\": \"", b"ls", b"\", \"explanation\": \""]);
        assert!(allowed(&constraint, u32::from(b'"')), "the explanation may be empty");
        assert!(allowed(&constraint, id_of(&vocab, b"\\n")));
        assert!(!allowed(&constraint, u32::from(b'\n')), "raw control characters are invalid JSON");
    }

    #[test]
    fn unicode_escapes_never_dead_end() {
        // \uD8.. would be a lone surrogate: rejected at the second digit, before it is too late.
        let (constraint, _) = constraint_after(&[b"{\"cmd\": \"", b"ls", b"\\", b"u", b"D"]);
        assert!(!allowed(&constraint, u32::from(b'8')));
        assert!(allowed(&constraint, u32::from(b'7')));
        let (constraint, _) = constraint_after(&[b"{\"cmd\": \"", b"ls", b"\\", b"u", b"0", b"0"]);
        assert!(!allowed(&constraint, u32::from(b'1')), "control character in the command");
        assert!(allowed(&constraint, u32::from(b'2')));
    }

    #[test]
    fn eos_only_after_completion() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        assert!(!allowed(&constraint, eos));
        for token in [&b"{\"cmd\": \""[..], b"ls", b"\", \"explanation\": \"", b"lists", b"\"}"] {
            assert!(!constraint.is_complete());
            for &b in token {
                assert!(!allowed(&constraint, eos));
                constraint.advance(u32::from(b));
            }
        }
        assert!(constraint.is_complete());
        let mut logits = vec![1.0; vocab.len() + 5];
        constraint.mask(&mut logits);
        let finite: Vec<usize> = (0..logits.len()).filter(|&i| logits[i].is_finite()).collect();
        assert_eq!(finite, [eos as usize]);
    }

    #[test]
    fn forbidden_token_leads_to_dead_state() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        constraint.advance(id_of(&vocab, b"ls"));
        assert!(!constraint.is_complete());
        let mut logits = vec![0.0; vocab.len()];
        constraint.mask(&mut logits);
        assert_eq!((0..logits.len()).filter(|&i| logits[i].is_finite()).collect::<Vec<_>>(), [eos as usize]);
        constraint.advance(u32::MAX);
        assert!(allowed(&constraint, eos));
    }

    #[test]
    fn stuck_state_falls_back_to_eos() {
        // No token can continue after a UTF-8 lead byte: eos is left as the safety net.
        let vocab = vec![b"{\"cmd\": \"".to_vec(), vec![0xC3], b"\"".to_vec(), Vec::new()];
        let mut constraint = JsonCommandConstraint::new(vocab, &[3]);
        constraint.advance(0);
        constraint.advance(1);
        let mut logits = vec![0.0; 4];
        constraint.mask(&mut logits);
        assert_eq!(logits, [f32::NEG_INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY, 0.0]);
    }

    #[test]
    fn logits_may_differ_in_length_from_the_vocab() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = JsonCommandConstraint::new(vocab.clone(), &[eos]);
        constraint.advance(id_of(&vocab, b"{\"cmd\": \""));
        let mut longer = vec![0.0; vocab.len() + 10];
        constraint.mask(&mut longer);
        assert!(longer[vocab.len()..].iter().all(|l| *l == f32::NEG_INFINITY));
        assert!(longer[usize::from(b'l')].is_finite());
        let mut shorter = vec![0.0; 100];
        constraint.mask(&mut shorter);
        assert!(shorter[usize::from(b'a')].is_finite() && shorter[usize::from(b'"')] == f32::NEG_INFINITY);
    }

    #[test]
    fn prompt_few_shot_answers_fit_the_layout() {
        use crate::suggest::{messages, OsKind, ShellKind, SuggestContext, Userland};
        for shell in [ShellKind::Bash, ShellKind::Fish, ShellKind::PowerShell, ShellKind::Cmd] {
            for userland in [Userland::Gnu, Userland::Bsd] {
                let ctx = SuggestContext { os: OsKind::Linux, distro: None, shell, cwd: "/".into(), userland };
                for explain in [false, true] {
                    for answer in messages(&ctx, "x", explain).iter().filter(|m| m.role == "assistant") {
                        let start = State::Literal { index: 0, pos: 0 };
                        assert_eq!(start.run(answer.content.as_bytes()), Some(State::Complete), "{}", answer.content);
                    }
                }
            }
        }
    }

    /// Synthetic Qwen-sized vocabulary: mostly word pieces, some punctuation, CJK and partial UTF-8.
    fn synthetic_vocab(size: usize) -> Vec<Vec<u8>> {
        let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
        let mut pick = |n: usize| (rng.next_f32() * n as f32) as usize % n;
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        while vocab.len() < size - 300 {
            let token = match pick(20) {
                0 => "日本語中文字".chars().take(1 + pick(3)).collect::<String>().into_bytes(),
                1 => "é中".as_bytes()[..1 + pick(4)].to_vec(),
                2 => ["\"", "\",", "\":", "\\", "\\n", "\"}", "{\""][pick(7)].as_bytes().to_vec(),
                3 => vec![b'\n'; 1 + pick(3)],
                _ => {
                    let len = 1 + pick(9);
                    let mut word = if pick(2) == 0 { vec![b' '] } else { Vec::new() };
                    word.extend((0..len).map(|_| b"abcdefghijklmnopqrstuvwxyz-_./*'"[pick(32)]));
                    word
                }
            };
            vocab.push(token);
        }
        vocab.resize(size, Vec::new());
        vocab
    }

    /// `cargo test --release -- --ignored --nocapture mask_timing`
    #[test]
    #[ignore = "timing, run in release"]
    fn mask_timing() {
        use std::time::Instant;
        let vocab = synthetic_vocab(151_936);
        let eos = vocab.len() as u32 - 1;
        let started = Instant::now();
        let mut constraint = JsonCommandConstraint::new(vocab, &[eos]);
        println!("construction: {:.2} ms", started.elapsed().as_secs_f64() * 1e3);
        println!("not plain tokens: {}", constraint.not_plain.len());
        let mut logits = vec![0.0f32; 151_936];
        let mut time = |label: &str, constraint: &JsonCommandConstraint| {
            let runs = 200;
            let started = Instant::now();
            for _ in 0..runs {
                logits.fill(0.5);
                constraint.mask(&mut logits);
            }
            let ms = started.elapsed().as_secs_f64() * 1e3 / f64::from(runs);
            println!("mask {label}: {ms:.3} ms");
        };
        time("at the start", &constraint);
        constraint.advance(u32::from(b'{'));
        time("in the literal", &constraint);
        for &b in b"\"cmd\": \"ls" {
            constraint.advance(u32::from(b));
        }
        time("inside the command", &constraint);
        constraint.advance(0xC3);
        time("mid-character", &constraint);
        constraint.advance(0xA9);
        for _ in 0..CMD_TOKEN_BUDGET {
            constraint.advance(u32::from(b'a'));
        }
        time("command budget spent", &constraint);
        for &b in b"\", \"explanation\": \"x\"}" {
            constraint.advance(u32::from(b));
        }
        assert!(constraint.is_complete());
        time("complete", &constraint);
    }
}
