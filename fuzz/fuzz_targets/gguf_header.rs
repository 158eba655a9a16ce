//! Any byte string must parse to a header or an error: no panic, no huge allocation.
//! Seeds: the first bytes of the real test models (scripts/fuzz.sh adds them).
#![no_main]

use cmdai_engine::gguf::GgufFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = futures::executor::block_on(GgufFile::read(&data)) {
        // Reading every tensor of an accepted header must stay within the bytes given.
        for info in &file.tensors {
            let _ = futures::executor::block_on(file.tensor_bytes(&data, info));
        }
    }
});
