//! Chat answers rendered as Markdown. The page maps blocks to a fixed set of elements (p, h3,
//! li, pre, code, strong) with text nodes only; the one attribute filled from model text is a
//! code fence's language (`data-lang`), which must stay a plain name whatever the model wrote.
#![no_main]

use cmdai_web::markdown::{is_language_char, parse, Block};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for block in parse(&text) {
        if let Block::Code { lang, .. } = block {
            assert!(lang.len() <= 32 && lang.chars().all(is_language_char), "unsafe language name {lang:?}");
        }
    }
});
