//! The surveys API (`/api/v1/surveys`): HR makes, opens and closes
//! surveys, staff answer, the staff council sets the smallest group and
//! publishes; results as JSON and CSV with the same protection of small
//! groups as the pages.

use crate::domain::Answer;
use crate::service::{
    Receipt, ResultsView, SurveyInput, SurveyView, SurveysError, SurveysService, UnitParticipation,
};
use crate::store::SurveyRow;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<SurveysService>>;

impl From<SurveysError> for AppError {
    fn from(e: SurveysError) -> AppError {
        match e {
            SurveysError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            SurveysError::Forbidden => AppError::Forbidden,
            SurveysError::NotFound => AppError::NotFound,
            SurveysError::Conflict(code) => {
                AppError::Conflict(web::Locale::En.t(&format!("err-{code}")))
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

/// The surveys API.
pub fn router(svc: Arc<SurveysService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(survey, update))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(remind))
        .routes(routes!(min_group))
        .routes(routes!(publication_check))
        .routes(routes!(publish))
        .routes(routes!(answer, change))
        .routes(routes!(results))
        .routes(routes!(results_csv))
        .routes(routes!(participation))
        .with_state(svc)
}

pub(crate) fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// The surveys the actor sees.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys",
    responses((status = 200, body = Vec<SurveyView>), (status = 403, body = web::error::Problem)))]
async fn list(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<SurveyView>>, AppError> {
    Ok(ApiJson(svc.list(&actor).await?))
}

/// Make a survey (HR; a draft).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = SurveyInput,
    responses((status = 201, body = SurveyRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<SurveyInput>,
) -> Result<(StatusCode, ApiJson<SurveyRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.create(&actor, input).await?),
    ))
}

/// A survey with its questions.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyView), (status = 404, body = web::error::Problem)))]
async fn survey(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<SurveyView>, AppError> {
    Ok(ApiJson(svc.view(&actor, id(&s)?).await?))
}

/// Change a draft (questions are frozen once the survey is open: 409).
#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", request_body = SurveyInput,
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyRow), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn update(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> Result<ApiJson<SurveyRow>, AppError> {
    Ok(ApiJson(svc.update(&actor, id(&s)?, input).await?))
}

/// Open a draft for answers.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/open", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyRow), (status = 409, body = web::error::Problem)))]
async fn open(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<SurveyRow>, AppError> {
    Ok(ApiJson(svc.open(&actor, id(&s)?).await?))
}

/// Close an open survey.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/close", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyRow), (status = 409, body = web::error::Problem)))]
async fn close(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<SurveyRow>, AppError> {
    Ok(ApiJson(svc.close(&actor, id(&s)?).await?))
}

/// How many reminders were sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reminded {
    /// E-mails queued (to everyone in the audience who has not taken part).
    pub sent: usize,
}

/// Remind everyone in the audience who has not taken part (once a day).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/remind", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = Reminded), (status = 409, body = web::error::Problem)))]
async fn remind(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<Reminded>, AppError> {
    Ok(ApiJson(Reminded {
        sent: svc.remind(&actor, id(&s)?).await?,
    }))
}

/// The smallest group shown.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinGroup {
    /// At least 3.
    pub min_group: i64,
}

/// Set the smallest group shown (staff council, before publishing).
#[utoipa::path(put, path = "/api/v1/surveys/{id}/min-group", tag = "surveys", request_body = MinGroup,
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn min_group(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
    ApiJson(input): ApiJson<MinGroup>,
) -> Result<ApiJson<SurveyRow>, AppError> {
    Ok(ApiJson(
        svc.set_min_group(&actor, id(&s)?, input.min_group).await?,
    ))
}

/// What publishing would withhold and why (staff council).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/publication-check", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = Object), (status = 403, body = web::error::Problem)))]
async fn publication_check(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<crate::results::Results>, AppError> {
    Ok(ApiJson(svc.publication_check(&actor, id(&s)?).await?.1))
}

/// Publishing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// The staff council has seen what is withheld and why.
    #[serde(default)]
    pub confirm: bool,
}

/// Publish the results of a closed survey (staff council).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/publish", tag = "surveys", request_body = Publish,
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = SurveyRow), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn publish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
    ApiJson(input): ApiJson<Publish>,
) -> Result<ApiJson<SurveyRow>, AppError> {
    Ok(ApiJson(svc.publish(&actor, id(&s)?, input.confirm).await?))
}

/// One person's answers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Per question key: an option, options, a number or yes/no.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Answer>,
}

/// Answer a survey (once; 409 when closed, already taken part or not in
/// the audience).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/answers", tag = "surveys", request_body = Answers,
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 201, body = Receipt), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn answer(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
    ApiJson(input): ApiJson<Answers>,
) -> Result<(StatusCode, ApiJson<Receipt>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.answer(&actor, id(&s)?, &input.answers).await?),
    ))
}

/// Changed answers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The one-time secret given with the last answers.
    pub secret: String,
    /// The new answers.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Answer>,
}

/// Replace one's answers with the one-time secret (a new one comes back).
#[utoipa::path(put, path = "/api/v1/surveys/{id}/answers", tag = "surveys", request_body = Change,
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = Receipt), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn change(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
    ApiJson(input): ApiJson<Change>,
) -> Result<ApiJson<Receipt>, AppError> {
    Ok(ApiJson(
        svc.change(&actor, id(&s)?, &input.secret, &input.answers)
            .await?,
    ))
}

/// The published results.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = ResultsView), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn results(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<ResultsView>, AppError> {
    Ok(ApiJson(svc.results(&actor, id(&s)?).await?))
}

/// The published results as CSV (semicolons; small groups withheld).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results.csv", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = web::error::Problem)))]
async fn results_csv(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<Response, AppError> {
    let view = svc.results(&actor, id(&s)?).await?;
    csv_response(&view)
}

pub(crate) fn csv_response(view: &ResultsView) -> Result<Response, AppError> {
    let bytes = crate::results::csv(&view.results).map_err(AppError::internal)?;
    Ok(web::download::file(
        "befragung-ergebnisse.csv",
        "text/csv; charset=utf-8",
        bytes.into(),
    ))
}

/// Participation per org unit (small groups withheld).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/participation", tag = "surveys",
    params(("id" = String, Path, description = "Survey id")),
    responses((status = 200, body = Vec<UnitParticipation>), (status = 403, body = web::error::Problem)))]
async fn participation(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(s): Path<String>,
) -> Result<ApiJson<Vec<UnitParticipation>>, AppError> {
    Ok(ApiJson(svc.participation(&actor, id(&s)?).await?))
}
