//! Code decoded at run time and then run: `eval "$(echo cm0gLXJmIC8= | base64 -d)"`. A literal
//! payload is decoded here and judged like any command; one that is not (a file, a variable, a
//! download) cannot be seen at all.

use super::invocation::{self, Arg, Invocation};
use super::rules::network;
use super::shell::{self, RedirectKind};

/// What a command substitution's output is, when it comes out of a decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Decoded from a literal in the command line: the text that will run.
    Literal(String),
    /// Decoded from something cmdai cannot read; names the decoder.
    Hidden(String),
}

/// The payload `script` (the inside of `$(..)`, backticks or `<(..)`) yields, if it decodes one.
pub fn decoded(script: &str) -> Option<Payload> {
    let parsed = shell::parse(script);
    let pipeline = parsed.pipelines.last()?;
    let invocations: Vec<(Invocation, Option<String>)> = pipeline
        .commands
        .iter()
        .filter_map(|command| {
            let args: Vec<Arg> = command.words.iter().map(|w| Arg { text: w.text.clone(), ..Arg::default() }).collect();
            let here_string = command.redirects.iter().rev().find(|r| r.kind == RedirectKind::Read).map(|r| r.target.text.clone());
            invocation::unwrap(&args, &[]).map(|inv| (inv, here_string))
        })
        .collect();
    let (decoder, redirected) = invocations.last()?;
    if !network::decodes(decoder) {
        return None;
    }
    let hidden = || Some(Payload::Hidden(decoder.program.clone()));
    // The encoded text: what echo/printf feeds the decoder, a here-string, or the decoder's own
    // escapes (printf '\x72\x6d').
    let input = match invocations.as_slice() {
        [(feeder, _), _] if matches!(feeder.program.as_str(), "echo" | "printf") => literal_output(feeder),
        [(only, _)] if matches!(only.program.as_str(), "echo" | "printf") => {
            return decode_escapes(&literal_output(only)?).map(Payload::Literal)
        }
        [_] => redirected.clone(),
        _ => None,
    };
    let Some(input) = input.filter(|text| !text.contains('$') && !text.contains('`')) else { return hidden() };
    let text = match decoder.program.as_str() {
        "base64" | "basenc" | "openssl" => decode_base64(&input),
        "xxd" => decode_hex(&input),
        "rev" => Some(input.chars().rev().collect()),
        _ => None,
    };
    match text {
        Some(text) => Some(Payload::Literal(text)),
        None => hidden(),
    }
}

/// The payloads an invocation runs: its program word's, and its arguments' when the program
/// runs its arguments as code (`source <(..)`, `bash <(..)`). Scripts given as text (`eval`,
/// `sh -c`) are left to the nested script, which meets the payload as its program word.
pub fn executed(inv: &Invocation) -> Vec<&Payload> {
    let mut payloads: Vec<&Payload> = inv.program_payload.iter().collect();
    if invocation::executes_arguments(&inv.program) && invocation::nested_script(inv).is_none() {
        payloads.extend(inv.args_payload.iter());
    }
    payloads
}

/// What `echo`/`printf` prints when its operands are literal.
fn literal_output(inv: &Invocation) -> Option<String> {
    let mut operands: Vec<&String> = inv.args.iter().skip_while(|a| a.starts_with('-') && a.len() > 1).collect();
    if inv.program == "printf" && operands.first().is_some_and(|format| format.starts_with("%s") || format.starts_with("%b")) {
        operands.remove(0);
    }
    (!operands.is_empty()).then(|| operands.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
}

fn decode_base64(text: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if clean.is_empty() || !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for quad in clean.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &b in quad {
            let value = match b {
                b'=' => {
                    pad += 1;
                    0
                }
                b'-' => 62,
                b'_' => 63,
                _ if pad > 0 => return None,
                _ => ALPHABET.iter().position(|&c| c == b)? as u32,
            };
            n = n << 6 | value;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad.min(2)]);
    }
    readable(out)
}

fn decode_hex(text: &str) -> Option<String> {
    let clean: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    if !clean.len().is_multiple_of(2) || clean.len() * 2 < text.trim().len() {
        return None;
    }
    let bytes = clean.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect::<Option<Vec<u8>>>()?;
    readable(bytes)
}

/// `\x72`, `\162` and the usual letter escapes, as printf and `echo -e` expand them.
fn decode_escapes(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = bytes[i + 1];
        let digits = |start: usize, max: usize, radix: u32| {
            let end =
                (start..bytes.len().min(start + max)).take_while(|&j| (bytes[j] as char).is_digit(radix)).last().map_or(start, |j| j + 1);
            (end, std::str::from_utf8(&bytes[start..end]).ok().and_then(|d| u8::from_str_radix(d, radix).ok()))
        };
        let (end, byte) = match next {
            b'x' => digits(i + 2, 2, 16),
            b'0'..=b'7' => digits(i + 1, 3, 8),
            b'n' => (i + 2, Some(b'\n')),
            b't' => (i + 2, Some(b'\t')),
            other => (i + 2, Some(other)),
        };
        out.extend(byte);
        i = end.max(i + 2);
    }
    readable(out)
}

/// Decoded bytes count as a payload only when they are text.
fn readable(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    text.chars().all(|c| !c.is_control() || c.is_whitespace()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_payloads_are_decoded() {
        let literal = |s: &str| Some(Payload::Literal(s.to_string()));
        assert_eq!(decoded("echo cm0gLXJmIC8= | base64 -d"), literal("rm -rf /"));
        assert_eq!(decoded("printf %s c2h1dGRvd24gLWggbm93 | base64 --decode"), literal("shutdown -h now"));
        assert_eq!(decoded("base64 -d <<< cm0gLXJmIH4="), literal("rm -rf ~"));
        assert_eq!(decoded("echo 726d202d7266202f | xxd -r -p"), literal("rm -rf /"));
        assert_eq!(decoded(r"printf '\x72\x6d -rf /'"), literal("rm -rf /"));
        assert_eq!(decoded("echo '/ fr- mr' | rev"), literal("rm -rf /"));
    }

    #[test]
    fn other_inputs_are_hidden_and_plain_commands_are_no_payload() {
        let hidden = |d: &str| Some(Payload::Hidden(d.to_string()));
        assert_eq!(decoded("cat payload.b64 | base64 -d"), hidden("base64"));
        assert_eq!(decoded("base64 -d < payload.txt"), hidden("base64"));
        assert_eq!(decoded("echo $PAYLOAD | base64 -d"), hidden("base64"));
        assert_eq!(decoded("echo not*base64 | base64 -d"), hidden("base64"));
        assert_eq!(decoded("ssh-agent -s"), None);
        assert_eq!(decoded("date"), None);
        assert_eq!(decoded("printf 'plain'"), None);
    }
}
