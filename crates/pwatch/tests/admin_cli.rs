//! `pwatch admin`: bootstrap organisations and users on a real SQLite file, passwords only on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pwatch(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pwatch");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

#[test]
fn create_org_and_user_then_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-org",
            "--kind",
            "authority",
            "--name",
            "COFEPRIS",
            "--country",
            "MX",
            "--competence",
            "licensing",
            "--competence",
            "pen",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let org = text(&out.stdout);
    assert!(org.starts_with("org_"), "{org}");

    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-user",
            "--org",
            &org,
            "--email",
            "a@cofepris.example",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("usr_"));

    // The same e-mail again: a conflict, exit 2, naming the field.
    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-user",
            "--org",
            &org,
            "--email",
            "A@cofepris.example",
            "--role",
            "officer",
            "--password-stdin",
        ],
        "another long password\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("email"), "{}", text(&out.stderr));

    let user = {
        let out = pwatch(
            &[
                "admin",
                "--db",
                &db,
                "create-user",
                "--org",
                &org,
                "--email",
                "b@cofepris.example",
                "--role",
                "officer",
                "--password-stdin",
            ],
            "yet another long password\n",
        );
        text(&out.stdout)
    };
    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-token",
            "--user",
            &user,
            "--name",
            "ci",
            "--scope",
            "screen",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    let (id, secret) = line.split_once('\t').expect("id<TAB>secret");
    assert!(
        id.starts_with("tok_") && secret.starts_with("pwt_"),
        "{line}"
    );
    let out = pwatch(&["admin", "--db", &db, "revoke-token", id], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-token",
            "--user",
            &user,
            "--name",
            "x",
            "--scope",
            "root",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));

    let out = pwatch(&["admin", "--db", &db, "list-orgs", "--json"], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["id"], org.as_str());
    assert_eq!(v[0]["competences"], serde_json::json!(["licensing", "pen"]));
}

#[test]
fn bad_input_is_refused_with_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    for (args, stdin, needle) in [
        (
            vec!["create-org", "--kind", "ministry", "--name", "x"],
            "",
            "--kind",
        ),
        (
            vec!["create-org", "--kind", "authority", "--name", "x"],
            "",
            "country",
        ),
        (
            vec![
                "create-org",
                "--kind",
                "company",
                "--name",
                "x",
                "--competence",
                "pen",
            ],
            "",
            "competences",
        ),
        (
            vec![
                "create-user",
                "--org",
                "org_x",
                "--email",
                "a@b.example",
                "--role",
                "god",
                "--password-stdin",
            ],
            "long enough password\n",
            "--role",
        ),
        (
            vec![
                "create-user",
                "--org",
                "org_x",
                "--email",
                "a@b.example",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "short\n",
            "password",
        ),
    ] {
        let mut all = vec!["admin", "--db", db.as_str()];
        all.extend(args.iter().copied());
        let out = pwatch(&all, stdin);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // A password is never an argument.
    let out = pwatch(
        &[
            "admin",
            "--db",
            &db,
            "create-user",
            "--org",
            "o",
            "--email",
            "a@b.example",
            "--role",
            "admin",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
}
