//! Two clients logged in as one user share its Heavy budget (issue 23, item 4): a board
//! and a headless CRM feed on one service user is the normal deployment. Both processes
//! are the real binary over real sockets (the board's live source is the headless one's).

use crate::support as live_support;

use calltop::sim::Group;
use calltop::wire::Ts;
use live_support::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Collects a child's stdout lines as they come.
fn collect(child: &mut std::process::Child) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let into = lines.clone();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            into.lock().unwrap().push(line);
        }
    });
    lines
}

/// The calls a client's `callEnded` lines say were `join` (`joined`, `missing`).
fn ended(lines: &[String], join: &str) -> HashSet<String> {
    lines
        .iter()
        .filter(|l| l.contains("\"kind\":\"callEnded\""))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["callLog"]["join"] == join)
        .filter_map(|v| v["telephonySessionId"].as_str().map(str::to_string))
        .collect()
}

/// Two `calltop live --headless` on the same user for 80 s, against the platform's own
/// Heavy limit (10 a minute per user, a 60 s penalty every request renews), while calls
/// end all the time and some calls' records never come (so there are always calls due):
/// each emits a joined `callEnded` for ≥ 90 % of the calls whose records appeared ≥ 30 s
/// before the end, and a `missing` one for ≥ 90 % of those without records that ended
/// 10 s more than the cutoff (40 s) before it. Before the shared budget both clients spent 8 a minute, met a 429
/// within the first minute and then retried inside each other's renewed penalty for
/// good: nothing joined after it.
///
/// The scale: the rate window and penalty are the platform's (60 s, not scaled: a
/// shorter window would hand the client that ignores the headers a larger budget); the
/// calls are ten times shorter, so many end. The margin is the must-show's 60 s (4
/// minutes) brought to an 80 s run: a 0.3 share of 10 a minute is one request every
/// 20 s, plus the 3 s wait and slack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_of_one_user_both_join_their_calls() {
    let mut cfg = sim_config(2304);
    cfg.calls_per_minute = 200.0;
    cfg.extensions = 30;
    cfg.time_scale = 0.1;
    cfg.call_log_delay_secs = 20.0; // × time scale: records 2 s after the end
    cfg.faults.call_log_missing = 0.15;
    let sim = start_sim(cfg).await;
    let args = [
        "live",
        "--headless",
        "--format",
        "json",
        "--call-log-wait",
        "3",
        "--call-log-cutoff",
        "40",
    ];
    let mut board = calltop(&sim, &args);
    let mut feed = calltop(&sim, &args);
    let both_started = Ts::now();
    let (board_lines, feed_lines) = (collect(&mut board), collect(&mut feed));
    tokio::time::sleep(Duration::from_secs(80)).await;
    let end = Ts::now();
    assert!(stop(&mut board).success());
    assert!(stop(&mut feed).success());
    let truth = sim.ground_truth();
    sim.shutdown().await;
    // Calls that ended while both watched and whose records appeared 30 s before the end.
    let margin = end.plus_millis(-30_000);
    let due: Vec<&str> = truth
        .calls
        .iter()
        .filter(|c| c.ended.0 >= both_started.0 + 2_000 && !c.records_missing)
        .filter(|c| c.records_at.is_some_and(|at| at <= margin))
        .map(|c| c.telephony_session_id.as_str())
        .collect();
    assert!(
        due.len() >= 40,
        "a busy contact center: {} calls",
        due.len()
    );
    let given_up: Vec<&str> = truth
        .calls
        .iter()
        .filter(|c| c.ended.0 >= both_started.0 + 2_000 && c.records_missing)
        .filter(|c| c.ended.0 <= end.0 - 50_000)
        .map(|c| c.telephony_session_id.as_str())
        .collect();
    assert!(
        given_up.len() >= 3,
        "calls without records: {}",
        given_up.len()
    );
    let heavy = truth
        .rate_limits
        .iter()
        .find(|g| g.group == Some(Group::Heavy))
        .expect("heavy stats");
    eprintln!("{heavy:?}");
    for (who, lines) in [("board", &board_lines), ("feed", &feed_lines)] {
        let lines = lines.lock().unwrap().clone();
        let got = ended(&lines, "joined");
        let missed: Vec<&&str> = due.iter().filter(|id| !got.contains(**id)).collect();
        let warnings: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("\"kind\":\"warning\""))
            .collect();
        eprintln!(
            "{who}: joined {} of {} due; warnings: {warnings:?}",
            due.len() - missed.len(),
            due.len()
        );
        assert!(
            missed.len() * 10 <= due.len(),
            "{who}: {} of {} calls not joined, e.g. {:?}; Heavy: {heavy:?}; warnings: {warnings:?}",
            missed.len(),
            due.len(),
            &missed[..missed.len().min(5)]
        );
        let got = ended(&lines, "missing");
        let not_said = given_up.iter().filter(|id| !got.contains(**id)).count();
        assert!(
            not_said * 10 <= given_up.len(),
            "{who}: {not_said} of {} calls without records not given up on",
            given_up.len()
        );
    }
}

/// Alone on its user, a client whose socket drops every 20 s and whose recovery fails
/// reconciles (everyone's presence: Heavy) after every drop, besides the join. Before
/// the one budget the two spent the group with separate books and renewed each other's
/// penalty: a 429 on the call log every ~62 s (in 4 minutes 18 of 28 Heavy requests
/// answered 429). Now nothing is answered 429 and the calls are joined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alone_with_a_flaky_socket_the_join_and_the_reconciles_share_the_budget() {
    let mut cfg = sim_config(2306);
    cfg.calls_per_minute = 200.0;
    cfg.extensions = 30;
    cfg.time_scale = 0.1;
    cfg.call_log_delay_secs = 20.0;
    cfg.faults.call_log_missing = 0.15;
    cfg.faults.drop_every = Some(Duration::from_secs(20));
    cfg.faults.refuse_recovery = true;
    let sim = start_sim(cfg).await;
    let args = [
        "live",
        "--headless",
        "--format",
        "json",
        "--call-log-wait",
        "3",
    ];
    let mut feed = calltop(&sim, &args);
    let started = Ts::now();
    let lines = collect(&mut feed);
    tokio::time::sleep(Duration::from_secs(70)).await;
    let end = Ts::now();
    assert!(stop(&mut feed).success());
    let truth = sim.ground_truth();
    sim.shutdown().await;
    let heavy = truth
        .rate_limits
        .iter()
        .find(|g| g.group == Some(Group::Heavy))
        .expect("heavy stats");
    let lines = lines.lock().unwrap().clone();
    let resubscribed = lines
        .iter()
        .filter(|l| l.contains("\"state\":\"Resubscribed\""))
        .count();
    assert!(resubscribed >= 2, "the socket dropped: {resubscribed}");
    assert_eq!(heavy.limited, 0, "{heavy:?}");
    let due: Vec<&str> = truth
        .calls
        .iter()
        .filter(|c| c.ended.0 >= started.0 + 2_000 && !c.records_missing)
        .filter(|c| {
            c.records_at
                .is_some_and(|at| at <= end.plus_millis(-30_000))
        })
        .map(|c| c.telephony_session_id.as_str())
        .collect();
    assert!(
        due.len() >= 20,
        "a busy contact center: {} calls",
        due.len()
    );
    let got = ended(&lines, "joined");
    let missed = due.iter().filter(|id| !got.contains(**id)).count();
    assert!(
        missed * 10 <= due.len(),
        "{missed} of {} calls not joined; {heavy:?}",
        due.len()
    );
}

/// The budget over real sockets: it learns the group's limit, window and what is left
/// from the simulator's `X-Rate-Limit-*` headers — what another client of the user
/// spent included — and a 429 pauses the group for `Retry-After` plus at most a quarter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_paces_on_the_platforms_headers_and_pauses_after_a_429() {
    use calltop::platform::budget::{Hold, Pace};
    use calltop::platform::calllog::CallLogClient;
    use calltop::platform::{Auth, Http, RateBudget, RateGroup};
    use tokio::time::Instant;
    let mut cfg = sim_config(2305);
    cfg.generate_calls = false;
    cfg.heavy_limit_per_min = 4;
    cfg.rate_window_secs = 30;
    cfg.penalty_secs = 3;
    let sim = start_sim(cfg).await;
    let budget = Arc::new(RateBudget::new(1.0));
    let http = Http::new(Duration::from_secs(5)).with_budget(budget.clone());
    let auth = Arc::new(Auth::new(credentials(&sim), http));
    let log = CallLogClient::new(auth.clone());
    // Another client of the same user spends 3 of the 4 Heavy requests.
    let other = Auth::new(credentials(&sim), Http::new(Duration::from_secs(5)));
    let path = "/restapi/v1.0/account/~/call-log?view=Detailed";
    for _ in 0..3 {
        other
            .request(reqwest::Method::GET, path, None)
            .await
            .unwrap();
    }
    let (from, to) = (Ts::now().plus_millis(-60_000), Ts::now());
    let asked = Instant::now();
    log.window(from, to).await.expect("the fourth is allowed");
    // Nothing left: nothing before the whole window (30 s, from the header) has passed.
    let w = budget
        .wait(RateGroup::Heavy, Pace::Now, Instant::now())
        .expect("the group is spent");
    assert_eq!(w.why, Hold::Spent);
    let ahead = w.until - asked;
    assert!(
        ahead > Duration::from_secs(29) && ahead <= Duration::from_secs(31),
        "{ahead:?}"
    );
    // A request anyway (not through the budget): the 429 pauses the group for
    // Retry-After (3 s) plus jitter.
    let r = auth.request(reqwest::Method::GET, path, None).await;
    let limited = Instant::now();
    assert!(
        matches!(r, Err(calltop::platform::HttpError::RateLimited { .. })),
        "{r:?}"
    );
    let until = budget
        .paused_until(RateGroup::Heavy, limited)
        .expect("paused");
    let pause = until - limited;
    assert!(
        pause <= Duration::from_millis(3750) && pause >= Duration::from_millis(2900),
        "{pause:?}"
    );
    let w = budget
        .wait(RateGroup::Heavy, Pace::Now, limited)
        .expect("waits");
    assert_eq!((w.until, w.why), (until, Hold::RateLimited));
    assert_eq!(
        budget.wait(RateGroup::Light, Pace::Now, limited),
        None,
        "groups are apart"
    );
    sim.shutdown().await;
}
