//! The model's own answer to a command request, read by the tolerant suggestion parser: a
//! command with no control characters that could hide what it runs, or an error.
#![no_main]

use cmdai_workbench::suggest::parse_suggestion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(suggestion) = parse_suggestion(&text) {
        assert!(!suggestion.cmd.trim().is_empty(), "an accepted command is never blank");
        assert!(!suggestion.cmd.chars().any(|c| c.is_control() && c != '\t' && c != '\n'), "no control characters");
    }
});
