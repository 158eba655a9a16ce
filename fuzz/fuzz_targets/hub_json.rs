//! Answers of the Hugging Face Hub (model info, file trees, search results): parsed or refused
//! with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    let _ = cmdai_hub::parse_model_info(json);
    let _ = cmdai_hub::parse_tree(json);
    let _ = cmdai_workbench::discover::parse_search_results(json);
});
