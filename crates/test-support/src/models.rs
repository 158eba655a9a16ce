//! The real test models (fetched by scripts/fetch-test-models.sh) and llama.cpp's golden files.

use std::path::PathBuf;

pub const SMOLLM2: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const QWEN05: &str = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";

/// A real model from the test-model cache; fails the test (never skips) when it is missing.
pub fn test_model_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("CMDAI_TEST_MODELS").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/cmdai/test-models")
    });
    let path = dir.join(file);
    assert!(path.is_file(), "test model {} is missing: run scripts/fetch-test-models.sh", path.display());
    path
}

/// The repository's root directory. Read when the test runs (cargo sets `CARGO_MANIFEST_DIR` to
/// the tested crate, `crates/<name>`): the compile-time value can name another checkout whose
/// build artifacts cargo reused from a shared target directory.
pub fn repo_root() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.join("../..")
}

/// A golden reference file from tests/golden/.
pub fn golden(name: &str) -> serde_json::Value {
    let path = repo_root().join("tests/golden").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A whole test model in memory (tests only; the engine itself reads tensor by tensor).
pub fn read_model(file: &str) -> Vec<u8> {
    std::fs::read(test_model_path(file)).expect("read test model")
}

/// A test model read through the engine's `ByteSource` one range at a time (no whole-file read).
pub struct FileSource {
    file: std::fs::File,
    size: u64,
}

impl FileSource {
    pub fn open(file: &str) -> Self {
        let path = test_model_path(file);
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let size = file.metadata().expect("stat test model").len();
        FileSource { file, size }
    }
}

impl cmdai_engine::source::ByteSource for FileSource {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), cmdai_engine::source::SourceError> {
        use std::os::unix::fs::FileExt;
        self.file.read_exact_at(buf, offset).map_err(|e| cmdai_engine::source::SourceError::Io(e.to_string()))
    }
}

/// The GGUF metadata of a test model (header only).
pub fn model_metadata(file: &str) -> cmdai_engine::gguf::Metadata {
    let source = FileSource::open(file);
    futures::executor::block_on(cmdai_engine::gguf::GgufFile::read(&source)).expect("parse GGUF header").metadata
}

/// A test model loaded on `device`, with its tokenizer.
pub fn load_model(file: &str, device: &burn::tensor::Device) -> (cmdai_engine::model::Transformer, cmdai_engine::tokenizer::Tokenizer) {
    use futures::executor::block_on;
    let bytes = read_model(file);
    let gguf = block_on(cmdai_engine::gguf::GgufFile::read(&bytes)).expect("parse GGUF");
    let tokenizer = cmdai_engine::tokenizer::Tokenizer::from_gguf(&gguf.metadata).expect("tokenizer");
    let model = block_on(cmdai_engine::model::load_gguf(&gguf, &bytes, device, |_| {})).expect("load model");
    (model, tokenizer)
}
