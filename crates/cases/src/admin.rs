//! The admins' pages for case types: the list, and per service the
//! statuses (each in one of the fixed phases), the allowed transitions as
//! a matrix of check boxes, the deadline and its rule, the receiving unit
//! and the file-plan code.

use crate::domain::{CaseTypeInput, DeadlineRule, Phase, StatusDef, Transition};
use crate::http::Pages;
use crate::service::CasesError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use identity::http::auth::StaffUser;
use kernel::{FieldErrors, OrgUnitId, Role, ServiceId};
use web::{AppError, PageCtx};

/// Empty status rows offered for new statuses.
const SPARE_ROWS: usize = 2;

/// The case type pages.
pub fn router() -> Router<Pages> {
    Router::new()
        .route("/arbeit/admin/vorgangsarten", get(list))
        .route(
            "/arbeit/admin/vorgangsarten/{service}",
            get(edit).post(save),
        )
}

fn admin(actor: &kernel::Actor) -> Result<(), AppError> {
    if actor.has_role_anywhere(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "case_types.html")]
struct ListPage {
    ctx: PageCtx,
    types: Vec<crate::store::CaseType>,
}

async fn list(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<ListPage, AppError> {
    admin(&actor)?;
    Ok(ListPage {
        ctx,
        types: p.cases.case_types().await?,
    })
}

const PHASES: [Phase; 5] = [
    Phase::Received,
    Phase::InProgress,
    Phase::Waiting,
    Phase::Decided,
    Phase::Closed,
];

#[derive(Template, WebTemplate)]
#[template(path = "case_type.html")]
struct EditPage {
    ctx: PageCtx,
    service: ServiceId,
    input: CaseTypeInput,
    /// Status rows: the statuses and spare empty rows.
    rows: Vec<StatusDef>,
    units: Vec<(String, String)>,
    codes: Vec<(String, String)>,
    phases: Vec<(&'static str, String)>,
    errors: FieldErrors,
    saved: bool,
}

impl EditPage {
    fn allows(&self, from: &str, to: &str) -> bool {
        self.input.allows(from, to)
    }
}

async fn page(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    service: ServiceId,
    input: CaseTypeInput,
    errors: FieldErrors,
    saved: bool,
) -> Result<EditPage, AppError> {
    let units = p
        .cases
        .identity
        .org_units(actor)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .into_iter()
        .map(|u| (u.id.to_string(), format!("{} {}", u.code, u.name)))
        .collect();
    let codes = p
        .cases
        .records
        .plan(actor)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .into_iter()
        .map(|n| (n.code.clone(), format!("{} {}", n.code, n.title)))
        .collect();
    let mut rows = input.statuses.clone();
    for _ in 0..SPARE_ROWS {
        rows.push(StatusDef {
            key: String::new(),
            label: String::new(),
            phase: Phase::InProgress,
        });
    }
    Ok(EditPage {
        phases: PHASES
            .iter()
            .map(|ph| (ph.as_str(), ctx.t(format!("phase-{}", ph.as_str()))))
            .collect(),
        ctx,
        service,
        input,
        rows,
        units,
        codes,
        errors,
        saved,
    })
}

#[derive(Debug, serde::Deserialize)]
struct Saved {
    #[serde(default)]
    ok: Option<String>,
}

async fn edit(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(service): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<EditPage, AppError> {
    admin(&actor)?;
    let service = ServiceId::parse(&service).ok_or(AppError::NotFound)?;
    let existing = p
        .cases
        .store
        .type_of_service(service)
        .await
        .map_err(CasesError::from)?;
    let input = match existing {
        Some(t) => t.input,
        None => {
            // A new case type starts from the standard statuses.
            let title = p
                .cases
                .catalogue
                .titles(&[service])
                .await
                .map_err(|e| AppError::internal(e.to_string()))?
                .remove(&service)
                .ok_or(AppError::NotFound)?;
            CaseTypeInput::standard(service, &title, OrgUnitId(uuid::Uuid::nil()), "", 20)
        }
    };
    page(
        &p,
        ctx,
        &actor,
        service,
        input,
        FieldErrors::new(),
        q.ok.is_some(),
    )
    .await
}

/// The case type as the form sent it.
fn from_form(
    service: ServiceId,
    form: &web::CsrfFields,
    errors: &mut FieldErrors,
) -> CaseTypeInput {
    let get = |k: &str| form.get(k).unwrap_or("").trim().to_owned();
    let mut statuses = Vec::new();
    for i in 0.. {
        let Some(key) = form.get(&format!("status_key_{i}")) else {
            break;
        };
        let label = get(&format!("status_label_{i}"));
        if key.trim().is_empty() && label.is_empty() {
            continue; // an unused spare row
        }
        statuses.push(StatusDef {
            key: key.trim().to_owned(),
            label,
            phase: Phase::parse(&get(&format!("status_phase_{i}"))).unwrap_or(Phase::InProgress),
        });
    }
    let transitions = form
        .fields
        .iter()
        .filter(|(k, _)| k == "t")
        .filter_map(|(_, v)| v.split_once('>'))
        .map(|(from, to)| Transition {
            from: from.to_owned(),
            to: to.to_owned(),
        })
        .collect();
    let deadline_days = get("deadline_days").parse::<i64>().unwrap_or_else(|_| {
        errors.add("deadline_days", "deadline_invalid");
        0
    });
    let org_unit = OrgUnitId::parse(&get("org_unit")).unwrap_or_else(|| {
        errors.add("org_unit", "org_unit_missing");
        OrgUnitId(uuid::Uuid::nil())
    });
    CaseTypeInput {
        service,
        name: get("name"),
        statuses,
        transitions,
        deadline_days,
        deadline_rule: DeadlineRule::parse(&get("deadline_rule")).unwrap_or_default(),
        org_unit,
        plan_code: get("plan_code"),
    }
}

async fn save(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(service): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    admin(&actor)?;
    let service = ServiceId::parse(&service).ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let input = from_form(service, &form, &mut errors);
    let result = if errors.is_empty() {
        p.cases.define_type(&actor, input.clone()).await
    } else {
        Err(CasesError::Invalid(errors))
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/arbeit/admin/vorgangsarten/{service}?ok=1")).into_response(),
        ),
        Err(CasesError::Invalid(errors)) => {
            // Statuses are named by their position among the rows sent.
            let mut named = FieldErrors::new();
            for e in errors.0 {
                let field = e
                    .field
                    .strip_prefix("statuses[")
                    .and_then(|r| r.split_once("]."))
                    .map(|(i, part)| format!("status_{part}_{i}"))
                    .or_else(|| {
                        e.field
                            .starts_with("transitions")
                            .then(|| "transitions".to_owned())
                    })
                    .unwrap_or(e.field);
                named.add(&field, &e.code);
            }
            Ok(web::unprocessable(
                page(&p, ctx, &actor, service, input, named, false).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
