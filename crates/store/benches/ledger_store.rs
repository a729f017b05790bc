//! Proof generation through the store: inclusion and consistency proofs read from `ledger_hashes` by
//! `Store::ledger_inclusion_proof` / `ledger_consistency_proof` (learn which stored positions the proof
//! needs, fetch them in one `IN (…)` query, compute), at N leaves on a SQLite file (or the database given).
//!
//! ```sh
//! cargo bench -p pw-store --bench ledger_store                  # 1,000,000 leaves, SQLite in a temp dir
//! cargo bench -p pw-store --bench ledger_store -- 100000 postgres://…/db   # another size / database
//! ```
//!
//! Setup (not what is measured): the tree of N leaves (8-byte leaf data) is built in memory and its
//! 2N − popcount(N) stored hashes are bulk-inserted into `ledger_hashes` with `ledger_state.size = N` (the
//! drainer would take as long as N audit rows take to write). Then 2,000 inclusion proofs (random leaf, full
//! tree) and 2,000 consistency proofs (random older size) are generated through the store and each is
//! verified against the in-memory root; the mean per operation is printed, with the database's bytes per
//! leaf for SQLite.

use std::time::Instant;

use pw_ledger::{HashStore, Log, MemoryStore, stored_hash_count};
use pw_store::Store;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: u64 = args
        .first()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let url = match args.get(1) {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let store = Store::connect(&url).await?;
    if store.ledger_size().await? != 0 {
        return Err("the database already holds a log: give an empty one".into());
    }

    let t = Instant::now();
    let mut tree = Log::new(MemoryStore::with_capacity(n), 0);
    for i in 0..n {
        tree.append(&i.to_be_bytes())?;
    }
    let root = tree.root()?;
    let count = stored_hash_count(n);
    println!(
        "built the tree of {n} leaves in memory: {:.1} s ({count} stored hashes)",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    const ROWS: u64 = 500;
    macro_rules! fill {
        ($p:expr, $ph:expr) => {{
            let mut tx = $p.begin().await?;
            let mut start = 0u64;
            while start < count {
                let end = (start + ROWS).min(count);
                let idx: Vec<u64> = (start..end).collect();
                let hashes = tree.store().read_hashes(&idx)?;
                let values: Vec<String> = (0..idx.len())
                    .map(|k| format!("({}, {})", $ph(2 * k + 1), $ph(2 * k + 2)))
                    .collect();
                let q = format!(
                    "INSERT INTO ledger_hashes (idx, hash) VALUES {}",
                    values.join(", ")
                );
                let mut query = sqlx::query(&q);
                for (i, h) in idx.iter().zip(&hashes) {
                    query = query.bind(i64::try_from(*i)?).bind(h.0.to_vec());
                }
                query.execute(&mut *tx).await?;
                start = end;
            }
            sqlx::query(&format!(
                "UPDATE ledger_state SET size = {} WHERE id = 1",
                $ph(1)
            ))
            .bind(i64::try_from(n)?)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }};
    }
    match &store {
        Store::Sqlite(p) => fill!(p, |i: usize| format!("?{i}")),
        Store::Postgres(p) => fill!(p, |i: usize| format!("${i}")),
    }
    println!(
        "inserted {count} hashes: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if let Store::Sqlite(p) = &store {
        let (pages, size): (i64, i64) = sqlx::query_as(
            "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(p)
        .await?;
        println!(
            "SQLite file: {:.1} MB, {:.0} bytes per leaf (ledger_hashes with its primary key)",
            (pages * size) as f64 / 1e6,
            (pages * size) as f64 / n as f64
        );
    }

    const PROOFS: u32 = 2_000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // A few untimed proofs warm the connection pool and the page cache's upper levels.
    for _ in 0..50 {
        store.ledger_inclusion_proof(rng.below(n), n).await?;
    }
    let (mut gen_ns, mut ver_ns) = (0u128, 0u128);
    for _ in 0..PROOFS {
        let i = rng.below(n);
        let t = Instant::now();
        let proof = store.ledger_inclusion_proof(i, n).await?;
        gen_ns += t.elapsed().as_nanos();
        let leaf = pw_ledger::leaf_hash(&i.to_be_bytes());
        let t = Instant::now();
        pw_ledger::verify_inclusion(&proof, n, root, i, leaf)?;
        ver_ns += t.elapsed().as_nanos();
    }
    println!(
        "inclusion proof through the store: {:.1} µs, verify {:.1} µs (mean of {PROOFS})",
        gen_ns as f64 / f64::from(PROOFS) / 1e3,
        ver_ns as f64 / f64::from(PROOFS) / 1e3
    );
    let (mut gen_ns, mut ver_ns) = (0u128, 0u128);
    for _ in 0..PROOFS {
        let old = 1 + rng.below(n - 1);
        let t = Instant::now();
        let proof = store.ledger_consistency_proof(old, n).await?;
        gen_ns += t.elapsed().as_nanos();
        let old_root = tree.root_at(old)?;
        let t = Instant::now();
        pw_ledger::verify_consistency(&proof, old, old_root, n, root)?;
        ver_ns += t.elapsed().as_nanos();
    }
    println!(
        "consistency proof through the store: {:.1} µs, verify {:.1} µs (mean of {PROOFS})",
        gen_ns as f64 / f64::from(PROOFS) / 1e3,
        ver_ns as f64 / f64::from(PROOFS) / 1e3
    );
    Ok(())
}
