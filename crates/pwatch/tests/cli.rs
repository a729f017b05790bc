//! The `pwatch` binary, run as users run it: arguments in, JSON and exit codes out.

use std::process::{Command, Output};

fn pwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(args)
        .output()
        .expect("run pwatch")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn lookup_npp_by_cas_lists_its_controls_with_sources() {
    let out = pwatch(&["lookup", "39742-60-4", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["query"], "39742-60-4");
    let m = &v["matches"][0];
    assert_eq!(m["substance"]["id"], "npp");
    assert_eq!(m["matched_by"], "cas");
    assert!(
        v["registry_version"]
            .as_str()
            .is_some_and(|s| s.starts_with("sha256:"))
    );
    let controls = m["controls"].as_array().expect("controls");
    for j in ["UN", "US", "EU", "CN"] {
        let c = controls
            .iter()
            .find(|c| c["jurisdiction"] == j)
            .unwrap_or_else(|| panic!("no {j} control"));
        for field in [
            "list",
            "citation",
            "source",
            "verified",
            "effective",
            "measures",
            "conditions",
        ] {
            assert!(c.get(field).is_some(), "{j} control lacks {field}");
        }
        assert!(!c["citation"].as_str().unwrap_or("").is_empty());
        assert!(!c["source"].as_str().unwrap_or("").is_empty());
    }
}

#[test]
fn a_wrong_check_digit_is_bad_input_naming_the_digit() {
    let out = pwatch(&["lookup", "39742-60-5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check digit") && err.contains("is 5"), "{err}");
    assert!(err.contains("39742-60-4"), "{err}");
}

#[test]
fn not_found_exits_1_with_suggestions() {
    let out = pwatch(&["lookup", "norfentanil", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["matches"].as_array().map(Vec::len), Some(0));
    let sugg = v["suggestions"].as_array().expect("suggestions");
    assert!(!sugg.is_empty() && sugg.len() <= 5);
}

#[test]
fn as_of_and_jurisdiction_filter_controls() {
    let out = pwatch(&[
        "lookup",
        "4-piperidone",
        "--as-of",
        "2023-05-11",
        "--jurisdiction",
        "US",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json(&out)["matches"][0]["controls"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let out = pwatch(&[
        "lookup",
        "4-piperidone",
        "--as-of",
        "2023-05-12",
        "--jurisdiction",
        "US",
        "--json",
    ]);
    let v = json(&out);
    let controls = v["matches"][0]["controls"].as_array().expect("controls");
    assert!(!controls.is_empty() && controls.iter().all(|c| c["jurisdiction"] == "US"));
    assert_eq!(
        pwatch(&["lookup", "NPP", "--as-of", "yesterday"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        pwatch(&["lookup", "NPP", "--jurisdiction", "XX"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_npp_china_to_mexico() {
    let out = pwatch(&[
        "check",
        "--substance",
        "NPP",
        "--from",
        "CN",
        "--to",
        "MX",
        "--quantity",
        "25kg",
        "--date",
        "2026-01-15",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "flagged shipments exit 1");
    let v = json(&out);
    assert_eq!(v["decision"], "conditional");
    assert_eq!(v["substance"], "npp");
    assert_eq!(v["quantity"], "25 kg");
    let obligations = v["obligations"].as_array().expect("obligations");
    let has = |j: &str, m: &str| {
        obligations
            .iter()
            .any(|o| o["jurisdiction"] == j && o["measure"] == m)
    };
    assert!(has("CN", "licence-export"), "China's export licence");
    assert!(has("MX", "licence-import"), "the importing side's duties");
    assert!(has("UN", "pre-export-notification"), "the PEN question");
    for o in obligations {
        for f in ["jurisdiction", "measure", "reason", "citation", "source"] {
            assert!(
                o[f].as_str().is_some_and(|s| !s.is_empty()),
                "obligation lacks {f}: {o}"
            );
        }
    }
}

#[test]
fn check_rejects_bad_fields_naming_them() {
    let out = pwatch(&["check", "--substance", "NPP", "--from", "CN", "--to", "XX"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to"));
    let out = pwatch(&[
        "check",
        "--substance",
        "NPP",
        "--from",
        "CN",
        "--to",
        "MX",
        "--quantity",
        "-3kg",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--quantity"));
    let out = pwatch(&[
        "check",
        "--substance",
        "NPP",
        "--from",
        "CN",
        "--to",
        "MX",
        "--quantity",
        "25",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn registry_validate_and_stats() {
    let out = pwatch(&["registry", "validate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = pwatch(&["registry", "stats", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(v["substances"].as_u64().is_some_and(|n| n >= 40));
    assert!(v["verified_controls"].as_u64() <= v["controls"].as_u64());
    assert!(v["per_list"].as_array().is_some_and(|l| {
        l.iter()
            .any(|x| x["jurisdiction"] == "US" && x["list"] == "list-i")
    }));
}

#[test]
fn registry_validate_fails_on_a_broken_copy_and_names_the_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/registry");
    copy_dir(&src, dir.path());
    let npp = dir.path().join("substances/npp.toml");
    let text = std::fs::read_to_string(&npp)
        .expect("read")
        .replace("39742-60-4", "39742-60-5");
    std::fs::write(&npp, text).expect("write");
    let out = pwatch(&[
        "registry",
        "validate",
        dir.path().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("substances/npp.toml")
            && stdout.contains("cas[0].rn")
            && stdout.contains("check digit"),
        "{stdout}"
    );
    // --registry DIR loads another copy: an invalid one is refused, with exit 2.
    let out = pwatch(&[
        "--registry",
        dir.path().to_str().expect("utf-8 path"),
        "lookup",
        "NPP",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let target = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}

/// `pwatch serve` creates its SQLite file and answers on the address given.
#[test]
fn serve_creates_the_database_and_answers() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("pwatch.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args([
            "serve",
            "--db",
            &format!("sqlite://{}", db.display()),
            "--addr",
            &addr,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut body = String::new();
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let _ = s.read_to_string(&mut body);
            if body.contains("200 OK") {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        body.contains("200 OK") && body.contains("registry_version"),
        "{body}"
    );
    assert!(db.exists(), "the SQLite file is created");
}

#[test]
fn classify_one_structure() {
    let out = pwatch(&[
        "classify",
        "CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1",
        "--as-of",
        "2026-01-15",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a class match is flagged: exit 1"
    );
    let v = json(&out);
    let m = v["class_matches"].as_array().expect("class_matches");
    let rule = m
        .iter()
        .find(|x| x["rule"].as_str().is_some_and(|r| r.starts_with("us-4-ap")))
        .expect("US 4-AP rule");
    assert!(rule["atoms"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(
        rule["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("its halides"))
    );
    for field in [
        "input",
        "canonical_smiles",
        "inchikey",
        "listed",
        "similar",
        "analogue_warnings",
        "registry_version",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    let out = pwatch(&["classify", "CCO", "--json"]);
    assert_eq!(out.status.code(), Some(0), "ethanol is not flagged");
    let out = pwatch(&["classify", "C1CC(("]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn classify_a_file_streams_jsonl_in_order_and_reports_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("in.smi");
    std::fs::write(
        &path,
        "O=C1CCN(CCc2ccccc2)CC1 npp\n\nnot-a-smiles broken\nCCO ethanol\n",
    )
    .expect("write");
    let out = pwatch(&[
        "classify",
        "--file",
        path.to_str().expect("utf-8"),
        "--as-of",
        "2026-01-15",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[0]["id"], "npp");
    assert_eq!(lines[0]["listed"][0], "npp");
    assert_eq!(lines[1]["line"], 3);
    assert!(lines[1]["error"].is_string());
    assert_eq!(lines[2]["id"], "ethanol");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 could not be classified"));

    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id,smiles\na,CCO\n").expect("write");
    let out = pwatch(&["classify", "--file", csv.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,structure\na,CCO\n").expect("write");
    let out = pwatch(&["classify", "--file", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `smiles` column"));
}

/// A MOL block written by RDKit (`crates/chem/tests/fixtures/molblock/`).
fn molblock(id: &str) -> String {
    let path = format!(
        "{}/../chem/tests/fixtures/molblock/{id}.mol",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn classify_an_sd_file_streams_records_in_order_and_reports_broken_ones() {
    let npp = molblock("npp");
    // The counts line declares one atom more than the block has.
    let broken = molblock("ephedrine").replace(" 12 12  0", " 13 12  0");
    let ephedrine = molblock("ephedrine");
    let glycidate = molblock("pmk-methyl-glycidate");
    let sdf = format!(
        "{npp}>  <ID>\nNPP-001\n\n> <supplier>\nACME\n\n$$$$\n{broken}$$$$\n{ephedrine}$$$$\n{glycidate}> <Name>\nglycidate from the manifest\n\n$$$$\n"
    );
    let line_count = |s: &str| s.lines().count();
    let starts = [
        1,
        1 + line_count(&npp) + 6 + 1,
        1 + line_count(&npp) + 7 + line_count(&broken) + 1,
        1 + line_count(&npp) + 7 + line_count(&broken) + 1 + line_count(&ephedrine) + 1,
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("manifest.sdf");
    std::fs::write(&path, &sdf).expect("write");
    let out = pwatch(&[
        "classify",
        "--file",
        path.to_str().expect("utf-8"),
        "--as-of",
        "2026-01-15",
    ]);
    assert_eq!(out.status.code(), Some(1), "NPP is listed: flagged");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let got: Vec<usize> = lines
        .iter()
        .map(|l| l["line"].as_u64().expect("line") as usize)
        .collect();
    assert_eq!(
        got, starts,
        "records in input order, each at its first line"
    );
    // 1: the <ID> data item names the record.
    assert_eq!(lines[0]["id"], "NPP-001");
    assert_eq!(lines[0]["listed"][0], "npp");
    assert_eq!(lines[0]["inchikey"], "YDJXNYNKKXZBMP-UHFFFAOYSA-N");
    // 2: an error line naming the counts line of the record, counted in the file; the run goes on.
    assert_eq!(lines[1]["id"], "ephedrine", "no data item: the name line");
    let error = lines[1]["error"].as_str().expect("error");
    assert!(
        error.contains("declares 13 atoms but 12 atom lines"),
        "{error}"
    );
    assert_eq!(lines[1]["error_line"], starts[1] + 3);
    assert!(
        error.contains(&format!("line {}", starts[1] + 3)),
        "{error}"
    );
    // 3: stereo read from the wedges: ephedrine itself, not pseudoephedrine.
    assert_eq!(lines[2]["id"], "ephedrine");
    assert_eq!(lines[2]["listed"][0], "ephedrine");
    // 4: a <Name> data item (any case).
    assert_eq!(lines[3]["id"], "glycidate from the manifest");
    assert_eq!(lines[3]["listed"][0], "pmk-methyl-glycidate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("4 records") && stderr.contains("1 could not be classified"),
        "{stderr}"
    );

    // One MOL file, no `$$$$`: one record; a clean structure exits 0.
    let mol = dir.path().join("ethanol.mol");
    std::fs::write(
        &mol,
        "ethanol\n  test\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n  1  2  1  0\n  2  3  1  0\nM  END\n",
    )
    .expect("write");
    let out = pwatch(&["classify", "--file", mol.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(v["id"], "ethanol");
    assert_eq!(v["line"], 1);

    // A file cut in the middle of its last record: that record is an error, the others are classified.
    let cut: String = sdf
        .lines()
        .take(starts[3] + 10)
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("cut.sdf");
    std::fs::write(&path, cut).expect("write");
    let out = pwatch(&["classify", "--file", path.to_str().expect("utf-8")]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["line"], starts[3]);
    assert!(lines[3]["error"].is_string(), "{}", lines[3]);
}

#[test]
fn lookup_by_smiles() {
    let out = pwatch(&["lookup", "Cl.Cl.C1CNCCC1Nc1ccccc1", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["matches"][0]["substance"]["id"], "4-ap");
    assert_eq!(v["matches"][0]["matched_by"], "smiles");
    assert!(v["matches"][0]["salt"].is_string());
}
