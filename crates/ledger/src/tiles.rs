//! C2SP `tlog-tiles`: the tree served as immutable, cacheable 256-wide tiles.
//!
//! - `tile/<L>/<N>[.p/<W>]`: the hashes at tree level 8·L, positions 256·N … 256·N + W − 1 (W = 256 for a
//!   full tile, 1…255 for a partial one), concatenated (32 bytes each).
//! - `tile/entries/<N>[.p/<W>]`: the entry bundle of leaves 256·N …: each leaf's data preceded by its
//!   length as a big-endian `u16`.
//!
//! `<N>` is written in groups of three decimal digits, every group but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`). A tile exists when the tree has its W entries at that level; a path in
//! any other spelling is refused, so each tile has one name.

use std::fmt;

use crate::{LedgerError, tree::stored_hash_index};

/// Entries per full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u8 = 8;

/// A hash tile (at a tile level) or an entry bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// Hashes of tree level 8·L.
    Hashes(u8),
    /// Leaf data.
    Entries,
}

/// A tile: kind, index within its level, width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// Hash tile level or entries.
    pub kind: TileKind,
    /// N.
    pub index: u64,
    /// W (1…256).
    pub width: u16,
}

impl TilePath {
    /// Parse a path `tile/…` (no leading slash).
    pub fn parse(path: &str) -> Result<TilePath, LedgerError> {
        let bad = |why: &str| LedgerError::malformed("tile path", format!("{path:?}: {why}"));
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("not under tile/"))?;
        let (level, rest) = rest.split_once('/').ok_or_else(|| bad("no index"))?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let l: u8 = level
                .parse()
                .map_err(|_| bad("the level is not a small number"))?;
            if l >= 8 {
                return Err(bad("the level is at most 7"));
            }
            TileKind::Hashes(l)
        };
        let (digits, width) = match rest.split_once(".p/") {
            Some((d, w)) => {
                let w: u16 = w.parse().map_err(|_| bad("the width is not a number"))?;
                if !(1..TILE_WIDTH as u16).contains(&w) {
                    return Err(bad("a partial width is 1 to 255"));
                }
                (d, w)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let mut index: u64 = 0;
        for group in digits.split('/') {
            let g = group.strip_prefix('x').unwrap_or(group);
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the index is groups of three digits"));
            }
            let g: u64 = g.parse().map_err(|_| bad("the index is not a number"))?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(g))
                .ok_or_else(|| bad("the index is too large"))?;
        }
        let tile = TilePath { kind, index, width };
        // One spelling per tile: `x` on every group but the last, no leading zero groups.
        if tile.to_string() != path {
            return Err(bad(&format!("the canonical path is {tile}")));
        }
        Ok(tile)
    }

    /// The first entry at this tile's level, and the number of entries at that level in a tree of `size`.
    fn span(&self, size: u64) -> (u64, u64) {
        let level = match self.kind {
            TileKind::Hashes(l) => u32::from(l) * u32::from(TILE_HEIGHT),
            TileKind::Entries => 0,
        };
        let at_level = size.checked_shr(level).unwrap_or(0);
        (self.index.saturating_mul(TILE_WIDTH), at_level)
    }

    /// Does the tree of `size` leaves have this tile?
    pub fn exists_in(&self, size: u64) -> bool {
        let (start, available) = self.span(size);
        start
            .checked_add(u64::from(self.width))
            .is_some_and(|end| end <= available)
    }

    /// The leaves of an entry bundle (or the positions at the tile's level of a hash tile).
    pub fn entries(&self) -> std::ops::Range<u64> {
        let start = self.index.saturating_mul(TILE_WIDTH);
        start..start.saturating_add(u64::from(self.width))
    }

    /// The stored hash positions of a hash tile in a tree of `size` leaves.
    pub fn hash_indexes(&self, size: u64) -> Result<Vec<u64>, LedgerError> {
        let TileKind::Hashes(l) = self.kind else {
            return Err(LedgerError::Range(
                "an entry bundle holds leaf data, not hashes".into(),
            ));
        };
        if !self.exists_in(size) {
            return Err(LedgerError::Range(format!(
                "{self} is not in a tree of {size} leaves"
            )));
        }
        Ok(self
            .entries()
            .map(|n| stored_hash_index(l * TILE_HEIGHT, n))
            .collect())
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tile/")?;
        match self.kind {
            TileKind::Hashes(l) => write!(f, "{l}/")?,
            TileKind::Entries => f.write_str("entries/")?,
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{g:03}/")?;
            } else {
                write!(f, "{g:03}")?;
            }
        }
        if u64::from(self.width) != TILE_WIDTH {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

/// An entry bundle: each entry's length as a big-endian `u16`, then the entry.
pub fn entry_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, LedgerError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len())
            .map_err(|_| LedgerError::Range(format!("an entry of {} bytes", e.len())))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Split an entry bundle back into entries.
pub fn parse_entry_bundle(bundle: &[u8]) -> Result<Vec<&[u8]>, LedgerError> {
    let mut out = Vec::new();
    let mut rest = bundle;
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| LedgerError::malformed("entry bundle", "a truncated length"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(LedgerError::malformed("entry bundle", "a truncated entry"));
        }
        out.push(&tail[..len]);
        rest = &tail[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Log, MemoryStore};

    #[test]
    fn paths_as_in_the_spec() {
        // The examples of C2SP tlog-tiles.
        for (path, kind, index, width) in [
            ("tile/0/x001/x234/067", TileKind::Hashes(0), 1_234_067, 256),
            ("tile/1/000.p/42", TileKind::Hashes(1), 0, 42),
            (
                "tile/entries/x001/x234/067.p/8",
                TileKind::Entries,
                1_234_067,
                8,
            ),
            ("tile/0/999", TileKind::Hashes(0), 999, 256),
            ("tile/0/x001/000", TileKind::Hashes(0), 1000, 256),
        ] {
            let t = TilePath::parse(path).expect(path);
            assert_eq!((t.kind, t.index, t.width), (kind, index, width), "{path}");
            assert_eq!(t.to_string(), path);
        }
        for bad in [
            "tile/0/1",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x001",
            "tile/8/000",
            "tile/00/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/007",
            "tile/data/000",
            "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
            "tiles/0/000",
            "tile/0/abc",
            "",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiles_hold_the_level_hashes() {
        let mut log = Log::new(MemoryStore::new(), 0);
        let mut leaves = Vec::new();
        for i in 0..70_000u32 {
            let d = i.to_be_bytes();
            leaves.push(crate::leaf_hash(&d));
            log.append(&d).expect("append");
        }
        // A full level-0 tile is 256 leaf hashes.
        let t = TilePath::parse("tile/0/001").expect("path");
        let data = log.tile(&t).expect("tile");
        assert_eq!(data.len(), 256 * 32);
        assert_eq!(&data[..32], &leaves[256].0);
        // A level-1 tile holds roots of 256-leaf subtrees: its first hash is the root of leaves 0..256.
        let t = TilePath::parse("tile/1/000.p/17").expect("path");
        let data = log.tile(&t).expect("tile");
        let mut sub = Log::new(MemoryStore::new(), 0);
        for h in &leaves[..256] {
            sub.append_hash(*h).expect("append");
        }
        assert_eq!(&data[..32], &sub.root().expect("root").0);
        // 70,000 leaves: 273 full level-0 tiles and a partial of 112; 273 level-1 entries.
        assert!(TilePath::parse("tile/0/272").expect("p").exists_in(70_000));
        assert!(!TilePath::parse("tile/0/273").expect("p").exists_in(70_000));
        assert!(
            TilePath::parse("tile/0/273.p/112")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            !TilePath::parse("tile/0/273.p/113")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            TilePath::parse("tile/1/001.p/17")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            !TilePath::parse("tile/1/001.p/18")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            TilePath::parse("tile/2/000.p/1")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            !TilePath::parse("tile/2/000.p/2")
                .expect("p")
                .exists_in(70_000)
        );
        assert!(
            log.tile(&TilePath::parse("tile/0/273").expect("p"))
                .is_err()
        );
    }

    #[test]
    fn bundles_round_trip() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"hello"];
        let b = entry_bundle(entries.iter().copied()).expect("bundle");
        assert_eq!(&b[..3], &[0, 1, b'a']);
        assert_eq!(parse_entry_bundle(&b).expect("parse"), entries);
        assert!(parse_entry_bundle(&[0, 5, 1]).is_err());
        assert!(entry_bundle([vec![0u8; 70_000].as_slice()]).is_err());
    }
}
