//! `tokenizer.json` (+ `tokenizer_config.json`) from a model repository: a tokenizer that
//! encodes and decodes, or an error.
#![no_main]

use cmdai_engine::tokenizer::Tokenizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The last 0xff byte, if any, separates tokenizer.json from tokenizer_config.json.
    let (json, config) = match data.iter().rposition(|&b| b == 0xff) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    if let Ok(tokenizer) = Tokenizer::from_json_bytes(json, config) {
        if let Ok(ids) = tokenizer.encode("find rust files changed this week 🦀 <|im_end|>", true) {
            let _ = tokenizer.decode(&ids);
        }
    }
});
