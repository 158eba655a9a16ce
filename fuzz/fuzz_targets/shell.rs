//! Any text as a command line (and as the request behind it): the validator always returns a
//! verdict with a reason, and never panics, whatever the quoting, nesting or encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let verdict = cmdai_safety::assess(&text);
    assert!(!verdict.reason().is_empty());
    let _ = cmdai_safety::assess_with_request(&text, &text);
});
