//! The application assistant's pages: start, prefill consent, one step per
//! page with progress, back and forward that keep answers, error summary
//! plus messages beside the fields, "check your answers" with change links,
//! declaration, submit and receipt; saving for later (an e-mailed link for
//! applicants without account); the citizen's applications and consents.
//! Everything works without JavaScript; `autosave.js` only saves sooner.

use crate::answers::fee_cents;
use crate::drafts::{Draft, Submission};
use crate::service::FormsError;
use crate::submissions::{Applicant, DraftView, SubmissionService, Upload};
use crate::view::{self, FieldView, SummaryRow};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use catalogue::CatalogueService;
use identity::consent::Consent;
use identity::http::auth::{Authenticated, CitizenUser};
use kernel::{ActorKind, ConsentId, DraftId, FieldErrors, SubmissionId};
use serde::Deserialize;
use std::sync::Arc;
use web::{AppError, CsrfFields, CsrfForm, PageCtx, Shell, unprocessable};

/// State of the assistant's pages.
#[derive(Clone)]
pub struct Pages {
    /// Applying.
    pub submissions: Arc<SubmissionService>,
    /// The catalogue (service by slug).
    pub catalogue: Arc<CatalogueService>,
}

type St = State<Pages>;

const COOKIE_PREFIX: &str = "rathaus_antrag_";

/// The assistant's routes. Step pages take uploads, so their body limit is
/// the upload limit (plus room for the other fields).
pub fn router(pages: Pages) -> Router {
    let upload_limit = usize::try_from(pages.submissions.settings().max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    Router::new()
        .route("/leistungen/{slug}/antrag", get(start_page).post(start))
        .route("/antrag/{id}", get(resume_here))
        .route("/antrag/{id}/einwilligung", get(consent_page).post(consent))
        .route(
            "/antrag/{id}/schritt/{n}",
            get(step_page)
                .post(step_post)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/antrag/{id}/pruefen", get(check_page))
        .route("/antrag/{id}/absenden", post(submit))
        .route("/antrag/{id}/eingang", get(receipt))
        .route("/antrag/{id}/speichern", get(save_page).post(save_link))
        .route("/antrag/{id}/fortsetzen", get(resume_link))
        .route("/konto/antraege", get(my_applications))
        .route("/konto/antraege/{id}", get(my_submission))
        .route("/konto/einwilligungen", get(my_consents))
        .route(
            "/konto/einwilligungen/{id}/widerrufen",
            post(revoke_consent),
        )
        .with_state(pages)
}

/// The applicant of a request: a logged-in citizen, or the secrets of the
/// anonymous drafts this browser holds (one cookie per draft).
struct Who(Applicant);

impl<S: Send + Sync> FromRequestParts<S> for Who {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(Authenticated {
            actor,
            account: Some(account),
        }) = parts.extensions.get::<Authenticated>()
            && actor.kind == ActorKind::Citizen
        {
            return Ok(Who(Applicant::Citizen(
                actor.clone(),
                account.email.clone(),
            )));
        }
        let secrets = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix(COOKIE_PREFIX))
            .filter_map(|c| c.split_once('=').map(|(_, v)| v.to_owned()))
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        Ok(Who(Applicant::Anonymous(secrets)))
    }
}

fn draft_cookie(id: DraftId, secret: &str, days: i64, secure: bool) -> HeaderValue {
    let v = format!(
        "{COOKIE_PREFIX}{}={secret}; Path=/antrag; Max-Age={}; HttpOnly; SameSite=Lax{}",
        id.0.simple(),
        days.max(1) * 86_400,
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn with_cookie(mut res: Response, cookie: HeaderValue) -> Response {
    if !cookie.is_empty() {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

fn draft_id(s: &str) -> Result<DraftId, AppError> {
    DraftId::parse(s).ok_or(AppError::NotFound)
}

fn to(path: String) -> Response {
    Redirect::to(&path).into_response()
}

/// Where a draft continues: the consent question, the first step not yet
/// completed, or the check page.
fn next_place(d: &Draft, steps: usize) -> String {
    if d.submission.is_some() {
        format!("/antrag/{}/eingang", d.id)
    } else if !d.consent_asked {
        format!("/antrag/{}/einwilligung", d.id)
    } else if d.reached as usize >= steps {
        format!("/antrag/{}/pruefen", d.id)
    } else {
        format!("/antrag/{}/schritt/{}", d.id, d.reached + 1)
    }
}

// --- start ----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply_start.html")]
struct StartPage {
    ctx: PageCtx,
    slug: String,
    service_title: String,
    form_title: String,
    steps: Vec<String>,
    citizen: bool,
}

async fn start_page(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(slug): Path<String>,
) -> Result<StartPage, AppError> {
    let view = p.catalogue.published(&slug).await?;
    let version = p
        .submissions
        .published_form(view.service.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(StartPage {
        ctx,
        slug,
        service_title: view.service.input.title,
        form_title: version.definition.title.clone(),
        steps: version
            .definition
            .steps
            .iter()
            .map(|s| s.title.clone())
            .collect(),
        citizen: matches!(who, Applicant::Citizen(..)),
    })
}

async fn start(
    State(p): St,
    Who(who): Who,
    axum::Extension(shell): axum::Extension<Shell>,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let service = p
        .catalogue
        .id_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (draft, secret) = p.submissions.start(&who, service).await?;
    let steps = p
        .submissions
        .draft(&applicant_with(&who, &secret), draft.id)
        .await?;
    let res = to(next_place(&draft, steps.definition.steps.len()));
    Ok(match secret {
        Some(s) => with_cookie(
            res,
            draft_cookie(
                draft.id,
                &s,
                p.submissions.settings().draft_days,
                shell.secure_cookies,
            ),
        ),
        None => res,
    })
}

/// The applicant plus a secret just issued (before the browser has the
/// cookie).
fn applicant_with(who: &Applicant, secret: &Option<String>) -> Applicant {
    match (who, secret) {
        (Applicant::Anonymous(list), Some(s)) => {
            let mut list = list.clone();
            list.push(s.clone());
            Applicant::Anonymous(list)
        }
        _ => who.clone(),
    }
}

async fn resume_here(
    State(p): St,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let v = p.submissions.draft(&who, draft_id(&id)?).await?;
    Ok(to(next_place(&v.draft, v.definition.steps.len())))
}

// --- consent --------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply_consent.html")]
struct ConsentPage {
    ctx: PageCtx,
    view: DraftView,
    sources: Vec<String>,
    errors: FieldErrors,
}

fn source_keys(v: &DraftView) -> Vec<String> {
    let mut keys: Vec<String> = crate::definition::all_fields(&v.definition)
        .into_iter()
        .filter_map(|f| f.prefill.as_ref())
        .map(|s| match s.strip_prefix("profile.") {
            Some(part) => format!("prefill-source-{}", part.replace('_', "-")),
            None => "prefill-source-submission".to_owned(),
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

async fn consent_page(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let view = p.submissions.draft(&who, draft_id(&id)?).await?;
    if view.draft.consent_asked {
        return Ok(to(next_place(&view.draft, view.definition.steps.len())));
    }
    let sources = source_keys(&view);
    Ok(ConsentPage {
        ctx,
        view,
        sources,
        errors: FieldErrors::new(),
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    #[serde(default)]
    prefill: String,
}

async fn consent(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    let id = draft_id(&id)?;
    let answer = match form.prefill.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let view = p.submissions.draft(&who, id).await?;
            let mut errors = FieldErrors::new();
            errors.add("prefill", "prefill_choice_missing");
            let sources = source_keys(&view);
            return Ok(unprocessable(ConsentPage {
                ctx,
                view,
                sources,
                errors,
            }));
        }
    };
    let draft = p.submissions.answer_consent(&who, id, answer).await?;
    Ok(to(format!("/antrag/{}/schritt/1", draft.id)))
}

// --- steps ----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply_step.html")]
struct StepPage {
    ctx: PageCtx,
    id: DraftId,
    form_title: String,
    number: usize,
    total: usize,
    title: String,
    fields: Vec<FieldView>,
    summary: Vec<(String, String)>,
    multipart: bool,
    back: String,
    from_check: bool,
}

fn error_links(
    ctx: &PageCtx,
    errors: &FieldErrors,
    fields: &[FieldView],
    prefix: &str,
) -> Vec<(String, String)> {
    let label_of = |name: &str| {
        let top = name.split(['.', '[']).next().unwrap_or(name);
        fields
            .iter()
            .find(|f| f.name == top)
            .map(|f| f.label.clone())
            .unwrap_or_default()
    };
    errors
        .0
        .iter()
        .map(|e| {
            let label = label_of(&e.field);
            let text = if label.is_empty() {
                ctx.err(&e.code)
            } else {
                format!("{label}: {}", ctx.err(&e.code))
            };
            (format!("{prefix}#{}", e.field), text)
        })
        .collect()
}

fn step_number(n: &str, total: usize) -> Result<usize, AppError> {
    n.parse::<usize>()
        .ok()
        .filter(|n| (1..=total).contains(n))
        .ok_or(AppError::NotFound)
}

fn render_step(
    ctx: PageCtx,
    view: &DraftView,
    number: usize,
    errors: &FieldErrors,
    from_check: bool,
) -> Result<StepPage, AppError> {
    let step = view
        .definition
        .steps
        .get(number - 1)
        .ok_or(AppError::NotFound)?;
    let fields = view::step_fields(step, &view.draft.answers, errors, &view.draft.prefilled);
    let summary = error_links(&ctx, errors, &fields, "");
    let back = if number > 1 {
        format!("/antrag/{}/schritt/{}", view.draft.id, number - 1)
    } else {
        String::new()
    };
    Ok(StepPage {
        ctx,
        id: view.draft.id,
        form_title: view.definition.title.clone(),
        number,
        total: view.definition.steps.len(),
        title: step.title.clone(),
        multipart: fields.iter().any(|f| f.kind == "file"),
        fields,
        summary,
        back,
        from_check,
    })
}

#[derive(Debug, Default, Deserialize)]
struct StepQuery {
    #[serde(default)]
    von: Option<String>,
}

async fn step_page(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path((id, n)): Path<(String, String)>,
    Query(q): Query<StepQuery>,
) -> Result<Response, AppError> {
    let view = p.submissions.draft(&who, draft_id(&id)?).await?;
    let total = view.definition.steps.len();
    let number = step_number(&n, total)?;
    if view.draft.submission.is_some() || number as i64 > view.draft.reached + 1 {
        // Steps are filled in order; a later one opens once the earlier
        // ones are complete.
        return Ok(to(next_place(&view.draft, total)));
    }
    Ok(render_step(
        ctx,
        &view,
        number,
        &FieldErrors::new(),
        q.von.as_deref() == Some("pruefen"),
    )?
    .into_response())
}

async fn step_post(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path((id, n)): Path<(String, String)>,
    form: CsrfFields,
) -> Result<Response, AppError> {
    let id = draft_id(&id)?;
    let view = p.submissions.draft(&who, id).await?;
    let total = view.definition.steps.len();
    let number = step_number(&n, total)?;
    let step = view
        .definition
        .steps
        .get(number - 1)
        .ok_or(AppError::NotFound)?;
    let action = form.get("_action").unwrap_or("weiter").to_owned();
    let from_check = form.get("_von") == Some("pruefen");
    let mut input = view::step_answers(step, &form.fields);
    for f in &step.fields {
        if f.kind == crate::definition::FieldKind::File
            && form.get(&format!("{}.remove", f.id)).is_some()
        {
            input.insert(f.id.clone(), serde_json::Value::String("remove".into()));
        }
    }
    if let Some(group) = action.strip_prefix("add:")
        && let Some(g) = step.fields.iter().find(|f| f.id == group)
    {
        view::add_item(&mut input, g);
    }
    if let Some(rest) = action.strip_prefix("remove:")
        && let Some((group, index)) = rest.split_once(':')
        && let Ok(index) = index.parse::<usize>()
    {
        view::remove_item(&mut input, group, index);
    }
    let uploads: Vec<Upload> = form
        .files
        .iter()
        .map(|f| Upload {
            field: f.field.clone(),
            name: f.file_name.clone(),
            bytes: f.bytes.clone(),
        })
        .collect();
    let forward = action == "weiter";
    let outcome = p
        .submissions
        .save_step(&who, id, number - 1, input, uploads, forward)
        .await?;
    let saved = DraftView {
        draft: outcome.draft,
        ..view
    };
    if action == "autosave" {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if !outcome.errors.is_empty() {
        return Ok(unprocessable(render_step(
            ctx,
            &saved,
            number,
            &outcome.errors,
            from_check,
        )?));
    }
    let here = format!("/antrag/{id}/schritt/{number}");
    Ok(match action.as_str() {
        "weiter" if from_check || number == total => to(format!("/antrag/{id}/pruefen")),
        "weiter" => to(format!("/antrag/{id}/schritt/{}", number + 1)),
        "zurueck" if number > 1 => to(format!("/antrag/{id}/schritt/{}", number - 1)),
        "speichern" => to(format!("/antrag/{id}/speichern")),
        a if a.starts_with("add:") => {
            let group = a.trim_start_matches("add:");
            to(format!("{here}#{group}"))
        }
        _ => to(here),
    })
}

// --- check, submit, receipt -------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply_check.html")]
struct CheckPage {
    ctx: PageCtx,
    id: DraftId,
    form_title: String,
    rows: Vec<SummaryRow>,
    fee: Option<String>,
    declaration: String,
    summary: Vec<(String, String)>,
    declaration_error: bool,
}

fn render_check(ctx: PageCtx, view: &DraftView, errors: &FieldErrors) -> CheckPage {
    let answers = crate::answers::without_hidden(&view.definition, &view.draft.answers);
    let rows = view::summary(&view.definition, &answers, &ctx.t("yes"), &ctx.t("no"));
    let id = view.draft.id;
    let summary = errors
        .0
        .iter()
        .map(|e| {
            if e.field == "declaration" {
                ("#declaration".to_owned(), ctx.err(&e.code))
            } else {
                let step = view::step_of(&view.definition, &e.field);
                let label = rows
                    .iter()
                    .find(|r| e.field.starts_with(r.field.as_str()))
                    .map(|r| r.label.clone())
                    .unwrap_or_default();
                (
                    format!("/antrag/{id}/schritt/{step}?von=pruefen#{}", e.field),
                    format!("{label}: {}", ctx.err(&e.code)),
                )
            }
        })
        .collect();
    let fee = view
        .definition
        .fee
        .as_ref()
        .map(|_| view::euro(fee_cents(&view.definition, &answers)));
    CheckPage {
        declaration_error: errors.get("declaration").is_some(),
        ctx,
        id,
        form_title: view.definition.title.clone(),
        rows,
        fee,
        declaration: view.definition.declaration.clone(),
        summary,
    }
}

async fn check_page(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let view = p.submissions.draft(&who, draft_id(&id)?).await?;
    let total = view.definition.steps.len();
    if view.draft.submission.is_some() || (view.draft.reached as usize) < total {
        return Ok(to(next_place(&view.draft, total)));
    }
    let mut errors = SubmissionService::check(&view);
    errors.0.retain(|e| e.field != "declaration");
    Ok(render_check(ctx, &view, &errors).into_response())
}

#[derive(Debug, Deserialize)]
struct SubmitForm {
    #[serde(default)]
    declaration: Option<String>,
}

async fn submit(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<SubmitForm>,
) -> Result<Response, AppError> {
    let id = draft_id(&id)?;
    match p
        .submissions
        .submit(&who, id, form.declaration.is_some())
        .await
    {
        Ok(_) => Ok(to(format!("/antrag/{id}/eingang"))),
        Err(FormsError::Answers(errors)) => {
            let view = p.submissions.draft(&who, id).await?;
            Ok(unprocessable(render_check(ctx, &view, &errors)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_receipt.html")]
struct ReceiptPage {
    ctx: PageCtx,
    service_title: String,
    submission: Submission,
    rows: Vec<SummaryRow>,
    fee: Option<String>,
    submitted_at: String,
}

fn receipt_page(ctx: PageCtx, r: crate::submissions::Receipt) -> ReceiptPage {
    let s = r.submission;
    let rows = view::summary(&r.definition, &s.answers, &ctx.t("yes"), &ctx.t("no"));
    ReceiptPage {
        service_title: r.service_title,
        rows,
        fee: r.definition.fee.as_ref().map(|_| view::euro(s.fee_cents)),
        submitted_at: s
            .submitted_at
            .with_timezone(&chrono_tz::Europe::Berlin)
            .format("%d.%m.%Y, %H:%M")
            .to_string(),
        submission: s,
        ctx,
    }
}

async fn receipt(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<ReceiptPage, AppError> {
    let r = p.submissions.receipt(&who, draft_id(&id)?).await?;
    Ok(receipt_page(ctx, r))
}

// --- save for later -----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply_save.html")]
struct SavePage {
    ctx: PageCtx,
    id: DraftId,
    anonymous: bool,
    email: String,
    sent: bool,
    expires: String,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
struct SentQuery {
    #[serde(default)]
    gesendet: Option<String>,
}

async fn save_page(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    Path(id): Path<String>,
    Query(q): Query<SentQuery>,
) -> Result<SavePage, AppError> {
    let view = p.submissions.draft(&who, draft_id(&id)?).await?;
    Ok(SavePage {
        ctx,
        id: view.draft.id,
        anonymous: view.draft.account.is_none(),
        email: view.draft.email.clone().unwrap_or_default(),
        sent: q.gesendet.is_some(),
        expires: view.draft.expires_at.format("%d.%m.%Y").to_string(),
        errors: FieldErrors::new(),
    })
}

#[derive(Debug, Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn save_link(
    State(p): St,
    ctx: PageCtx,
    Who(who): Who,
    axum::Extension(shell): axum::Extension<Shell>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<Response, AppError> {
    let id = draft_id(&id)?;
    match p.submissions.send_resume_link(&who, id, &form.email).await {
        Ok(secret) => Ok(with_cookie(
            to(format!("/antrag/{id}/speichern?gesendet=1")),
            draft_cookie(
                id,
                &secret,
                p.submissions.settings().draft_days,
                shell.secure_cookies,
            ),
        )),
        Err(FormsError::Answers(errors)) => {
            let view = p.submissions.draft(&who, id).await?;
            Ok(unprocessable(SavePage {
                ctx,
                id,
                anonymous: true,
                email: form.email,
                sent: false,
                expires: view.draft.expires_at.format("%d.%m.%Y").to_string(),
                errors,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct KeyQuery {
    #[serde(default)]
    schluessel: String,
}

async fn resume_link(
    State(p): St,
    axum::Extension(shell): axum::Extension<Shell>,
    Path(id): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Result<Response, AppError> {
    let id = draft_id(&id)?;
    if !p.submissions.resume(id, &q.schluessel).await? {
        return Err(AppError::NotFound);
    }
    Ok(with_cookie(
        to(format!("/antrag/{id}")),
        draft_cookie(
            id,
            &q.schluessel,
            p.submissions.settings().draft_days,
            shell.secure_cookies,
        ),
    ))
}

// --- the citizen's account ------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "my_applications.html")]
struct MyApplicationsPage {
    ctx: PageCtx,
    drafts: Vec<(Draft, String)>,
    submissions: Vec<(Submission, String)>,
}

async fn my_applications(
    State(p): St,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
) -> Result<MyApplicationsPage, AppError> {
    let (drafts, submissions) = p.submissions.mine(&actor).await?;
    Ok(MyApplicationsPage {
        ctx,
        drafts,
        submissions,
    })
}

async fn my_submission(
    State(p): St,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
) -> Result<ReceiptPage, AppError> {
    let id = SubmissionId::parse(&id).ok_or(AppError::NotFound)?;
    let r = p.submissions.own_submission(&actor, id).await?;
    Ok(receipt_page(ctx, r))
}

#[derive(Template, WebTemplate)]
#[template(path = "my_consents.html")]
struct MyConsentsPage {
    ctx: PageCtx,
    consents: Vec<(Consent, String)>,
    revoked: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RevokedQuery {
    #[serde(default)]
    widerrufen: Option<String>,
}

async fn my_consents(
    State(p): St,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Query(q): Query<RevokedQuery>,
) -> Result<MyConsentsPage, AppError> {
    Ok(MyConsentsPage {
        consents: p.submissions.consents(&actor).await?,
        ctx,
        revoked: q.widerrufen.is_some(),
    })
}

async fn revoke_consent(
    State(p): St,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = ConsentId::parse(&id).ok_or(AppError::NotFound)?;
    p.submissions.revoke_consent(&actor, id).await?;
    Ok(to("/konto/einwilligungen?widerrufen=1".into()))
}
