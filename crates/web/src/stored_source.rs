//! A stored model as the engine's [`ByteSource`]: reads are served chunk by chunk from
//! IndexedDB, keeping the last chunk, so the engine walks the file tensor by tensor without
//! the whole file ever being copied into wasm memory at once.

use std::cell::RefCell;

use cmdai_engine::source::{ByteSource, SourceError};

use crate::store::{spans, ModelRecord, ModelStore};

pub struct StoredSource {
    store: ModelStore,
    record: ModelRecord,
    last: RefCell<Option<(u64, std::rc::Rc<Vec<u8>>)>>,
}

impl StoredSource {
    pub fn new(store: ModelStore, record: ModelRecord) -> Self {
        Self { store, record, last: RefCell::new(None) }
    }

    async fn chunk(&self, index: u64) -> Result<std::rc::Rc<Vec<u8>>, SourceError> {
        if let Some((i, data)) = self.last.borrow().as_ref() {
            if *i == index {
                return Ok(data.clone());
            }
        }
        let data = std::rc::Rc::new(self.store.chunk(&self.record, index).await.map_err(|e| SourceError::Io(e.to_string()))?);
        *self.last.borrow_mut() = Some((index, data.clone()));
        Ok(data)
    }
}

impl ByteSource for StoredSource {
    fn size(&self) -> u64 {
        self.record.size
    }

    async fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.record.size);
        if end.is_none() {
            return Err(SourceError::OutOfBounds { offset, len: buf.len() as u64, size: self.record.size });
        }
        for span in spans(offset, buf.len(), self.record.chunk_size) {
            let chunk = self.chunk(span.index).await?;
            let from = chunk.get(span.offset..span.offset + span.len).ok_or_else(|| SourceError::Io("stored chunk is short".into()))?;
            buf[span.buf_start..span.buf_start + span.len].copy_from_slice(from);
        }
        Ok(())
    }
}
