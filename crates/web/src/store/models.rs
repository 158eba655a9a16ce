//! [`ModelStore`]: records and chunks in IndexedDB.

use cmdai_hub::Sha256Stream;
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use web_sys::IdbDatabase;

use super::idb::{self, CHUNKS, KV, MODELS};
use super::{ModelRecord, ModelState, StoreError};

#[derive(Clone)]
pub struct ModelStore {
    db: IdbDatabase,
}

impl ModelStore {
    pub async fn open() -> Result<Self, StoreError> {
        Ok(Self { db: idb::open().await? })
    }

    pub async fn list(&self) -> Result<Vec<ModelRecord>, StoreError> {
        let tx = idb::transaction(&self.db, &[MODELS], false)?;
        let all = idb::wait(&idb::store(&tx, MODELS)?.get_all().map_err(idb::js_error)?).await?;
        let mut out: Vec<ModelRecord> =
            js_sys::Array::from(&all).iter().filter_map(|v| v.as_string()).filter_map(|s| serde_json::from_str(&s).ok()).collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    pub async fn get(&self, id: &str) -> Result<Option<ModelRecord>, StoreError> {
        let tx = idb::transaction(&self.db, &[MODELS], false)?;
        let value = idb::wait(&idb::store(&tx, MODELS)?.get(&id.into()).map_err(idb::js_error)?).await?;
        match value.as_string() {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|_| StoreError::Corrupt(id.to_string())),
        }
    }

    pub async fn put_record(&self, record: &ModelRecord) -> Result<(), StoreError> {
        let tx = idb::transaction(&self.db, &[MODELS], true)?;
        idb::store(&tx, MODELS)?.put_with_key(&json(record).into(), &record.id.as_str().into()).map_err(idb::js_error)?;
        idb::committed(&tx).await
    }

    /// Stores chunk `index` and advances the record past it in one transaction: either both
    /// land or neither does (a full disk aborts the pair).
    pub async fn put_chunk(&self, record: &ModelRecord, index: u64, data: &[u8]) -> Result<ModelRecord, StoreError> {
        if index != record.chunks_done || data.len() as u64 != record.chunk_len(index) {
            return Err(StoreError::Browser(format!("chunk {index} of {} arrived out of order", record.id)));
        }
        let mut next = record.clone();
        next.chunks_done = index + 1;
        let tx = idb::transaction(&self.db, &[MODELS, CHUNKS], true)?;
        idb::store(&tx, CHUNKS)?.put_with_key(&idb::bytes(data), &idb::chunk_key(&record.id, index)).map_err(idb::js_error)?;
        idb::store(&tx, MODELS)?.put_with_key(&json(&next).into(), &record.id.as_str().into()).map_err(idb::js_error)?;
        idb::committed(&tx).await?;
        Ok(next)
    }

    pub async fn chunk(&self, record: &ModelRecord, index: u64) -> Result<Vec<u8>, StoreError> {
        let tx = idb::transaction(&self.db, &[CHUNKS], false)?;
        let value = idb::wait(&idb::store(&tx, CHUNKS)?.get(&idb::chunk_key(&record.id, index)).map_err(idb::js_error)?).await?;
        let bytes = value.dyn_into::<Uint8Array>().map_err(|_| StoreError::Corrupt(record.id.clone()))?.to_vec();
        if bytes.len() as u64 != record.chunk_len(index) {
            return Err(StoreError::Corrupt(record.id.clone()));
        }
        Ok(bytes)
    }

    /// Reads every chunk back and checks the file's SHA-256; marks the record ready when it
    /// matches (or records the hash when none was known), failed when it does not.
    pub async fn verify(&self, record: &ModelRecord, mut progress: impl FnMut(u64)) -> Result<ModelRecord, StoreError> {
        let mut hasher = Sha256Stream::new();
        for index in 0..record.chunk_count() {
            hasher.update(&self.chunk(record, index).await?);
            progress(hasher.len());
        }
        let actual = hasher.finish();
        let mut next = record.clone();
        match &record.sha256 {
            Some(expected) if *expected != actual => {
                next.state = ModelState::Failed {
                    message: format!(
                        "SHA-256 mismatch: expected {expected}, got {actual}; the download was damaged, delete it and download again"
                    ),
                };
            }
            _ => {
                next.sha256 = Some(actual);
                next.state = ModelState::Ready;
            }
        }
        self.put_record(&next).await?;
        Ok(next)
    }

    /// Removes the model's chunks, record and derived data (prompt caches) together.
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let tx = idb::transaction(&self.db, &[MODELS, CHUNKS, KV], true)?;
        idb::store(&tx, CHUNKS)?.delete(&idb::chunk_range(id)?.into()).map_err(idb::js_error)?;
        idb::store(&tx, KV)?.delete(&idb::prefix_range(&prompt_cache_prefix(id))?.into()).map_err(idb::js_error)?;
        idb::store(&tx, MODELS)?.delete(&id.into()).map_err(idb::js_error)?;
        idb::committed(&tx).await
    }

    /// Small values kept for the UI: history, chats, settings (JSON strings).
    pub async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = idb::transaction(&self.db, &[KV], false)?;
        Ok(idb::wait(&idb::store(&tx, KV)?.get(&key.into()).map_err(idb::js_error)?).await?.as_string())
    }

    pub async fn kv_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = idb::transaction(&self.db, &[KV], true)?;
        idb::store(&tx, KV)?.put_with_key(&value.into(), &key.into()).map_err(idb::js_error)?;
        idb::committed(&tx).await
    }

    /// A prompt-prefix KV cache of model `id`, stored under a fingerprint of the prefix.
    pub async fn prompt_cache(&self, id: &str, fingerprint: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = idb::transaction(&self.db, &[KV], false)?;
        let key = format!("{}{fingerprint:016x}", prompt_cache_prefix(id));
        let value = idb::wait(&idb::store(&tx, KV)?.get(&key.into()).map_err(idb::js_error)?).await?;
        Ok(value.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec()))
    }

    pub async fn put_prompt_cache(&self, id: &str, fingerprint: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let tx = idb::transaction(&self.db, &[KV], true)?;
        let key = format!("{}{fingerprint:016x}", prompt_cache_prefix(id));
        idb::store(&tx, KV)?.put_with_key(&idb::bytes(bytes), &key.into()).map_err(idb::js_error)?;
        idb::committed(&tx).await
    }
}

fn prompt_cache_prefix(id: &str) -> String {
    format!("prompt-cache\u{0}{id}\u{0}")
}

fn json(record: &ModelRecord) -> String {
    serde_json::to_string(record).expect("records serialize")
}
