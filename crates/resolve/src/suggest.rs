//! "Did you mean …?" over normalised names: a trigram index to find candidates fast, then edit distance.
//!
//! A linear scan with edit distance over every name costs hundreds of microseconds; probing the trigrams of
//! the query touches only names that share some of them, which keeps a not-found lookup in microseconds.

use rustc_hash::FxHashMap;

#[derive(Debug, Default)]
pub(crate) struct Builder {
    keys: Vec<(String, String, usize)>,
}

impl Builder {
    pub(crate) fn add(&mut self, key: &str, display: &str, substance: usize) {
        self.keys
            .push((key.to_string(), display.to_string(), substance));
    }

    pub(crate) fn build(mut self) -> Index {
        self.keys.sort();
        self.keys.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
        let mut grams: FxHashMap<[char; 3], Vec<u32>> = FxHashMap::default();
        for (i, (key, _, _)) in self.keys.iter().enumerate() {
            let mut seen = trigrams(key);
            seen.sort();
            seen.dedup();
            for g in seen {
                grams.entry(g).or_default().push(i as u32);
            }
        }
        Index {
            keys: self.keys,
            grams,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Index {
    keys: Vec<(String, String, usize)>,
    grams: FxHashMap<[char; 3], Vec<u32>>,
}

fn trigrams(key: &str) -> Vec<[char; 3]> {
    let chars: Vec<char> = std::iter::once('^')
        .chain(key.chars())
        .chain(std::iter::once('$'))
        .collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

impl Index {
    /// Up to `max` display names, one per substance, closest first.
    pub(crate) fn suggest(&self, key: &str, max: usize) -> Vec<String> {
        if key.is_empty() {
            return vec![];
        }
        let qgrams = trigrams(key);
        let mut shared: FxHashMap<u32, u32> = FxHashMap::default();
        for g in &qgrams {
            if let Some(post) = self.grams.get(g) {
                for &k in post {
                    *shared.entry(k).or_default() += 1;
                }
            }
        }
        // Keep candidates sharing at least a third of the query's trigrams; rank the best 32 by edit distance.
        let need = (qgrams.len() as u32).div_ceil(3).max(1);
        let mut cands: Vec<(u32, u32)> = shared.into_iter().filter(|&(_, n)| n >= need).collect();
        cands.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        cands.truncate(32);
        let qlen = key.chars().count();
        let mut scored: Vec<(usize, usize)> = cands
            .into_iter()
            .filter_map(|(k, _)| {
                let (cand, _, _) = &self.keys[k as usize];
                let d = strsim::levenshtein(key, cand);
                let limit = (qlen.max(cand.chars().count()) / 3).max(2);
                (d <= limit).then_some((d, k as usize))
            })
            .collect();
        scored.sort_unstable();
        let mut out: Vec<String> = Vec::new();
        let mut substances: Vec<usize> = Vec::new();
        for (_, k) in scored {
            let (_, display, s) = &self.keys[k];
            if substances.contains(s) {
                continue;
            }
            substances.push(*s);
            out.push(display.clone());
            if out.len() == max {
                break;
            }
        }
        out
    }
}
