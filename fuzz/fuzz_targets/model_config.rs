//! A Hugging Face `config.json`: a configuration or an error naming what is wrong.
#![no_main]

use cmdai_engine::model::ModelConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = ModelConfig::from_hf_json(data) {
        // Sizes derived from an accepted configuration must not overflow.
        let _ = (config.parameter_count(), config.kv_bytes_per_token());
    }
});
