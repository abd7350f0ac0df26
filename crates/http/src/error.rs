//! HTTP errors: `{"error": {"code", "message", "field"}}` with a stable code (and a refused
//! value's problem code and values, `problem_code`/`problem_args` or per `details` entry). The
//! status of every application error code is chosen here, in one exhaustive match.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bridgehub_app::{AppError, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

/// The error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `organization_not_found`, `validation_failed`.
    pub code: String,
    /// Readable message.
    pub message: String,
    /// The field the error is about, when there is one.
    pub field: Option<String>,
    /// The stable name of the field's problem (`not-a-country`) when there is one field
    /// and its problem has one: clients in other languages say it in their own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_code: Option<String>,
    /// The values `problem_code` names (`{"value": "XQ"}`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub problem_args: std::collections::BTreeMap<String, String>,
    /// Every problem, when there are several (validation, import).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldProblem>,
}

/// A problem with one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field.
    pub field: String,
    /// What is wrong (English).
    pub problem: String,
    /// The stable name of the problem, when it has one (see `ErrorDetail::problem_code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The values the code names.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub args: std::collections::BTreeMap<String, String>,
}

impl FieldProblem {
    fn of(e: &bridgehub_domain::FieldError) -> Self {
        FieldProblem {
            field: e.field.clone(),
            problem: e.problem.clone(),
            code: e.code.map(str::to_owned),
            args: e.args.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        }
    }
}

/// An error on its way to the client.
#[derive(Debug)]
pub enum ApiError {
    /// From a use case.
    App(AppError),
    /// The body is not JSON of the expected shape.
    InvalidJson(String),
    /// A query string that cannot be read.
    InvalidQuery(String),
    /// No such route.
    RouteNotFound,
    /// A worker thread failed.
    Internal,
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError::App(err)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::InvalidJson(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidQuery(rejection.body_text())
    }
}

fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidQuery => StatusCode::BAD_REQUEST,
        ErrorCode::OrganizationNotFound | ErrorCode::ListingNotFound | ErrorCode::PersonNotFound | ErrorCode::NotFound => {
            StatusCode::NOT_FOUND
        }
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::InvalidState => StatusCode::CONFLICT,
        ErrorCode::IdTaken | ErrorCode::VersionConflict => StatusCode::CONFLICT,
        ErrorCode::ReferenceNotFound => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ImportRejected => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Io | ErrorCode::InvalidConfig | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn body(status: StatusCode, code: &str, message: String, field: Option<String>, details: Vec<FieldProblem>) -> Response {
    let detail = ErrorDetail { code: code.into(), message, field, problem_code: None, problem_args: Default::default(), details };
    (status, axum::Json(ErrorBody { error: detail })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::App(err) => {
                let code = err.code();
                let status = status_of(code);
                if status.is_server_error() {
                    // Internal detail goes to the log, never to the client.
                    tracing::error!(error = %err, code = code.as_str(), "request failed");
                    return body(status, ErrorCode::Internal.as_str(), "internal error; see the server log".into(), None, vec![]);
                }
                let details = match &err {
                    AppError::Validation(errors) if errors.len() > 1 => errors.iter().map(FieldProblem::of).collect(),
                    _ => vec![],
                };
                // One field's problem: its code at the top level.
                let single = match &err {
                    AppError::Validation(errors) if errors.len() == 1 => errors.first(),
                    AppError::InvalidQuery(e) => Some(e),
                    _ => None,
                };
                let (problem_code, problem_args) = single
                    .map(|e| {
                        let p = FieldProblem::of(e);
                        (p.code, p.args)
                    })
                    .unwrap_or_default();
                let detail = ErrorDetail {
                    code: code.as_str().into(),
                    message: err.to_string(),
                    field: err.field().map(str::to_owned),
                    problem_code,
                    problem_args,
                    details,
                };
                let mut response = (status, axum::Json(ErrorBody { error: detail })).into_response();
                if let AppError::RateLimited { retry_after_secs } = &err {
                    response.headers_mut().insert(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
                }
                response
            }
            ApiError::InvalidJson(message) => body(StatusCode::BAD_REQUEST, "invalid_json", message, Some("(body)".into()), vec![]),
            ApiError::InvalidQuery(message) => body(StatusCode::BAD_REQUEST, "invalid_query", message, None, vec![]),
            ApiError::RouteNotFound => body(StatusCode::NOT_FOUND, "route_not_found", "no such route; see /api/openapi.json".into(), None, vec![]),
            ApiError::Internal => body(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the server log".into(), None, vec![]),
        }
    }
}
