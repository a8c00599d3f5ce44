use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What went wrong, for programs: the one list of error codes the store, the service, the web
/// host, the sync server and the device share. Serialised snake_case; a code a newer peer sends
/// that this build does not know reads as `Unknown` (its message still says what happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A request or record breaks a rule; the message names the field.
    Invalid,
    /// A body that is not JSON (or not gzip) of the expected shape.
    Malformed,
    /// A body or list over its size limit.
    TooLarge,
    /// Too many requests from this address or account; try again shortly.
    RateLimited,
    /// A peer speaks a newer sync protocol.
    Protocol,
    NotFound,
    /// A name that matches several records; give the id.
    Ambiguous,
    /// No command of that name.
    UnknownCommand,
    /// An import refused as a whole, with a problem per bad row.
    Import,
    /// No token, or one the server does not know or has revoked.
    Unauthorized,
    /// The account may not do this.
    Denied,
    /// This device has not enrolled with a sync server yet.
    NotEnrolled,
    /// The sync server cannot be reached.
    Offline,
    /// The sync server answered in a way this device cannot use.
    Server,
    /// The server's database is down for now; try again later.
    Unavailable,
    /// A file could not be read or written.
    Io,
    Migration,
    Database,
    /// A stored record that no longer reads.
    Corrupt,
    Internal,
    /// A code this build does not know (from a newer peer).
    Unknown,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::Invalid,
        ErrorCode::Malformed,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Protocol,
        ErrorCode::NotFound,
        ErrorCode::Ambiguous,
        ErrorCode::UnknownCommand,
        ErrorCode::Import,
        ErrorCode::Unauthorized,
        ErrorCode::Denied,
        ErrorCode::NotEnrolled,
        ErrorCode::Offline,
        ErrorCode::Server,
        ErrorCode::Unavailable,
        ErrorCode::Io,
        ErrorCode::Migration,
        ErrorCode::Database,
        ErrorCode::Corrupt,
        ErrorCode::Internal,
        ErrorCode::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Malformed => "malformed",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Protocol => "protocol",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Ambiguous => "ambiguous",
            ErrorCode::UnknownCommand => "unknown_command",
            ErrorCode::Import => "import",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Denied => "denied",
            ErrorCode::NotEnrolled => "not_enrolled",
            ErrorCode::Offline => "offline",
            ErrorCode::Server => "server",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Io => "io",
            ErrorCode::Migration => "migration",
            ErrorCode::Database => "database",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> ErrorCode {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s).unwrap_or(ErrorCode::Unknown)
    }

    /// The HTTP status an answer with this code carries (sync server and web host alike).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Invalid | ErrorCode::Malformed | ErrorCode::Protocol | ErrorCode::Ambiguous => 400,
            ErrorCode::Import => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Denied => 403,
            ErrorCode::NotFound | ErrorCode::UnknownCommand => 404,
            ErrorCode::NotEnrolled => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Offline | ErrorCode::Server => 502,
            ErrorCode::Unavailable => 503,
            ErrorCode::Io
            | ErrorCode::Migration
            | ErrorCode::Database
            | ErrorCode::Corrupt
            | ErrorCode::Internal
            | ErrorCode::Unknown => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(ErrorCode::parse(&s))
    }
}

/// The one error that crosses a boundary — Tauri IPC, `ridermap web`'s HTTP, the sync protocol:
/// a code for programs and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Invalid, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Internal, message)
    }
}

/// One thing wrong with one field of a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem { field: field.into(), reason: reason.into() }
    }
}

/// A record that failed validation, with every problem found (not just the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    pub problems: Vec<Problem>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "field `{}`: {}", p.field, p.reason)?;
        }
        Ok(())
    }
}

/// Collects problems while a record is checked, then turns into `Ok` or `Err(Invalid)`.
#[derive(Default)]
pub(crate) struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    pub fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push(Problem::new(field, reason));
    }
    pub fn check(&mut self, ok: bool, field: &str, reason: impl FnOnce() -> String) {
        if !ok {
            self.fail(field, reason());
        }
    }
    pub fn finish(self) -> Result<(), Invalid> {
        if self.problems.is_empty() { Ok(()) } else { Err(Invalid { problems: self.problems }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire form of every code, pinned: changing one breaks every peer that reads it.
    #[test]
    fn every_code_has_a_pinned_wire_form() {
        let pinned = [
            (ErrorCode::Invalid, "invalid", 400),
            (ErrorCode::Malformed, "malformed", 400),
            (ErrorCode::TooLarge, "too_large", 413),
            (ErrorCode::RateLimited, "rate_limited", 429),
            (ErrorCode::Protocol, "protocol", 400),
            (ErrorCode::NotFound, "not_found", 404),
            (ErrorCode::Ambiguous, "ambiguous", 400),
            (ErrorCode::UnknownCommand, "unknown_command", 404),
            (ErrorCode::Import, "import", 400),
            (ErrorCode::Unauthorized, "unauthorized", 401),
            (ErrorCode::Denied, "denied", 403),
            (ErrorCode::NotEnrolled, "not_enrolled", 409),
            (ErrorCode::Offline, "offline", 502),
            (ErrorCode::Server, "server", 502),
            (ErrorCode::Unavailable, "unavailable", 503),
            (ErrorCode::Io, "io", 500),
            (ErrorCode::Migration, "migration", 500),
            (ErrorCode::Database, "database", 500),
            (ErrorCode::Corrupt, "corrupt", 500),
            (ErrorCode::Internal, "internal", 500),
            (ErrorCode::Unknown, "unknown", 500),
        ];
        assert_eq!(pinned.map(|(c, _, _)| c), ErrorCode::ALL, "ALL lists every code once, in this order");
        for (code, wire, status) in pinned {
            let e = ApiError::new(code, "what happened");
            let json = format!(r#"{{"code":"{wire}","message":"what happened"}}"#);
            assert_eq!(serde_json::to_string(&e).unwrap(), json);
            assert_eq!(serde_json::from_str::<ApiError>(&json).unwrap(), e);
            assert_eq!(code.http_status(), status, "{wire}");
        }
    }

    #[test]
    fn a_code_from_a_newer_peer_reads_as_unknown() {
        let e: ApiError = serde_json::from_str(r#"{"code":"quota_spent","message":"slow down"}"#).unwrap();
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::Unknown, "slow down"));
    }
}
