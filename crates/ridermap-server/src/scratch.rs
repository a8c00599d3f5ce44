//! Test support: a fresh PostgreSQL database per test, dropped afterwards, so every server test
//! runs on PostgreSQL as well as SQLite. `RIDERMAP_TEST_PG` names the server: a URL to any
//! database there, as a role that may CREATE DATABASE (`scripts/test.sh` starts one and sets it).

use crate::{Db, DbError};

/// An empty database on the test PostgreSQL server, dropped (connections and all) when this is.
pub struct ScratchDb {
    admin_url: String,
    name: String,
    /// The URL of the new database, for `Db::connect` or `ridermap serve --database-url`.
    pub url: String,
}

/// Whether the PostgreSQL variants of server tests must run: set when `RIDERMAP_TEST_PG` is, and
/// fails loudly when `RIDERMAP_REQUIRE_PG=1` (as in CI) but no server was named.
pub fn postgres_configured() -> bool {
    let set = std::env::var("RIDERMAP_TEST_PG").is_ok_and(|v| !v.is_empty());
    if !set && std::env::var("RIDERMAP_REQUIRE_PG").is_ok_and(|v| v == "1") {
        panic!("RIDERMAP_REQUIRE_PG=1 but RIDERMAP_TEST_PG is not set: start PostgreSQL (scripts/test.sh does)");
    }
    if !set {
        eprintln!("note: RIDERMAP_TEST_PG is not set, so this test runs on SQLite only");
    }
    set
}

/// The backends a server test runs on: `sqlite`, and `postgres` when configured.
pub fn backends() -> Vec<&'static str> {
    let mut out = vec!["sqlite"];
    if postgres_configured() {
        out.push("postgres");
    }
    out
}

/// Declares a `#[test]` per named function `fn(backend: &str)`, running it once per backend in
/// `backends()`. Use inside a module of the test crate: `ridermap_server::on_every_backend!(a, b);`
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            for backend in $crate::scratch::backends() {
                eprintln!("--- {backend}");
                super::$name(backend);
            }
        }
    )*};
}

fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

impl ScratchDb {
    /// A new empty database on the `RIDERMAP_TEST_PG` server.
    pub fn create() -> Result<ScratchDb, DbError> {
        let admin_url = std::env::var("RIDERMAP_TEST_PG").map_err(|_| {
            DbError::Unavailable(
                "RIDERMAP_TEST_PG is not set: `bash scripts/postgres.sh` starts PostgreSQL and prints the URL".into(),
            )
        })?;
        let name = format!("ridermap_test_{}", crate::auth::new_secret());
        let admin = admin_url.clone();
        let create = name.clone();
        // The blocking client runs its own runtime: keep it off any async thread.
        std::thread::spawn(move || -> Result<(), DbError> {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)?;
            client.batch_execute(&format!("CREATE DATABASE {create}"))?;
            // Tests kill processes, not machines: commits need not wait for the disk.
            client.batch_execute(&format!("ALTER DATABASE {create} SET synchronous_commit = off"))?;
            Ok(())
        })
        .join()
        .map_err(|_| DbError::Unavailable("creating a scratch database panicked".into()))??;
        let url = with_dbname(&admin_url, &name);
        Ok(ScratchDb { admin_url, name, url })
    }

    /// The store on this database.
    pub fn open(&self) -> Result<Db, DbError> {
        let url = self.url.clone();
        std::thread::spawn(move || Db::connect(&url))
            .join()
            .map_err(|_| DbError::Unavailable("connecting panicked".into()))?
    }
}

impl ScratchDb {
    /// Empty every table (the schema stays), for tests that reuse one database many times.
    /// Tables are found in the catalog, so this needs no change when a migration adds one.
    pub fn reset(&self) -> Result<(), DbError> {
        let url = self.url.clone();
        std::thread::spawn(move || -> Result<(), DbError> {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
            let tables: Vec<String> = client
                .query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'ridermap_schema'",
                    &[],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            // DELETE, not TRUNCATE: on small tables it is many times faster. Tokens before accounts.
            let mut sql: Vec<String> = tables.iter().map(|t| format!("DELETE FROM {t};")).collect();
            sql.sort_by_key(|s| !s.contains("tokens"));
            client.batch_execute(&sql.concat())?;
            Ok(())
        })
        .join()
        .map_err(|_| DbError::Unavailable("resetting a scratch database panicked".into()))?
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A real sync server on 127.0.0.1:0, in a thread of its own, over `db`; stopped (gracefully) when
/// dropped. For tests of devices and services against the server as it runs.
pub struct Served {
    /// `http://127.0.0.1:PORT` (or `https://`)
    pub url: String,
    pub db: Db,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A certificate authority made at test time, and a certificate it signed for 127.0.0.1 and
/// localhost: what a city's own server would have.
#[cfg(feature = "test-ca")]
pub struct TestCa {
    /// The CA's certificate, which a device is told to trust (`--ca`).
    pub ca_pem: String,
    /// The server's certificate chain and key (`--tls-cert`, `--tls-key`).
    pub cert_pem: String,
    pub key_pem: String,
}

#[cfg(feature = "test-ca")]
impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "Ridermap test CA");
        let ca_pem = ca.self_signed(&ca_key).expect("the CA signs itself").pem();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().expect("a server key");
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("names");
        let cert_pem = leaf.signed_by(&key, &issuer).expect("the CA signs it").pem();
        TestCa { ca_pem, cert_pem, key_pem: key.serialize_pem() }
    }
}

#[cfg(feature = "test-ca")]
impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}

impl Served {
    /// Over plain HTTP: `http://127.0.0.1:PORT`.
    pub fn start(db: Db) -> Served {
        Served::start_on(db, crate::Limits::default(), None)
    }

    /// Over plain HTTP, with `limits` instead of the defaults.
    pub fn start_with(db: Db, limits: crate::Limits) -> Served {
        Served::start_on(db, limits, None)
    }

    /// Over HTTPS with `ca`'s server certificate: `https://127.0.0.1:PORT`.
    #[cfg(feature = "test-ca")]
    pub fn start_tls(db: Db, ca: &TestCa) -> Served {
        let tls = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(crate::Tls::from_pem(ca.cert_pem.clone().into_bytes(), ca.key_pem.clone().into_bytes()))
            .expect("the test certificate loads");
        Served::start_on(db, crate::Limits::default(), Some(tls))
    }

    fn start_on(db: Db, limits: crate::Limits, tls: Option<crate::Tls>) -> Served {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let served = db.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
                addr_tx.send(listener.local_addr().expect("an address")).expect("the test waits for it");
                let shutdown = async {
                    stopped.await.ok();
                };
                match tls {
                    Some(tls) => crate::serve_tls(listener, served, &limits, tls, shutdown).await,
                    None => crate::serve(listener, served, &limits, shutdown).await,
                }
                .expect("the server runs");
            });
        });
        let addr = addr_rx.recv().expect("the server started");
        Served { url: format!("{scheme}://{addr}"), db, stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            // The server may have stopped already; then there is no one to tell.
            s.send(()).ok();
        }
        if let Some(t) = self.thread.take()
            && t.join().is_err()
            && !std::thread::panicking()
        {
            panic!("the test server's thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_replace_the_path() {
        let check = |url: &str, expected: &str| assert_eq!(super::with_dbname(url, "t1"), expected, "{url}");
        check("postgres://u:p@127.0.0.1:5432/postgres", "postgres://u:p@127.0.0.1:5432/t1");
        check("postgres://u@localhost/postgres?sslmode=disable", "postgres://u@localhost/t1?sslmode=disable");
        check("postgresql://u@localhost", "postgresql://u@localhost/t1");
    }
}
