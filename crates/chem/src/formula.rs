//! Molecular formulas in Hill notation (`C13H17NO`).

use std::collections::BTreeMap;
use std::fmt;

/// A parsed molecular formula: element symbol → count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formula(BTreeMap<String, u32>);

/// Why a string is not a molecular formula.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormulaError {
    /// Nothing given.
    #[error("empty formula")]
    Empty,
    /// A character that cannot start an element symbol or a count.
    #[error(
        "unexpected character {ch:?} at byte {at} in formula (expected an element symbol such as C, H, Cl)"
    )]
    BadChar { ch: char, at: usize },
    /// A count too large to be a molecule.
    #[error("count too large at byte {at} in formula")]
    Overflow { at: usize },
}

impl Formula {
    /// Parse a formula of element symbols and counts: `C13H17NO`, `H2SO4`, `KMnO4`, `ClH`.
    /// A `.` or `·` separates components (salts, hydrates), each with an optional leading multiplier
    /// (`C11H16N2.2ClH`); the counts add up.
    pub fn parse(input: &str) -> Result<Formula, FormulaError> {
        if input.trim().is_empty() {
            return Err(FormulaError::Empty);
        }
        let mut map = BTreeMap::new();
        let mut start = 0;
        for (i, ch) in input
            .char_indices()
            .chain(std::iter::once((input.len(), '.')))
        {
            if ch == '.' || ch == '·' {
                let part = &input[start..i];
                let lead = part.len() - part.trim_start().len();
                Self::component(part.trim(), start + lead, &mut map)?;
                start = i + ch.len_utf8();
            }
        }
        Ok(Formula(map))
    }

    fn component(
        s: &str,
        base: usize,
        map: &mut BTreeMap<String, u32>,
    ) -> Result<(), FormulaError> {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let mult = if i == 0 {
            1
        } else {
            s[..i]
                .parse::<u32>()
                .map_err(|_| FormulaError::Overflow { at: base })?
        };
        let mut local: Vec<(String, u32, usize)> = Vec::new();
        while i < bytes.len() {
            let c = bytes[i];
            if !c.is_ascii_uppercase() {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(FormulaError::BadChar { ch, at: base + i });
            }
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_lowercase() {
                i += 1;
            }
            let sym = &s[start..i];
            let num_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let count = if num_start == i {
                1
            } else {
                s[num_start..i]
                    .parse::<u32>()
                    .map_err(|_| FormulaError::Overflow {
                        at: base + num_start,
                    })?
            };
            local.push((sym.to_string(), count, base + num_start));
        }
        for (sym, count, at) in local {
            let total = count
                .checked_mul(mult)
                .ok_or(FormulaError::Overflow { at })?;
            let slot = map.entry(sym).or_insert(0u32);
            *slot = slot
                .checked_add(total)
                .ok_or(FormulaError::Overflow { at })?;
        }
        Ok(())
    }

    /// A formula from element counts (used by structure handling; zero counts are dropped).
    pub(crate) fn from_counts(counts: BTreeMap<String, u32>) -> Formula {
        Formula(counts.into_iter().filter(|(_, n)| *n > 0).collect())
    }

    /// Element counts.
    pub fn counts(&self) -> &BTreeMap<String, u32> {
        &self.0
    }
}

impl fmt::Display for Formula {
    /// Hill order: C, then H, then the rest alphabetically; without carbon, all alphabetically.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut write = |sym: &str, n: u32| -> fmt::Result {
            if n == 1 {
                write!(f, "{sym}")
            } else {
                write!(f, "{sym}{n}")
            }
        };
        let has_c = self.0.contains_key("C");
        if has_c {
            write("C", self.0["C"])?;
            if let Some(h) = self.0.get("H") {
                write("H", *h)?;
            }
        }
        for (sym, n) in &self.0 {
            if has_c && (sym == "C" || sym == "H") {
                continue;
            }
            write(sym, *n)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hill_order() {
        let f = Formula::parse("C13H17NO").expect("valid");
        assert_eq!(f.to_string(), "C13H17NO");
        assert_eq!(Formula::parse("H2SO4").expect("valid").to_string(), "H2O4S");
        assert_eq!(Formula::parse("KMnO4").expect("valid").to_string(), "KMnO4");
        assert_eq!(
            Formula::parse("C11H16N2.2ClH")
                .ok()
                .map(|f| f.counts()["Cl"]),
            Some(2)
        );
    }

    #[test]
    fn errors() {
        assert_eq!(Formula::parse(""), Err(FormulaError::Empty));
        assert!(matches!(
            Formula::parse("c13"),
            Err(FormulaError::BadChar { at: 0, .. })
        ));
        assert!(matches!(
            Formula::parse("C99999999999"),
            Err(FormulaError::Overflow { .. })
        ));
    }
}
