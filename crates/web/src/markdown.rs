//! A small Markdown reader for chat answers: paragraphs, headings, list items, fenced code and
//! inline code/bold. It yields plain text pieces that the page renders as text nodes, so model
//! output can never become HTML.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    ListItem(Vec<Inline>),
    Code { lang: String, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Bold(String),
}

/// Characters a fence's language name may hold; it is the only model text the page puts in an
/// attribute (`data-lang`), so it is cut to a plain name.
pub fn is_language_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+#._-".contains(c)
}

/// The language of a code fence's info string (```` ```bash title="x" ````): its first word,
/// allowed characters only, at most 32 of them.
fn language(info: &str) -> String {
    info.split_whitespace().next().unwrap_or_default().chars().filter(|&c| is_language_char(c)).take(32).collect()
}

pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(inline(&paragraph.join(" "))));
            paragraph.clear();
        }
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            flush(&mut paragraph, &mut blocks);
            // An unclosed fence (a stream still running) takes the rest of the text.
            let code: Vec<&str> = lines.by_ref().take_while(|l| !l.trim_start().starts_with("```")).collect();
            blocks.push(Block::Code { lang: language(lang), text: code.join("\n") });
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some((level, rest)) = heading(trimmed) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading(level, inline(rest)));
        } else if let Some(rest) = list_item(trimmed) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::ListItem(inline(rest)));
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let rest = line[level..].strip_prefix(' ')?;
    (1..=6).contains(&level).then_some((level as u8, rest))
}

fn list_item(line: &str) -> Option<&str> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some(rest);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| line[digits..].strip_prefix(". ")).flatten()
}

/// `code` and **bold** spans; unmatched markers stay as text.
pub fn inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (marker, make): (&str, fn(String) -> Inline) = if rest.starts_with("**") {
            ("**", Inline::Bold)
        } else if rest.starts_with('`') {
            ("`", Inline::Code)
        } else {
            let c = rest.chars().next().expect("not empty");
            plain.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        match rest[marker.len()..].find(marker) {
            Some(end) if end > 0 => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(make(rest[marker.len()..marker.len() + end].to_string()));
                rest = &rest[marker.len() * 2 + end..];
            }
            _ => {
                plain.push_str(marker);
                rest = &rest[marker.len()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_a_typical_answer() {
        let md = "# Title\nSome `ls -la` text\nwrapped.\n\n- one\n2. two\n\n```bash\nrm -rf build\n```\nafter";
        assert_eq!(
            parse(md),
            vec![
                Block::Heading(1, vec![Inline::Text("Title".into())]),
                Block::Paragraph(vec![Inline::Text("Some ".into()), Inline::Code("ls -la".into()), Inline::Text(" text wrapped.".into())]),
                Block::ListItem(vec![Inline::Text("one".into())]),
                Block::ListItem(vec![Inline::Text("two".into())]),
                Block::Code { lang: "bash".into(), text: "rm -rf build".into() },
                Block::Paragraph(vec![Inline::Text("after".into())]),
            ]
        );
    }

    #[test]
    fn html_stays_text_and_unclosed_markers_are_kept() {
        let md = "<script>alert(1)</script> **bold** and ` lone and ** too ünïcode";
        let blocks = parse(md);
        let Block::Paragraph(parts) = &blocks[0] else { panic!("{blocks:?}") };
        assert_eq!(parts[0], Inline::Text("<script>alert(1)</script> ".into()));
        assert_eq!(parts[1], Inline::Bold("bold".into()));
        assert_eq!(parts[2], Inline::Text(" and ` lone and ** too ünïcode".into()));
    }

    #[test]
    fn an_unclosed_fence_while_streaming_holds_the_rest() {
        assert_eq!(parse("```\nls\nfoo"), vec![Block::Code { lang: String::new(), text: "ls\nfoo".into() }]);
        let sneaky = parse("```sh\" onmouseover=\"alert(1)\nls\n```");
        assert_eq!(sneaky, vec![Block::Code { lang: "sh".into(), text: "ls".into() }]);
    }
}
