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

/// `POST /sim/ring` `{"extensionNumber": "101", "seconds": 60}`: an outside call rings
/// that user until answered through Call Control (or `seconds` pass);
/// `{"queueNumber": "2001"}`: an outside call enters that call queue, whose router rings
/// its members. Answers `{"telephonySessionId": …}`. For tools that need a ringing call
/// on demand.
pub async fn ring(State(sim): State<Arc<Shared>>, Json(body): Json<serde_json::Value>) -> Response {
    let mut w = sim.world();
    let ci = if let Some(number) = body["queueNumber"].as_str() {
        let Some(q) = w
            .dir
            .by_number(number)
            .and_then(|e| w.dir.queue_index(&e.id))
        else {
            return super::errors::not_found(&format!("Call queue number [{number}] not found"));
        };
        w.start_call_in(super::CallKind::Queue, Some(q))
    } else {
        let number = body["extensionNumber"].as_str().unwrap_or("101");
        let secs = body["seconds"].as_f64().unwrap_or(60.0).clamp(0.1, 3600.0);
        let Some(u) = w
            .dir
            .by_number(number)
            .and_then(|e| w.dir.user_index(&e.id))
        else {
            return super::errors::not_found(&format!("Extension number [{number}] not found"));
        };
        w.ring_user(u, std::time::Duration::from_secs_f64(secs))
    };
    let id = w.calls[ci].id.clone();
    drop(w);
    sim.wake.notify_one();
    Json(serde_json::json!({ "telephonySessionId": id })).into_response()
}
