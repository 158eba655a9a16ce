//! GPT-2 byte-level alphabet: every byte maps to one printable char so byte sequences can be BPE vocab strings.
//!
//! Printable bytes (`!`..=`~`, `¡`..=`¬`, `®`..=`ÿ`) stand for themselves; the other 68 bytes take the
//! chars U+0100, U+0101, ... in byte order.

use std::collections::HashMap;
use std::sync::OnceLock;

fn is_self_mapped(b: u8) -> bool {
    matches!(b, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// byte -> char table.
fn byte_to_char_table() -> &'static [char; 256] {
    static TABLE: OnceLock<[char; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = ['\0'; 256];
        let mut next = 0x100u32;
        for b in 0..=255u8 {
            let cp = if is_self_mapped(b) {
                u32::from(b)
            } else {
                let cp = next;
                next += 1;
                cp
            };
            // Every code point here is below 0x200, all valid chars.
            table[usize::from(b)] = char::from_u32(cp).unwrap_or('\u{FFFD}');
        }
        table
    })
}

fn char_to_byte_table() -> &'static HashMap<char, u8> {
    static TABLE: OnceLock<HashMap<char, u8>> = OnceLock::new();
    TABLE.get_or_init(|| byte_to_char_table().iter().enumerate().map(|(b, &c)| (c, b as u8)).collect())
}

/// The byte-level char that stands for `b`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn byte_to_char(b: u8) -> char {
    byte_to_char_table()[usize::from(b)]
}

/// The byte a byte-level char stands for, if it is one.
pub(crate) fn char_to_byte(c: char) -> Option<u8> {
    char_to_byte_table().get(&c).copied()
}

/// Raw bytes of a byte-level token string, the way llama.cpp's `llama_decode_text` does it: a char
/// outside the alphabet becomes `[UNK_BYTE_0x<its utf-8 hex><token text>]`.
pub(crate) fn decode_token_text(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match char_to_byte(c) {
            Some(b) => out.push(b),
            None => {
                out.extend_from_slice(b"[UNK_BYTE_0x");
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.extend_from_slice(format!("{b:02x}").as_bytes());
                }
                out.extend_from_slice(text.as_bytes());
                out.push(b']');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_is_a_bijection() {
        let mut seen = std::collections::HashSet::new();
        for b in 0..=255u8 {
            let c = byte_to_char(b);
            assert!(seen.insert(c));
            assert_eq!(char_to_byte(c), Some(b));
        }
        assert_eq!(byte_to_char(b' '), '\u{120}'); // 'Ġ'
        assert_eq!(byte_to_char(b'\n'), '\u{10A}'); // 'Ċ'
        assert_eq!(byte_to_char(b'a'), 'a');
    }

    #[test]
    fn decodes_unknown_chars_like_llama_cpp() {
        assert_eq!(decode_token_text("\u{120}hi"), b" hi".to_vec());
        assert_eq!(decode_token_text("\u{4E00}"), b"[UNK_BYTE_0xe4b880\xe4\xb8\x80]".to_vec());
    }
}
