//! The identity use cases. Each takes the acting [`Actor`] (or is one of the
//! few anonymous ones: register, log in, reset a password), checks it,
//! writes through the store in one transaction together with its access-log
//! entry and any outbox job, and only then returns.

use crate::domain::{
    self, Account, AccountKind, AccountStatus, Deputy, Email, Grant, OrgUnit, SessionStage,
    TokenPurpose,
};
use crate::mail::{MAIL_JOB, OutgoingMail};
use crate::store::{ApiTokenRow, IdentityStore, NewAccountRow, NewApiToken};
use crate::{password, totp};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::{
    AccountId, Actor, ActorKind, ApiTokenId, Clock, FieldErrors, OrgUnitId, Role, RoleGrant,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AccessLog, AuditEntry, DbError, NewJob, Tx};
use uuid::Uuid;

/// Errors of identity use cases.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The input is invalid.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// No such thing (or not visible to the actor).
    #[error("not found")]
    NotFound,
    /// E-mail or password wrong (deliberately not saying which).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Too many failures: locked until the given time.
    #[error("locked until {0}")]
    Locked(DateTime<Utc>),
    /// Too many failures from this address.
    #[error("too many attempts")]
    RateLimited,
    /// The account must confirm its e-mail first.
    #[error("e-mail not confirmed")]
    Unverified,
    /// The account is disabled.
    #[error("account disabled")]
    Disabled,
    /// The second factor was wrong.
    #[error("wrong code")]
    BadCode,
    /// A link token is unknown, used or expired.
    #[error("invalid or expired link")]
    BadToken,
    /// Conflicts with existing data.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

impl From<storage::audit::AuditError> for IdentityError {
    fn from(e: storage::audit::AuditError) -> Self {
        IdentityError::Internal(e.to_string())
    }
}

/// Turns a unique-constraint violation into a field error (e-mail taken,
/// code taken …); other database errors stay what they are.
fn taken(field: &'static str, code: &'static str) -> impl Fn(DbError) -> IdentityError {
    move |e| {
        if e.is_unique_violation() {
            invalid(field, code)
        } else {
            e.into()
        }
    }
}

fn invalid(field: &str, code: &str) -> IdentityError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    IdentityError::Invalid(e)
}

/// Settings of the identity context.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// Staff must use a TOTP second factor.
    pub staff_totp_required: bool,
    /// Session lifetime after the last request.
    pub session_idle: Duration,
    /// Failed logins before an account is locked.
    pub lockout_threshold: i64,
    /// How long the lock lasts.
    pub lockout_for: Duration,
    /// Failed logins from one address within `lockout_for` before the
    /// address is refused.
    pub address_threshold: i64,
    /// Base URL for links in e-mails, e.g. `https://portal.musterstadt.de`.
    pub public_url: String,
    /// Issuer shown in authenticator apps.
    pub issuer: String,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            staff_totp_required: true,
            session_idle: Duration::hours(8),
            lockout_threshold: 5,
            lockout_for: Duration::minutes(15),
            address_threshold: 50,
            public_url: "http://127.0.0.1:8080".into(),
            issuer: "rathaus".into(),
        }
    }
}

/// A resolved session.
#[derive(Debug, Clone)]
pub enum SessionState {
    /// Password accepted; second factor or its enrolment pending.
    SecondFactor {
        /// Account.
        account: Account,
    },
    /// Fully logged in.
    Complete {
        /// Account.
        account: Account,
        /// The actor built from its grants.
        actor: Actor,
    },
}

/// What the caller should do after a correct password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginNext {
    /// Logged in.
    Done,
    /// Ask for the TOTP code.
    SecondFactor,
    /// Staff must set up TOTP first.
    EnrolTotp,
}

/// A new staff or citizen account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// Staff or citizen.
    pub kind: Option<AccountKind>,
    /// E-mail as typed.
    pub email: String,
    /// Name as typed.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Home unit (staff).
    pub org_unit: Option<OrgUnitId>,
    /// Roles in the home unit.
    pub roles: Vec<Role>,
}

/// TOTP enrolment data to show.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32 secret, for typing into the app.
    pub secret: String,
    /// `otpauth://` URL.
    pub url: String,
    /// QR code of the URL as SVG.
    pub qr_svg: String,
}

fn hash_password(plain: &str) -> Result<String, IdentityError> {
    password::hash(plain).map_err(|e| IdentityError::Internal(e.to_string()))
}

fn sha(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The identity use cases.
#[derive(Clone)]
pub struct IdentityService {
    store: IdentityStore,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    settings: IdentitySettings,
    on_job: Arc<dyn Fn() + Send + Sync>,
    tokens: TokenCache,
    panels: std::sync::OnceLock<Vec<Arc<dyn web::home::HomePanel>>>,
}

/// Actors of API tokens seen in the last [`TOKEN_TTL`], by token hash: an
/// integration's requests skip the four queries that build its actor.
/// Every change through this service empties it, so a revoked token or a
/// changed role takes effect at once in this process (and within
/// [`TOKEN_TTL`] when changed by another process, e.g. the CLI).
type TokenCache = Arc<std::sync::Mutex<HashMap<Vec<u8>, (std::time::Instant, Actor)>>>;

/// How long a token's actor is reused.
const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl IdentityService {
    /// The service. `on_job` is called after a transaction that enqueued a
    /// job committed (wakes the job runner).
    pub fn new(
        store: IdentityStore,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        settings: IdentitySettings,
        on_job: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        IdentityService {
            store,
            clock,
            log,
            settings,
            on_job,
            tokens: TokenCache::default(),
            panels: std::sync::OnceLock::new(),
        }
    }

    /// Sets what other contexts show on the staff start page (once, when
    /// the application is built).
    pub fn set_home_panels(&self, panels: Vec<Arc<dyn web::home::HomePanel>>) {
        let _ = self.panels.set(panels);
    }

    /// The start page's sections for `actor`.
    pub async fn home_sections(&self, actor: &Actor) -> Vec<web::home::HomeSection> {
        let mut out = Vec::new();
        for p in self.panels.get().map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(s) = p.section(actor).await {
                out.push(s);
            }
        }
        out
    }

    /// Settings in force.
    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today (UTC date of the injected clock).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    async fn commit(&self, tx: Tx) -> Result<(), IdentityError> {
        tx.commit().await?;
        self.log.nudge();
        if let Ok(mut cache) = self.tokens.lock() {
            cache.clear();
        }
        Ok(())
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        kind: &str,
        ids: Vec<String>,
    ) -> Result<(), IdentityError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(actor.audit_label(), action, kind, ids),
        )
        .await?;
        Ok(())
    }

    /// Logs that `actor` was shown personal data of `ids` (before the
    /// response leaves).
    pub async fn log_read(
        &self,
        actor: &Actor,
        action: &str,
        ids: Vec<String>,
    ) -> Result<(), IdentityError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.log
            .record(vec![AuditEntry::new(
                actor.audit_label(),
                action,
                "account",
                ids,
            )])
            .await?;
        Ok(())
    }

    async fn enqueue_mail(&self, tx: &mut Tx, mail: OutgoingMail) -> Result<(), IdentityError> {
        let payload =
            serde_json::to_value(&mail).map_err(|e| IdentityError::Internal(e.to_string()))?;
        storage::jobs::enqueue(tx, self.clock.as_ref(), NewJob::new(MAIL_JOB, payload)).await?;
        Ok(())
    }

    fn require(&self, ok: bool) -> Result<(), IdentityError> {
        if ok {
            Ok(())
        } else {
            Err(IdentityError::Forbidden)
        }
    }

    // --- org units -------------------------------------------------------

    /// The org unit tree (any staff member or system may read it).
    pub async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnit>, IdentityError> {
        self.require(
            actor.is_system()
                || actor.kind == ActorKind::Staff
                || actor.has_scope("org:read") && matches!(actor.kind, ActorKind::ApiToken { .. }),
        )?;
        Ok(self.store.units().await?)
    }

    /// Creates a unit below `parent` (admins of the parent; the root only
    /// by the system or an admin of an existing root when none exists).
    pub async fn create_org_unit(
        &self,
        actor: &Actor,
        parent: Option<OrgUnitId>,
        code: &str,
        name: &str,
    ) -> Result<OrgUnit, IdentityError> {
        let units = self.store.units().await?;
        match parent {
            Some(p) => {
                if !units.iter().any(|u| u.id == p) {
                    return Err(invalid("parent", "unit_unknown"));
                }
                self.require(actor.has_role_in(Role::Admin, p) && actor.has_scope("org:write"))?;
            }
            None => self.require(
                actor.is_system() || (units.is_empty() && actor.has_role_anywhere(Role::Admin)),
            )?,
        }
        let mut errors = FieldErrors::new();
        let code = code.trim();
        if code.is_empty() || code.len() > 32 {
            errors.add("code", "code_invalid");
        } else if units.iter().any(|u| u.code == code) {
            errors.add("code", "code_taken");
        }
        domain::check_name(name, "name", &mut errors);
        errors.into_result().map_err(IdentityError::Invalid)?;
        let unit = OrgUnit {
            id: OrgUnitId::new(),
            parent,
            code: code.to_owned(),
            name: name.trim().to_owned(),
        };
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_unit(&mut tx, &unit, now)
            .await
            .map_err(taken("code", "code_taken"))?;
        self.audit(
            &mut tx,
            actor,
            "org_unit.created",
            "org_unit",
            vec![unit.id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(unit)
    }

    // --- accounts --------------------------------------------------------

    /// Creates an account (admins; citizens register themselves instead).
    pub async fn create_account(
        &self,
        actor: &Actor,
        new: NewAccount,
    ) -> Result<Account, IdentityError> {
        self.require(actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:write"))?;
        let kind = new.kind.unwrap_or(AccountKind::Staff);
        let mut errors = FieldErrors::new();
        let email = Email::parse(&new.email);
        if email.is_none() {
            errors.add("email", "email_invalid");
        }
        domain::check_name(&new.display_name, "display_name", &mut errors);
        domain::check_password(&new.password, "password", &mut errors);
        if kind == AccountKind::Staff {
            match new.org_unit {
                None => errors.add("org_unit", "unit_missing"),
                Some(u) => {
                    let units = self.store.units().await?;
                    if !units.iter().any(|x| x.id == u) {
                        errors.add("org_unit", "unit_unknown");
                    } else if !actor.has_role_in(Role::Admin, u) {
                        return Err(IdentityError::Forbidden);
                    }
                }
            }
        }
        errors.into_result().map_err(IdentityError::Invalid)?;
        let email = email.ok_or_else(|| invalid("email", "email_invalid"))?;
        let hash = hash_password(&new.password)?;
        let id = AccountId::new();
        let now = self.now();
        let org_unit = if kind == AccountKind::Staff {
            new.org_unit
        } else {
            None
        };
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_account(
                &mut tx,
                &NewAccountRow {
                    id,
                    kind,
                    email: email.as_str(),
                    display_name: new.display_name.trim(),
                    password_hash: &hash,
                    status: AccountStatus::Active,
                    org_unit,
                },
                now,
            )
            .await
            .map_err(taken("email", "email_taken"))?;
        if let Some(unit) = org_unit {
            let mut roles = new.roles.clone();
            roles.sort_by_key(|r| r.as_str());
            roles.dedup();
            for role in roles {
                let g = Grant {
                    id: Uuid::now_v7(),
                    account: id,
                    org_unit: unit,
                    role,
                };
                self.store.insert_grant(&mut tx, &g, now).await?;
            }
        }
        self.audit(
            &mut tx,
            actor,
            "account.created",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        self.store.account(id).await?.ok_or(IdentityError::NotFound)
    }

    /// Lists accounts (admins). Logs the ids shown.
    pub async fn list_accounts(
        &self,
        actor: &Actor,
        kind: Option<AccountKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Account>, IdentityError> {
        self.require(actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:read"))?;
        let accounts = self
            .store
            .accounts(kind, limit.clamp(1, 500), offset.max(0))
            .await?;
        self.log_read(
            actor,
            "account.listed",
            accounts.iter().map(|a| a.id.to_string()).collect(),
        )
        .await?;
        Ok(accounts)
    }

    /// One account with its grants (admins, or the account itself).
    pub async fn account(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<(Account, Vec<Grant>), IdentityError> {
        let own = actor.account == Some(id) && !matches!(actor.kind, ActorKind::ApiToken { .. });
        self.require(
            own || (actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:read")),
        )?;
        let account = self
            .store
            .account(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let grants = self.store.grants_of(id).await?;
        self.log_read(actor, "account.viewed", vec![id.to_string()])
            .await?;
        Ok((account, grants))
    }

    /// Grants a role in a unit (admins of that unit).
    pub async fn grant_role(
        &self,
        actor: &Actor,
        account: AccountId,
        unit: OrgUnitId,
        role: Role,
    ) -> Result<Grant, IdentityError> {
        self.require(actor.has_role_in(Role::Admin, unit) && actor.has_scope("accounts:write"))?;
        let target = self
            .store
            .account(account)
            .await?
            .ok_or(IdentityError::NotFound)?;
        if target.kind != AccountKind::Staff {
            return Err(invalid("account", "not_staff"));
        }
        if !self.store.units().await?.iter().any(|u| u.id == unit) {
            return Err(invalid("org_unit", "unit_unknown"));
        }
        let g = Grant {
            id: Uuid::now_v7(),
            account,
            org_unit: unit,
            role,
        };
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_grant(&mut tx, &g, now)
            .await
            .map_err(taken("role", "role_already_granted"))?;
        self.audit(
            &mut tx,
            actor,
            "role.granted",
            "account",
            vec![account.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(g)
    }

    /// Revokes a grant (admins of its unit).
    pub async fn revoke_role(
        &self,
        actor: &Actor,
        account: AccountId,
        grant: Uuid,
    ) -> Result<(), IdentityError> {
        let grants = self.store.grants_of(account).await?;
        let g = grants
            .iter()
            .find(|g| g.id == grant)
            .ok_or(IdentityError::NotFound)?;
        self.require(
            actor.has_role_in(Role::Admin, g.org_unit) && actor.has_scope("accounts:write"),
        )?;
        let mut tx = self.store.db().begin().await?;
        self.store.delete_grant(&mut tx, account, grant).await?;
        self.audit(
            &mut tx,
            actor,
            "role.revoked",
            "account",
            vec![account.to_string()],
        )
        .await?;
        self.commit(tx).await
    }

    async fn change_status(
        &self,
        actor: &Actor,
        id: AccountId,
        to: fn(AccountStatus) -> Result<AccountStatus, domain::InvalidTransition>,
        action: &str,
    ) -> Result<Account, IdentityError> {
        self.require(actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:write"))?;
        let account = self
            .store
            .account(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        if actor.account == Some(id) {
            return Err(invalid("account", "cannot_change_self"));
        }
        let next = to(account.status).map_err(|_| invalid("status", "transition_invalid"))?;
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        self.store.set_status(&mut tx, id, next, now).await?;
        if next == AccountStatus::Disabled {
            self.store.delete_sessions_of(&mut tx, id).await?;
        }
        self.audit(&mut tx, actor, action, "account", vec![id.to_string()])
            .await?;
        self.commit(tx).await?;
        self.store.account(id).await?.ok_or(IdentityError::NotFound)
    }

    /// Disables an account and ends its sessions.
    pub async fn disable_account(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<Account, IdentityError> {
        self.change_status(actor, id, AccountStatus::disable, "account.disabled")
            .await
    }

    /// Enables a disabled account.
    pub async fn enable_account(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<Account, IdentityError> {
        self.change_status(actor, id, AccountStatus::enable, "account.enabled")
            .await
    }

    /// Sets a password directly (CLI and admins); ends the account's sessions.
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: AccountId,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        self.require(actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:write"))?;
        let mut errors = FieldErrors::new();
        domain::check_password(new_password, "password", &mut errors);
        errors.into_result().map_err(IdentityError::Invalid)?;
        let hash = hash_password(new_password)?;
        let mut tx = self.store.db().begin().await?;
        if self
            .store
            .set_password(&mut tx, id, &hash, self.now())
            .await?
            == 0
        {
            return Err(IdentityError::NotFound);
        }
        self.store.delete_sessions_of(&mut tx, id).await?;
        self.audit(
            &mut tx,
            actor,
            "account.password_set",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await
    }

    /// Finds an account id by e-mail (CLI).
    pub async fn account_id_by_email(
        &self,
        email: &str,
    ) -> Result<Option<AccountId>, IdentityError> {
        let Some(email) = Email::parse(email) else {
            return Ok(None);
        };
        Ok(self
            .store
            .credentials_by_email(email.as_str())
            .await?
            .map(|c| AccountId(c.id)))
    }

    // --- deputies --------------------------------------------------------

    /// Records that `deputy` acts for `principal` in a period (admins).
    pub async fn add_deputy(
        &self,
        actor: &Actor,
        principal: AccountId,
        deputy: AccountId,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    ) -> Result<Deputy, IdentityError> {
        self.require(actor.has_role_anywhere(Role::Admin) && actor.has_scope("accounts:write"))?;
        let mut errors = FieldErrors::new();
        if principal == deputy {
            errors.add("deputy", "deputy_same_person");
        }
        if ends_on < starts_on {
            errors.add("ends_on", "period_invalid");
        }
        for (field, id) in [("principal", principal), ("deputy", deputy)] {
            match self.store.account(id).await? {
                Some(a) if a.kind == AccountKind::Staff => {}
                _ => errors.add(field, "staff_unknown"),
            }
        }
        errors.into_result().map_err(IdentityError::Invalid)?;
        let d = Deputy {
            id: Uuid::now_v7(),
            principal,
            deputy,
            starts_on,
            ends_on,
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_deputy(&mut tx, &d, self.now()).await?;
        self.audit(
            &mut tx,
            actor,
            "deputy.added",
            "account",
            vec![principal.to_string(), deputy.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(d)
    }

    /// A staff member reports their own absence and who represents them
    /// meanwhile (a deputy period with themselves as principal).
    pub async fn report_absence(
        &self,
        actor: &Actor,
        deputy: Option<AccountId>,
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
    ) -> Result<Deputy, IdentityError> {
        let principal = match (actor.kind.clone(), actor.account) {
            (ActorKind::Staff, Some(a)) => a,
            _ => return Err(IdentityError::Forbidden),
        };
        let mut errors = FieldErrors::new();
        let today = self.now().date_naive();
        match starts_on {
            None => errors.add("starts_on", "date_invalid"),
            Some(d) if d < today => errors.add("starts_on", "date_past"),
            Some(_) => {}
        }
        match (starts_on, ends_on) {
            (_, None) => errors.add("ends_on", "date_invalid"),
            (Some(a), Some(b)) if b < a => errors.add("ends_on", "period_invalid"),
            _ => {}
        }
        match deputy {
            None => errors.add("deputy", "staff_unknown"),
            Some(d) if d == principal => errors.add("deputy", "deputy_same_person"),
            Some(d) => match self.store.account(d).await? {
                Some(a) if a.kind == AccountKind::Staff => {}
                _ => errors.add("deputy", "staff_unknown"),
            },
        }
        errors.into_result().map_err(IdentityError::Invalid)?;
        let (Some(deputy), Some(starts_on), Some(ends_on)) = (deputy, starts_on, ends_on) else {
            return Err(IdentityError::Forbidden);
        };
        let d = Deputy {
            id: Uuid::now_v7(),
            principal,
            deputy,
            starts_on,
            ends_on,
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_deputy(&mut tx, &d, self.now()).await?;
        self.audit(
            &mut tx,
            actor,
            "absence.reported",
            "account",
            vec![principal.to_string(), deputy.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(d)
    }

    /// All deputy periods (staff may see who represents whom).
    pub async fn deputies(&self, actor: &Actor) -> Result<Vec<Deputy>, IdentityError> {
        self.require(
            actor.is_system()
                || actor.kind == ActorKind::Staff
                || actor.has_scope("accounts:read")
                    && matches!(actor.kind, ActorKind::ApiToken { .. }),
        )?;
        Ok(self.store.deputies().await?)
    }

    /// Active staff who hold `role` for `unit` (directly or through a unit
    /// above it), by name: whom a case of that unit can be assigned to.
    pub async fn holders_for(
        &self,
        role: Role,
        unit: OrgUnitId,
    ) -> Result<Vec<(AccountId, String)>, IdentityError> {
        let units = self.store.units().await?;
        let mut out: Vec<(AccountId, String)> = self
            .store
            .holders_of(role)
            .await?
            .into_iter()
            .filter(|(_, _, at)| domain::covered_units(&units, OrgUnitId(*at)).contains(&unit))
            .map(|(id, name, _)| (AccountId(id), name))
            .collect();
        out.dedup_by_key(|(id, _)| *id);
        Ok(out)
    }

    /// Active staff whose home unit is one of `units` (the members of
    /// those teams), by name: (account, name, unit). For contexts that
    /// check their caller themselves.
    pub async fn members_of(
        &self,
        units: &[OrgUnitId],
    ) -> Result<Vec<(AccountId, String, OrgUnitId)>, IdentityError> {
        let ids: Vec<Uuid> = units.iter().map(|u| u.0).collect();
        Ok(self
            .store
            .members_of(&ids)
            .await?
            .into_iter()
            .map(|(a, n, u)| (AccountId(a), n, OrgUnitId(u)))
            .collect())
    }

    /// The home unit of an active staff member, without an access-log
    /// entry: for contexts that check their caller themselves and must not
    /// leave a trace of when they asked (a survey's audience check).
    pub async fn home_unit_of(&self, id: AccountId) -> Result<Option<OrgUnitId>, IdentityError> {
        Ok(self
            .store
            .account(id)
            .await?
            .filter(|a| a.status == AccountStatus::Active)
            .and_then(|a| a.org_unit))
    }

    /// E-mail addresses of the active staff among `ids` (e.g. survey
    /// reminders), without an access-log entry per person.
    pub async fn staff_emails(
        &self,
        ids: &[AccountId],
    ) -> Result<Vec<(AccountId, String)>, IdentityError> {
        let raw: Vec<Uuid> = ids.iter().map(|a| a.0).collect();
        Ok(self
            .store
            .staff_emails(&raw)
            .await?
            .into_iter()
            .map(|(a, e)| (AccountId(a), e))
            .collect())
    }

    /// Active staff named by the local part of their e-mail address
    /// (`mia.mobil` for mia.mobil@…): (account, name, home unit). For
    /// contexts that check their caller themselves (chat mentions).
    pub async fn staff_by_local_part(
        &self,
        local: &str,
    ) -> Result<Vec<(AccountId, String, Option<OrgUnitId>)>, IdentityError> {
        Ok(self
            .store
            .staff_by_local_part(&local.to_lowercase())
            .await?
            .into_iter()
            .map(|(a, n, u)| (AccountId(a), n, u.map(OrgUnitId)))
            .collect())
    }

    /// Who represents `account` on `day` (their deputies).
    pub async fn deputies_of(
        &self,
        account: AccountId,
        day: NaiveDate,
    ) -> Result<Vec<AccountId>, IdentityError> {
        Ok(self
            .store
            .deputies()
            .await?
            .into_iter()
            .filter(|d| d.principal == account && d.starts_on <= day && day <= d.ends_on)
            .map(|d| d.deputy)
            .collect())
    }

    /// Whom `account` represents on `day`.
    pub async fn represented_by(
        &self,
        account: AccountId,
        day: NaiveDate,
    ) -> Result<Vec<AccountId>, IdentityError> {
        Ok(self
            .store
            .deputies()
            .await?
            .into_iter()
            .filter(|d| d.deputy == account && d.starts_on <= day && day <= d.ends_on)
            .map(|d| d.principal)
            .collect())
    }

    // --- citizens --------------------------------------------------------

    /// A citizen registers; an e-mail with a confirmation link is queued.
    /// Registering an address that exists sends no second account but a
    /// notice to the owner, so the form does not reveal who is registered.
    pub async fn register_citizen(
        &self,
        email: &str,
        display_name: &str,
        password_text: &str,
    ) -> Result<(), IdentityError> {
        let mut errors = FieldErrors::new();
        let parsed = Email::parse(email);
        if parsed.is_none() {
            errors.add("email", "email_invalid");
        }
        domain::check_name(display_name, "display_name", &mut errors);
        domain::check_password(password_text, "password", &mut errors);
        errors.into_result().map_err(IdentityError::Invalid)?;
        let email = parsed.ok_or_else(|| invalid("email", "email_invalid"))?;
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        if self
            .store
            .credentials_by_email(email.as_str())
            .await?
            .is_some()
        {
            self.enqueue_mail(&mut tx, OutgoingMail {
                to: email.as_str().to_owned(),
                subject: "Registrierung: Sie haben bereits ein Konto".into(),
                text: format!(
                    "Guten Tag,\n\njemand wollte mit dieser Adresse ein neues Konto anlegen. Sie haben bereits eines.\nFalls Sie Ihr Passwort vergessen haben: {}/passwort-vergessen\n\nIhre Stadtverwaltung\n",
                    self.settings.public_url
                ),
            }).await?;
            self.commit(tx).await?;
            (self.on_job)();
            return Ok(());
        }
        let hash = hash_password(password_text)?;
        let id = AccountId::new();
        self.store
            .insert_account(
                &mut tx,
                &NewAccountRow {
                    id,
                    kind: AccountKind::Citizen,
                    email: email.as_str(),
                    display_name: display_name.trim(),
                    password_hash: &hash,
                    status: AccountStatus::Unverified,
                    org_unit: None,
                },
                now,
            )
            .await?;
        let token = new_token();
        self.store
            .insert_token(
                &mut tx,
                &sha(token.as_bytes()),
                TokenPurpose::VerifyEmail,
                id,
                now + Duration::hours(48),
                now,
            )
            .await?;
        self.enqueue_mail(&mut tx, OutgoingMail {
            to: email.as_str().to_owned(),
            subject: "Bitte bestätigen Sie Ihre E-Mail-Adresse".into(),
            text: format!(
                "Guten Tag {},\n\nbitte bestätigen Sie Ihre E-Mail-Adresse mit diesem Link (48 Stunden gültig):\n\n{}/konto/bestaetigen?token={}\n\nWenn Sie sich nicht registriert haben, können Sie diese E-Mail ignorieren.\n\nIhre Stadtverwaltung\n",
                display_name.trim(),
                self.settings.public_url,
                token
            ),
        }).await?;
        let actor = Actor {
            account: Some(id),
            name: display_name.trim().to_owned(),
            kind: ActorKind::Citizen,
            grants: vec![],
        };
        self.audit(
            &mut tx,
            &actor,
            "account.registered",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        (self.on_job)();
        Ok(())
    }

    /// Confirms an e-mail address from the link.
    pub async fn verify_email(&self, token: &str) -> Result<AccountId, IdentityError> {
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        let id = self
            .store
            .consume_token(
                &mut tx,
                &sha(token.trim().as_bytes()),
                TokenPurpose::VerifyEmail,
                now,
            )
            .await?
            .ok_or(IdentityError::BadToken)?;
        let account = self
            .store
            .account(id)
            .await?
            .ok_or(IdentityError::BadToken)?;
        if let Ok(next) = account.status.verify() {
            self.store.set_status(&mut tx, id, next, now).await?;
        }
        let actor = Actor {
            account: Some(id),
            name: account.display_name,
            kind: ActorKind::Citizen,
            grants: vec![],
        };
        self.audit(
            &mut tx,
            &actor,
            "account.email_verified",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// Sends a reset link if the address belongs to an account; says
    /// nothing either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), IdentityError> {
        let Some(email) = Email::parse(email) else {
            return Err(invalid("email", "email_invalid"));
        };
        let Some(cred) = self.store.credentials_by_email(email.as_str()).await? else {
            return Ok(());
        };
        if cred.status == AccountStatus::Disabled.as_str() {
            return Ok(());
        }
        let now = self.now();
        let token = new_token();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_token(
                &mut tx,
                &sha(token.as_bytes()),
                TokenPurpose::ResetPassword,
                AccountId(cred.id),
                now + Duration::hours(2),
                now,
            )
            .await?;
        self.enqueue_mail(&mut tx, OutgoingMail {
            to: cred.email.clone(),
            subject: "Neues Passwort festlegen".into(),
            text: format!(
                "Guten Tag,\n\nmit diesem Link legen Sie ein neues Passwort fest (2 Stunden gültig):\n\n{}/passwort-neu?token={}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.\n\nIhre Stadtverwaltung\n",
                self.settings.public_url, token
            ),
        }).await?;
        self.audit(
            &mut tx,
            &Actor::system("password-reset"),
            "account.password_reset_requested",
            "account",
            vec![cred.id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        (self.on_job)();
        Ok(())
    }

    /// Sets a new password from a reset link; ends all sessions.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        let mut errors = FieldErrors::new();
        domain::check_password(new_password, "password", &mut errors);
        errors.into_result().map_err(IdentityError::Invalid)?;
        let hash = hash_password(new_password)?;
        let now = self.now();
        let mut tx = self.store.db().begin().await?;
        let id = self
            .store
            .consume_token(
                &mut tx,
                &sha(token.trim().as_bytes()),
                TokenPurpose::ResetPassword,
                now,
            )
            .await?
            .ok_or(IdentityError::BadToken)?;
        self.store.set_password(&mut tx, id, &hash, now).await?;
        self.store.delete_sessions_of(&mut tx, id).await?;
        let actor = Actor {
            account: Some(id),
            name: String::new(),
            kind: ActorKind::Citizen,
            grants: vec![],
        };
        self.audit(
            &mut tx,
            &actor,
            "account.password_reset",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await
    }

    // --- login -----------------------------------------------------------

    /// Checks e-mail and password for the given area and opens a session.
    /// Returns the session token (for the cookie) and what comes next.
    pub async fn login(
        &self,
        email: &str,
        password_text: &str,
        address: &str,
        kind: AccountKind,
    ) -> Result<(String, LoginNext), IdentityError> {
        let now = self.now();
        let since = now - self.settings.lockout_for;
        if self.store.failures_from(address, since).await? >= self.settings.address_threshold {
            return Err(IdentityError::RateLimited);
        }
        let normalised = Email::parse(email)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        // Old attempts and expired sessions go here, where they accrue.
        self.store
            .prune_logins(now - Duration::days(1), now)
            .await?;
        // Locked by address-independent failures for this e-mail, whether
        // an account exists or not: the lockout must not reveal who has an
        // account.
        if !normalised.is_empty()
            && self.store.failures_for(&normalised, since).await? >= self.settings.lockout_threshold
        {
            self.store
                .record_attempt(&normalised, address, false, now)
                .await?;
            return Err(IdentityError::Locked(now + self.settings.lockout_for));
        }
        let cred = self.store.credentials_by_email(&normalised).await?;
        let Some(cred) = cred.filter(|c| c.kind == kind.as_str()) else {
            // Same work as for a real account, so timing does not tell.
            password::verify(password_text, password::dummy_hash());
            self.store
                .record_attempt(&normalised, address, false, now)
                .await?;
            return Err(IdentityError::BadCredentials);
        };
        let id = AccountId(cred.id);
        if let Some(until) = cred.locked_until.filter(|u| *u > now) {
            self.store
                .record_attempt(&normalised, address, false, now)
                .await?;
            return Err(IdentityError::Locked(until));
        }
        if !password::verify(password_text, &cred.password_hash) {
            self.store
                .record_attempt(&normalised, address, false, now)
                .await?;
            let count = self
                .store
                .record_failure(
                    id,
                    self.settings.lockout_threshold,
                    now + self.settings.lockout_for,
                    now,
                )
                .await?;
            if count >= self.settings.lockout_threshold {
                return Err(IdentityError::Locked(now + self.settings.lockout_for));
            }
            return Err(IdentityError::BadCredentials);
        }
        match AccountStatus::parse(&cred.status) {
            Some(AccountStatus::Active) => {}
            Some(AccountStatus::Unverified) => return Err(IdentityError::Unverified),
            _ => return Err(IdentityError::Disabled),
        }
        self.store
            .record_attempt(&normalised, address, true, now)
            .await?;
        self.store.clear_failures(id).await?;
        let next = if cred.totp_enabled {
            LoginNext::SecondFactor
        } else if kind == AccountKind::Staff && self.settings.staff_totp_required {
            LoginNext::EnrolTotp
        } else {
            LoginNext::Done
        };
        let stage = if next == LoginNext::Done {
            SessionStage::Complete
        } else {
            SessionStage::SecondFactor
        };
        let token = new_token();
        self.store
            .insert_session(
                &sha(token.as_bytes()),
                id,
                stage,
                now + self.settings.session_idle,
                now,
            )
            .await?;
        let mut tx = self.store.db().begin().await?;
        let actor = Actor {
            account: Some(id),
            name: String::new(),
            kind: if kind == AccountKind::Staff {
                ActorKind::Staff
            } else {
                ActorKind::Citizen
            },
            grants: vec![],
        };
        self.audit(
            &mut tx,
            &actor,
            "session.password_ok",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok((token, next))
    }

    /// Resolves a session cookie; `None` when unknown or expired.
    pub async fn session(&self, token: &str) -> Result<Option<SessionState>, IdentityError> {
        let hash = sha(token.as_bytes());
        let Some(row) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        if row.expires_at <= now {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        let id = AccountId(row.account_id);
        let Some(account) = self.store.account(id).await? else {
            return Ok(None);
        };
        if account.status != AccountStatus::Active {
            return Ok(None);
        }
        // Sliding expiry, written at most every five minutes per session.
        if now - row.last_seen_at > Duration::minutes(5) {
            self.store
                .touch_session(&hash, now + self.settings.session_idle, now)
                .await?;
        }
        Ok(Some(match row.stage() {
            SessionStage::SecondFactor => SessionState::SecondFactor { account },
            SessionStage::Complete => {
                let actor = self.actor_for(&account).await?;
                SessionState::Complete { account, actor }
            }
        }))
    }

    /// Builds the actor of an account, resolving the units each grant covers.
    pub async fn actor_for(&self, account: &Account) -> Result<Actor, IdentityError> {
        let grants = if account.kind == AccountKind::Staff {
            self.store
                .acting_grants(account.id, self.now().date_naive())
                .await?
        } else {
            vec![]
        };
        let units = if grants.is_empty() {
            vec![]
        } else {
            self.store.units().await?
        };
        Ok(Actor {
            account: Some(account.id),
            name: account.display_name.clone(),
            kind: if account.kind == AccountKind::Staff {
                ActorKind::Staff
            } else {
                ActorKind::Citizen
            },
            grants: grants
                .into_iter()
                .map(|g| RoleGrant {
                    role: g.role,
                    org_unit: g.org_unit,
                    covers: domain::covered_units(&units, g.org_unit),
                })
                .collect(),
        })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<(), IdentityError> {
        self.store.delete_session(&sha(token.as_bytes())).await?;
        Ok(())
    }

    async fn pending_account(&self, token: &str) -> Result<Account, IdentityError> {
        match self.session(token).await? {
            Some(SessionState::SecondFactor { account }) => Ok(account),
            _ => Err(IdentityError::BadToken),
        }
    }

    /// Checks the second factor (TOTP code or a recovery code) and
    /// completes the session.
    pub async fn second_factor(&self, token: &str, code: &str) -> Result<(), IdentityError> {
        let account = self.pending_account(token).await?;
        let cred = self
            .store
            .credentials(account.id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let now = self.now();
        let secret = cred
            .totp_secret
            .filter(|_| cred.totp_enabled)
            .ok_or(IdentityError::BadCode)?;
        let unix = u64::try_from(now.timestamp()).unwrap_or(0);
        let ok = match totp::check(&secret, code, unix) {
            Some(step) => {
                self.store
                    .use_totp_step(account.id, i64::try_from(step).unwrap_or(i64::MAX))
                    .await?
            }
            None => {
                self.store
                    .use_recovery_code(
                        account.id,
                        &hex::encode(sha(totp::normalise_recovery(code).as_bytes())),
                        now,
                    )
                    .await?
            }
        };
        if !ok {
            let count = self
                .store
                .record_failure(
                    account.id,
                    self.settings.lockout_threshold,
                    now + self.settings.lockout_for,
                    now,
                )
                .await?;
            if count >= self.settings.lockout_threshold {
                self.logout(token).await?;
                return Err(IdentityError::Locked(now + self.settings.lockout_for));
            }
            return Err(IdentityError::BadCode);
        }
        self.store.clear_failures(account.id).await?;
        self.store
            .complete_session(
                &sha(token.as_bytes()),
                now + self.settings.session_idle,
                now,
            )
            .await?;
        Ok(())
    }

    /// Starts (or restarts) TOTP enrolment for a session waiting for it.
    pub async fn begin_enrolment(&self, token: &str) -> Result<Enrolment, IdentityError> {
        let account = self.pending_account(token).await?;
        if account.totp_enabled {
            return Err(IdentityError::Forbidden);
        }
        let cred = self
            .store
            .credentials(account.id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let secret = match cred.totp_secret {
            Some(s) => s,
            None => {
                let s = totp::new_secret();
                self.store.set_totp_secret(account.id, &s).await?;
                s
            }
        };
        let url = totp::otpauth_url(&secret, &account.email, &self.settings.issuer)
            .ok_or_else(|| IdentityError::Internal("totp url".into()))?;
        let qr_svg = totp::qr_svg(&url).ok_or_else(|| IdentityError::Internal("qr".into()))?;
        Ok(Enrolment {
            secret,
            url,
            qr_svg,
        })
    }

    /// Confirms enrolment with a first code; returns the recovery codes to
    /// show once, and completes the session.
    pub async fn confirm_enrolment(
        &self,
        token: &str,
        code: &str,
    ) -> Result<Vec<String>, IdentityError> {
        let account = self.pending_account(token).await?;
        let cred = self
            .store
            .credentials(account.id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let secret = cred.totp_secret.ok_or(IdentityError::BadCode)?;
        let now = self.now();
        let step = totp::check(&secret, code, u64::try_from(now.timestamp()).unwrap_or(0));
        let Some(step) = step.filter(|_| !cred.totp_enabled) else {
            return Err(invalid("code", "code_wrong"));
        };
        self.store
            .use_totp_step(account.id, i64::try_from(step).unwrap_or(i64::MAX))
            .await?;
        let codes = totp::recovery_codes();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| hex::encode(sha(totp::normalise_recovery(c).as_bytes())))
            .collect();
        let mut tx = self.store.db().begin().await?;
        self.store
            .enable_totp(&mut tx, account.id, &hashes, now)
            .await?;
        let actor = self.actor_for(&account).await?;
        self.audit(
            &mut tx,
            &actor,
            "account.totp_enabled",
            "account",
            vec![account.id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        self.store
            .complete_session(
                &sha(token.as_bytes()),
                now + self.settings.session_idle,
                now,
            )
            .await?;
        Ok(codes)
    }

    /// Unused recovery codes of an account.
    pub async fn recovery_codes_left(&self, id: AccountId) -> Result<i64, IdentityError> {
        Ok(self.store.recovery_codes_left(id).await?)
    }

    // --- API tokens ------------------------------------------------------

    /// Scopes an API token can carry.
    pub const SCOPES: [&'static str; 16] = [
        "cases:read",
        "cases:write",
        "payments:read",
        "payments:write",
        "accounts:read",
        "accounts:write",
        "org:read",
        "org:write",
        "catalogue:write",
        "submissions:write",
        "submissions:read",
        "records:disposal",
        "rooms:read",
        "rooms:write",
        "surveys:read",
        "surveys:write",
    ];

    /// Creates an API token (admins); the plain token is returned once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[String],
    ) -> Result<(ApiTokenId, String), IdentityError> {
        self.require(
            actor.has_role_anywhere(Role::Admin)
                && !matches!(actor.kind, ActorKind::ApiToken { .. }),
        )?;
        let mut errors = FieldErrors::new();
        domain::check_name(name, "name", &mut errors);
        if scopes.is_empty() || scopes.iter().any(|s| !Self::SCOPES.contains(&s.as_str())) {
            errors.add("scopes", "scopes_invalid");
        }
        errors.into_result().map_err(IdentityError::Invalid)?;
        let id = ApiTokenId::new();
        let plain = format!("rh_{}", new_token());
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_api_token(
                &mut tx,
                &NewApiToken {
                    id,
                    name: name.trim(),
                    hash: &sha(plain.as_bytes()),
                    scopes: &scopes.join(" "),
                    created_by: actor.account,
                },
                self.now(),
            )
            .await?;
        self.audit(
            &mut tx,
            actor,
            "api_token.created",
            "api_token",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok((id, plain))
    }

    /// Lists API tokens (admins).
    pub async fn api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenRow>, IdentityError> {
        self.require(
            actor.has_role_anywhere(Role::Admin)
                && !matches!(actor.kind, ActorKind::ApiToken { .. }),
        )?;
        Ok(self.store.api_tokens().await?)
    }

    /// Revokes an API token (admins).
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        id: ApiTokenId,
    ) -> Result<(), IdentityError> {
        self.require(
            actor.has_role_anywhere(Role::Admin)
                && !matches!(actor.kind, ActorKind::ApiToken { .. }),
        )?;
        let mut tx = self.store.db().begin().await?;
        if !self.store.revoke_api_token(&mut tx, id, self.now()).await? {
            return Err(IdentityError::NotFound);
        }
        self.audit(
            &mut tx,
            actor,
            "api_token.revoked",
            "api_token",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await
    }

    /// The actor of a bearer token; `None` when unknown or revoked. The
    /// token acts with its creator's roles, limited to its scopes.
    pub async fn token_actor(&self, plain: &str) -> Result<Option<Actor>, IdentityError> {
        let hash = sha(plain.trim().as_bytes());
        if let Ok(cache) = self.tokens.lock()
            && let Some((at, actor)) = cache.get(&hash)
            && at.elapsed() < TOKEN_TTL
        {
            return Ok(Some(actor.clone()));
        }
        let actor = self.token_actor_uncached(&hash).await?;
        if let (Some(a), Ok(mut cache)) = (&actor, self.tokens.lock()) {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(hash, (std::time::Instant::now(), a.clone()));
        }
        Ok(actor)
    }

    async fn token_actor_uncached(&self, hash: &[u8]) -> Result<Option<Actor>, IdentityError> {
        let Some(token) = self.store.live_api_token(hash).await? else {
            return Ok(None);
        };
        let (id, scopes, creator) = (token.id, token.scopes, token.created_by);
        // The last use is noted at most once a minute: a write per request
        // would queue every API read behind the writers.
        let now = self.now();
        if token
            .last_used_at
            .is_none_or(|t| t < now - Duration::minutes(1))
        {
            self.store.touch_api_token(id, now).await?;
        }
        let grants = match creator {
            Some(c) => match self.store.account(AccountId(c)).await? {
                Some(a) if a.status == AccountStatus::Active => self.actor_for(&a).await?.grants,
                _ => return Ok(None),
            },
            None => vec![],
        };
        Ok(Some(Actor {
            account: creator.map(AccountId),
            name: "API".into(),
            kind: ActorKind::ApiToken {
                token: ApiTokenId(id),
                scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            },
            grants,
        }))
    }

    /// True when there is no account yet (demo seeding).
    pub async fn is_empty(&self) -> Result<bool, IdentityError> {
        Ok(self.store.account_count().await? == 0)
    }

    // --- profile ---------------------------------------------------------

    /// The citizen's own profile (or, for the system, anyone's); reading
    /// it is logged.
    pub async fn profile(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<crate::profile::Profile, IdentityError> {
        self.require(actor.is_system() || actor.account == Some(id))?;
        let p = self.store.profile(id).await?;
        if !actor.is_system() {
            self.log_read(actor, "profile.viewed", vec![id.to_string()])
                .await?;
        }
        Ok(p)
    }

    /// Saves the citizen's own profile after checking it.
    pub async fn save_profile(
        &self,
        actor: &Actor,
        id: AccountId,
        profile: crate::profile::Profile,
    ) -> Result<crate::profile::Profile, IdentityError> {
        self.require(actor.is_system() || actor.account == Some(id))?;
        let p = profile
            .validate(self.now().date_naive())
            .map_err(IdentityError::Invalid)?;
        let mut tx = self.store.db().begin().await?;
        self.store.save_profile(&mut tx, id, &p, self.now()).await?;
        self.audit(
            &mut tx,
            actor,
            "profile.saved",
            "account",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(p)
    }

    // --- consents --------------------------------------------------------

    fn own_account(actor: &Actor) -> Result<AccountId, IdentityError> {
        match (&actor.kind, actor.account) {
            (ActorKind::Citizen, Some(id)) => Ok(id),
            _ => Err(IdentityError::Forbidden),
        }
    }

    /// The citizen gives a consent; it is recorded with time and scope, and
    /// in the access log.
    pub async fn grant_consent(
        &self,
        actor: &Actor,
        purpose: &str,
        subject: Uuid,
        scope: &[String],
    ) -> Result<Uuid, IdentityError> {
        let account = Self::own_account(actor)?;
        let id = Uuid::now_v7();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_consent(
                &mut tx,
                &crate::store::NewConsent {
                    id,
                    account,
                    purpose,
                    subject,
                    scope,
                    now: self.now(),
                },
            )
            .await?;
        self.audit(
            &mut tx,
            actor,
            "consent.granted",
            "consent",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// The citizen's own consents, newest first (revoked ones too).
    pub async fn consents(
        &self,
        actor: &Actor,
    ) -> Result<Vec<crate::consent::Consent>, IdentityError> {
        let account = Self::own_account(actor)?;
        Ok(self.store.consents(account).await?)
    }

    /// True when the citizen's consent in force covers `purpose`, `subject`
    /// and every item of `scope` (the citizen, or the system on their
    /// behalf, asks).
    pub async fn has_consent(
        &self,
        actor: &Actor,
        account: AccountId,
        purpose: &str,
        subject: Uuid,
        scope: &[String],
    ) -> Result<bool, IdentityError> {
        self.require(actor.is_system() || actor.account == Some(account))?;
        Ok(self
            .store
            .consents(account)
            .await?
            .iter()
            .any(|c| c.covers(purpose, subject, scope)))
    }

    /// The citizen takes a consent back; it stays in the record, revoked.
    pub async fn revoke_consent(&self, actor: &Actor, id: Uuid) -> Result<(), IdentityError> {
        let account = Self::own_account(actor)?;
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .revoke_consent(&mut tx, account, id, self.now())
            .await?
        {
            return Err(IdentityError::NotFound);
        }
        self.audit(
            &mut tx,
            actor,
            "consent.revoked",
            "consent",
            vec![id.to_string()],
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
