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
//! character it came from, so a match is reported as a span of the original.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The separator mark, in the top bit of an [`Normalized::origin`] entry.
const SEP: u32 = 1 << 31;

/// Largest text that offsets can address (the top bit of a `u32` is the separator mark).
pub const MAX_TEXT_BYTES: usize = (SEP - 1) as usize;

/// Class of an ASCII byte.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ascii {
    Letter,
    Digit,
    Symbol,
    Separator,
}

const fn ascii_class(b: u8) -> Ascii {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Ascii::Letter,
        b'0'..=b'9' => Ascii::Digit,
        b'$' | b'@' | b'+' | b'%' => Ascii::Symbol,
        _ => Ascii::Separator,
    }
}

const ASCII: [Ascii; 128] = {
    let mut t = [Ascii::Separator; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = ascii_class(i as u8);
        i += 1;
    }
    t
};

/// A normalised text: its bytes, and for each byte where it came from.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// The normalised text (UTF-8).
    pub bytes: Vec<u8>,
    /// For each byte of `bytes`: the original byte offset of its source character, with the top bit set
    /// when a separator (space, punctuation, invalid byte) was removed just before it.
    origin: Vec<u32>,
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
    /// Never on any input; texts longer than [`MAX_TEXT_BYTES`] (2 GiB) are the caller's to refuse.
    pub fn fill(&mut self, text: &[u8], base: usize) {
        self.bytes.clear();
        self.origin.clear();
        self.bytes.reserve(text.len());
        self.origin.reserve(text.len());
        let mut w = Writer {
            out: self,
            sep: true,
        };
        if let Ok(valid) = std::str::from_utf8(text) {
            w.str(valid, base, text, base);
            return;
        }
        for chunk in text.utf8_chunks() {
            let valid = chunk.valid();
            let start = valid.as_ptr() as usize - text.as_ptr() as usize + base;
            w.str(valid, start, text, base);
            if !chunk.invalid().is_empty() {
                w.sep = true;
            }
        }
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

    /// Original byte offset of normalised byte `i`.
    pub fn origin(&self, i: usize) -> usize {
        (self.origin[i] & !SEP) as usize
    }

    /// Whether a separator was removed just before normalised byte `i` (always true at 0).
    pub fn separated(&self, i: usize) -> bool {
        i == 0 || self.origin[i] & SEP != 0
    }

    /// Whether a match of normalised bytes `start..end` begins and ends at word edges: at each end, either
    /// a separator, the text's edge, a change between letters and digits, or a non-Latin character
    /// (Chinese has no word edges). So `ship` does not match inside `relationship` and `npp` not inside
    /// `snpp`, while `kg` matches in `120kg`.
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
        if at == 0 || at >= self.bytes.len() || self.origin[at] & SEP != 0 {
            return true;
        }
        let (a, b) = (self.bytes[at - 1], self.bytes[at]);
        if a >= 0x80 || b >= 0x80 {
            return true;
        }
        let (ca, cb) = (ASCII[a as usize], ASCII[b as usize]);
        ca != cb || ca == Ascii::Symbol
    }

    /// Whether a match may end before normalised byte `end` (`end >= 1`).
    #[inline]
    pub(crate) fn end_edge(&self, end: usize) -> bool {
        self.edge(end)
    }

    /// Calls `f` with every position where a match at word edges may start (every `i < len` with an
    /// edge before it), ascending.
    #[inline]
    pub(crate) fn for_each_edge_start(&self, mut f: impl FnMut(usize)) {
        let b = &self.bytes;
        if b.is_empty() {
            return;
        }
        f(0);
        for i in 1..b.len() {
            if self.origin[i] & SEP != 0 {
                f(i);
                continue;
            }
            let (x, y) = (b[i - 1], b[i]);
            if x >= 0x80 || y >= 0x80 {
                f(i);
                continue;
            }
            let (cx, cy) = (ASCII[x as usize], ASCII[y as usize]);
            if cx != cy || cx == Ascii::Symbol {
                f(i);
            }
        }
    }

    /// The original span `(start, end)` of normalised bytes `start..end`, given the original text.
    pub fn span(&self, start: usize, end: usize, original: &[u8]) -> (usize, usize) {
        let s = self.origin(start);
        let last = self.origin(end - 1);
        (s, last + char_len(original, last))
    }
}

/// Byte length of the character (or invalid byte) at `at`.
fn char_len(text: &[u8], at: usize) -> usize {
    let Some(&b) = text.get(at) else { return 0 };
    let n = match b {
        0x00..=0x7f => 1,
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

struct Writer<'a> {
    out: &'a mut Normalized,
    /// A separator was seen since the last byte written.
    sep: bool,
}

impl Writer<'_> {
    #[inline]
    fn push(&mut self, b: u8, origin: usize) {
        let mark = if self.sep { SEP } else { 0 };
        self.sep = false;
        self.out.bytes.push(b);
        self.out.origin.push(origin as u32 | mark);
    }

    fn push_char(&mut self, c: char, origin: usize) {
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            self.push(b, origin);
        }
    }

    fn last_is_letter(&self) -> bool {
        !self.sep
            && self
                .out
                .bytes
                .last()
                .is_some_and(|b| b.is_ascii_alphabetic())
    }

    /// `valid` starts at original offset `start`; `text`/`base` give access to what follows it.
    fn str(&mut self, valid: &str, start: usize, text: &[u8], base: usize) {
        let bytes = valid.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                match ASCII[b as usize] {
                    Ascii::Letter => {
                        // A run of ASCII letters (most of most texts) is copied in one go.
                        let mut j = i + 1;
                        while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                            j += 1;
                        }
                        let mark = if self.sep { SEP } else { 0 };
                        self.sep = false;
                        let at = (start + i) as u32;
                        self.out
                            .bytes
                            .extend(bytes[i..j].iter().map(u8::to_ascii_lowercase));
                        self.out.origin.push(at | mark);
                        self.out.origin.extend(at + 1..at + (j - i) as u32);
                        i = j;
                        continue;
                    }
                    Ascii::Digit => {
                        // In a run of two or more digits none is leetspeak (each has a digit on one
                        // side): copied in one go, like letters.
                        let mut j = i + 1;
                        while j < bytes.len() && bytes[j].is_ascii_digit() {
                            j += 1;
                        }
                        if j - i >= 2 {
                            let mark = if self.sep { SEP } else { 0 };
                            self.sep = false;
                            let at = (start + i) as u32;
                            self.out.bytes.extend_from_slice(&bytes[i..j]);
                            self.out.origin.push(at | mark);
                            self.out.origin.extend(at + 1..at + (j - i) as u32);
                            i = j;
                            continue;
                        }
                        let next = text.get(start + i + 1 - base).copied();
                        match leet(b) {
                            Some(l)
                                if self.last_is_letter()
                                    && next.is_some_and(|n| n.is_ascii_alphabetic()) =>
                            {
                                self.push(l, start + i)
                            }
                            _ => self.push(b, start + i),
                        }
                    }
                    Ascii::Symbol => {
                        let next = text.get(start + i + 1 - base).copied();
                        if b == b'@'
                            && self.last_is_letter()
                            && next.is_some_and(|n| n.is_ascii_alphabetic())
                        {
                            self.push(b'a', start + i);
                        } else {
                            self.push(b, start + i);
                        }
                    }
                    Ascii::Separator => self.sep = true,
                }
                i += 1;
                continue;
            }
            let Some(c) = valid[i..].chars().next() else {
                break;
            };
            self.fold(c, start + i);
            i += c.len_utf8();
        }
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
                    match ASCII[b as usize] {
                        Ascii::Letter | Ascii::Digit | Ascii::Symbol => self.push(b, origin),
                        Ascii::Separator => self.sep = true,
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

/// Leetspeak digits, read as letters only inside a Latin word. Only 0, 1 and 3: other digits sit
/// between letters in chemical names written without hyphens (`phenethyl4piperidone`).
fn leet(b: u8) -> Option<u8> {
    match b {
        b'0' => Some(b'o'),
        b'1' => Some(b'i'),
        b'3' => Some(b'e'),
        _ => None,
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
mod tests {
    use super::*;

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
