//! The IUPAC InChI library runs without a lock (see `warm_up_inchi` in `structure.rs`). This test starts
//! cold, in its own process, computes every fixture key on several threads at once, several rounds, and
//! requires each key to equal the one computed alone on one thread. A data race in the C library's
//! statics shows up here as a differing key or a crash.

use std::thread;

use pw_chem::Structure;

const STRUCTURES: &str = include_str!("fixtures/structures.smi");

fn smiles() -> Vec<&'static str> {
    STRUCTURES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

fn key(smiles: &str) -> Option<String> {
    let s = Structure::from_smiles(smiles).ok()?;
    s.inchikey().ok().map(|k| k.to_string())
}

#[test]
fn parallel_keys_equal_sequential_keys() {
    let all = smiles();
    assert!(all.len() > 300, "fixture has {} structures", all.len());
    // Cold start: four threads race from the first call.
    let parallel: Vec<Vec<Option<String>>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let all = &all;
                scope.spawn(move || {
                    // Each thread walks the list from a different start, three times.
                    let n = all.len();
                    let mut out = vec![None; n];
                    for round in 0..3 {
                        for i in 0..n {
                            let j = (i + t * n / 4 + round * 7) % n;
                            let k = key(all[j]);
                            if round == 0 {
                                out[j] = k;
                            } else {
                                assert_eq!(out[j], k, "thread {t} round {round}: {}", all[j]);
                            }
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread panicked"))
            .collect()
    });
    let sequential: Vec<Option<String>> = all.iter().map(|s| key(s)).collect();
    let computed = sequential.iter().filter(|k| k.is_some()).count();
    assert!(computed > 300, "only {computed} keys computed");
    for (t, keys) in parallel.iter().enumerate() {
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(k, &sequential[i], "thread {t} differs on {}", all[i]);
        }
    }
}
