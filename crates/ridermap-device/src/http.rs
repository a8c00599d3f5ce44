//! The sync protocol over HTTP: JSON bodies, gzip both ways, `Authorization: Bearer`.

use std::{io::Read, time::Duration};

use ridermap_core::{ApiError, ErrorCode};
use ridermap_sync::{
    protocol::{BlobsMissing, LoginRequest, LoginResponse, PullRequest, PullResponse, PushRequest, PushResponse},
    remote::{Answer, Remote, RemoteError},
};
use serde::{Serialize, de::DeserializeOwned};

/// Largest answer read (compressed, and again once inflated).
const MAX_ANSWER: u64 = 64 << 20;
/// Largest photo fetched.
const MAX_PHOTO: u64 = 4 << 20;

/// A sync server at an `http://` or `https://` address.
pub struct HttpRemote {
    server: String,
    agent: ureq::Agent,
}

impl HttpRemote {
    pub fn new(server: &str) -> HttpRemote {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        HttpRemote { server: server.trim_end_matches('/').to_string(), agent }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    fn unreachable(&self, e: &dyn std::fmt::Display) -> RemoteError {
        RemoteError::Unreachable(format!("cannot reach {}: {e}", self.server))
    }

    /// The error an answer with `status` and `body` carries; a body that is not `{code, message}`
    /// (a proxy's page, say) still says what happened.
    fn failure(&self, status: u16, body: &[u8]) -> RemoteError {
        RemoteError::Answered(
            serde_json::from_slice::<ApiError>(body).unwrap_or_else(|_| {
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
        let mut res = req.send(&compressed[..]).map_err(|e| self.unreachable(&e))?;
        let gzip = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()) == Some("gzip");
        let status = res.status().as_u16();
        let raw = res.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().map_err(|e| self.unreachable(&e))?;
        let bytes = if gzip {
            let mut inflated = vec![];
            flate2::read::GzDecoder::new(&raw[..])
                .take(MAX_ANSWER + 1)
                .read_to_end(&mut inflated)
                .map_err(|e| self.unreachable(&e))?;
            if inflated.len() as u64 > MAX_ANSWER {
                return Err(self.unreachable(&"the answer inflates past 64 MiB"));
            }
            inflated
        } else {
            raw
        };
        if !(200..300).contains(&status) {
            return Err(self.failure(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            RemoteError::Answered(ApiError::new(ErrorCode::Server, format!("{} answered with {e}", self.server)))
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
            .map_err(|e| self.unreachable(&e))?;
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = res.body_mut().with_config().limit(1 << 16).read_to_vec().unwrap_or_default();
        Err(self.failure(status, &body))
    }

    fn get_blob(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        let mut res = self
            .agent
            .get(&self.url(&format!("/v1/blobs/{hash}")))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| self.unreachable(&e))?;
        let status = res.status().as_u16();
        let bytes = res.body_mut().with_config().limit(MAX_PHOTO).read_to_vec().map_err(|e| self.unreachable(&e))?;
        match status {
            200 => Ok(Some(bytes)),
            404 => Ok(None),
            _ => Err(self.failure(status, &bytes)),
        }
    }
}
