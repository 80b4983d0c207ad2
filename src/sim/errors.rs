//! The platform's error responses: `{errorCode, message, errors[]}` (plus the OAuth
//! `error` / `error_description` on the token endpoints).

use super::control::ActionError;
use crate::wire::{ApiError, ApiErrorItem};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An API error body with one code.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(ApiError::new(code, message))).into_response()
}

/// A 400 naming the offending parameter.
pub fn bad_param(param: &str, message: &str) -> Response {
    let mut e = ApiError::new("CMN-101", message);
    if let Some(item) = e.errors.first_mut() {
        item.parameter_name = Some(param.to_string());
    }
    (StatusCode::BAD_REQUEST, Json(e)).into_response()
}

/// A 404 for an unknown resource.
pub fn not_found(what: &str) -> Response {
    api_error(StatusCode::NOT_FOUND, "CMN-102", what)
}

/// The 403 of a missing app permission (a fault): `InsufficientPermissions` naming it.
pub fn missing_permission(permission: &str) -> Response {
    let m = format!(
        "In order to call this API endpoint, application needs to have [{permission}] permission"
    );
    let body = serde_json::json!({
        "errorCode": "InsufficientPermissions",
        "message": m,
        "errors": [{"errorCode": "CMN-401", "message": m, "permissionName": permission}],
        "permissionName": permission,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

/// An OAuth (RFC 6749) error with the platform's `errors[]`.
pub fn oauth_error(status: StatusCode, error: &str, code: &str, description: &str) -> Response {
    let body = ApiError {
        error: Some(error.to_string()),
        error_description: Some(description.to_string()),
        errors: vec![ApiErrorItem {
            error_code: Some(code.to_string()),
            message: Some(description.to_string()),
            ..Default::default()
        }],
        ..Default::default()
    };
    (status, Json(body)).into_response()
}

/// The response for a failed control request.
pub fn ctl(e: ActionError) -> Response {
    match e {
        ActionError::NotFound(m) => not_found(&m),
        ActionError::Conflict(m) => api_error(StatusCode::CONFLICT, "TAS-106", &m),
        ActionError::Bad(p, m) => bad_param(&p, &m),
    }
}
