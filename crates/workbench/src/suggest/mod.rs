//! Turning a natural-language request into one shell command: the environment it is for, the chat
//! prompt, checking the request, constraining the model's answer to JSON and reading that answer back.

mod constraint;
mod context;
mod parse;
mod prompt;
mod request;
mod suggester;

pub use constraint::JsonCommandConstraint;
pub use context::{OsKind, ShellKind, SuggestContext, UnknownShell, Userland};
pub use parse::{parse_suggestion, ParseError, Suggestion};
pub use prompt::messages;
pub use request::{validate_request, RequestError, MAX_REQUEST_CHARS};
pub use suggester::{split_prompt, Prompt, SuggestError, Suggester, MAX_SUGGESTION_TOKENS};
