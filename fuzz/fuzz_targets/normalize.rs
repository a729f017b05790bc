//! Name normalisation must never panic and must be idempotent: `normalize(normalize(x)) == normalize(x)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_registry::names::normalize;

fuzz_target!(|s: &str| {
    let once = normalize(s);
    let twice = normalize(&once);
    if twice != once {
        panic!("normalize is not idempotent on {s:?}: once = {once:?}, twice = {twice:?}");
    }
});
