//! A stable 64-bit hash (FNV-1a) for naming cached things, such as prompt-prefix KV caches.
//! std's hasher may change between releases; names on disk or in browser storage must not.

/// A 64-bit FNV-1a hasher; the field is the running hash, which [`Default`] sets to the FNV offset basis.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds `bytes` into the hash.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Feeds token ids into the hash, each as four little-endian bytes.
    pub fn write_tokens(&mut self, tokens: &[u32]) {
        for id in tokens {
            self.write(&id.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(Fnv::default().0, 0xcbf29ce484222325);
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
        let mut t = Fnv::default();
        t.write_tokens(&[1, 2]);
        let mut b = Fnv::default();
        b.write(&[1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(t.0, b.0);
    }
}
