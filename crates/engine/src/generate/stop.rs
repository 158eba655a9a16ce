//! Incremental release of generated text: holds back what may still turn into a stop string
//! and an incomplete UTF-8 character at the end (shown as U+FFFD by the decoder).

/// Releases generated text once it is certain, and ends it at the first stop string.
pub struct StopStrings {
    stops: Vec<String>,
    /// Text handed out so far.
    emitted: String,
}

impl StopStrings {
    /// Watches for `stops`; empty strings are ignored.
    pub fn new(stops: &[String]) -> Self {
        Self { stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(), emitted: String::new() }
    }

    /// Takes the whole decoded text so far; returns the newly certain part and whether a
    /// stop string was found (the text before it is then all released).
    pub fn push<'a>(&mut self, text: &'a str) -> (&'a str, bool) {
        let done = self.emitted.len().min(text.len());
        if let Some(stop_at) = self.stops.iter().filter_map(|s| text.find(s.as_str())).min() {
            let end = stop_at.max(done);
            return (self.release(text, done, end), true);
        }
        let mut end = text.len();
        if text.ends_with('\u{FFFD}') {
            end -= '\u{FFFD}'.len_utf8();
        }
        // The longest tail of the text that is the beginning of a stop string stays back.
        let held = self
            .stops
            .iter()
            .flat_map(|s| (1..s.len()).rev().filter(|&n| s.is_char_boundary(n)).map(move |n| &s[..n]))
            .filter(|prefix| text[..end].ends_with(prefix))
            .map(str::len)
            .max()
            .unwrap_or(0);
        end -= held;
        (self.release(text, done, end.max(done)), false)
    }

    /// Everything not yet released, at the end of generation.
    pub fn finish<'a>(&mut self, text: &'a str) -> &'a str {
        let done = self.emitted.len().min(text.len());
        self.release(text, done, text.len())
    }

    /// All text released so far: the final output.
    pub fn into_emitted(self) -> String {
        self.emitted
    }

    fn release<'a>(&mut self, text: &'a str, from: usize, to: usize) -> &'a str {
        let piece = text.get(from..to).unwrap_or("");
        self.emitted.push_str(piece);
        piece
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], steps: &[&str]) -> (Vec<String>, bool, String) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut s = StopStrings::new(&stops);
        let mut pieces = Vec::new();
        let mut stopped = false;
        let mut last = "";
        for text in steps {
            let (piece, hit) = s.push(text);
            pieces.push(piece.to_string());
            last = text;
            if hit {
                stopped = true;
                break;
            }
        }
        if !stopped {
            pieces.push(s.finish(last).to_string());
        }
        (pieces, stopped, s.into_emitted())
    }

    #[test]
    fn stop_string_split_across_tokens_is_never_printed() {
        let (pieces, stopped, text) = run(&["\n```"], &["ls -la", "ls -la\n", "ls -la\n``", "ls -la\n```"]);
        assert!(stopped);
        assert_eq!(text, "ls -la");
        assert_eq!(pieces.concat(), "ls -la");
    }

    #[test]
    fn held_back_text_is_released_when_it_diverges() {
        let (pieces, stopped, text) = run(&["END"], &["a E", "a EN", "a ENx"]);
        assert!(!stopped);
        assert_eq!(pieces, vec!["a ", "", "ENx", ""]);
        assert_eq!(text, "a ENx");
    }

    #[test]
    fn incomplete_utf8_waits_for_its_last_byte() {
        let (pieces, _, text) = run(&[], &["caf\u{FFFD}", "café"]);
        assert_eq!(pieces, vec!["caf", "é", ""]);
        assert_eq!(text, "café");
    }
}
