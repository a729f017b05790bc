//! The resolver over the embedded registry must never panic on any UTF-8 query, and every match it
//! returns must point into the registry.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use pw_registry::Registry;
use pw_resolve::Resolver;

static RESOLVER: OnceLock<Resolver> = OnceLock::new();

fn resolver() -> &'static Resolver {
    RESOLVER.get_or_init(|| {
        let registry = Registry::embedded().unwrap_or_else(|e| panic!("embedded registry does not load: {e:?}"));
        Resolver::new(Arc::new(registry))
    })
}

fuzz_target!(|s: &str| {
    let r = resolver();
    match r.resolve(s) {
        Ok(res) => {
            let n = r.registry().substances().len();
            for m in &res.matches {
                assert!(m.substance < n, "match index {} out of range for {s:?}", m.substance);
            }
            assert!(res.suggestions.len() <= 5, "{} suggestions for {s:?}", res.suggestions.len());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
