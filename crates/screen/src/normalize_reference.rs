//! The normaliser as it was before the ASCII pass and the edge bits (one branch per byte class, the
//! word edges computed from the bytes and separator marks when asked): the reference that
//! `Normalized::fill` is checked against, byte for byte, origin for origin and edge for edge.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::{homoglyph, is_invisible};

const SEP: u32 = 1 << 31;

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

/// The reference result: normalised bytes, origins with the separator mark.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    pub(crate) bytes: Vec<u8>,
    pub(crate) origin: Vec<u32>,
}

impl Normalized {
    pub(crate) fn fill(text: &[u8], base: usize) -> Normalized {
        let mut out = Normalized::default();
        let mut w = Writer {
            out: &mut out,
            sep: true,
        };
        for chunk in text.utf8_chunks() {
            let valid = chunk.valid();
            let start = valid.as_ptr() as usize - text.as_ptr() as usize + base;
            w.str(valid, start, text, base);
            if !chunk.invalid().is_empty() {
                w.sep = true;
            }
        }
        out
    }

    pub(crate) fn edge(&self, at: usize) -> bool {
        if at == 0 || at >= self.bytes.len() || self.origin[at] & SEP != 0 {
            return true;
        }
        let (a, b) = (self.bytes[at - 1], self.bytes[at]);
        if (0x80..0xc0).contains(&b) {
            return false;
        }
        if a >= 0x80 || b >= 0x80 {
            return true;
        }
        let (ca, cb) = (ASCII[a as usize], ASCII[b as usize]);
        ca != cb || ca == Ascii::Symbol
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
