//! Loading a model file into a device, the part every command shares.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use cmdai_engine::backend::{select_device, BackendChoice, SelectedDevice};
use cmdai_engine::chat::ChatTemplate;
use cmdai_engine::generate::Clock;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::{load_gguf_with, LoadOptions, Transformer};
use cmdai_engine::source::Shared;
use cmdai_engine::tokenizer::Tokenizer;
use futures::executor::block_on;
use memmap2::Mmap;

pub struct InstantClock(Instant);

impl InstantClock {
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Default for InstantClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// A GGUF file mapped into memory with its parsed header. The model borrows its quantized
/// tensors from the map rather than copying them, so the map is shared.
pub struct ModelFile {
    pub map: Arc<Mmap>,
    pub gguf: GgufFile,
}

impl ModelFile {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open model file {}", path.display()))?;
        // Safety of the map: the file is only read, for as long as the model lives. Our own
        // downloads replace files by renaming a finished copy over them, which leaves a mapped
        // file intact; another program truncating it in place is outside what any model runner
        // (llama.cpp included) can defend against.
        let map = unsafe { Mmap::map(&file) }.with_context(|| format!("cannot map {}", path.display()))?;
        let gguf = block_on(GgufFile::read(&map)).with_context(|| format!("{} is not a usable GGUF file", path.display()))?;
        Ok(Self { map: Arc::new(map), gguf })
    }

    /// The map as a source whose tensors are borrowed.
    pub fn source(&self) -> Shared {
        Shared(self.map.clone())
    }
}

pub struct LoadedModel {
    pub model: Transformer,
    pub tokenizer: Tokenizer,
    pub chat_template: ChatTemplate,
    pub device: SelectedDevice,
    pub load_ms: f64,
}

pub fn load(path: &Path, backend: BackendChoice) -> Result<LoadedModel> {
    load_with(path, backend, false)
}

/// [`load`], with every matrix dequantized to f32 on a GPU when `f32_weights` (for benchmarks).
pub fn load_with(path: &Path, backend: BackendChoice, f32_weights: bool) -> Result<LoadedModel> {
    let started = Instant::now();
    let file = ModelFile::open(path)?;
    let tokenizer = Tokenizer::from_gguf(&file.gguf.metadata).context("cannot build the tokenizer")?;
    let chat_template = ChatTemplate::for_tokenizer(&tokenizer).context("cannot use the chat template")?;
    let device = block_on(select_device(backend))?;
    eprintln!("cmdai: running on {}", device.description);
    let options = LoadOptions { f32_weights, ..device.load_options() };
    let model = block_on(load_gguf_with(&file.gguf, &file.source(), &device.device, options, |_| {})).context("cannot load the model")?;
    Ok(LoadedModel { model, tokenizer, chat_template, device, load_ms: started.elapsed().as_secs_f64() * 1000.0 })
}
