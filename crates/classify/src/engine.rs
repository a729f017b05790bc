//! Matching one class rule: core matches, substituents per site, replacements.

use pw_chem::{Pattern, Structure, StructureError};
use pw_registry::{ClassRule, SubstituentKind};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::substituent::{Fragment, accepts, acetal_pair, describe};

/// A rule whose SMARTS does not compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("class rule {rule}: {what}: {error}")]
pub struct CompileError {
    /// Rule id.
    pub rule: String,
    /// Which pattern.
    pub what: String,
    /// The parser's message.
    pub error: StructureError,
}

/// One modification found in a matched structure.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Modification {
    /// `substituent` or `replacement`.
    pub kind: String,
    /// What was found (`halogen`, `carbamate`, `replacement`).
    pub found: String,
    /// Atoms of the parent structure involved.
    pub atoms: Vec<usize>,
    /// The words of the law that allow it.
    pub wording: String,
}

pub(crate) struct CompiledCore {
    id: String,
    pattern: Pattern,
    /// Query atom index → map number.
    maps: Vec<Option<u32>>,
}

pub(crate) struct CompiledRule {
    pub index: usize,
    cores: Vec<CompiledCore>,
    /// Map number → site index.
    site_of: FxHashMap<u32, usize>,
    replacements: Vec<(Pattern, Vec<u32>, String)>,
    sites: Vec<(Vec<SubstituentKind>, String, bool, Vec<u32>)>,
}

pub(crate) struct Hit {
    pub core_id: String,
    pub core_atoms: Vec<usize>,
    pub modifications: Vec<Modification>,
}

impl CompiledRule {
    pub fn compile(index: usize, r: &ClassRule) -> Result<CompiledRule, CompileError> {
        let err = |what: String, error| CompileError {
            rule: r.id.clone(),
            what,
            error,
        };
        let mut cores = Vec::new();
        for c in &r.cores {
            let pattern = Pattern::new(&c.smarts).map_err(|e| err(format!("core {}", c.id), e))?;
            let maps = pattern.map_numbers();
            cores.push(CompiledCore {
                id: c.id.clone(),
                pattern,
                maps,
            });
        }
        let mut site_of = FxHashMap::default();
        let mut sites = Vec::new();
        for (i, s) in r.sites.iter().enumerate() {
            for &a in &s.atoms {
                site_of.insert(a, i);
            }
            sites.push((
                s.allowed.clone(),
                s.wording.clone(),
                s.required,
                s.atoms.clone(),
            ));
        }
        let mut replacements = Vec::new();
        for (i, rep) in r.replacements.iter().enumerate() {
            let p = Pattern::new(&rep.unmodified)
                .map_err(|e| err(format!("replacement[{i}].unmodified"), e))?;
            replacements.push((p, rep.atoms.clone(), rep.wording.clone()));
        }
        Ok(CompiledRule {
            index,
            cores,
            site_of,
            replacements,
            sites,
        })
    }

    /// The best explained core match, if any (fewest modifications).
    pub fn find(&self, m: &Structure) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        for core in &self.cores {
            for matched in core.pattern.matches(m) {
                if let Some(hit) = self.explain_match(m, core, &matched)
                    && best
                        .as_ref()
                        .is_none_or(|b| hit.modifications.len() < b.modifications.len())
                {
                    best = Some(hit);
                }
            }
        }
        best
    }

    fn explain_match(&self, m: &Structure, core: &CompiledCore, matched: &[usize]) -> Option<Hit> {
        let in_core = |a: usize| matched.contains(&a);
        // mol atom → map number
        let map_of: FxHashMap<usize, u32> = matched
            .iter()
            .zip(&core.maps)
            .filter_map(|(&a, mp)| mp.map(|n| (a, n)))
            .collect();

        // Substituent fragments: connected non-core atoms, grouped by the core atom they hang on.
        let mut seen: Vec<bool> = vec![false; m.atom_count()];
        let mut frags: Vec<Fragment> = Vec::new();
        for &a in matched {
            for (b, bond) in m.neighbors(a) {
                if in_core(b) || seen[b] {
                    continue;
                }
                let mut atoms = vec![b];
                seen[b] = true;
                let mut i = 0;
                let mut attachments = vec![a];
                while i < atoms.len() {
                    let x = atoms[i];
                    i += 1;
                    for (y, _) in m.neighbors(x) {
                        if in_core(y) {
                            if !attachments.contains(&y) {
                                attachments.push(y);
                            }
                        } else if !seen[y] {
                            seen[y] = true;
                            atoms.push(y);
                        }
                    }
                }
                frags.push(Fragment {
                    at: a,
                    root: b,
                    bond,
                    atoms,
                    attachments,
                });
            }
        }

        let mut mods = Vec::new();
        let mut satisfied_sites: Vec<bool> = vec![false; self.sites.len()];
        // Per core atom, so that an open-chain acetal (two alkoxy on one carbon) is seen as one.
        let mut by_atom: FxHashMap<usize, Vec<&Fragment>> = FxHashMap::default();
        for f in &frags {
            by_atom.entry(f.at).or_default().push(f);
        }
        let mut atoms_sorted: Vec<usize> = by_atom.keys().copied().collect();
        atoms_sorted.sort_unstable();
        for at in atoms_sorted {
            let list = &by_atom[&at];
            let site = map_of.get(&at).and_then(|n| self.site_of.get(n)).copied();
            let si = site?; // a substituent where the law allows none
            let (allowed, wording, _, _) = &self.sites[si];
            let mut used = vec![false; list.len()];
            if allowed.contains(&SubstituentKind::Acetal)
                && let Some((x, y)) = acetal_pair(m, list)
            {
                used[x] = true;
                used[y] = true;
                let mut atoms = list[x].atoms.clone();
                atoms.extend(&list[y].atoms);
                mods.push(Modification {
                    kind: "substituent".into(),
                    found: "acetal".into(),
                    atoms,
                    wording: wording.clone(),
                });
                satisfied_sites[si] = true;
            }
            for (k, f) in list.iter().enumerate() {
                if used[k] {
                    continue;
                }
                // A fragment bonded to several core atoms must be allowed at each of them.
                for &other in f.attachments.iter().filter(|&&o| o != at) {
                    let osite = map_of
                        .get(&other)
                        .and_then(|n| self.site_of.get(n))
                        .copied()?;
                    if !self.sites[osite].0.contains(&SubstituentKind::Any) {
                        return None;
                    }
                }
                let kind = allowed.iter().copied().find(|&kind| accepts(kind, m, f))?;
                mods.push(Modification {
                    kind: "substituent".into(),
                    found: describe(kind).into(),
                    atoms: f.atoms.clone(),
                    wording: wording.clone(),
                });
                satisfied_sites[si] = true;
            }
        }
        for (si, (_, _, required, _)) in self.sites.iter().enumerate() {
            if *required && !satisfied_sites[si] {
                return None;
            }
        }
        // Replacements: the core atoms at these map numbers no longer match the unmodified pattern.
        let core_at = |n: u32| -> Option<usize> {
            matched
                .iter()
                .zip(&core.maps)
                .find(|(_, mp)| **mp == Some(n))
                .map(|(&a, _)| a)
        };
        for (unmodified, maps, wording) in &self.replacements {
            let targets: Vec<usize> = maps.iter().filter_map(|&n| core_at(n)).collect();
            if targets.is_empty() {
                continue;
            }
            let intact = unmodified
                .matches(m)
                .iter()
                .any(|u| targets.iter().all(|t| u.contains(t)));
            if !intact {
                mods.push(Modification {
                    kind: "replacement".into(),
                    found: "replacement".into(),
                    atoms: targets,
                    wording: wording.clone(),
                });
            }
        }
        let mut core_atoms = matched.to_vec();
        core_atoms.sort_unstable();
        Some(Hit {
            core_id: core.id.clone(),
            core_atoms,
            modifications: mods,
        })
    }
}

/// The explanation string of a match.
pub(crate) fn explain(r: &ClassRule, hit: &Hit, listed: &[String]) -> String {
    let mut s = format!(
        "Falls under {} ({} {}; {}): core \"{}\" at atoms {:?}",
        r.name, r.jurisdiction, r.list, r.citation, hit.core_id, hit.core_atoms
    );
    let subs: Vec<String> = hit
        .modifications
        .iter()
        .filter(|m| m.kind == "substituent")
        .map(|m| format!("{} at atoms {:?} (\"{}\")", m.found, m.atoms, m.wording))
        .collect();
    let reps: Vec<String> = hit
        .modifications
        .iter()
        .filter(|m| m.kind == "replacement")
        .map(|m| format!("atoms {:?} (\"{}\")", m.atoms, m.wording))
        .collect();
    if subs.is_empty() {
        s.push_str("; no substituents beyond the core");
    } else {
        s.push_str(&format!(
            "; substituents the rule allows: {}",
            subs.join("; ")
        ));
    }
    if !reps.is_empty() {
        s.push_str(&format!(
            "; replacements of the parent structure: {}",
            reps.join("; ")
        ));
    }
    if !listed.is_empty() {
        s.push_str(&format!(
            ". The structure is itself listed as {}: the listing comes first",
            listed.join(", ")
        ));
    }
    s.push('.');
    s
}
