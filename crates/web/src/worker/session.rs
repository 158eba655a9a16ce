//! The loaded model and what is kept between requests: the prompt-prefix KV caches.

use cmdai_engine::backend::{select_device, BackendChoice, SelectedDevice};
use cmdai_engine::chat::ChatTemplate;
use cmdai_engine::fingerprint::Fnv;
use cmdai_engine::generate::read_logits;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::{load_gguf, load_gguf_with, KvCache, LoadOptions, Logits, ModelError, Transformer};
use cmdai_engine::tokenizer::Tokenizer;

use crate::gpu;
use crate::protocol::{BackendPref, DeviceReport, FromWorker};
use crate::store::ModelStore;
use crate::stored_source::StoredSource;

/// Prefix caches kept per loaded model: one per shell/OS pair the user tried.
const MAX_PREFIXES: usize = 4;

#[derive(Default)]
pub struct Session {
    pub loaded: Option<Loaded>,
}

pub struct Loaded {
    pub model: Transformer,
    pub tokenizer: Tokenizer,
    pub template: ChatTemplate,
    pub device: DeviceReport,
    pub prefixes: PrefixCaches,
}

/// The KV caches of the suggestion prompt's prefixes of one model.
pub struct PrefixCaches {
    /// The model's store id, which keys the caches kept in the browser's storage.
    id: String,
    recent: Vec<(Vec<u32>, KvCache)>,
}

impl PrefixCaches {
    /// A cache holding `prefix`: from memory, else from the browser's storage (a previous
    /// visit), else computed once and stored for next time.
    pub async fn get(&mut self, model: &Transformer, prefix: &[u32]) -> Result<KvCache, String> {
        if let Some((_, cache)) = self.recent.iter().find(|(p, _)| p == prefix) {
            return Ok(cache.clone());
        }
        let mut fingerprint = Fnv::default();
        fingerprint.write_tokens(prefix);
        let store = ModelStore::open().await.ok();
        let stored = match &store {
            Some(s) => s.prompt_cache(&self.id, fingerprint.0).await.ok().flatten(),
            None => None,
        };
        let restored = stored.and_then(|bytes| match model.load_cache(&bytes) {
            Ok(cache) if cache.len() == prefix.len() => Some(cache),
            Ok(cache) => {
                super::log(&format!("stored prompt prefix has {} tokens, not {}; computing it again", cache.len(), prefix.len()));
                None
            }
            Err(e) => {
                super::log(&format!("stored prompt prefix is unusable ({e}); computing it again"));
                None
            }
        });
        let cache = match restored {
            Some(cache) => {
                super::log(&format!("prompt prefix of {} tokens restored from storage", prefix.len()));
                cache
            }
            None => {
                super::log(&format!("computing the prompt prefix of {} tokens (once per model, shell and OS)", prefix.len()));
                let started = js_sys::Date::now();
                let mut cache = model.new_cache();
                if !prefix.is_empty() {
                    let logits = model.forward(prefix, &mut cache, Logits::Last).map_err(|e| e.to_string())?;
                    read_logits(logits).await.map_err(|e| e.to_string())?;
                }
                super::log(&format!("prompt prefix of {} tokens computed in {:.0} ms", prefix.len(), js_sys::Date::now() - started));
                // Best effort: without space it is only slower next time.
                if let (Some(store), Ok(bytes)) = (&store, model.save_cache(&cache).await) {
                    let _ = store.put_prompt_cache(&self.id, fingerprint.0, &bytes).await;
                }
                cache
            }
        };
        if self.recent.len() == MAX_PREFIXES {
            self.recent.remove(0);
        }
        self.recent.push((prefix.to_vec(), cache.clone()));
        Ok(cache)
    }
}

/// Loads a verified model from the store onto the preferred backend, falling back to the CPU
/// (and saying why) when WebGPU is missing or cannot hold the model.
pub async fn load(model_id: &str, pref: BackendPref) -> Result<Loaded, String> {
    let store = ModelStore::open().await.map_err(|e| e.to_string())?;
    let record = store.get(model_id).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{model_id} is not downloaded"))?;
    if !record.is_ready() {
        return Err(format!("{model_id} is not completely downloaded and verified yet"));
    }
    let source = StoredSource::new(store, record);
    let gguf = GgufFile::read(&source).await.map_err(|e| format!("not a usable GGUF file: {e}"))?;
    let tokenizer = Tokenizer::from_gguf(&gguf.metadata).map_err(|e| format!("cannot build the tokenizer: {e}"))?;
    let template = ChatTemplate::for_tokenizer(&tokenizer).map_err(|e| format!("cannot use the chat template: {e}"))?;

    let progress = |p: cmdai_engine::model::LoadProgress| {
        super::post(&FromWorker::Loading { model_id: model_id.to_string(), loaded: p.loaded, total: p.total })
    };
    let mut fallback_reason = None;
    if pref != BackendPref::Cpu {
        let problem = match gpu_device().await {
            Ok((gpu, mut report)) => {
                // The browser's memory figure is a guess: Auto heeds it, "WebGPU only" tries anyway.
                let guess = if pref == BackendPref::Auto { gpu::memory_budget() } else { None };
                let options = LoadOptions { memory_budget: gpu.memory_budget.or(guess), ..gpu.load_options() };
                match load_gguf_with(&gguf, &source, &gpu.device, options, progress).await {
                    Ok(model) => {
                        report.weight_bytes = model.weight_bytes() as u64;
                        return Ok(Loaded::new(model_id, model, tokenizer, template, report));
                    }
                    Err(ModelError::DoesNotFit(d)) => format!("the GPU cannot hold this model: {d} (a smaller model would fit)"),
                    Err(e) => format!("the GPU could not take this model ({e})"),
                }
            }
            Err(reason) => reason,
        };
        if pref == BackendPref::Gpu {
            return Err(format!("{problem}; choose auto or CPU under Settings on the Models page to run it on the CPU"));
        }
        fallback_reason = Some(format!("{problem}; running on the CPU"));
    }
    let cpu = select_device(BackendChoice::Cpu).await.map_err(|e| e.to_string())?;
    let model = load_gguf(&gguf, &source, &cpu.device, progress).await.map_err(|e| format!("cannot load the model: {e}"))?;
    let report = DeviceReport { backend: "cpu".into(), adapter: None, fallback_reason, weight_bytes: model.weight_bytes() as u64 };
    Ok(Loaded::new(model_id, model, tokenizer, template, report))
}

async fn gpu_device() -> Result<(SelectedDevice, DeviceReport), String> {
    let adapter = gpu::probe().await?;
    gpu::request_subgroups();
    let selected = select_device(BackendChoice::Gpu).await.map_err(|e| e.to_string())?;
    Ok((selected, DeviceReport { backend: "webgpu".into(), adapter: Some(adapter), fallback_reason: None, weight_bytes: 0 }))
}

impl Loaded {
    fn new(id: &str, model: Transformer, tokenizer: Tokenizer, template: ChatTemplate, device: DeviceReport) -> Self {
        Self { model, tokenizer, template, device, prefixes: PrefixCaches { id: id.to_string(), recent: Vec::new() } }
    }
}
