//! Screening any bytes must not panic, every reported span must lie inside the text and hold the text it
//! reports, and the score must stay in [0, 1).
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use pw_screen::{Rules, Scratch, Screener};

fn screener() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| {
        let registry = Arc::new(pw_registry::Registry::embedded().expect("registry"));
        let rules = Rules::embedded().expect("rules");
        let classifier = Arc::new(pw_classify::Classifier::new(registry.clone()).expect("classifier"));
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        Screener::new(&registry, rules, Some(classifier), date).expect("screener")
    })
}

fuzz_target!(|data: &[u8]| {
    let s = screener().screen(data);
    assert!((0.0..1.0).contains(&s.score), "score {}", s.score);
    let spans = s
        .substances
        .iter()
        .map(|h| (h.start, h.end, &h.text))
        .chain(s.red_flags.iter().map(|f| (f.start, f.end, &f.text)))
        .chain(s.cues.iter().map(|c| (c.start, c.end, &c.text)))
        .chain(s.analogues.iter().map(|a| (a.start, a.end, &a.text)));
    for (start, end, text) in spans {
        assert!(start < end && end <= data.len(), "span {start}..{end} of {}", data.len());
        assert_eq!(&String::from_utf8_lossy(&data[start..end]), text);
    }
    // A text already known to be UTF-8 gives the same JSON.
    if let Ok(valid) = std::str::from_utf8(data) {
        let (mut bytes, mut string) = (Vec::new(), Vec::new());
        let mut scratch = Scratch::default();
        screener().screen_json(data, &mut scratch, &mut bytes);
        screener().screen_json_str(valid, &mut scratch, &mut string);
        assert_eq!(bytes, string);
    }
});
