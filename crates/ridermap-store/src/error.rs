use ridermap_core::{ApiError, ErrorCode, Invalid, RowProblem, rank::GateError};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what}: {invalid}")]
    Invalid { what: String, invalid: Invalid },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Ambiguous(String),
    #[error("{0}")]
    Gate(#[from] GateError),
    #[error("import refused, nothing was written: {} problem{}", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Import(Vec<RowProblem>),
    #[error("{0}")]
    Io(String),
    /// A file that could not be read (what is wrong and where is in the message).
    #[error("{0}")]
    Read(String),
    #[error("schema migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
}

impl Error {
    /// What went wrong, for programs (CLI JSON, IPC, HTTP).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Ambiguous(_) => ErrorCode::Ambiguous,
            Error::Gate(GateError::NotACompound(_)) => ErrorCode::Invalid,
            Error::Gate(GateError::UnknownBuilding { .. } | GateError::NoGates(_)) => ErrorCode::NotFound,
            Error::Import(_) => ErrorCode::Import,
            Error::Io(_) => ErrorCode::Io,
            Error::Read(_) => ErrorCode::Invalid,
            Error::Migration(_) => ErrorCode::Migration,
            Error::Sql(_) => ErrorCode::Database,
            Error::Corrupt(_) => ErrorCode::Corrupt,
        }
    }
}

impl From<Error> for ApiError {
    /// An import's problems travel in the message, one per line after the first.
    fn from(e: Error) -> ApiError {
        let mut message = e.to_string();
        if let Error::Import(problems) = &e {
            for p in problems {
                message.push_str(&format!("\n{p}"));
            }
        }
        ApiError::new(e.code(), message)
    }
}
