//! Random-access byte sources: the only way model bytes reach the engine.
//!
//! Native code implements this over a memory map or a file, the browser over IndexedDB chunks.
//! Reads are async because in the browser every storage read is.

use std::future::Future;
use std::sync::Arc;

/// Memory that may be kept for as long as a model lives (a native memory map).
pub type SharedMemory = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Why a read from a [`ByteSource`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The read would go past the end of the source; offset and sizes in bytes.
    #[error("read of {len} bytes at offset {offset} is past the end of the source ({size} bytes)")]
    OutOfBounds {
        /// Where the read started, in bytes.
        offset: u64,
        /// Bytes asked for.
        len: u64,
        /// Size of the source in bytes.
        size: u64,
    },
    /// The underlying storage failed (a file, a memory map, the browser's storage).
    #[error("read failed: {0}")]
    Io(String),
}

/// Random-access, read-only bytes of a model file.
pub trait ByteSource {
    /// Total size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the bytes at `offset..offset + buf.len()`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> impl Future<Output = Result<(), SourceError>>;
    /// The whole source as memory the model may keep: quantized tensors then borrow their
    /// bytes instead of copying them (half the resident memory with a memory map). `None`
    /// for sources that must be read (the browser's storage, files).
    fn shared(&self) -> Option<SharedMemory> {
        None
    }
}

/// A [`SharedMemory`] as a source whose tensors are borrowed, not copied.
pub struct Shared(pub SharedMemory);

impl ByteSource for Shared {
    fn size(&self) -> u64 {
        (*self.0).as_ref().size()
    }

    async fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        (*self.0).as_ref().read_at(offset, buf).await
    }

    fn shared(&self) -> Option<SharedMemory> {
        Some(self.0.clone())
    }
}

/// Bytes already in memory (tests, small files, a memory map's slice).
impl<T: AsRef<[u8]>> ByteSource for T {
    fn size(&self) -> u64 {
        self.as_ref().len() as u64
    }

    async fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        let data = self.as_ref();
        let out_of_bounds = || SourceError::OutOfBounds { offset, len: buf.len() as u64, size: data.len() as u64 };
        let start = usize::try_from(offset).map_err(|_| out_of_bounds())?;
        let end = start.checked_add(buf.len()).filter(|&e| e <= data.len()).ok_or_else(out_of_bounds)?;
        buf.copy_from_slice(&data[start..end]);
        Ok(())
    }
}
