//! The command line of the real binary: config defaults, migrate, user
//! management and `audit verify` against a tampered log.

// Test helpers may panic: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use testkit::crash::Instance;

const BIN: &str = env!("CARGO_BIN_EXE_rathaus");

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn config_defaults_prints_the_documented_configuration() {
    let out = std::process::Command::new(BIN)
        .args(["config", "defaults"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("listen = \"127.0.0.1:8080\"")
            && s.contains("RATHAUS_IDENTITY__STAFF_TOTP_REQUIRED")
    );
}

#[test]
fn a_broken_config_file_is_reported_not_ignored() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("rathaus.toml");
    std::fs::write(&file, "lissten = 1\n").expect("write");
    let out = std::process::Command::new(BIN)
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("lissten"), "{}", text(&out));
}

#[tokio::test]
async fn users_are_created_listed_reset_and_disabled_from_the_cli() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let migrate = inst.cli(&["migrate"]).expect("migrate");
    assert!(migrate.status.success(), "{}", text(&migrate));
    let created = inst
        .cli(&[
            "user",
            "create",
            "--email",
            "chef@musterstadt.example",
            "--name",
            "Chefin",
            "--role",
            "admin",
        ])
        .expect("create");
    assert!(created.status.success(), "{}", text(&created));
    assert!(
        text(&created).contains("Password: "),
        "a generated password is printed"
    );
    let bad = inst
        .cli(&[
            "user",
            "create",
            "--email",
            "kaputt",
            "--name",
            "X",
            "--password",
            "lang genug 123",
        ])
        .expect("create");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("email_invalid"));
    let citizen = inst
        .cli(&[
            "user",
            "create",
            "--kind",
            "citizen",
            "--email",
            "b@example.org",
            "--name",
            "B",
            "--password",
            "lang genug 123",
        ])
        .expect("create");
    assert!(citizen.status.success(), "{}", text(&citizen));
    let list = inst.cli(&["user", "list"]).expect("list");
    let listed = text(&list);
    assert!(listed.contains("chef@musterstadt.example") && listed.contains("b@example.org"));
    let reset = inst
        .cli(&[
            "user",
            "reset-password",
            "--email",
            "b@example.org",
            "--password",
            "ein neues passwort",
        ])
        .expect("reset");
    assert!(reset.status.success(), "{}", text(&reset));
    let disabled = inst
        .cli(&["user", "disable", "--email", "b@example.org"])
        .expect("disable");
    assert!(disabled.status.success(), "{}", text(&disabled));
    assert!(text(&inst.cli(&["user", "list"]).expect("list")).contains("disabled"));
    let missing = inst
        .cli(&["user", "disable", "--email", "niemand@example.org"])
        .expect("disable");
    assert!(!missing.status.success());
}

#[tokio::test]
async fn audit_verify_says_ok_and_names_the_first_edited_entry() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    for i in 0..3 {
        let o = inst
            .cli(&[
                "user",
                "create",
                "--kind",
                "citizen",
                "--email",
                &format!("c{i}@example.org"),
                "--name",
                "C",
                "--password",
                "lang genug 123",
            ])
            .expect("create");
        assert!(o.status.success(), "{}", text(&o));
    }
    let ok = inst.cli(&["audit", "verify"]).expect("verify");
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).starts_with("OK: "), "{}", text(&ok));
    // Edit a row behind rathaus's back, as someone with a database shell would.
    let edit = "UPDATE storage_audit_log SET action = 'nothing.happened' WHERE chain_seq = 2";
    let url = inst.database_url();
    if let Some(file) = url.strip_prefix("sqlite://") {
        // Exactly what an operator with the sqlite3 shell would do.
        let out = std::process::Command::new("sqlite3")
            .arg(file)
            .arg(edit)
            .output()
            .expect("the sqlite3 shell (apt package sqlite3)");
        assert!(out.status.success(), "{}", text(&out));
    } else {
        let db = storage::Db::connect(&url).await.expect("db");
        db.execute(edit).await.expect("edit");
        db.close().await;
    }
    let broken = inst.cli(&["audit", "verify"]).expect("verify");
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        text(&broken).contains("BROKEN: first broken entry is chain position 2"),
        "{}",
        text(&broken)
    );
}

#[tokio::test]
async fn audit_prune_deletes_old_segments_and_the_chain_still_verifies() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let env = [("RATHAUS_AUDIT__SEGMENT_SIZE", "2")];
    for i in 0..3 {
        let o = inst
            .cli_env(
                &[
                    "user",
                    "create",
                    "--kind",
                    "citizen",
                    "--email",
                    &format!("p{i}@example.org"),
                    "--name",
                    "P",
                    "--password",
                    "lang genug 123",
                ],
                &env,
            )
            .expect("create");
        assert!(o.status.success(), "{}", text(&o));
    }
    let pruned = inst
        .cli_env(&["audit", "prune", "--older-than-days", "0"], &env)
        .expect("prune");
    assert!(pruned.status.success(), "{}", text(&pruned));
    assert!(!text(&pruned).contains("Deleted 0 "), "{}", text(&pruned));
    let ok = inst.cli(&["audit", "verify"]).expect("verify");
    assert!(ok.status.success(), "{}", text(&ok));
}

#[tokio::test]
async fn the_catalogue_is_imported_and_exported_from_the_cli() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let dir = tempfile::tempdir().expect("dir");
    let created = inst
        .cli(&[
            "user",
            "create",
            "--email",
            "chef@musterstadt.example",
            "--name",
            "Chefin",
            "--role",
            "admin",
        ])
        .expect("create");
    assert!(created.status.success(), "{}", text(&created));
    let file = dir.path().join("k.json");
    let catalogue = serde_json::json!({"format": "rathaus-catalogue/1",
        "life_situations": [{"slug": "tiere", "title": "Tiere", "description": "Hund, Katze, Maus."}],
        "services": [{"slug": "hund", "title": "Hundesteuer – Anmeldung", "short_description": "Hund anmelden.", "leika_key": "99000000000001",
            "life_situations": ["tiere"], "fee": {"kind": "none"}, "org_unit_code": "0", "maturity_level": 1, "published": true}]});
    std::fs::write(&file, catalogue.to_string()).expect("write");
    let imported = inst
        .cli(&["catalogue", "import", file.to_str().expect("path")])
        .expect("import");
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(text(&imported).contains("1 services created"));
    let export = inst.cli(&["catalogue", "export"]).expect("export");
    assert!(String::from_utf8_lossy(&export.stdout).contains("Hundesteuer – Anmeldung"));
    std::fs::write(&file, r#"{"format": "rathaus-catalogue/1", "services": [{"slug": "x", "title": "X", "short_description": "x", "leika_key": "1", "fee": {"kind": "none"}, "org_unit_code": "nope", "maturity_level": 9}]}"#).expect("write");
    let refused = inst
        .cli(&["catalogue", "import", file.to_str().expect("path")])
        .expect("import");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused).contains("services[0].leika_key"),
        "{}",
        text(&refused)
    );
}

#[test]
fn a_fim_file_becomes_a_form_definition_and_a_broken_one_is_refused() {
    let fim = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/standards/fim");
    let ok = std::process::Command::new(BIN)
        .args(["forms", "import-fim", &format!("{fim}/v2/simple.xml")])
        .output()
        .expect("run");
    assert!(ok.status.success(), "{}", text(&ok));
    let def: serde_json::Value =
        serde_json::from_slice(&ok.stdout).expect("a definition on stdout");
    assert_eq!(def["steps"][0]["fields"][0]["label"], "Familienname");
    assert!(String::from_utf8_lossy(&ok.stderr).contains("not mapped: rule R60000037"));
    let bad = std::process::Command::new(BIN)
        .args([
            "forms",
            "import-fim",
            &format!("{fim}/v3/unexpected-node.xml"),
        ])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("unexpected element <unknown>"),
        "{}",
        text(&bad)
    );
}

#[tokio::test]
async fn a_fim_file_is_stored_as_the_draft_form_of_a_service() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let dir = tempfile::tempdir().expect("dir");
    inst.cli(&[
        "user",
        "create",
        "--email",
        "chef@musterstadt.example",
        "--name",
        "Chefin",
        "--role",
        "admin",
    ])
    .expect("create");
    let file = dir.path().join("k.json");
    let catalogue = serde_json::json!({"format": "rathaus-catalogue/1", "services": [{"slug": "person", "title": "Person melden", "short_description": "x",
        "leika_key": "99000000000001", "fee": {"kind": "none"}, "org_unit_code": "0", "maturity_level": 1}]});
    std::fs::write(&file, catalogue.to_string()).expect("write");
    assert!(
        inst.cli(&["catalogue", "import", file.to_str().expect("path")])
            .expect("import")
            .status
            .success()
    );
    let fim = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/standards/fim/v2/simple.xml"
    );
    let stored = inst
        .cli(&["forms", "import-fim", fim, "--service", "person"])
        .expect("import-fim");
    assert!(stored.status.success(), "{}", text(&stored));
    assert!(
        text(&stored).contains("Stored as draft version 1 of person"),
        "{}",
        text(&stored)
    );
    let again = inst
        .cli(&["forms", "import-fim", fim, "--service", "person"])
        .expect("import-fim");
    assert!(
        text(&again).contains("draft version 1"),
        "the draft is replaced, not duplicated: {}",
        text(&again)
    );
    let unknown = inst
        .cli(&["forms", "import-fim", fim, "--service", "gibt-es-nicht"])
        .expect("import-fim");
    assert_eq!(unknown.status.code(), Some(2));
}

#[tokio::test]
async fn payments_import_reads_a_camt_053_file_once_and_refuses_other_files() {
    let inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let dir = tempfile::tempdir().expect("dir");
    let statement = dir.path().join("auszug.xml");
    std::fs::write(
        &statement,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>CLI-1</MsgId><CreDtTm>2027-01-05T06:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>CLI-1-1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2027-01-04</Dt></BookgDt><AcctSvcrRef>CLI-REF</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>Spende</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"#,
    )
    .expect("write");
    let path = statement.to_string_lossy().into_owned();
    let first = inst.cli(&["payments", "import", &path]).expect("run");
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("1 credits: 0 booked, 1 listed"),
        "an unknown reference is listed: {}",
        text(&first)
    );
    let again = inst.cli(&["payments", "import", &path]).expect("run");
    assert!(again.status.success());
    assert!(
        text(&again).contains("nothing was booked again"),
        "{}",
        text(&again)
    );
    let other = dir.path().join("report.xml");
    std::fs::write(
        &other,
        r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>"#,
    )
    .expect("write");
    let refused = inst
        .cli(&["payments", "import", &other.to_string_lossy()])
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused).contains("camt.054.001.08, not a camt.053"),
        "{}",
        text(&refused)
    );
}
