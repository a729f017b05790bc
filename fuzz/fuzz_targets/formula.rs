//! Molecular formula parsing must never panic (including on huge counts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_chem::Formula;

fuzz_target!(|s: &str| {
    match Formula::parse(s) {
        Ok(f) => {
            let _ = f.counts().len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
