//! Co-signing pages of the workplace: start a route on a document, the
//! route with its signature strip and — for whoever a step waits on — the
//! decision in one tap (approve) or two (reservation or refusal with a
//! comment); the lead clerk's new round after a revision. The start page
//! lists the person's open requests.

use crate::domain::{Decision, StepInput, StepKind};
use crate::service::{CosigningError, CosigningService, DecisionInput, RouteInput, RouteView};
use crate::store::Step;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::{AccountId, DocumentId, FieldErrors, OrgUnitId};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

type Svc = State<Arc<CosigningService>>;

/// The co-signing pages.
pub fn router(svc: Arc<CosigningService>) -> Router {
    Router::new()
        .route("/arbeit/mitzeichnung/neu", get(start_page).post(start))
        .route("/arbeit/mitzeichnung/{id}", get(route_page))
        .route("/arbeit/mitzeichnung/{id}/schritte/{step}", post(decide))
        .route("/arbeit/mitzeichnung/{id}/neue-runde", post(revise))
        .route(
            "/arbeit/mitzeichnung/{id}/schritte/{step}/eskalieren",
            post(escalate),
        )
        .route(
            "/arbeit/mitzeichnung/{id}/fassungen/{version}",
            get(version),
        )
        .with_state(svc)
}

fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// Rows of the start form: two stages of up to three parallel steps.
const ROWS: [&str; 6] = ["s1_1", "s1_2", "s1_3", "s2_1", "s2_2", "s2_3"];

#[derive(Template, WebTemplate)]
#[template(path = "cosign_start.html")]
struct StartPage {
    ctx: PageCtx,
    document: Uuid,
    label: String,
    people: Vec<(Uuid, String)>,
    units: Vec<(Uuid, String)>,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

impl StartPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name).cloned().unwrap_or_default()
    }

    fn rows(&self) -> Vec<(String, String)> {
        ROWS.iter()
            .map(|r| (r.to_string(), r.get(1..2).unwrap_or("1").to_string()))
            .collect()
    }

    fn selected(&self, name: &str, value: &str) -> bool {
        self.form.get(name).map(String::as_str) == Some(value)
    }

    fn person_value(&self, id: &Uuid) -> String {
        format!("a:{id}")
    }

    fn unit_value(&self, id: &Uuid) -> String {
        format!("u:{id}")
    }

    fn error(&self, name: &str) -> Option<String> {
        self.errors.get(name).map(|e| e.code.clone())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct DocQuery {
    #[serde(default)]
    dokument: String,
}

async fn render_start(
    svc: &CosigningService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    document: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<StartPage, AppError> {
    let (unit, label) = svc.document_unit(actor, DocumentId(document)).await?;
    let (people, units) = svc.choices(unit).await?;
    Ok(StartPage {
        ctx,
        document,
        label,
        people,
        units,
        form,
        errors,
    })
}

async fn start_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    let document = uuid(&q.dokument)?;
    // A document has one open route at a time: go on with it.
    if let Some(open) = svc.route_open_on(DocumentId(document)).await? {
        // Only for someone who may route the document (its unit's staff).
        svc.document_unit(&actor, DocumentId(document)).await?;
        return Ok(Redirect::to(&format!("/arbeit/mitzeichnung/{open}")).into_response());
    }
    Ok(render_start(
        &svc,
        ctx,
        &actor,
        document,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await?
    .into_response())
}

/// A step of the form: `a:{uuid}` a person, `u:{uuid}` a unit.
fn who(value: &str) -> Option<(Option<AccountId>, Option<OrgUnitId>)> {
    let (k, id) = value.split_once(':')?;
    let id = Uuid::parse_str(id).ok()?;
    match k {
        "a" => Some((Some(AccountId(id)), None)),
        "u" => Some((None, Some(OrgUnitId(id)))),
        _ => None,
    }
}

async fn start(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): web::CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let document = uuid(form.get("document").map(String::as_str).unwrap_or(""))?;
    let mut errors = FieldErrors::new();
    // The route's stages and, per step, the form field it came from.
    let mut stages: Vec<Vec<StepInput>> = Vec::new();
    let mut fields: Vec<Vec<String>> = Vec::new();
    let today = kernel::Clock::now(svc.clock()).date_naive();
    let mut due = |field: &str| -> Option<chrono::NaiveDate> {
        let v = form.get(field).map(|v| v.trim()).unwrap_or("");
        if v.is_empty() {
            return None;
        }
        match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) if d >= today => Some(d),
            Ok(_) => {
                errors.add(field, "date_not_future");
                None
            }
            Err(_) => {
                errors.add(field, "date_invalid");
                None
            }
        }
    };
    let dues = [due("s1_due"), due("s2_due"), due("final_due")];
    for (n, stage) in ["s1", "s2"].into_iter().enumerate() {
        let mut steps = Vec::new();
        let mut names = Vec::new();
        for row in ROWS.iter().filter(|r| r.starts_with(stage)) {
            let value = form
                .get(&format!("{row}_who"))
                .map(String::as_str)
                .unwrap_or("");
            if value.is_empty() {
                continue;
            }
            let Some((account_id, unit_id)) = who(value) else {
                errors.add(&format!("{row}_who"), "route_step_person_or_unit");
                continue;
            };
            let kind = match form.get(&format!("{row}_kind")).map(String::as_str) {
                Some("acknowledge") => StepKind::Acknowledge,
                _ => StepKind::Cosign,
            };
            steps.push(StepInput {
                kind,
                account_id,
                unit_id,
                due_on: dues.get(n).copied().flatten(),
            });
            names.push(format!("{row}_who"));
        }
        if !steps.is_empty() {
            stages.push(steps);
            fields.push(names);
        }
    }
    let fin = form.get("final_who").map(String::as_str).unwrap_or("");
    if let Some((Some(a), None)) = who(fin) {
        stages.push(vec![StepInput {
            kind: StepKind::Final,
            account_id: Some(a),
            unit_id: None,
            due_on: dues.get(2).copied().flatten(),
        }]);
        fields.push(vec!["final_who".into()]);
    }
    let result = if errors.is_empty() {
        svc.start(
            &actor,
            RouteInput {
                document_id: DocumentId(document),
                title: form.get("title").cloned().unwrap_or_default(),
                stages,
            },
        )
        .await
    } else {
        Err(CosigningError::Invalid(errors))
    };
    match result {
        Ok(route) => {
            Ok(Redirect::to(&format!("/arbeit/mitzeichnung/{}", route.id)).into_response())
        }
        Err(CosigningError::Invalid(e)) => {
            // The service names steps by position; the page by field.
            let mut mapped = FieldErrors::new();
            for err in e.0 {
                let field = parse_step(&err.field)
                    .and_then(|(i, j)| fields.get(i).and_then(|f| f.get(j)).cloned())
                    .unwrap_or_else(|| {
                        if err.field == "stages" {
                            "final_who".into()
                        } else {
                            err.field.clone()
                        }
                    });
                mapped.add(&field, &err.code);
            }
            Ok(web::unprocessable(
                render_start(&svc, ctx, &actor, document, form, mapped).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `stages[i][j]` → (i, j).
fn parse_step(field: &str) -> Option<(usize, usize)> {
    let rest = field.strip_prefix("stages[")?;
    let (i, rest) = rest.split_once("][")?;
    let j = rest.strip_suffix(']')?;
    Some((i.parse().ok()?, j.parse().ok()?))
}

#[derive(Template, WebTemplate)]
#[template(path = "cosign_route.html")]
struct RoutePage {
    ctx: PageCtx,
    v: RouteView,
    /// The case page of the route's file (where a notice is revised).
    file_page: Option<String>,
    names: HashMap<Uuid, String>,
    mine: Vec<(Step, Option<AccountId>)>,
    lead: bool,
    /// The lead or a manager of the unit: may escalate overdue steps.
    escalates: bool,
    today: chrono::NaiveDate,
    errors: FieldErrors,
    comment: String,
    passage: String,
}

impl RoutePage {
    fn name(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }

    fn who(&self, s: &Step) -> String {
        match (s.account_id, s.unit_id) {
            (Some(a), _) => self.name(&Some(a)),
            (_, Some(u)) => self.name(&Some(u)),
            _ => String::new(),
        }
    }

    fn current_steps(&self) -> Vec<&Step> {
        self.v
            .steps
            .iter()
            .filter(|s| s.round == self.v.route.round)
            .collect()
    }

    fn overdue(&self, s: &Step) -> bool {
        s.state == "open" && s.due_on.is_some_and(|d| d < self.today)
    }

    fn kind_key(&self, kind: &str) -> String {
        format!("cosign-kind-{kind}")
    }

    fn state_key(&self) -> String {
        format!("cosign-route-{}", self.v.route.state)
    }

    fn step_state_key(&self, state: &str) -> String {
        format!("cosign-step-{state}")
    }

    fn decision_key(&self, d: &str) -> String {
        format!("cosign-decision-{d}")
    }

    fn capacity_key(&self, c: &str) -> String {
        format!("capacity-{c}")
    }
}

async fn render_route(
    svc: &CosigningService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: Uuid,
    errors: FieldErrors,
    comment: String,
    passage: String,
) -> Result<RoutePage, AppError> {
    let v = svc.view(actor, id).await?;
    let names = svc.names(&v).await?;
    let mine = svc.my_steps(actor, &v).await?;
    let lead = actor.account.map(|a| a.0) == Some(v.route.lead_id);
    let escalates =
        lead || actor.has_role_in(kernel::Role::Manager, OrgUnitId(v.route.org_unit_id));
    let today = kernel::Clock::now(svc.clock()).date_naive();
    let file_page = svc.file_page(&v.route).await;
    Ok(RoutePage {
        ctx,
        file_page,
        v,
        names,
        mine,
        lead,
        escalates,
        today,
        errors,
        comment,
        passage,
    })
}

async fn route_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<RoutePage, AppError> {
    render_route(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        FieldErrors::new(),
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
struct DecisionForm {
    #[serde(default)]
    version_id: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    passage: String,
}

async fn decide(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, step)): Path<(String, String)>,
    web::CsrfForm(form): web::CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let decision = Decision::parse(&form.decision).ok_or_else(|| {
        let mut e = FieldErrors::new();
        e.add("decision", "cosign_decision_invalid");
        AppError::Invalid {
            detail: "Choose a decision.".into(),
            errors: e,
        }
    })?;
    let input = DecisionInput {
        version_id: Uuid::parse_str(&form.version_id).unwrap_or_default(),
        decision,
        comment: form.comment.clone(),
        passage: form.passage.clone(),
    };
    match svc.decide(&actor, id, uuid(&step)?, input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/arbeit/mitzeichnung/{id}#zeichnungen")).into_response())
        }
        Err(CosigningError::Invalid(errors)) => Ok(web::unprocessable(
            render_route(&svc, ctx, &actor, id, errors, form.comment, form.passage).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn revise(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): web::CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc.revise(&actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/arbeit/mitzeichnung/{id}")).into_response()),
        Err(CosigningError::Invalid(errors)) => Ok(web::unprocessable(
            render_route(&svc, ctx, &actor, id, errors, String::new(), String::new()).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn escalate(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path((id, step)): Path<(String, String)>,
    web::CsrfForm(_): web::CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    svc.escalate(&actor, id, uuid(&step)?).await?;
    Ok(Redirect::to(&format!("/arbeit/mitzeichnung/{id}#laufweg")).into_response())
}

async fn version(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (v, bytes) = svc
        .version_content(&actor, uuid(&id)?, uuid(&version)?)
        .await?;
    Ok(web::download::file(&v.file_name, &v.media_type, bytes))
}

/// "My co-signing requests" on the start page.
pub struct RequestsPanel(pub Arc<CosigningService>);

#[async_trait::async_trait]
impl web::home::HomePanel for RequestsPanel {
    async fn section(&self, actor: &kernel::Actor) -> Option<web::home::HomeSection> {
        let requests = self.0.my_requests(actor).await.ok()?;
        let me = actor.account.map(|a| a.0);
        let mut items = Vec::new();
        for r in requests {
            let detail = match r.account_id {
                Some(p) if Some(p) != me => self
                    .0
                    .name_of_account(AccountId(p))
                    .await
                    .map(|n| format!("i. V. für {n}"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            items.push(web::home::HomeItem {
                title: r.title,
                kind_key: format!("cosign-kind-{}", r.kind),
                detail,
                href: format!("/arbeit/mitzeichnung/{}", r.route_id),
                due: r
                    .due_on
                    .map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_default(),
            });
        }
        Some(web::home::HomeSection {
            heading_key: "cosign-requests".into(),
            empty_key: "cosign-requests-none".into(),
            items,
        })
    }
}

/// Overdue steps of the routes one leads or whose unit one manages (shown
/// only when there are any).
pub struct OverduePanel(pub Arc<CosigningService>);

#[async_trait::async_trait]
impl web::home::HomePanel for OverduePanel {
    async fn section(&self, actor: &kernel::Actor) -> Option<web::home::HomeSection> {
        let overdue = self.0.overdue(actor).await.ok()?;
        if overdue.is_empty() {
            return None;
        }
        Some(web::home::HomeSection {
            heading_key: "cosign-overdue".into(),
            empty_key: "cosign-requests-none".into(),
            items: overdue
                .into_iter()
                .map(|r| web::home::HomeItem {
                    title: r.title,
                    kind_key: format!("cosign-kind-{}", r.kind),
                    detail: String::new(),
                    href: format!("/arbeit/mitzeichnung/{}#laufweg", r.route_id),
                    due: r
                        .due_on
                        .map(|d| d.format("%d.%m.%Y").to_string())
                        .unwrap_or_default(),
                })
                .collect(),
        })
    }
}
