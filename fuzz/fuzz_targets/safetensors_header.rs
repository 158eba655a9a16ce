//! A safetensors file's header (JSON behind a length prefix) and its tensors: errors, never a
//! panic or an allocation the bytes do not justify.
#![no_main]

use cmdai_engine::model::safetensors::SafetensorsFile;
use futures::executor::block_on;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = block_on(SafetensorsFile::read(&data)) {
        for name in file.tensors.keys() {
            let _ = block_on(file.tensor_f32(&data, name));
        }
    }
});
