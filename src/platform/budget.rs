//! Rate budgets: one per rate-limit group per login (a calltop process has one), shared
//! by everything in the process that spends the group — for Heavy: the start-up seed
//! and reconcile (account presence), the call-log join, recordings.
//!
//! The platform counts a user's requests per group over a sliding window, whichever
//! client makes them: a board and a headless feed logged in as one user spend one
//! budget. `X-Rate-Limit-Remaining` is the one signal every client of a user sees, so
//! spending is paced on it, within a share of the group (`--heavy-share`, default 0.3
//! of Heavy; the other groups may use all of theirs):
//!
//! - at most `share × X-Rate-Limit-Limit` own requests per `X-Rate-Limit-Window`;
//!   a steady spender's ([`Pace::Even`]: the call-log join) evenly spaced over it;
//!   one-off reads ([`Pace::Now`]: start-up load, reconcile) take turns with it when
//!   both wait (a reconcile after every drop of a flaky socket would starve the join);
//! - with nothing left (`Remaining` 0) nothing until a whole window has passed; a
//!   steady spender also spreads what is left over the window: not sooner than
//!   `window / Remaining` after the last answer;
//! - after a 429 nothing in the group for `Retry-After` plus up to a quarter more
//!   (jitter), doubled on each repeat up to four times it. The platform renews a
//!   penalty with every request made during it, and other clients of the user share
//!   it: a retry exactly at `Retry-After` can meet a renewed penalty again and again.
//!
//! [`super::Http`] tells the budget of every answer (headers, 429s); background spenders
//! [`RateBudget::take`] a request before sending it. Interactive requests (the board's
//! control keys) take nothing: they fail fast with the 429 instead of waiting.

use super::http::HttpError;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// A steady spender's want of a request counts this long after it was said.
const WANT_FRESH: Duration = Duration::from_secs(10);
/// How long a one-off yielding its turn waits before it looks again.
const YIELD: Duration = Duration::from_millis(250);

/// The default share of the Heavy group one process uses.
pub const DEFAULT_HEAVY_SHARE: f64 = 0.3;

/// A rate-limit group (`X-Rate-Limit-Group`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RateGroup {
    Light,
    Medium,
    Heavy,
    Auth,
}

impl RateGroup {
    /// The group an `X-Rate-Limit-Group` value names.
    pub fn parse(s: &str) -> Option<RateGroup> {
        match s.trim().to_ascii_lowercase().as_str() {
            "light" => Some(RateGroup::Light),
            "medium" => Some(RateGroup::Medium),
            "heavy" => Some(RateGroup::Heavy),
            "auth" => Some(RateGroup::Auth),
            _ => None,
        }
    }

    /// The platform's documented default requests per minute per user.
    fn default_limit(self) -> u32 {
        match self {
            RateGroup::Light => 50,
            RateGroup::Medium => 40,
            RateGroup::Heavy => 10,
            RateGroup::Auth => 5,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RateGroup::Light => "Light",
            RateGroup::Medium => "Medium",
            RateGroup::Heavy => "Heavy",
            RateGroup::Auth => "Auth",
        }
    }
}

/// The rate-limit headers of one answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateHeaders {
    pub group: Option<RateGroup>,
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub window: Option<Duration>,
}

impl RateHeaders {
    /// `X-Rate-Limit-Group`, `-Limit`, `-Remaining`, `-Window` (seconds).
    pub fn of(headers: &reqwest::header::HeaderMap) -> RateHeaders {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let num = |name: &str| text(name).and_then(|v| v.trim().parse::<u32>().ok());
        RateHeaders {
            group: text("x-rate-limit-group").and_then(RateGroup::parse),
            limit: num("x-rate-limit-limit"),
            remaining: num("x-rate-limit-remaining"),
            window: num("x-rate-limit-window")
                .filter(|w| *w > 0)
                .map(|w| Duration::from_secs(w.into())),
        }
    }
}

/// How a request is spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// A steady spender (the call-log join): evenly spaced within the share, and what
    /// the user has left spread over the window.
    Even,
    /// A one-off read (start-up load, reconcile): as soon as the share, what is left
    /// and any pause allow.
    Now,
}

/// Why a group's next request has to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// A 429: the penalty (plus jitter) is waited out.
    RateLimited,
    /// The answers say the user's requests of the window are (nearly) spent — by this
    /// client or another of the same user.
    Spent,
    /// This process's own share of the group is used for now.
    Share,
}

/// When a group's next request may go, and why not before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    pub until: Instant,
    pub why: Hold,
}

#[derive(Debug)]
struct Group {
    limit: u32,
    window: Duration,
    /// `X-Rate-Limit-Remaining` of the last successful answer, and when it came.
    remaining: Option<(u32, Instant)>,
    /// This process's requests in the last window.
    made: VecDeque<Instant>,
    /// Its last [`Pace::Even`] request.
    last_even: Option<Instant>,
    /// How its last request was spent.
    last_pace: Option<Pace>,
    /// A steady spender has been held back since (see [`RateBudget::want`]).
    even_wants: Option<Instant>,
    paused_until: Option<Instant>,
    /// 429s in a row.
    strikes: u32,
}

impl Group {
    fn new(g: RateGroup) -> Group {
        Group {
            limit: g.default_limit(),
            window: Duration::from_secs(60),
            remaining: None,
            made: VecDeque::new(),
            last_even: None,
            last_pace: None,
            even_wants: None,
            paused_until: None,
            strikes: 0,
        }
    }
}

/// The budgets of one login, one per group (cheap to share: put it in an `Arc`).
#[derive(Debug)]
pub struct RateBudget {
    heavy_share: f64,
    groups: Mutex<HashMap<RateGroup, Group>>,
}

impl Default for RateBudget {
    fn default() -> Self {
        RateBudget::new(DEFAULT_HEAVY_SHARE)
    }
}

impl RateBudget {
    /// Budgets using at most `heavy_share` (0–1] of the Heavy group.
    pub fn new(heavy_share: f64) -> RateBudget {
        let heavy_share = if heavy_share.is_finite() {
            heavy_share.clamp(0.01, 1.0)
        } else {
            DEFAULT_HEAVY_SHARE
        };
        RateBudget {
            heavy_share,
            groups: Mutex::new(HashMap::new()),
        }
    }

    /// The share of `g` this process uses.
    pub fn share(&self, g: RateGroup) -> f64 {
        match g {
            RateGroup::Heavy => self.heavy_share,
            _ => 1.0,
        }
    }

    fn with<T>(&self, g: RateGroup, f: impl FnOnce(&mut Group) -> T) -> T {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        f(groups.entry(g).or_insert_with(|| Group::new(g)))
    }

    /// When the next request of `g` may go (`None`: now).
    pub fn wait(&self, g: RateGroup, pace: Pace, now: Instant) -> Option<Wait> {
        let share = self.share(g);
        self.with(g, |st| next(st, share, pace, now))
    }

    /// Takes one request of `g` if it may go now; else says until when not.
    pub fn try_take(&self, g: RateGroup, pace: Pace, now: Instant) -> Result<(), Wait> {
        let share = self.share(g);
        self.with(g, |st| match next(st, share, pace, now) {
            Some(w) => Err(w),
            None => {
                st.made.push_back(now);
                st.last_pace = Some(pace);
                if pace == Pace::Even {
                    st.last_even = Some(now);
                    st.even_wants = None;
                }
                Ok(())
            }
        })
    }

    /// A steady spender ([`Pace::Even`]) that polls says it is held back: a one-off that
    /// took the last request then lets it have the next.
    pub fn want(&self, g: RateGroup, now: Instant) {
        self.with(g, |st| st.even_wants = Some(now));
    }

    /// Waits until a request of `g` may go, and takes it.
    pub async fn take(&self, g: RateGroup, pace: Pace) {
        loop {
            match self.try_take(g, pace, Instant::now()) {
                Ok(()) => return,
                Err(w) => tokio::time::sleep_until(w.until).await,
            }
        }
    }

    /// An answer's rate-limit headers (`status` its HTTP status). A 429 pauses the
    /// group (see [`RateBudget::rate_limited`]); a success ends a run of 429s.
    pub fn observe(&self, status: u16, h: RateHeaders, retry_after: Duration, now: Instant) {
        let Some(g) = h.group else {
            return;
        };
        if status == 429 {
            self.rate_limited(g, retry_after, now);
            return;
        }
        self.with(g, |st| {
            if let Some(l) = h.limit.filter(|l| *l > 0) {
                st.limit = l;
            }
            if let Some(w) = h.window {
                st.window = w;
            }
            if let Some(r) = h.remaining {
                st.remaining = Some((r, now));
            }
            if (200..300).contains(&status) {
                st.strikes = 0;
            }
        });
    }

    /// A 429 in `g`: nothing in the group for `retry_after` plus up to a quarter more,
    /// doubled on each repeat up to four times. Returns the end of the pause.
    pub fn rate_limited(&self, g: RateGroup, retry_after: Duration, now: Instant) -> Instant {
        self.rate_limited_with(g, retry_after, now, rand::random::<f64>())
    }

    /// [`RateBudget::rate_limited`] with the jitter drawn from `unit` in [0, 1).
    pub fn rate_limited_with(
        &self,
        g: RateGroup,
        retry_after: Duration,
        now: Instant,
        unit: f64,
    ) -> Instant {
        self.with(g, |st| {
            let repeat = 1u32 << st.strikes.min(2);
            st.strikes += 1;
            let base = retry_after.max(Duration::from_millis(200)) * repeat;
            let until = now + base.mul_f64(1.0 + unit.clamp(0.0, 1.0) / 4.0);
            st.paused_until = Some(st.paused_until.map_or(until, |u| u.max(until)));
            // The penalty is the platform's word on the window: nothing is left.
            st.remaining = None;
            until
        })
    }

    /// The end of the pause after a 429 in `g`, while it lasts.
    pub fn paused_until(&self, g: RateGroup, now: Instant) -> Option<Instant> {
        self.with(g, |st| st.paused_until.filter(|u| *u > now))
    }

    /// Runs a request of `g` until it is not rate limited, for up to `patience`: after
    /// a 429 the group's pause is waited out before the next attempt (`on_wait` is told
    /// until when; `None` when done). The request takes from the budget itself.
    pub async fn patiently<T, F>(
        &self,
        g: RateGroup,
        patience: Duration,
        mut on_wait: impl FnMut(Option<Instant>),
        mut call: impl FnMut() -> F,
    ) -> Result<T, HttpError>
    where
        F: Future<Output = Result<T, HttpError>>,
    {
        let give_up = Instant::now() + patience;
        loop {
            let result = call().await;
            let now = Instant::now();
            match &result {
                Err(HttpError::RateLimited { retry_after }) if now < give_up => {
                    // Told by the HTTP client when the answer named its group.
                    let until = self
                        .paused_until(g, now)
                        .unwrap_or_else(|| self.rate_limited(g, *retry_after, now));
                    on_wait(Some(until));
                    tokio::time::sleep_until(until).await;
                }
                _ => {
                    on_wait(None);
                    return result;
                }
            }
        }
    }
}

/// The rules of the module doc, for one group.
fn next(st: &mut Group, share: f64, pace: Pace, now: Instant) -> Option<Wait> {
    let window = st.window;
    while st
        .made
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        st.made.pop_front();
    }
    let mut waits = Vec::new();
    if let Some(u) = st.paused_until {
        if u > now {
            waits.push(Wait {
                until: u,
                why: Hold::RateLimited,
            });
        } else {
            st.paused_until = None;
        }
    }
    if let Some((r, at)) = st.remaining {
        if now.saturating_duration_since(at) >= window {
            st.remaining = None;
        } else if r == 0 || pace == Pace::Even {
            waits.push(Wait {
                until: at + window / r.max(1),
                why: Hold::Spent,
            });
        }
    }
    let cap = ((f64::from(st.limit) * share).floor() as u32).max(1);
    if st.made.len() >= cap as usize {
        if let Some(first) = st.made.front() {
            waits.push(Wait {
                until: *first + window,
                why: Hold::Share,
            });
        }
    }
    // Turns: a one-off that took the last request waits while the steady spender
    // wants one (reconciles after every drop of a flaky socket would starve the join).
    let wants = st
        .even_wants
        .is_some_and(|t| now.saturating_duration_since(t) < WANT_FRESH);
    if pace == Pace::Now && wants && st.last_pace == Some(Pace::Now) {
        waits.push(Wait {
            until: now + YIELD,
            why: Hold::Share,
        });
    }
    if let (Pace::Even, Some(last)) = (pace, st.last_even) {
        waits.push(Wait {
            until: last + window / cap,
            why: Hold::Share,
        });
    }
    waits
        .into_iter()
        .filter(|w| w.until > now)
        .max_by_key(|w| w.until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heavy(limit: u32, remaining: u32) -> RateHeaders {
        RateHeaders {
            group: Some(RateGroup::Heavy),
            limit: Some(limit),
            remaining: Some(remaining),
            window: Some(Duration::from_secs(60)),
        }
    }

    #[tokio::test]
    async fn a_share_of_the_group_evenly_spaced() {
        let b = RateBudget::new(0.3);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(b.try_take(RateGroup::Heavy, Pace::Even, t0), Ok(()));
        b.observe(200, heavy(10, 9), s(0), t0);
        // 3 of 10 a minute: one every 20 s.
        let w = b
            .try_take(RateGroup::Heavy, Pace::Even, t0 + s(5))
            .unwrap_err();
        assert_eq!((w.until, w.why), (t0 + s(20), Hold::Share));
        assert!(b.try_take(RateGroup::Heavy, Pace::Even, t0 + s(20)).is_ok());
        assert!(b.try_take(RateGroup::Heavy, Pace::Even, t0 + s(40)).is_ok());
        // The fourth waits until the first is a window old.
        let w = b
            .try_take(RateGroup::Heavy, Pace::Even, t0 + s(59))
            .unwrap_err();
        assert_eq!(w.until, t0 + s(60));
        assert!(b.try_take(RateGroup::Heavy, Pace::Even, t0 + s(60)).is_ok());
        // A one-off read goes at once, within the share, and does not move the spacing.
        let w = b
            .try_take(RateGroup::Heavy, Pace::Now, t0 + s(60))
            .unwrap_err();
        assert_eq!((w.until, w.why), (t0 + s(80), Hold::Share), "3 a minute");
        assert!(b.try_take(RateGroup::Heavy, Pace::Now, t0 + s(80)).is_ok());
        assert!(b
            .try_take(RateGroup::Heavy, Pace::Even, t0 + s(81))
            .is_err());
        // Turns: the join wants one, so the next one-off lets it go first.
        b.want(RateGroup::Heavy, t0 + s(95));
        let w = b
            .try_take(RateGroup::Heavy, Pace::Now, t0 + s(100))
            .unwrap_err();
        assert_eq!(w.until, t0 + s(100) + YIELD);
        assert!(b
            .try_take(RateGroup::Heavy, Pace::Even, t0 + s(100))
            .is_ok());
        assert!(b.try_take(RateGroup::Heavy, Pace::Now, t0 + s(120)).is_ok());
        // Light: all of its 50 a minute, at once.
        for i in 0..50 {
            assert!(b.try_take(RateGroup::Light, Pace::Now, t0).is_ok(), "{i}");
        }
        let w = b.try_take(RateGroup::Light, Pace::Now, t0).unwrap_err();
        assert_eq!(w.until, t0 + s(60));
    }

    #[tokio::test]
    async fn paced_on_what_the_other_clients_left() {
        let b = RateBudget::new(0.3);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // Another client of the user spent 8 of 10: the 2 left spread over the window.
        b.observe(200, heavy(10, 2), s(0), t0);
        let w = b.wait(RateGroup::Heavy, Pace::Even, t0).unwrap();
        assert_eq!((w.until, w.why), (t0 + s(30), Hold::Spent));
        // Nothing left: nothing until a whole window has passed — any group.
        let light = RateHeaders {
            group: Some(RateGroup::Light),
            ..heavy(50, 0)
        };
        b.observe(200, light, s(0), t0);
        let w = b.wait(RateGroup::Light, Pace::Now, t0 + s(1)).unwrap();
        assert_eq!((w.until, w.why), (t0 + s(60), Hold::Spent));
        assert_eq!(b.wait(RateGroup::Light, Pace::Now, t0 + s(60)), None);
        // The window's limit and length come from the headers.
        let fast = RateHeaders {
            window: Some(s(6)),
            ..heavy(20, 20)
        };
        b.observe(200, fast, s(0), t0 + s(100));
        assert!(b
            .try_take(RateGroup::Heavy, Pace::Even, t0 + s(101))
            .is_ok());
        let w = b.wait(RateGroup::Heavy, Pace::Even, t0 + s(101)).unwrap();
        assert_eq!(w.until, t0 + s(102), "6 of 20 per 6 s: one a second");
    }

    #[tokio::test]
    async fn after_a_429_nothing_for_retry_after_plus_jitter_doubling() {
        let b = RateBudget::new(0.3);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let ra = s(60);
        let until = b.rate_limited_with(RateGroup::Heavy, ra, t0, 0.0);
        assert_eq!(until, t0 + s(60));
        let w = b.wait(RateGroup::Heavy, Pace::Even, t0 + s(59)).unwrap();
        assert_eq!((w.until, w.why), (t0 + s(60), Hold::RateLimited));
        assert_eq!(b.paused_until(RateGroup::Heavy, t0), Some(t0 + s(60)));
        assert_eq!(
            b.wait(RateGroup::Light, Pace::Now, t0),
            None,
            "groups are apart"
        );
        // A repeat doubles, up to four times; jitter adds up to a quarter.
        let t1 = t0 + s(61);
        let u = b.rate_limited_with(RateGroup::Heavy, ra, t1, 0.0);
        assert_eq!(u, t1 + s(120));
        let t2 = u;
        let u = b.rate_limited_with(RateGroup::Heavy, ra, t2, 0.999);
        assert!(u > t2 + s(240) && u < t2 + s(300), "{:?}", u - t2);
        let t3 = u;
        let u = b.rate_limited_with(RateGroup::Heavy, ra, t3, 0.0);
        assert_eq!(u, t3 + s(240), "capped at four times");
        // A success ends the run: the next 429 waits Retry-After again.
        b.observe(200, heavy(10, 9), s(0), u);
        let t4 = u + s(1);
        assert_eq!(b.rate_limited_with(RateGroup::Heavy, ra, t4, 0.0), t4 + ra);
        // A 429 told by the headers pauses the group the headers name.
        let b = RateBudget::new(0.3);
        b.observe(429, heavy(10, 0), s(7), t0);
        let p = b.paused_until(RateGroup::Heavy, t0).unwrap();
        assert!(p >= t0 + s(7) && p <= t0 + s(7) + s(7) / 4, "{:?}", p - t0);
    }

    #[tokio::test(start_paused = true)]
    async fn patiently_waits_out_the_pause_before_trying_again() {
        let b = RateBudget::new(1.0);
        let t0 = Instant::now();
        let mut calls = Vec::new();
        let mut waits = Vec::new();
        let r: Result<u32, HttpError> = b
            .patiently(
                RateGroup::Light,
                Duration::from_secs(600),
                |w| waits.push(w),
                || {
                    calls.push(Instant::now() - t0);
                    let n = calls.len();
                    async move {
                        if n < 3 {
                            Err(HttpError::RateLimited {
                                retry_after: Duration::from_secs(10),
                            })
                        } else {
                            Ok(7)
                        }
                    }
                },
            )
            .await;
        assert_eq!(r, Ok(7));
        assert_eq!(calls.len(), 3);
        let gap1 = calls[1] - calls[0];
        let gap2 = calls[2] - calls[1];
        assert!(gap1 >= Duration::from_secs(10) && gap1 <= Duration::from_millis(12_500));
        assert!(
            gap2 >= Duration::from_secs(20) && gap2 <= Duration::from_secs(25),
            "doubled: {gap2:?}"
        );
        assert_eq!(waits.last(), Some(&None));
        assert_eq!(waits.iter().filter(|w| w.is_some()).count(), 2);
    }
}
