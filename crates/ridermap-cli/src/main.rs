//! `ridermap`: the command line for grid workers, scripts and tests. A thin client: it parses
//! flags into the app's requests (`ridermap-api`), has `ridermap-service` answer them — the same
//! implementation the app and `ridermap web` use — and prints a table, or with `--json` the
//! reply exactly. Only what has no app equivalent lives here: the sync server (`serve`,
//! `admin`) and the web host (`web`).

mod app;
mod out;
mod server;

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand};
use ridermap_core::hours::{DEFAULT_TZ, local_to_utc};
use ridermap_service::api::{ApiError, ErrorCode};
use serde_json::Value;

#[derive(Parser)]
#[command(
    name = "ridermap",
    version,
    about = "骑手友好地图 Ridermap: gates, chargers and rest stops for delivery riders"
)]
struct Cli {
    /// The store file (created with the demo data when new).
    #[arg(long, global = true, env = "RIDERMAP_DB")]
    db: Option<PathBuf>,
    /// The sync server's PostgreSQL database (`serve`, `admin`), instead of its SQLite store (--db).
    #[arg(long, global = true, env = "RIDERMAP_DATABASE_URL")]
    database_url: Option<String>,
    /// Do not load the demo data into a new store.
    #[arg(long, global = true)]
    no_demo: bool,
    /// Language of reasons and tables: zh or en.
    #[arg(long, global = true, env = "RIDERMAP_LANG", default_value = "zh")]
    lang: String,
    /// Your name, recorded on every change you make.
    #[arg(long = "as", global = true, env = "RIDERMAP_USER")]
    actor: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Import GeoJSON, CSV or OpenStreetMap (.osm / .osm.pbf): all or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        format: Option<String>,
        /// Write the good records, report the bad ones.
        #[arg(long)]
        skip_invalid: bool,
        /// Kind for CSV rows without a `kind` column.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export places (and grids) as GeoJSON or CSV.
    Export {
        #[arg(long)]
        format: String,
        #[arg(long)]
        kind: Option<String>,
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Nearest places to a point.
    Nearby(NearbyArgs),
    /// Find places by name, alias or address.
    Search {
        text: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// The best gate of a compound for a building, now or at a given time.
    Gate {
        #[arg(long)]
        compound: String,
        #[arg(long)]
        building: Option<String>,
        /// RFC 3339, or "YYYY-MM-DD HH:MM" in Shanghai time.
        #[arg(long)]
        at: Option<String>,
        #[arg(long, default_value = "ebike")]
        vehicle: String,
        #[arg(long)]
        json: bool,
    },
    /// A compound's signboard for its entrance, as a one-page PDF to print: its map with the
    /// gates (hours, e-bike rules), building numbers, unit doors and rider parking, the nearest
    /// charger and rest stop, and a QR code.
    Sign {
        #[arg(long)]
        compound: String,
        /// a4 or a3.
        #[arg(long, default_value = "a4")]
        paper: String,
        #[arg(long)]
        out: PathBuf,
        /// A font with Chinese characters (TrueType/OpenType, or a collection); default: a system one.
        #[arg(long, env = "RIDERMAP_SIGN_FONT")]
        font: Option<PathBuf>,
    },
    /// The way in: from a compound's best gate (or --gate) to a building and unit door by the
    /// lanes, or from one point to another (--from LAT,LON --to LAT,LON), by the rules of the hour.
    Route {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        compound: Option<String>,
        #[arg(long, requires = "compound")]
        building: Option<String>,
        /// The unit whose door to end at ("3", "3单元").
        #[arg(long, requires = "building")]
        unit: Option<String>,
        /// A gate of the compound by name or id (default: the best one).
        #[arg(long, requires = "compound")]
        gate: Option<String>,
        /// Where to start: LAT,LON.
        #[arg(long, requires = "to", allow_hyphen_values = true)]
        from: Option<String>,
        /// Where to go: LAT,LON.
        #[arg(long, requires = "from", allow_hyphen_values = true)]
        to: Option<String>,
        #[arg(long, default_value = "ebike")]
        vehicle: String,
        /// RFC 3339, or "YYYY-MM-DD HH:MM" in Shanghai time (gates' hours are read then).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
        /// `geojson`: the route's line as a GeoJSON Feature, its figures as properties.
        #[arg(long)]
        format: Option<String>,
    },
    /// Where a building of a compound is (compound by name, alias or id).
    Building {
        #[arg(long)]
        compound: String,
        #[arg(long)]
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Add, edit, delete, show or verify a place.
    #[command(subcommand)]
    Place(PlaceCmd),
    /// Grids (网格).
    #[command(subcommand)]
    Grid(GridCmd),
    /// Riders' status reports and their review.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Volunteers' visit log at rest stations.
    #[command(subcommand)]
    Visit(VisitCmd),
    /// Add a note to a place.
    Note { target: String, text: String },
    /// Counts for a grid or the whole store.
    Stats {
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        json: bool,
        /// One panel of the grid desk's dashboard as CSV: places, way_in, verified, reports,
        /// hazards or visits.
        #[arg(long, value_name = "PANEL")]
        csv: Option<String>,
    },
    /// Run the sync server on its SQLite store (--db) or PostgreSQL (--database-url).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8477")]
        listen: String,
        /// Serve HTTPS with this certificate chain (PEM file, leaf first); needs --tls-key. Without
        /// it the server speaks plain HTTP, for a TLS-terminating proxy in front (docs/deploy.md).
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM file).
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Behind a proxy that sets X-Forwarded-For: rate-limit logins and the feed by the
        /// address it names, not the proxy's.
        #[arg(long)]
        trust_proxy: bool,
        /// A device's sign-in ends after this many days without a sync (each sync renews it).
        #[arg(long, default_value_t = 180)]
        token_days: u32,
    },
    /// Serve the app's UI and its commands over HTTP on loopback, on this device's store (--db): for
    /// a browser on a grid-station PC, and for the browser tests. Build the UI first (scripts/ui.sh).
    Web {
        #[arg(long, default_value = "127.0.0.1:8478")]
        listen: String,
        /// The built UI (trunk's dist directory).
        #[arg(long, env = "RIDERMAP_UI", default_value = "ui/dist")]
        ui: PathBuf,
    },
    /// Server administration, on the server's store (--db or --database-url).
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Enrol this device with a sync server using a one-time invite code.
    Login {
        /// `https://…`; plain `http://` only to this machine.
        #[arg(long)]
        server: String,
        #[arg(long)]
        invite: String,
        /// The server's own CA certificate (PEM file), trusted besides the platform's roots.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
    },
    /// Sync with the server once; `--status` shows pending, refused, last success and error.
    Sync {
        /// Use (and remember) this server address instead of the one given at login.
        #[arg(long)]
        server: Option<String>,
        /// Trust (and remember) this CA certificate (PEM file) for the server.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
        #[arg(long)]
        status: bool,
        /// Check this device's state against the server's checksums.
        #[arg(long)]
        verify: bool,
        /// What to pull from now on (remembered): `all`, `grids:G1,G2`, or
        /// `bbox:MIN_LON,MIN_LAT,MAX_LON,MAX_LAT` (the grids whose places reach into it).
        #[arg(long)]
        follow: Option<String>,
        /// Keep syncing: every --every seconds while it works, backing off (with jitter) while not.
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 30)]
        every: u64,
        #[arg(long)]
        json: bool,
    },
    /// Photos kept on this device: `add FILE` downscales and keeps one, printing its content address
    /// (attach it with `report add --photo` or `place edit ID --set photo=HASH`); `get HASH --out FILE`.
    #[command(subcommand)]
    Photo(PhotoCmd),
    /// The offline base map drawn under the app's map: `import FILE.mbtiles` (raster tiles; set
    /// metadata `datum` to `gcj02` for maps drawn in China's GCJ-02), `show`.
    #[command(subcommand)]
    Basemap(BasemapCmd),
    /// What waits to be sent, and what the server refused and why; `--dismiss ID` forgets a refusal.
    Outbox {
        #[arg(long)]
        dismiss: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Local edits that lost to newer ones from other devices (field, mine, theirs, who, when).
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// The local change log (what sync will send).
    Changes {
        #[arg(long, default_value_t = 0)]
        since: i64,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct NearbyArgs {
    #[arg(long, allow_negative_numbers = true)]
    lat: f64,
    #[arg(long, allow_negative_numbers = true)]
    lon: f64,
    /// entrance, charger, rest-stop or compound.
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Only places open at this time (RFC 3339, or "YYYY-MM-DD HH:MM" Shanghai time).
    #[arg(long, conflicts_with = "open_now")]
    at: Option<String>,
    /// Only places open now.
    #[arg(long)]
    open_now: bool,
    /// Only gates e-bikes may pass (ridden or pushed).
    #[arg(long)]
    ebike: bool,
    /// swap-cabinet, charging-pile or socket.
    #[arg(long)]
    charger_kind: Option<String>,
    /// Battery standard, e.g. 48 or 48V.
    #[arg(long)]
    volts: Option<String>,
    /// Rest-stop amenity required (repeatable), e.g. hot-water, toilet.
    #[arg(long = "amenity")]
    amenities: Vec<String>,
    /// Leave out chargers reported broken or empty.
    #[arg(long)]
    working: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum PhotoCmd {
    Add {
        file: PathBuf,
    },
    Get {
        hash: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BasemapCmd {
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Print a one-time invite code for a new account.
    Invite {
        /// rider, volunteer, grid-worker or admin.
        #[arg(long)]
        role: String,
        /// Grid code a grid worker keeps (repeatable).
        #[arg(long = "grid")]
        grids: Vec<String>,
        /// Rest stop id a volunteer runs (repeatable).
        #[arg(long = "station")]
        stations: Vec<String>,
    },
    /// The base layer devices download: `basemap publish FILE.osm.pbf --grid G`.
    Basemap {
        #[command(subcommand)]
        cmd: AdminBasemapCmd,
    },
    /// Revoke every token of an account.
    Revoke {
        #[arg(long)]
        account: String,
        /// Only this device's token (its id: `ridermap sync --status` shows it).
        #[arg(long)]
        device: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminBasemapCmd {
    /// Publish an OpenStreetMap file's base layer (streets, lanes, footprints, doors, walls, water,
    /// green) for a grid: devices following the grid download it at their next sync.
    Publish {
        /// An `.osm.pbf` or `.osm` file, cut to the grid's area.
        file: std::path::PathBuf,
        #[arg(long)]
        grid: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PlaceCmd {
    /// Add a place: `--kind charger --name 名称 --lat .. --lon .. [--set field=value]...`
    Add {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// Required, except for a path (then the middle of its line).
        #[arg(long, allow_negative_numbers = true)]
        lat: Option<f64>,
        #[arg(long, allow_negative_numbers = true)]
        lon: Option<f64>,
        #[arg(long = "set")]
        sets: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change fields: `ID --set field=value ...`
    Edit {
        id: String,
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    Delete {
        id: String,
    },
    /// Show a place by id, or a compound by name; with recent reports and notes.
    Show {
        id_or_name: String,
        #[arg(long)]
        json: bool,
    },
    /// Mark a place as checked on site today.
    Verify {
        id: String,
    },
}

#[derive(Subcommand)]
enum GridCmd {
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ReportCmd {
    /// Report what you saw at a place (or a hazard at a location).
    Add {
        /// Place id (omit for a hazard at --lat/--lon).
        #[arg(long)]
        target: Option<String>,
        /// got-in, refused, ebike-banned, cabinet-empty, broken, works, closed, hazard, confirmed,
        /// rated (a compound, with --rate).
        #[arg(long)]
        outcome: String,
        /// A rating of the compound, INDICATOR=good|bad (repeatable): ebike-in, numbers-clear,
        /// guard-friendly, quick-in, parking, charging-near, rest-near.
        #[arg(long = "rate", value_name = "INDICATOR=good|bad")]
        rate: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        /// When it was seen (default now).
        #[arg(long)]
        at: Option<String>,
        /// Where you were (default: at the target).
        #[arg(long, allow_negative_numbers = true)]
        lat: Option<f64>,
        #[arg(long, allow_negative_numbers = true)]
        lon: Option<f64>,
        /// A photo to attach (JPEG, PNG or WebP; downscaled and kept on this device until synced).
        #[arg(long)]
        photo: Option<PathBuf>,
        /// Minutes you waited at the gate (registering, a queue).
        #[arg(long)]
        waited: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Reports waiting for review (or all recent ones for a place).
    List {
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        target: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Accept {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum VisitCmd {
    /// Log a visit: `--station ID --headcount 3 --service hot-water --service rest`
    Add {
        #[arg(long)]
        station: String,
        #[arg(long, default_value_t = 1)]
        headcount: u32,
        #[arg(long = "service")]
        services: Vec<String>,
        #[arg(long = "supply")]
        supplies: Vec<String>,
        /// Whether the station is open: yes or no.
        #[arg(long)]
        open: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Visits at a station on a day (default today) with the tally.
    List {
        #[arg(long)]
        station: String,
        /// YYYY-MM-DD (Shanghai time).
        #[arg(long)]
        day: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // An import's problems come one per line after the first; the last line says what failed.
            let text = one_line(&e);
            let mut lines = text.lines();
            let first = lines.next().unwrap_or_default().to_string();
            for problem in lines {
                eprintln!("  {problem}");
            }
            eprintln!("error: {first}");
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line; an import's problems follow on lines of their own.
fn one_line(e: &anyhow::Error) -> String {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parts: Vec<String> = vec![];
    for cause in e.chain() {
        match cause.downcast_ref::<ApiError>() {
            Some(api) if api.code == ErrorCode::Import => {
                let mut lines = api.message.lines();
                parts.push(flat(lines.next().unwrap_or_default()));
                let problems: Vec<String> = lines.map(flat).collect();
                return format!("{}\n{}", parts.join(": "), problems.join("\n")).trim_end().to_string();
            }
            _ => parts.push(flat(&cause.to_string())),
        }
    }
    parts.join(": ")
}

fn default_db() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "ridermap", "ridermap")
        .ok_or_else(|| anyhow!("cannot find a data directory; pass --db PATH"))?;
    Ok(dirs.data_dir().join("ridermap.sqlite"))
}

fn run(cli: Cli) -> Result<()> {
    match &cli.cmd {
        Cmd::Serve { listen, tls_cert, tls_key, trust_proxy, token_days } => {
            server::serve(&cli, listen, tls_cert.as_deref().zip(tls_key.as_deref()), *trust_proxy, *token_days)
        }
        Cmd::Web { listen, ui } => server::web(&cli, listen, ui),
        Cmd::Admin(cmd) => server::admin(&cli, cmd),
        _ => app::run(cli),
    }
}

fn snake(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('-', "_")
}

/// A flag's value as one of an enum's (kebab or snake case), or an error listing what it may be.
fn parse_enum<T: serde::de::DeserializeOwned>(flag: &str, s: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(Value::String(snake(s))).map_err(|_| anyhow!("{flag}: `{s}` is not one of {allowed}"))
}

/// RFC 3339, or a wall-clock time in Shanghai.
fn parse_time(flag: &str, s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            return local_to_utc(n, DEFAULT_TZ).ok_or_else(|| anyhow!("{flag}: `{s}` does not exist in Shanghai time"));
        }
    }
    bail!("{flag}: `{s}` is not a time (use RFC 3339 like 2026-11-28T22:30:00+08:00, or \"2026-11-28 22:30\")")
}
