//! Quantity parsing must never panic; an accepted quantity is finite, non-negative and in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_registry::Quantity;

fuzz_target!(|s: &str| {
    match Quantity::parse(s) {
        Ok(q) => {
            assert!(q.base.is_finite() && q.base >= 0.0 && q.base <= 1e18, "{s:?} parsed to {q:?}");
            let _ = q.meets(&q);
            let _ = q.is_zero();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
