//! Hash maps keyed by object addresses (`id()`s), with a cheap hasher: addresses are already
//! unique, they only need mixing (SipHash's protection against chosen keys is not needed for
//! addresses the allocator picked).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Multiplies by the 64-bit golden ratio and folds the high half down, so that both the low
/// bits (bucket) and the high bits (control tag) of the hash depend on the whole address.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AddressHasher(u64);

const GOLDEN_RATIO: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(GOLDEN_RATIO);
        self.0 = mixed ^ (mixed >> 32);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

type BuildAddressHasher = BuildHasherDefault<AddressHasher>;

/// A map from addresses.
pub(crate) type AddressMap<V> = HashMap<usize, V, BuildAddressHasher>;

/// A map from (address, depth).
pub(crate) type AddressDepthMap<V> = HashMap<(usize, usize), V, BuildAddressHasher>;

/// A set of ids.
pub(crate) type IdSet = HashSet<u64, BuildAddressHasher>;
