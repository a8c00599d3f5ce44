//! Rate and concurrency limits (tower_governor, tower): per address for what needs no token
//! (login, the open feed), per account token for the rest, a cap on one token's requests in
//! flight, and a cap on all requests in flight. An answer over a limit is 429 `rate_limited`
//! with the seconds to wait.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    extract::ConnectInfo,
    http::{Request, Response},
    response::IntoResponse,
};
use ridermap_core::{ApiError, ErrorCode};
use tower_governor::{GovernorError, GovernorLayer, governor::GovernorConfigBuilder, key_extractor::KeyExtractor};

use crate::api::Failure;

/// A rate: `burst` requests at once, then one every `every`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub every: Duration,
    pub burst: u32,
}

/// The server's limits. The defaults suit a city: a device's round is a few requests, a login
/// happens once per device.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Logins per client address.
    pub login: Rate,
    /// Feed requests per client address.
    pub feed: Rate,
    /// Authenticated requests (push, pull, photos) per token.
    pub account: Rate,
    /// One token's requests being answered at once (a device's round asks one thing at a time;
    /// a few photo uploads may overlap). More are answered 429 at once rather than queued, so
    /// one account cannot fill the server's queue.
    pub account_in_flight: usize,
    /// Requests being answered at once; more wait their turn.
    pub in_flight: usize,
    /// Take the client's address from `X-Forwarded-For` (its last entry: the address the proxy
    /// saw) — only behind a proxy that sets it, else anyone could pick their own key.
    pub trust_proxy: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            login: Rate { every: Duration::from_secs(2), burst: 30 },
            feed: Rate { every: Duration::from_millis(50), burst: 40 },
            account: Rate { every: Duration::from_millis(20), burst: 200 },
            account_in_flight: 4,
            in_flight: 256,
            trust_proxy: false,
        }
    }
}

/// The client's address: the connection's peer, or the proxy's word for it.
#[derive(Debug, Clone, Copy)]
struct Address {
    trust_proxy: bool,
}

impl KeyExtractor for Address {
    type Key = Option<IpAddr>;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        if self.trust_proxy
            && let Some(ip) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse().ok())
        {
            return Ok(Some(ip));
        }
        // In-process callers (tests through `oneshot`) have no peer: they share one key.
        Ok(req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip()))
    }
}

/// The bearer token (its hash: tokens are not kept in memory as given).
#[derive(Debug, Clone, Copy)]
struct Token;

impl KeyExtractor for Token {
    type Key = String;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        let token = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        Ok(crate::hash_secret(token))
    }
}

fn too_many(e: GovernorError) -> Response<axum::body::Body> {
    let wait = match e {
        GovernorError::TooManyRequests { wait_time, .. } => wait_time.max(1),
        _ => 1,
    };
    refuse(format!("too many requests; try again in {wait} s"), wait)
}

fn refuse(message: String, wait: u64) -> Response<axum::body::Body> {
    let mut res = Failure::from(ApiError::new(ErrorCode::RateLimited, message)).into_response();
    res.headers_mut().insert("retry-after", wait.into());
    // The request's body was never read, so the server may drop the connection after this answer;
    // saying so keeps a client from sending its next request down a connection about to close.
    res.headers_mut().insert("connection", axum::http::HeaderValue::from_static("close"));
    res
}

/// Requests in flight per token (its hash), each counted until its answer is sent or dropped.
#[derive(Clone)]
struct InFlight {
    limit: usize,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

/// One request's place in `InFlight`; leaving it (answered, failed or cancelled) frees the place.
struct Held {
    key: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl InFlight {
    fn take(&self, key: String) -> Option<Held> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(key.clone()).or_default();
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Held { key, counts: self.counts.clone() })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

async fn one_token_at_a_time(
    axum::extract::State(flight): axum::extract::State<InFlight>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<axum::body::Body> {
    let key = Token.extract(&req).unwrap_or_default();
    let Some(_held) = flight.take(key) else {
        return refuse(format!("more than {} requests at once from this device; try again in 1 s", flight.limit), 1);
    };
    next.run(req).await
}

/// `router` with `rate` per `key`.
fn governed<S, K>(router: Router<S>, rate: Rate, key: K) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync,
{
    let config = GovernorConfigBuilder::default()
        .period(rate.every)
        .burst_size(rate.burst.max(1))
        .key_extractor(key)
        .finish()
        .expect("a positive period and burst");
    router.layer(GovernorLayer::new(Arc::new(config)).error_handler(too_many))
}

/// The login, feed and token routes with their limits, joined.
pub fn limited<S: Clone + Send + Sync + 'static>(
    login: Router<S>,
    feed: Router<S>,
    private: Router<S>,
    limits: &Limits,
) -> Router<S> {
    let address = Address { trust_proxy: limits.trust_proxy };
    let flight = InFlight { limit: limits.account_in_flight.max(1), counts: Arc::default() };
    let private = governed(private, limits.account, Token)
        .layer(axum::middleware::from_fn_with_state(flight, one_token_at_a_time));
    governed(login, limits.login, address)
        .merge(governed(feed, limits.feed, address))
        .merge(private)
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.in_flight))
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::post};
    use tokio::sync::{Semaphore, mpsc};
    use tower::ServiceExt;

    use super::*;

    /// A token's requests past `account_in_flight` are answered 429 at once while the others are
    /// being answered; another token is not held up; a finished request frees its place.
    #[tokio::test]
    async fn one_tokens_requests_in_flight_are_capped() {
        // Each request to /slow says it has started, then waits for a permit the test hands out.
        let (started, mut starts) = mpsc::unbounded_channel::<()>();
        let gate = Arc::new(Semaphore::new(0));
        let slow = {
            let gate = gate.clone();
            post(move || {
                let (started, gate) = (started.clone(), gate.clone());
                async move {
                    started.send(()).unwrap();
                    gate.acquire().await.unwrap().forget();
                    "done"
                }
            })
        };
        let limits = Limits { account_in_flight: 2, ..Limits::default() };
        let app: Router = limited(Router::new(), Router::new(), Router::new().route("/slow", post(slow)), &limits);
        let call = |token: &str| {
            let req = Request::post("/slow").header("authorization", format!("Bearer {token}")).body(Body::empty());
            app.clone().oneshot(req.unwrap())
        };

        let first = tokio::spawn(call("a"));
        let second = tokio::spawn(call("a"));
        starts.recv().await.unwrap();
        starts.recv().await.unwrap();
        // Two of token a's requests are in flight: a third is refused without waiting.
        let third = call("a").await.unwrap();
        assert_eq!(third.status(), 429);
        assert_eq!(third.headers().get("retry-after").unwrap(), "1");
        assert_eq!(third.headers().get("connection").unwrap(), "close", "the unread body ends the connection");
        let body = axum::body::to_bytes(third.into_body(), 1 << 16).await.unwrap();
        let why: ApiError = serde_json::from_slice(&body).unwrap();
        assert_eq!(why.code, ErrorCode::RateLimited);
        assert!(why.message.contains("more than 2 requests at once"), "{}", why.message);

        // Token b is not held up by a's.
        let other = tokio::spawn(call("b"));
        starts.recv().await.unwrap();
        gate.add_permits(3);
        for h in [first, second, other] {
            assert_eq!(h.await.unwrap().unwrap().status(), 200);
        }
        // Answered requests free their places: a has two again.
        let again = [tokio::spawn(call("a")), tokio::spawn(call("a"))];
        starts.recv().await.unwrap();
        starts.recv().await.unwrap();
        gate.add_permits(2);
        for h in again {
            assert_eq!(h.await.unwrap().unwrap().status(), 200);
        }
    }
}
