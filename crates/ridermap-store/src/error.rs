use ridermap_core::{Invalid, RowProblem, rank::GateError};

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
    #[error("schema migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
}

impl Error {
    /// A stable short code for programs (CLI JSON, IPC).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::NotFound(_) => "not_found",
            Error::Ambiguous(_) => "ambiguous",
            Error::Gate(_) => "gate",
            Error::Import(_) => "import",
            Error::Io(_) => "io",
            Error::Migration(_) => "migration",
            Error::Sql(_) => "database",
            Error::Corrupt(_) => "corrupt",
        }
    }
}
