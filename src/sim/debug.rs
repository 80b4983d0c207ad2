//! Debug routes under `/sim/` (not RingCentral paths): no token, no rate limit. For
//! tests and tools that drive the simulator from outside the process.

use super::state::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// `GET /sim/ground-truth`: [`super::GroundTruth`] as JSON.
pub async fn ground_truth(State(sim): State<Arc<Shared>>) -> Response {
    let t = sim.ground_truth();
    Json(t).into_response()
}
