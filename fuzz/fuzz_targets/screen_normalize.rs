//! The screening normaliser must never panic on any bytes, and its map back to the original must be
//! sound: origins never decrease, and each points at a byte of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_screen::Normalized;

fuzz_target!(|data: &[u8]| {
    let mut n = Normalized::new();
    n.fill(data, 0);
    let mut last = 0;
    for i in 0..n.len() {
        let o = n.origin(i);
        assert!(o < data.len(), "origin {o} outside {} bytes", data.len());
        assert!(o >= last, "origins decrease at {i}: {last} then {o}");
        last = o;
    }
    // Any normalised range maps to an in-bounds, non-empty original span.
    if !n.is_empty() {
        let (s, e) = n.span(0, n.len(), data);
        assert!(s < e && e <= data.len(), "span {s}..{e} of {}", data.len());
    }
});
