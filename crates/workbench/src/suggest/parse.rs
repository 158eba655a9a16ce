//! Reading a command back out of whatever the model wrote: the two-line layout it was asked for,
//! or JSON, fenced blocks, labelled lines and chatty prose that unconstrained models produce instead.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A suggested command and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub cmd: String,
    /// May be empty when the model gave no explanation.
    pub explanation: String,
}

/// Why no command could be read from the model's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the model gave an empty answer")]
    EmptyAnswer,
    #[error("the model's answer contains no command")]
    NoCommand,
    /// Control characters (terminal escapes, NUL, carriage returns) could hide what a command
    /// runs when it is shown.
    #[error("the model's command holds control characters")]
    ControlCharacters,
}

/// Reads the first command in `text`, trying in order: the answer layout (command line, then
/// `# explanation`, in either order), a JSON object (or array of them), JSON-like
/// `"cmd": "..."` fields (truncated or single-quoted), a fenced code block, a `cmd:`/`Command:`
/// line, and finally the first line that looks like a command rather than prose.
pub fn parse_suggestion(text: &str) -> Result<Suggestion, ParseError> {
    let text = strip_special_tokens(text);
    if text.trim().is_empty() {
        return Err(ParseError::EmptyAnswer);
    }
    let suggestion = from_layout(&text)
        .or_else(|| from_json(&text))
        .or_else(|| from_loose_fields(&text))
        .or_else(|| from_fence(&text))
        .or_else(|| from_labelled_line(&text))
        .or_else(|| from_lines(&text))
        .ok_or(ParseError::NoCommand)?;
    if suggestion.cmd.chars().any(|c| c.is_control() && c != '\t' && c != '\n') {
        return Err(ParseError::ControlCharacters);
    }
    Ok(suggestion)
}

fn from_layout(text: &str) -> Option<Suggestion> {
    let (cmd, explanation) = super::read_layout(text.trim_start_matches('\n'))?;
    Some(Suggestion { cmd, explanation })
}

/// Chat-template tokens that end a turn; whatever follows them is not part of the answer.
const END_MARKERS: [&str; 5] = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "</s>"];

/// Cuts the text at the first end-of-turn marker that follows some content and removes other `<|...|>` tokens.
fn strip_special_tokens(text: &str) -> String {
    let mut searched = 0;
    while let Some((pos, len)) =
        END_MARKERS.iter().filter_map(|marker| text[searched..].find(marker).map(|pos| (searched + pos, marker.len()))).min()
    {
        let before = remove_marker_tokens(&text[..pos]);
        if !before.trim().is_empty() {
            return before;
        }
        searched = pos + len;
    }
    remove_marker_tokens(text)
}

fn remove_marker_tokens(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<|") {
        kept.push_str(&rest[..start]);
        let marker = &rest[start..];
        match marker.find("|>") {
            Some(end) if end <= 40 => {
                kept.push('\n');
                rest = skip_role_name(&marker[end + 2..]);
            }
            _ => {
                kept.push_str("<|");
                rest = &marker[2..];
            }
        }
    }
    kept.push_str(rest);
    kept.replace("</s>", "\n")
}

/// Drops the role name that follows `<|im_start|>` or `<|start_header_id|>`.
fn skip_role_name(text: &str) -> &str {
    for role in ["assistant", "user", "system"] {
        if let Some(rest) = text.strip_prefix(role) {
            if rest.is_empty() || rest.starts_with('\n') || rest.starts_with("<|") {
                return rest;
            }
        }
    }
    text
}

/// At most this many `{`/`[` positions are tried, bounding the work on pathological text.
const MAX_JSON_ATTEMPTS: usize = 64;

fn from_json(text: &str) -> Option<Suggestion> {
    text.char_indices().filter(|&(_, c)| c == '{' || c == '[').take(MAX_JSON_ATTEMPTS).find_map(|(start, _)| {
        let value = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>().next()?.ok()?;
        match value {
            Value::Object(fields) => from_json_fields(&fields),
            Value::Array(items) => items.iter().filter_map(Value::as_object).find_map(from_json_fields),
            _ => None,
        }
    })
}

const CMD_KEYS: [&str; 2] = ["cmd", "command"];
const EXPLANATION_KEYS: [&str; 3] = ["explanation", "explain", "description"];

fn from_json_fields(fields: &Map<String, Value>) -> Option<Suggestion> {
    let field =
        |keys: &[&str]| fields.iter().find(|(key, _)| keys.contains(&key.to_ascii_lowercase().as_str())).and_then(|(_, v)| v.as_str());
    let cmd = field(&CMD_KEYS)?.trim();
    if cmd.is_empty() {
        return None;
    }
    let explanation = field(&EXPLANATION_KEYS).unwrap_or_default().trim();
    Some(Suggestion { cmd: cmd.to_string(), explanation: explanation.to_string() })
}

/// JSON that does not parse: cut off mid-way, or written with Python-style single quotes.
fn from_loose_fields(text: &str) -> Option<Suggestion> {
    let cmd = loose_string_field(text, &CMD_KEYS)?;
    let explanation = loose_string_field(text, &EXPLANATION_KEYS).unwrap_or_default();
    Some(Suggestion { cmd, explanation })
}

/// The first complete, non-blank string value of one of `keys`, quoted with `"` or `'`.
fn loose_string_field(text: &str, keys: &[&str]) -> Option<String> {
    let mut matches: Vec<(usize, usize)> = Vec::new();
    for key in keys {
        for quote in ['"', '\''] {
            let quoted_key = format!("{quote}{key}{quote}");
            matches.extend(text.match_indices(&quoted_key).map(|(pos, _)| (pos, quoted_key.len())));
        }
    }
    matches.sort_unstable();
    matches.into_iter().find_map(|(pos, len)| {
        let value = text[pos + len..].trim_start().strip_prefix(':')?.trim_start();
        let quote = value.chars().next().filter(|&c| c == '"' || c == '\'')?;
        let content = unescape_until(&value[1..], quote)?;
        let content = content.trim();
        (!content.is_empty()).then(|| content.to_string())
    })
}

/// Decodes string contents up to the closing `quote`; `None` if the string never closes.
fn unescape_until(text: &str, quote: char) -> Option<String> {
    let mut decoded = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => decoded.push('\n'),
                't' => decoded.push('\t'),
                'r' => decoded.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    decoded.push(code.unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                other => decoded.push(other),
            },
            c if c == quote => return Some(decoded),
            c => decoded.push(c),
        }
    }
    None
}

/// Fence languages that hold data, not a command.
const NON_COMMAND_FENCES: [&str; 4] = ["json", "text", "output", "plaintext"];

fn from_fence(text: &str) -> Option<Suggestion> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].trim().strip_prefix("```") else {
            i += 1;
            continue;
        };
        // A whole fence on one line: ```ls -la```
        if let Some(end) = info.find("```") {
            let cmd = info[..end].trim();
            if !cmd.is_empty() {
                return Some(Suggestion { cmd: cmd.to_string(), explanation: prose_explanation(text, cmd) });
            }
        }
        let body_end = lines[i + 1..].iter().position(|l| l.trim_start().starts_with("```")).map_or(lines.len(), |p| i + 1 + p);
        let language = info.trim().to_ascii_lowercase();
        if !NON_COMMAND_FENCES.contains(&language.as_str()) {
            if let Some(cmd) = first_command_in_block(&lines[i + 1..body_end]) {
                let explanation = prose_explanation(text, &cmd);
                return Some(Suggestion { cmd, explanation });
            }
        }
        i = body_end + 1;
    }
    None
}

/// The first command line of a code block, with its continuation lines joined.
fn first_command_in_block(body: &[&str]) -> Option<String> {
    let mut lines = body.iter().map(|line| line.trim()).filter(|line| !line.is_empty() && !is_comment(line));
    let mut cmd = strip_prompt(lines.next()?).to_string();
    while let Some(joined) = strip_continuation(&cmd) {
        let joined = joined.trim_end().to_string();
        match lines.next() {
            Some(next) => cmd = format!("{joined} {next}"),
            None => return Some(joined),
        }
    }
    Some(cmd)
}

fn is_comment(line: &str) -> bool {
    line.starts_with('#') || line.starts_with("::") || line.to_ascii_lowercase().starts_with("rem ")
}

/// The line without its continuation marker (an unescaped trailing `\`, or PowerShell's `` ` ``).
fn strip_continuation(line: &str) -> Option<&str> {
    let trailing_backslashes = line.bytes().rev().take_while(|&b| b == b'\\').count();
    if trailing_backslashes % 2 == 1 {
        return line.strip_suffix('\\');
    }
    line.strip_suffix(" `")
}

/// Removes a copied shell prompt: `$ `, `% `, `> `, `❯ `, `PS C:\dir> ` or `C:\dir>`.
fn strip_prompt(line: &str) -> &str {
    for prompt in ["$ ", "% ", "> ", "❯ "] {
        if let Some(rest) = line.strip_prefix(prompt) {
            return rest.trim_start();
        }
    }
    let windows_prompt = line.starts_with("PS ") || is_drive_path(line);
    if windows_prompt {
        if let Some(end) = line.find('>') {
            let prompt = &line[..end];
            if !prompt.contains(' ') || prompt.starts_with("PS ") {
                return line[end + 1..].trim_start();
            }
        }
    }
    line
}

fn is_drive_path(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\'
}

/// Labels that introduce the command on its own line.
const COMMAND_LABELS: [&str; 2] = ["cmd:", "command:"];

fn from_labelled_line(text: &str) -> Option<Suggestion> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().find_map(|(i, line)| {
        let value = command_label_value(line)?;
        let value = if value.is_empty() { lines[i + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty())? } else { value };
        let cmd = unwrap_code(value);
        (!cmd.is_empty()).then(|| Suggestion { cmd: cmd.to_string(), explanation: prose_explanation(text, cmd) })
    })
}

/// What follows a `cmd:`/`Command:` label (markdown emphasis and list markers allowed around it).
fn command_label_value(line: &str) -> Option<&str> {
    let bare = strip_list_marker(line.trim()).trim_start_matches(['*', '_']);
    COMMAND_LABELS.iter().find_map(|label| {
        let head = bare.get(..label.len())?;
        head.eq_ignore_ascii_case(label).then(|| bare[label.len()..].trim_start_matches(['*', '_']).trim())
    })
}

fn strip_list_marker(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return rest.trim_start();
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        if let Some(rest) = line[digits..].strip_prefix(". ").or_else(|| line[digits..].strip_prefix(") ")) {
            return rest.trim_start();
        }
    }
    line
}

/// Removes one pair of backticks or quotes around the whole text, if nothing inside uses them.
fn unwrap_code(text: &str) -> &str {
    let text = text.trim();
    let inner = text.trim_matches('`');
    if inner.len() < text.len() && !inner.contains('`') {
        return inner.trim();
    }
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            if !inner.contains(quote) {
                return inner.trim();
            }
        }
    }
    text
}

/// The non-empty lines outside fenced code blocks, trimmed and without list markers.
fn prose_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut in_fence = false;
    text.lines().map(|line| strip_list_marker(line.trim())).filter(move |line| {
        if line.starts_with("```") {
            in_fence = !in_fence;
            return false;
        }
        !in_fence && !line.is_empty()
    })
}

fn from_lines(text: &str) -> Option<Suggestion> {
    for line in prose_lines(text) {
        if looks_like_json(line) {
            continue;
        }
        if let Some(cmd) = command_in_line(line) {
            let explanation = if looks_like_prose(line) { first_sentence(line).to_string() } else { prose_explanation(text, &cmd) };
            return Some(Suggestion { cmd, explanation });
        }
    }
    None
}

/// JSON that yielded no command earlier is not a command either.
fn looks_like_json(line: &str) -> bool {
    ["{\"", "{'", "[{", "[\""].iter().any(|start| line.starts_with(start))
}

/// The command a single line holds: the line itself, or for prose an inline `code span` or what
/// follows "...: ".
fn command_in_line(line: &str) -> Option<String> {
    if line.starts_with('`') && !line.ends_with('`') {
        // "`ls -la` lists files": a command never starts with a backtick, a code span does.
        return first_code_span(line);
    }
    if !looks_like_prose(line) {
        let cmd = unwrap_code(strip_prompt(line));
        return (!cmd.is_empty()).then(|| cmd.to_string());
    }
    if line.ends_with(':') {
        // "Here is the command to list `*.rs` files:" introduces the command; its spans are not it.
        return None;
    }
    if let Some(span) = first_code_span(line) {
        return Some(span);
    }
    let (label, after) = line.split_once(": ")?;
    let after = unwrap_code(after);
    let is_label = LABEL_WORDS.iter().any(|word| label.trim_matches('*').eq_ignore_ascii_case(word));
    (!is_label && !after.is_empty() && !looks_like_prose(after) && !after.ends_with('.')).then(|| after.to_string())
}

/// Labels of prose lines ("Explanation: ...") whose text is never the command.
const LABEL_WORDS: [&str; 6] = ["explanation", "note", "output", "result", "description", "warning"];

fn first_code_span(line: &str) -> Option<String> {
    let mut parts = line.split('`');
    parts.next();
    // Odd-numbered parts are inside backticks; empty ones come from ``` runs.
    parts.step_by(2).map(str::trim).find(|span| !span.is_empty()).map(str::to_string)
}

/// Words that start a sentence to the user but never a command.
const PROSE_OPENERS: [&str; 43] = [
    "here",
    "here's",
    "heres",
    "sure",
    "certainly",
    "okay",
    "of",
    "this",
    "that",
    "these",
    "the",
    "to",
    "you",
    "use",
    "run",
    "try",
    "i",
    "i'll",
    "i'm",
    "it",
    "it's",
    "below",
    "note",
    "alternatively",
    "explanation",
    "answer",
    "great",
    "absolutely",
    "assuming",
    "please",
    "first",
    "finally",
    "otherwise",
    "unfortunately",
    "sorry",
    "based",
    "since",
    "because",
    "a",
    "an",
    "we",
    "let's",
    "description",
];

fn looks_like_prose(line: &str) -> bool {
    if line.ends_with(':') {
        return true;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(first) = words.first() else { return false };
    let opener = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase().replace('’', "'");
    if PROSE_OPENERS.contains(&opener.as_str()) {
        return true;
    }
    // "Lists all files in the directory." — capitalised and ending like a sentence.
    let capitalised = first.chars().next().is_some_and(char::is_uppercase) && !first.contains('-');
    let sentence_end = line.ends_with(['.', '!', '?']) && line.chars().rev().nth(1).is_some_and(char::is_alphabetic);
    capitalised && sentence_end && words.len() >= 3
}

/// Filler that introduces the answer rather than explaining it.
const FILLER_OPENERS: [&str; 10] = ["sure", "here", "here's", "heres", "certainly", "okay", "of", "absolutely", "great", "below"];

/// The first prose sentence of `text` that is not filler and not the command itself; a line
/// labelled "Explanation:" counts whatever it says.
fn prose_explanation(text: &str, cmd: &str) -> String {
    for line in prose_lines(text) {
        if line.ends_with(':') || command_label_value(line).is_some() {
            continue;
        }
        if let Some(labelled) = explanation_label_value(line).filter(|rest| !rest.is_empty()) {
            return first_sentence(labelled).to_string();
        }
        let opener = line.split_whitespace().next().unwrap_or_default();
        let opener = opener.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase();
        let is_filler = FILLER_OPENERS.contains(&opener.as_str());
        if !is_filler && looks_like_prose(line) && unwrap_code(line) != cmd {
            return first_sentence(line).to_string();
        }
    }
    String::new()
}

fn explanation_label_value(line: &str) -> Option<&str> {
    let bare = line.trim_start_matches(['*', '_']);
    let head = bare.get(..12)?;
    head.eq_ignore_ascii_case("explanation:").then(|| bare[12..].trim_start_matches(['*', '_']).trim())
}

/// Up to and including the first ". ", or the whole line.
fn first_sentence(line: &str) -> &str {
    match line.find(". ") {
        Some(end) => &line[..=end],
        None => line,
    }
}
