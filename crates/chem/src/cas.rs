//! CAS Registry Numbers.
//!
//! A CAS RN is 2–7 digits, 2 digits and one check digit: `39742-60-4`. The check digit is the sum of every
//! other digit multiplied by its position counted from the right (starting at 1), modulo 10. People write
//! them in many ways (`39742604`, `CAS No. 39742-60-4`, `39742 60 4`, `CAS#39742-60-4`); [`Cas::parse`]
//! accepts those and rejects everything else with a [`CasError`] naming the position of the problem.

use std::fmt;
use std::str::FromStr;

/// A syntactically valid CAS Registry Number with a correct check digit.
///
/// Stored as its digits without separators; [`fmt::Display`] gives the canonical hyphenated form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cas(u64);

/// Why a string is not a CAS Registry Number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CasError {
    /// Nothing that looks like a number was given.
    #[error("empty CAS number")]
    Empty,
    /// A character that cannot be part of a CAS number.
    #[error("unexpected character {ch:?} at byte {at} in CAS number")]
    BadChar { ch: char, at: usize },
    /// Too few or too many digits.
    #[error("a CAS number has 5 to 10 digits, found {found}")]
    Length { found: usize },
    /// Hyphens in the wrong places (a hyphenated CAS number is `NNNNNNN-NN-N`).
    #[error("hyphens misplaced at byte {at}: a CAS number is written NNNNNNN-NN-N")]
    Hyphens { at: usize },
    /// Leading zero in the first group.
    #[error("a CAS number does not start with 0 (byte {at})")]
    LeadingZero { at: usize },
    /// The check digit does not match the other digits.
    #[error("check digit of {written} is {found}, but the other digits give {expected}")]
    CheckDigit {
        /// The number as written (digits and hyphens).
        written: String,
        /// The check digit written.
        found: u8,
        /// The check digit the other digits require.
        expected: u8,
    },
}

impl CasError {
    /// For a check-digit error: the number with the correct check digit.
    pub fn corrected(&self) -> Option<Cas> {
        match self {
            CasError::CheckDigit {
                written, expected, ..
            } => {
                let digits: String = written.chars().filter(char::is_ascii_digit).collect();
                let body = digits.get(..digits.len().saturating_sub(1))?;
                let value = format!("{body}{expected}").parse::<u64>().ok()?;
                Some(Cas(value))
            }
            _ => None,
        }
    }
}

/// Compute the check digit for the digits of a CAS number without its last digit.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| (i as u32 + 1) * u32::from(*d))
        .sum();
    (sum % 10) as u8
}

/// Prefixes people put before the number; matched case-insensitively at the start.
const PREFIXES: &[&str] = &[
    "cas rn",
    "cas-rn",
    "casrn",
    "cas no",
    "cas-no",
    "cas number",
    "cas#",
    "cas",
];

impl Cas {
    /// Parse a CAS number written in any common form.
    ///
    /// Accepted: `39742-60-4`, `39742604`, `39742 60 4`, `CAS 39742-60-4`, `CAS No. 39742-60-4`,
    /// `CAS RN: 39742-60-4`, `CAS#39742-60-4`. Surrounding white space is ignored.
    pub fn parse(input: &str) -> Result<Cas, CasError> {
        let trimmed_start = input.len() - input.trim_start().len();
        let mut rest = input.trim();
        let mut offset = trimmed_start;
        let lower = rest.to_ascii_lowercase();
        for p in PREFIXES {
            if lower.starts_with(p) {
                rest = &rest[p.len()..];
                offset += p.len();
                // Separators after a prefix: ".", ":", "#", white space.
                let after = rest.trim_start_matches(|c: char| {
                    c == '.' || c == ':' || c == '#' || c.is_whitespace()
                });
                offset += rest.len() - after.len();
                rest = after;
                break;
            }
        }
        if rest.is_empty() {
            return Err(CasError::Empty);
        }
        let mut digits: Vec<u8> = Vec::with_capacity(10);
        // Positions (in digit count) after which a separator stood, and the separator kind.
        let mut seps: Vec<(usize, usize, char)> = Vec::new();
        for (i, ch) in rest.char_indices() {
            match ch {
                '0'..='9' => digits.push(ch as u8 - b'0'),
                '-' | ' ' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' => {
                    seps.push((digits.len(), offset + i, ch));
                }
                _ => return Err(CasError::BadChar { ch, at: offset + i }),
            }
        }
        let n = digits.len();
        if !(5..=10).contains(&n) {
            return Err(CasError::Length { found: n });
        }
        if !seps.is_empty() {
            // Separators must stand exactly before the last 3 digits and before the last digit, once each.
            let wanted = [n - 3, n - 1];
            if seps.len() != 2 || seps[0].0 != wanted[0] || seps[1].0 != wanted[1] {
                let bad = seps
                    .iter()
                    .find(|(pos, _, _)| !wanted.contains(pos))
                    .or(seps.get(2))
                    .map_or(offset, |s| s.1);
                return Err(CasError::Hyphens { at: bad });
            }
        }
        if digits[0] == 0 {
            return Err(CasError::LeadingZero { at: offset });
        }
        let expected = check_digit(&digits[..n - 1]);
        let found = digits[n - 1];
        let value = digits.iter().fold(0u64, |acc, d| acc * 10 + u64::from(*d));
        if expected != found {
            return Err(CasError::CheckDigit {
                written: Cas(value).to_string(),
                found,
                expected,
            });
        }
        Ok(Cas(value))
    }

    /// The number as one integer of its digits (`39742604`).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// Build from digits, checking the check digit.
    pub fn from_u64(value: u64) -> Result<Cas, CasError> {
        Cas::parse(&value.to_string())
    }

    /// The check digit.
    pub fn check(self) -> u8 {
        (self.0 % 10) as u8
    }
}

impl fmt::Display for Cas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.to_string();
        let n = s.len();
        write!(f, "{}-{}-{}", &s[..n - 3], &s[n - 3..n - 1], &s[n - 1..])
    }
}

impl FromStr for Cas {
    type Err = CasError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cas::parse(s)
    }
}

impl serde::Serialize for Cas {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cas {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cas::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Does `s` look like someone meant to write a CAS number (digits with optional separators and prefix)?
///
/// Used by resolvers to decide whether a failed parse is "bad input" (a mistyped CAS number) or simply
/// "not a CAS number, try names".
pub fn looks_like_cas(s: &str) -> bool {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let mut rest = t;
    for p in PREFIXES {
        if lower.starts_with(p) {
            rest = t[p.len()..].trim_start_matches(|c: char| {
                c == '.' || c == ':' || c == '#' || c.is_whitespace()
            });
            break;
        }
    }
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    !rest.is_empty()
        && (5..=10).contains(&digits)
        && rest.chars().all(|c| {
            c.is_ascii_digit() || c == '-' || c == ' ' || ('\u{2010}'..='\u{2013}').contains(&c)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_people_write() {
        for s in [
            "39742-60-4",
            "39742604",
            "CAS No. 39742-60-4",
            "39742 60 4",
            "cas#39742-60-4",
            " CAS RN: 39742-60-4 ",
        ] {
            let cas = Cas::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(cas.to_string(), "39742-60-4", "{s}");
        }
    }

    #[test]
    fn water_and_short_numbers() {
        assert_eq!(
            Cas::parse("7732-18-5").map(|c| c.to_string()),
            Ok("7732-18-5".into())
        );
        assert_eq!(
            Cas::parse("50-00-0").map(|c| c.to_string()),
            Ok("50-00-0".into())
        );
    }

    #[test]
    fn wrong_check_digit_names_it() {
        let err = Cas::parse("39742-60-5").unwrap_err();
        assert_eq!(
            err,
            CasError::CheckDigit {
                written: "39742-60-5".into(),
                found: 5,
                expected: 4
            }
        );
        assert_eq!(
            err.corrected().map(|c| c.to_string()),
            Some("39742-60-4".into())
        );
        assert!(err.to_string().contains("check digit"));
    }

    #[test]
    fn garbage_is_located() {
        assert_eq!(
            Cas::parse("39742-6x-4"),
            Err(CasError::BadChar { ch: 'x', at: 7 })
        );
        assert!(matches!(
            Cas::parse("3974-260-4"),
            Err(CasError::Hyphens { .. })
        ));
        assert!(matches!(
            Cas::parse("12"),
            Err(CasError::Length { found: 2 })
        ));
        assert_eq!(Cas::parse(""), Err(CasError::Empty));
        assert_eq!(Cas::parse("CAS"), Err(CasError::Empty));
    }

    #[test]
    fn looks_like() {
        assert!(looks_like_cas("39742-60-5"));
        assert!(looks_like_cas("CAS 39742605"));
        assert!(!looks_like_cas("NPP"));
        assert!(!looks_like_cas("4-AP"));
        assert!(!looks_like_cas("2,5-dimethoxy"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Cas::parse(&s);
            let _ = looks_like_cas(&s);
        }

        #[test]
        fn round_trips(body in 1000u64..=999_999_999u64) {
            let digits: Vec<u8> = body.to_string().bytes().map(|b| b - b'0').collect();
            let value = body * 10 + u64::from(check_digit(&digits));
            let cas = Cas::from_u64(value).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(Cas::parse(&cas.to_string()), Ok(cas));
            proptest::prop_assert_eq!(Cas::parse(&format!("CAS No. {cas}")), Ok(cas));
        }

        #[test]
        fn a_changed_check_digit_is_caught(body in 1000u64..=999_999_999u64, delta in 1u8..10) {
            // The CAS check digit does not catch every single-digit typo in the body (weights 2 and 5 can
            // cancel), but it always catches a wrong check digit.
            let digits: Vec<u8> = body.to_string().bytes().map(|b| b - b'0').collect();
            let check = check_digit(&digits);
            let wrong = body * 10 + u64::from((check + delta) % 10);
            let is_check_digit_error = matches!(Cas::from_u64(wrong), Err(CasError::CheckDigit { .. }));
            proptest::prop_assert!(is_check_digit_error);
        }
    }
}
