//! Fees: the clerk sets the fee (a claim with a Kassenzeichen), the
//! citizen sees amount, IBAN, reference and a GiroCode; the treasury staff
//! hand claims over (CSV/JSON, again downloadable), import camt.053
//! statements (exact, partial, over, unknown, duplicate, foreign currency;
//! the same file twice books nothing; a wrong file books nothing) and
//! clear what was listed.

use kernel::{Actor, CaseId, Role};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, spawn_app_with};

const IBAN: &str = "DE02120300000000202051";

async fn app() -> TestApp {
    let app = spawn_app_with(|s| s.fees.iban = IBAN.into()).await;
    app.seed_demo().await;
    app
}

async fn actor_of(app: &TestApp, id: kernel::AccountId) -> Actor {
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), id)
        .await
        .expect("account");
    app.app.identity.actor_for(&acc).await.expect("actor")
}

async fn case_ids(app: &TestApp) -> Vec<uuid::Uuid> {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case ORDER BY received_at, id").fetch_all(pool).await).expect("cases")
}

async fn unit_code(app: &TestApp, case: uuid::Uuid) -> String {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT u.code FROM identity_org_unit u JOIN cases_case c ON c.org_unit_id = u.id WHERE c.id = $1").bind(case).fetch_one(pool).await).expect("unit code")
}

/// `n` cases made from API submissions and a clerk of their unit.
async fn cases_and_clerk(app: &TestApp, n: usize) -> (Vec<uuid::Uuid>, Actor) {
    let token = app.api_token(&["submissions:write"]).await;
    for _ in 0..n {
        crate::cases::submit(app, &token).await;
    }
    app.run_jobs().await;
    let ids = case_ids(app).await;
    let code = unit_code(app, ids[0]).await;
    let clerk = app
        .create_staff(
            &format!("sb-{}@musterstadt.example", uuid::Uuid::now_v7().simple()),
            &code,
            &[Role::Clerk],
        )
        .await;
    (ids, actor_of(app, clerk).await)
}

async fn set_fee(app: &TestApp, clerk: &Actor, case: uuid::Uuid, cents: i64) -> String {
    let claim = app
        .app
        .cases
        .set_fee(clerk, CaseId(case), 1, cents, "Gebühr Bewohnerparkausweis")
        .await
        .expect("fee");
    claim.reference.expect("Kassenzeichen from the range")
}

async fn claim_row(app: &TestApp, reference: &str) -> (i64, i64, String) {
    storage::on_db!(&app.app.db, pool => sqlx::query_as::<_, (i64, i64, String)>("SELECT amount_cents, paid_cents, status FROM cases_fee_claim WHERE reference = $1").bind(reference).fetch_one(pool).await).expect("claim")
}

/// A camt.053.001.02 file with credits (key, amount, currency, text) and
/// one debit.
fn camt(message: &str, credits: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut entries = String::new();
    for (key, amount, ccy, text) in credits {
        entries.push_str(&format!(
            "<Ntry><Amt Ccy=\"{ccy}\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2027-01-04</Dt></BookgDt><AcctSvcrRef>{key}</AcctSvcrRef>\
             <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Aylin Yılmaz</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>{message}</MsgId><CreDtTm>2027-01-05T06:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>{message}-1</Id><CreDtTm>2027-01-05T06:00:00</CreDtTm><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>{entries}\
         <Ntry><Amt Ccy=\"EUR\">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2027-01-04</Dt></BookgDt></Ntry>\
         </Stmt></BkToCstmrStmt></Document>"
    )
    .into_bytes()
}

async fn treasury_staff(app: &TestApp) -> kernel::AccountId {
    let id = app
        .create_staff("kasse-test@musterstadt.example", "20", &[Role::Treasury])
        .await;
    app.login_staff("kasse-test@musterstadt.example").await;
    id
}

#[tokio::test]
async fn the_clerk_sets_the_fee_and_the_citizen_sees_what_to_pay_with_a_girocode() {
    let mut app = app().await;
    app.login_citizen("erika.mustermann@example.org").await;
    let (draft, to) = crate::applications::start(&app).await;
    app.post_form(&to, &[("prefill", "no")]).await;
    crate::applications::fill_all(&app, &draft).await;
    let sent = app
        .post_form(
            &format!("/antrag/{draft}/absenden"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(sent.status, 303);
    app.run_jobs().await;
    let case = case_ids(&app).await[0];
    let code = unit_code(&app, case).await;

    app.new_browser();
    app.create_staff("sb-gebuehr@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("sb-gebuehr@musterstadt.example").await;
    let base = format!("/arbeit/vorgaenge/{case}");
    let page = app.get(&base).await;
    assert!(page.body.contains("id=\"set-fee\""), "{}", page.body);
    // One year of residents' parking: 30,60 € by the form's rule.
    assert!(
        page.body.contains("value=\"30,60\""),
        "the rule's fee is proposed"
    );

    let wrong = app
        .post_form(
            &format!("{base}/gebuehr"),
            &[
                ("revision", "1"),
                ("amount", "dreißig"),
                ("purpose", "Gebühr"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Geben Sie einen Betrag in Euro an"));
    assert!(
        wrong.body.contains("value=\"dreißig\""),
        "the input is kept"
    );
    assert_eq!(app.count("cases_fee_claim").await, 0);

    let set = app
        .post_form(
            &format!("{base}/gebuehr"),
            &[
                ("revision", "1"),
                ("amount", "30,60"),
                ("purpose", "Gebühr Bewohnerparkausweis"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let reference: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT reference FROM cases_fee_claim").fetch_one(pool).await).expect("claim");
    assert_eq!(reference.len(), 13);
    assert!(reference.starts_with("5100"));
    assert!(cases::fees::domain::luhn_valid(&reference));
    let page = app.get(&base).await;
    assert!(page.body.contains(&reference));
    assert!(
        page.body.contains("Gebühr festgesetzt: 30,60 €"),
        "in the timeline"
    );
    let again = app
        .post_form(
            &format!("{base}/gebuehr"),
            &[
                ("revision", "2"),
                ("amount", "10"),
                ("purpose", "noch eine"),
            ],
        )
        .await;
    assert_eq!(again.status, 409, "one claim per case");

    app.new_browser();
    app.login_citizen("erika.mustermann@example.org").await;
    let own = app.get("/konto/vorgaenge").await;
    assert!(own.body.contains("30,60 €"), "{}", own.body);
    assert!(own.body.contains("DE02 1203 0000 0000 2020 51"));
    assert!(own.body.contains(&reference));
    let claim_id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_fee_claim").fetch_one(pool).await).expect("claim");
    let img = format!("/konto/gebuehren/{claim_id}/girocode.svg");
    assert!(own.body.contains(&img));
    let svg = app.get(&img).await;
    assert_eq!(svg.status, 200);
    assert!(svg.body.contains("<svg"));
    let api = app
        .api(Method::GET, "/api/v1/account/cases", None, None)
        .await;
    let fee = &api.json()[0]["fee"];
    assert_eq!(fee["amount"], "30.60");
    assert_eq!(fee["reference"], reference.as_str());
    assert_eq!(
        fee["girocode"],
        format!(
            "BCD\n002\n1\nSCT\n\nStadtkasse Musterstadt\n{IBAN}\nEUR30.60\n\n\nKassenzeichen {reference}"
        )
    );

    // Someone else's GiroCode is not there for another citizen.
    app.new_browser();
    app.login_citizen("max.mustermann@example.org").await;
    assert_eq!(app.get(&img).await.status, 404);
}

#[tokio::test]
async fn bank_statements_book_exact_payments_and_list_everything_else_for_a_person() {
    let mut app = app().await;
    let (ids, clerk) = cases_and_clerk(&app, 4).await;
    let exact = set_fee(&app, &clerk, ids[0], 3060).await;
    let partial = set_fee(&app, &clerk, ids[1], 3060).await;
    let over = set_fee(&app, &clerk, ids[2], 1000).await;
    let later = set_fee(&app, &clerk, ids[3], 2500).await;
    treasury_staff(&app).await;

    let spaced = format!("KZ {} {} {}", &exact[..4], &exact[4..8], &exact[8..]);
    let file = camt(
        "MSG-1",
        &[
            ("E-1", "30.60", "EUR", &spaced),
            ("E-2", "20.00", "EUR", &format!("Teilzahlung {partial}")),
            ("E-3", "15.00", "EUR", &over),
            ("E-4", "25.00", "EUR", "Parkausweis Yilmaz"),
            ("E-5", "25.00", "USD", &later),
            ("E-1", "30.60", "EUR", &spaced),
        ],
    );
    let page = app
        .post_multipart(
            "/arbeit/kasse/kontoauszug",
            &[],
            &[("file", "auszug.xml", file.clone())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<span id=\"import-booked\">1</span>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<span id=\"import-listed\">5</span>"));
    assert_eq!(claim_row(&app, &exact).await, (3060, 3060, "paid".into()));
    assert_eq!(claim_row(&app, &partial).await, (3060, 2000, "open".into()));
    assert_eq!(claim_row(&app, &over).await, (1000, 1500, "paid".into()));
    assert_eq!(claim_row(&app, &later).await, (2500, 0, "open".into()));
    let outcomes: Vec<String> = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT outcome FROM cases_payment ORDER BY id").fetch_all(pool).await).expect("payments");
    assert_eq!(
        outcomes,
        vec![
            "booked",
            "partial",
            "over",
            "unknown",
            "currency",
            "duplicate"
        ]
    );
    let listed = app.get("/arbeit/kasse").await;
    for label in [
        "Teilzahlung",
        "Überzahlung",
        "Kassenzeichen unbekannt",
        "Andere Währung",
        "Doppelt eingelesen",
    ] {
        assert!(listed.body.contains(label), "{label} listed");
    }
    // The clerk sees the payment on the case.
    let case_page = app
        .app
        .cases
        .case_view(&clerk, CaseId(ids[0]))
        .await
        .expect("view");
    assert!(
        case_page
            .timeline
            .iter()
            .any(|t| t.detail.starts_with("Zahlung eingegangen: 30,60 €"))
    );

    // The same file again books nothing.
    let payments = app.count("cases_payment").await;
    let again = app
        .post_multipart(
            "/arbeit/kasse/kontoauszug",
            &[],
            &[("file", "auszug.xml", file)],
        )
        .await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("bereits eingelesen"), "{}", again.body);
    assert_eq!(app.count("cases_payment").await, payments);
    assert_eq!(claim_row(&app, &exact).await.1, 3060);

    // A later statement repeating a bank entry lists it as a duplicate.
    let overlap = camt("MSG-2", &[("E-1", "30.60", "EUR", &exact)]);
    app.post_multipart(
        "/arbeit/kasse/kontoauszug",
        &[],
        &[("file", "b.xml", overlap)],
    )
    .await;
    assert_eq!(claim_row(&app, &exact).await.1, 3060, "not booked twice");
    assert_eq!(app.count("cases_payment").await, payments + 1);

    // Files that are not camt.053 book nothing and say why.
    let report = String::from_utf8(camt("MSG-3", &[("E-9", "25.00", "EUR", &later)]))
        .expect("utf8")
        .replace("camt.053.001.02", "camt.052.001.02");
    let refused = app
        .post_multipart(
            "/arbeit/kasse/kontoauszug",
            &[],
            &[("file", "c.xml", report.into_bytes())],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("kein Kontoauszug camt.053"),
        "{}",
        refused.body
    );
    let broken =
        String::from_utf8(camt("MSG-4", &[("E-9", "25,00", "EUR", &later)])).expect("utf8");
    let refused = app
        .post_multipart(
            "/arbeit/kasse/kontoauszug",
            &[],
            &[("file", "d.xml", broken.into_bytes())],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Stmt[1]/Ntry[1]/Amt"));
    assert_eq!(app.count("cases_payment").await, payments + 1);
    assert_eq!(app.count("cases_bank_statement").await, 2);

    // A person clears the unknown payment: a wrong reference is refused,
    // the right one books it.
    let unknown: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_payment WHERE outcome = 'unknown'").fetch_one(pool).await).expect("unknown");
    let wrong = app
        .post_form(
            &format!("/arbeit/kasse/zahlungen/{unknown}"),
            &[("action", "assign"), ("reference", "510099999")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("keine Gebühr"));
    let ok = app
        .post_form(
            &format!("/arbeit/kasse/zahlungen/{unknown}"),
            &[("action", "assign"), ("reference", &later)],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(claim_row(&app, &later).await, (2500, 2500, "paid".into()));
    let dup: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_payment WHERE outcome = 'duplicate' ORDER BY id LIMIT 1").fetch_one(pool).await).expect("dup");
    let no_note = app
        .post_form(
            &format!("/arbeit/kasse/zahlungen/{dup}"),
            &[("action", "done"), ("note", " ")],
        )
        .await;
    assert_eq!(no_note.status, 422);
    let done = app
        .post_form(
            &format!("/arbeit/kasse/zahlungen/{dup}"),
            &[("action", "done"), ("note", "Bank hat doppelt gemeldet")],
        )
        .await;
    assert_eq!(done.status, 303);
    let open: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases_payment WHERE outcome <> 'booked' AND resolved_at IS NULL").fetch_one(pool).await).expect("open");
    assert_eq!(
        open, 4,
        "partial, over, currency and the second duplicate are left"
    );

    // Clerks do not see the treasury page.
    app.new_browser();
    let code = unit_code(&app, ids[0]).await;
    app.create_staff("sb-keine-kasse@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("sb-keine-kasse@musterstadt.example").await;
    assert_eq!(app.get("/arbeit/kasse").await.status, 403);
}

#[tokio::test]
async fn claims_are_handed_to_the_treasury_and_payments_come_back_through_the_api() {
    let app = app().await;
    let (ids, clerk) = cases_and_clerk(&app, 3).await;
    let first = set_fee(&app, &clerk, ids[0], 3060).await;
    let second = set_fee(&app, &clerk, ids[1], 1250).await;
    let treasurer = treasury_staff(&app).await;
    let mut bound = Actor::system("t");
    bound.account = Some(treasurer);
    let (_, token) = app
        .app
        .identity
        .create_api_token(
            &bound,
            "Kassenverfahren",
            &["payments:read".into(), "payments:write".into()],
        )
        .await
        .expect("token");
    let reader = app.api_token(&["cases:read"]).await;

    // The third fee is waived before the export; waived fees are not handed over.
    let waived = app
        .app
        .cases
        .waive_fee(
            &clerk,
            CaseId(ids[1]),
            2,
            "Härtefall nach § 8 Gebührensatzung",
        )
        .await
        .expect("waive");
    assert_eq!(waived.status, "waived");

    let made = app
        .api(Method::POST, "/api/v1/treasury/exports", Some(&token), None)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.json()["claims"], 1);
    let export = made.json()["id"].as_str().expect("id").to_owned();
    let nothing = app
        .api(Method::POST, "/api/v1/treasury/exports", Some(&token), None)
        .await;
    assert_eq!(nothing.status, 204, "nothing left to hand over");
    let file = app
        .api(
            Method::GET,
            &format!("/api/v1/treasury/exports/{export}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(file.status, 200);
    let claims = file.json()["claims"].clone();
    assert_eq!(claims.as_array().map(Vec::len), Some(1));
    assert_eq!(claims[0]["kassenzeichen"], first.as_str());
    assert_eq!(claims[0]["amount"], "30.60");
    assert_eq!(claims[0]["debtor"], "Aylin Yılmaz");
    assert_eq!(claims[0]["address"], "Marktplatz 1\n51147 Musterstadt");
    let csv = app
        .api(
            Method::GET,
            &format!("/api/v1/treasury/exports/{export}/csv"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some(
            "claim_id,kassenzeichen,case_reference,debtor,address,purpose,amount,currency,due_on,created_at"
        )
    );
    assert!(csv.body.contains(&format!(",{first},")));
    assert!(
        csv.body.contains("\"Marktplatz 1\n51147 Musterstadt\""),
        "quoted: {}",
        csv.body
    );
    assert!(
        !csv.body.contains(&second),
        "the waived claim is not exported"
    );
    // Handed over: it cannot be waived here any more.
    let late = app
        .app
        .cases
        .waive_fee(&clerk, CaseId(ids[0]), 2, "zu spät")
        .await;
    assert!(matches!(late, Err(cases::CasesError::Conflict(_))));

    // The treasury reports payments: a second report of one is a duplicate.
    let report = json!({"payments": [
        {"id": "KASSE-1", "reference": first, "amount": "30.60", "booked_on": "2027-01-04", "payer": "Aylin Yılmaz"},
    ]});
    let booked = app
        .api(
            Method::POST,
            "/api/v1/treasury/payments",
            Some(&token),
            Some(report.clone()),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(booked.json()["booked"], 1);
    let twice = app
        .api(
            Method::POST,
            "/api/v1/treasury/payments",
            Some(&token),
            Some(report),
        )
        .await;
    assert_eq!(twice.json()["payments"][0]["outcome"], "duplicate");
    assert_eq!(claim_row(&app, &first).await, (3060, 3060, "paid".into()));
    let bad = app
        .api(
            Method::POST,
            "/api/v1/treasury/payments",
            Some(&token),
            Some(json!({"payments": [{"id": "K-2", "reference": first, "amount": "30,60", "booked_on": "2027-01-04"}]})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("payments[0].amount"), "{}", bad.body);

    // camt.053 through the API: 201, then 200 for the same file.
    let third = set_fee(&app, &clerk, ids[2], 500).await;
    let file = camt("API-1", &[("A-1", "5.00", "EUR", &third)]);
    let sent = app
        .api_raw(
            Method::POST,
            "/api/v1/treasury/statements",
            &token,
            "application/xml",
            file.clone(),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.json()["booked"], 1);
    let again = app
        .api_raw(
            Method::POST,
            "/api/v1/treasury/statements",
            &token,
            "application/xml",
            file,
        )
        .await;
    assert_eq!(again.status, 200);
    assert!(again.json()["duplicate_of"].is_string());
    let wrong = app
        .api_raw(
            Method::POST,
            "/api/v1/treasury/statements",
            &token,
            "application/xml",
            b"<x/>".to_vec(),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("camt_not_camt053"), "{}", wrong.body);

    let exceptions = app
        .api(
            Method::GET,
            "/api/v1/treasury/exceptions",
            Some(&token),
            None,
        )
        .await;
    let listed: Vec<Value> = exceptions.json().as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "the duplicate report");
    let id = listed[0]["id"].as_str().expect("id");
    let cleared = app
        .api(
            Method::POST,
            &format!("/api/v1/treasury/exceptions/{id}"),
            Some(&token),
            Some(json!({"action": "done", "note": "zweite Meldung der Kasse"})),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.json()["resolution"], "done");

    // Without the treasury role or scope: forbidden.
    assert_eq!(
        app.api(
            Method::GET,
            "/api/v1/treasury/exceptions",
            Some(&reader),
            None
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn the_treasury_can_assign_the_kassenzeichen_itself() {
    let app = spawn_app_with(|s| {
        s.fees.iban = IBAN.into();
        s.fees.reference_source = "treasury".into();
    })
    .await;
    app.seed_demo().await;
    let (ids, clerk) = cases_and_clerk(&app, 1).await;
    let claim = app
        .app
        .cases
        .set_fee(&clerk, CaseId(ids[0]), 1, 3060, "Gebühr")
        .await
        .expect("fee");
    assert_eq!(claim.reference, None, "the treasury assigns it");
    let treasurer = treasury_staff(&app).await;
    let actor = actor_of(&app, treasurer).await;
    let bad = app
        .app
        .cases
        .assign_reference(&actor, claim.id, "KZ 2027<script>")
        .await;
    assert!(matches!(bad, Err(cases::CasesError::Invalid(_))));
    let set = app
        .app
        .cases
        .assign_reference(&actor, claim.id, "KZ-2027-000815")
        .await
        .expect("assigned");
    assert_eq!(set.reference.as_deref(), Some("KZ-2027-000815"));
    let twice = app
        .app
        .cases
        .assign_reference(&actor, claim.id, "KZ-2027-000816")
        .await;
    assert!(matches!(twice, Err(cases::CasesError::Conflict(_))));
    // A payment naming it is matched as written.
    let report = app
        .app
        .cases
        .import_statement(
            &actor,
            &camt(
                "T-1",
                &[("T-1", "30.60", "EUR", "Gebuehr KZ-2027-000815 Yilmaz")],
            ),
        )
        .await
        .expect("import");
    assert_eq!(report.booked, 1);
    assert_eq!(claim_row(&app, "KZ-2027-000815").await.2, "paid");
}
