//! What the model store knows about one model file: where it comes from, how far its download
//! got, and whether it is verified. Platform-free so the bookkeeping is tested natively.

use serde::{Deserialize, Serialize};

/// Bytes per stored chunk: large enough that a 1 GB model is ~70 IndexedDB records, small
/// enough that a lost connection or a full disk costs little.
pub const CHUNK_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ModelState {
    /// Chunks `0..chunks_done` are stored; the rest are missing.
    Partial,
    /// Every chunk is stored and the SHA-256 matched (or was recorded, for local files).
    Ready,
    /// The download was stopped by an error the user must act on (full storage, bad hash).
    Failed { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// "org/repo/file.gguf" for Hub files, "local/file.gguf" for files picked from disk.
    pub id: String,
    pub file: String,
    pub repo: Option<String>,
    /// Where the bytes are fetched from (Hub files only).
    pub url: Option<String>,
    pub size: u64,
    /// Lowercase hex; from the Hub before download, computed for local files.
    pub sha256: Option<String>,
    pub chunk_size: u64,
    pub chunks_done: u64,
    #[serde(flatten)]
    pub state: ModelState,
}

impl ModelRecord {
    pub fn new(id: String, file: String, size: u64) -> Self {
        Self { id, file, repo: None, url: None, size, sha256: None, chunk_size: CHUNK_SIZE, chunks_done: 0, state: ModelState::Partial }
    }

    pub fn chunk_count(&self) -> u64 {
        self.size.div_ceil(self.chunk_size)
    }

    /// Bytes of chunk `index`: all but the last are full.
    pub fn chunk_len(&self, index: u64) -> u64 {
        let start = index * self.chunk_size;
        self.size.saturating_sub(start).min(self.chunk_size)
    }

    pub fn bytes_done(&self) -> u64 {
        (self.chunks_done * self.chunk_size).min(self.size)
    }

    pub fn is_complete(&self) -> bool {
        self.chunks_done >= self.chunk_count()
    }

    pub fn is_ready(&self) -> bool {
        self.state == ModelState::Ready
    }
}

/// One piece of a read: `len` bytes at `offset` inside chunk `index`, going to `buf_start..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSpan {
    pub index: u64,
    pub offset: usize,
    pub len: usize,
    pub buf_start: usize,
}

/// The chunks a read of `len` bytes at `offset` touches, in order.
pub fn spans(offset: u64, len: usize, chunk_size: u64) -> Vec<ChunkSpan> {
    let mut out = Vec::new();
    let mut done = 0usize;
    while done < len {
        let at = offset + done as u64;
        let index = at / chunk_size;
        let inside = (at % chunk_size) as usize;
        let take = (chunk_size as usize - inside).min(len - done);
        out.push(ChunkSpan { index, offset: inside, len: take, buf_start: done });
        done += take;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_cover_the_file_exactly() {
        let mut r = ModelRecord::new("a/b/c.gguf".into(), "c.gguf".into(), 2 * CHUNK_SIZE + 5);
        assert_eq!(r.chunk_count(), 3);
        assert_eq!((r.chunk_len(0), r.chunk_len(2), r.chunk_len(3)), (CHUNK_SIZE, 5, 0));
        r.chunks_done = 3;
        assert_eq!(r.bytes_done(), r.size);
        assert!(r.is_complete() && !r.is_ready());
    }

    #[test]
    fn empty_and_exact_multiple_sizes() {
        assert_eq!(ModelRecord::new("x".into(), "x".into(), 0).chunk_count(), 0);
        let r = ModelRecord::new("x".into(), "x".into(), 2 * CHUNK_SIZE);
        assert_eq!((r.chunk_count(), r.chunk_len(1)), (2, CHUNK_SIZE));
    }

    #[test]
    fn reads_split_at_chunk_boundaries() {
        assert_eq!(spans(5, 3, 10), vec![ChunkSpan { index: 0, offset: 5, len: 3, buf_start: 0 }]);
        assert_eq!(
            spans(8, 15, 10),
            vec![
                ChunkSpan { index: 0, offset: 8, len: 2, buf_start: 0 },
                ChunkSpan { index: 1, offset: 0, len: 10, buf_start: 2 },
                ChunkSpan { index: 2, offset: 0, len: 3, buf_start: 12 },
            ]
        );
        assert!(spans(3, 0, 10).is_empty());
    }

    #[test]
    fn records_round_trip_with_their_state() {
        let mut r = ModelRecord::new("o/r/f.gguf".into(), "f.gguf".into(), 10);
        r.state = ModelState::Failed { message: "storage is full".into() };
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""state":"failed""#), "{json}");
        assert_eq!(serde_json::from_str::<ModelRecord>(&json).unwrap(), r);
    }
}
