//! Engine tests with small inline rules (the shipped rules are tested by `tests/embedded.rs` and the
//! evaluation set).

use std::sync::{Arc, OnceLock};

use super::*;

const CUES: &str = r#"
[[cue]]
id = "ship-us-mx-ca"
kind = "red_flag"
label = "promises delivery to the US, Mexico or Canada"
strength = "strong"
cite = "FinCEN FIN-2024-A002"
source = "FinCEN FIN-2024-A002"
en = ["safe delivery to usa", "ship to mexico"]
es = ["envío seguro a méxico"]
zh = ["安全送达美国"]

[[cue]]
id = "crypto"
kind = "red_flag"
label = "crypto payment"
strength = "strong"
cite = "FinCEN FIN-2024-A002"
source = "FinCEN FIN-2024-A002"
en = ["usdt", "bitcoin", "btc"]

[[cue]]
id = "cas-only"
kind = "red_flag"
label = "listed by CAS number only"
strength = "moderate"
cite = "INCB"
source = "INCB"
computed = "cas-only"

[[cue]]
id = "mixed-catalogue"
kind = "red_flag"
label = "precursors offered with drugs"
strength = "strong"
cite = "ONDCP 2019"
source = "ONDCP 2019"
computed = "mixed-catalogue"

[[cue]]
id = "price"
kind = "offer"
label = "price"
strength = "moderate"
source = "project vocabulary"
en = ["price", "per kg", "in stock"]
zh = ["价格", "现货"]

[[cue]]
id = "news"
kind = "report"
label = "news or enforcement"
strength = "strong"
source = "project vocabulary"
en = ["seized", "indicted", "arrested"]
"#;

const CONTEXT: &str = r#"
[[term]]
text = "NPP"
substance = "npp"
other_meaning = "nandrolone phenylpropionate (anabolic steroid)"
controlled = ["fentanyl", "piperidone"]
other = ["steroid", "nandrolone", "bodybuilding", "mg/ml", "injectable"]
"#;

fn registry() -> &'static Arc<Registry> {
    static R: OnceLock<Arc<Registry>> = OnceLock::new();
    R.get_or_init(|| Arc::new(Registry::embedded().expect("registry")))
}

fn screener() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| {
        let settings = include_str!("../../../data/screen/screen.toml");
        let rules = Rules::from_strs(CUES, CONTEXT, settings).expect("rules");
        let classifier = Arc::new(Classifier::new(registry().clone()).expect("classifier"));
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        Screener::new(registry(), rules, Some(classifier), date).expect("screener")
    })
}

fn screen(text: &str) -> Screening {
    screener().screen(text.as_bytes())
}

fn ids(s: &Screening) -> Vec<&str> {
    s.substances.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn obfuscated_offer_is_found_with_spans() {
    let text =
        "Hot sale N\u{200b}Р-P (CAS 39742-60-4), price per kg, safe delivery to USA, pay USDT";
    let s = screen(text);
    assert_eq!(s.label, Label::Offer, "{}", s.explanation);
    assert!(ids(&s).iter().all(|&i| i == "npp"), "{:?}", ids(&s));
    let abbr = s
        .substances
        .iter()
        .find(|h| h.matched_by == "abbreviation")
        .expect("abbreviation hit");
    assert_eq!(&text[abbr.start..abbr.end], "N\u{200b}Р-P");
    assert_eq!(abbr.certainty, "certain", "confirmed by the CAS RN");
    let cas = s
        .substances
        .iter()
        .find(|h| h.matched_by == "cas")
        .expect("cas");
    assert_eq!(&text[cas.start..cas.end], "39742-60-4");
    let flags: Vec<&str> = s.red_flags.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(flags, ["ship-us-mx-ca", "crypto"]);
    for f in &s.red_flags {
        assert_eq!(&text[f.start..f.end], f.text);
        assert!(!f.source.is_empty());
    }
    assert!(s.explanation.starts_with("OFFER"), "{}", s.explanation);
    assert!(s.explanation.contains("FinCEN"), "{}", s.explanation);
}

#[test]
fn steroid_npp_is_dismissed_with_the_reason() {
    let s = screen("NPP 100mg/ml injectable, bodybuilding cycle, price per kg");
    assert_eq!(s.label, Label::Benign, "{}", s.explanation);
    assert!(s.substances.is_empty());
    assert_eq!(s.dismissed.len(), 1);
    assert!(
        s.dismissed[0].reason.contains("nandrolone"),
        "{:?}",
        s.dismissed
    );
}

#[test]
fn bare_ambiguous_abbreviation_is_uncertain_not_dropped() {
    let s = screen("we have NPP");
    assert_eq!(s.substances.len(), 1, "{}", s.explanation);
    assert_eq!(s.substances[0].certainty, "uncertain");
    assert!(s.substances[0].reason.contains("can also mean"));
}

#[test]
fn news_quoting_an_ad_is_a_mention() {
    let s = screen(
        "Two executives were indicted and 200 kg of N-phenethyl-4-piperidone seized; the ad promised safe delivery to USA.",
    );
    assert_eq!(s.label, Label::Mention, "{}", s.explanation);
    assert_eq!(ids(&s), ["npp"]);
}

#[test]
fn a_name_inside_a_longer_name_is_not_reported() {
    // "4-piperidone" is inside "N-phenethyl-4-piperidone"; only NPP is named.
    let s = screen("N-phenethyl-4-piperidone 99%");
    assert_eq!(ids(&s), ["npp"], "{}", s.explanation);
}

#[test]
fn cas_only_listing_raises_the_flag() {
    let s = screen("39742-60-4 in stock, price");
    assert!(
        s.red_flags.iter().any(|f| f.id == "cas-only"),
        "{}",
        s.explanation
    );
    let s = screen("NPP 39742-60-4 piperidone in stock");
    assert!(!s.red_flags.iter().any(|f| f.id == "cas-only"));
}

#[test]
fn mixed_catalogue() {
    let s = screen("We sell 1-boc-4-piperidone and fentanyl, price per kg");
    assert!(
        s.red_flags.iter().any(|f| f.id == "mixed-catalogue"),
        "{}",
        s.explanation
    );
}

#[test]
fn two_strong_flags_score_above_one_and_nothing_saturates() {
    let one = screen("ANPP price, safe delivery to USA");
    let two = screen("ANPP price, safe delivery to USA, bitcoin");
    assert!(two.score > one.score, "{} vs {}", two.score, one.score);
    let many = screen(
        "ANPP NPP 4-AP price per kg in stock safe delivery to USA ship to mexico bitcoin usdt 价格 现货",
    );
    assert!(many.score < 1.0 && many.score > two.score);
}

#[test]
fn bulk_solvent_alone_is_benign_but_reported() {
    let s = screen("Acetone 99.5% technical grade, 200 L drum, price per kg");
    assert_eq!(s.label, Label::Benign, "{}", s.explanation);
    assert_eq!(ids(&s), ["acetone"]);
    assert_eq!(s.substances[0].tier, "bulk");
    assert!(s.explanation.contains("not scored"));
}

#[test]
fn spanish_and_chinese_cues() {
    let s = screen("Vendemos ANPP, envío seguro a México");
    assert!(
        s.red_flags.iter().any(|f| f.id == "ship-us-mx-ca"),
        "{}",
        s.explanation
    );
    let s = screen("ANPP 现货 安全送达美国");
    assert_eq!(s.label, Label::Offer, "{}", s.explanation);
}

#[test]
fn misspelling_variant() {
    let s = screen("N-fenethyl-4-piperidon for sale");
    assert_eq!(ids(&s), ["npp"], "{}", s.explanation);
    assert_eq!(s.substances[0].matched_by, "variant");
}

#[test]
fn smiles_in_text_is_classified() {
    // 1-boc-4-AP with a fluorine on the aniline ring: not listed itself, inside the US 4-AP family.
    let text = "new product CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1 in stock";
    let s = screen(text);
    assert_eq!(s.analogues.len(), 1, "{}", s.explanation);
    let a = &s.analogues[0];
    assert_eq!(
        &text[a.start..a.end],
        "CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1"
    );
    assert!(
        a.rules.iter().any(|r| r.starts_with("US:")),
        "{:?}",
        a.rules
    );
    // A listed structure is a substance.
    let s = screen("O=C1CCN(CCc2ccccc2)CC1 price");
    assert_eq!(ids(&s), ["npp"]);
    assert_eq!(s.substances[0].matched_by, "smiles");
}

#[test]
fn long_texts_are_screened_in_windows_with_exact_offsets() {
    let filler = "lorem ipsum dolor ".repeat(70_000); // ~1.2 MB
    let mut text = filler.clone();
    let at1 = text.len();
    text.push_str(" ANPP ");
    // Put a name across the 1 MiB window edge.
    let mut t2 = String::new();
    let edge = WINDOW - 3;
    t2.push_str(&"x ".repeat(edge / 2));
    let at2 = t2.len();
    t2.push_str("N-phenethyl-4-piperidone and more");
    for (t, at, id) in [(&text, at1 + 1, "anpp"), (&t2, at2, "npp")] {
        let s = screen(t);
        let hits: Vec<_> = s.substances.iter().filter(|h| h.id == id).collect();
        assert_eq!(hits.len(), 1, "{id}: {:?}", s.substances);
        assert_eq!(hits[0].start, at);
    }
}

#[test]
fn garbage_does_not_panic() {
    for t in [
        &b""[..],
        b"\xff\xfe\xfd",
        b"\x00\x01\x02NPP\x00",
        "\u{200b}\u{200b}".as_bytes(),
        "((((((((((((((((((((((((((((((((((((((((((((".as_bytes(),
        b"C1CCCCC1C1CCCCC1C1CCCCC1(=O)[[[[[",
    ] {
        let _ = screener().screen(t);
    }
}

#[test]
fn bad_rules_are_rejected_with_file_and_record() {
    let settings = include_str!("../../../data/screen/screen.toml");
    let bad = "[[cue]]\nid = \"x\"\nkind = \"red_flag\"\nlabel = \"x\"\nstrength = \"strong\"\nen = [\"a\"]\n";
    let e = Rules::from_strs(bad, "", settings).expect_err("no source");
    assert_eq!(e[0].file, "cues.toml");
    assert!(e.iter().any(|x| x.message.contains("source")), "{e:?}");
    let e = Rules::from_strs("[[cue]]\nid = 1\n", "", settings).expect_err("type");
    assert!(e[0].message.contains("id"), "{e:?}");
    let ctx =
        "[[term]]\ntext = \"X\"\nsubstance = \"no-such\"\nother_meaning = \"y\"\nother = [\"z\"]\n";
    let rules = Rules::from_strs("", ctx, settings).expect("parses");
    let r = Screener::new(registry(), rules, None, NaiveDate::MIN);
    assert!(matches!(r, Err(BuildError::Rules(_))));
}

proptest::proptest! {
    /// Whatever the text, every span lies inside it and holds the text reported, origins never
    /// decrease, and the score stays in [0, 1).
    #[test]
    fn spans_are_sound(parts in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::string::string_regex("[ -~]{0,12}").expect("regex"),
            proptest::strategy::Just("NPP".to_string()),
            proptest::strategy::Just("39742-60-4".to_string()),
            proptest::strategy::Just("\u{200b}".to_string()),
            proptest::strategy::Just("Р".to_string()),
            proptest::strategy::Just("安全送达美国".to_string()),
            proptest::strategy::Just("é".to_string()),
            proptest::strategy::Just("safe delivery to USA".to_string()),
        ], 0..12), junk in proptest::collection::vec(proptest::num::u8::ANY, 0..4)) {
        let mut bytes = parts.concat().into_bytes();
        bytes.extend(junk);
        let mut n = Normalized::new();
        n.fill(&bytes, 0);
        for i in 1..n.len() {
            proptest::prop_assert!(n.origin(i) >= n.origin(i - 1));
            proptest::prop_assert!(n.origin(i) < bytes.len());
        }
        let s = screener().screen(&bytes);
        proptest::prop_assert!((0.0..1.0).contains(&s.score));
        for (a, b, t) in s.substances.iter().map(|h| (h.start, h.end, &h.text))
            .chain(s.red_flags.iter().map(|f| (f.start, f.end, &f.text)))
            .chain(s.cues.iter().map(|c| (c.start, c.end, &c.text))) {
            proptest::prop_assert!(a < b && b <= bytes.len());
            proptest::prop_assert_eq!(&String::from_utf8_lossy(&bytes[a..b]), t);
        }
    }
}

#[test]
fn quoted_ranges_keep_original_offsets_around_invalid_bytes() {
    let text = b"\xff\xfe said \"NPP safe delivery\" ok";
    let q = quoted_ranges(text);
    assert_eq!(q.len(), 1);
    assert_eq!(&text[q[0].0..q[0].1], b"\"NPP safe delivery\"");
    assert_eq!(char_before("a哌".as_bytes(), 4), Some('哌'));
    assert_eq!(char_after("哌b".as_bytes(), 0), Some('哌'));
    assert_eq!(char_after(b"\xff", 0), None);
}

/// The search that the anchored walks replaced: an unanchored overlapping Aho–Corasick pass over each
/// normalised window, keeping the matches at word edges. The reference for `collect`.
fn reference_hits(s: &Screener, text: &[u8]) -> Vec<(u32, usize, usize)> {
    use aho_corasick::{AhoCorasick, MatchKind};
    static REF: OnceLock<Vec<(AhoCorasick, Vec<usize>)>> = OnceLock::new();
    assert!(std::ptr::eq(s, shipped_screener()));
    let acs = REF.get_or_init(|| {
        let (ascii, other): (Vec<usize>, Vec<usize>) =
            (0..s.patterns.len()).partition(|&i| s.patterns[i].is_ascii());
        [ascii, other]
            .into_iter()
            .filter(|ids| !ids.is_empty())
            .map(|ids| {
                let pats: Vec<&str> = ids.iter().map(|&i| s.patterns[i].as_str()).collect();
                let ac = AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&pats)
                    .expect("automaton");
                (ac, ids)
            })
            .collect()
    });
    let mut hits = Vec::new();
    let mut n = Normalized::new();
    let mut from = 0usize;
    loop {
        let owned_end = (from + WINDOW).min(text.len());
        let ws = char_floor(text, from.saturating_sub(OVERLAP));
        let we = char_ceil(text, (owned_end + OVERLAP).min(text.len()));
        n.fill(&text[ws..we], ws);
        let non_ascii = !n.bytes.is_ascii();
        for (ac, ids) in acs.iter().take(if non_ascii { 2 } else { 1 }) {
            for m in ac.find_overlapping_iter(&n.bytes) {
                if !n.at_edges(m.start(), m.end()) {
                    continue;
                }
                let (s, e) = n.span(m.start(), m.end(), text);
                if s < from || (s >= owned_end && owned_end < text.len()) {
                    continue;
                }
                hits.push((ids[m.pattern().as_usize()] as u32, s, e));
            }
        }
        if owned_end >= text.len() {
            break;
        }
        from = owned_end;
    }
    hits
}

fn shipped_screener() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| {
        let rules = Rules::embedded().expect("rules");
        let classifier = Arc::new(Classifier::new(registry().clone()).expect("classifier"));
        let date = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        Screener::new(registry(), rules, Some(classifier), date).expect("screener")
    })
}

fn assert_same_hits(s: &Screener, text: &[u8]) {
    let mut scratch = Scratch::default();
    s.collect(text, None, &mut scratch, false);
    let got: Vec<(u32, usize, usize)> = scratch
        .hits
        .iter()
        .map(|h| (h.pattern, h.start, h.end))
        .collect();
    let want = reference_hits(s, text);
    // A text known to be UTF-8 is read the same way.
    if let Ok(valid) = std::str::from_utf8(text) {
        s.collect(text, Some(valid), &mut scratch, false);
        let again: Vec<(u32, usize, usize)> = scratch
            .hits
            .iter()
            .map(|h| (h.pattern, h.start, h.end))
            .collect();
        assert_eq!(again, got, "hits of the same text as UTF-8 differ");
    }
    assert_eq!(
        got,
        want,
        "hits differ on {:?}",
        String::from_utf8_lossy(&text[..text.len().min(300)])
    );
}

/// Every normalised pattern of the shipped rules, alone, glued and spaced, gives the same hits as
/// the unanchored search, in the same order; and so does every text of the development set.
#[test]
fn anchored_walks_find_what_the_unanchored_search_finds() {
    let s = shipped_screener();
    let set = include_str!("../../../eval/listings.jsonl");
    for line in set.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("eval line");
        let t = v["text"].as_str().expect("text");
        assert_same_hits(s, t.as_bytes());
        assert_same_hits(s, t.to_uppercase().as_bytes());
    }
    for (i, p) in s.patterns.iter().enumerate() {
        let next = &s.patterns[(i * 7 + 3) % s.patterns.len()];
        for t in [
            p.clone(),
            format!("x{p}"),
            format!("{p}x"),
            format!("1{p}2"),
            format!("{p}{next}"),
            format!("{p} {next}"),
            format!("@{p}%{next}$"),
            format!("буy {p}, {next}!"),
            format!("安全{p}送达{next}"),
        ] {
            assert_same_hits(s, t.as_bytes());
        }
    }
}

proptest::proptest! {
    /// Random texts built from pieces of patterns, word edges, digits, symbols, non-Latin letters and
    /// invalid bytes: the anchored walks give the unanchored search's hits, in its order.
    #[test]
    fn anchored_walks_match_the_reference(
        parts in proptest::collection::vec((0usize..100_000, 0usize..4, proptest::prop_oneof![
            proptest::string::string_regex("[ -~]{0,6}").expect("regex"),
            proptest::strategy::Just(" ".to_string()),
            proptest::strategy::Just("-".to_string()),
            proptest::strategy::Just("1".to_string()),
            proptest::strategy::Just("0".to_string()),
            proptest::strategy::Just("%".to_string()),
            proptest::strategy::Just("@".to_string()),
            proptest::strategy::Just("\u{200b}".to_string()),
            proptest::strategy::Just("Р".to_string()),
            proptest::strategy::Just("α".to_string()),
            proptest::strategy::Just("安全".to_string()),
            proptest::strategy::Just("é".to_string()),
            proptest::strategy::Just("\"".to_string()),
        ]), 0..16),
        junk in proptest::collection::vec(proptest::num::u8::ANY, 0..3),
    ) {
        let s = shipped_screener();
        let mut text = Vec::new();
        for (pick, cut, glue) in parts {
            let p = &s.patterns[pick % s.patterns.len()];
            // A pattern, sometimes cut short, sometimes in upper case, then some glue.
            let mut end = p.len().saturating_sub(cut % 2);
            while !p.is_char_boundary(end) {
                end -= 1;
            }
            if cut == 3 {
                text.extend_from_slice(p[..end].to_uppercase().as_bytes());
            } else {
                text.extend_from_slice(&p.as_bytes()[..end]);
            }
            text.extend_from_slice(glue.as_bytes());
        }
        text.extend(junk);
        let mut scratch = Scratch::default();
        s.collect(&text, std::str::from_utf8(&text).ok(), &mut scratch, false);
        let got: Vec<(u32, usize, usize)> =
            scratch.hits.iter().map(|h| (h.pattern, h.start, h.end)).collect();
        proptest::prop_assert_eq!(got, reference_hits(s, &text));
    }
}

#[test]
fn anchored_walks_across_windows() {
    let s = shipped_screener();
    let mut t = "x ".repeat((WINDOW - 10) / 2);
    t.push_str("N-phenethyl-4-piperidone NPP 4-AP ship to usa 安全送达美国 and more ");
    t.push_str(&"lorem ipsum ".repeat(500));
    assert_same_hits(s, t.as_bytes());
}

proptest::proptest! {
    /// The lookup by first bytes offers every pattern that a text starts with, whatever follows it.
    #[test]
    fn lookup_offers_every_pattern_at_its_start(pick in 0usize..100_000, tail in proptest::collection::vec(proptest::num::u8::ANY, 0..14)) {
        let s = shipped_screener();
        let p = &s.patterns[pick % s.patterns.len()];
        let pid = s.engine.pid_of(p.as_bytes()).expect("pattern in the engine");
        let mut w = p.as_bytes().to_vec();
        w.extend(tail);
        proptest::prop_assert!(s.engine.prefixes_of(&w).contains(&pid));
    }
}

/// Every pattern, followed by anything or nothing, is offered by the lookup (the exhaustive form of
/// the property above, over the shipped patterns), and nothing it offers is not a prefix of the text.
#[test]
fn lookup_offers_every_pattern_and_only_prefixes() {
    let s = shipped_screener();
    for p in &s.patterns {
        let pid = s
            .engine
            .pid_of(p.as_bytes())
            .expect("pattern in the engine");
        for tail in [
            &b""[..],
            b"x",
            b" 1",
            b"\xff\xfe\xfd\xfc",
            b"abcdefghijklmnop",
        ] {
            let mut w = p.as_bytes().to_vec();
            w.extend_from_slice(tail);
            let offered = s.engine.prefixes_of(&w);
            assert!(offered.contains(&pid), "{p:?}");
            for o in offered {
                let i = s.engine.ids[o as usize] as usize;
                assert!(
                    w.starts_with(s.patterns[i].as_bytes()),
                    "{p:?} offers {:?}",
                    s.patterns[i]
                );
            }
        }
    }
}

fn assert_same_json(s: &Screener, text: &[u8]) {
    let mut scratch = Scratch::default();
    let mut got = b"{".to_vec();
    let label = s.screen_json(text, &mut scratch, &mut got);
    let screening = s.screen(text);
    let want = serde_json::to_vec(&screening).expect("json");
    assert_eq!(label, screening.label);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want),
        "on {:?}",
        String::from_utf8_lossy(text)
    );
}

/// `screen_json` writes the bytes of the serialised `Screening`, on the development set and on
/// catalogue-like texts with red flags, offer and reporting cues, quantities and odd bytes.
#[test]
fn screen_json_is_the_serialised_screening() {
    let s = shipped_screener();
    let set = include_str!("../../../eval/listings.jsonl");
    for line in set.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("eval line");
        assert_same_json(s, v["text"].as_str().expect("text").as_bytes());
    }
    for t in [
        &b""[..],
        b"Sodium chloride 25 kg bags, food grade, WhatsApp +86 123, Telegram @x, price negotiable",
        "Xylene CAS 1330-20-7\nPurity: 99%\nMOQ: 1 drum\nPayment: T/T, BTC, USDT\nWickr me \"now\""
            .as_bytes(),
        b"\xff\xfe WhatsApp \xfd Telegram news: seized and indicted, ship to usa, 100 kg",
        "安全送达美国 发往墨西哥 价格 微信 \u{200b}WhatsApp".as_bytes(),
        b"C1CCCCC1 (=O) lorem",
    ] {
        assert_same_json(s, t);
    }
}

proptest::proptest! {
    /// The same on random mixtures of cue phrases, names, quotes, digits and junk.
    #[test]
    fn screen_json_matches_serde(
        parts in proptest::collection::vec((0usize..100_000, proptest::prop_oneof![
            proptest::string::string_regex("[ -~]{0,6}").expect("regex"),
            proptest::strategy::Just(" ".to_string()),
            proptest::strategy::Just(" 25 kg ".to_string()),
            proptest::strategy::Just(" 99% ".to_string()),
            proptest::strategy::Just("\"".to_string()),
            proptest::strategy::Just("\u{200b}".to_string()),
            proptest::strategy::Just("安全".to_string()),
            proptest::strategy::Just("\n\t\\".to_string()),
        ]), 0..10),
        junk in proptest::collection::vec(proptest::num::u8::ANY, 0..3),
    ) {
        let s = shipped_screener();
        let mut text = Vec::new();
        for (pick, glue) in parts {
            text.extend_from_slice(s.patterns[pick % s.patterns.len()].as_bytes());
            text.extend_from_slice(glue.as_bytes());
        }
        text.extend(junk);
        assert_same_json(s, &text);
    }
}

#[test]
fn score_and_debug_texts_are_those_of_format() {
    for k in 0..=1000 {
        let score = f64::from(k) / 1000.0;
        let mut out = String::new();
        push_score(&mut out, score);
        assert_eq!(out, format!("{score:.2}"), "score {score}");
    }
    for score in [0.0001, 0.12345, 0.995, 1.5, -0.25, -0.0, f64::NAN] {
        let mut out = String::new();
        push_score(&mut out, score);
        assert_eq!(out, format!("{score:.2}"), "score {score}");
    }
    // The JSON of a score: serde_json's bytes.
    let odd = [
        0.0001,
        0.12345,
        0.995,
        1.5,
        -0.25,
        -0.0,
        f64::NAN,
        f64::INFINITY,
    ];
    for score in (0..=1000).map(|k| f64::from(k) / 1000.0).chain(odd) {
        let mut out = Vec::new();
        write_score_json(&mut out, score);
        assert_eq!(
            out,
            serde_json::to_vec(&score).expect("json"),
            "score {score}"
        );
    }
    for t in [
        "USDT",
        "safe \"delivery\"",
        "a\\b",
        "tab\there",
        "Envío",
        "安全",
        "\u{200b}x",
        "it's",
        "",
    ] {
        let mut out = String::new();
        push_debug(&mut out, t);
        assert_eq!(out, format!("{t:?}"));
    }
    // Every character written as it is, alone and between others.
    for c in (0..=0x10ffffu32)
        .filter_map(char::from_u32)
        .filter(|&c| debug_as_is(c))
    {
        for t in [c.to_string(), format!("a{c}安{c}")] {
            let mut out = String::new();
            push_debug(&mut out, &t);
            assert_eq!(out, format!("{t:?}"), "U+{:04X}", u32::from(c));
        }
    }
}

proptest::proptest! {
    /// The eight-at-a-time digit search finds what a byte-by-byte one does, whatever the bytes
    /// (UTF-8 beyond ASCII, bytes just outside `0..=9`) and wherever it starts.
    #[test]
    fn next_digit_is_the_first_digit(
        bytes in proptest::collection::vec(proptest::prop_oneof![
            proptest::num::u8::ANY,
            proptest::sample::select(vec![b'/', b'0', b'9', b':', 0xb0, 0xb9, 0xaf, 0xba]),
        ], 0..40),
        from in 0usize..48,
    ) {
        let want = bytes
            .get(from..)
            .and_then(|b| b.iter().position(u8::is_ascii_digit))
            .map(|d| from + d);
        proptest::prop_assert_eq!(next_digit(&bytes, from), want);
    }
}
