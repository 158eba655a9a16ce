//! Folds characters that imitate ASCII (fullwidth forms, Cyrillic and Greek letters, invisible
//! characters) so a disguised `ｒｍ` or `гм` is judged as the `rm` it pretends to be.

/// The ASCII reading of `text`, and whether any look-alike had to be folded.
pub fn fold(text: &str) -> (String, bool) {
    if text.is_ascii() {
        return (text.to_string(), false);
    }
    let mut folded = String::with_capacity(text.len());
    let mut disguised = false;
    for c in text.chars() {
        match ascii_twin(c) {
            Some(Some(twin)) => {
                folded.push(twin);
                disguised = true;
            }
            Some(None) => disguised = true,
            None => folded.push(c),
        }
    }
    (folded, disguised)
}

/// `Some(Some(a))`: `c` looks like `a`; `Some(None)`: `c` is invisible; `None`: `c` is itself.
fn ascii_twin(c: char) -> Option<Option<char>> {
    let code = c as u32;
    if (0xFF01..=0xFF5E).contains(&code) {
        return Some(char::from_u32(code - 0xFEE0));
    }
    if matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}') {
        return Some(None);
    }
    let twin = match c {
        'а' | 'А' | 'α' | 'Α' => 'a',
        'в' | 'В' | 'β' | 'Β' => 'b',
        'с' | 'С' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'Е' | 'ε' | 'Ε' | 'ё' => 'e',
        'ɡ' => 'g',
        'н' | 'Н' | 'Η' | 'һ' => 'h',
        'і' | 'І' | 'ι' | 'Ι' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'ӏ' => 'l',
        'м' | 'М' | 'Μ' => 'm',
        'п' | 'ո' | 'Ν' => 'n',
        'о' | 'О' | 'ο' | 'Ο' => 'o',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'г' | 'Г' => 'r',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' | 'τ' | 'Τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ѡ' => 'w',
        'х' | 'Х' | 'χ' | 'Χ' => 'x',
        'у' | 'У' | 'γ' => 'y',
        'Ζ' => 'z',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
        '∕' | '⁄' => '/',
        _ => return None,
    };
    Some(Some(twin))
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_disguises() {
        assert_eq!(fold("ｒｍ"), ("rm".to_string(), true));
        assert_eq!(fold("гм"), ("rm".to_string(), true));
        assert_eq!(fold("ѕudо"), ("sudo".to_string(), true));
        assert_eq!(fold("r\u{200B}m"), ("rm".to_string(), true));
        assert_eq!(fold("rm"), ("rm".to_string(), false));
        assert_eq!(fold("日本"), ("日本".to_string(), false));
    }
}
