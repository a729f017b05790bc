//! Text normalisation for screening, with every normalised byte mapped back to the original.
//!
//! Sellers hide names from keyword filters: `N P P`, `4-A.P`, `NРP` with a Cyrillic `Р`, zero-width
//! spaces inside words, full-width digits (`３９７４２`), `4-p1per1done`, accents dropped or added. The
//! screener matches literal patterns, so the text and every pattern go through the same fold:
//!
//! - Unicode compatibility decomposition (NFKD: full-width forms, ligatures), combining marks dropped
//!   (`envío` → `envio`), lower case;
//! - zero-width and other invisible characters removed without a trace;
//! - Cyrillic letters that look like Latin ones replaced by them (`р` → `p`); Greek letters spelled out
//!   as in chemical names (`α` → `alpha`), like the registry's own name keys;
//! - whitespace and punctuation removed, except `$ € £ ¥ @ + %`; where something was removed the next
//!   byte carries a *separator* mark, so matches can be required to start and end at word edges;
//! - leetspeak digits inside a Latin word (`p1per1done`, `n0rfentanyl`) read as the letters they stand
//!   for; digits elsewhere (`4-AP`, CAS numbers) are kept;
//! - bytes that are not UTF-8 act as separators (the text is never rejected for them).
//!
//! [`Normalized::origin`] gives, for each normalised byte, the byte offset in the original text of the
//! character it came from, so a match is reported as a span of the original. Origins are kept as runs
//! (a run of letters copied from the original is one entry, not one per byte): they are asked for only
//! where something matched, a few times a text, while every byte would pay for writing them.
//!
//! The word edges ([`Normalized::at_edges`]) are written as bits while normalising, one per byte that
//! starts after an edge, so the search visits only those positions. ASCII text (most of it) takes a
//! loop that finds and copies runs of letters and of digits eight bytes at a time (word arithmetic on
//! a `u64`, no per-byte branch); the tests check it against the normaliser it replaced
//! (`normalize_reference.rs`), bytes, origins and edges, on obfuscated and random text.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The separator mark, in the top bit of a run's origin.
const SEP: u32 = 1 << 31;

/// A run whose bytes all come from the one character at its origin (a non-ASCII character written as
/// several bytes or letters); without it, byte `i` of the run comes from origin + `i`.
const SAME: u32 = 1 << 30;

/// Largest text that offsets can address (the top two bits of a `u32` origin are marks).
pub const MAX_TEXT_BYTES: usize = (SAME - 1) as usize;

/// Bytes of slack past the written ones, for the eight-byte stores of the ASCII loop.
const SLACK: usize = 8;

/// Class of a normalised byte, for word edges: an ASCII separator (never written: it is dropped),
/// letter, digit or kept symbol, or a byte of a non-ASCII character.
const C_SEP: u8 = 0;
const C_LETTER: u8 = 1;
const C_DIGIT: u8 = 2;
const C_SYMBOL: u8 = 3;
const C_OTHER: u8 = 4;

const fn class_of(b: u8) -> u8 {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => C_LETTER,
        b'0'..=b'9' => C_DIGIT,
        b'$' | b'@' | b'+' | b'%' => C_SYMBOL,
        0x80..=0xff => C_OTHER,
        _ => C_SEP,
    }
}

const CLASS: [u8; 256] = {
    let mut t = [C_SEP; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
};

/// Whether there is a word edge between two written bytes of classes `prev` and `cur` (`sep`: a
/// separator was removed between them): a separator, a change of class, a symbol, or a non-ASCII byte
/// on either side (Chinese has no word edges), except before a UTF-8 continuation byte (the caller's
/// test: no match starts or ends inside a character). See [`Normalized::at_edges`].
#[inline(always)]
fn is_edge(sep: bool, prev: u8, cur: u8) -> bool {
    sep | (prev != cur) | (cur >= C_SYMBOL)
}

/// A normalised text: its bytes, and for each byte where it came from.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// The normalised text (UTF-8).
    pub bytes: Vec<u8>,
    /// Where the bytes came from, as runs in ascending order of `at`, the first at 0 (when there are
    /// bytes); a run covers the bytes up to the next run's `at`. A new run starts at least wherever a
    /// separator (space, punctuation, invalid byte) was removed just before a byte.
    runs: Vec<Run>,
    /// Bit `i` (word `i / 64`, bit `i % 64`) is set when there is a word edge before normalised byte
    /// `i` (`i < len`; see [`Normalized::at_edges`]). Written with the bytes, so the search visits only
    /// the set bits instead of testing every byte.
    edges: Vec<u64>,
}

/// Normalised bytes from `at` on came from original offset `origin & !(SEP | SAME)`, one original byte
/// per normalised byte, or all from that one character when `SAME` is set; `SEP` when a separator was
/// removed just before byte `at`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Run {
    at: u32,
    origin: u32,
}

impl Normalized {
    /// An empty buffer, to be reused with [`Normalized::fill`].
    pub fn new() -> Normalized {
        Normalized::default()
    }

    /// Normalise `text` into this buffer, replacing what it held. `base` is added to every origin, for a
    /// window that starts `base` bytes into a longer text.
    ///
    /// # Panics
    /// Never on any input; texts longer than [`MAX_TEXT_BYTES`] (1 GiB) are the caller's to refuse.
    pub fn fill(&mut self, text: &[u8], base: usize) {
        if let Ok(valid) = std::str::from_utf8(text) {
            return self.fill_str(valid, base);
        }
        let mut w = self.writer(text.len());
        for chunk in text.utf8_chunks() {
            let valid = chunk.valid();
            let start = valid.as_ptr() as usize - text.as_ptr() as usize + base;
            w.str(valid, start, text, base);
            if !chunk.invalid().is_empty() {
                w.sep = true;
            }
        }
        let k = w.k;
        self.bytes.truncate(k);
    }

    /// [`Normalized::fill`] of a text known to be UTF-8 (the same result, without checking it again).
    pub fn fill_str(&mut self, text: &str, base: usize) {
        let mut w = self.writer(text.len());
        w.str(text, base, text.as_bytes(), base);
        let k = w.k;
        self.bytes.truncate(k);
    }

    /// A writer at the start of this emptied buffer, with room for a text of `len` bytes.
    fn writer(&mut self, len: usize) -> Writer<'_> {
        self.edges.clear();
        self.runs.clear();
        let mut w = Writer {
            out: self,
            k: 0,
            sep: true,
            prev: C_SEP,
        };
        // Every ASCII byte gives at most one byte: room for all of them up front.
        w.ensure(len);
        w
    }

    /// Normalise a pattern (a name, a phrase) the same way as text.
    pub fn pattern(text: &str) -> String {
        let mut n = Normalized::new();
        n.fill(text.as_bytes(), 0);
        String::from_utf8(n.bytes).unwrap_or_default()
    }

    /// Number of normalised bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when nothing is left after normalisation.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Index of the run that holds normalised byte `i` (`i < len`, so there is one).
    #[inline]
    fn run_index(&self, i: usize) -> usize {
        self.runs
            .partition_point(|r| r.at as usize <= i)
            .saturating_sub(1)
    }

    /// Original offset of normalised byte `i`, in run `r` (which holds it).
    #[inline]
    fn origin_in(&self, r: usize, i: usize) -> usize {
        let Some(run) = self.runs.get(r) else {
            return 0;
        };
        let o = (run.origin & !(SEP | SAME)) as usize;
        if run.origin & SAME != 0 {
            o
        } else {
            o + (i - run.at as usize)
        }
    }

    /// Original byte offset of normalised byte `i` (`i < len`; 0 past the end).
    pub fn origin(&self, i: usize) -> usize {
        if i >= self.bytes.len() {
            return 0;
        }
        self.origin_in(self.run_index(i), i)
    }

    /// Whether a separator was removed just before normalised byte `i` (always true at 0).
    pub fn separated(&self, i: usize) -> bool {
        if i == 0 {
            return true;
        }
        let Some(r) = self.runs.get(self.run_index(i)) else {
            return false;
        };
        r.at as usize == i && r.origin & SEP != 0
    }

    /// Whether a match of normalised bytes `start..end` begins and ends at word edges: at each end, either
    /// a separator, the text's edge, a change between letters and digits, or a non-Latin character
    /// (Chinese has no word edges), never inside a character. So `ship` does not match inside
    /// `relationship` and `npp` not inside `snpp`, while `kg` matches in `120kg`.
    pub fn at_edges(&self, start: usize, end: usize) -> bool {
        if start >= end || end > self.bytes.len() {
            return false;
        }
        self.edge(start) && self.edge(end)
    }

    /// Whether there is a word edge before normalised byte `at` (`0 <= at <= len`): see
    /// [`Normalized::at_edges`].
    #[inline]
    pub(crate) fn edge(&self, at: usize) -> bool {
        at >= self.bytes.len() || (self.edges[at >> 6] >> (at & 63)) & 1 != 0
    }

    /// Whether a match may end before normalised byte `end` (`end >= 1`).
    #[inline]
    pub(crate) fn end_edge(&self, end: usize) -> bool {
        self.edge(end)
    }

    /// Calls `f(i, d)` with every position `i` where a match at word edges may start (every `i < len`
    /// with an edge before it), ascending, and the distance `d >= 1` to the next edge after it, or
    /// to the end of the text when that is nearer (the end is an edge too).
    #[inline]
    pub(crate) fn for_each_edge_start(&self, mut f: impl FnMut(usize, usize)) {
        let len = self.bytes.len();
        let words = len.div_ceil(64);
        let edges = &self.edges[..words];
        for (wi, &word) in edges.iter().enumerate() {
            // Bit 64 and up: the next word's bits, to find the next edge across the boundary.
            let next = edges.get(wi + 1).copied().unwrap_or(0);
            let mut bits = word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                let i = wi * 64 + b;
                // The edges after `i`: the rest of this word, then the next word.
                let after = if b == 63 {
                    next
                } else {
                    (word >> (b + 1)) | (next << (63 - b))
                };
                let d = if after == 0 {
                    64
                } else {
                    after.trailing_zeros() as usize + 1
                };
                f(i, d.min(len - i));
                bits &= bits - 1;
            }
        }
    }

    /// The original span `(start, end)` of normalised bytes `start..end`, given the original text.
    pub fn span(&self, start: usize, end: usize, original: &[u8]) -> (usize, usize) {
        if start >= end || end > self.bytes.len() {
            return (self.origin(start), self.origin(start));
        }
        // One search for the start; the end is a few runs on (a match is a word or two).
        let mut r = self.run_index(start);
        let s = self.origin_in(r, start);
        while self.runs.get(r + 1).is_some_and(|n| (n.at as usize) < end) {
            r += 1;
        }
        let last = self.origin_in(r, end - 1);
        (s, last + char_len(original, last))
    }
}

/// Byte length of the character (or invalid byte) at `at`.
fn char_len(text: &[u8], at: usize) -> usize {
    let Some(&b) = text.get(at) else { return 0 };
    let n = match b {
        0x00..=0x7f => return 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    if text
        .get(at..at + n)
        .is_some_and(|c| std::str::from_utf8(c).is_ok())
    {
        n
    } else {
        1
    }
}

/// Number of leading ASCII bytes of `b`.
#[inline]
fn ascii_prefix(b: &[u8]) -> usize {
    let mut i = 0;
    for w in b.chunks_exact(8) {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let high = x & 0x8080_8080_8080_8080;
        if high != 0 {
            return i + (high.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

/// Writes normalised bytes at `k`. `out.bytes` is kept at least `k + SLACK` long (its tail past `k` is
/// scratch, cut off at the end of `fill`), `out.edges` long enough for every bit below its length.
struct Writer<'a> {
    out: &'a mut Normalized,
    /// Bytes written.
    k: usize,
    /// A separator was seen since the last byte written.
    sep: bool,
    /// Class of the last byte written (`C_SEP` before the first).
    prev: u8,
}

impl Writer<'_> {
    /// Room for `n` bytes in all, the edge bits included.
    #[inline]
    fn ensure(&mut self, n: usize) {
        let n = n + SLACK;
        if self.out.bytes.len() < n {
            self.out.bytes.resize(n, 0);
        }
        let words = n / 64 + 1;
        if self.out.edges.len() < words {
            self.out.edges.resize(words, 0);
        }
    }

    /// Write one byte (the slow path: non-ASCII characters).
    #[inline]
    fn push(&mut self, b: u8, origin: usize) {
        let k = self.k;
        self.ensure(k + 1);
        let cls = CLASS[b as usize];
        // A continuation byte is inside a character: no match starts or ends there.
        if is_edge(self.sep, self.prev, cls) && !(0x80..0xc0).contains(&b) {
            self.out.edges[k >> 6] |= 1 << (k & 63);
        }
        self.out.bytes[k] = b;
        // Bytes of one character share its origin: one run for all of them.
        let origin = origin as u32 | SAME;
        let last = self.out.runs.last().map(|r| r.origin & !SEP);
        if self.sep || last != Some(origin) {
            self.out.runs.push(Run {
                at: k as u32,
                origin: origin | if self.sep { SEP } else { 0 },
            });
        }
        self.sep = false;
        self.prev = cls;
        self.k = k + 1;
    }

    fn push_char(&mut self, c: char, origin: usize) {
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            self.push(b, origin);
        }
    }

    /// `valid` starts at original offset `start`; `text`/`base` give access to what follows it.
    fn str(&mut self, valid: &str, start: usize, text: &[u8], base: usize) {
        let bytes = valid.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let j = i + ascii_prefix(&bytes[i..]);
            if j > i {
                self.ascii(&bytes[i..j], start + i, text, base);
            }
            if j >= bytes.len() {
                break;
            }
            let Some(c) = valid[j..].chars().next() else {
                break;
            };
            self.fold(c, start + j);
            i = j + c.len_utf8();
        }
    }

    /// A run of ASCII bytes starting at original offset `at` (the hot loop: most text is ASCII).
    ///
    /// Runs of letters (most of most texts), and runs of two or more digits, are copied in one go:
    /// inside such a run there is no word edge (one class, no separator), so only its first byte can
    /// have an edge bit, and none of its digits is leetspeak (each has a digit on one side). A single
    /// digit 0, 1 or 3, or `@`, right after a letter (no separator between) and before an ASCII letter
    /// is leetspeak and written as the letter it stands for (`p1per1done`, `fent@nyl`). Separators are
    /// dropped, leaving their mark on the next byte. Each piece written is one run of origins.
    fn ascii(&mut self, run: &[u8], at: usize, text: &[u8], base: usize) {
        let mut k = self.k;
        self.ensure(k + run.len());
        let (mut sep, mut prev) = (self.sep, self.prev);
        let out = &mut *self.out;
        let bytes = &mut out.bytes[..];
        let edges = &mut out.edges[..];
        let runs = &mut out.runs;
        runs.reserve(run.len());
        let mut i = 0;
        while i < run.len() {
            let b = run[i];
            let cls = CLASS[usize::from(b)];
            if cls == C_SEP {
                sep = true;
                i += 1;
                continue;
            }
            // The run of this class (letters, digits) or the single symbol, written at `k` (the
            // eight-byte stores may write past its end, into the slack that `ensure` keeps).
            let n = match cls {
                C_LETTER => copy_class::<true>(run, i, &mut bytes[k..]),
                C_DIGIT => copy_class::<false>(run, i, &mut bytes[k..]),
                _ => {
                    bytes[k] = b;
                    1
                }
            };
            let mut c = cls;
            if n == 1 && cls != C_LETTER && prev == C_LETTER && !sep {
                let next = text.get(at + i + 1 - base).copied();
                if matches!(b, b'0' | b'1' | b'3' | b'@')
                    && next.is_some_and(|n| n.is_ascii_alphabetic())
                {
                    bytes[k] = leet(b);
                    c = C_LETTER;
                }
            }
            if is_edge(sep, prev, c) {
                edges[k >> 6] |= 1 << (k & 63);
            }
            runs.push(Run {
                at: k as u32,
                origin: (at + i) as u32 | if sep { SEP } else { 0 },
            });
            k += n;
            sep = false;
            prev = c;
            i += n;
        }
        self.k = k;
        self.sep = sep;
        self.prev = prev;
    }

    /// A non-ASCII character.
    fn fold(&mut self, c: char, origin: usize) {
        // CJK ideographs are stable under every step: the common case in Chinese text.
        if ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c) {
            self.push_char(c, origin);
            return;
        }
        if is_invisible(c) {
            return;
        }
        if let Some(l) = homoglyph(c) {
            self.push(l, origin);
            return;
        }
        decompose_compatible(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            for l in d.to_lowercase() {
                if l.is_ascii() {
                    let b = l as u8;
                    match CLASS[b as usize] {
                        C_SEP => self.sep = true,
                        _ => self.push(b, origin),
                    }
                } else if let Some(spelled) = pw_registry::names::spell_greek(l) {
                    for &b in spelled.as_bytes() {
                        self.push(b, origin);
                    }
                } else if let Some(h) = homoglyph(l) {
                    self.push(h, origin);
                } else if l.is_alphanumeric() || matches!(l, '€' | '£' | '¥') {
                    self.push_char(l, origin);
                } else {
                    self.sep = true;
                }
            }
        });
    }
}

/// Copies the run of letters (`LETTERS`, lower-cased) or of digits that starts at `run[i]` (one of
/// them) to the start of `out`, eight bytes at a time, and returns its length. It may write up to
/// eight bytes past the run into `out` (the caller's slack), never past `out`'s end.
///
/// Per eight-byte word `x` of ASCII bytes, with `l = x | 0x20…` for letters (upper case folded):
/// adding `0x80 - lo` to each byte sets its top bit when the byte is at least `lo`, adding
/// `0x80 - hi - 1` when it is above `hi`, and no byte carries into the next (every byte is below
/// 0x80, so each sum stays below 0x100). The first byte without the mark ends the run.
#[inline(always)]
fn copy_class<const LETTERS: bool>(run: &[u8], i: usize, out: &mut [u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (fold, lo, hi) = if LETTERS {
        (0x20 * ONES, b'a', b'z')
    } else {
        (0, b'0', b'9')
    };
    let mut n = 0;
    loop {
        let from = i + n;
        match (run.get(from..from + 8), out.get_mut(n..n + 8)) {
            (Some(w), Some(o)) => {
                let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) | fold;
                let ge = x.wrapping_add(u64::from(0x80 - lo) * ONES);
                let gt = x.wrapping_add(u64::from(0x80 - hi - 1) * ONES);
                let inside = ge & !gt & HIGH;
                o.copy_from_slice(&x.to_le_bytes());
                let len = (!inside & HIGH).trailing_zeros() as usize / 8;
                n += len;
                if len < 8 {
                    return n;
                }
            }
            _ => {
                // The last few bytes of the run: one at a time.
                while let (Some(&b), Some(o)) = (run.get(i + n), out.get_mut(n)) {
                    let b = if LETTERS { b | 0x20 } else { b };
                    if !(lo..=hi).contains(&b) {
                        break;
                    }
                    *o = b;
                    n += 1;
                }
                return n;
            }
        }
    }
}

/// The letter a leetspeak `0`, `1`, `3` or `@` stands for (see [`Writer::ascii`]). Only these digits:
/// others sit between letters in chemical names written without hyphens (`phenethyl4piperidone`).
#[inline]
fn leet(b: u8) -> u8 {
    match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        _ => b'a',
    }
}

/// Characters that render as nothing: removed without leaving a separator.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// Cyrillic (and a few other) letters that are drawn like Latin ones, lower case.
fn homoglyph(c: char) -> Option<u8> {
    Some(match c {
        'а' | 'А' => b'a',
        'в' | 'В' => b'b',
        'с' | 'С' | 'ϲ' => b'c',
        'е' | 'Е' | 'ё' | 'Ё' => b'e',
        'н' | 'Н' => b'h',
        'і' | 'І' | 'ı' => b'i',
        'ј' | 'Ј' => b'j',
        'к' | 'К' => b'k',
        'м' | 'М' => b'm',
        'о' | 'О' => b'o',
        'р' | 'Р' => b'p',
        'ѕ' | 'Ѕ' => b's',
        'т' | 'Т' => b't',
        'у' | 'У' => b'y',
        'х' | 'Х' => b'x',
        _ => return None,
    })
}

#[cfg(test)]
#[path = "normalize_reference.rs"]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    /// `fill` gives the reference normaliser's bytes, origins and separator marks, and its edge bits
    /// are the reference's word edges at every position (`0..=len`, and past the end).
    fn assert_like_reference(text: &[u8], base: usize) {
        let mut n = Normalized::new();
        // Fill twice, the second time over a longer text's leftovers, as buffers are reused.
        n.fill(
            b"some longer text first, 0123 @ x1y \xff \xe5\xae\x89 NPP ... to leave stale bytes",
            7,
        );
        n.fill(text, base);
        let r = reference::Normalized::fill(text, base);
        let shown = String::from_utf8_lossy(text);
        assert_eq!(n.bytes, r.bytes, "bytes of {shown:?}");
        for i in 0..n.len() {
            let want = r.origin[i];
            let got = n.origin(i) as u32 | if n.separated(i) && i > 0 { 1 << 31 } else { 0 };
            let want = if i == 0 { want & !(1 << 31) } else { want };
            assert_eq!(got, want, "origin of byte {i} of {shown:?}");
        }
        for at in 0..=n.len() + 1 {
            assert_eq!(n.edge(at), r.edge(at), "edge at {at} of {shown:?}");
        }
        let mut starts = Vec::new();
        n.for_each_edge_start(|p, d| starts.push((p, d)));
        let want: Vec<(usize, usize)> = (0..n.len())
            .filter(|&p| r.edge(p))
            .map(|p| {
                (
                    p,
                    (p + 1..=n.len())
                        .find(|&q| r.edge(q))
                        .map_or(0, |q| q - p)
                        .min(64),
                )
            })
            .collect();
        let got: Vec<(usize, usize)> = starts.iter().map(|&(p, d)| (p, d.min(64))).collect();
        assert_eq!(got, want, "edge starts and distances of {shown:?}");
        // The same from a text already known to be UTF-8.
        if let Ok(valid) = std::str::from_utf8(text) {
            let mut m = Normalized::new();
            m.fill(b"stale \xe5\xae\x89 bytes 42", 3);
            m.fill_str(valid, base);
            assert_eq!(
                (&m.bytes, &m.runs),
                (&n.bytes, &n.runs),
                "fill_str of {shown:?}"
            );
            let words = n.len().div_ceil(64);
            assert_eq!(
                m.edges[..words],
                n.edges[..words],
                "fill_str edges of {shown:?}"
            );
        }
    }

    #[test]
    fn like_the_reference_on_obfuscations() {
        for t in [
            "",
            " ",
            "N-Phenethyl-4-piperidone",
            "N P P",
            "N\u{200b}P\u{200b}P",
            "NРP",
            "３９７４２－６０－４",
            "4-p1per1done n0rfentanyl fent@nyl p1 1p a1 a1b a11b a@b a@ @b x@1y 3a a3 0a a0a",
            "Envío seguro a MÉXICO α-phenylacetoacetate $1,200/kg 安全送达 美国 ＵＳＤＴ",
            "39742-60-4 1-boc-4-AP phenethyl4piperidone n00b x10y 1o1 CAS 79099-07-3",
            "a\u{200b}1b a1\u{200b}b р1рe ﬃ1x 1ﬃ ㎏ Ⅻ ½ 𝐀𝐁 ü1b",
            "ship@usa @@@ ++%% $$ a+b a%b 1%2 %a a%",
            &"x".repeat(63),
            &"x".repeat(64),
            &format!("{} a1b {}", "y".repeat(61), "z ".repeat(40)),
        ] {
            assert_like_reference(t.as_bytes(), 0);
            assert_like_reference(t.as_bytes(), 1000);
        }
        for t in [
            &b"\xffNPP\xfe\xfdship"[..],
            b"a1\xffb a\xff1b @\xff",
            b"\xe5\xae 1a",
        ] {
            assert_like_reference(t, 0);
        }
    }

    proptest::proptest! {
        /// On random mixtures of ASCII, leetspeak digits, symbols, look-alike and invisible
        /// characters, full-width forms, Greek, CJK and invalid bytes, `fill` is the reference.
        #[test]
        fn like_the_reference(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::string::string_regex("[ -~]{0,12}").expect("regex"),
                proptest::string::string_regex("[a-zA-Z013@ ]{0,8}").expect("regex"),
                proptest::string::string_regex("[a-zA-Z0-9$%+@ ,.-]{8,24}").expect("regex"),
                proptest::strategy::Just("\u{200b}".to_string()),
                proptest::strategy::Just("\u{feff}".to_string()),
                proptest::strategy::Just("Р".to_string()),
                proptest::strategy::Just("р".to_string()),
                proptest::strategy::Just("α".to_string()),
                proptest::strategy::Just("安全".to_string()),
                proptest::strategy::Just("é".to_string()),
                proptest::strategy::Just("３９７".to_string()),
                proptest::strategy::Just("－".to_string()),
                proptest::strategy::Just("ﬃ".to_string()),
                proptest::strategy::Just("Ｕ".to_string()),
                proptest::strategy::Just("3 9 7 4 2 - 6 0 - 4".to_string()),
                proptest::strategy::Just("p1per1d0ne".to_string()),
            ], 0..24),
            junk in proptest::collection::vec((0usize..64, proptest::num::u8::ANY), 0..3),
            base in 0usize..3,
        ) {
            let mut text = parts.concat().into_bytes();
            for (at, b) in junk {
                let at = at.min(text.len());
                text.insert(at, b);
            }
            assert_like_reference(&text, base * 100);
        }
    }

    fn norm(s: &str) -> String {
        Normalized::pattern(s)
    }

    #[test]
    fn folds_obfuscations() {
        assert_eq!(norm("N-Phenethyl-4-piperidone"), "nphenethyl4piperidone");
        assert_eq!(norm("N P P"), "npp");
        assert_eq!(norm("N\u{200b}P\u{200b}P"), "npp");
        assert_eq!(norm("NРP"), "npp", "Cyrillic Er");
        assert_eq!(norm("３９７４２－６０－４"), "39742604", "full width");
        assert_eq!(norm("4-p1per1done"), "4piperidone");
        assert_eq!(norm("n0rfentanyl"), "norfentanyl");
        assert_eq!(norm("fent@nyl"), "fentanyl");
        assert_eq!(norm("Envío seguro a MÉXICO"), "envioseguroamexico");
        assert_eq!(norm("α-phenylacetoacetate"), "alphaphenylacetoacetate");
        assert_eq!(norm("$1,200/kg"), "$1200kg");
        assert_eq!(norm("安全送达 美国"), "安全送达美国");
        assert_eq!(norm("ＵＳＤＴ"), "usdt");
        assert_eq!(
            norm("39742-60-4"),
            "39742604",
            "digits after digits stay digits"
        );
        assert_eq!(norm("1-boc-4-AP"), "1boc4ap");
        assert_eq!(norm("phenethyl4piperidone"), "phenethyl4piperidone");
        assert_eq!(
            norm("n00b x10y 1o1"),
            "n00bx10y1o1",
            "digit runs are never leetspeak"
        );
    }

    #[test]
    fn origins_point_into_the_original() {
        let text = "buy N\u{200b}РP now";
        let mut n = Normalized::new();
        n.fill(text.as_bytes(), 0);
        let s = String::from_utf8(n.bytes.clone()).expect("utf8");
        let at = s.find("npp").expect("found");
        let (a, b) = n.span(at, at + 3, text.as_bytes());
        assert_eq!(&text[a..b], "N\u{200b}РP");
        assert!(n.at_edges(at, at + 3));
    }

    #[test]
    fn invalid_utf8_is_a_separator_and_offsets_stay_right() {
        let text: &[u8] = b"\xffNPP\xfe\xfdship";
        let mut n = Normalized::new();
        n.fill(text, 0);
        assert_eq!(n.bytes, b"nppship");
        assert_eq!(n.origin(0), 1);
        assert_eq!(n.origin(3), 6);
        assert!(n.separated(3));
        assert!(n.at_edges(0, 3));
    }

    #[test]
    fn word_edges() {
        let mut n = Normalized::new();
        n.fill(b"relationship snpp 120kg x npp", 0);
        let s = String::from_utf8(n.bytes.clone()).expect("utf8");
        let ship = s.find("ship").expect("ship");
        assert!(!n.at_edges(ship, ship + 4));
        let npp = s.find("npp").expect("npp");
        assert!(!n.at_edges(npp, npp + 3), "inside snpp");
        let kg = s.find("kg").expect("kg");
        assert!(n.at_edges(kg, kg + 2), "digit→letter is an edge");
        let last = s.rfind("npp").expect("npp");
        assert!(n.at_edges(last, last + 3));
    }

    #[test]
    fn base_offsets_windows() {
        let text = b"xx NPP";
        let mut n = Normalized::new();
        n.fill(&text[3..], 3);
        assert_eq!(n.origin(0), 3);
    }
}
