//! Session ids as 128-bit hashes, the keys of the in-memory maps (LevelStore's expiry index,
//! the session cache): a hash, not the id, so an entry costs 16 bytes of key and a lookup never
//! reads the id. Two ids of one store collide with a probability of about n²/2¹²⁹ (1.5e-25 at 10M
//! sessions), far below that of an undetected disk error. Seeded per map: ids can come from
//! cookies, and nobody outside should be able to aim ids at one slot of a table.

use std::hash::{BuildHasherDefault, Hasher};

pub type IdHash = u128;

/// Hashes ids with one random seed.
#[derive(Clone, Copy)]
pub struct IdHasher {
  seed: u64,
}

impl IdHasher {
  pub fn new() -> Self {
    IdHasher { seed: rand::random() }
  }

  pub fn of(&self, id: &[u8]) -> IdHash {
    xxhash_rust::xxh3::xxh3_128_with_seed(id, self.seed)
  }
}

impl Default for IdHasher {
  fn default() -> Self {
    IdHasher::new()
  }
}

/// The maps' own hasher: their keys are hashes already, so it folds them instead of hashing again.
#[derive(Default, Clone)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
  fn finish(&self) -> u64 {
    self.0
  }
  fn write(&mut self, bytes: &[u8]) {
    for &b in bytes {
      self.0 = self.0.rotate_left(8) ^ b as u64;
    }
  }
  fn write_u128(&mut self, n: u128) {
    self.0 ^= n as u64 ^ (n >> 64) as u64;
  }
}

pub type BuildPassThrough = BuildHasherDefault<PassThrough>;
