//! "Did you mean …?" over normalised names: a trigram index to find candidates fast, then edit distance.
//!
//! A linear scan with edit distance over every name costs hundreds of microseconds; probing the trigrams of
//! the query touches only names that share some of them, counts shared trigrams in a dense array, and runs
//! a bounded edit distance (which stops as soon as a row exceeds the limit) on the best few. That keeps a
//! not-found lookup in microseconds.

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
        let chars = self
            .keys
            .iter()
            .map(|(k, _, _)| k.chars().collect())
            .collect();
        Index {
            keys: self.keys,
            chars,
            grams,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Index {
    keys: Vec<(String, String, usize)>,
    /// The keys as chars, for the edit distance.
    chars: Vec<Vec<char>>,
    grams: FxHashMap<[char; 3], Vec<u32>>,
}

fn trigrams(key: &str) -> Vec<[char; 3]> {
    let chars: Vec<char> = std::iter::once('^')
        .chain(key.chars())
        .chain(std::iter::once('$'))
        .collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Levenshtein distance, or `None` as soon as it must exceed `limit`.
fn bounded_levenshtein(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

impl Index {
    /// Up to `max` display names, one per substance, closest first.
    pub(crate) fn suggest(&self, key: &str, max: usize) -> Vec<String> {
        if key.is_empty() {
            return vec![];
        }
        let qgrams = trigrams(key);
        let mut counts: Vec<u16> = vec![0; self.keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        for g in &qgrams {
            if let Some(post) = self.grams.get(g) {
                for &k in post {
                    let c = &mut counts[k as usize];
                    if *c == 0 {
                        touched.push(k);
                    }
                    *c = c.saturating_add(1);
                }
            }
        }
        // Keep candidates sharing at least a third of the query's trigrams; rank the best 24 by edit distance.
        let need = (qgrams.len() as u16).div_ceil(3).max(1);
        let mut cands: Vec<(u16, u32)> = touched
            .into_iter()
            .map(|k| (counts[k as usize], k))
            .filter(|&(n, _)| n >= need)
            .collect();
        cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        cands.truncate(24);
        let q: Vec<char> = key.chars().collect();
        let mut scored: Vec<(usize, usize)> = cands
            .into_iter()
            .filter_map(|(_, k)| {
                let cand = &self.chars[k as usize];
                let limit = (q.len().max(cand.len()) / 3).max(2);
                bounded_levenshtein(&q, cand, limit).map(|d| (d, k as usize))
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

#[cfg(test)]
mod tests {
    use super::bounded_levenshtein;

    #[test]
    fn bounded() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(bounded_levenshtein(&c("kitten"), &c("sitting"), 3), Some(3));
        assert_eq!(bounded_levenshtein(&c("kitten"), &c("sitting"), 2), None);
        assert_eq!(bounded_levenshtein(&c(""), &c("ab"), 2), Some(2));
        assert_eq!(
            bounded_levenshtein(&c("norfentanil"), &c("norfentanyl"), 2),
            Some(1)
        );
    }
}
