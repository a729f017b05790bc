//! The pattern search: every pattern that starts and ends at a word edge of a normalised text.
//!
//! A match only counts when it starts and ends at a word edge ([`Normalized::at_edges`]), so instead of
//! running an Aho–Corasick automaton over every byte and throwing most matches away, the search looks
//! only at the positions where a match may start (the edge bits the normaliser writes: a fifth of the
//! bytes of ordinary text), and there only at the patterns that begin with the bytes found there:
//!
//! - patterns of four bytes or more by their first four bytes, behind a 4 KiB bit set of their hashed
//!   keys (most starts stop there; a start where such a pattern begins always has its bit set);
//! - patterns of one, two or three bytes whole, and only where the text has a word edge that many bytes
//!   after the start (a match must end at one), which is rare inside words, and the first two bytes
//!   are those of some short pattern;
//!
//! each through one small open-addressing table from key to the patterns that have it (a quarter of
//! its slots are used). A pattern's bytes after its fourth are compared eight at a time (masked to its
//! length; the patterns under a key are sorted by their fifth byte, so a lookup stops at the first
//! past the text's), the rest, if any, as a slice.
//!
//! The tables are a few dozen KiB (the automaton this replaced was 4 MiB, and its cache misses were
//! most of its cost). It finds exactly the same matches: every occurrence of a pattern that starts at
//! a word edge is looked up from its start by its own key, and kept when it also ends at one. They are
//! reported in the order of the unanchored overlapping searches that this replaces, one over the ASCII
//! patterns and then one over the others (by end, then by start), so what is built from them does not
//! depend on how they were found (the tests keep those searches as the reference).

use crate::normalize::Normalized;

/// Prefix length of the long patterns' key.
pub(crate) const PREFIX_LEN: usize = 4;

/// The patterns, by key.
pub(crate) struct Engine {
    /// Pattern index in this engine → index in the screener's pattern list.
    pub(crate) ids: Vec<u32>,
    /// Patterns below this index are ASCII, the others not.
    split: u32,
    /// Hashed long keys present ([`long_bit`]): a bit set small enough to stay in the first-level
    /// cache, which most starts stop at, before the table.
    long_filter: Vec<u64>,
    /// First two bytes of the short patterns: word `b0 & 63`, bit `b1 & 63` (every bit of the word for
    /// a pattern of one byte).
    short_pairs: Vec<u64>,
    /// Key → the range of `tails` and `cands` under it, in one slot (one memory access for both).
    table: Table,
    /// What a lookup compares, for each pattern: its bytes 4..12 (little-endian, zero past its
    /// end) and the mask of those it has (zero for a pattern of four bytes or fewer). Apart from
    /// `cands`, which are read only for a pattern whose tail matches.
    tails: Vec<(u64, u64)>,
    cands: Vec<Cand>,
    /// All pattern bytes, one after the other; pattern `i` is `text[at[i]..at[i + 1]]`.
    text: Vec<u8>,
    at: Vec<u32>,
}

/// A pattern under its key.
#[derive(Clone, Copy, Debug)]
struct Cand {
    pid: u32,
    len: u32,
}

/// The key of a pattern of four bytes or more, or of the text at a start: its first four bytes
/// (big-endian). Never 0, and its top byte is at least `$` (0x24): no normalised text holds a byte
/// below that (ASCII control characters, space and punctuation other than `$ % + @` are dropped).
#[inline(always)]
fn long_key(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The key of a pattern of one to three bytes: its length in the top byte (1 to 3: never a long key),
/// its bytes below.
#[inline(always)]
fn short_key(b: &[u8]) -> u32 {
    let mut x = b.len() as u32;
    for &c in b {
        x = (x << 8) | u32::from(c);
    }
    x << (8 * (3 - b.len()))
}

/// Bytes 4..12 of `w` (little-endian, zero past its end).
#[inline(always)]
fn tail8(w: &[u8]) -> u64 {
    match w.get(4..12) {
        Some(t) => u64::from_le_bytes([t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]]),
        None => {
            let mut t = [0u8; 8];
            if let Some(rest) = w.get(4..) {
                t[..rest.len()].copy_from_slice(rest);
            }
            u64::from_le_bytes(t)
        }
    }
}

/// Bits of the long-key filter (a power of two).
const LONG_FILTER_BITS: usize = 1 << 15;

/// Bit of a long key in the long-key filter.
#[inline(always)]
fn long_bit(key: u32) -> usize {
    (Table::hash(key) >> 17) as usize & (LONG_FILTER_BITS - 1)
}

/// A map from non-zero `u32` keys to ranges of `u32`: open addressing, linear probing, at most a
/// quarter full.
struct Table {
    slots: Vec<Slot>,
    shift: u32,
}

/// A key (0: an empty slot) and its range.
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u32,
    start: u32,
    end: u32,
}

impl Table {
    /// A table of distinct non-zero keys and their ranges.
    fn new(entries: &[Slot]) -> Table {
        let bits = (entries.len() * 4)
            .next_power_of_two()
            .max(16)
            .trailing_zeros();
        let mut t = Table {
            slots: vec![Slot::default(); 1 << bits],
            shift: 32 - bits,
        };
        for e in entries {
            let mut i = t.home(e.key);
            while t.slots[i].key != 0 {
                i = (i + 1) & (t.slots.len() - 1);
            }
            t.slots[i] = *e;
        }
        t
    }

    #[inline(always)]
    fn hash(key: u32) -> u32 {
        key.wrapping_mul(0x9e37_79b1)
    }

    #[inline(always)]
    fn home(&self, key: u32) -> usize {
        (Table::hash(key) >> self.shift) as usize
    }

    /// The range of `key`, if present.
    #[inline(always)]
    fn get(&self, key: u32) -> Option<(u32, u32)> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s.key == key {
                return Some((s.start, s.end));
            }
            if s.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
}

impl Engine {
    /// Build over `patterns` (normalised, non-empty, distinct, without NUL bytes; the ASCII ones
    /// first, then the others), with `ids[i]` the caller's index of `patterns[i]`.
    pub(crate) fn new(patterns: &[&str], ids: Vec<u32>) -> Engine {
        let split = patterns.iter().take_while(|p| p.is_ascii()).count() as u32;
        debug_assert!(patterns[split as usize..].iter().all(|p| !p.is_ascii()));
        let mut text = Vec::new();
        let mut at = vec![0u32];
        let mut keys: Vec<u32> = Vec::new();
        let mut members: Vec<Vec<((u64, u64), Cand)>> = Vec::new();
        let mut index = rustc_hash::FxHashMap::default();
        let mut long_filter = vec![0u64; LONG_FILTER_BITS / 64];
        let mut short_pairs = vec![0u64; 64];
        for (i, p) in patterns.iter().enumerate() {
            let b = p.as_bytes();
            text.extend_from_slice(b);
            at.push(text.len() as u32);
            if b.is_empty() {
                continue;
            }
            let key = if b.len() >= PREFIX_LEN {
                long_key(b)
            } else {
                short_key(b)
            };
            let have = b.len().saturating_sub(PREFIX_LEN).min(8);
            let mask = if have == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * have)) - 1
            };
            let c = (
                (tail8(b), mask),
                Cand {
                    pid: i as u32,
                    len: b.len() as u32,
                },
            );
            let g = *index.entry(key).or_insert_with(|| {
                keys.push(key);
                members.push(Vec::new());
                keys.len() - 1
            });
            members[g].push(c);
            if b.len() >= PREFIX_LEN {
                let bit = long_bit(key);
                long_filter[bit / 64] |= 1 << (bit % 64);
            } else if let Some(&b1) = b.get(1) {
                short_pairs[usize::from(b[0] & 63)] |= 1 << (b1 & 63);
            } else {
                short_pairs[usize::from(b[0] & 63)] = u64::MAX;
            }
        }
        let (mut tails, mut cands) = (Vec::new(), Vec::new());
        let mut entries = Vec::with_capacity(keys.len());
        for (key, mut m) in keys.into_iter().zip(members) {
            // Those of four bytes or fewer first (mask 0), then by their fifth byte: the lookup
            // stops at the first whose fifth byte is past the text's.
            m.sort_by_key(|&((tail, mask), _)| (mask != 0, tail as u8));
            let start = cands.len() as u32;
            for (t, c) in m {
                tails.push(t);
                cands.push(c);
            }
            entries.push(Slot {
                key,
                start,
                end: cands.len() as u32,
            });
        }
        let table = Table::new(&entries);
        Engine {
            ids,
            split,
            long_filter,
            short_pairs,
            table,
            tails,
            cands,
            text,
            at,
        }
    }

    /// Heap bytes (roughly).
    pub(crate) fn memory_usage(&self) -> usize {
        self.ids.len() * 4
            + self.long_filter.len() * 8
            + self.short_pairs.len() * 8
            + self.table.slots.len() * std::mem::size_of::<Slot>()
            + self.tails.len() * 16
            + self.cands.len() * std::mem::size_of::<Cand>()
            + self.text.len()
            + self.at.len() * 4
    }

    /// Calls `found(pattern, len)` for every pattern that `w` starts with and that ends at a word
    /// edge, looking at the long patterns when bit 0 of `pass` is set (the caller has seen their
    /// filter pass), the short ones when bit 1 is. `next_edge` is the distance from the start of `w`
    /// to the next word edge after it (at least 1; `w.len()` or more at the end), `edge(l)` whether
    /// there is one `l` bytes in.
    #[inline(always)]
    fn matches_at(
        &self,
        w: &[u8],
        next_edge: usize,
        pass: u64,
        edge: impl Fn(usize) -> bool,
        mut found: impl FnMut(u32, usize),
    ) {
        if pass & 1 != 0 && w.len() >= PREFIX_LEN {
            self.probe(long_key(w), w, &edge, &mut found);
        }
        // A pattern of one to three bytes must end at an edge: none is looked up when the next edge is
        // further away (the common case: a word of four letters or more), or when no short pattern
        // begins with the first two bytes.
        if pass & 2 == 0 || next_edge >= PREFIX_LEN {
            return;
        }
        let (b0, b1) = (w[0], w.get(1).copied().unwrap_or(0));
        if self.short_pairs[usize::from(b0 & 63)] & (1 << (b1 & 63)) == 0 {
            return;
        }
        let mut l = next_edge;
        while l < PREFIX_LEN && l <= w.len() {
            if edge(l) {
                self.probe(short_key(&w[..l]), w, &edge, &mut found);
            }
            l += 1;
        }
    }

    /// The patterns under `key` that `w` starts with and that end at an edge.
    #[inline(always)]
    fn probe(
        &self,
        key: u32,
        w: &[u8],
        edge: &impl Fn(usize) -> bool,
        found: &mut impl FnMut(u32, usize),
    ) {
        let Some((s, e)) = self.table.get(key) else {
            return;
        };
        let (s, e) = (s as usize, e as usize);
        let tail = tail8(w);
        // A text shorter than a pattern of twelve bytes or fewer fails on its tail: the text's is
        // zero past its end, and no pattern holds a zero byte.
        for (j, &(t, mask)) in self.tails.get(s..e).unwrap_or_default().iter().enumerate() {
            // Sorted by fifth byte (see `new`): none from here on matches.
            if mask != 0 && t as u8 > tail as u8 {
                break;
            }
            if tail & mask != t {
                continue;
            }
            let Some(&c) = self.cands.get(s + j) else {
                break;
            };
            let len = c.len as usize;
            if len <= w.len()
                && (len <= PREFIX_LEN + 8 || {
                    let from = self.at[c.pid as usize] as usize + PREFIX_LEN + 8;
                    w[PREFIX_LEN + 8..len] == self.text[from..from + len - PREFIX_LEN - 8]
                })
                && edge(len)
            {
                found(c.pid, len);
            }
        }
    }

    /// The patterns that `w` starts with, whatever follows (for the tests).
    #[cfg(test)]
    pub(crate) fn prefixes_of(&self, w: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        self.matches_at(w, 1, 3, |_| true, |pid, _| out.push(pid));
        out
    }

    /// The engine's index of a pattern (for the tests).
    #[cfg(test)]
    pub(crate) fn pid_of(&self, pattern: &[u8]) -> Option<u32> {
        (0..self.at.len() - 1)
            .find(|&i| &self.text[self.at[i] as usize..self.at[i + 1] as usize] == pattern)
            .map(|i| i as u32)
    }

    /// Every match at word edges in `n`: `(end, start, pattern)` appended to `out`, in the order of the
    /// unanchored overlapping searches (the ASCII patterns' matches by end, then start; then the
    /// others'). `starts` is scratch space.
    ///
    /// Two passes: the first tests every word start against the long-key filter and the short pairs
    /// without a branch on the outcome, keeping the starts that pass (about a quarter) in `starts`; the
    /// second looks those up. Whether a start passes is as good as random, so a branch on it would be
    /// mispredicted often, and most starts would pay for it.
    pub(crate) fn find(
        &self,
        n: &Normalized,
        out: &mut Vec<(u32, u32, u32)>,
        starts: &mut Vec<u64>,
    ) {
        let from = out.len();
        let bytes = &n.bytes;
        let len = bytes.len();
        if starts.len() < len {
            starts.resize(len, 0);
        }
        let keep = &mut starts[..];
        let mut kept = 0usize;
        n.for_each_edge_start(|p, next_edge| {
            // Bit 0: the long-key filter passes; bit 1: a short pattern may end at an edge here. Both
            // are set near the end of the text, where the second pass checks properly.
            let pass = match bytes.get(p..p + PREFIX_LEN) {
                Some(w) => {
                    let bit = long_bit(long_key(w));
                    let long = (self.long_filter[bit / 64] >> (bit % 64)) & 1;
                    let pair = self.short_pairs[usize::from(w[0] & 63)] >> (w[1] & 63);
                    long | ((pair & u64::from(next_edge < PREFIX_LEN)) & 1) << 1
                }
                None => 3,
            };
            if let Some(slot) = keep.get_mut(kept) {
                *slot = p as u64 | (next_edge as u64) << 32 | pass << 48;
            }
            kept += usize::from(pass != 0);
        });
        for &s in &starts[..kept] {
            let p = (s & 0xffff_ffff) as usize;
            let next_edge = ((s >> 32) & 0xffff) as usize;
            let w = &bytes[p..];
            let found = |pid: u32, len: usize| out.push(((p + len) as u32, p as u32, pid));
            self.matches_at(w, next_edge, s >> 48, |l| n.end_edge(p + l), found);
        }
        let split = self.split;
        out[from..].sort_unstable_by_key(|&(end, start, pid)| (pid >= split, end, start, pid));
    }
}
