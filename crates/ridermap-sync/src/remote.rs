//! The sync server as a device sees it: the protocol's calls, whatever carries them. The device
//! engine is written against `Remote`; the HTTP client is one implementation, the server's own
//! rules called in process another (tests drive the real engine through it, with faults added).

use ridermap_core::ApiError;

use crate::protocol::{
    BlobsMissing, LoginRequest, LoginResponse, PullRequest, PullResponse, PushRequest, PushResponse,
};

/// Why a call got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteError {
    /// No answer: not reachable, timed out, or the answer was lost on the way.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("{0}")]
    Answered(ApiError),
}

pub type Answer<T> = Result<T, RemoteError>;

/// The calls of the sync protocol (see docs/protocol.md). `token` is the bearer token login gave.
pub trait Remote: Sync {
    fn login(&self, req: &LoginRequest) -> Answer<LoginResponse>;
    fn push(&self, token: &str, req: &PushRequest) -> Answer<PushResponse>;
    fn pull(&self, token: &str, req: &PullRequest) -> Answer<PullResponse>;
    /// Those of `req.hashes` the server lacks.
    fn missing_blobs(&self, token: &str, req: &BlobsMissing) -> Answer<BlobsMissing>;
    fn put_blob(&self, token: &str, hash: &str, bytes: &[u8]) -> Answer<()>;
    /// None when the server does not hold it (yet).
    fn get_blob(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>>;
    /// A base-layer pack (a blob far larger than a photo may be).
    fn get_pack(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        self.get_blob(token, hash)
    }
}
