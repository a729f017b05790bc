//! CAS RN parsing: `Cas::parse` and `looks_like_cas` must never panic on any UTF-8 input, and a parsed
//! number must round-trip through its canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_chem::{Cas, looks_like_cas};

fuzz_target!(|s: &str| {
    let _ = looks_like_cas(s);
    match Cas::parse(s) {
        Ok(cas) => {
            let canonical = cas.to_string();
            let again = Cas::parse(&canonical).unwrap_or_else(|e| panic!("canonical {canonical:?} of {s:?} does not parse: {e}"));
            assert_eq!(again, cas, "round trip of {s:?} via {canonical:?}");
            assert_eq!(Cas::from_u64(cas.as_u64()).ok(), Some(cas), "from_u64(as_u64) of {s:?}");
        }
        Err(e) => {
            let _ = e.to_string();
            let _ = e.corrected();
        }
    }
});
