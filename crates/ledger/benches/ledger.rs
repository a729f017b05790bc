//! Proof generation and verification at 1 and 10 million leaves, appends per second, bytes per leaf.
//!
//! `cargo bench -p pw-ledger --bench ledger` (or `-- 1000000` for one size). The tree is built over the
//! in-memory hash store and over the file-backed one (positioned reads of a file, no memory map; the page
//! cache is warm after the build, as on a serving machine). Timings are means over 20,000 random
//! operations; a proof is generated for a random leaf of the full tree and a random older size.

use std::hint::black_box;
use std::time::Instant;

use pw_ledger::{FileStore, HashStore, Log, MemoryStore, stored_hash_count};

/// A small deterministic generator (xorshift), so runs pick the same leaves.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn measure<S: HashStore>(name: &str, log: &Log<S>, ops: u64) {
    let size = log.size();
    let root = log.root().expect("root");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let picks: Vec<(u64, u64)> = (0..ops)
        .map(|_| (rng.below(size), 1 + rng.below(size)))
        .collect();

    let t = Instant::now();
    let proofs: Vec<_> = picks
        .iter()
        .map(|&(i, _)| log.prove_inclusion(i, size).expect("proof"))
        .collect();
    let gen_inc = t.elapsed().as_secs_f64() / ops as f64;
    let leaves: Vec<_> = picks
        .iter()
        .map(|&(i, _)| log.leaf_hash(i).expect("leaf"))
        .collect();
    let t = Instant::now();
    for ((&(i, _), p), h) in picks.iter().zip(&proofs).zip(&leaves) {
        pw_ledger::verify_inclusion(black_box(p), size, root, i, *h).expect("verify");
    }
    let ver_inc = t.elapsed().as_secs_f64() / ops as f64;

    let t = Instant::now();
    let cproofs: Vec<_> = picks
        .iter()
        .map(|&(_, old)| log.prove_consistency(old, size).expect("proof"))
        .collect();
    let gen_con = t.elapsed().as_secs_f64() / ops as f64;
    let old_roots: Vec<_> = picks
        .iter()
        .map(|&(_, old)| log.root_at(old).expect("root"))
        .collect();
    let t = Instant::now();
    for ((&(_, old), p), r) in picks.iter().zip(&cproofs).zip(&old_roots) {
        pw_ledger::verify_consistency(black_box(p), old, *r, size, root).expect("verify");
    }
    let ver_con = t.elapsed().as_secs_f64() / ops as f64;
    println!(
        "{name:<8} {size:>10} leaves: inclusion proof {:>6.2} µs, verify {:>6.2} µs; consistency proof {:>6.2} µs, verify {:>6.2} µs",
        gen_inc * 1e6,
        ver_inc * 1e6,
        gen_con * 1e6,
        ver_con * 1e6
    );
}

fn main() {
    let sizes: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000_000, 10_000_000]
    } else {
        sizes
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for size in sizes {
        let data: Vec<[u8; 8]> = (0..size).map(u64::to_be_bytes).collect();
        let mut mem = Log::new(MemoryStore::with_capacity(size), 0);
        let t = Instant::now();
        for d in &data {
            mem.append(d).expect("append");
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "memory   {size:>10} leaves: {:.0} appends/s; {} stored hashes, {:.1} bytes of tree hashes per leaf",
            size as f64 / secs,
            stored_hash_count(size),
            (stored_hash_count(size) * 32) as f64 / size as f64
        );
        measure("memory", &mem, 20_000);
        drop(mem);

        let path = dir.path().join(format!("hashes-{size}"));
        let mut file = Log::new(FileStore::open(&path).expect("open"), 0);
        let t = Instant::now();
        for d in &data {
            file.append(d).expect("append");
        }
        file.store().sync().expect("sync");
        let secs = t.elapsed().as_secs_f64();
        let bytes = std::fs::metadata(&path).expect("meta").len();
        println!(
            "file     {size:>10} leaves: {:.0} appends/s (one write per append, fsync at the end); {:.1} bytes per leaf on disk",
            size as f64 / secs,
            bytes as f64 / size as f64
        );
        measure("file", &file, 20_000);
    }
}
