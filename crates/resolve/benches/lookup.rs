//! In-process lookup latency of [`Resolver::resolve`] over the embedded registry, against a named baseline.
//!
//! Baseline (`linear_scan`): what a lookup costs without the resolver's indexes. Per query it normalises the
//! query once, then walks every substance and normalises and compares every identifier the resolver
//! indexes — preferred name, every `[[name]]`, the IUPAC name, every CAS RN and the InChIKey — collecting
//! all substances that match (an identifier may be ambiguous, so it cannot stop at the first hit). It does
//! *less* than the resolver: no salt/hydrate stripping, no prefix equivalents, no suggestions, no
//! check-digit validation. Every scan costs the same whatever the query, so the ratio is a lower bound on
//! what the indexes save.
//!
//! Run: `cargo bench -p pw-resolve --bench lookup`; medians: `bench/criterion-medians.sh`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pw_registry::Registry;
use pw_registry::names::normalize;
use pw_resolve::Resolver;

/// (id, query, what the resolver must answer: `Some(n)` = at least n matches, `None` = no match).
const CASES: &[(&str, &str, Option<usize>)] = &[
    ("cas", "39742-60-4", Some(1)),
    ("name", "N-Phenethyl-4-piperidone", Some(1)),
    ("abbreviation", "4-AP", Some(1)),
    ("salt", "4-anilinopiperidine dihydrochloride", Some(1)),
    ("inchikey", "YDJXNYNKKXZBMP-UHFFFAOYSA-N", Some(1)),
    ("typo_suggest", "phenethylpiperidon", None),
    ("garbage", "zq!x 7#kw// ~~vvb", None),
];

/// The naive baseline: normalise and compare every registry identifier, for every query.
fn linear_scan(registry: &Registry, query: &str) -> Vec<usize> {
    let q = normalize(query);
    let mut out = Vec::new();
    if q.is_empty() {
        return out;
    }
    for (i, s) in registry.substances().iter().enumerate() {
        let hit = normalize(&s.name) == q
            || s.names.iter().any(|n| normalize(&n.text) == q)
            || s.iupac.as_deref().is_some_and(|n| normalize(n) == q)
            || s.cas.iter().any(|c| normalize(&c.rn) == q)
            || s.inchikey.as_deref().is_some_and(|k| normalize(k) == q);
        if hit {
            out.push(i);
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let registry = Arc::new(Registry::embedded().expect("embedded registry loads"));
    let resolver = Resolver::new(registry.clone());

    // Sanity: the benchmark measures the answers it claims to measure.
    for (id, q, want) in CASES {
        let res = resolver.resolve(q).expect("valid query");
        match want {
            Some(n) => assert!(
                res.matches.len() >= *n,
                "{id}: {q:?} should match, got {res:?}"
            ),
            None => assert!(
                res.matches.is_empty(),
                "{id}: {q:?} should not match, got {res:?}"
            ),
        }
    }
    let typo = resolver.resolve("phenethylpiperidon").expect("valid query");
    assert!(!typo.suggestions.is_empty(), "typo should get suggestions");

    let mut group = c.benchmark_group("lookup");
    for (id, q, _) in CASES {
        group.bench_with_input(BenchmarkId::new("resolver", id), q, |b, q| {
            b.iter(|| resolver.resolve(black_box(q)))
        });
        group.bench_with_input(BenchmarkId::new("linear_scan", id), q, |b, q| {
            b.iter(|| linear_scan(black_box(&registry), black_box(q)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
