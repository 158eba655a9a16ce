//! Cutting a byte stream into the store's chunks, whatever sizes the network delivers.

use crate::store::ModelRecord;

/// Collects streamed bytes into whole chunks, starting at chunk `record.chunks_done`.
pub struct Assembler {
    next_index: u64,
    chunk_count: u64,
    expected: u64,
    buf: Vec<u8>,
    /// Leading bytes to drop: a server that ignored `Range` sends the file from its start.
    skip: u64,
    record: ModelRecord,
}

impl Assembler {
    /// `whole_file`: the answer starts at byte 0 rather than at the first missing chunk.
    pub fn new(record: &ModelRecord, whole_file: bool) -> Self {
        let next_index = record.chunks_done;
        let skip = if whole_file { record.bytes_done() } else { 0 };
        Self {
            next_index,
            chunk_count: record.chunk_count(),
            expected: record.chunk_len(next_index),
            buf: Vec::with_capacity(record.chunk_len(next_index) as usize),
            skip,
            record: record.clone(),
        }
    }

    /// Takes the next bytes; returns the chunks they completed, in order.
    pub fn push(&mut self, mut data: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let dropped = self.skip.min(data.len() as u64) as usize;
        self.skip -= dropped as u64;
        data = &data[dropped..];
        let mut done = Vec::new();
        while !data.is_empty() && self.next_index < self.chunk_count {
            let take = ((self.expected as usize) - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() as u64 == self.expected {
                let index = self.next_index;
                self.next_index += 1;
                self.expected = self.record.chunk_len(self.next_index);
                done.push((index, std::mem::replace(&mut self.buf, Vec::with_capacity(self.expected as usize))));
            }
        }
        done
    }

    /// Bytes received for the chunk in progress (not yet stored).
    pub fn pending(&self) -> u64 {
        self.buf.len() as u64
    }

    /// Whether every chunk of the file has been handed out.
    pub fn finished(&self) -> bool {
        self.next_index >= self.chunk_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(size: u64, chunk: u64, done: u64) -> ModelRecord {
        let mut r = ModelRecord::new("o/r/f".into(), "f".into(), size);
        r.chunk_size = chunk;
        r.chunks_done = done;
        r
    }

    #[test]
    fn odd_network_pieces_become_exact_chunks() {
        let data: Vec<u8> = (0..25u8).collect();
        let mut a = Assembler::new(&record(25, 10, 0), false);
        let mut chunks = Vec::new();
        for piece in data.chunks(7) {
            chunks.extend(a.push(piece));
        }
        assert!(a.finished());
        assert_eq!(chunks.iter().map(|(i, c)| (*i, c.len())).collect::<Vec<_>>(), vec![(0, 10), (1, 10), (2, 5)]);
        assert_eq!(chunks.concat_bytes(), data);
    }

    #[test]
    fn resumes_at_the_first_missing_chunk() {
        let mut a = Assembler::new(&record(25, 10, 2), false);
        let out = a.push(&[9; 5]);
        assert_eq!(out, vec![(2, vec![9; 5])]);
        assert!(a.finished());
    }

    #[test]
    fn a_whole_file_answer_skips_what_is_stored() {
        let data: Vec<u8> = (0..25u8).collect();
        let mut a = Assembler::new(&record(25, 10, 1), true);
        let out = a.push(&data);
        assert_eq!(out, vec![(1, data[10..20].to_vec()), (2, data[20..].to_vec())]);
    }

    #[test]
    fn extra_bytes_past_the_end_are_ignored_and_partial_chunks_wait() {
        let mut a = Assembler::new(&record(12, 10, 0), false);
        assert_eq!(a.push(&[1; 4]), vec![]);
        assert_eq!(a.pending(), 4);
        let out = a.push(&[2; 20]);
        assert_eq!(out.len(), 2);
        assert!(a.finished());
    }

    trait Concat {
        fn concat_bytes(&self) -> Vec<u8>;
    }
    impl Concat for Vec<(u64, Vec<u8>)> {
        fn concat_bytes(&self) -> Vec<u8> {
            self.iter().flat_map(|(_, c)| c.clone()).collect()
        }
    }
}
