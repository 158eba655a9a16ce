//! Chat templates (tokenizer.chat_template via minijinja, ChatML fallback).
//!
//! Templates are rendered the way Hugging Face `apply_chat_template` renders them: Jinja with
//! `trim_blocks` and `lstrip_blocks`, the variables `messages`, `add_generation_prompt`, `bos_token`,
//! `eos_token` and `tools` (none), a `raise_exception` function, a Python-style `tojson` filter and
//! Python string/dict methods (`.strip()`, `.startswith()`, `.items()`, ...).

use std::fmt;

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State};
use serde::{Deserialize, Serialize};

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks: `system`, `user`, `assistant`, or any other role the template knows (such as `tool`).
    pub role: String,
    /// The text of the message, inserted by the template as it is.
    pub content: String,
}

impl Message {
    /// A message with any role.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Message { role: role.into(), content: content.into() }
    }

    /// A `system` message: instructions that frame the conversation.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }

    /// A `user` message: what the person asks.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }

    /// An `assistant` message: an earlier reply of the model.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
}

/// Why a chat template could not be compiled or rendered.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The template source is not valid Jinja (reported by [`ChatTemplate::new`]).
    #[error("chat template does not parse: {0}")]
    Syntax(String),
    /// The template called `raise_exception`, e.g. because it does not accept the order of the roles.
    #[error("chat template raised an exception: {0}")]
    Raised(String),
    /// Rendering failed for another reason, such as an undefined function or a type error.
    #[error("chat template failed to render: {0}")]
    Render(String),
}

const TEMPLATE_NAME: &str = "chat_template";
/// Marks errors produced by the template's own `raise_exception` call.
const RAISE_MARKER: &str = "raise_exception: ";

/// The ChatML format, used when a model ships no template (llama.cpp's `chatml`).
const CHATML: &str = "{%- for message in messages %}\
{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}\
{%- endfor %}\
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/// A compiled chat template.
#[derive(Clone)]
pub struct ChatTemplate {
    env: Environment<'static>,
    source: String,
    bos_token: String,
    eos_token: String,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("source", &self.source)
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .finish()
    }
}

/// Instructions one render may execute; real templates use a few thousand per message.
const TEMPLATE_FUEL: u64 = 5_000_000;

impl ChatTemplate {
    /// Compiles a Jinja chat template (GGUF `tokenizer.chat_template`, tokenizer_config.json
    /// `chat_template`).
    pub fn new(source: impl Into<String>) -> Result<Self, ChatError> {
        let source = source.into();
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(false);
        // Templates come from model files: a loop over range(10**9) must end in an error, not hang.
        env.set_fuel(Some(TEMPLATE_FUEL));
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_filter("tojson", tojson);
        env.add_template_owned(TEMPLATE_NAME, source.clone()).map_err(|e| ChatError::Syntax(describe(&e)))?;
        Ok(ChatTemplate { env, source, bos_token: String::new(), eos_token: String::new() })
    }

    /// The ChatML template (`<|im_start|>role\ncontent<|im_end|>\n`).
    pub fn chatml() -> Self {
        // The built-in source always compiles; fall back to an empty template rather than panic.
        Self::new(CHATML).unwrap_or_else(|_| ChatTemplate {
            env: Environment::new(),
            source: String::new(),
            bos_token: String::new(),
            eos_token: String::new(),
        })
    }

    /// The template a tokenizer's model ships (ChatML when it has none), with its BOS/EOS texts set.
    pub fn for_tokenizer(tokenizer: &crate::tokenizer::Tokenizer) -> Result<Self, ChatError> {
        let template = match tokenizer.chat_template() {
            Some(source) => Self::new(source)?,
            None => Self::chatml(),
        };
        Ok(template.with_bos_token(tokenizer.bos_text().unwrap_or_default()).with_eos_token(tokenizer.eos_text().unwrap_or_default()))
    }

    /// Sets the `bos_token` variable.
    pub fn with_bos_token(mut self, bos: impl Into<String>) -> Self {
        self.bos_token = bos.into();
        self
    }

    /// Sets the `eos_token` variable.
    pub fn with_eos_token(mut self, eos: impl Into<String>) -> Self {
        self.eos_token = eos.into();
        self
    }

    /// The Jinja source the template was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the conversation. With `add_generation_prompt` the text ends with the opening of an
    /// assistant turn.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String, ChatError> {
        self.render_with_tools(messages, None, add_generation_prompt)
    }

    /// Like [`render`](Self::render), with `tools` (a JSON array of tool schemas) passed to the template.
    pub fn render_with_tools(
        &self,
        messages: &[Message],
        tools: Option<&serde_json::Value>,
        add_generation_prompt: bool,
    ) -> Result<String, ChatError> {
        let template = self.env.get_template(TEMPLATE_NAME).map_err(|e| ChatError::Syntax(describe(&e)))?;
        let ctx = minijinja::context! {
            messages => Value::from_serialize(messages),
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos_token.as_str(),
            eos_token => self.eos_token.as_str(),
            tools => tools.map(Value::from_serialize),
        };
        template.render(ctx).map_err(|e| classify(&e))
    }
}

fn raise_exception(message: String) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, format!("{RAISE_MARKER}{message}")))
}

fn classify(e: &Error) -> ChatError {
    // The error from `raise_exception` may come wrapped by the call site.
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(mj) = err.downcast_ref::<Error>() {
            if let Some(message) = mj.detail().and_then(|d| d.strip_prefix(RAISE_MARKER)) {
                return ChatError::Raised(message.to_string());
            }
        }
        current = err.source();
    }
    ChatError::Render(describe(e))
}

fn describe(e: &Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// Python's `json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys)`, which is what
/// Hugging Face's `tojson` filter does (no HTML escaping, `", "` and `": "` separators).
fn tojson(_state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let indent: Option<Value> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let indent = match indent {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => {
            if let Some(s) = v.as_str() {
                Some(s.to_string())
            } else {
                let n = i64::try_from(v.clone())
                    .map_err(|_| Error::new(ErrorKind::InvalidOperation, "tojson: indent must be an integer or a string"))?;
                Some(" ".repeat(n.clamp(0, 64) as usize))
            }
        }
    };
    let json =
        serde_json::to_value(&value).map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("tojson: cannot serialize: {e}")))?;
    let mut out = String::new();
    write_py_json(&mut out, &json, indent.as_deref(), sort_keys.unwrap_or(false), 0);
    Ok(Value::from_safe_string(out))
}

fn write_py_json(out: &mut String, v: &serde_json::Value, indent: Option<&str>, sort_keys: bool, depth: usize) {
    use serde_json::Value as J;
    let newline = |out: &mut String, depth: usize| {
        if let Some(ind) = indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(ind);
            }
        }
    };
    let item_sep = if indent.is_some() { "," } else { ", " };
    match v {
        J::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_py_json(out, item, indent, sort_keys, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        J::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &J)> = map.iter().collect();
            if sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                out.push_str(&J::String(k.clone()).to_string());
                out.push_str(": ");
                write_py_json(out, item, indent, sort_keys, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        // Scalars, `[]` and `{}`: serde_json escapes strings exactly as Python with ensure_ascii=False.
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_json_formatting() {
        let v: serde_json::Value = serde_json::from_str(r#"{"b": [1, 2.5, "x<y>\n"], "a": {}, "c": null}"#).unwrap();
        let mut s = String::new();
        write_py_json(&mut s, &v, None, true, 0);
        assert_eq!(s, r#"{"a": {}, "b": [1, 2.5, "x<y>\n"], "c": null}"#);
        let mut s = String::new();
        write_py_json(&mut s, &serde_json::json!({"k": [1]}), Some("  "), false, 0);
        assert_eq!(s, "{\n  \"k\": [\n    1\n  ]\n}");
    }
}
