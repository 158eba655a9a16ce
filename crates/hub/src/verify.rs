//! SHA-256 over a stream of chunks, and the final check of a download.

use sha2::{Digest, Sha256};

use super::error::HubError;

/// SHA-256 fed chunk by chunk as bytes arrive (or as a partial download is re-read before resuming).
#[derive(Clone, Default)]
pub struct Sha256Stream {
    hasher: Sha256,
    len: u64,
}

impl Sha256Stream {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.len += data.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Lowercase hex digest.
    pub fn finish(self) -> String {
        to_hex(&self.hasher.finalize())
    }
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    let mut s = Sha256Stream::new();
    s.update(data);
    s.finish()
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// 64 hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks a finished download against what the Hub announced; without an announced hash (non-LFS
/// files) only the size is checked.
pub fn verify_download(
    file: &str,
    expected_sha256: Option<&str>,
    expected_size: Option<u64>,
    actual_sha256: &str,
    actual_size: u64,
) -> Result<(), HubError> {
    if let Some(expected) = expected_size {
        if expected != actual_size {
            return Err(HubError::SizeMismatch { file: file.to_string(), expected, actual: actual_size });
        }
    }
    if let Some(expected) = expected_sha256 {
        if !expected.eq_ignore_ascii_case(actual_sha256) {
            return Err(HubError::ChecksumMismatch {
                file: file.to_string(),
                expected: expected.to_ascii_lowercase(),
                actual: actual_sha256.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let mut s = Sha256Stream::new();
        assert!(s.is_empty());
        for chunk in b"abc".chunks(1) {
            s.update(chunk);
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.finish(), sha256_hex(b"abc"));
    }

    #[test]
    fn verification() {
        let abc = sha256_hex(b"abc");
        verify_download("f", Some(&abc.to_uppercase()), Some(3), &abc, 3).unwrap();
        verify_download("f", None, None, &abc, 3).unwrap();
        assert!(matches!(verify_download("f", Some(&abc), Some(4), &abc, 3), Err(HubError::SizeMismatch { expected: 4, actual: 3, .. })));
        let empty = sha256_hex(b"");
        let err = verify_download("f.gguf", Some(&empty), None, &abc, 3).unwrap_err();
        assert!(matches!(err, HubError::ChecksumMismatch { .. }));
        assert!(err.to_string().contains(&empty) && err.to_string().contains(&abc));
        assert!(is_sha256(&abc) && !is_sha256("abc") && !is_sha256(&"g".repeat(64)));
    }
}
