//! Loading a model file into a device, the part every command shares.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cmdai_engine::backend::{select_device, BackendChoice, SelectedDevice};
use cmdai_engine::chat::ChatTemplate;
use cmdai_engine::generate::Clock;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::{load_gguf_with, LoadOptions, MemoryBudget, ModelError, Transformer};
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
    let mut device = block_on(select_device(backend))?;
    if device.is_gpu {
        device.memory_budget = gpu_memory_setting()?.or(device.memory_budget);
    }
    match device.memory_budget {
        Some(budget) => eprintln!("cmdai: running on {}, {budget}", device.description),
        None => eprintln!("cmdai: running on {}", device.description),
    }
    let load = |device: &SelectedDevice| {
        let options = LoadOptions { f32_weights, ..device.load_options() };
        block_on(load_gguf_with(&file.gguf, &file.source(), &device.device, options, |_| {}))
    };
    let model = match load(&device) {
        Ok(model) => model,
        // `auto` chose the GPU; the CPU can still take the model.
        Err(ModelError::DoesNotFit(d)) if backend == BackendChoice::Auto => {
            eprintln!("cmdai: the GPU cannot hold this model: {d}; running on the CPU");
            device = block_on(select_device(BackendChoice::Cpu))?;
            load(&device).context("cannot load the model")?
        }
        Err(ModelError::DoesNotFit(d)) => bail!("the GPU cannot hold this model: {d}; use --backend cpu or a smaller model"),
        Err(e) => return Err(anyhow::Error::new(e).context("cannot load the model")),
    };
    Ok(LoadedModel { model, tokenizer, chat_template, device, load_ms: started.elapsed().as_secs_f64() * 1000.0 })
}

/// `CMDAI_GPU_MEMORY` (`6GiB`, `512MiB`, `8GB`, bytes): what the GPU may hold, for adapters that
/// report no memory (Metal, DX12) or to keep room for other programs.
fn gpu_memory_setting() -> Result<Option<MemoryBudget>> {
    let Ok(text) = std::env::var("CMDAI_GPU_MEMORY") else { return Ok(None) };
    let bytes = parse_size(&text).with_context(|| format!("CMDAI_GPU_MEMORY={text:?} is not a size such as 6GiB, 512MiB or 8GB"))?;
    Ok(Some(MemoryBudget { bytes, source: "CMDAI_GPU_MEMORY" }))
}

/// A size with an optional unit: binary for `K`/`KiB`…`T`/`TiB`, decimal for `kB`…`TB`.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return None,
    };
    let bytes = number * scale;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_in_binary_and_decimal_units() {
        assert_eq!(parse_size("6GiB"), Some(6 << 30));
        assert_eq!(parse_size(" 512 MiB "), Some(512 << 20));
        assert_eq!(parse_size("1.5G"), Some(3 << 29));
        assert_eq!(parse_size("8GB"), Some(8_000_000_000));
        assert_eq!(parse_size("4096"), Some(4096));
        for bad in ["", "GiB", "6 GiBs", "-1G", "0", "1e3", "six"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }
}
