//! Published vectors: C2SP CCTV's RFC 6962 trees and proofs, and a real Certificate Transparency log.

use pw_ledger::record::parse_hashes;
use pw_ledger::{Hash, Log, MemoryStore, parse_hash, verify_consistency, verify_inclusion};
use serde_json::Value;

fn load(path: &str) -> Value {
    let full = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).expect(&full)).expect(&full)
}

fn h(v: &Value) -> Hash {
    parse_hash("vector", v.as_str().expect("a string")).expect("a hash")
}

fn hashes(v: &Value) -> Vec<Hash> {
    let list: Vec<String> = v
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect();
    parse_hashes("vector", &list).expect("hashes")
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("a number")
}

/// The CCTV tree: leaves "0", "1", … added one at a time; the leaf hash and the root after each.
fn cctv_log() -> Log<MemoryStore> {
    let mut log = Log::new(MemoryStore::new(), 0);
    for step in load("cctv/merkle_tree.json").as_array().expect("list") {
        let data = step["leaf_data"].as_str().expect("data");
        assert_eq!(
            pw_ledger::leaf_hash(data.as_bytes()),
            h(&step["leaf_hash"]),
            "{data}"
        );
        log.append(data.as_bytes()).expect("append");
        assert_eq!(
            log.root().expect("root"),
            h(&step["root_hash"]),
            "after {data}"
        );
    }
    log
}

#[test]
fn cctv_tree_heads() {
    assert_eq!(cctv_log().size(), 16);
}

#[test]
fn cctv_inclusion() {
    let log = cctv_log();
    let valid = load("cctv/inclusion-valid.json");
    for v in valid.as_array().expect("list") {
        let (index, size) = (u(&v["leaf_index"]), u(&v["tree_size"]));
        let proof = hashes(&v["inclusion_path"]);
        // Generation gives the published proof; verification accepts it.
        assert_eq!(
            log.prove_inclusion(index, size).expect("prove"),
            proof,
            "{v}"
        );
        assert_eq!(log.root_at(size).expect("root"), h(&v["root_hash"]));
        verify_inclusion(&proof, size, h(&v["root_hash"]), index, h(&v["leaf_hash"]))
            .unwrap_or_else(|e| panic!("{v}: {e}"));
    }
    let invalid = load("cctv/inclusion-invalid.json");
    let invalid = invalid.as_array().expect("list");
    assert!(!invalid.is_empty());
    for v in invalid {
        let r = verify_inclusion(
            &hashes(&v["inclusion_path"]),
            u(&v["tree_size"]),
            h(&v["root_hash"]),
            u(&v["leaf_index"]),
            h(&v["leaf_hash"]),
        );
        assert!(r.is_err(), "accepted: {}", v["comment"]);
    }
}

#[test]
fn cctv_consistency() {
    let log = cctv_log();
    let valid = load("cctv/consistency-valid.json");
    for v in valid.as_array().expect("list") {
        let (old, new) = (u(&v["old_size"]), u(&v["new_size"]));
        let proof = hashes(&v["consistency_path"]);
        assert_eq!(
            log.prove_consistency(old, new).expect("prove"),
            proof,
            "{v}"
        );
        verify_consistency(&proof, old, h(&v["old_root"]), new, h(&v["new_root"]))
            .unwrap_or_else(|e| panic!("{v}: {e}"));
    }
    let invalid = load("cctv/consistency-invalid.json");
    let invalid = invalid.as_array().expect("list");
    assert!(invalid.len() >= 10);
    for v in invalid {
        let r = verify_consistency(
            &hashes(&v["consistency_path"]),
            u(&v["old_size"]),
            h(&v["old_root"]),
            u(&v["new_size"]),
            h(&v["new_root"]),
        );
        assert!(r.is_err(), "accepted: {}", v["comment"]);
    }
}

#[test]
fn certificate_transparency_argon2020() {
    use base64::Engine;
    let sth = load("ct-argon2020/get-sth.json");
    let (size, root) = (u(&sth["tree_size"]), h(&sth["sha256_root_hash"]));
    let entries = load("ct-argon2020/get-entries-10000.json");
    let leaf = base64::engine::general_purpose::STANDARD
        .decode(entries["entries"][0]["leaf_input"].as_str().expect("leaf"))
        .expect("base64");
    let leaf_hash = pw_ledger::leaf_hash(&leaf);
    let proof = hashes(&load("ct-argon2020/get-proof-by-hash-10000.json")["audit_path"]);
    verify_inclusion(&proof, size, root, 10_000, leaf_hash).expect("inclusion");
    assert!(verify_inclusion(&proof, size, root, 10_001, leaf_hash).is_err());
    let consistency = hashes(&load("ct-argon2020/get-sth-consistency-3654490.json")["consistency"]);
    let old_root = parse_hash("old", "AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=").expect("hash");
    verify_consistency(&consistency, 3_654_490, old_root, size, root).expect("consistency");
    assert!(verify_consistency(&consistency, 3_654_491, old_root, size, root).is_err());
}
