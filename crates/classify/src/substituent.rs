//! The substituent kinds that laws name ("its halides", "alkyl, alkenyl, alkoxyl, hydroxyl, halo…"), as
//! small graph predicates over a substituent fragment.
//!
//! A fragment is the connected set of non-core atoms reached from one core atom; `root` is the fragment atom
//! bonded to the core atom `at`. The predicates are deliberately literal: "alkyl" is an acyclic saturated
//! carbon chain, nothing else, so that a rule never admits more than its words.

use pw_chem::{BondOrder, Structure};
use pw_registry::SubstituentKind;

/// One substituent on a core atom.
#[derive(Debug, Clone)]
pub(crate) struct Fragment {
    /// The core atom it hangs on.
    pub at: usize,
    /// The fragment atom bonded to `at`.
    pub root: usize,
    /// Bond order between `at` and `root`.
    pub bond: BondOrder,
    /// All atoms of the fragment (root first).
    pub atoms: Vec<usize>,
    /// Core atoms the fragment is bonded to (more than one: a ring fused onto the core, or a cyclic acetal).
    pub attachments: Vec<usize>,
}

const C: u8 = 6;
const N: u8 = 7;
const O: u8 = 8;

fn z(m: &Structure, a: usize) -> u8 {
    m.atom(a).map_or(0, |x| x.atomic_number)
}

fn arom(m: &Structure, a: usize) -> bool {
    m.atom(a).is_some_and(|x| x.aromatic)
}

fn charge(m: &Structure, a: usize) -> i8 {
    m.atom(a).map_or(0, |x| x.formal_charge)
}

fn is_halogen(z: u8) -> bool {
    matches!(z, 9 | 17 | 35 | 53)
}

/// Bonds inside the fragment (each counted once).
fn inner_bonds(m: &Structure, f: &Fragment) -> Vec<(usize, usize, BondOrder)> {
    let mut out = Vec::new();
    for &a in &f.atoms {
        for (b, order) in m.neighbors(a) {
            if a < b && f.atoms.contains(&b) {
                out.push((a, b, order));
            }
        }
    }
    out
}

fn acyclic(m: &Structure, f: &Fragment) -> bool {
    inner_bonds(m, f).len() + 1 == f.atoms.len() && f.attachments.len() == 1
}

fn all_single(m: &Structure, f: &Fragment) -> bool {
    inner_bonds(m, f)
        .iter()
        .all(|(_, _, o)| *o == BondOrder::Single)
}

/// Acyclic saturated carbons only (the atoms given, which may be a part of the fragment).
fn saturated_carbons(m: &Structure, atoms: &[usize]) -> bool {
    atoms.iter().all(|&a| {
        z(m, a) == C
            && !arom(m, a)
            && charge(m, a) == 0
            && m.neighbors(a)
                .iter()
                .filter(|(b, _)| atoms.contains(b))
                .all(|(_, o)| *o == BondOrder::Single)
    })
}

fn is_alkyl(m: &Structure, f: &Fragment) -> bool {
    f.bond == BondOrder::Single && acyclic(m, f) && saturated_carbons(m, &f.atoms)
}

fn hydrocarbon_chain_with(m: &Structure, f: &Fragment, order: BondOrder) -> bool {
    f.bond != BondOrder::Aromatic
        && acyclic(m, f)
        && f.atoms
            .iter()
            .all(|&a| z(m, a) == C && !arom(m, a) && charge(m, a) == 0)
        && (inner_bonds(m, f).iter().any(|(_, _, o)| *o == order) || f.bond == order)
}

/// The fragment without its root.
fn rest(f: &Fragment) -> Vec<usize> {
    f.atoms.iter().copied().filter(|&a| a != f.root).collect()
}

/// Atoms of the fragment bonded to `a`.
fn nbrs_in(m: &Structure, f: &Fragment, a: usize) -> Vec<(usize, BondOrder)> {
    m.neighbors(a)
        .into_iter()
        .filter(|(b, _)| f.atoms.contains(b))
        .collect()
}

/// When the root is a carbonyl carbon: its other neighbours inside the fragment.
fn carbonyl_partners(m: &Structure, f: &Fragment) -> Option<Vec<(usize, BondOrder)>> {
    let oxo = carbonyl_o(m, f, f.root)?;
    Some(
        nbrs_in(m, f, f.root)
            .into_iter()
            .filter(|(b, _)| *b != oxo)
            .collect(),
    )
}

/// `atom` carries a double-bonded O inside the fragment; returns it.
fn carbonyl_o(m: &Structure, f: &Fragment, atom: usize) -> Option<usize> {
    nbrs_in(m, f, atom)
        .into_iter()
        .find(|(b, o)| z(m, *b) == O && *o == BondOrder::Double)
        .map(|(b, _)| b)
}

/// Does the fragment satisfy `kind`? (Acetal is decided per core atom, see [`acetal_pair`].)
pub(crate) fn accepts(kind: SubstituentKind, m: &Structure, f: &Fragment) -> bool {
    let root_z = z(m, f.root);
    let single = f.bond == BondOrder::Single;
    match kind {
        SubstituentKind::Any => true,
        SubstituentKind::Halo => f.atoms.len() == 1 && is_halogen(root_z) && single,
        SubstituentKind::Oxo => f.atoms.len() == 1 && root_z == O && f.bond == BondOrder::Double,
        SubstituentKind::Hydroxyl => {
            f.atoms.len() == 1 && root_z == O && single && charge(m, f.root) == 0
        }
        SubstituentKind::Alkyl => is_alkyl(m, f),
        SubstituentKind::Alkenyl => hydrocarbon_chain_with(m, f, BondOrder::Double),
        SubstituentKind::Alkynyl => hydrocarbon_chain_with(m, f, BondOrder::Triple),
        SubstituentKind::Haloalkyl => {
            single
                && acyclic(m, f)
                && all_single(m, f)
                && root_z == C
                && f.atoms.iter().any(|&a| is_halogen(z(m, a)))
                && f.atoms.iter().all(|&a| z(m, a) == C || is_halogen(z(m, a)))
                && f.atoms
                    .iter()
                    .all(|&a| z(m, a) == C || nbrs_in(m, f, a).len() <= 1)
        }
        SubstituentKind::Alkoxy => {
            let r = rest(f);
            single && root_z == O && !r.is_empty() && acyclic(m, f) && saturated_carbons(m, &r)
        }
        SubstituentKind::Amino => {
            let r = rest(f);
            single
                && root_z == N
                && !arom(m, f.root)
                && charge(m, f.root) == 0
                && acyclic(m, f)
                && saturated_carbons(m, &r)
                && nbrs_in(m, f, f.root).len() <= 2
        }
        SubstituentKind::Nitro => {
            f.atoms.len() == 3
                && root_z == N
                && f.atoms.iter().filter(|&&a| z(m, a) == O).count() == 2
        }
        SubstituentKind::Ester => {
            if !single || !acyclic(m, f) {
                return false;
            }
            if root_z == C {
                // C(=O)O-alkyl
                let Some(oxo) = carbonyl_o(m, f, f.root) else {
                    return false;
                };
                let ether: Vec<usize> = nbrs_in(m, f, f.root)
                    .into_iter()
                    .filter(|(b, o)| *b != oxo && z(m, *b) == O && *o == BondOrder::Single)
                    .map(|(b, _)| b)
                    .collect();
                let [eo] = ether.as_slice() else { return false };
                let alkyl: Vec<usize> = f
                    .atoms
                    .iter()
                    .copied()
                    .filter(|a| ![f.root, oxo, *eo].contains(a))
                    .collect();
                !alkyl.is_empty()
                    && alkyl.len() + 3 == f.atoms.len()
                    && saturated_carbons(m, &alkyl)
                    && nbrs_in(m, f, f.root).len() == 2
            } else if root_z == O {
                // O-C(=O)-alkyl
                let next: Vec<usize> = nbrs_in(m, f, f.root).into_iter().map(|(b, _)| b).collect();
                let [c] = next.as_slice() else { return false };
                let Some(oxo) = carbonyl_o(m, f, *c) else {
                    return false;
                };
                let alkyl: Vec<usize> = f
                    .atoms
                    .iter()
                    .copied()
                    .filter(|a| ![f.root, *c, oxo].contains(a))
                    .collect();
                z(m, *c) == C && saturated_carbons(m, &alkyl)
            } else {
                false
            }
        }
        SubstituentKind::Ether => {
            single
                && acyclic(m, f)
                && all_single(m, f)
                && f.atoms
                    .iter()
                    .all(|&a| matches!(z(m, a), C | O) && !arom(m, a))
                && f.atoms.iter().any(|&a| z(m, a) == O)
                && f.atoms.iter().filter(|&&a| z(m, a) == O).all(|&a| {
                    // every O sits between two carbons (counting the core atom for a root O)
                    let carbons = nbrs_in(m, f, a)
                        .iter()
                        .filter(|(b, _)| z(m, *b) == C)
                        .count()
                        + usize::from(a == f.root);
                    carbons == 2
                })
        }
        SubstituentKind::Acyl => {
            // C(=O)-R with R hydrogen or a carbon group: on a nitrogen, an amide.
            root_z == C
                && single
                && carbonyl_partners(m, f).is_some_and(|others| {
                    others.len() <= 1 && others.iter().all(|(b, _)| z(m, *b) == C)
                })
        }
        SubstituentKind::Carbamate => {
            // C(=O)-O-R with R a carbon group.
            root_z == C
                && single
                && carbonyl_partners(m, f).is_some_and(|others| {
                    matches!(others.as_slice(), [(o, BondOrder::Single)] if z(m, *o) == O
                        && nbrs_in(m, f, *o).iter().any(|(c, _)| *c != f.root && z(m, *c) == C))
                })
        }
        // Decided per core atom (two O on one carbon); a single fragment can be a cyclic acetal.
        SubstituentKind::Acetal => cyclic_acetal(m, f),
    }
}

/// A ring fragment bonded to the core atom through two oxygens (a 1,3-dioxolane or dioxane on a ketone C).
fn cyclic_acetal(m: &Structure, f: &Fragment) -> bool {
    let to_core: Vec<usize> = f
        .atoms
        .iter()
        .copied()
        .filter(|&a| {
            m.neighbors(a)
                .iter()
                .any(|(b, o)| *b == f.at && *o == BondOrder::Single)
        })
        .collect();
    f.attachments.len() == 1
        && to_core.len() == 2
        && to_core.iter().all(|&a| z(m, a) == O)
        && f.atoms
            .iter()
            .all(|&a| matches!(z(m, a), C | O) && !arom(m, a))
}

/// Two separate alkoxy fragments on one core carbon: an open-chain acetal (dimethyl acetal).
pub(crate) fn acetal_pair(m: &Structure, frags: &[&Fragment]) -> Option<(usize, usize)> {
    let alkoxy: Vec<usize> = frags
        .iter()
        .enumerate()
        .filter(|(_, f)| accepts(SubstituentKind::Alkoxy, m, f))
        .map(|(i, _)| i)
        .collect();
    match alkoxy.as_slice() {
        [a, b, ..] => Some((*a, *b)),
        _ => None,
    }
}

/// A short human name for a kind.
pub(crate) fn describe(kind: SubstituentKind) -> &'static str {
    match kind {
        SubstituentKind::Halo => "halogen",
        SubstituentKind::Alkyl => "alkyl",
        SubstituentKind::Alkenyl => "alkenyl",
        SubstituentKind::Alkynyl => "alkynyl",
        SubstituentKind::Hydroxyl => "hydroxyl",
        SubstituentKind::Alkoxy => "alkoxy",
        SubstituentKind::Haloalkyl => "haloalkyl",
        SubstituentKind::Amino => "amino",
        SubstituentKind::Nitro => "nitro",
        SubstituentKind::Ester => "ester",
        SubstituentKind::Ether => "ether",
        SubstituentKind::Acyl => "acyl (amide)",
        SubstituentKind::Carbamate => "carbamate",
        SubstituentKind::Acetal => "acetal",
        SubstituentKind::Oxo => "oxo",
        SubstituentKind::Any => "substituent",
    }
}
