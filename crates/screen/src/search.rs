//! The pattern search: every pattern that starts and ends at a word edge of a normalised text.
//!
//! A match only counts when it starts and ends at a word edge ([`Normalized::at_edges`]), so instead of
//! running an Aho–Corasick automaton over every byte and throwing most matches away, the search looks
//! only at the positions where a match may start (a fifth of the bytes of ordinary text) and compares
//! the patterns that begin with the bytes found there:
//!
//! 1. a filter on the first bytes (at most four) skips the starts that no pattern begins with (three
//!    quarters of them in catalogue text). It is conservative: it hashes the first four bytes of every
//!    pattern (or the whole pattern, when shorter) into bit sets, and a start passes when any of those
//!    prefixes of the text there has its bit set; a pattern that starts there has, so its start is never
//!    skipped (collisions only let more starts through);
//! 2. the patterns of under four bytes are looked up whole, and the longer ones by their first four
//!    bytes, then compared byte for byte.
//!
//! The pattern table is a few dozen KiB (the automaton it replaces was 4 MiB, and its cache misses were
//! most of its cost). It finds exactly the same matches: every occurrence of a pattern that starts at a
//! word edge is looked at from its start, and kept when it also ends at one. They are reported in the
//! order of the unanchored overlapping search that this replaces (by end, then by start), so what is
//! built from them does not depend on how they were found (the tests keep that search as the reference).

use rustc_hash::FxHashMap;

use crate::normalize::Normalized;

/// The patterns of one set, grouped by their first bytes.
pub(crate) struct Engine {
    /// Pattern index in this set → index in the screener's pattern list.
    pub(crate) ids: Vec<u32>,
    prefix: Prefix,
    /// All pattern bytes, one after the other; pattern `i` is `text[at[i]..at[i + 1]]`.
    text: Vec<u8>,
    at: Vec<u32>,
    /// Patterns of `PREFIX_LEN` bytes or more, by their first `PREFIX_LEN` bytes: a range of `group`.
    long: FxHashMap<u32, (u32, u32)>,
    group: Vec<u32>,
    /// Shorter patterns, by length and bytes.
    short: FxHashMap<(u8, u32), u32>,
}

/// Bits per prefix length (a power of two).
const PREFIX_BITS: usize = 1 << 16;

/// Prefix length looked at.
pub(crate) const PREFIX_LEN: usize = 4;

/// Which prefixes of length 1 to [`PREFIX_LEN`] start some pattern: one hashed bit set per length.
pub(crate) struct Prefix {
    bits: Vec<u64>,
    /// Pattern lengths below `PREFIX_LEN` that occur (their prefix is the whole pattern).
    short: Vec<usize>,
}

/// Up to four bytes as one number (`b.len() <= 4`).
#[inline(always)]
fn pack(b: &[u8]) -> u32 {
    let mut x = 0u32;
    for &c in b {
        x = (x << 8) | u32::from(c);
    }
    x
}

impl Prefix {
    pub(crate) fn new(patterns: &[&str]) -> Prefix {
        let mut p = Prefix {
            bits: vec![0; PREFIX_LEN * PREFIX_BITS / 64],
            short: Vec::new(),
        };
        for pat in patterns {
            let b = pat.as_bytes();
            let l = b.len().min(PREFIX_LEN);
            if l == 0 {
                continue;
            }
            if l < PREFIX_LEN && !p.short.contains(&l) {
                p.short.push(l);
            }
            let k = Prefix::key(&b[..l]);
            p.bits[k / 64] |= 1 << (k % 64);
        }
        p.short.sort_unstable();
        p
    }

    /// Bit index of a prefix of 1 to `PREFIX_LEN` bytes.
    #[inline(always)]
    fn key(b: &[u8]) -> usize {
        let h = (pack(b).wrapping_mul(0x9e37_79b1) >> 16) as usize;
        (b.len() - 1) * PREFIX_BITS + h
    }

    #[inline(always)]
    fn has(&self, b: &[u8]) -> bool {
        let k = Prefix::key(b);
        self.bits[k / 64] & (1 << (k % 64)) != 0
    }

    /// Whether some pattern may start at the start of `w`: false only when none does.
    #[inline(always)]
    pub(crate) fn may_start(&self, w: &[u8]) -> bool {
        if w.len() >= PREFIX_LEN && self.has(&w[..PREFIX_LEN]) {
            return true;
        }
        self.short
            .iter()
            .any(|&l| l <= w.len() && self.has(&w[..l]))
    }
}

impl Engine {
    /// Build over `patterns` (normalised, non-empty, distinct), with `ids[i]` the caller's index of
    /// `patterns[i]`.
    pub(crate) fn new(patterns: &[&str], ids: Vec<u32>) -> Engine {
        let mut text = Vec::new();
        let mut at = vec![0u32];
        let mut long: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let mut short = FxHashMap::default();
        for (i, p) in patterns.iter().enumerate() {
            let b = p.as_bytes();
            text.extend_from_slice(b);
            at.push(text.len() as u32);
            if b.len() >= PREFIX_LEN {
                long.entry(pack(&b[..PREFIX_LEN]))
                    .or_default()
                    .push(i as u32);
            } else if !b.is_empty() {
                short.insert((b.len() as u8, pack(b)), i as u32);
            }
        }
        let mut group = Vec::new();
        let long = long
            .into_iter()
            .map(|(k, v)| {
                let s = group.len() as u32;
                group.extend(v);
                (k, (s, group.len() as u32))
            })
            .collect();
        Engine {
            ids,
            prefix: Prefix::new(patterns),
            text,
            at,
            long,
            group,
            short,
        }
    }

    /// Heap bytes (roughly).
    pub(crate) fn memory_usage(&self) -> usize {
        self.prefix.bits.len() * 8
            + self.text.len()
            + self.at.len() * 4
            + self.group.len() * 4
            + self.long.len() * 16
            + self.short.len() * 16
    }

    /// Every match at word edges in `n`: `(end, start, pattern)` appended to `out`, in the order of an
    /// unanchored overlapping search (by end, then start).
    pub(crate) fn find(&self, n: &Normalized, out: &mut Vec<(u32, u32, u32)>) {
        let from = out.len();
        let bytes = &n.bytes;
        n.for_each_edge_start(|p| {
            let w = &bytes[p..];
            if !self.prefix.may_start(w) {
                return;
            }
            let mut found = |pid: u32, len: usize| {
                let end = p + len;
                if n.end_edge(end) {
                    out.push((end as u32, p as u32, pid));
                }
            };
            for &l in &self.prefix.short {
                if l <= w.len()
                    && let Some(&pid) = self.short.get(&(l as u8, pack(&w[..l])))
                {
                    found(pid, l);
                }
            }
            if w.len() >= PREFIX_LEN
                && let Some(&(s, e)) = self.long.get(&pack(&w[..PREFIX_LEN]))
            {
                for &pid in &self.group[s as usize..e as usize] {
                    let pat = &self.text
                        [self.at[pid as usize] as usize..self.at[pid as usize + 1] as usize];
                    // Byte by byte: these are short, and the first bytes usually differ.
                    if w.len() >= pat.len()
                        && w[PREFIX_LEN..pat.len()]
                            .iter()
                            .zip(&pat[PREFIX_LEN..])
                            .all(|(a, b)| a == b)
                    {
                        found(pid, pat.len());
                    }
                }
            }
        });
        out[from..].sort_unstable();
    }
}
