//! Pages of the identity context: login (portal and workplace), second
//! factor and its enrolment, registration with e-mail confirmation,
//! password reset, the own account, the language switch, and the admin
//! pages for accounts, roles, org units, deputies and API tokens.
//! Handlers are thin: extract, call the service, render or redirect (303).

use super::auth::{
    CitizenUser, PendingLogin, SessionToken, StaffUser, clear_session_cookie, session_cookie,
};
use crate::domain::{Account, AccountKind, Deputy, Grant, OrgUnit};
use crate::service::{IdentityError, IdentityService, LoginNext, NewAccount};
use crate::store::ApiTokenRow;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kernel::{AccountId, ApiTokenId, FieldErrors, OrgUnitId, Role};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use web::{AppError, CsrfForm, PageCtx, Shell, unprocessable};

type Svc = State<Arc<IdentityService>>;

/// The pages of the identity context.
pub fn router(svc: Arc<IdentityService>) -> Router {
    Router::new()
        .route("/sprache", get(switch_language))
        .route("/anmelden", get(citizen_login_page).post(citizen_login))
        .route("/abmelden", post(logout))
        .route("/registrieren", get(register_page).post(register))
        .route("/registrieren/gesendet", get(register_sent))
        .route("/konto", get(citizen_account))
        .route("/konto/profil", get(profile_page).post(profile_save))
        .route("/konto/bestaetigen", get(verify_email))
        .route("/passwort-vergessen", get(forgot_page).post(forgot))
        .route("/passwort-neu", get(reset_page).post(reset))
        .route("/arbeit", get(staff_home))
        .route("/arbeit/konto", get(staff_account))
        .route("/arbeit/konto/abwesenheit", post(report_absence))
        .route("/arbeit/anmelden", get(staff_login_page).post(staff_login))
        .route(
            "/arbeit/anmelden/code",
            get(second_factor_page).post(second_factor),
        )
        .route("/arbeit/anmelden/einrichten", get(enrol_page).post(enrol))
        .route("/arbeit/admin", get(admin_index))
        .route(
            "/arbeit/admin/konten",
            get(admin_accounts).post(admin_create_account),
        )
        .route("/arbeit/admin/konten/{id}", get(admin_account))
        .route("/arbeit/admin/konten/{id}/rollen", post(admin_grant))
        .route(
            "/arbeit/admin/konten/{id}/rollen/{grant}/entfernen",
            post(admin_revoke),
        )
        .route("/arbeit/admin/konten/{id}/sperren", post(admin_disable))
        .route("/arbeit/admin/konten/{id}/entsperren", post(admin_enable))
        .route(
            "/arbeit/admin/konten/{id}/passwort-link",
            post(admin_send_reset),
        )
        .route(
            "/arbeit/admin/organisation",
            get(admin_units).post(admin_create_unit),
        )
        .route(
            "/arbeit/admin/vertretungen",
            get(admin_deputies).post(admin_add_deputy),
        )
        .route(
            "/arbeit/admin/api-tokens",
            get(admin_tokens).post(admin_create_token),
        )
        .route(
            "/arbeit/admin/api-tokens/{id}/widerrufen",
            post(admin_revoke_token),
        )
        .with_state(svc)
}

/// The client's address, for per-address rate limits.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// Only local paths are followed after login, never another site.
fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

fn see_other_with_cookie(to: &str, cookie: HeaderValue) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(header::SET_COOKIE, cookie);
    res
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    next: Option<String>,
    ok: Option<String>,
    token: Option<String>,
}

/// Success notices shown after a redirect (`?ok=…`), by fixed key only.
fn notice(ok: Option<&str>) -> Option<String> {
    let key = ok?;
    const KNOWN: [&str; 9] = [
        "created",
        "granted",
        "revoked",
        "disabled",
        "enabled",
        "reset_sent",
        "unit_created",
        "deputy_added",
        "password_changed",
    ];
    KNOWN.contains(&key).then(|| format!("ok-{key}"))
}

// --- portal -------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: String,
    next: Option<String>,
}

async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    let lang = web::Locale::parse(&q.lang).unwrap_or_default().tag();
    let cookie = HeaderValue::from_str(&format!(
        "lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("lang=de; Path=/"));
    see_other_with_cookie(&safe_next(q.next.as_deref(), "/"), cookie)
}

#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_portal.html")]
struct CitizenLoginPage {
    ctx: PageCtx,
    form: LoginForm,
    errors: FieldErrors,
    message: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_staff.html")]
struct StaffLoginPage {
    ctx: PageCtx,
    form: LoginForm,
    errors: FieldErrors,
    message: Option<String>,
}

async fn citizen_login_page(ctx: PageCtx, Query(q): Query<NextQuery>) -> CitizenLoginPage {
    CitizenLoginPage {
        ctx,
        form: LoginForm {
            next: q.next.unwrap_or_default(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
        message: notice(q.ok.as_deref()),
    }
}

async fn staff_login_page(ctx: PageCtx, Query(q): Query<NextQuery>) -> StaffLoginPage {
    StaffLoginPage {
        ctx,
        form: LoginForm {
            next: q.next.unwrap_or_default(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
        message: None,
    }
}

/// Maps login failures to a field error on the form.
fn login_error(e: IdentityError, ctx: &PageCtx) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::new();
    match e {
        IdentityError::BadCredentials => errors.add("email", "login_failed"),
        IdentityError::Locked(_) => errors.add("email", "login_locked"),
        IdentityError::RateLimited => errors.add("email", "login_rate_limited"),
        IdentityError::Unverified => errors.add("email", "login_unverified"),
        IdentityError::Disabled => errors.add("email", "login_disabled"),
        other => return Err(other.into()),
    }
    let _ = ctx;
    Ok(errors)
}

async fn do_login(
    svc: &IdentityService,
    form: &LoginForm,
    addr: &str,
    kind: AccountKind,
) -> Result<(String, LoginNext), IdentityError> {
    svc.login(&form.email, &form.password, addr, kind).await
}

async fn citizen_login(
    State(svc): Svc,
    ctx: PageCtx,
    ClientAddr(addr): ClientAddr,
    shell: Option<axum::Extension<Shell>>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    match do_login(&svc, &form, &addr, AccountKind::Citizen).await {
        Ok((token, _)) => Ok(see_other_with_cookie(
            &safe_next(Some(&form.next), "/konto"),
            session_cookie(&token, shell.is_some_and(|s| s.0.secure_cookies)),
        )),
        Err(e) => {
            let errors = login_error(e, &ctx)?;
            let form = LoginForm {
                password: String::new(),
                ..form
            };
            Ok(unprocessable(CitizenLoginPage {
                ctx,
                form,
                errors,
                message: None,
            }))
        }
    }
}

async fn staff_login(
    State(svc): Svc,
    ctx: PageCtx,
    ClientAddr(addr): ClientAddr,
    shell: Option<axum::Extension<Shell>>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    match do_login(&svc, &form, &addr, AccountKind::Staff).await {
        Ok((token, next)) => {
            let next_q: String =
                url::form_urlencoded::byte_serialize(form.next.as_bytes()).collect();
            let to = match next {
                LoginNext::Done => safe_next(Some(&form.next), "/arbeit"),
                LoginNext::SecondFactor => format!("/arbeit/anmelden/code?next={next_q}"),
                LoginNext::EnrolTotp => format!("/arbeit/anmelden/einrichten?next={next_q}"),
            };
            Ok(see_other_with_cookie(
                &to,
                session_cookie(&token, shell.is_some_and(|s| s.0.secure_cookies)),
            ))
        }
        Err(e) => {
            let errors = login_error(e, &ctx)?;
            let form = LoginForm {
                password: String::new(),
                ..form
            };
            Ok(unprocessable(StaffLoginPage {
                ctx,
                form,
                errors,
                message: None,
            }))
        }
    }
}

async fn logout(
    State(svc): Svc,
    token: Option<axum::Extension<SessionToken>>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    if let Some(axum::Extension(SessionToken(t))) = token {
        svc.logout(&t).await?;
    }
    Ok(see_other_with_cookie("/", clear_session_cookie()))
}

#[derive(Debug, Default, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    ctx: PageCtx,
    form: CodeForm,
    errors: FieldErrors,
}

async fn second_factor_page(
    ctx: PageCtx,
    pending: Option<axum::Extension<PendingLogin>>,
    Query(q): Query<NextQuery>,
) -> Response {
    if pending.is_none() {
        return Redirect::to("/arbeit/anmelden").into_response();
    }
    SecondFactorPage {
        ctx,
        form: CodeForm {
            next: q.next.unwrap_or_default(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
    }
    .into_response()
}

async fn second_factor(
    State(svc): Svc,
    ctx: PageCtx,
    pending: Option<axum::Extension<PendingLogin>>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let Some(axum::Extension(p)) = pending else {
        return Ok(Redirect::to("/arbeit/anmelden").into_response());
    };
    match svc.second_factor(&p.token, &form.code).await {
        Ok(()) => Ok(Redirect::to(&safe_next(Some(&form.next), "/arbeit")).into_response()),
        Err(IdentityError::BadCode) => {
            let mut errors = FieldErrors::new();
            errors.add("code", "code_wrong");
            Ok(unprocessable(SecondFactorPage {
                ctx,
                form: CodeForm {
                    code: String::new(),
                    ..form
                },
                errors,
            }))
        }
        Err(IdentityError::Locked(_)) => Ok(see_other_with_cookie(
            "/arbeit/anmelden",
            clear_session_cookie(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "enrol.html")]
struct EnrolPage {
    ctx: PageCtx,
    secret: String,
    qr_svg: String,
    form: CodeForm,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    ctx: PageCtx,
    codes: Vec<String>,
    next: String,
}

async fn enrol_page(
    State(svc): Svc,
    ctx: PageCtx,
    pending: Option<axum::Extension<PendingLogin>>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(axum::Extension(p)) = pending else {
        return Ok(Redirect::to("/arbeit/anmelden").into_response());
    };
    let e = svc.begin_enrolment(&p.token).await?;
    Ok(EnrolPage {
        ctx,
        secret: e.secret,
        qr_svg: e.qr_svg,
        form: CodeForm {
            next: q.next.unwrap_or_default(),
            ..Default::default()
        },
        errors: FieldErrors::new(),
    }
    .into_response())
}

async fn enrol(
    State(svc): Svc,
    ctx: PageCtx,
    pending: Option<axum::Extension<PendingLogin>>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let Some(axum::Extension(p)) = pending else {
        return Ok(Redirect::to("/arbeit/anmelden").into_response());
    };
    match svc.confirm_enrolment(&p.token, &form.code).await {
        Ok(codes) => Ok(RecoveryCodesPage {
            ctx,
            codes,
            next: safe_next(Some(&form.next), "/arbeit"),
        }
        .into_response()),
        Err(IdentityError::Invalid(errors)) => {
            let e = svc.begin_enrolment(&p.token).await?;
            Ok(unprocessable(EnrolPage {
                ctx,
                secret: e.secret,
                qr_svg: e.qr_svg,
                form: CodeForm {
                    code: String::new(),
                    ..form
                },
                errors,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: PageCtx,
    form: RegisterForm,
    errors: FieldErrors,
}

async fn register_page(ctx: PageCtx) -> RegisterPage {
    RegisterPage {
        ctx,
        form: RegisterForm::default(),
        errors: FieldErrors::new(),
    }
}

async fn register(
    State(svc): Svc,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, AppError> {
    match svc
        .register_citizen(&form.email, &form.display_name, &form.password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/registrieren/gesendet").into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(RegisterPage {
            ctx,
            form: RegisterForm {
                password: String::new(),
                ..form
            },
            errors,
        })),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
struct MessagePage {
    ctx: PageCtx,
    title_key: &'static str,
    text_key: &'static str,
    link: Option<(&'static str, &'static str)>,
    success: bool,
}

async fn register_sent(ctx: PageCtx) -> MessagePage {
    MessagePage {
        ctx,
        title_key: "register-sent-title",
        text_key: "register-sent-text",
        link: None,
        success: true,
    }
}

async fn verify_email(
    State(svc): Svc,
    ctx: PageCtx,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    match svc.verify_email(q.token.as_deref().unwrap_or("")).await {
        Ok(_) => Ok(MessagePage {
            ctx,
            title_key: "verify-ok-title",
            text_key: "verify-ok-text",
            link: Some(("/anmelden", "nav-login")),
            success: true,
        }
        .into_response()),
        Err(IdentityError::BadToken) => Ok((
            axum::http::StatusCode::BAD_REQUEST,
            MessagePage {
                ctx,
                title_key: "verify-bad-title",
                text_key: "verify-bad-text",
                link: Some(("/registrieren", "nav-register")),
                success: false,
            },
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
struct ForgotPage {
    ctx: PageCtx,
    form: ForgotForm,
    errors: FieldErrors,
}

async fn forgot_page(ctx: PageCtx) -> ForgotPage {
    ForgotPage {
        ctx,
        form: ForgotForm::default(),
        errors: FieldErrors::new(),
    }
}

async fn forgot(
    State(svc): Svc,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, AppError> {
    match svc.request_password_reset(&form.email).await {
        Ok(()) => Ok(MessagePage {
            ctx,
            title_key: "forgot-sent-title",
            text_key: "forgot-sent-text",
            link: None,
            success: true,
        }
        .into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(ForgotPage { ctx, form, errors })),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
struct ResetPage {
    ctx: PageCtx,
    token: String,
    errors: FieldErrors,
}

async fn reset_page(ctx: PageCtx, Query(q): Query<NextQuery>) -> ResetPage {
    ResetPage {
        ctx,
        token: q.token.unwrap_or_default(),
        errors: FieldErrors::new(),
    }
}

async fn reset(
    State(svc): Svc,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, AppError> {
    match svc.reset_password(&form.token, &form.password).await {
        Ok(()) => Ok(MessagePage {
            ctx,
            title_key: "reset-ok-title",
            text_key: "reset-ok-text",
            link: Some(("/anmelden", "nav-login")),
            success: true,
        }
        .into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(ResetPage {
            ctx,
            token: form.token,
            errors,
        })),
        Err(IdentityError::BadToken) => Ok((
            axum::http::StatusCode::BAD_REQUEST,
            MessagePage {
                ctx,
                title_key: "verify-bad-title",
                text_key: "reset-bad-text",
                link: Some(("/passwort-vergessen", "forgot-title")),
                success: false,
            },
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_account.html")]
struct CitizenAccountPage {
    ctx: PageCtx,
    account: Account,
}

async fn citizen_account(
    State(svc): Svc,
    ctx: PageCtx,
    CitizenUser(actor, account): CitizenUser,
) -> Result<CitizenAccountPage, AppError> {
    svc.log_read(&actor, "account.viewed", vec![account.id.to_string()])
        .await?;
    Ok(CitizenAccountPage { ctx, account })
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    ctx: PageCtx,
    profile: crate::profile::Profile,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    gespeichert: Option<String>,
}

async fn profile_page(
    State(svc): Svc,
    ctx: PageCtx,
    CitizenUser(actor, account): CitizenUser,
    Query(q): Query<SavedQuery>,
) -> Result<ProfilePage, AppError> {
    let profile = svc.profile(&actor, account.id).await?;
    Ok(ProfilePage {
        ctx,
        profile,
        errors: FieldErrors::new(),
        saved: q.gespeichert.is_some(),
    })
}

async fn profile_save(
    State(svc): Svc,
    ctx: PageCtx,
    CitizenUser(actor, account): CitizenUser,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, AppError> {
    let profile = crate::profile::Profile {
        given_name: form.given_name,
        family_name: form.family_name,
        birth_date: form.birth_date,
        street: form.street,
        house_number: form.house_number,
        postcode: form.postcode,
        city: form.city,
        phone: form.phone,
    };
    match svc.save_profile(&actor, account.id, profile.clone()).await {
        Ok(_) => Ok(Redirect::to("/konto/profil?gespeichert=1").into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(ProfilePage {
            ctx,
            profile,
            errors,
            saved: false,
        })),
        Err(e) => Err(e.into()),
    }
}

/// The profile form (with the CSRF field, which the profile type refuses).
#[derive(Debug, Default, Deserialize)]
struct ProfileForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    house_number: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    phone: String,
}

// --- workplace ----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "staff_home.html")]
struct StaffHomePage {
    ctx: PageCtx,
    account: Account,
    roles: Vec<(String, String)>,
    sections: Vec<web::home::HomeSection>,
}

async fn role_rows(
    svc: &IdentityService,
    actor: &kernel::Actor,
    ctx: &PageCtx,
) -> Result<Vec<(String, String)>, AppError> {
    let units = svc.org_units(actor).await?;
    Ok(actor
        .grants
        .iter()
        .map(|g| {
            let unit = units
                .iter()
                .find(|u| u.id == g.org_unit)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            (ctx.role(g.role.as_str()), unit)
        })
        .collect())
}

async fn staff_home(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, account): StaffUser,
) -> Result<StaffHomePage, AppError> {
    let roles = role_rows(&svc, &actor, &ctx).await?;
    let sections = svc.home_sections(&actor).await;
    Ok(StaffHomePage {
        ctx,
        account,
        roles,
        sections,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_account.html")]
struct StaffAccountPage {
    ctx: PageCtx,
    account: Account,
    roles: Vec<(String, String)>,
    recovery_left: i64,
    /// Colleagues who can represent (id, name).
    colleagues: Vec<(AccountId, String)>,
    /// Own absences today and later: (deputy's name, first, last day).
    absences: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)>,
    form: AbsenceForm,
    errors: FieldErrors,
    reported: bool,
}

impl StaffAccountPage {
    fn chosen(&self, id: &AccountId) -> bool {
        self.form.deputy == id.to_string()
    }
}

/// The absence form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
struct AbsenceForm {
    #[serde(default)]
    deputy: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ReportedQuery {
    #[serde(default)]
    gemeldet: Option<String>,
}

async fn staff_account_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    account: Account,
    form: AbsenceForm,
    errors: FieldErrors,
    reported: bool,
) -> Result<StaffAccountPage, AppError> {
    let roles = role_rows(svc, actor, &ctx).await?;
    let recovery_left = svc.recovery_codes_left(account.id).await?;
    let mut colleagues: Vec<(AccountId, String)> = Vec::new();
    for g in &actor.grants {
        for role in [Role::Clerk, Role::Manager] {
            for (id, name) in svc.holders_for(role, g.org_unit).await? {
                if id != account.id && !colleagues.iter().any(|(c, _)| *c == id) {
                    colleagues.push((id, name));
                }
            }
        }
    }
    colleagues.sort_by(|a, b| a.1.cmp(&b.1));
    let today = svc.today();
    let mut absences = Vec::new();
    for d in svc.deputies(actor).await? {
        if d.principal == account.id && d.ends_on >= today {
            let name = svc
                .account(&kernel::Actor::system("identity"), d.deputy)
                .await
                .map(|(a, _)| a.display_name)
                .unwrap_or_default();
            absences.push((name, d.starts_on, d.ends_on));
        }
    }
    Ok(StaffAccountPage {
        ctx,
        account,
        roles,
        recovery_left,
        colleagues,
        absences,
        form,
        errors,
        reported,
    })
}

async fn staff_account(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, account): StaffUser,
    Query(q): Query<ReportedQuery>,
) -> Result<StaffAccountPage, AppError> {
    svc.log_read(&actor, "account.viewed", vec![account.id.to_string()])
        .await?;
    staff_account_page(
        &svc,
        ctx,
        &actor,
        account,
        AbsenceForm::default(),
        FieldErrors::new(),
        q.gemeldet.is_some(),
    )
    .await
}

async fn report_absence(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, account): StaffUser,
    web::CsrfForm(form): web::CsrfForm<AbsenceForm>,
) -> Result<Response, AppError> {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    match svc
        .report_absence(
            &actor,
            AccountId::parse(&form.deputy),
            day(&form.starts_on),
            day(&form.ends_on),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/arbeit/konto?gemeldet=1#abwesenheit").into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(web::unprocessable(
            staff_account_page(&svc, ctx, &actor, account, form, errors, false).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

// --- admin --------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin_index.html")]
struct AdminIndexPage {
    ctx: PageCtx,
}

async fn admin_index(
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<AdminIndexPage, AppError> {
    if !actor.has_role_anywhere(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok(AdminIndexPage { ctx })
}

#[derive(Debug, Default, Deserialize)]
struct AccountForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    roles: Vec<String>,
}

impl AccountForm {
    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_accounts.html")]
struct AdminAccountsPage {
    ctx: PageCtx,
    accounts: Vec<Account>,
    units: Vec<OrgUnit>,
    roles: Vec<Role>,
    form: AccountForm,
    errors: FieldErrors,
    message: Option<String>,
}

async fn accounts_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: AccountForm,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<AdminAccountsPage, AppError> {
    let accounts = svc.list_accounts(actor, None, 200, 0).await?;
    let units = svc.org_units(actor).await?;
    Ok(AdminAccountsPage {
        ctx,
        accounts,
        units,
        roles: Role::ALL.to_vec(),
        form,
        errors,
        message,
    })
}

async fn admin_accounts(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<NextQuery>,
) -> Result<AdminAccountsPage, AppError> {
    accounts_page(
        &svc,
        ctx,
        &actor,
        AccountForm::default(),
        FieldErrors::new(),
        notice(q.ok.as_deref()),
    )
    .await
}

async fn admin_create_account(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> Result<Response, AppError> {
    let new = NewAccount {
        kind: Some(AccountKind::Staff),
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        org_unit: OrgUnitId::parse(&form.org_unit),
        roles: form.roles.iter().filter_map(|r| Role::parse(r)).collect(),
    };
    match svc.create_account(&actor, new).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/arbeit/admin/konten/{}?ok=created", a.id)).into_response())
        }
        Err(IdentityError::Invalid(errors)) => {
            let form = AccountForm {
                password: String::new(),
                ..form
            };
            Ok(unprocessable(
                accounts_page(&svc, ctx, &actor, form, errors, None).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_account.html")]
struct AdminAccountPage {
    ctx: PageCtx,
    account: Account,
    grants: Vec<(Grant, String)>,
    units: Vec<OrgUnit>,
    roles: Vec<Role>,
    errors: FieldErrors,
    message: Option<String>,
}

fn parse_account(id: &str) -> Result<AccountId, AppError> {
    AccountId::parse(id).ok_or(AppError::NotFound)
}

async fn account_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: AccountId,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<AdminAccountPage, AppError> {
    if !actor.has_role_anywhere(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let (account, grants) = svc.account(actor, id).await?;
    let units = svc.org_units(actor).await?;
    let grants = grants
        .into_iter()
        .map(|g| {
            let name = units
                .iter()
                .find(|u| u.id == g.org_unit)
                .map(|u| format!("{} {}", u.code, u.name))
                .unwrap_or_default();
            (g, name)
        })
        .collect();
    Ok(AdminAccountPage {
        ctx,
        account,
        grants,
        units,
        roles: Role::ALL.to_vec(),
        errors,
        message,
    })
}

async fn admin_account(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<AdminAccountPage, AppError> {
    account_page(
        &svc,
        ctx,
        &actor,
        parse_account(&id)?,
        FieldErrors::new(),
        notice(q.ok.as_deref()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct GrantForm {
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    role: String,
}

async fn admin_grant(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<Response, AppError> {
    let id = parse_account(&id)?;
    let mut errors = FieldErrors::new();
    let unit = OrgUnitId::parse(&form.org_unit);
    let role = Role::parse(&form.role);
    if unit.is_none() {
        errors.add("org_unit", "unit_missing");
    }
    if role.is_none() {
        errors.add("role", "role_missing");
    }
    let result = match (unit, role) {
        (Some(u), Some(r)) => svc.grant_role(&actor, id, u, r).await.map(|_| ()),
        _ => Err(IdentityError::Invalid(errors)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/arbeit/admin/konten/{id}?ok=granted")).into_response())
        }
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            account_page(&svc, ctx, &actor, id, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn admin_revoke(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path((id, grant)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = parse_account(&id)?;
    let grant = uuid::Uuid::parse_str(&grant).map_err(|_| AppError::NotFound)?;
    svc.revoke_role(&actor, id, grant).await?;
    Ok(Redirect::to(&format!("/arbeit/admin/konten/{id}?ok=revoked")).into_response())
}

async fn admin_disable(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = parse_account(&id)?;
    match svc.disable_account(&actor, id).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/arbeit/admin/konten/{id}?ok=disabled")).into_response())
        }
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            account_page(&svc, ctx, &actor, id, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn admin_enable(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = parse_account(&id)?;
    match svc.enable_account(&actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/arbeit/admin/konten/{id}?ok=enabled")).into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            account_page(&svc, ctx, &actor, id, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn admin_send_reset(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = parse_account(&id)?;
    let (account, _) = svc.account(&actor, id).await?;
    if !actor.has_role_anywhere(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    svc.request_password_reset(&account.email).await?;
    Ok(Redirect::to(&format!("/arbeit/admin/konten/{id}?ok=reset_sent")).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct UnitForm {
    #[serde(default)]
    parent: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_units.html")]
struct AdminUnitsPage {
    ctx: PageCtx,
    units: Vec<(OrgUnit, usize)>,
    form: UnitForm,
    errors: FieldErrors,
    message: Option<String>,
}

/// Units in tree order with their depth.
fn tree(units: Vec<OrgUnit>) -> Vec<(OrgUnit, usize)> {
    fn walk(
        all: &[OrgUnit],
        parent: Option<OrgUnitId>,
        depth: usize,
        out: &mut Vec<(OrgUnit, usize)>,
    ) {
        for u in all.iter().filter(|u| u.parent == parent) {
            out.push((u.clone(), depth));
            walk(all, Some(u.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&units, None, 0, &mut out);
    out
}

async fn units_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: UnitForm,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<AdminUnitsPage, AppError> {
    if !actor.has_role_anywhere(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok(AdminUnitsPage {
        ctx,
        units: tree(svc.org_units(actor).await?),
        form,
        errors,
        message,
    })
}

async fn admin_units(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<NextQuery>,
) -> Result<AdminUnitsPage, AppError> {
    units_page(
        &svc,
        ctx,
        &actor,
        UnitForm::default(),
        FieldErrors::new(),
        notice(q.ok.as_deref()),
    )
    .await
}

async fn admin_create_unit(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> Result<Response, AppError> {
    let parent = OrgUnitId::parse(&form.parent);
    if parent.is_none() {
        let mut errors = FieldErrors::new();
        errors.add("parent", "unit_missing");
        return Ok(unprocessable(
            units_page(&svc, ctx, &actor, form, errors, None).await?,
        ));
    }
    match svc
        .create_org_unit(&actor, parent, &form.code, &form.name)
        .await
    {
        Ok(_) => Ok(Redirect::to("/arbeit/admin/organisation?ok=unit_created").into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            units_page(&svc, ctx, &actor, form, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DeputyForm {
    #[serde(default)]
    principal: String,
    #[serde(default)]
    deputy: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_deputies.html")]
struct AdminDeputiesPage {
    ctx: PageCtx,
    deputies: Vec<(Deputy, String, String)>,
    staff: Vec<Account>,
    form: DeputyForm,
    errors: FieldErrors,
    message: Option<String>,
}

async fn deputies_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: DeputyForm,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<AdminDeputiesPage, AppError> {
    let staff = svc
        .list_accounts(actor, Some(AccountKind::Staff), 500, 0)
        .await?;
    let name = |id: AccountId| {
        staff
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.display_name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let deputies = svc
        .deputies(actor)
        .await?
        .into_iter()
        .map(|d| {
            let (p, q) = (name(d.principal), name(d.deputy));
            (d, p, q)
        })
        .collect();
    Ok(AdminDeputiesPage {
        ctx,
        deputies,
        staff,
        form,
        errors,
        message,
    })
}

async fn admin_deputies(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<NextQuery>,
) -> Result<AdminDeputiesPage, AppError> {
    deputies_page(
        &svc,
        ctx,
        &actor,
        DeputyForm::default(),
        FieldErrors::new(),
        notice(q.ok.as_deref()),
    )
    .await
}

async fn admin_add_deputy(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<DeputyForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let principal = AccountId::parse(&form.principal);
    let deputy = AccountId::parse(&form.deputy);
    let from = NaiveDate::parse_from_str(form.starts_on.trim(), "%Y-%m-%d").ok();
    let to = NaiveDate::parse_from_str(form.ends_on.trim(), "%Y-%m-%d").ok();
    if principal.is_none() {
        errors.add("principal", "staff_unknown");
    }
    if deputy.is_none() {
        errors.add("deputy", "staff_unknown");
    }
    if from.is_none() {
        errors.add("starts_on", "date_invalid");
    }
    if to.is_none() {
        errors.add("ends_on", "date_invalid");
    }
    let result = match (principal, deputy, from, to) {
        (Some(p), Some(d), Some(f), Some(t)) => {
            svc.add_deputy(&actor, p, d, f, t).await.map(|_| ())
        }
        _ => Err(IdentityError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/admin/vertretungen?ok=deputy_added").into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            deputies_page(&svc, ctx, &actor, form, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_tokens.html")]
struct AdminTokensPage {
    ctx: PageCtx,
    tokens: Vec<ApiTokenRow>,
    scopes: Vec<&'static str>,
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
}

async fn tokens_page(
    svc: &IdentityService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: TokenForm,
    errors: FieldErrors,
    created: Option<String>,
) -> Result<AdminTokensPage, AppError> {
    Ok(AdminTokensPage {
        ctx,
        tokens: svc.api_tokens(actor).await?,
        scopes: IdentityService::SCOPES.to_vec(),
        created,
        form,
        errors,
    })
}

async fn admin_tokens(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<AdminTokensPage, AppError> {
    tokens_page(
        &svc,
        ctx,
        &actor,
        TokenForm::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

async fn admin_create_token(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    match svc.create_api_token(&actor, &form.name, &form.scopes).await {
        // The plain token is shown exactly once, on this response.
        Ok((_, plain)) => Ok(tokens_page(
            &svc,
            ctx,
            &actor,
            TokenForm::default(),
            FieldErrors::new(),
            Some(plain),
        )
        .await?
        .into_response()),
        Err(IdentityError::Invalid(errors)) => Ok(unprocessable(
            tokens_page(&svc, ctx, &actor, form, errors, None).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn admin_revoke_token(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = ApiTokenId::parse(&id).ok_or(AppError::NotFound)?;
    svc.revoke_api_token(&actor, id).await?;
    Ok(Redirect::to("/arbeit/admin/api-tokens").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/arbeit/admin"), "/"), "/arbeit/admin");
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(
            safe_next(Some("https://evil.example"), "/arbeit"),
            "/arbeit"
        );
        assert_eq!(safe_next(Some("/\\evil.example"), "/"), "/");
        assert_eq!(safe_next(None, "/konto"), "/konto");
    }
}
