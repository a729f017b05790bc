//! Salt, hydrate and form words that name the same parent substance.
//!
//! "4-AP dihydrochloride", "ephedrine HCl", "pseudoephedrine sulfate", "ANPP·HCl", "NPP (free base)": a
//! customs declaration names a form, the control lists name the parent "and its salts". [`split`] sets the
//! trailing form words aside so the parent can be looked up, and returns them to be reported.

/// Form words, lower case, as they stand at the end of a name. Multi-word forms first.
const FORMS: &[&str] = &[
    "sodium salt",
    "potassium salt",
    "free base",
    "freebase",
    "hydrochloride",
    "dihydrochloride",
    "monohydrochloride",
    "trihydrochloride",
    "hcl",
    "2hcl",
    "hydrobromide",
    "hbr",
    "hydroiodide",
    "citrate",
    "dihydrogen citrate",
    "tartrate",
    "bitartrate",
    "hemitartrate",
    "sulfate",
    "sulphate",
    "hemisulfate",
    "hemisulphate",
    "bisulfate",
    "phosphate",
    "oxalate",
    "fumarate",
    "maleate",
    "mesylate",
    "tosylate",
    "besylate",
    "nitrate",
    "acetate",
    "salt",
    "base",
    "hydrate",
    "monohydrate",
    "dihydrate",
    "trihydrate",
    "hemihydrate",
    "sesquihydrate",
    "anhydrous",
    "solution",
];

fn is_sep(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '·' | '•' | '.' | ',' | '/' | '(' | ')' | '[' | ']' | '-' | '+' | ';' | ':'
        )
}

/// Split trailing form words off `name`: `"4-AP 2HCl"` → `("4-AP", "2HCl")`.
/// Returns `None` when the name does not end with a form word or nothing would be left.
pub fn split(name: &str) -> Option<(&str, String)> {
    let mut end = name.trim_end_matches(is_sep).len();
    let mut removed: Vec<&str> = Vec::new();
    loop {
        let head = &name[..end];
        let lower = head.to_lowercase();
        // The longest form word that ends `head` at a word boundary.
        let found = FORMS.iter().filter_map(|f| {
            if lower.len() < f.len() || !lower.ends_with(f) {
                return None;
            }
            let start = head.len() - f.len();
            if !head.is_char_boundary(start) || head[start..].to_lowercase() != **f {
                return None;
            }
            let before = head[..start].chars().next_back();
            // A leading multiplier is part of the form: "2HCl", "2 HCl".
            before
                .is_none_or(|c| is_sep(c) || c.is_ascii_digit())
                .then_some(start)
        });
        let Some(mut start) = found.min() else { break };
        // Take a multiplier ("2", "x2") with it.
        while start > 0 && head[..start].ends_with(|c: char| c.is_ascii_digit()) {
            start -= 1;
        }
        removed.push(head[start..].trim());
        end = head[..start].trim_end_matches(is_sep).len();
        if end == 0 {
            return None;
        }
    }
    if removed.is_empty() {
        return None;
    }
    removed.reverse();
    Some((&name[..end], removed.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn forms() {
        assert_eq!(
            split("4-AP dihydrochloride"),
            Some(("4-AP", "dihydrochloride".into()))
        );
        assert_eq!(split("4-AP 2HCl"), Some(("4-AP", "2HCl".into())));
        assert_eq!(split("ANPP·HCl"), Some(("ANPP", "HCl".into())));
        assert_eq!(
            split("ephedrine hydrochloride monohydrate"),
            Some(("ephedrine", "hydrochloride monohydrate".into()))
        );
        assert_eq!(split("NPP (free base)"), Some(("NPP", "free base".into())));
        assert_eq!(
            split("pseudoephedrine sulfate"),
            Some(("pseudoephedrine", "sulfate".into()))
        );
        assert_eq!(split("norfentanyl"), None);
        assert_eq!(split("hydrochloride"), None);
        // "base" inside a word is not a form word.
        assert_eq!(split("database"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = split(&s);
        }
    }
}
