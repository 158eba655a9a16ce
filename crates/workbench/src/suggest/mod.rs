//! Turning a natural-language request into one shell command: the environment it is for, the chat
//! prompt and its example bank, checking the request, constraining the model's answer to the
//! two-line layout and reading that answer back.

mod constraint;
mod context;
mod examples;
mod layout;
mod parse;
mod prompt;
mod request;
mod suggester;

pub use constraint::CommandConstraint;
pub use context::{OsKind, ShellKind, SuggestContext, UnknownShell, Userland};
pub use layout::{read_layout, FieldOrder};
pub use parse::{parse_suggestion, ParseError, Suggestion};
pub use prompt::{suggest_chat, SuggestChat, SuggestOptions};
pub use request::{validate_request, RequestError, MAX_REQUEST_CHARS};
pub use suggester::{split_prompt, split_prompt_at, Answer, Prompt, SuggestError, Suggester, MAX_SUGGESTION_TOKENS};
