//! The PostgreSQL backend: a small pool of blocking `postgres` clients (the server calls the store
//! from `spawn_blocking`), statements prepared once per connection, writes in SERIALIZABLE
//! transactions retried on serialization failures, reads as read-only snapshots. Plain SQL only: no
//! advisory locks, no LISTEN/NOTIFY, so it runs unchanged on PostgreSQL-compatible distributed
//! engines with the region as the sharding key (ARCHITECTURE.md).

use std::{
    collections::HashMap,
    sync::{Condvar, Mutex},
    time::Duration,
};

use postgres::{Client, IsolationLevel, NoTls, Statement, Transaction, error::SqlState};

use ridermap_sync::{Entity, protocol::BasePack};

use super::{ChangeRow, DbError, EntityRow, Grant, Mode, NewToken, RegionRow, Result, Tx, Writes, now_ms};

/// Migrations, in order; version N is `MIGRATIONS[N - 1]`. Never edit one that has shipped: add one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    grids      TEXT NOT NULL,
    stations   TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    grids      TEXT NOT NULL,
    stations   TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    used_ms    BIGINT
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    account    TEXT NOT NULL REFERENCES accounts(id),
    device     TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE TABLE entities (
    entity_id TEXT PRIMARY KEY,
    entity    TEXT NOT NULL,
    region    TEXT NOT NULL,
    state     TEXT NOT NULL
);
CREATE INDEX entities_by_region ON entities (region, entity);
CREATE TABLE regions (
    region   TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    min_lon  DOUBLE PRECISION,
    min_lat  DOUBLE PRECISION,
    max_lon  DOUBLE PRECISION,
    max_lat  DOUBLE PRECISION
);
-- Keyed by region first: the region is the sharding key on a distributed engine.
CREATE TABLE changes (
    region      TEXT NOT NULL,
    rseq        BIGINT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    account     TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (region, rseq)
);
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    bytes      BYTEA NOT NULL,
    size       BIGINT NOT NULL,
    account    TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
"#,
    r#"
ALTER TABLE tokens ADD COLUMN expires_ms BIGINT;
UPDATE tokens SET expires_ms = created_ms + 15552000000;
ALTER TABLE invites ADD COLUMN used_device TEXT;
ALTER TABLE invites ADD COLUMN used_account TEXT;
"#,
    r#"
ALTER TABLE regions ADD COLUMN public_checksum TEXT;
"#,
    r#"
CREATE TABLE base_packs (
    region       TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    features     BIGINT NOT NULL,
    source       TEXT NOT NULL,
    published_ms BIGINT NOT NULL
);
"#,
];

/// `url` without the options the `postgres` crate does not read, and the CA file (libpq's
/// `sslrootcert`) if named: `verify-ca` and `verify-full` read as `require`, which here always
/// verifies the server's certificate and name.
fn tls_options(url: &str) -> (String, Option<String>) {
    let (base, opts, sep) = match url.split_once('?') {
        Some((b, q)) => (format!("{b}?"), q.split('&').collect::<Vec<_>>(), "&"),
        None if url.contains("://") => return (url.to_string(), None),
        None => (String::new(), url.split_whitespace().collect(), " "),
    };
    let mut root = None;
    let kept: Vec<&str> = opts
        .into_iter()
        .filter_map(|p| match p.split_once('=') {
            Some(("sslrootcert", v)) => {
                root = Some(v.to_string());
                None
            }
            Some(("sslmode", "verify-ca" | "verify-full")) => Some("sslmode=require"),
            _ => Some(p),
        })
        .collect();
    (format!("{base}{}", kept.join(sep)).trim_end_matches('?').to_string(), root)
}

/// A TLS connector trusting the platform's roots and the certificates in `root` (a PEM file).
fn tls_connector(root: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = root {
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<std::result::Result<_, _>>())
            .map_err(|e| DbError::Invalid(format!("--database-url: sslrootcert={path}: {e}")))?;
        if certs.is_empty() {
            return Err(DbError::Invalid(format!("--database-url: sslrootcert={path} holds no certificate")));
        }
        for c in certs {
            roots.add(c).map_err(|e| DbError::Invalid(format!("--database-url: sslrootcert={path}: {e}")))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Invalid(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Most connections the server opens.
const MAX_CONNECTIONS: usize = 16;
/// Attempts of one transaction before a serialization failure is reported.
const MAX_ATTEMPTS: u32 = 40;

struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

pub(crate) struct Postgres {
    config: postgres::Config,
    /// Set when the URL says `sslmode=require` (or verify-ca / verify-full): every connection is
    /// TLS, its certificate checked against the platform's roots and `sslrootcert`.
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    idle: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
}

impl Postgres {
    pub fn connect(url: &str) -> Result<Postgres> {
        let (url, root) = tls_options(url);
        let config: postgres::Config = url.parse().map_err(|e| DbError::Invalid(format!("--database-url: {e}")))?;
        let tls = match config.get_ssl_mode() {
            postgres::config::SslMode::Require => Some(tls_connector(root.as_deref())?),
            _ => None,
        };
        let pg = Postgres { config, tls, idle: Mutex::new((vec![], 0)), freed: Condvar::new() };
        let mut conn = pg.take()?;
        let migrated = migrate(&mut conn.client);
        pg.give(conn);
        migrated?;
        Ok(pg)
    }

    fn take(&self) -> Result<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = idle.0.pop() {
                return Ok(c);
            }
            if idle.1 < MAX_CONNECTIONS {
                idle.1 += 1;
                drop(idle);
                let connected = match &self.tls {
                    Some(tls) => self.config.connect(tls.clone()),
                    None => self.config.connect(NoTls),
                };
                return match connected {
                    Ok(client) => Ok(Conn { client, statements: HashMap::new() }),
                    Err(e) => {
                        self.idle.lock().unwrap_or_else(|p| p.into_inner()).1 -= 1;
                        self.freed.notify_one();
                        Err(DbError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))
                    }
                };
            }
            idle = self.freed.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if conn.client.is_closed() {
            idle.1 -= 1;
        } else {
            idle.0.push(conn);
        }
        self.freed.notify_one();
    }

    pub fn with<T>(&self, mode: Mode, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.take()?;
        let mut attempt = 0;
        let out = loop {
            attempt += 1;
            match once(&mut conn, mode, &mut f) {
                Err(DbError::Postgres(e)) if retryable(&e) && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "transaction collided; retrying");
                    // Back off with jitter so the transactions that collided spread out.
                    let mut r = [0u8; 1];
                    let _ = getrandom::fill(&mut r);
                    std::thread::sleep(Duration::from_micros(
                        u64::from(attempt.min(10)) * (200 + 20 * u64::from(r[0])),
                    ));
                }
                other => break other,
            }
        };
        self.give(conn);
        out
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A blocking client closes itself with its own runtime, which must not happen on an async
        // worker thread: close them on a plain thread.
        let conns = std::mem::take(&mut self.idle.get_mut().unwrap_or_else(|p| p.into_inner()).0);
        let _ = std::thread::spawn(move || drop(conns)).join();
    }
}

fn once<T>(conn: &mut Conn, mode: Mode, f: &mut impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
    let Conn { client, statements } = conn;
    let tx = match mode {
        Mode::Read => client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true),
        Mode::Write => client.build_transaction().isolation_level(IsolationLevel::Serializable),
    }
    .start()?;
    let mut pg = PgTx { tx, statements };
    let out = f(&mut pg)?;
    pg.tx.commit()?;
    Ok(out)
}

fn retryable(e: &postgres::Error) -> bool {
    // Two pushes that claimed the same next sequence number: one fails on the key and retries.
    [SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED, SqlState::UNIQUE_VIOLATION]
        .iter()
        .any(|s| e.code() == Some(s))
}

fn migrate(client: &mut Client) -> Result<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS ridermap_schema (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)",
    )?;
    let newest: Option<i32> = client.query_one("SELECT max(version) FROM ridermap_schema", &[])?.get(0);
    if let Some(v) = newest.filter(|v| *v as usize > MIGRATIONS.len()) {
        return Err(DbError::Invalid(format!(
            "this database was migrated to schema version {v} by a newer ridermap; this one knows up to {}",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i32 + 1;
        let mut tx = client.transaction()?;
        // Claim the version first: a second server migrating at the same moment waits on the key,
        // then finds it taken and moves on.
        let claimed = tx.execute(
            "INSERT INTO ridermap_schema(version, applied_ms) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
            &[&version, &now_ms()],
        )?;
        if claimed == 1 {
            tx.batch_execute(sql)?;
            tx.commit()?;
        }
    }
    Ok(())
}

struct PgTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl PgTx<'_> {
    fn stmt(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

fn grant(r: &postgres::Row, from: usize) -> Grant {
    Grant { role: r.get(from), grids: r.get(from + 1), stations: r.get(from + 2) }
}

fn region_row(r: &postgres::Row) -> RegionRow {
    let extent: [Option<f64>; 4] = [r.get(3), r.get(4), r.get(5), r.get(6)];
    RegionRow {
        region: r.get(0),
        seq: r.get(1),
        checksum: r.get(2),
        public: r.get(7),
        extent: match extent {
            [Some(a), Some(b), Some(c), Some(d)] => Some([a, b, c, d]),
            _ => None,
        },
    }
}

impl Tx for PgTx<'_> {
    fn insert_invite(&mut self, code_hash: &str, g: &Grant, ms: i64) -> Result<()> {
        let s =
            self.stmt("INSERT INTO invites(code_hash, role, grids, stations, created_ms) VALUES ($1, $2, $3, $4, $5)")?;
        self.tx.execute(&s, &[&code_hash, &g.role, &g.grids, &g.stations, &ms])?;
        Ok(())
    }

    fn use_invite(&mut self, code_hash: &str, device: &str, ms: i64) -> Result<Option<Grant>> {
        let s = self.stmt(
            "UPDATE invites SET used_ms = $2, used_device = $3 WHERE code_hash = $1 AND used_ms IS NULL
             RETURNING role, grids, stations",
        )?;
        Ok(self.tx.query_opt(&s, &[&code_hash, &ms, &device])?.map(|r| grant(&r, 0)))
    }

    fn set_invite_account(&mut self, code_hash: &str, account: &str) -> Result<()> {
        let s = self.stmt("UPDATE invites SET used_account = $2 WHERE code_hash = $1")?;
        self.tx.execute(&s, &[&code_hash, &account])?;
        Ok(())
    }

    fn retried_invite(&mut self, code_hash: &str, device: &str, since_ms: i64) -> Result<Option<(String, Grant)>> {
        let s = self.stmt(
            "SELECT used_account, role, grids, stations FROM invites
             WHERE code_hash = $1 AND used_device = $2 AND used_ms >= $3 AND used_account IS NOT NULL",
        )?;
        Ok(self.tx.query_opt(&s, &[&code_hash, &device, &since_ms])?.map(|r| (r.get(0), grant(&r, 1))))
    }

    fn insert_account(&mut self, id: &str, g: &Grant, ms: i64) -> Result<()> {
        let s = self.stmt("INSERT INTO accounts(id, role, grids, stations, created_ms) VALUES ($1, $2, $3, $4, $5)")?;
        self.tx.execute(&s, &[&id, &g.role, &g.grids, &g.stations, &ms])?;
        Ok(())
    }

    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<()> {
        let s = self.stmt(
            "INSERT INTO tokens(token_hash, account, device, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
        )?;
        self.tx.execute(&s, &[&t.hash, &t.account, &t.device, &t.created_ms, &t.expires_ms])?;
        Ok(())
    }

    fn revoke_tokens(&mut self, account: &str, device: Option<&str>, ms: i64) -> Result<u64> {
        let s = self.stmt(
            "UPDATE tokens SET revoked_ms = $2 WHERE account = $1 AND revoked_ms IS NULL
             AND ($3::text IS NULL OR device = $3)",
        )?;
        Ok(self.tx.execute(&s, &[&account, &ms, &device])?)
    }

    fn token_account(&mut self, token_hash: &str) -> Result<Option<(String, Grant, i64)>> {
        let s = self.stmt(
            "SELECT a.id, a.role, a.grids, a.stations, t.expires_ms FROM tokens t JOIN accounts a ON a.id = t.account
             WHERE t.token_hash = $1 AND t.revoked_ms IS NULL",
        )?;
        Ok(self.tx.query_opt(&s, &[&token_hash])?.map(|r| (r.get(0), grant(&r, 1), r.get(4))))
    }

    fn renew_token(&mut self, token_hash: &str, expires_ms: i64) -> Result<()> {
        let s = self.stmt("UPDATE tokens SET expires_ms = $2 WHERE token_hash = $1")?;
        self.tx.execute(&s, &[&token_hash, &expires_ms])?;
        Ok(())
    }

    fn change_bodies(&mut self, ids: &[String]) -> Result<HashMap<String, String>> {
        let s = self.stmt("SELECT id, body FROM changes WHERE id = ANY($1)")?;
        Ok(self.tx.query(&s, &[&ids])?.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn entities(&mut self, ids: &[String]) -> Result<HashMap<String, EntityRow>> {
        let s = self.stmt("SELECT entity_id, entity, region, state FROM entities WHERE entity_id = ANY($1)")?;
        Ok(self
            .tx
            .query(&s, &[&ids])?
            .iter()
            .map(|r| (r.get(0), EntityRow { kind: r.get(1), region: r.get(2), state: r.get(3) }))
            .collect())
    }

    fn region(&mut self, region: &str) -> Result<Option<RegionRow>> {
        let s = self
            .stmt("SELECT region, seq, checksum, min_lon, min_lat, max_lon, max_lat, public_checksum FROM regions WHERE region = $1")?;
        Ok(self.tx.query_opt(&s, &[&region])?.as_ref().map(region_row))
    }

    fn regions(&mut self) -> Result<Vec<RegionRow>> {
        let s =
            self.stmt("SELECT region, seq, checksum, min_lon, min_lat, max_lon, max_lat, public_checksum FROM regions ORDER BY region")?;
        Ok(self.tx.query(&s, &[])?.iter().map(region_row).collect())
    }

    fn write(&mut self, w: &Writes) -> Result<()> {
        // One statement per table, whatever the batch size: arrays in, UNNEST on the server.
        if !w.regions.is_empty() {
            let s = self.stmt(
                "INSERT INTO regions(region, seq, checksum, min_lon, min_lat, max_lon, max_lat, public_checksum)
                 SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::text[])
                 ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, checksum = excluded.checksum,
                    min_lon = excluded.min_lon, min_lat = excluded.min_lat,
                    max_lon = excluded.max_lon, max_lat = excluded.max_lat,
                    public_checksum = excluded.public_checksum",
            )?;
            let names: Vec<&str> = w.regions.iter().map(|r| r.region.as_str()).collect();
            let seqs: Vec<i64> = w.regions.iter().map(|r| r.seq).collect();
            let sums: Vec<&str> = w.regions.iter().map(|r| r.checksum.as_str()).collect();
            let col = |i: usize| -> Vec<Option<f64>> { w.regions.iter().map(|r| r.extent.map(|e| e[i])).collect() };
            let (a, b, c, d) = (col(0), col(1), col(2), col(3));
            let public: Vec<Option<&str>> = w.regions.iter().map(|r| r.public.as_deref()).collect();
            self.tx.execute(&s, &[&names, &seqs, &sums, &a, &b, &c, &d, &public])?;
        }
        if !w.entities.is_empty() {
            let s = self.stmt(
                "INSERT INTO entities(entity_id, entity, region, state)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
                 ON CONFLICT (entity_id) DO UPDATE SET state = excluded.state",
            )?;
            let col =
                |f: fn(&(String, String, String, String)) -> &str| -> Vec<&str> { w.entities.iter().map(f).collect() };
            let (ids, kinds, regions, states) = (col(|e| &e.0), col(|e| &e.1), col(|e| &e.2), col(|e| &e.3));
            self.tx.execute(&s, &[&ids, &kinds, &regions, &states])?;
        }
        if !w.changes.is_empty() {
            let s = self.stmt(
                "INSERT INTO changes(id, region, rseq, body, account, received_ms)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::int8[])",
            )?;
            let text = |f: fn(&ChangeRow) -> &str| -> Vec<&str> { w.changes.iter().map(f).collect() };
            let (ids, regions, bodies, accounts) =
                (text(|c| &c.id), text(|c| &c.region), text(|c| &c.body), text(|c| &c.account));
            let rseqs: Vec<i64> = w.changes.iter().map(|c| c.rseq).collect();
            let received: Vec<i64> = w.changes.iter().map(|c| c.received_ms).collect();
            self.tx.execute(&s, &[&ids, &regions, &rseqs, &bodies, &accounts, &received])?;
        }
        Ok(())
    }

    fn changes_after(&mut self, region: &str, after: i64, limit: i64) -> Result<Vec<(i64, String, String)>> {
        let s = self
            .stmt("SELECT rseq, body, account FROM changes WHERE region = $1 AND rseq > $2 ORDER BY rseq LIMIT $3")?;
        Ok(self.tx.query(&s, &[&region, &after, &limit])?.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    fn region_states(&mut self, region: &str) -> Result<Vec<(String, String, String)>> {
        let s = self.stmt("SELECT entity_id, entity, state FROM entities WHERE region = $1")?;
        Ok(self.tx.query(&s, &[&region])?.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    fn states(&mut self, entity: Entity, region: Option<&str>) -> Result<Vec<String>> {
        let s = self.stmt(
            "SELECT state FROM entities WHERE entity = $1 AND ($2::text IS NULL OR region = $2) ORDER BY entity_id",
        )?;
        Ok(self.tx.query(&s, &[&entity.as_str(), &region])?.iter().map(|r| r.get(0)).collect())
    }

    fn put_blob(&mut self, hash: &str, bytes: &[u8], account: &str, ms: i64) -> Result<()> {
        let s = self.stmt(
            "INSERT INTO blobs(hash, bytes, size, account, created_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (hash) DO NOTHING",
        )?;
        self.tx.execute(&s, &[&hash, &bytes, &(bytes.len() as i64), &account, &ms])?;
        Ok(())
    }

    fn blob(&mut self, hash: &str) -> Result<Option<Vec<u8>>> {
        let s = self.stmt("SELECT bytes FROM blobs WHERE hash = $1")?;
        Ok(self.tx.query_opt(&s, &[&hash])?.map(|r| r.get(0)))
    }

    fn missing_blobs(&mut self, hashes: &[String]) -> Result<Vec<String>> {
        let s =
            self.stmt("SELECT h FROM UNNEST($1::text[]) AS h WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE hash = h)")?;
        Ok(self.tx.query(&s, &[&hashes])?.iter().map(|r| r.get(0)).collect())
    }

    fn expire_blobs(&mut self, before_ms: i64) -> Result<u64> {
        let s = self.stmt(
            "DELETE FROM blobs WHERE created_ms <= $1
             AND NOT EXISTS (SELECT 1 FROM entities WHERE strpos(state, blobs.hash) > 0)
             AND NOT EXISTS (SELECT 1 FROM base_packs WHERE base_packs.hash = blobs.hash)",
        )?;
        Ok(self.tx.execute(&s, &[&before_ms])?)
    }

    fn set_base_pack(&mut self, region: &str, pack: &BasePack, ms: i64) -> Result<()> {
        let s = self.stmt(
            "INSERT INTO base_packs(region, hash, bytes, features, source, published_ms) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (region) DO UPDATE SET hash = excluded.hash, bytes = excluded.bytes,
                 features = excluded.features, source = excluded.source, published_ms = excluded.published_ms",
        )?;
        self.tx
            .execute(&s, &[&region, &pack.hash, &(pack.bytes as i64), &(pack.features as i64), &pack.source, &ms])?;
        Ok(())
    }

    fn base_packs(&mut self) -> Result<Vec<(String, BasePack)>> {
        let s = self.stmt("SELECT region, hash, bytes, features, source FROM base_packs ORDER BY region")?;
        Ok(self
            .tx
            .query(&s, &[])?
            .iter()
            .map(|r| {
                let pack = BasePack {
                    hash: r.get(1),
                    bytes: r.get::<_, i64>(2) as u64,
                    features: r.get::<_, i64>(3) as u64,
                    source: r.get(4),
                };
                (r.get(0), pack)
            })
            .collect())
    }

    fn count_changes(&mut self) -> Result<i64> {
        let s = self.stmt("SELECT count(*) FROM changes")?;
        Ok(self.tx.query_one(&s, &[])?.get(0))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tls_options_are_taken_out_of_the_url() {
        let check = |url: &str, expected: (&str, Option<&str>)| {
            let (rest, root) = super::tls_options(url);
            assert_eq!((rest.as_str(), root.as_deref()), expected, "{url}");
        };
        check("postgres://u@h/db", ("postgres://u@h/db", None));
        check("postgres://u@h/db?sslmode=require", ("postgres://u@h/db?sslmode=require", None));
        check(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem",
            ("postgres://u@h/db?sslmode=require", Some("/ca.pem")),
        );
        check("postgres://u@h/db?sslrootcert=/ca.pem", ("postgres://u@h/db", Some("/ca.pem")));
        check(
            "host=h user=u sslmode=verify-ca sslrootcert=/ca.pem",
            ("host=h user=u sslmode=require", Some("/ca.pem")),
        );
    }
}
