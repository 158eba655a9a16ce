//! The answer layout the model writes: the command as raw text on one line and a one-line
//! explanation after `# `, in either order.
//!
//! Raw text matters: a command is full of backslashes, quotes, `$`, `{}` and `%`, and when it had
//! to be written as a JSON string the model's `\;` (an invalid JSON escape) was masked and the
//! forced alternatives derailed the rest of the command. Here nothing needs escaping; a line break
//! is the only delimiter, and neither field may contain one.
//!
//! [`State`] is the byte-level automaton that [`super::CommandConstraint`] simulates token by token;
//! [`read_layout`] reads an answer back with the same rules.

use serde::{Deserialize, Serialize};

/// Which line comes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldOrder {
    /// `cmd` then `# explanation`: the explanation describes the command it follows.
    #[default]
    CommandFirst,
    /// `# explanation` then `cmd`: the explanation works as a short plan.
    ExplanationFirst,
}

impl FieldOrder {
    /// The answer in this layout; `cmd` and `explanation` must be single lines.
    pub fn render(self, cmd: &str, explanation: &str) -> String {
        match self {
            FieldOrder::CommandFirst => format!("{cmd}\n{EXPLANATION_MARK}{explanation}"),
            FieldOrder::ExplanationFirst => format!("{EXPLANATION_MARK}{explanation}\n{cmd}"),
        }
    }

    pub(super) fn start(self) -> State {
        match self {
            FieldOrder::CommandFirst => State::Text(Text::start(Field::Cmd, false)),
            FieldOrder::ExplanationFirst => State::Mark { pos: 0, last: false },
        }
    }
}

/// What starts the explanation line.
const EXPLANATION_MARK: &str = "# ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Cmd,
    Explanation,
}

/// Inside a UTF-8 character: continuation bytes still due and the range the next one must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Utf8 {
    remaining: u8,
    low: u8,
    high: u8,
}

/// Position inside one of the two lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Text {
    pub field: Field,
    /// Whether the answer ends with this line.
    pub last: bool,
    pub pending: Option<Utf8>,
    /// Whether a character other than a space has been written (the command may not be blank).
    pub has_content: bool,
    /// Tokens that started inside this line; counted against the field's budget.
    pub tokens: u16,
}

impl Text {
    fn start(field: Field, last: bool) -> Self {
        Text { field, last, pending: None, has_content: false, tokens: 0 }
    }

    pub fn can_close(self) -> bool {
        self.pending.is_none() && (self.has_content || self.field == Field::Explanation)
    }

    /// What follows this line's line break.
    fn after_line(self) -> State {
        match (self.last, self.field) {
            (true, _) => State::Complete,
            (false, Field::Cmd) => State::Mark { pos: 0, last: true },
            (false, Field::Explanation) => State::Text(Text::start(Field::Cmd, true)),
        }
    }

    fn step(self, byte: u8) -> Option<State> {
        let (pending, adds_content) = match self.pending {
            None => match byte {
                b'\n' => return self.can_close().then(|| self.after_line()),
                0x00..=0x1F | 0x7F => return None,
                // A leading backtick is a Markdown fence or inline code, never the command itself.
                b'`' if self.field == Field::Cmd && !self.has_content => return None,
                0x20..=0x7E => (None, byte != b' '),
                _ => (Some(utf8_lead(byte)?), true),
            },
            Some(Utf8 { remaining, low, high }) => {
                if !(low..=high).contains(&byte) {
                    return None;
                }
                (if remaining == 1 { None } else { Some(Utf8 { remaining: remaining - 1, low: 0x80, high: 0xBF }) }, false)
            }
        };
        Some(State::Text(Text { pending, has_content: self.has_content || adds_content, ..self }))
    }
}

/// What a UTF-8 lead byte still needs; `None` for bytes that cannot start a character.
/// The narrowed first-continuation ranges exclude overlong forms, surrogates and code points past U+10FFFF.
fn utf8_lead(byte: u8) -> Option<Utf8> {
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
    Some(Utf8 { remaining, low, high })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// At byte `pos` of [`EXPLANATION_MARK`]; `last` says whether the explanation ends the answer.
    Mark {
        pos: u8,
        last: bool,
    },
    Text(Text),
    Complete,
    /// A token the mask forbade was advanced; only end of sequence is allowed from here.
    Dead,
}

impl State {
    pub fn step(self, byte: u8) -> Option<State> {
        match self {
            State::Mark { pos, last } => {
                let mark = EXPLANATION_MARK.as_bytes();
                if mark[usize::from(pos)] != byte {
                    return None;
                }
                Some(if usize::from(pos) + 1 < mark.len() {
                    State::Mark { pos: pos + 1, last }
                } else {
                    State::Text(Text::start(Field::Explanation, last))
                })
            }
            State::Text(text) => text.step(byte),
            State::Complete | State::Dead => None,
        }
    }

    pub fn run(self, bytes: &[u8]) -> Option<State> {
        bytes.iter().try_fold(self, |state, &byte| state.step(byte))
    }

    /// Whether the answer may end here (end of sequence instead of the last line break).
    pub fn may_end(self) -> bool {
        match self {
            State::Text(text) => text.last && text.can_close(),
            State::Complete | State::Dead => true,
            State::Mark { .. } => false,
        }
    }
}

/// `(cmd, explanation)` from an answer in either layout, read with the rules the constraint
/// enforces (one final line break is fine); `None` for anything else.
pub fn read_layout(answer: &str) -> Option<(String, String)> {
    let answer = answer.strip_suffix('\n').unwrap_or(answer);
    let order = if answer.starts_with(EXPLANATION_MARK) { FieldOrder::ExplanationFirst } else { FieldOrder::CommandFirst };
    let end = order.start().run(answer.as_bytes())?;
    if !end.may_end() {
        return None;
    }
    let (first, second) = answer.split_once('\n')?;
    let (cmd, explanation) = match order {
        FieldOrder::CommandFirst => (first, second.strip_prefix(EXPLANATION_MARK)?),
        FieldOrder::ExplanationFirst => (second, first.strip_prefix(EXPLANATION_MARK)?),
    };
    Some((cmd.trim().to_string(), explanation.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders_round_trip() {
        for order in [FieldOrder::CommandFirst, FieldOrder::ExplanationFirst] {
            let cmd = r#"find . -name '*.log' -exec grep -l "ERROR\.[0-9]" {} \; | xargs -I{} printf '%s\n' "$HOME/{}""#;
            let explanation = "Lists logs with numbered errors — as paths under $HOME.";
            let answer = order.render(cmd, explanation);
            assert_eq!(order.start().run(answer.as_bytes()).map(State::may_end), Some(true), "{answer}");
            assert_eq!(read_layout(&answer), Some((cmd.to_string(), explanation.to_string())));
            assert_eq!(read_layout(&format!("{answer}\n")), Some((cmd.to_string(), explanation.to_string())));
        }
    }

    #[test]
    fn rejects_what_the_constraint_forbids() {
        assert_eq!(read_layout("ls\nnot an explanation"), None);
        assert_eq!(read_layout("   \n# blank command"), None);
        assert_eq!(read_layout("```bash\n# fenced"), None);
        assert_eq!(read_layout("ls\n# one\n# two"), None);
        assert_eq!(read_layout("ls\tx\n# a tab"), None);
        assert_eq!(read_layout("ls"), None, "no explanation line");
        assert_eq!(read_layout("ls\n# "), Some(("ls".into(), String::new())), "an empty explanation is fine");
    }
}
