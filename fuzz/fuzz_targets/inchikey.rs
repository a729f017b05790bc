//! InChIKey parsing must never panic; a parsed key must round-trip and expose its first block.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_chem::InchiKey;

fuzz_target!(|s: &str| {
    let _ = InchiKey::is_skeleton(s);
    match InchiKey::parse(s) {
        Ok(k) => {
            let again = InchiKey::parse(k.as_str()).unwrap_or_else(|e| panic!("canonical {:?} of {s:?} does not parse: {e}", k.as_str()));
            assert_eq!(again, k);
            assert!(InchiKey::is_skeleton(k.skeleton()), "skeleton {:?} of {s:?}", k.skeleton());
            let _ = k.is_standard();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
