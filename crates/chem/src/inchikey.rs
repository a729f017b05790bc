//! Standard InChIKeys.
//!
//! An InChIKey is 27 characters: a 14-letter block hashing the connectivity (the "skeleton"), a hyphen, an
//! 8-letter block hashing stereo, isotopes and the rest, a flag letter `S` (standard) or `N`, the version
//! letter `A`, a hyphen and a protonation letter. Two molecules with the same first block have the same
//! skeleton but may differ in stereochemistry or charge: lookups report such matches as "skeleton" matches.

use std::fmt;

/// A syntactically valid InChIKey, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InchiKey(String);

/// Why a string is not an InChIKey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InchiKeyError {
    /// Wrong overall length.
    #[error("an InChIKey has 27 characters (14-10-1), found {found}")]
    Length { found: usize },
    /// A character out of place.
    #[error("unexpected character {ch:?} at byte {at} of InChIKey: {expected}")]
    BadChar {
        ch: char,
        at: usize,
        expected: &'static str,
    },
}

impl InchiKey {
    /// Parse a full InChIKey (`YDJXNYNKKXZBMP-UHFFFAOYSA-N`); case-insensitive, white space trimmed.
    pub fn parse(input: &str) -> Result<InchiKey, InchiKeyError> {
        let s = input.trim();
        let n = s.chars().count();
        if n != 27 {
            return Err(InchiKeyError::Length { found: n });
        }
        let mut out = String::with_capacity(27);
        for (i, ch) in s.char_indices() {
            let up = ch.to_ascii_uppercase();
            let ok = match i {
                14 | 25 => ch == '-',
                0..=13 | 15..=22 => up.is_ascii_uppercase(),
                23 => up == 'S' || up == 'N',
                24 => up == 'A',
                26 => up.is_ascii_uppercase(),
                _ => false,
            };
            if !ok {
                let expected = match i {
                    14 | 25 => "a hyphen",
                    23 => "S (standard) or N (non-standard)",
                    24 => "the version letter A",
                    _ => "a letter A-Z",
                };
                return Err(InchiKeyError::BadChar {
                    ch,
                    at: i,
                    expected,
                });
            }
            out.push(up);
        }
        Ok(InchiKey(out))
    }

    /// Is `s` a bare first block (14 letters): a skeleton query?
    pub fn is_skeleton(s: &str) -> bool {
        let t = s.trim();
        t.len() == 14 && t.bytes().all(|b| b.is_ascii_alphabetic())
    }

    /// The full key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first block: connectivity without stereo, isotopes or protonation.
    pub fn skeleton(&self) -> &str {
        &self.0[..14]
    }

    /// Is this a standard InChIKey (flag letter `S`)?
    pub fn is_standard(&self) -> bool {
        self.0.as_bytes()[23] == b'S'
    }
}

impl fmt::Display for InchiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_splits() {
        let k = InchiKey::parse("ydjxnynkkxzbmp-uhfffaoysa-n").expect("valid");
        assert_eq!(k.as_str(), "YDJXNYNKKXZBMP-UHFFFAOYSA-N");
        assert_eq!(k.skeleton(), "YDJXNYNKKXZBMP");
        assert!(k.is_standard());
        assert!(InchiKey::is_skeleton("YDJXNYNKKXZBMP"));
    }

    #[test]
    fn errors_locate() {
        assert_eq!(
            InchiKey::parse("ABC"),
            Err(InchiKeyError::Length { found: 3 })
        );
        assert!(matches!(
            InchiKey::parse("YDJXNYNKKXZBMP_UHFFFAOYSA-N"),
            Err(InchiKeyError::BadChar { at: 14, .. })
        ));
        assert!(matches!(
            InchiKey::parse("YDJXNYNKKXZBMP-UHFFFAOYXA-N"),
            Err(InchiKeyError::BadChar { at: 23, .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = InchiKey::parse(&s);
        }
    }
}
