//! Quantities with units: `25kg`, `0.5 t`, `500 g`, `200 L`.
//!
//! Masses and volumes are kept apart: a threshold in litres is never compared with a quantity in kilograms,
//! because that needs a density the registry does not hold (the trade check says so instead of guessing).

use std::fmt;
use std::str::FromStr;

/// What a quantity measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Stored in grams.
    Mass,
    /// Stored in millilitres.
    Volume,
}

/// A non-negative amount of a substance, normalised to grams or millilitres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// Amount in the base unit of `dimension` (g or mL).
    pub base: f64,
    /// Mass or volume.
    pub dimension: Dimension,
}

/// Why a string is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Nothing given.
    #[error("empty quantity")]
    Empty,
    /// No number at the start.
    #[error("a quantity starts with a number, as in 25kg or 0.5 t (found {found:?})")]
    NoNumber { found: String },
    /// A number but no unit.
    #[error("quantity {found:?} has no unit: write mg, g, kg, t, mL or L")]
    NoUnit { found: String },
    /// A unit we do not know.
    #[error("unknown unit {unit:?} at byte {at}: write mg, g, kg, t, mL or L")]
    BadUnit { unit: String, at: usize },
    /// Negative amounts are not shipments.
    #[error("quantity must not be negative (found {found:?})")]
    Negative { found: String },
    /// NaN, infinity or absurdly large.
    #[error("quantity {found:?} is not a finite amount below 10^12 t")]
    OutOfRange { found: String },
}

const UNITS: &[(&str, f64, Dimension)] = &[
    ("mg", 1e-3, Dimension::Mass),
    ("g", 1.0, Dimension::Mass),
    ("gram", 1.0, Dimension::Mass),
    ("grams", 1.0, Dimension::Mass),
    ("kg", 1e3, Dimension::Mass),
    ("kgs", 1e3, Dimension::Mass),
    ("kilogram", 1e3, Dimension::Mass),
    ("kilograms", 1e3, Dimension::Mass),
    ("t", 1e6, Dimension::Mass),
    ("tonne", 1e6, Dimension::Mass),
    ("tonnes", 1e6, Dimension::Mass),
    ("ml", 1.0, Dimension::Volume),
    ("l", 1e3, Dimension::Volume),
    ("litre", 1e3, Dimension::Volume),
    ("litres", 1e3, Dimension::Volume),
    ("liter", 1e3, Dimension::Volume),
    ("liters", 1e3, Dimension::Volume),
    ("m3", 1e6, Dimension::Volume),
];

impl Quantity {
    /// Parse `25kg`, `0.5 t`, `500 g`, `200 L`, `1,5 kg` (decimal comma), `0 kg`.
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        let lead = input.len() - input.trim_start().len();
        let num_end = s
            .char_indices()
            .find(|(_, c)| {
                !(c.is_ascii_digit() || *c == '.' || *c == ',' || *c == '-' || *c == '+')
            })
            .map_or(s.len(), |(i, _)| i);
        let number = &s[..num_end];
        if number.is_empty() {
            return Err(QuantityError::NoNumber {
                found: s.to_string(),
            });
        }
        let value: f64 = number
            .replace(',', ".")
            .parse()
            .map_err(|_| QuantityError::NoNumber {
                found: s.to_string(),
            })?;
        if value < 0.0 || number.starts_with('-') {
            return Err(QuantityError::Negative {
                found: s.to_string(),
            });
        }
        let unit_raw = s[num_end..].trim_start();
        if unit_raw.is_empty() {
            return Err(QuantityError::NoUnit {
                found: s.to_string(),
            });
        }
        let unit = unit_raw.to_ascii_lowercase();
        let (_, factor, dimension) =
            UNITS
                .iter()
                .find(|(u, _, _)| *u == unit)
                .ok_or_else(|| QuantityError::BadUnit {
                    unit: unit_raw.to_string(),
                    at: lead + (s.len() - unit_raw.len()),
                })?;
        let base = value * factor;
        if !base.is_finite() || base > 1e18 {
            return Err(QuantityError::OutOfRange {
                found: s.to_string(),
            });
        }
        Ok(Quantity {
            base,
            dimension: *dimension,
        })
    }

    /// Is `self` at or above `threshold`? `None` when they measure different things (mass vs volume).
    pub fn meets(&self, threshold: &Quantity) -> Option<bool> {
        (self.dimension == threshold.dimension).then_some(self.base >= threshold.base)
    }

    /// Is this the "every quantity" threshold?
    pub fn is_zero(&self) -> bool {
        self.base == 0.0
    }
}

impl fmt::Display for Quantity {
    /// The largest unit that keeps the number at or above 1: `25 kg`, `500 g`, `0 kg`, `200 L`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (value, unit) = match self.dimension {
            Dimension::Mass if self.base == 0.0 => (0.0, "kg"),
            Dimension::Mass if self.base >= 1e6 => (self.base / 1e6, "t"),
            Dimension::Mass if self.base >= 1e3 => (self.base / 1e3, "kg"),
            Dimension::Mass if self.base >= 1.0 => (self.base, "g"),
            Dimension::Mass => (self.base * 1e3, "mg"),
            Dimension::Volume if self.base == 0.0 => (0.0, "L"),
            Dimension::Volume if self.base >= 1e3 => (self.base / 1e3, "L"),
            Dimension::Volume => (self.base, "mL"),
        };
        // Up to three decimals, trailing zeros trimmed.
        let mut text = format!("{value:.3}");
        while text.contains('.') && (text.ends_with('0') || text.ends_with('.')) {
            text.pop();
        }
        write!(f, "{text} {unit}")
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let q = |s: &str| Quantity::parse(s).map(|q| q.to_string());
        assert_eq!(q("25kg"), Ok("25 kg".into()));
        assert_eq!(q("0.5 t"), Ok("500 kg".into()));
        assert_eq!(q("500 g"), Ok("500 g".into()));
        assert_eq!(q("200 L"), Ok("200 L".into()));
        assert_eq!(q("1,5 kg"), Ok("1.5 kg".into()));
        assert_eq!(q("0 kg"), Ok("0 kg".into()));
        assert_eq!(q("2 t"), Ok("2 t".into()));
    }

    #[test]
    fn rejects() {
        assert!(matches!(
            Quantity::parse("-5kg"),
            Err(QuantityError::Negative { .. })
        ));
        assert!(matches!(
            Quantity::parse("25"),
            Err(QuantityError::NoUnit { .. })
        ));
        assert!(matches!(
            Quantity::parse("kg"),
            Err(QuantityError::NoNumber { .. })
        ));
        assert!(matches!(
            Quantity::parse("25 parsecs"),
            Err(QuantityError::BadUnit { at: 3, .. })
        ));
        assert!(Quantity::parse("1e400 kg").is_err());
        assert!(matches!(
            Quantity::parse("99999999999999999999999 t"),
            Err(QuantityError::OutOfRange { .. })
        ));
        assert_eq!(Quantity::parse("  "), Err(QuantityError::Empty));
    }

    #[test]
    fn thresholds() {
        let q = Quantity::parse("25 kg").expect("valid");
        assert_eq!(
            q.meets(&Quantity::parse("0 kg").expect("valid")),
            Some(true)
        );
        assert_eq!(
            q.meets(&Quantity::parse("45.8 kg").expect("valid")),
            Some(false)
        );
        assert_eq!(q.meets(&Quantity::parse("50 L").expect("valid")), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Quantity::parse(&s);
        }

        #[test]
        fn parses_what_it_prints(v in 0.0f64..1e9, unit in proptest::sample::select(vec!["mg", "g", "kg", "t", "mL", "L"])) {
            let text = format!("{v:.3} {unit}");
            let q = Quantity::parse(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let again = Quantity::parse(&q.to_string()).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(q.dimension, again.dimension);
            proptest::prop_assert!((q.base - again.base).abs() <= q.base * 1e-3 + 1e-3);
        }
    }
}
