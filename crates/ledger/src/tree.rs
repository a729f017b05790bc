//! The append-only tree over a storage abstraction.
//!
//! Hashes are kept in the "stored hash index" order of Go's `sumdb/tlog` (Crosby and Wallach §3.3): every
//! leaf hash and every interior node of a complete subtree gets one position, assigned when its last leaf is
//! appended, so appending leaf `n` writes the leaf hash and the roots of the subtrees it completes at
//! [`stored_hash_index`]`(0, n)` onwards — about two hashes per leaf, never rewritten. Roots at any earlier
//! size, proofs and tiles read at most a few dozen of them.
//!
//! The algorithms are `tlog_tiles`' (over its `HashReader`); [`HashStore`] is the storage they read, with
//! errors of its own. A store whose reads are asynchronous (a database) runs a computation twice: once
//! through [`reads`] to learn which positions it needs, then over a [`MapStore`] holding them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::{HASH_SIZE, Hash, LedgerError};

pub use tlog_tiles::{stored_hash_count, stored_hash_index};

/// Storage of the tree's hashes by stored hash index.
pub trait HashStore {
    /// The hashes at these positions, in the same order. A position never written is an error.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError>;
    /// Write `hashes` at positions `start`, `start + 1`, … (appends only: `start` is the current count).
    fn write_hashes(&mut self, start: u64, hashes: &[Hash]) -> Result<(), LedgerError>;
}

/// Adapts a [`HashStore`] to `tlog_tiles`' reader, keeping the first storage error (the crate's error type
/// has no room for it).
struct Reader<'a, S: HashStore + ?Sized> {
    store: &'a S,
    error: RefCell<Option<LedgerError>>,
}

impl<S: HashStore + ?Sized> tlog_tiles::HashReader for Reader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.store.read_hashes(indexes).map_err(|e| {
            self.error.borrow_mut().get_or_insert(e);
            tlog_tiles::Error::IndexesNotInTree
        })
    }
}

fn with_reader<S: HashStore + ?Sized, T>(
    store: &S,
    f: impl FnOnce(&Reader<'_, S>) -> Result<T, tlog_tiles::Error>,
) -> Result<T, LedgerError> {
    let reader = Reader {
        store,
        error: RefCell::new(None),
    };
    let out = f(&reader);
    if let Some(e) = reader.error.into_inner() {
        return Err(e);
    }
    out.map_err(|e| LedgerError::Storage(e.to_string()))
}

/// The root of the tree of `size` leaves.
pub fn root<S: HashStore + ?Sized>(store: &S, size: u64) -> Result<Hash, LedgerError> {
    with_reader(store, |r| tlog_tiles::tree_hash(size, r))
}

/// The inclusion proof (RFC 6962 audit path) of leaf `index` in the tree of `size` leaves.
pub fn prove_inclusion<S: HashStore + ?Sized>(
    store: &S,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if index >= size {
        return Err(LedgerError::Range(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    with_reader(store, |r| tlog_tiles::prove_record(size, index, r))
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves (empty when `old` is 0
/// or equals `new`).
pub fn prove_consistency<S: HashStore + ?Sized>(
    store: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if old > new {
        return Err(LedgerError::Range(format!(
            "old size {old} is larger than new size {new}"
        )));
    }
    if old == 0 {
        return Ok(Vec::new());
    }
    with_reader(store, |r| tlog_tiles::prove_tree(new, old, r))
}

/// The hashes to write at `stored_hash_index(0, index)` when appending leaf `index` with this leaf hash: the
/// leaf hash, then the root of each subtree it completes.
pub fn stored_hashes_for_leaf<S: HashStore + ?Sized>(
    store: &S,
    index: u64,
    leaf_hash: Hash,
) -> Result<Vec<Hash>, LedgerError> {
    with_reader(store, |r| {
        tlog_tiles::stored_hashes_for_record_hash(index, leaf_hash, r)
    })
}

/// Check that `proof` shows leaf `index` with hash `leaf_hash` in the tree of `size` leaves with root `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf_hash: Hash,
) -> Result<(), LedgerError> {
    if index >= size {
        return Err(LedgerError::Range(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    // An audit path has at most one hash per level.
    if proof.len() > 64 {
        return Err(LedgerError::InvalidProof(format!(
            "{} hashes: too long",
            proof.len()
        )));
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf_hash).map_err(|e| {
        LedgerError::InvalidProof(format!(
            "leaf {index} in the tree of {size} leaves with root {root}: {e}"
        ))
    })
}

/// Check that `proof` shows the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`.
pub fn verify_consistency(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), LedgerError> {
    if old_size > new_size {
        return Err(LedgerError::Range(format!(
            "old size {old_size} is larger than new size {new_size}"
        )));
    }
    if proof.len() > 128 {
        return Err(LedgerError::InvalidProof(format!(
            "{} hashes: too long",
            proof.len()
        )));
    }
    if old_size == 0 {
        // Every tree extends the empty tree; its root is fixed.
        return if old_root == crate::EMPTY_ROOT && proof.is_empty() {
            Ok(())
        } else {
            Err(LedgerError::InvalidProof(
                "the empty tree has the empty root and an empty proof".into(),
            ))
        };
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root).map_err(|e| {
        LedgerError::InvalidProof(format!(
            "tree of {old_size} leaves ({old_root}) to {new_size} leaves ({new_root}): {e}"
        ))
    })
}

/// Append `leaf_hashes` to the tree of `size` leaves whose hashes `store` holds: the new hashes to write
/// (position, hash), in position order, and the new root. `store` needs only the positions
/// [`append_reads`] names.
pub fn append_batch<S: HashStore + ?Sized>(
    store: &S,
    size: u64,
    leaf_hashes: &[Hash],
) -> Result<(Vec<(u64, Hash)>, Hash), LedgerError> {
    struct Overlay<'a, S: ?Sized> {
        new: MapStore,
        base: &'a S,
    }
    impl<S: HashStore + ?Sized> HashStore for Overlay<'_, S> {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
            indexes
                .iter()
                .map(|i| match self.new.0.get(i) {
                    Some(h) => Ok(*h),
                    None => self
                        .base
                        .read_hashes(&[*i])?
                        .first()
                        .copied()
                        .ok_or_else(|| LedgerError::Storage("empty read".into())),
                })
                .collect()
        }
        fn write_hashes(&mut self, start: u64, hashes: &[Hash]) -> Result<(), LedgerError> {
            self.new.write_hashes(start, hashes)
        }
    }
    let mut overlay = Overlay {
        new: MapStore::default(),
        base: store,
    };
    for (n, h) in (size..).zip(leaf_hashes) {
        let hashes = stored_hashes_for_leaf(&overlay, n, *h)?;
        overlay.write_hashes(stored_hash_index(0, n), &hashes)?;
    }
    let new_root = root(&overlay, size + leaf_hashes.len() as u64)?;
    let mut writes: Vec<(u64, Hash)> = overlay.new.0.into_iter().collect();
    writes.sort_unstable_by_key(|w| w.0);
    Ok((writes, new_root))
}

/// The stored positions [`append_batch`] reads to append `count` leaves to a tree of `size` leaves (at most
/// one per level: the roots of the complete subtrees the tree of `size` leaves is made of).
pub fn append_reads(size: u64, count: usize) -> Vec<u64> {
    reads(|s| append_batch(s, size, &vec![Hash::default(); count]))
}

/// Which stored positions `f` reads: `f` runs over a store that answers every read with zero hashes (the
/// positions a computation reads depend on sizes and indexes only, never on hash values) and records them.
/// Fetch those, put them in a [`MapStore`] and run `f` again for the real answer.
pub fn reads<T>(f: impl FnOnce(&dyn HashStore) -> Result<T, LedgerError>) -> Vec<u64> {
    struct Recorder(RefCell<Vec<u64>>);
    impl HashStore for Recorder {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
            self.0.borrow_mut().extend_from_slice(indexes);
            Ok(vec![Hash::default(); indexes.len()])
        }
        fn write_hashes(&mut self, _: u64, _: &[Hash]) -> Result<(), LedgerError> {
            Ok(())
        }
    }
    let rec = Recorder(RefCell::new(Vec::new()));
    let _ = f(&rec);
    let mut v = rec.0.into_inner();
    v.sort_unstable();
    v.dedup();
    v
}

/// Hashes by position in a map: a sparse view (the positions a computation needs, fetched from a database).
#[derive(Debug, Default, Clone)]
pub struct MapStore(pub HashMap<u64, Hash>);

impl HashStore for MapStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        indexes
            .iter()
            .map(|i| {
                self.0
                    .get(i)
                    .copied()
                    .ok_or_else(|| LedgerError::Storage(format!("no stored hash at position {i}")))
            })
            .collect()
    }
    fn write_hashes(&mut self, start: u64, hashes: &[Hash]) -> Result<(), LedgerError> {
        for (i, h) in (start..).zip(hashes) {
            self.0.insert(i, *h);
        }
        Ok(())
    }
}

/// Every hash in memory, in position order.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore(Vec<Hash>);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
    /// With room for the hashes of `leaves` leaves.
    pub fn with_capacity(leaves: u64) -> MemoryStore {
        MemoryStore(Vec::with_capacity(
            usize::try_from(stored_hash_count(leaves)).unwrap_or(0),
        ))
    }
    /// Stored hashes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Nothing stored.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl HashStore for MemoryStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.0.get(i))
                    .copied()
                    .ok_or_else(|| LedgerError::Storage(format!("no stored hash at position {i}")))
            })
            .collect()
    }
    fn write_hashes(&mut self, start: u64, hashes: &[Hash]) -> Result<(), LedgerError> {
        if start != self.0.len() as u64 {
            return Err(LedgerError::Storage(format!(
                "append at {start}, but {} hashes are stored",
                self.0.len()
            )));
        }
        self.0.extend_from_slice(hashes);
        Ok(())
    }
}

/// Hashes in a file, 32 bytes each at `32 × position`, read with positioned reads (no memory map): the
/// tree's size on disk is what it is in memory, and a 10-million-leaf tree needs no RAM to serve proofs.
#[derive(Debug)]
pub struct FileStore {
    file: File,
    count: u64,
}

impl FileStore {
    /// Open (creating) the file; its length must be a whole number of hashes.
    pub fn open(path: &Path) -> Result<FileStore, LedgerError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let len = file.metadata()?.len();
        if len % HASH_SIZE as u64 != 0 {
            return Err(LedgerError::Storage(format!(
                "{}: {len} bytes is not a whole number of hashes",
                path.display()
            )));
        }
        Ok(FileStore {
            file,
            count: len / HASH_SIZE as u64,
        })
    }

    /// Stored hashes.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flush to the disk.
    pub fn sync(&self) -> Result<(), LedgerError> {
        Ok(self.file.sync_data()?)
    }

    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(not(unix))]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}

impl HashStore for FileStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes {
            if i >= self.count {
                return Err(LedgerError::Storage(format!(
                    "no stored hash at position {i}"
                )));
            }
            let mut h = [0u8; HASH_SIZE];
            self.read_at(&mut h, i * HASH_SIZE as u64)?;
            out.push(Hash(h));
        }
        Ok(out)
    }
    fn write_hashes(&mut self, start: u64, hashes: &[Hash]) -> Result<(), LedgerError> {
        if start != self.count {
            return Err(LedgerError::Storage(format!(
                "append at {start}, but {} hashes are stored",
                self.count
            )));
        }
        let mut buf = Vec::with_capacity(hashes.len() * HASH_SIZE);
        for h in hashes {
            buf.extend_from_slice(&h.0);
        }
        self.file.write_all(&buf)?;
        self.count += hashes.len() as u64;
        Ok(())
    }
}

/// An append-only log: a [`HashStore`] and the number of leaves in it.
#[derive(Debug)]
pub struct Log<S> {
    store: S,
    size: u64,
}

impl<S: HashStore> Log<S> {
    /// A log over `store` holding `size` leaves (the caller knows the size; the store holds exactly
    /// `stored_hash_count(size)` hashes).
    pub fn new(store: S, size: u64) -> Log<S> {
        Log { store, size }
    }

    /// Leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The storage.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Append a leaf's data; returns its index.
    pub fn append(&mut self, data: &[u8]) -> Result<u64, LedgerError> {
        self.append_hash(crate::leaf_hash(data))
    }

    /// Append a leaf by its leaf hash; returns its index.
    pub fn append_hash(&mut self, leaf_hash: Hash) -> Result<u64, LedgerError> {
        let n = self.size;
        let hashes = stored_hashes_for_leaf(&self.store, n, leaf_hash)?;
        self.store.write_hashes(stored_hash_index(0, n), &hashes)?;
        self.size += 1;
        Ok(n)
    }

    /// The root now.
    pub fn root(&self) -> Result<Hash, LedgerError> {
        root(&self.store, self.size)
    }

    /// The root when the log had `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, LedgerError> {
        self.check_size(size)?;
        root(&self.store, size)
    }

    /// The leaf hash of leaf `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, LedgerError> {
        if index >= self.size {
            return Err(LedgerError::Range(format!(
                "leaf {index} is not in a tree of {} leaves",
                self.size
            )));
        }
        let h = self.store.read_hashes(&[stored_hash_index(0, index)])?;
        h.first()
            .copied()
            .ok_or_else(|| LedgerError::Storage("empty read".into()))
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, LedgerError> {
        self.check_size(size)?;
        prove_inclusion(&self.store, size, index)
    }

    /// Consistency proof from `old` leaves to `new` leaves.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, LedgerError> {
        self.check_size(new)?;
        prove_consistency(&self.store, old, new)
    }

    /// The data of a hash tile of this tree (see [`crate::tiles`]).
    pub fn tile(&self, tile: &crate::TilePath) -> Result<Vec<u8>, LedgerError> {
        let indexes = tile.hash_indexes(self.size)?;
        let hashes = self.store.read_hashes(&indexes)?;
        Ok(hashes.iter().flat_map(|h| h.0).collect())
    }

    fn check_size(&self, size: u64) -> Result<(), LedgerError> {
        if size > self.size {
            return Err(LedgerError::Range(format!(
                "size {size} is larger than the log ({} leaves)",
                self.size
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    /// RFC 6962 §2.1 computed directly from the definition, as the oracle.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => crate::EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = (n - 1).next_power_of_two().max(1);
                let k = if k >= n { k / 2 } else { k };
                crate::node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_definition_at_every_size() {
        let mut log = Log::new(MemoryStore::new(), 0);
        let mut leaves = Vec::new();
        for i in 0..130u32 {
            assert_eq!(log.root().expect("root"), mth(&leaves), "size {i}");
            let d = i.to_be_bytes();
            leaves.push(leaf_hash(&d));
            log.append(&d).expect("append");
        }
        assert_eq!(log.store().len() as u64, stored_hash_count(130));
        for size in 0..=130 {
            assert_eq!(
                log.root_at(size).expect("root"),
                mth(&leaves[..size as usize])
            );
        }
    }

    #[test]
    fn the_map_store_answers_what_reads_asks_for() {
        let mut log = Log::new(MemoryStore::new(), 0);
        for i in 0..1000u32 {
            log.append(&i.to_le_bytes()).expect("append");
        }
        let need = reads(|s| prove_inclusion(s, 777, 345));
        let got = log.store().read_hashes(&need).expect("read");
        let map = MapStore(need.into_iter().zip(got).collect());
        assert_eq!(
            prove_inclusion(&map, 777, 345).expect("proof"),
            log.prove_inclusion(345, 777).expect("proof")
        );
        // Something it was not given is an error, not a panic.
        assert!(prove_inclusion(&map, 777, 2).is_err());
    }

    #[test]
    fn batches_append_like_single_appends() {
        let mut log = Log::new(MemoryStore::new(), 0);
        for i in 0..37u32 {
            log.append(&i.to_le_bytes()).expect("append");
        }
        let more: Vec<Hash> = (37..100u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let need = append_reads(37, more.len());
        assert!(need.len() <= 6, "{need:?}");
        let got = log.store().read_hashes(&need).expect("read");
        let map = MapStore(need.into_iter().zip(got).collect());
        let (writes, new_root) = append_batch(&map, 37, &more).expect("batch");
        for h in &more {
            log.append_hash(*h).expect("append");
        }
        assert_eq!(new_root, log.root().expect("root"));
        assert_eq!(writes.first().map(|w| w.0), Some(stored_hash_count(37)));
        assert_eq!(
            writes.len() as u64,
            stored_hash_count(100) - stored_hash_count(37)
        );
        for (i, h) in writes {
            assert_eq!(log.store().read_hashes(&[i]).expect("read")[0], h);
        }
    }

    #[test]
    fn file_store_matches_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hashes");
        let mut mem = Log::new(MemoryStore::new(), 0);
        {
            let mut file = Log::new(FileStore::open(&path).expect("open"), 0);
            for i in 0..300u32 {
                mem.append(&i.to_le_bytes()).expect("append");
                file.append(&i.to_le_bytes()).expect("append");
            }
            file.store().sync().expect("sync");
        }
        let store = FileStore::open(&path).expect("reopen");
        assert_eq!(store.count(), stored_hash_count(300));
        let file = Log::new(store, 300);
        assert_eq!(file.root().expect("root"), mem.root().expect("root"));
        assert_eq!(
            file.prove_consistency(17, 300).expect("proof"),
            mem.prove_consistency(17, 300).expect("proof")
        );
    }

    #[test]
    fn out_of_range_is_an_error() {
        let mut log = Log::new(MemoryStore::new(), 0);
        log.append(b"a").expect("append");
        assert!(matches!(
            log.prove_inclusion(1, 1),
            Err(LedgerError::Range(_))
        ));
        assert!(matches!(
            log.prove_consistency(1, 2),
            Err(LedgerError::Range(_))
        ));
        assert!(matches!(
            verify_inclusion(&[], 0, crate::EMPTY_ROOT, 0, leaf_hash(b"a")),
            Err(LedgerError::Range(_))
        ));
        assert!(
            verify_consistency(&[], 0, crate::EMPTY_ROOT, 1, log.root().expect("root")).is_ok()
        );
        assert!(verify_consistency(&[], 0, leaf_hash(b"a"), 1, log.root().expect("root")).is_err());
    }
}
