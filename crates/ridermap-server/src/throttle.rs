//! Rate and concurrency limits (tower_governor, tower): per address for what needs no token
//! (login, the open feed), per account token for the rest, and a cap on requests in flight. An
//! answer over a limit is 429 `rate_limited` with the seconds to wait.

use std::{net::IpAddr, sync::Arc, time::Duration};

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
    let failure =
        Failure::from(ApiError::new(ErrorCode::RateLimited, format!("too many requests; try again in {wait} s")));
    let mut res = failure.into_response();
    res.headers_mut().insert("retry-after", wait.into());
    res
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
    governed(login, limits.login, address)
        .merge(governed(feed, limits.feed, address))
        .merge(governed(private, limits.account, Token))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.in_flight))
}
