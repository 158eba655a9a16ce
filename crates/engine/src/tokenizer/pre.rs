//! Pre-tokenizer settings selected by GGUF `tokenizer.ggml.pre`, following llama.cpp's table.
//!
//! Each entry is a list of regexes applied one after the other, every one splitting the pieces the
//! previous one produced, keeping both matches and the text between them as pieces (the Hugging Face
//! `Split` pre-tokenizer with `Isolated` behaviour). llama.cpp runs the GPT-2 and Llama-3 patterns
//! through hand-written matchers and the others through `std::regex` on a category-collapsed copy of
//! the text; both behave as the Unicode regexes below do.

/// GPT-2's pattern. llama.cpp lists it without the final `|\s+`, but its hand-written matcher for it
/// does match lone whitespace that way, so it is spelled out here.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Llama 3 (tiktoken cl100k-style), with the case-insensitive group spelled out as llama.cpp does.
const LLAMA3: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 2: Llama 3's pattern with single digits.
const QWEN2: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

const PUNCT_RUNS: &str = r"[\p{P}\$\+<=>\^~\|]+";
/// Falcon's punctuation runs also take the backtick.
const PUNCT_RUNS_FALCON: &str = r"[\p{P}\$\+<=>\^~\|`]+";
const DIGIT: &str = r"\p{N}";
const DIGITS: &str = r"\p{N}+";
const THREE_DIGITS: &str = r"[0-9][0-9][0-9]";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreTokenizerConfig {
    /// The name the configuration was chosen by (the family's canonical name).
    pub family: &'static str,
    pub regexes: &'static [&'static str],
    /// A whole pre-token that is in the vocab becomes that token without running merges.
    pub ignore_merges: bool,
    /// llama.cpp's default for adding BOS (the GGUF `add_bos_token` key overrides it).
    pub add_bos: bool,
    /// Undo "clean_up_tokenization_spaces" on detokenize (`" ."` -> `"."` and friends).
    pub clean_spaces: bool,
    /// The family has no BOS token by default.
    pub no_bos: bool,
}

const fn config(family: &'static str, regexes: &'static [&'static str]) -> PreTokenizerConfig {
    PreTokenizerConfig { family, regexes, ignore_merges: false, add_bos: false, clean_spaces: true, no_bos: false }
}

/// The configuration for a `tokenizer.ggml.pre` value, or `None` for a name this crate does not know.
/// A missing key means `default`, as in llama.cpp.
pub(crate) fn lookup(name: &str) -> Option<PreTokenizerConfig> {
    let c = match name {
        "default" => config("default", &[PUNCT_RUNS, GPT2, DIGITS, THREE_DIGITS]),
        "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "falcon-h1" | "pixtral" | "midm-2.0" | "lfm2" => {
            PreTokenizerConfig { ignore_merges: true, add_bos: true, ..config("llama3", &[LLAMA3]) }
        }
        "dbrx" | "smaug-bpe" => config("dbrx", &[LLAMA3]),
        "glm4" | "chatglm-bpe" => PreTokenizerConfig { no_bos: true, ..config("chatglm4", &[LLAMA3]) },
        "qwen2" | "deepseek-r1-qwen" | "kormo" | "f2llmv2" => PreTokenizerConfig { clean_spaces: false, ..config("qwen2", &[QWEN2]) },
        "megrez" | "stablelm2" => config("qwen2", &[QWEN2]),
        "smollm" | "command-r" => PreTokenizerConfig { clean_spaces: false, ..config("starcoder", &[DIGIT, GPT2]) },
        "starcoder" | "refact" | "codeshell" | "exaone" | "minerva-7b" | "mellum2" => config("starcoder", &[DIGIT, GPT2]),
        "gpt-2" | "phi-2" | "jina-es" | "jina-de" | "gigachat" | "jina-v2-es" | "jina-v2-de" | "a.x-4.0" | "mellum" | "modern-bert"
        | "mpt" | "olmo" | "jais" | "exaone4" => config("gpt2", &[GPT2]),
        "trillion" | "granite-docling" => PreTokenizerConfig { clean_spaces: false, ..config("gpt2", &[GPT2]) },
        "falcon" => config("falcon", &[PUNCT_RUNS_FALCON, GPT2, THREE_DIGITS]),
        _ => return None,
    };
    Some(c)
}

/// Names [`lookup`] accepts, for error messages.
pub(crate) const KNOWN: &[&str] = &[
    "default",
    "llama3",
    "llama-v3",
    "llama-bpe",
    "falcon3",
    "falcon-h1",
    "pixtral",
    "midm-2.0",
    "lfm2",
    "dbrx",
    "smaug-bpe",
    "glm4",
    "chatglm-bpe",
    "qwen2",
    "deepseek-r1-qwen",
    "kormo",
    "f2llmv2",
    "megrez",
    "stablelm2",
    "smollm",
    "command-r",
    "starcoder",
    "refact",
    "codeshell",
    "exaone",
    "minerva-7b",
    "mellum2",
    "gpt-2",
    "phi-2",
    "jina-es",
    "jina-de",
    "gigachat",
    "jina-v2-es",
    "jina-v2-de",
    "a.x-4.0",
    "mellum",
    "modern-bert",
    "mpt",
    "olmo",
    "jais",
    "exaone4",
    "trillion",
    "granite-docling",
    "falcon",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_resolves_and_every_regex_compiles() {
        for name in KNOWN {
            let c = lookup(name).unwrap_or_else(|| panic!("{name} does not resolve"));
            for re in c.regexes {
                tokenizers::pre_tokenizers::split::Split::new(
                    tokenizers::pre_tokenizers::split::SplitPattern::Regex((*re).to_string()),
                    tokenizers::SplitDelimiterBehavior::Isolated,
                    false,
                )
                .unwrap_or_else(|e| panic!("{re}: {e}"));
            }
        }
        assert!(lookup("no-such-pre").is_none());
    }
}
