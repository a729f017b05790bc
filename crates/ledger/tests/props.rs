//! Property tests: every inclusion and consistency proof of trees of up to 10,000 leaves verifies; any
//! tampered proof, root, index, size, checkpoint text or signature fails.

use std::sync::OnceLock;

use proptest::prelude::*;
use pw_ledger::{Hash, Log, LogSigner, MemoryStore, verify_consistency, verify_inclusion};

const MAX: u64 = 10_000;

fn log() -> &'static Log<MemoryStore> {
    static LOG: OnceLock<Log<MemoryStore>> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut log = Log::new(MemoryStore::with_capacity(MAX), 0);
        for i in 0..MAX {
            log.append(format!("leaf {i}").as_bytes()).expect("append");
        }
        log
    })
}

fn signer() -> &'static LogSigner {
    static S: OnceLock<LogSigner> = OnceLock::new();
    S.get_or_init(|| LogSigner::generate("pwatch.test/props").expect("key").0)
}

fn flip(h: &Hash, byte: usize, bit: u8) -> Hash {
    let mut x = *h;
    x.0[byte % 32] ^= 1 << (bit % 8);
    x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn inclusion_proofs_verify_and_tampering_fails(
        size in 1..=MAX, pick in any::<u64>(), which in any::<usize>(), byte in 0usize..32, bit in 0u8..8,
    ) {
        let log = log();
        let index = pick % size;
        let root = log.root_at(size).expect("root");
        let leaf = log.leaf_hash(index).expect("leaf");
        let proof = log.prove_inclusion(index, size).expect("prove");
        prop_assert!(verify_inclusion(&proof, size, root, index, leaf).is_ok());

        prop_assert!(verify_inclusion(&proof, size, flip(&root, byte, bit), index, leaf).is_err());
        prop_assert!(verify_inclusion(&proof, size, root, index, flip(&leaf, byte, bit)).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let i = which % bad.len();
            bad[i] = flip(&bad[i], byte, bit);
            prop_assert!(verify_inclusion(&bad, size, root, index, leaf).is_err());
            let mut short = proof.clone();
            short.pop();
            prop_assert!(verify_inclusion(&short, size, root, index, leaf).is_err());
        }
        let mut long = proof.clone();
        long.push(leaf);
        prop_assert!(verify_inclusion(&long, size, root, index, leaf).is_err());
        if size > 1 {
            let other = (index + 1 + (pick as usize % (size as usize - 1)) as u64) % size;
            prop_assert!(verify_inclusion(&proof, size, root, other, leaf).is_err());
        }
        // (The size is not checked here: a proof for 3 leaves can also be one for 4 with the same root; the
        // size comes bound to the root in the signed checkpoint, whose tampering is tested below.)
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_fails(
        new in 1..=MAX, pick in any::<u64>(), which in any::<usize>(), byte in 0usize..32, bit in 0u8..8,
    ) {
        let log = log();
        let old = 1 + pick % new;
        let (old_root, new_root) = (log.root_at(old).expect("root"), log.root_at(new).expect("root"));
        let proof = log.prove_consistency(old, new).expect("prove");
        prop_assert!(verify_consistency(&proof, old, old_root, new, new_root).is_ok());

        prop_assert!(verify_consistency(&proof, old, flip(&old_root, byte, bit), new, new_root).is_err());
        prop_assert!(verify_consistency(&proof, old, old_root, new, flip(&new_root, byte, bit)).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let i = which % bad.len();
            bad[i] = flip(&bad[i], byte, bit);
            prop_assert!(verify_consistency(&bad, old, old_root, new, new_root).is_err());
            let mut short = proof.clone();
            short.pop();
            prop_assert!(verify_consistency(&short, old, old_root, new, new_root).is_err());
        }
        let mut long = proof.clone();
        long.push(new_root);
        prop_assert!(verify_consistency(&long, old, old_root, new, new_root).is_err());
    }

    #[test]
    fn tampered_checkpoints_fail(size in 0..=MAX, pos in any::<usize>(), x in 1u8..=255) {
        let s = signer();
        let v = s.verifier().expect("verifier");
        let root = log().root_at(size).expect("root");
        let note = s.sign(size, root).expect("sign");
        let c = v.verify(note.as_bytes()).expect("verify");
        prop_assert_eq!((c.size, c.root), (size, root));
        let mut bytes = note.into_bytes();
        let i = pos % bytes.len();
        bytes[i] ^= x;
        prop_assert!(v.verify(&bytes).is_err(), "byte {} changed", i);
    }
}
