//! Reusing the KV cache of the prompt's fixed part across runs: the system prompt and the
//! few-shot examples are the same for every request in one environment, and recomputing
//! them costs most of the time to a suggestion on a CPU. Caches live in the cache dir,
//! named by a hash of the model's identity and the prefix tokens; any unreadable or
//! mismatched file is simply recomputed.

use std::path::{Path, PathBuf};

use anyhow::Result;
use cmdai_engine::fingerprint::Fnv;
use cmdai_engine::generate::read_logits;
use cmdai_engine::model::{KvCache, Logits, Transformer};
use futures::executor::block_on;

/// How many entries to keep: one per (model, shell, OS, directory-independent prefix).
const MAX_ENTRIES: usize = 16;

/// The KV cache holding `prefix` for `model`, from disk when a previous run stored it.
pub fn prefix_cache(model: &Transformer, model_file: &Path, prefix: &[u32]) -> Result<KvCache> {
    let path = entry_path(model_file, prefix);
    if let Some(cache) = path.as_ref().and_then(|p| std::fs::read(p).ok()).and_then(|b| model.load_cache(&b).ok()) {
        if cache.len() == prefix.len() {
            return Ok(cache);
        }
    }
    let mut cache = model.new_cache();
    if !prefix.is_empty() {
        // The one slow run for a model and shell (many seconds on a CPU): say why.
        eprintln!("cmdai: preparing the prompt for this model and shell ({} tokens, once; later runs reuse it)", prefix.len());
        block_on(read_logits(model.forward(prefix, &mut cache, Logits::Last)?))?;
    }
    if let Some(path) = path {
        // Best effort: a full disk or read-only cache dir only costs speed next time.
        if let Ok(bytes) = block_on(model.save_cache(&cache)) {
            let _ = store(&path, &bytes);
        }
    }
    Ok(cache)
}

fn entry_path(model_file: &Path, prefix: &[u32]) -> Option<PathBuf> {
    let meta = std::fs::metadata(model_file).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let mut h = Fnv::default();
    h.write(model_file.canonicalize().ok()?.to_string_lossy().as_bytes());
    h.write(&meta.len().to_le_bytes());
    h.write(&modified.to_le_bytes());
    h.write_tokens(prefix);
    Some(crate::dirs::cache_dir()?.join("prompt-cache").join(format!("{:016x}.kv", h.0)))
}

/// Writes through a temporary file so a concurrent run never reads half an entry, then
/// drops the oldest entries beyond [`MAX_ENTRIES`].
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("entries live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "kv"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    entries.sort();
    let excess = entries.len().saturating_sub(MAX_ENTRIES);
    for (_, old) in entries.into_iter().take(excess) {
        let _ = std::fs::remove_file(old);
    }
    Ok(())
}
