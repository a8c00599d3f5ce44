//! The sync protocol over HTTP: JSON bodies, gzip both ways, `Authorization: Bearer`.

use std::time::Duration;

use ridermap_core::{ApiError, ErrorCode};
use ridermap_sync::wire::Encoding;
use ridermap_sync::{
    protocol::{BlobsMissing, LoginRequest, LoginResponse, PullRequest, PullResponse, PushRequest, PushResponse},
    remote::{Answer, Remote, RemoteError},
};
use serde::{Serialize, de::DeserializeOwned};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// Largest answer read (compressed, and again once inflated).
const MAX_ANSWER: u64 = 64 << 20;
/// Largest photo fetched.
const MAX_PHOTO: u64 = 4 << 20;
/// A base-layer pack: a city district's layer is a few MiB; a whole large city, a few hundred.
const MAX_PACK: u64 = 512 << 20;

/// A sync server at an `https://` address (or `http://` on this machine's loopback).
pub struct HttpRemote {
    server: String,
    agent: ureq::Agent,
}

/// Why an address or a CA cannot be used; the message names the field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// `typed` as a server address: `https://…`, or `http://…` only to loopback (localhost, 127.0.0.0/8,
/// ::1) — invite codes and tokens must not cross a network in clear. Without a trailing slash.
pub fn check_address(typed: &str) -> Result<String, SetupError> {
    let server = typed.trim().trim_end_matches('/');
    let uri: ureq::http::Uri =
        server.parse().map_err(|_| SetupError(format!("server: `{server}` is not a web address")))?;
    let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(SetupError(format!("server: `{server}` names no host")));
    }
    match uri.scheme_str() {
        Some("https") => Ok(server.to_string()),
        Some("http") if is_loopback(host) => Ok(server.to_string()),
        Some("http") => Err(SetupError(format!(
            "server: `{server}` is plain http:// to another machine, which would send the invite and the \
             device's token in clear; use its https:// address"
        ))),
        _ => Err(SetupError(format!("server: `{server}` is not an https:// address"))),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The certificates in `pem` (a city's own CA, trusted besides the platform's roots).
pub fn parse_ca(pem: &str) -> Result<Vec<Certificate<'static>>, SetupError> {
    let mut out = vec![];
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => out.push(c),
            Ok(_) => {}
            Err(e) => return Err(SetupError(format!("ca: not a PEM certificate: {e}"))),
        }
    }
    if out.is_empty() {
        return Err(SetupError("ca: no certificate in it (expected -----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(out)
}

/// The platform's trusted roots, read once; Mozilla's (built in) where the platform has none to read.
fn platform_roots() -> &'static [Certificate<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<Certificate<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect()
    })
}

impl HttpRemote {
    /// A remote for `server` (checked by `check_address`), trusting the platform's roots and the
    /// certificates of `ca` (PEM), if given.
    pub fn new(server: &str, ca: Option<&str>) -> Result<HttpRemote, SetupError> {
        let server = check_address(server)?;
        let extra = match ca.filter(|c| !c.trim().is_empty()) {
            Some(pem) => parse_ca(pem)?,
            None => vec![],
        };
        let platform = platform_roots();
        let roots = if extra.is_empty() && platform.is_empty() {
            RootCerts::WebPki
        } else {
            RootCerts::new_with_certs(&[platform, &extra[..]].concat())
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .into();
        Ok(HttpRemote { server, agent })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    fn unreachable(&self, e: &dyn std::fmt::Display) -> RemoteError {
        RemoteError::Unreachable(format!("cannot reach {}: {e}", self.server))
    }

    /// A failed request: a certificate this device does not trust says so and what to do.
    fn failed(&self, e: ureq::Error) -> RemoteError {
        let tls = match &e {
            ureq::Error::Rustls(tls) => Some(tls),
            // The handshake runs inside the transport, so rustls' verdict often arrives as I/O.
            ureq::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()),
            _ => None,
        };
        match tls {
            Some(tls @ rustls::Error::InvalidCertificate(_)) => RemoteError::Unreachable(format!(
                "cannot reach {}: its certificate is not trusted ({tls}); if the city's server has a \
                 certificate of its own CA, give that CA's certificate (--ca FILE, or the server \
                 CA certificate on the sync screen)",
                self.server
            )),
            _ => self.unreachable(&e),
        }
    }

    /// The error an answer with `status` and `body` carries; a body that is not `{code, message}`
    /// (a proxy's page, say) still says what happened.
    fn failure(&self, status: u16, encoding: Encoding, body: &[u8]) -> RemoteError {
        RemoteError::Answered(
            ridermap_sync::wire::decode::<ApiError>(encoding, body, 1 << 20).unwrap_or_else(|_| {
                ApiError::new(ErrorCode::Server, format!("{} answered HTTP {status}", self.server))
            }),
        )
    }

    /// POST `body` as gzip-compressed JSON and read the (possibly gzip-compressed) JSON answer.
    fn post<Req: Serialize, Res: DeserializeOwned>(&self, path: &str, token: Option<&str>, body: &Req) -> Answer<Res> {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
        gz.write_all(&serde_json::to_vec(body).expect("requests serialize")).map_err(|e| self.unreachable(&e))?;
        let compressed = gz.finish().map_err(|e| self.unreachable(&e))?;
        let mut req = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .header("Accept-Encoding", "gzip");
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut res = req.send(&compressed[..]).map_err(|e| self.failed(e))?;
        let gzip = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()) == Some("gzip");
        let status = res.status().as_u16();
        let raw = res.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().map_err(|e| self.unreachable(&e))?;
        self.answer(status, if gzip { Encoding::Gzip } else { Encoding::Identity }, &raw)
    }

    /// What an answer with `status` and body `raw` says.
    fn answer<Res: DeserializeOwned>(&self, status: u16, encoding: Encoding, raw: &[u8]) -> Answer<Res> {
        if !(200..300).contains(&status) {
            return Err(self.failure(status, encoding, raw));
        }
        ridermap_sync::wire::decode(encoding, raw, MAX_ANSWER).map_err(|e| match e.code {
            ErrorCode::TooLarge => self.unreachable(&"the answer inflates past 64 MiB"),
            _ => RemoteError::Answered(ApiError::new(
                ErrorCode::Server,
                format!("{} answered with {}", self.server, e.message),
            )),
        })
    }
}

impl Remote for HttpRemote {
    fn login(&self, req: &LoginRequest) -> Answer<LoginResponse> {
        self.post("/v1/login", None, req)
    }

    fn push(&self, token: &str, req: &PushRequest) -> Answer<PushResponse> {
        self.post("/v1/push", Some(token), req)
    }

    fn pull(&self, token: &str, req: &PullRequest) -> Answer<PullResponse> {
        self.post("/v1/pull", Some(token), req)
    }

    fn missing_blobs(&self, token: &str, req: &BlobsMissing) -> Answer<BlobsMissing> {
        self.post("/v1/blobs/missing", Some(token), req)
    }

    fn put_blob(&self, token: &str, hash: &str, bytes: &[u8]) -> Answer<()> {
        let mut res = self
            .agent
            .put(&self.url(&format!("/v1/blobs/{hash}")))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .map_err(|e| self.failed(e))?;
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = res.body_mut().with_config().limit(1 << 16).read_to_vec().unwrap_or_default();
        Err(self.failure(status, Encoding::Identity, &body))
    }

    fn get_blob(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        self.blob(token, hash, MAX_PHOTO)
    }

    fn get_pack(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        self.blob(token, hash, MAX_PACK)
    }
}

impl HttpRemote {
    /// The blob `hash`, read up to `limit` bytes.
    fn blob(&self, token: &str, hash: &str, limit: u64) -> Answer<Option<Vec<u8>>> {
        let mut res = self
            .agent
            .get(&self.url(&format!("/v1/blobs/{hash}")))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| self.failed(e))?;
        let status = res.status().as_u16();
        let bytes = res.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| self.unreachable(&e))?;
        match status {
            200 => Ok(Some(bytes)),
            404 => Ok(None),
            _ => Err(self.failure(status, Encoding::Identity, &bytes)),
        }
    }
}
