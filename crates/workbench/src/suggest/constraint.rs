//! Constrained decoding of the answer layout (see [`super::layout`]): one non-blank command line
//! and one explanation line after `# `, in the order asked for, then the end of the answer.
//!
//! A token is allowed iff all of its bytes can be fed from the current state. Tokens are classified
//! once at construction so that `mask` only simulates the few tokens whose outcome is in doubt.

use cmdai_engine::generate::TokenConstraint;

use super::layout::{Field, FieldOrder, State, Text};

/// Most tokens the command may take before its line must end.
const CMD_TOKEN_BUDGET: u16 = 160;
/// Most tokens the explanation may take before its line must end.
const EXPLANATION_TOKEN_BUDGET: u16 = 80;

fn token_budget(field: Field) -> u16 {
    match field {
        Field::Cmd => CMD_TOKEN_BUDGET,
        Field::Explanation => EXPLANATION_TOKEN_BUDGET,
    }
}

/// Bytes that may appear inside a line as they are, starting and ending no multi-byte character
/// (a backtick is left out because it may not start the command).
fn is_plain_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| b >= 0x20 && b != 0x7F && b != b'`') && std::str::from_utf8(bytes).is_ok()
}

/// What each not-plain token does from a line with nothing pending, where nearly all generation
/// happens; precomputed so that `mask` there is a single pass over a short list.
#[derive(Default)]
struct CleanTextOutcomes {
    /// Tokens that may not come next.
    rejected: Vec<u32>,
    /// Allowed tokens that end the line.
    closing: Vec<u32>,
}

/// Every line position with nothing pending: field × has_content × last, in the order of [`clean_slot`].
const CLEAN_SLOTS: usize = 8;

fn clean_slot(text: Text) -> Option<usize> {
    let field = match text.field {
        Field::Cmd => 0,
        Field::Explanation => 4,
    };
    text.pending.is_none().then_some(field + 2 * usize::from(text.has_content) + usize::from(text.last))
}

fn clean_text(slot: usize) -> Text {
    let field = if slot < 4 { Field::Cmd } else { Field::Explanation };
    Text { field, last: slot % 2 == 1, pending: None, has_content: slot % 4 >= 2, tokens: 0 }
}

/// Whether `end` lies past the line of `field`.
fn leaves(field: Field, end: State) -> bool {
    !matches!(end, State::Text(t) if t.field == field)
}

/// Restricts generation to the answer layout in `order`, then end of sequence.
pub struct CommandConstraint {
    vocab: Vec<Vec<u8>>,
    eos_ids: Vec<u32>,
    /// Token ids (never empty, never eos) grouped by their first byte.
    by_first_byte: Vec<Vec<u32>>,
    /// Every token that is not plain text (including empty and eos tokens): the only ones whose
    /// fate inside a line needs simulating.
    not_plain: Vec<u32>,
    /// Indexed by [`clean_slot`].
    clean_outcomes: [CleanTextOutcomes; CLEAN_SLOTS],
    has_plain: bool,
    state: State,
}

impl CommandConstraint {
    /// `vocab[id]` = the bytes token `id` decodes to (empty for control/special tokens, which are never
    /// allowed except `eos_ids`).
    pub fn new(vocab: Vec<Vec<u8>>, eos_ids: &[u32], order: FieldOrder) -> Self {
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
        let mut constraint = CommandConstraint {
            vocab,
            eos_ids: eos_ids.to_vec(),
            by_first_byte,
            not_plain,
            clean_outcomes: Default::default(),
            has_plain,
            state: order.start(),
        };
        constraint.clean_outcomes = std::array::from_fn(|slot| constraint.clean_text_outcomes(clean_text(slot)));
        constraint
    }

    fn clean_text_outcomes(&self, text: Text) -> CleanTextOutcomes {
        let mut outcomes = CleanTextOutcomes::default();
        for &id in &self.not_plain {
            match self.state_from(State::Text(text), id) {
                None => outcomes.rejected.push(id),
                Some(end) if leaves(text.field, end) => outcomes.closing.push(id),
                Some(_) => {}
            }
        }
        outcomes
    }

    /// The state after `id` from `start`, or `None` when the token may not come next.
    fn state_from(&self, start: State, id: u32) -> Option<State> {
        if self.eos_ids.contains(&id) {
            return (start.may_end() && start != State::Dead).then_some(State::Complete);
        }
        let bytes = self.vocab.get(id as usize)?;
        if bytes.is_empty() {
            return None;
        }
        start.run(bytes)
    }

    fn state_after(&self, id: u32) -> Option<State> {
        self.state_from(self.state, id)
    }

    /// Tokens that may come next and lead to a state `wanted` accepts: those whose first byte the
    /// current state accepts, and end of sequence where the answer may end.
    fn select(&self, wanted: impl Fn(State) -> bool) -> Vec<u32> {
        let ends = self.eos_ids.iter().copied().filter(|&id| self.state_after(id).is_some_and(&wanted));
        (0..=255u8)
            .filter(|&byte| self.state.step(byte).is_some())
            .flat_map(|byte| &self.by_first_byte[usize::from(byte)])
            .copied()
            .filter(|&id| self.state_after(id).is_some_and(&wanted))
            .chain(ends)
            .collect()
    }

    /// With the budget spent, tokens that end the line; failing that (say, mid-character), tokens
    /// that make ending it possible; failing that, any valid token, so generation never stalls.
    fn closing_ids(&self, text: Text) -> Vec<u32> {
        let leaves = |end: State| leaves(text.field, end);
        let closing = match clean_slot(text) {
            Some(slot) => self.clean_outcomes[slot].closing.clone(),
            // Ending a line needs a line break or end of sequence, and no plain token is either.
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
            State::Text(text) if text.tokens >= token_budget(text.field) => self.closing_ids(text),
            State::Mark { .. } | State::Text(_) => self.select(|_| true),
        }
    }
}

impl TokenConstraint for CommandConstraint {
    /// True once the last line has ended.
    fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    fn mask(&self, logits: &mut [f32]) {
        let known = logits.len().min(self.vocab.len());
        if let State::Text(text) = self.state {
            // Hot path: mid-line every plain token is allowed, and the rest was decided up front.
            if let (Some(slot), true) = (clean_slot(text), text.tokens < token_budget(text.field) && self.has_plain) {
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
    use crate::suggest::layout::read_layout;

    const ORDERS: [FieldOrder; 2] = [FieldOrder::CommandFirst, FieldOrder::ExplanationFirst];

    /// Single bytes 0..=255, then multi-byte tokens, then an empty special token and eos.
    fn toy_vocab() -> (Vec<Vec<u8>>, u32) {
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for token in ["ls", " -la", "é", "\n#", "\n# ", "# ", " \\;", "\\", "\"", "日本", " | grep foo", ".\n", "é\n", "```", "`date`"]
        {
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
    /// produced before eos (or up to completion).
    fn decode(order: FieldOrder, seed: u64, bias: &[(u32, f32)]) -> Vec<u8> {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], order);
        let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut out = Vec::new();
        for _ in 0..1000 {
            let mut logits: Vec<f32> = (0..vocab.len()).map(|_| rng.next_f32()).collect();
            for &(id, boost) in bias {
                logits[id as usize] += boost;
            }
            constraint.mask(&mut logits);
            assert_eq!(logits[eos as usize].is_finite(), constraint.state.may_end(), "eos exactly where the answer may end");
            let token = argmax(&logits);
            if token == eos {
                return out;
            }
            out.extend_from_slice(&vocab[token as usize]);
            constraint.advance(token);
            if constraint.is_complete() {
                return out;
            }
        }
        panic!("no end after 1000 tokens: {}", String::from_utf8_lossy(&out));
    }

    fn read(bytes: &[u8]) -> (String, String) {
        let text = std::str::from_utf8(bytes).expect("valid UTF-8");
        read_layout(text).unwrap_or_else(|| panic!("not the layout: {text:?}"))
    }

    #[test]
    fn random_decoding_always_yields_the_layout() {
        for order in ORDERS {
            for seed in 0..300 {
                let (cmd, explanation) = read(&decode(order, seed, &[]));
                assert!(!cmd.trim().is_empty() && !cmd.starts_with('`'), "{cmd:?}");
                assert!(!cmd.contains(['\n', '\r', '\t']) && !explanation.contains(['\n', '\r', '\t']));
            }
        }
    }

    #[test]
    fn budgets_force_lines_to_end() {
        let (vocab, _) = toy_vocab();
        let ls = id_of(&vocab, b"ls");
        for order in ORDERS {
            let (cmd, explanation) = read(&decode(order, 7, &[(ls, 100.0)]));
            // The forced closing token may carry a little content of its own ("é\n").
            let cmd_tail = cmd.strip_prefix(&"ls".repeat(usize::from(CMD_TOKEN_BUDGET))).unwrap();
            assert!(cmd_tail.len() <= 2 && !cmd_tail.contains("ls"), "{cmd_tail:?}");
            let explanation_tail = explanation.strip_prefix(&"ls".repeat(usize::from(EXPLANATION_TOKEN_BUDGET))).unwrap();
            assert!(explanation_tail.len() <= 2 && !explanation_tail.contains("ls"), "{explanation_tail:?}");
        }
    }

    fn allowed(constraint: &CommandConstraint, id: u32) -> bool {
        let mut logits = vec![0.0; constraint.vocab.len()];
        constraint.mask(&mut logits);
        logits[id as usize].is_finite()
    }

    fn constraint_after(order: FieldOrder, tokens: &[&[u8]]) -> (CommandConstraint, Vec<Vec<u8>>, u32) {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], order);
        for token in tokens {
            let id = id_of(&vocab, token);
            assert!(allowed(&constraint, id), "{:?} should be allowed", String::from_utf8_lossy(token));
            constraint.advance(id);
        }
        (constraint, vocab, eos)
    }

    #[test]
    fn budget_waits_for_a_split_character_to_finish() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], FieldOrder::CommandFirst);
        for _ in 0..CMD_TOKEN_BUDGET {
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
        assert!(allowed.contains(&u32::from(b'\n')) && allowed.contains(&id_of(&vocab, b"\n# ")));
        for id in allowed {
            assert!(matches!(constraint.state_after(id), Some(State::Mark { .. } | State::Text(Text { field: Field::Explanation, .. }))));
        }
    }

    #[test]
    fn utf8_may_be_split_across_tokens() {
        let order = FieldOrder::CommandFirst;
        let (constraint, vocab, _) = constraint_after(order, &[b"ls", &[0xC3]]);
        assert!(allowed(&constraint, 0xA9));
        assert!(!allowed(&constraint, 0x28), "not a continuation byte");
        assert!(!allowed(&constraint, u32::from(b'\n')), "cannot end the line mid-character");
        assert!(!allowed(&constraint, id_of(&vocab, b"ls")));
        let (constraint, _, _) = constraint_after(order, &[b"ls", &[0xC3], &[0xA9]]);
        assert!(allowed(&constraint, u32::from(b'\n')));
        assert!(!allowed(&constraint, 0xA9), "a lone continuation byte");
        assert!(!allowed(&constraint, 0xC0) && !allowed(&constraint, 0xF5), "never valid UTF-8");
        let (constraint, _, _) = constraint_after(order, &[&[0xED]]);
        assert!(!allowed(&constraint, 0xA0), "surrogate");
        assert!(allowed(&constraint, 0x9F));
    }

    #[test]
    fn shell_text_needs_no_escaping() {
        let (constraint, vocab, _) = constraint_after(FieldOrder::CommandFirst, &[b"ls", b"\\", b"\"", b" \\;", b"`date`"]);
        for token in [&b"\\"[..], b"\"", b"'", b"$", b"{", b"}", b"%", "日本".as_bytes()] {
            assert!(allowed(&constraint, id_of(&vocab, token)), "{token:?}");
        }
    }

    #[test]
    fn command_must_be_one_non_blank_line() {
        let (constraint, vocab, eos) = constraint_after(FieldOrder::CommandFirst, &[b" "]);
        assert!(!allowed(&constraint, u32::from(b'\n')), "blank command");
        assert!(!allowed(&constraint, id_of(&vocab, b"```")), "a fence instead of a command");
        assert!(!allowed(&constraint, id_of(&vocab, b"`date`")), "nor inline code");
        assert!(!allowed(&constraint, u32::from(b'\t')) && !allowed(&constraint, u32::from(b'\r')));
        assert!(!allowed(&constraint, eos));
        let (constraint, vocab, eos) = constraint_after(FieldOrder::CommandFirst, &[b"ls"]);
        assert!(allowed(&constraint, id_of(&vocab, b"\n# ")) && allowed(&constraint, id_of(&vocab, b"\n#")));
        assert!(!allowed(&constraint, eos), "the explanation line is still due");
        let (constraint, _, eos) = constraint_after(FieldOrder::CommandFirst, &[b"ls", b"\n# "]);
        assert!(allowed(&constraint, eos), "the explanation may be empty");
        assert!(allowed(&constraint, u32::from(b'\n')));
    }

    #[test]
    fn explanation_first_ends_with_the_command() {
        let (constraint, _, eos) = constraint_after(FieldOrder::ExplanationFirst, &[b"# ", b"ls", b".\n"]);
        assert!(!allowed(&constraint, eos) && !allowed(&constraint, u32::from(b'\n')), "the command is still due");
        let (mut constraint, _, eos) = constraint_after(FieldOrder::ExplanationFirst, &[b"# ", b"ls", b".\n", b"ls", b" -la"]);
        assert!(allowed(&constraint, eos) && allowed(&constraint, u32::from(b'\n')));
        constraint.advance(u32::from(b'\n'));
        assert!(constraint.is_complete());
    }

    #[test]
    fn eos_only_where_the_answer_may_end() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], FieldOrder::CommandFirst);
        for &b in b"ls\n# lists" {
            assert!(!constraint.is_complete());
            constraint.advance(u32::from(b));
        }
        assert!(allowed(&constraint, eos));
        constraint.advance(u32::from(b'\n'));
        assert!(constraint.is_complete());
        let mut logits = vec![1.0; vocab.len() + 5];
        constraint.mask(&mut logits);
        let finite: Vec<usize> = (0..logits.len()).filter(|&i| logits[i].is_finite()).collect();
        assert_eq!(finite, [eos as usize]);
    }

    #[test]
    fn forbidden_token_leads_to_dead_state() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], FieldOrder::CommandFirst);
        constraint.advance(u32::from(b'\n'));
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
        let vocab = vec![b"ls".to_vec(), vec![0xC3], b"\n".to_vec(), Vec::new()];
        let mut constraint = CommandConstraint::new(vocab, &[3], FieldOrder::CommandFirst);
        constraint.advance(0);
        constraint.advance(1);
        let mut logits = vec![0.0; 4];
        constraint.mask(&mut logits);
        assert_eq!(logits, [f32::NEG_INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY, 0.0]);
    }

    #[test]
    fn logits_may_differ_in_length_from_the_vocab() {
        let (vocab, eos) = toy_vocab();
        let mut constraint = CommandConstraint::new(vocab.clone(), &[eos], FieldOrder::CommandFirst);
        constraint.advance(id_of(&vocab, b"ls"));
        let mut longer = vec![0.0; vocab.len() + 10];
        constraint.mask(&mut longer);
        assert!(longer[vocab.len()..].iter().all(|l| *l == f32::NEG_INFINITY));
        assert!(longer[usize::from(b'l')].is_finite());
        let mut shorter = vec![0.0; 100];
        constraint.mask(&mut shorter);
        assert!(shorter[usize::from(b'a')].is_finite() && shorter[usize::from(b'\t')] == f32::NEG_INFINITY);
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
                2 => ["\"", "\",", "\n#", "\\", "\\n", "`", "{\""][pick(7)].as_bytes().to_vec(),
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
        let mut constraint = CommandConstraint::new(vocab, &[eos], FieldOrder::CommandFirst);
        println!("construction: {:.2} ms", started.elapsed().as_secs_f64() * 1e3);
        println!("not plain tokens: {}", constraint.not_plain.len());
        let mut logits = vec![0.0f32; 151_936];
        let mut time = |label: &str, constraint: &CommandConstraint| {
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
        constraint.advance(u32::from(b'l'));
        time("inside the command", &constraint);
        constraint.advance(0xC3);
        time("mid-character", &constraint);
        constraint.advance(0xA9);
        for _ in 0..CMD_TOKEN_BUDGET {
            constraint.advance(u32::from(b'a'));
        }
        time("command budget spent", &constraint);
        for &b in b"\n# x\n" {
            constraint.advance(u32::from(b));
        }
        assert!(constraint.is_complete());
        time("complete", &constraint);
    }
}
