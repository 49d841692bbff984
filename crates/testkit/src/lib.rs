//! Test support for rathaus.
//!
//! - [`spawn_app`] starts the whole application on a random port with its
//!   own database: a temporary SQLite file, or, when
//!   `RATHAUS_TEST_POSTGRES_URL` is set, a fresh PostgreSQL database cloned
//!   from a migrated template and dropped afterwards.
//! - [`TestApp`] has typed helpers: forms with their CSRF token, logins
//!   with TOTP, API tokens, the job runner, the mails written.
//! - [`crash`] starts the real binary as a child process, so tests can kill
//!   it with SIGKILL while writes are in flight.

pub mod crash;
pub mod pg;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use kernel::{Actor, Clock, ManualClock};
use rathaus::app::Application;
use rathaus::config::Settings;
use reqwest::StatusCode;
use reqwest::cookie::CookieStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Password of every account the kit creates (the demo's, so demo
/// accounts log in the same way).
pub const PASSWORD: &str = rathaus::demo::DEMO_PASSWORD;

/// A running application for one test.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The application (services, database, job runner).
    pub app: Application,
    /// The clock the application uses.
    pub clock: ManualClock,
    /// A browser-like client: cookies, no automatic redirects.
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    totp_secrets: Mutex<HashMap<String, String>>,
    _dir: tempfile::TempDir,
    _pg: Option<pg::TestDatabase>,
}

/// Starts rathaus for one test (see the crate docs for the database).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with a chance to change the settings.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    match try_spawn(change).await {
        Ok(app) => app,
        Err(e) => panic!("could not start the test app: {e:#}"),
    }
}

async fn try_spawn(change: impl FnOnce(&mut Settings)) -> Result<TestApp> {
    let dir = tempfile::tempdir()?;
    let pg = match std::env::var("RATHAUS_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(pg::TestDatabase::create(&url).await?),
        _ => None,
    };
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        listen: "127.0.0.1:0".into(),
        database_url: pg.as_ref().map(|p| p.url.clone()).unwrap_or_default(),
        ..Settings::default()
    };
    settings.jobs.run_in_background = false;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    settings.public_url = address.clone();
    change(&mut settings);
    let clock = ManualClock::new(Utc::now());
    let app = Application::build(settings, Arc::new(clock.clone())).await?;
    let serving = app.clone();
    tokio::spawn(async move {
        let _ = serving.serve(listener, std::future::pending()).await;
    });
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok(TestApp {
        address,
        app,
        clock,
        client,
        jar,
        totp_secrets: Mutex::new(HashMap::new()),
        _dir: dir,
        _pg: pg,
    })
}

/// A response read completely.
#[derive(Debug)]
pub struct Page {
    /// Status.
    pub status: StatusCode,
    /// `Location` header, if any.
    pub location: Option<String>,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text (lossy for binary bodies).
    pub body: String,
    /// Body bytes.
    pub bytes: Vec<u8>,
}

impl Page {
    async fn read(res: reqwest::Response) -> Result<Page> {
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = res.bytes().await?.to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Page {
            status,
            location,
            headers,
            body,
            bytes,
        })
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The non-empty values of every `<option>` on the page, in order.
    pub fn option_values(&self) -> Vec<String> {
        self.body
            .split("<option value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The first form action on the page that ends with `suffix`.
    pub fn form_action(&self, suffix: &str) -> Option<String> {
        self.body
            .split("action=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .find(|a| a.ends_with(suffix))
            .map(str::to_owned)
    }

    /// The text between `start` and the next `end` after it.
    pub fn between(&self, start: &str, end: &str) -> Option<String> {
        let from = self.body.find(start)? + start.len();
        let rest = self.body.get(from..)?;
        Some(rest.get(..rest.find(end)?)?.to_owned())
    }
}

impl TestApp {
    /// GET a path with the browser client.
    pub async fn get(&self, path: &str) -> Page {
        self.try_get(path)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:#}"))
    }

    async fn try_get(&self, path: &str) -> Result<Page> {
        Page::read(
            self.client
                .get(format!("{}{path}", self.address))
                .send()
                .await?,
        )
        .await
    }

    /// The CSRF token of the browser client (fetches a page first if the
    /// client has none yet).
    pub async fn csrf(&self) -> String {
        if let Some(t) = self.csrf_cookie() {
            return t;
        }
        self.get("/").await;
        self.csrf_cookie().unwrap_or_default()
    }

    fn csrf_cookie(&self) -> Option<String> {
        let url = url::Url::parse(&self.address).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .find_map(|c| c.trim().strip_prefix("rathaus_csrf=").map(str::to_owned))
    }

    /// POST a form with the right CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .form(fields)
            .send()
            .await;
        match res {
            Ok(r) => Page::read(r)
                .await
                .unwrap_or_else(|e| panic!("POST {path}: {e:#}")),
            Err(e) => panic!("POST {path}: {e:#}"),
        }
    }

    /// POST a multipart form (with files: name, file name, content) and the
    /// right CSRF token, as a browser sends a page with uploads.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf().await);
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        for (name, file_name, bytes) in files {
            form = form.part(
                (*name).to_owned(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name((*file_name).to_owned()),
            );
        }
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .multipart(form)
            .send()
            .await;
        match res {
            Ok(r) => Page::read(r)
                .await
                .unwrap_or_else(|e| panic!("POST {path}: {e:#}")),
            Err(e) => panic!("POST {path}: {e:#}"),
        }
    }

    /// Logs a citizen in (password login of the portal).
    pub async fn login_citizen(&self, email: &str) {
        let page = self
            .post_form(
                "/anmelden",
                &[("email", email), ("password", PASSWORD), ("next", "")],
            )
            .await;
        assert_eq!(page.status, 303, "citizen login of {email}: {}", page.body);
    }

    /// Forgets every cookie: the next requests come from another browser
    /// (another device, or someone else).
    pub fn new_browser(&mut self) {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        if let Ok(client) = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            self.client = client;
            self.jar = jar;
        }
    }

    /// A request to the API, with an optional bearer token.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Page {
        self.api_with(method, path, token, &[], body).await
    }

    /// A request to the API with extra headers.
    pub async fn api_with(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Page {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        match req.send().await {
            Ok(r) => Page::read(r)
                .await
                .unwrap_or_else(|e| panic!("API {path}: {e:#}")),
            Err(e) => panic!("API {path}: {e:#}"),
        }
    }

    /// A request to the API with a raw body of `content_type` (files such
    /// as bank statements).
    pub async fn api_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Page {
        let req = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        match req.send().await {
            Ok(r) => Page::read(r)
                .await
                .unwrap_or_else(|e| panic!("API {path}: {e:#}")),
            Err(e) => panic!("API {path}: {e:#}"),
        }
    }

    /// A request to the API with a raw body, authenticated by the
    /// browser's session.
    pub async fn api_raw_session(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Page {
        let req = self
            .client
            .request(method, format!("{}{path}", self.address))
            .header("content-type", content_type)
            .body(body);
        match req.send().await {
            Ok(r) => Page::read(r)
                .await
                .unwrap_or_else(|e| panic!("API {path}: {e:#}")),
            Err(e) => panic!("API {path}: {e:#}"),
        }
    }

    /// Seeds the demo city.
    pub async fn seed_demo(&self) {
        let dir = self.app.settings.data_dir.clone();
        rathaus::demo::seed(&self.app.identity, &dir)
            .await
            .unwrap_or_else(|e| panic!("demo seed: {e:#}"));
        rathaus::demo::seed_catalogue(&self.app.catalogue)
            .await
            .unwrap_or_else(|e| panic!("demo catalogue: {e:#}"));
        rathaus::demo::seed_forms(&self.app.forms, &self.app.catalogue)
            .await
            .unwrap_or_else(|e| panic!("demo forms: {e:#}"));
        rathaus::demo::seed_workplace(&self.app.workplace, &self.app.identity)
            .await
            .unwrap_or_else(|e| panic!("demo mobile work: {e:#}"));
        rathaus::demo::seed_rooms(&self.app.rooms, &self.app.identity)
            .await
            .unwrap_or_else(|e| panic!("demo team rooms: {e:#}"));
        rathaus::demo::seed_records(&self.app.records)
            .await
            .unwrap_or_else(|e| panic!("demo file plan: {e:#}"));
        rathaus::demo::seed_case_types(&self.app.cases, &self.app.catalogue, &self.app.identity)
            .await
            .unwrap_or_else(|e| panic!("demo case types: {e:#}"));
        self.run_jobs().await;
    }

    /// Creates a staff account with roles in the unit with `unit_code`
    /// (creating the root unit when there is none).
    pub async fn create_staff(
        &self,
        email: &str,
        unit_code: &str,
        roles: &[kernel::Role],
    ) -> kernel::AccountId {
        let system = Actor::system("test");
        let svc = &self.app.identity;
        let mut units = svc.org_units(&system).await.unwrap_or_default();
        if units.is_empty()
            && let Ok(root) = svc
                .create_org_unit(&system, None, "0", "Stadtverwaltung")
                .await
        {
            units.push(root);
        }
        let unit = match units.iter().find(|u| u.code == unit_code) {
            Some(u) => u.id,
            None => {
                let root = units.iter().find(|u| u.parent.is_none()).map(|u| u.id);
                match svc
                    .create_org_unit(&system, root, unit_code, &format!("Amt {unit_code}"))
                    .await
                {
                    Ok(u) => u.id,
                    Err(e) => panic!("create unit: {e}"),
                }
            }
        };
        match svc
            .create_account(
                &system,
                identity::service::NewAccount {
                    kind: Some(identity::AccountKind::Staff),
                    email: email.into(),
                    display_name: email.split('@').next().unwrap_or("x").into(),
                    password: PASSWORD.into(),
                    org_unit: Some(unit),
                    roles: roles.to_vec(),
                },
            )
            .await
        {
            Ok(a) => a.id,
            Err(e) => panic!("create staff: {e:?}"),
        }
    }

    /// The current TOTP code for a secret, by the app's clock.
    pub fn totp_code(&self, secret: &str, offset_steps: i64) -> String {
        let t = self.clock.now().timestamp() + offset_steps * 30;
        identity::totp::code_at(secret, u64::try_from(t).unwrap_or(0)).unwrap_or_default()
    }

    /// Logs a staff member in through the pages, enrolling TOTP on the
    /// first login and using the next time step afterwards.
    pub async fn login_staff(&self, email: &str) {
        if let Err(e) = self.try_login_staff(email, PASSWORD).await {
            panic!("staff login of {email}: {e:#}");
        }
    }

    async fn try_login_staff(&self, email: &str, password: &str) -> Result<()> {
        let page = self
            .post_form(
                "/arbeit/anmelden",
                &[("email", email), ("password", password), ("next", "")],
            )
            .await;
        let to = page.location.clone().context("login did not redirect")?;
        if to.starts_with("/arbeit/anmelden/einrichten") {
            let enrol = self.get("/arbeit/anmelden/einrichten").await;
            let secret = enrol
                .between("id=\"totp-secret\">", "<")
                .context("no secret on the enrolment page")?;
            let code = self.totp_code(&secret, 0);
            let done = self
                .post_form(
                    "/arbeit/anmelden/einrichten",
                    &[("code", &code), ("next", "")],
                )
                .await;
            if !done.body.contains("recovery-codes") {
                bail!("enrolment failed: {}", done.status);
            }
            self.totp_secrets
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .insert(email.to_owned(), secret);
            // The code of this step is used; later logins move the clock on.
            self.clock.advance(chrono::Duration::seconds(30));
        } else if to.starts_with("/arbeit/anmelden/code") {
            let secret = self
                .totp_secret(email)
                .context("no TOTP secret known for this account")?;
            let code = self.totp_code(&secret, 0);
            let done = self
                .post_form("/arbeit/anmelden/code", &[("code", &code), ("next", "")])
                .await;
            if done.status != StatusCode::SEE_OTHER {
                bail!("second factor refused: {}", done.status);
            }
            self.clock.advance(chrono::Duration::seconds(30));
        } else if to != "/arbeit" {
            bail!("unexpected redirect to {to}");
        }
        Ok(())
    }

    /// The TOTP secret enrolled for an account by [`TestApp::login_staff`].
    pub fn totp_secret(&self, email: &str) -> Option<String> {
        self.totp_secrets.lock().ok()?.get(email).cloned()
    }

    /// Logs out the browser client.
    pub async fn logout(&self) {
        self.post_form("/abmelden", &[]).await;
    }

    /// An API token with `scopes`, made by a new admin account.
    pub async fn api_token(&self, scopes: &[&str]) -> String {
        let email = format!(
            "api-admin-{}@musterstadt.example",
            uuid::Uuid::now_v7().simple()
        );
        let admin_id = self.create_staff(&email, "0", &[kernel::Role::Admin]).await;
        let svc = &self.app.identity;
        let account = svc
            .account(&Actor::system("test"), admin_id)
            .await
            .map(|(a, _)| a)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let actor = svc
            .actor_for(&account)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        svc.create_api_token(&actor, "Test", &scopes)
            .await
            .map(|(_, t)| t)
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// Runs all due jobs now; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        self.app
            .jobs
            .run_due()
            .await
            .unwrap_or_else(|e| panic!("jobs: {e}"))
    }

    /// The text of every mail written so far.
    pub fn mails(&self) -> Vec<String> {
        let dir = self.app.settings.data_dir.join("mail");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return vec![];
        };
        entries
            .flatten()
            .filter_map(|e| std::fs::read(e.path()).ok())
            .map(|b| decode_quoted_printable(&String::from_utf8_lossy(&b)))
            .collect()
    }

    /// The first link into this app found in the mail to `to`.
    pub fn link_in_mail_to(&self, to: &str, path_prefix: &str) -> Option<String> {
        let needle = format!("{}{}", self.address, path_prefix);
        self.mails()
            .into_iter()
            .filter(|m| m.contains(to))
            .find_map(|m| {
                let start = m.find(&needle)?;
                let rest = m.get(start + self.address.len()..)?;
                Some(rest.split_whitespace().next()?.to_owned())
            })
    }

    /// Number of rows in a table (tests check that bad input wrote nothing).
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: Result<i64, sqlx::Error> = storage::on_db!(&self.app.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await);
        n.unwrap_or_else(|e| panic!("count {table}: {e}"))
    }
}

/// Decodes quoted-printable soft line breaks and escapes, as mail bodies use.
pub fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::with_capacity(joined.len());
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        if b == b'=' {
            let hex = joined
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
