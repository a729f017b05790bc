//! Name normalisation: the one definition of "the same name" that lookup, validation and screening share.
//!
//! People write chemical names in many ways: `N-Phenethyl-4-piperidone`, `n-phenethyl 4 piperidone`,
//! `Ｎ－ｐｈｅｎｅｔｈｙｌ…` (full-width), `α-PVP` / `alpha-PVP`. [`normalize`] maps all of those to one key:
//! Unicode NFKC, lower case, Greek letters spelled out, and every character that is not a letter or a digit
//! dropped. Dropping punctuation loses locant commas (`2,5` and `25` meet), which is acceptable for a key
//! that is always checked against a curated list, never used to build a structure.

use unicode_normalization::UnicodeNormalization;

/// Greek letters (lower case, after NFKC) and their spelled forms, as chemists write them.
const GREEK: &[(char, &str)] = &[
    ('α', "alpha"),
    ('β', "beta"),
    ('γ', "gamma"),
    ('δ', "delta"),
    ('ε', "epsilon"),
    ('ζ', "zeta"),
    ('η', "eta"),
    ('θ', "theta"),
    ('κ', "kappa"),
    ('λ', "lambda"),
    ('μ', "mu"),
    ('ν', "nu"),
    ('ξ', "xi"),
    ('π', "pi"),
    ('ρ', "rho"),
    ('σ', "sigma"),
    ('ς', "sigma"),
    ('τ', "tau"),
    ('φ', "phi"),
    ('χ', "chi"),
    ('ψ', "psi"),
    ('ω', "omega"),
];

/// The spelled form of a lower-case Greek letter (`α` → `alpha`), as chemists write it in names.
pub fn spell_greek(c: char) -> Option<&'static str> {
    GREEK.iter().find(|(g, _)| *g == c).map(|(_, s)| *s)
}

/// Normalise a name to its lookup key. Idempotent: `normalize(normalize(x)) == normalize(x)`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.nfkc() {
        for lower in ch.to_lowercase() {
            if let Some((_, spelled)) = GREEK.iter().find(|(g, _)| *g == lower) {
                out.push_str(spelled);
            } else if lower.is_alphanumeric() {
                out.push(lower);
            }
        }
    }
    // Dropping punctuation can bring combining marks next to new neighbours: compose once more so that the
    // key is itself normalised (and `normalize` idempotent).
    if out.is_ascii() {
        out
    } else {
        out.nfkc().flat_map(char::to_lowercase).collect()
    }
}

/// Positional prefixes that the registry may declare equivalent for a substance (`N-` and `1-` for a
/// piperidine nitrogen). Returns the name with `from` at its start replaced by `to`, if it starts with it.
pub fn swap_prefix(name: &str, from: &str, to: &str) -> Option<String> {
    let trimmed = name.trim_start();
    let head = trimmed.get(..from.len())?;
    head.eq_ignore_ascii_case(from)
        .then(|| format!("{to}{}", &trimmed[from.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key() {
        let k = normalize("N-Phenethyl-4-piperidone");
        assert_eq!(k, "nphenethyl4piperidone");
        assert_eq!(normalize("n-phenethyl 4 piperidone"), k);
        assert_eq!(
            normalize("Ｎ－ｐｈｅｎｅｔｈｙｌ－４－ｐｉｐｅｒｉｄｏｎｅ"),
            k
        );
        assert_eq!(normalize("α-PVP"), normalize("alpha-PVP"));
        assert_eq!(normalize("N-苯乙基-4-哌啶酮"), "n苯乙基4哌啶酮");
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            swap_prefix("N-phenethyl-4-piperidone", "N-", "1-").as_deref(),
            Some("1-phenethyl-4-piperidone")
        );
        assert_eq!(swap_prefix("4-piperidone", "N-", "1-"), None);
    }

    proptest::proptest! {
        #[test]
        fn idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s);
            proptest::prop_assert_eq!(normalize(&once), once);
        }
    }
}
