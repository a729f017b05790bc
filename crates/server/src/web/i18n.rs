//! Message catalogues: every string the web UI shows, per language.
//!
//! One flat TOML file per language (`i18n/en.toml`, `i18n/es.toml`; tables nest keys with dots), embedded
//! in the binary and parsed once. A message may hold `{name}` placeholders ([`super::Ctx::tf`]). A key
//! missing from a language falls back to English, then to the key itself; the tests below make sure that
//! never happens: both catalogues hold the same keys, and every key the code uses exists. Adding a
//! language is one file and one [`Lang`] variant.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Spanish.
    Es,
}

const EN: &str = include_str!("i18n/en.toml");
const ES: &str = include_str!("i18n/es.toml");

type Catalogue = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse(src: &str) -> Catalogue {
    let mut out = Catalogue::new();
    // A broken catalogue is caught by the tests; at run time it degrades to showing keys.
    if let Ok(t) = src.parse::<toml::Table>() {
        flatten("", &t, &mut out);
    }
    out
}

static CATALOGUES: LazyLock<[Catalogue; 2]> = LazyLock::new(|| [parse(EN), parse(ES)]);

impl Lang {
    /// Every language, in the order the language links show them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// `en`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// From a code (`es`, `es-MX`, `EN`).
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The first language of `Accept-Language` the UI has (quality values are in order in practice).
    pub fn from_accept(headers: &HeaderMap) -> Lang {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|part| part.split(';').next())
                    .find_map(Lang::parse)
            })
            .unwrap_or(Lang::En)
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Es => 1,
        }
    }

    /// The message for `key`, if a catalogue has it (this language's, else English).
    pub fn get(self, key: &str) -> Option<&'static str> {
        let cats: &'static [Catalogue; 2] = &CATALOGUES;
        cats[self.index()]
            .get(key)
            .or_else(|| cats[0].get(key))
            .map(String::as_str)
    }

    /// The message for `key` (a key no catalogue has shows as `[?]`; the tests keep that from happening).
    pub fn t(self, key: &str) -> &'static str {
        self.get(key).unwrap_or_else(|| {
            tracing::warn!(key, "message missing from the catalogues");
            "[?]"
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn catalogues_parse_and_hold_the_same_keys() {
        let en: Catalogue = EN
            .parse::<toml::Table>()
            .map(|t| {
                let mut c = Catalogue::new();
                flatten("", &t, &mut c);
                c
            })
            .expect("en.toml parses");
        let es: Catalogue = ES
            .parse::<toml::Table>()
            .map(|t| {
                let mut c = Catalogue::new();
                flatten("", &t, &mut c);
                c
            })
            .expect("es.toml parses");
        let ek: BTreeSet<&String> = en.keys().collect();
        let sk: BTreeSet<&String> = es.keys().collect();
        assert_eq!(
            ek.difference(&sk).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "keys in en.toml missing from es.toml"
        );
        assert_eq!(
            sk.difference(&ek).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "keys in es.toml missing from en.toml"
        );
        // Placeholders match between the languages.
        for (k, v) in &en {
            let ph = |s: &str| -> BTreeSet<String> {
                s.split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                    .collect()
            };
            assert_eq!(ph(v), ph(&es[k]), "placeholders of {k}");
        }
    }

    /// Every literal key the web module asks for (`t("…")`, `tf("…"`) is in the English catalogue.
    #[test]
    fn every_key_used_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut missing = Vec::new();
        let mut used = 0;
        for entry in std::fs::read_dir(dir).expect("src/web") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("source");
            for pat in [".t(\"", ".tf(\""] {
                for (i, _) in src.match_indices(pat) {
                    let rest = &src[i + pat.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let key = &rest[..end];
                    if key.is_empty() || key.contains(' ') || key.contains('{') {
                        continue;
                    }
                    used += 1;
                    if !CATALOGUES[0].contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(used > 100, "only {used} keys found: is the scan broken?");
        assert!(
            missing.is_empty(),
            "keys missing from en.toml: {missing:#?}"
        );
    }

    #[test]
    fn languages_from_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR,es-MX;q=0.8,en;q=0.5".parse().expect("header"),
        );
        assert_eq!(Lang::from_accept(&h), Lang::Es);
        assert_eq!(Lang::from_accept(&HeaderMap::new()), Lang::En);
        assert_eq!(Lang::parse("ES"), Some(Lang::Es));
        assert_eq!(Lang::parse("zz"), None);
        assert_eq!(Lang::Es.t("nav.lookup"), "Consultar");
    }
}
