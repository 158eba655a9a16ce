//! cmdai's web app entry point. The UI and the inference worker come with the web-app issue;
//! this binary proves the engine links for `wasm32-unknown-unknown`.

use cmdai_engine::gguf::GgufFile;
use wasm_bindgen::prelude::wasm_bindgen;

/// Parses a GGUF header from bytes and returns its architecture, or an error message.
#[wasm_bindgen]
pub fn gguf_architecture(bytes: &[u8]) -> Result<String, String> {
    let file = GgufFile::parse(bytes, bytes.len() as u64).map_err(|e| e.to_string())?;
    Ok(file.architecture().unwrap_or("unknown").to_string())
}

fn main() {}
