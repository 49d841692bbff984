//! Pages of staff surveys in the staff workplace: the list, a survey
//! (answering on a phone; HR's and the staff council's controls), the
//! receipt with the one-time secret, and the results with a chart and a
//! table per question, CSV and PDF. Every action is an ordinary form post.

use crate::domain::{Answer, Kind, Question, drop_not_asked};
use crate::results::{QuestionResult, Results};
use crate::service::{
    ResultsView, State as SurveyState, SurveyInput, SurveyView, SurveysError, SurveysService,
    UnitParticipation,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use identity::http::auth::StaffUser;
use kernel::{Actor, FieldErrors};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

/// What the pages need besides the service.
pub struct Pages {
    /// The service.
    pub svc: Arc<SurveysService>,
    /// City name (for the PDF report).
    pub city: String,
}

type Svc = State<Arc<Pages>>;
type Form = web::CsrfForm<Vec<(String, String)>>;

/// The survey pages.
pub fn router(svc: Arc<SurveysService>, city: String) -> Router {
    Router::new()
        .route("/arbeit/befragungen", get(list_page).post(create))
        .route("/arbeit/befragungen/{id}", get(survey_page).post(save))
        .route("/arbeit/befragungen/{id}/antworten", post(answer))
        .route("/arbeit/befragungen/{id}/aendern", post(change))
        .route("/arbeit/befragungen/{id}/oeffnen", post(open))
        .route("/arbeit/befragungen/{id}/schliessen", post(close))
        .route("/arbeit/befragungen/{id}/erinnern", post(remind))
        .route("/arbeit/befragungen/{id}/mindestgroesse", post(min_group))
        .route("/arbeit/befragungen/{id}/veroeffentlichen", post(publish))
        .route("/arbeit/befragungen/{id}/ergebnisse", get(results_page))
        .route("/arbeit/befragungen/{id}/ergebnisse.csv", get(results_csv))
        .route("/arbeit/befragungen/{id}/ergebnisse.pdf", get(results_pdf))
        .with_state(Arc::new(Pages { svc, city }))
}

fn value(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// Field errors to show on the page, or the error page.
fn split(e: SurveysError) -> Result<FieldErrors, AppError> {
    match e {
        SurveysError::Invalid(errors) => Ok(errors),
        SurveysError::Conflict(code) => {
            let mut errors = FieldErrors::new();
            errors.add("fehler", &code);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn state_key(s: SurveyState) -> &'static str {
    match s {
        SurveyState::Draft => "surveys-state-draft",
        SurveyState::Open => "surveys-state-open",
        SurveyState::Closed => "surveys-state-closed",
        SurveyState::Published => "surveys-state-published",
    }
}

/// A tree level as indentation.
fn indent(depth: usize) -> String {
    format!("padding-left: {depth}rem")
}

fn date(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_default()
}

// --- list -------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "surveys_list.html")]
struct ListPage {
    ctx: PageCtx,
    surveys: Vec<SurveyView>,
    hr: bool,
    units: Vec<(Uuid, String, usize)>,
    errors: FieldErrors,
}

impl ListPage {
    fn state_key(&self, s: &SurveyState) -> &'static str {
        state_key(*s)
    }
}

async fn render_list(
    p: &Pages,
    ctx: PageCtx,
    actor: &Actor,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let surveys = p.svc.list(actor).await?;
    let hr = SurveysService::is_hr(actor);
    let units = if hr {
        p.svc.unit_choices().await?
    } else {
        Vec::new()
    };
    Ok(ListPage {
        ctx,
        surveys,
        hr,
        units,
        errors,
    })
}

async fn list_page(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<ListPage, AppError> {
    render_list(&p, ctx, &actor, FieldErrors::new()).await
}

/// HR starts a survey from the template for the units ticked (none: all
/// staff).
async fn create(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let mut units = Vec::new();
    for (k, v) in &form {
        if k == "unit" {
            match Uuid::parse_str(v) {
                Ok(u) => units.push(u),
                Err(_) => errors.add("units", "survey_unit_unknown"),
            }
        }
    }
    let audience = value(&form, "audience");
    if audience == "units" && units.is_empty() {
        errors.add("units", "survey_audience_empty");
    }
    if audience != "units" {
        units.clear();
    }
    if errors.is_empty() {
        match p.svc.from_template(&actor, units).await {
            Ok(s) => {
                return Ok(Redirect::to(&format!("/arbeit/befragungen/{}", s.id)).into_response());
            }
            Err(e) => errors = split(e)?,
        }
    }
    Ok(render_list(&p, ctx, &actor, errors).await?.into_response())
}

// --- one survey ---------------------------------------------------------

/// A question as the form shows it.
pub struct FormQuestion {
    id: String,
    section: String,
    new_section: bool,
    text: String,
    kind: &'static str,
    options: Vec<(String, String)>,
    min: i64,
    max: i64,
    required: bool,
    condition: String,
    chosen: Vec<String>,
    error: Option<String>,
}

impl FormQuestion {
    fn is(&self, v: &str) -> bool {
        self.chosen.iter().any(|c| c == v)
    }
    fn first(&self) -> String {
        self.chosen.first().cloned().unwrap_or_default()
    }
}

fn answer_values(a: &Answer) -> Vec<String> {
    match a {
        Answer::Bool(true) => vec!["yes".into()],
        Answer::Bool(false) => vec!["no".into()],
        Answer::Number(n) => vec![n.to_string()],
        Answer::Text(t) => vec![t.clone()],
        Answer::Many(v) => v.clone(),
    }
}

fn form_questions(
    questions: &[Question],
    chosen: &BTreeMap<String, Vec<String>>,
    errors: &FieldErrors,
) -> Vec<FormQuestion> {
    let mut last = String::new();
    questions
        .iter()
        .map(|q| {
            let new_section = q.section != last;
            last = q.section.clone();
            let (kind, options, min, max) = match &q.kind {
                Kind::Single { options } => (
                    "single",
                    options.iter().map(|o| (o.clone(), o.clone())).collect(),
                    0,
                    0,
                ),
                Kind::Multiple { options } => (
                    "multiple",
                    options.iter().map(|o| (o.clone(), o.clone())).collect(),
                    0,
                    0,
                ),
                Kind::Scale {
                    min,
                    max,
                    min_label,
                    max_label,
                } => (
                    "scale",
                    (*min..=*max)
                        .map(|v| {
                            let label = if v == *min {
                                format!("{v} – {min_label}")
                            } else if v == *max {
                                format!("{v} – {max_label}")
                            } else {
                                v.to_string()
                            };
                            (v.to_string(), label)
                        })
                        .collect(),
                    *min,
                    *max,
                ),
                Kind::YesNo => (
                    "yes_no",
                    vec![("yes".into(), "Ja".into()), ("no".into(), "Nein".into())],
                    0,
                    0,
                ),
                Kind::Number { min, max } => ("number", Vec::new(), *min, *max),
                Kind::Text { max_chars } => (
                    "text",
                    Vec::new(),
                    0,
                    i64::try_from(*max_chars).unwrap_or(2000),
                ),
            };
            let condition = q
                .condition
                .as_ref()
                .and_then(|c| {
                    let on = questions.iter().find(|p| p.id == c.question)?;
                    let values: Vec<String> = c
                        .values
                        .iter()
                        .map(|v| match v.as_str() {
                            "yes" => "Ja".to_owned(),
                            "no" => "Nein".to_owned(),
                            other => other.to_owned(),
                        })
                        .collect();
                    Some(format!(
                        "Nur wenn Sie bei „{}“ {} geantwortet haben.",
                        on.text,
                        values
                            .iter()
                            .map(|v| format!("„{v}“"))
                            .collect::<Vec<_>>()
                            .join(" oder ")
                    ))
                })
                .unwrap_or_default();
            FormQuestion {
                error: errors
                    .get(&format!("answers.{}", q.id))
                    .map(|e| e.code.clone()),
                id: q.id.clone(),
                section: q.section.clone(),
                new_section,
                text: q.text.clone(),
                kind,
                options,
                min,
                max,
                required: q.required && !q.demographic,
                condition,
                chosen: chosen.get(&q.id).cloned().unwrap_or_default(),
            }
        })
        .collect()
}

/// The answers of a form: fields `q_<key>` (repeated for several options).
fn parse_answers(questions: &[Question], form: &[(String, String)]) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for q in questions {
        let name = format!("q_{}", q.id);
        let values: Vec<String> = form
            .iter()
            .filter(|(k, v)| k == &name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        let Some(first) = values.first().cloned() else {
            continue;
        };
        let a = match &q.kind {
            Kind::Multiple { .. } => Answer::Many(values),
            Kind::Scale { .. } | Kind::Number { .. } => match first.parse::<i64>() {
                Ok(n) => Answer::Number(n),
                // Kept as text, so the check names the field.
                Err(_) => Answer::Text(first),
            },
            Kind::YesNo => match first.as_str() {
                "yes" => Answer::Bool(true),
                "no" => Answer::Bool(false),
                _ => Answer::Text(first),
            },
            Kind::Single { .. } | Kind::Text { .. } => Answer::Text(first),
        };
        out.insert(q.id.clone(), a);
    }
    drop_not_asked(questions, &out)
}

fn chosen_of(form: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form {
        if let Some(id) = k.strip_prefix("q_") {
            out.entry(id.to_owned()).or_default().push(v.clone());
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "survey.html")]
struct SurveyPage {
    ctx: PageCtx,
    view: SurveyView,
    questions: Vec<FormQuestion>,
    errors: FieldErrors,
    /// The secret the form changes answers with (second step).
    secret: String,
    participation: Vec<UnitParticipation>,
    check: Option<Results>,
    definition: String,
    form: Vec<(String, String)>,
    notice: String,
}

impl SurveyPage {
    fn state_key(&self) -> &'static str {
        state_key(self.view.state)
    }
    fn draft(&self) -> bool {
        self.view.state == SurveyState::Draft
    }
    fn open(&self) -> bool {
        self.view.state == SurveyState::Open
    }
    fn published(&self) -> bool {
        self.view.state == SurveyState::Published
    }
    fn opens(&self) -> String {
        date(&self.view.survey.opens_on)
    }
    fn closes(&self) -> String {
        date(&self.view.survey.closes_on)
    }
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }
    fn iso(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
    fn indent(&self, depth: &usize) -> String {
        indent(*depth)
    }
    fn rate(&self, r: &Option<f64>) -> String {
        r.map(|r| format!("{r:.0} %")).unwrap_or_default()
    }
    fn reason_key(&self, reason: &str) -> &'static str {
        if reason == "complementary" {
            "surveys-withheld-complementary"
        } else {
            "surveys-withheld-too-few"
        }
    }
}

struct Extra {
    answers: Option<BTreeMap<String, Vec<String>>>,
    secret: String,
    form: Vec<(String, String)>,
    notice: String,
}

async fn render_survey(
    p: &Pages,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    errors: FieldErrors,
    extra: Extra,
) -> Result<SurveyPage, AppError> {
    let view = p.svc.view(actor, id).await?;
    let chosen = extra.answers.unwrap_or_default();
    let questions = form_questions(&view.questions, &chosen, &errors);
    let participation = if view.manages || view.staff_council {
        p.svc.participation(actor, id).await?
    } else {
        Vec::new()
    };
    let check = if view.staff_council && view.state == SurveyState::Closed {
        Some(p.svc.publication_check(actor, id).await?.1)
    } else {
        None
    };
    let definition = serde_json::to_string_pretty(&view.questions).map_err(AppError::internal)?;
    Ok(SurveyPage {
        ctx,
        view,
        questions,
        errors,
        secret: extra.secret,
        participation,
        check,
        definition,
        form: extra.form,
        notice: extra.notice,
    })
}

fn plain() -> Extra {
    Extra {
        answers: None,
        secret: String::new(),
        form: Vec::new(),
        notice: String::new(),
    }
}

async fn survey_page(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<SurveyPage, AppError> {
    render_survey(
        &p,
        ctx,
        &actor,
        crate::api::id(&id)?,
        FieldErrors::new(),
        plain(),
    )
    .await
}

/// HR saves a draft (title, introduction, dates, changes allowed, the
/// questions as JSON).
async fn save(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = crate::api::id(&id)?;
    let view = p.svc.view(&actor, id).await?;
    let mut errors = FieldErrors::new();
    let mut day = |name: &str| -> Option<NaiveDate> {
        let v = value(&form, name);
        if v.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(name, "survey_date");
                None
            }
        }
    };
    let opens_on = day("opens_on");
    let closes_on = day("closes_on");
    let questions: Vec<Question> = match serde_json::from_str(&value(&form, "questions")) {
        Ok(q) => q,
        Err(_) => {
            errors.add("questions", "survey_questions_json");
            Vec::new()
        }
    };
    if errors.is_empty() {
        let input = SurveyInput {
            title: value(&form, "title"),
            intro: value(&form, "intro"),
            questions,
            all_staff: view.survey.all_staff,
            units: view.units.clone(),
            opens_on,
            closes_on,
            allow_changes: value(&form, "allow_changes") == "on",
        };
        match p.svc.update(&actor, id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/arbeit/befragungen/{id}")).into_response()),
            Err(e) => errors = split(e)?,
        }
    }
    let mut extra = plain();
    extra.form = form;
    Ok(render_survey(&p, ctx, &actor, id, errors, extra)
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_thanks.html")]
struct ThanksPage {
    ctx: PageCtx,
    title: String,
    id: Uuid,
    secret: Option<String>,
    changed: bool,
}

async fn answer(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = crate::api::id(&id)?;
    let view = p.svc.view(&actor, id).await?;
    let answers = parse_answers(&view.questions, &form);
    match p.svc.answer(&actor, id, &answers).await {
        Ok(receipt) => Ok(ThanksPage {
            ctx,
            title: view.survey.title,
            id,
            secret: receipt.change_secret,
            changed: false,
        }
        .into_response()),
        Err(e) => {
            let errors = split(e)?;
            let mut extra = plain();
            extra.answers = Some(chosen_of(&form));
            Ok(render_survey(&p, ctx, &actor, id, errors, extra)
                .await?
                .into_response())
        }
    }
}

/// Changing one's answers: with the secret alone the form comes back
/// filled in; with the secret and answers they are replaced.
async fn change(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = crate::api::id(&id)?;
    let secret = value(&form, "secret");
    let view = p.svc.view(&actor, id).await?;
    let mut extra = plain();
    if value(&form, "step") != "save" {
        return match p.svc.answers_for_secret(&actor, id, &secret).await {
            Ok(answers) => {
                extra.answers = Some(
                    answers
                        .iter()
                        .map(|(k, a)| (k.clone(), answer_values(a)))
                        .collect(),
                );
                extra.secret = secret;
                Ok(
                    render_survey(&p, ctx, &actor, id, FieldErrors::new(), extra)
                        .await?
                        .into_response(),
                )
            }
            Err(e) => Ok(render_survey(&p, ctx, &actor, id, split(e)?, extra)
                .await?
                .into_response()),
        };
    }
    let answers = parse_answers(&view.questions, &form);
    match p.svc.change(&actor, id, &secret, &answers).await {
        Ok(receipt) => Ok(ThanksPage {
            ctx,
            title: view.survey.title,
            id,
            secret: receipt.change_secret,
            changed: true,
        }
        .into_response()),
        Err(e) => {
            extra.answers = Some(chosen_of(&form));
            extra.secret = secret;
            Ok(render_survey(&p, ctx, &actor, id, split(e)?, extra)
                .await?
                .into_response())
        }
    }
}

/// Runs a state change and shows the survey again (with the error or a
/// notice).
async fn act<F, Fut>(
    p: &Pages,
    ctx: PageCtx,
    actor: &Actor,
    id: &str,
    notice: &str,
    f: F,
) -> Result<Response, AppError>
where
    F: FnOnce(Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<(), SurveysError>>,
{
    let id = crate::api::id(id)?;
    match f(id).await {
        Ok(()) => {
            let mut extra = plain();
            extra.notice = notice.to_owned();
            Ok(render_survey(p, ctx, actor, id, FieldErrors::new(), extra)
                .await?
                .into_response())
        }
        Err(e) => Ok(render_survey(p, ctx, actor, id, split(e)?, plain())
            .await?
            .into_response()),
    }
}

async fn open(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let (svc, who) = (p.svc.clone(), actor.clone());
    act(&p, ctx, &actor, &id, "surveys-opened", |id| async move {
        svc.open(&who, id).await.map(|_| ())
    })
    .await
}

async fn close(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let (svc, who) = (p.svc.clone(), actor.clone());
    act(&p, ctx, &actor, &id, "surveys-closed", |id| async move {
        svc.close(&who, id).await.map(|_| ())
    })
    .await
}

async fn remind(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let (svc, who) = (p.svc.clone(), actor.clone());
    act(&p, ctx, &actor, &id, "surveys-reminded", |id| async move {
        svc.remind(&who, id).await.map(|_| ())
    })
    .await
}

async fn min_group(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let raw = value(&form, "min_group");
    let (svc, who) = (p.svc.clone(), actor.clone());
    act(
        &p,
        ctx,
        &actor,
        &id,
        "surveys-min-group-set",
        |id| async move {
            let n: i64 = raw.parse().map_err(|_| {
                let mut e = FieldErrors::new();
                e.add("min_group", "survey_min_group");
                SurveysError::Invalid(e)
            })?;
            svc.set_min_group(&who, id, n).await.map(|_| ())
        },
    )
    .await
}

async fn publish(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let confirmed = value(&form, "confirm") == "on";
    let (svc, who) = (p.svc.clone(), actor.clone());
    act(&p, ctx, &actor, &id, "surveys-published", |id| async move {
        svc.publish(&who, id, confirmed).await.map(|_| ())
    })
    .await
}

// --- results ------------------------------------------------------------

/// A question's result with its chart.
struct Shown {
    q: QuestionResult,
    chart: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_results.html")]
struct ResultsPage {
    ctx: PageCtx,
    view: ResultsView,
    questions: Vec<Shown>,
    participation: Vec<UnitParticipation>,
}

impl ResultsPage {
    fn pct(&self, p: &Option<f64>) -> String {
        p.map(|p| format!("{p:.1} %")).unwrap_or_default()
    }
    fn mean(&self, m: &Option<f64>) -> String {
        m.map(|m| format!("{m:.2}").replace('.', ","))
            .unwrap_or_default()
    }
    fn indent(&self, depth: &usize) -> String {
        indent(*depth)
    }
    fn reason_key(&self, reason: &str) -> &'static str {
        if reason == "complementary" {
            "surveys-withheld-complementary"
        } else {
            "surveys-withheld-too-few"
        }
    }
}

async fn results_page(
    State(p): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<ResultsPage, AppError> {
    let id = crate::api::id(&id)?;
    let view = p.svc.results(&actor, id).await?;
    let participation = if view.overall_only {
        Vec::new()
    } else {
        p.svc.participation(&actor, id).await?
    };
    let questions = view
        .results
        .questions
        .iter()
        .map(|q| Shown {
            chart: if q.answered.is_some() && !q.rows.is_empty() {
                web::charts::bars(
                    &q.text,
                    &q.rows
                        .iter()
                        .map(|r| (r.label.clone(), r.percent))
                        .collect::<Vec<_>>(),
                    None,
                )
            } else {
                String::new()
            },
            q: q.clone(),
        })
        .collect();
    Ok(ResultsPage {
        ctx,
        view,
        questions,
        participation,
    })
}

async fn results_csv(
    State(p): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let view = p.svc.results(&actor, crate::api::id(&id)?).await?;
    crate::api::csv_response(&view)
}

async fn results_pdf(
    State(p): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let view = p.svc.results(&actor, crate::api::id(&id)?).await?;
    let city = p.city.clone();
    let at = p.svc.now();
    let bytes = tokio::task::spawn_blocking(move || {
        crate::report::pdf(&city, &view.survey, &view.results, at)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    Ok(web::download::file(
        "befragung-ergebnisse.pdf",
        "application/pdf",
        bytes.into(),
    ))
}
