//! `ridermap`: the command-line front end to the local store, for grid workers, scripts and tests.

mod table;

use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand};
use ridermap_core::{
    Amenity, ChargerKind, Grid, Id, Lang, LatLon, Note, Outcome, Place, PlaceKind, Role, Service, Stamp, StatusReport,
    Visit,
    hours::{DEFAULT_TZ, local_to_utc},
    rank::{GateQuery, Vehicle},
};
use ridermap_exchange::{Format, ReadOptions};
use ridermap_store::{Actor, ImportOptions, NearbyQuery, Store};
use serde_json::{Value, json};

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
    },
    /// Run the sync server on its SQLite store (--db) or PostgreSQL (--database-url).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8477")]
        listen: String,
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
        #[arg(long)]
        server: String,
        #[arg(long)]
        invite: String,
    },
    /// Sync with the server once; `--status` shows pending, refused, last success and error.
    Sync {
        /// Use (and remember) this server address instead of the one given at login.
        #[arg(long)]
        server: Option<String>,
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
    /// Revoke every token of an account.
    Revoke {
        #[arg(long)]
        account: String,
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
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
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
        /// got-in, refused, ebike-banned, cabinet-empty, broken, works, closed, hazard, confirmed.
        #[arg(long)]
        outcome: String,
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
        #[arg(long, default_value = "rider")]
        role: String,
        /// A photo to attach (JPEG, PNG or WebP; downscaled and kept on this device until synced).
        #[arg(long)]
        photo: Option<PathBuf>,
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
        Err(e) => {
            if let Some(ridermap_store::Error::Import(problems)) = e.downcast_ref::<ridermap_store::Error>() {
                for p in problems {
                    eprintln!("  {p}");
                }
            }
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ").replace('\n', " ")
}

struct Ctx {
    store: Store,
    path: PathBuf,
    lang: Lang,
    actor: Actor,
}

fn default_db() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "ridermap", "ridermap")
        .ok_or_else(|| anyhow!("cannot find a data directory; pass --db PATH"))?;
    Ok(dirs.data_dir().join("ridermap.sqlite"))
}

fn open(cli: &Cli) -> Result<Ctx> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let mut store = Store::open(&path)?;
    if store.was_created() && !cli.no_demo {
        ridermap_exchange::demo::load(&mut store).context("loading the demo data")?;
    }
    let lang = Lang::parse(&cli.lang).ok_or_else(|| anyhow!("--lang: `{}` is not zh or en", cli.lang))?;
    Ok(Ctx { store, path, lang, actor: Actor { name: cli.actor.clone() } })
}

fn server_db(cli: &Cli) -> Result<ridermap_server::Db> {
    if let Some(url) = &cli.database_url {
        return ridermap_server::Db::connect(url)
            .with_context(|| format!("opening the server database {}", redact(url)));
    }
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?.with_file_name("server.sqlite"),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    ridermap_server::Db::open(&path).with_context(|| format!("opening the server store {}", path.display()))
}

/// Downscale the photo at `path` and keep it; its content address.
fn add_photo(cx: &mut Ctx, path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the photo {}", path.display()))?;
    let small = ridermap_device::photo::prepare(&path.display().to_string(), &bytes)?;
    Ok(cx.store.put_blob(&small, false)?)
}

/// A database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn serve(cli: &Cli, listen: &str) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let db = server_db(cli)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen: cannot listen on {listen}"))?;
        // The first line on stdout is the address, so scripts and tests can use port 0.
        println!("listening on http://{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
            tracing::info!("shutting down");
        };
        ridermap_server::serve(listener, db, shutdown).await?;
        Ok(())
    })
}

fn web(cli: &Cli, listen: &str, ui: &std::path::Path) -> Result<()> {
    if !ui.join("index.html").is_file() {
        bail!("--ui: {} has no index.html; build the UI first: bash scripts/ui.sh", ui.display());
    }
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let actor = Actor { name: cli.actor.clone() };
    let service = ridermap_service::Service::open(&path, !cli.no_demo, actor)
        .map_err(|e| anyhow!("opening {}: {}", path.display(), e.message))?;
    let router = ridermap_web::router(std::sync::Arc::new(service), ui);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen: cannot listen on {listen}"))?;
        // The first line on stdout is the address, so scripts and tests can use port 0.
        println!("listening on http://{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

fn admin(cli: &Cli, cmd: &AdminCmd) -> Result<()> {
    let db = server_db(cli)?;
    match cmd {
        AdminCmd::Invite { role, grids, stations } => {
            let role = parse_enum::<Role>("--role", role, "rider, volunteer, grid-worker, admin")?;
            let stations = stations
                .iter()
                .map(|s| s.parse::<Id>().map_err(|_| anyhow!("--station: `{s}` is not a rest stop id")))
                .collect::<Result<Vec<_>>>()?;
            println!("{}", db.create_invite(role, grids, &stations)?);
        }
        AdminCmd::Revoke { account } => {
            let id: Id = account.parse().map_err(|_| anyhow!("--account: `{account}` is not an account id"))?;
            match db.revoke(id)? {
                0 => bail!("--account: no active tokens for {id}"),
                n => println!("revoked {n} token(s) of {id}"),
            }
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match &cli.cmd {
        Cmd::Serve { listen } => return serve(&cli, listen),
        Cmd::Web { listen, ui } => return web(&cli, listen, ui),
        Cmd::Admin(cmd) => return admin(&cli, cmd),
        _ => {}
    }
    let mut cx = open(&cli)?;
    match cli.cmd {
        Cmd::Import { file, format, skip_invalid, kind, json } => {
            import(&mut cx, file, format, skip_invalid, kind, json)
        }
        Cmd::Export { format, kind, out } => export(&cx, &format, kind, out),
        Cmd::Nearby(a) => nearby(&cx, a),
        Cmd::Search { text, kind, limit, json } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let found = cx.store.search(&text, kind, limit)?;
            if json {
                return print_json(&found.iter().map(place_json).collect::<Vec<_>>());
            }
            let rows = found
                .iter()
                .map(|p| {
                    vec![p.kind().to_string(), p.name.clone(), p.address.clone().unwrap_or_default(), p.id.to_string()]
                })
                .collect::<Vec<_>>();
            table::print(
                &[cx.lang.pick("类型", "kind"), cx.lang.pick("名称", "name"), cx.lang.pick("地址", "address"), "id"],
                &rows,
            );
            Ok(())
        }
        Cmd::Gate { compound, building, at, vehicle, json } => gate(&cx, &compound, building, at, &vehicle, json),
        Cmd::Building { compound, number, json } => {
            let c = cx.store.find_compound(&compound)?;
            let b = ridermap_core::rank::find_building(&c, &number)?;
            if json {
                return print_json(&json!({
                    "compound": {"id": c.id, "name": c.name}, "number": b.number, "lat": b.lat, "lon": b.lon,
                }));
            }
            println!("{} {}{}: {:.6}, {:.6}", c.name, b.number, cx.lang.pick("号楼", ""), b.lat, b.lon);
            Ok(())
        }
        Cmd::Place(c) => place(&mut cx, c),
        Cmd::Grid(c) => grid(&mut cx, c),
        Cmd::Report(c) => report(&mut cx, c),
        Cmd::Visit(c) => visit(&mut cx, c),
        Cmd::Note { target, text } => {
            let target = resolve_place(&cx.store, &target)?.id;
            let n = Note { id: Id::new(), target, text, author: cx.actor.name.clone(), created_at: Utc::now() };
            cx.store.add_note(&n, &cx.actor)?;
            println!("{}", n.id);
            Ok(())
        }
        Cmd::Stats { grid, json } => {
            let s = cx.store.stats(grid.as_deref(), Utc::now())?;
            if json {
                return print_json(&s);
            }
            let mut rows: Vec<Vec<String>> = s.places.iter().map(|(k, n)| vec![k.clone(), n.to_string()]).collect();
            let l = cx.lang;
            for (label, n) in [
                (l.pick("90天未核实", "not verified in 90 days"), s.stale),
                (l.pick("待审核报告", "reports to review"), s.pending_reports),
                (l.pick("7天驿站到访", "station visits, 7 days"), s.visits_7d),
                (l.pick("7天服务人次", "riders served, 7 days"), s.headcount_7d),
                (l.pick("本地变更", "changes logged"), s.changes_logged),
            ] {
                rows.push(vec![label.into(), n.to_string()]);
            }
            table::print(&[cx.lang.pick("项目", "item"), cx.lang.pick("数量", "count")], &rows);
            Ok(())
        }
        Cmd::Serve { .. } | Cmd::Web { .. } | Cmd::Admin(_) => {
            unreachable!("handled before opening the device store")
        }
        Cmd::Login { server, invite } => {
            let res = ridermap_device::login(&mut cx.store, &server, &invite)?;
            println!("enrolled as {:?} (account {})", res.role, res.account);
            Ok(())
        }
        Cmd::Sync { server, status, verify, follow, watch, every, json } => {
            if let Some(url) = server {
                ridermap_device::set_server(&mut cx.store, &url)?;
            }
            if let Some(spec) = follow {
                let f: ridermap_device::Follow = spec.parse().map_err(|e| anyhow!("--follow: {e}"))?;
                ridermap_device::set_follow(&mut cx.store, &f)?;
            }
            if status {
                let s = ridermap_device::status(&cx.store)?;
                if json {
                    return print_json(&s);
                }
                let l = cx.lang;
                println!(
                    "{:>10}  {}",
                    l.pick("服务器", "server"),
                    s.server.clone().unwrap_or_else(|| l.pick("未登录", "not enrolled").into())
                );
                println!("{:>10}  {}", l.pick("待同步", "pending"), s.pending);
                println!("{:>10}  {}", l.pick("被拒绝", "refused"), s.refused);
                println!(
                    "{:>10}  {}",
                    l.pick("上次成功", "last sync"),
                    s.last_success.clone().unwrap_or_else(|| "—".into())
                );
                if let Some(e) = &s.last_error {
                    println!("{:>10}  {e}", l.pick("上次错误", "last error"));
                }
                return Ok(());
            }
            if watch {
                let seed = cx.store.device_id().bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
                let mut backoff = ridermap_device::backoff::Backoff::new(
                    std::time::Duration::from_secs(2),
                    std::time::Duration::from_secs(300),
                    seed,
                );
                loop {
                    let wait = match ridermap_device::sync_once(&mut cx.store, verify) {
                        Ok(r) => {
                            backoff.succeeded();
                            println!(
                                "{} pushed {}, refused {}, pulled {}",
                                Utc::now().to_rfc3339(),
                                r.pushed,
                                r.refused,
                                r.pulled
                            );
                            std::time::Duration::from_secs(every.max(1))
                        }
                        Err(e) => {
                            let wait = backoff.failed();
                            println!("{} {e}; retrying in {} s", Utc::now().to_rfc3339(), wait.as_secs());
                            wait
                        }
                    };
                    std::io::stdout().flush()?;
                    std::thread::sleep(wait);
                }
            }
            let r = ridermap_device::sync_once(&mut cx.store, verify)?;
            if json {
                return print_json(&r);
            }
            println!(
                "pushed {}, refused {}, pulled {}, conflicts {}, photos up {} down {}",
                r.pushed, r.refused, r.pulled, r.conflicts, r.photos_up, r.photos_down
            );
            for (region, ok) in &r.verified {
                println!("{region}: {}", if *ok { "matches the server" } else { "DIFFERS from the server" });
            }
            if r.verified.values().any(|ok| !ok) {
                bail!("this device's state differs from the server's");
            }
            Ok(())
        }
        Cmd::Outbox { dismiss, json } => {
            if let Some(id) = dismiss {
                let id: Id = id.parse().map_err(|_| anyhow!("--dismiss: `{id}` is not a change id"))?;
                cx.store.dismiss(id)?;
                println!("dismissed {id}");
                return Ok(());
            }
            let pending = cx.store.outbox(10_000)?;
            let refused = cx.store.refused()?;
            if json {
                let refused: Vec<Value> = refused.iter().map(|(c, why)| json!({"change": c, "reason": why})).collect();
                return print_json(&json!({"pending": pending, "refused": refused}));
            }
            let l = cx.lang;
            let mut rows: Vec<Vec<String>> = vec![];
            let describe = |c: &ridermap_sync::WireChange| {
                let what =
                    serde_json::to_value(c.entity).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                let name = cx.store.place(c.entity_id).ok().flatten().map(|p| p.name).unwrap_or_default();
                (what, name, c.fields.keys().cloned().collect::<Vec<_>>().join(","))
            };
            for c in &pending {
                let (what, name, fields) = describe(c);
                rows.push(vec![
                    l.pick("待发送", "pending").into(),
                    what,
                    name,
                    fields,
                    String::new(),
                    c.id.to_string(),
                ]);
            }
            for (c, why) in &refused {
                let (what, name, fields) = describe(c);
                rows.push(vec![l.pick("被拒绝", "refused").into(), what, name, fields, why.clone(), c.id.to_string()]);
            }
            table::print(
                &[
                    l.pick("状态", "state"),
                    l.pick("类型", "record"),
                    l.pick("名称", "name"),
                    l.pick("字段", "fields"),
                    l.pick("原因", "reason"),
                    "id",
                ],
                &rows,
            );
            Ok(())
        }
        Cmd::Photo(PhotoCmd::Add { file }) => {
            println!("{}", add_photo(&mut cx, &file)?);
            Ok(())
        }
        Cmd::Photo(PhotoCmd::Get { hash, out }) => {
            let bytes = cx.store.blob(&hash)?.ok_or_else(|| anyhow!("no photo {hash} on this device"))?;
            std::fs::write(&out, bytes).with_context(|| format!("--out: cannot write {}", out.display()))?;
            Ok(())
        }
        Cmd::Basemap(cmd) => {
            use ridermap_service::basemap;
            let file = basemap::file_for(&cx.path);
            let (tiles, json) = match cmd {
                BasemapCmd::Import { file: from, json } => (basemap::import(&from, &file)?, json),
                BasemapCmd::Show { json } => match basemap::load(Some(&cx.path))? {
                    Some(tiles) => (tiles, json),
                    None if json => return print_json(&None::<()>),
                    None => bail!("no base map on this device; `ridermap basemap import FILE.mbtiles` adds one"),
                },
            };
            let m = &tiles.info;
            if json {
                return print_json(m);
            }
            let datum = match m.datum {
                ridermap_service::api::Datum::Wgs84 => "WGS-84",
                ridermap_service::api::Datum::Gcj02 => "GCJ-02",
            };
            println!("{} · {} · zoom {}–{} · {datum} · {}", m.name, m.format, m.min_zoom, m.max_zoom, file.display());
            Ok(())
        }
        Cmd::Conflicts { json } => {
            let list = cx.store.conflicts()?;
            if json {
                return print_json(&list);
            }
            let l = cx.lang;
            let rows = list
                .iter()
                .map(|c| {
                    let name = cx
                        .store
                        .place(c.entity_id)
                        .ok()
                        .flatten()
                        .map(|p| p.name)
                        .unwrap_or_else(|| c.entity_id.to_string());
                    let when = chrono::DateTime::from_timestamp_millis(c.conflict.kept_version.hlc.ms)
                        .map(|t| t.with_timezone(&DEFAULT_TZ).format("%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    vec![
                        name,
                        c.conflict.field.clone(),
                        c.conflict.lost.to_string(),
                        c.conflict.kept.to_string(),
                        c.conflict.kept_version.device.clone(),
                        when,
                    ]
                })
                .collect::<Vec<_>>();
            table::print(
                &[
                    l.pick("记录", "record"),
                    l.pick("字段", "field"),
                    l.pick("我的", "mine"),
                    l.pick("保留的", "kept"),
                    l.pick("来自设备", "from device"),
                    l.pick("时间", "when"),
                ],
                &rows,
            );
            Ok(())
        }
        Cmd::Changes { since, limit, json } => {
            let changes = cx.store.changes_since(since, limit)?;
            if json {
                return print_json(&changes);
            }
            let rows = changes
                .iter()
                .map(|c| {
                    vec![
                        c.seq.to_string(),
                        c.hlc.to_string(),
                        c.entity.clone(),
                        c.op.clone(),
                        c.entity_id.to_string(),
                        c.fields.keys().cloned().collect::<Vec<_>>().join(","),
                    ]
                })
                .collect::<Vec<_>>();
            table::print(&["seq", "hlc", "entity", "op", "id", "fields"], &rows);
            Ok(())
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn place_json(p: &Place) -> Value {
    serde_json::to_value(p).unwrap_or_default()
}

fn parse_kind(s: &str) -> Result<PlaceKind> {
    PlaceKind::parse(s).ok_or_else(|| anyhow!("--kind: `{s}` is not compound, entrance, charger or rest-stop"))
}

fn snake(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('-', "_")
}

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

fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| anyhow!("--set: `{s}` is not field=value"))
        })
        .collect()
}

/// A place by id, source, or (for compounds) name.
fn resolve_place(store: &Store, key: &str) -> Result<Place> {
    if let Ok(id) = key.trim().parse::<Id>() {
        return store.place(id)?.ok_or_else(|| anyhow!("no place with id {id}"));
    }
    if let Some(p) = store.place_by_source(key.trim())? {
        return Ok(p);
    }
    let found = store.search(key, None, 10)?;
    let exact: Vec<&Place> = found.iter().filter(|p| p.name == key.trim()).collect();
    match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Ok((*one).clone()),
        ([], [one]) => Ok(one.clone()),
        ([], []) => bail!("no place named `{key}`"),
        _ => bail!("`{key}` matches several places; give the id (see `ridermap search {key}`)"),
    }
}

fn import(
    cx: &mut Ctx,
    file: PathBuf,
    format: Option<String>,
    skip_invalid: bool,
    kind: Option<String>,
    json: bool,
) -> Result<()> {
    let format = match format {
        Some(f) => Format::parse(&f).ok_or_else(|| anyhow!("--format: `{f}` is not geojson, csv or osm"))?,
        None => Format::guess(&file).ok_or_else(|| {
            anyhow!("{}: cannot tell the format from the name; pass --format geojson|csv|osm", file.display())
        })?,
    };
    let rows = ridermap_exchange::read(&file, format, &ReadOptions { default_kind: kind })?;
    let bar = indicatif::ProgressBar::new(rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if rows.len() < 5000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut tick = |done: usize, _total: usize| bar.set_position(done as u64);
    let report = cx.store.import(&rows, ImportOptions { skip_invalid, progress: Some(&mut tick) }, &cx.actor);
    bar.finish_and_clear();
    let report = report?;
    if json {
        return print_json(&report);
    }
    for p in &report.problems {
        eprintln!("  skipped {p}");
    }
    println!(
        "{}: {} inserted, {} updated, {} unchanged, {} skipped",
        file.display(),
        report.inserted,
        report.updated,
        report.unchanged,
        report.skipped
    );
    Ok(())
}

fn export(cx: &Ctx, format: &str, kind: Option<String>, out: Option<PathBuf>) -> Result<()> {
    let kind = kind.as_deref().map(parse_kind).transpose()?;
    let format = Format::parse(format)
        .filter(|f| *f != Format::Osm)
        .ok_or_else(|| anyhow!("--format: `{format}` is not geojson or csv"))?;
    let mut sink: Box<dyn Write> = match &out {
        // Write next to the target and rename, so a failed export never leaves half a file.
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p.with_extension("partial"))
                .with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let n = match format {
        Format::GeoJson => ridermap_exchange::geo_json::write(&cx.store, kind, &mut *sink)?,
        _ => ridermap_exchange::table::write(&cx.store, kind, &mut *sink)?,
    };
    sink.flush()?;
    drop(sink);
    if let Some(p) = out {
        std::fs::rename(p.with_extension("partial"), &p)?;
        eprintln!("{}: {n} records", p.display());
    }
    Ok(())
}

fn nearby(cx: &Ctx, a: NearbyArgs) -> Result<()> {
    let mut q = NearbyQuery::new(LatLon::new(a.lat, a.lon));
    if let Some(p) = q.point.problem() {
        bail!("--lat/--lon: {p}");
    }
    q.kind = a.kind.as_deref().map(parse_kind).transpose()?;
    q.limit = a.limit.max(1);
    q.open_at = match (&a.at, a.open_now) {
        (Some(t), _) => Some(parse_time("--at", t)?),
        (None, true) => Some(Utc::now()),
        _ => None,
    };
    q.ebike = a.ebike;
    q.charger_kind = a
        .charger_kind
        .as_deref()
        .map(|s| parse_enum::<ChargerKind>("--charger-kind", s, "swap-cabinet, charging-pile, socket"))
        .transpose()?;
    q.volts = a
        .volts
        .as_deref()
        .map(|v| {
            ridermap_core::parse_volts(v).ok_or_else(|| anyhow!("--volts: `{v}` is not a battery voltage like 48"))
        })
        .transpose()?;
    q.amenities = a.amenities.iter().map(|s| parse_enum::<Amenity>("--amenity", s, "hot-water, cold-water, microwave, fridge, toilet, phone-charging, power-bank, seating, heating, cooling, first-aid, wifi, ebike-parking")).collect::<Result<_>>()?;
    q.working = a.working;
    let found = cx.store.nearby(&q)?;
    if a.json {
        return print_json(&found);
    }
    let l = cx.lang;
    let rows = found
        .iter()
        .map(|n| {
            let open = match n.open {
                Some(true) => l.pick("开放", "open"),
                Some(false) => l.pick("关闭", "closed"),
                None => l.pick("未知", "unknown"),
            };
            let cond = match n.condition {
                ridermap_core::status::Condition::Ok => "",
                ridermap_core::status::Condition::LikelyBroken => l.pick("疑似故障", "likely broken"),
                ridermap_core::status::Condition::LikelyEmpty => l.pick("疑似无电池", "likely empty"),
                ridermap_core::status::Condition::LikelyClosed => l.pick("报告关闭", "reported closed"),
            };
            vec![
                format!("{:.0} m", n.distance_m),
                n.place.kind().to_string(),
                n.place.name.clone(),
                open.into(),
                cond.into(),
                n.place.id.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    table::print(
        &[
            l.pick("距离", "distance"),
            l.pick("类型", "kind"),
            l.pick("名称", "name"),
            l.pick("状态", "open"),
            l.pick("报告", "reports"),
            "id",
        ],
        &rows,
    );
    Ok(())
}

fn gate(
    cx: &Ctx,
    compound: &str,
    building: Option<String>,
    at: Option<String>,
    vehicle: &str,
    json: bool,
) -> Result<()> {
    let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?.unwrap_or_else(Utc::now);
    let vehicle = Vehicle::parse(vehicle).ok_or_else(|| anyhow!("--vehicle: `{vehicle}` is not ebike or foot"))?;
    let (c, ranked) = cx.store.best_gate(compound, &GateQuery { building: building.clone(), at, vehicle })?;
    let l = cx.lang;
    let texts = |rs: &[ridermap_core::rank::Reason]| -> Vec<Value> {
        rs.iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["text"] = Value::String(r.text(l));
                v
            })
            .collect()
    };
    if json {
        let gates: Vec<Value> = ranked
            .iter()
            .map(|g| {
                json!({
                    "id": g.id, "kind": "entrance", "name": g.name, "lat": g.lat, "lon": g.lon,
                    "open": g.open, "usable": g.usable, "distance_m": g.distance_m, "score": g.score,
                    "reasons": texts(&g.reasons), "warnings": texts(&g.warnings),
                })
            })
            .collect();
        return print_json(&json!({
            "compound": {"id": c.id, "kind": "compound", "name": c.name, "lat": c.lat, "lon": c.lon, "source": c.stamp.source},
            "building": building, "at": at, "vehicle": vehicle, "gates": gates,
        }));
    }
    println!("{} {}", c.name, building.map(|b| format!("· {b}")).unwrap_or_default());
    for (i, g) in ranked.iter().enumerate() {
        let mark = if i == 0 && g.usable {
            "★"
        } else if g.usable {
            " "
        } else {
            "✗"
        };
        println!("{mark} {}. {}", i + 1, g.name);
        let reasons: Vec<String> = g.reasons.iter().map(|r| r.text(l)).collect();
        println!("     {}", reasons.join(" · "));
        for w in &g.warnings {
            println!("     ⚠ {}", w.text(l));
        }
    }
    Ok(())
}

fn show_place(cx: &Ctx, p: &Place, json: bool) -> Result<()> {
    let now = Utc::now();
    let reports = cx.store.reports_for(p.id, now - chrono::Duration::days(30))?;
    let notes = cx.store.notes_for(p.id)?;
    let (condition, _) = ridermap_core::status::condition(&reports, now);
    let confirmed = ridermap_core::status::last_confirmed(&reports);
    if json {
        let mut v = place_json(p);
        v["condition"] = serde_json::to_value(condition)?;
        v["last_confirmed"] = serde_json::to_value(confirmed)?;
        v["reports"] = serde_json::to_value(&reports)?;
        v["notes"] = serde_json::to_value(&notes)?;
        return print_json(&v);
    }
    let Value::Object(m) = place_json(p) else {
        return Ok(());
    };
    for (k, v) in m {
        if v.is_null() || v == json!([]) {
            continue;
        }
        let text = match &v {
            Value::String(s) => s.clone(),
            Value::Array(items) if items.len() > 8 => format!("[{} items]", items.len()),
            other => other.to_string(),
        };
        println!("{k:>18}  {text}");
    }
    let l = cx.lang;
    let ago = |t: DateTime<Utc>| {
        let d = now - t;
        if d.num_days() >= 1 {
            l.pick(format!("{}天前", d.num_days()), format!("{} days ago", d.num_days()))
        } else {
            l.pick(format!("{}小时前", d.num_hours()), format!("{} h ago", d.num_hours()))
        }
    };
    println!(
        "{:>18}  {}",
        l.pick("核实", "verified"),
        p.stamp.verified_at.map(ago).unwrap_or_else(|| l.pick("从未", "never").into())
    );
    println!(
        "{:>18}  {}",
        l.pick("最近确认", "last confirmed"),
        confirmed.map(ago).unwrap_or_else(|| l.pick("无", "none").into())
    );
    for r in &reports {
        println!(
            "{:>18}  {} {} {}",
            l.pick("报告", "report"),
            ago(r.observed_at),
            r.outcome.as_str(),
            r.note.clone().unwrap_or_default()
        );
    }
    for n in &notes {
        println!("{:>18}  {} {}", l.pick("备注", "note"), ago(n.created_at), n.text);
    }
    Ok(())
}

fn place(cx: &mut Ctx, c: PlaceCmd) -> Result<()> {
    match c {
        PlaceCmd::Add { kind, name, lat, lon, sets, json } => {
            let mut p = Place::new(parse_kind(&kind)?, name, lat, lon);
            p.stamp = Stamp::now();
            p.stamp.updated_by = cx.actor.name.clone();
            let mut sets = parse_sets(&sets)?;
            // Compounds may be named.
            for (k, v) in sets.iter_mut() {
                if k == "compound" && v.parse::<Id>().is_err() && !v.is_empty() {
                    *v = cx.store.find_compound(v)?.id.to_string();
                }
            }
            let p = ridermap_core::patch::apply(&p, &sets).map_err(|e| anyhow!("{e}"))?;
            cx.store.put_place(&p, &cx.actor)?;
            if json {
                print_json(&place_json(&p))
            } else {
                println!("{}", p.id);
                Ok(())
            }
        }
        PlaceCmd::Edit { id, sets, json } => {
            let target = resolve_place(&cx.store, &id)?;
            let mut sets = parse_sets(&sets)?;
            for (k, v) in sets.iter_mut() {
                if k == "compound" && v.parse::<Id>().is_err() && !v.is_empty() {
                    *v = cx.store.find_compound(v)?.id.to_string();
                }
            }
            let p = cx.store.edit_place(target.id, &sets, &cx.actor)?;
            if json {
                print_json(&place_json(&p))
            } else {
                println!("{}", p.id);
                Ok(())
            }
        }
        PlaceCmd::Delete { id } => {
            let target = resolve_place(&cx.store, &id)?;
            cx.store.delete_place(target.id, &cx.actor)?;
            println!("deleted {} ({})", target.id, target.name);
            Ok(())
        }
        PlaceCmd::Show { id_or_name, json } => {
            let p = resolve_place(&cx.store, &id_or_name)?;
            show_place(cx, &p, json)
        }
        PlaceCmd::Verify { id } => {
            let target = resolve_place(&cx.store, &id)?;
            let p = cx.store.verify_place(target.id, &cx.actor)?;
            println!("{} verified", p.name);
            Ok(())
        }
    }
}

fn grid(cx: &mut Ctx, c: GridCmd) -> Result<()> {
    match c {
        GridCmd::Add { code, name } => {
            let g = Grid { id: Id::new(), code, name, stamp: Stamp::now() };
            cx.store.put_grid(&g, &cx.actor)?;
            println!("{}", g.id);
        }
        GridCmd::List { json } => {
            let grids = cx.store.grids()?;
            if json {
                return print_json(&grids);
            }
            let rows = grids.iter().map(|g| vec![g.code.clone(), g.name.clone(), g.id.to_string()]).collect::<Vec<_>>();
            table::print(&["code", cx.lang.pick("名称", "name"), "id"], &rows);
        }
    }
    Ok(())
}

fn report(cx: &mut Ctx, c: ReportCmd) -> Result<()> {
    match c {
        ReportCmd::Add { target, outcome, note, at, lat, lon, role, photo, json } => {
            let outcome = Outcome::parse(&outcome).ok_or_else(|| {
                anyhow!("--outcome: `{outcome}` is not one of got-in, refused, ebike-banned, cabinet-empty, broken, works, closed, hazard, confirmed")
            })?;
            let target = target.as_deref().map(|t| resolve_place(&cx.store, t)).transpose()?;
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?.unwrap_or_else(Utc::now);
            let (lat, lon) = match (lat, lon, &target) {
                (Some(a), Some(o), _) => (a, o),
                (None, None, Some(t)) => (t.lat, t.lon),
                (None, None, None) => {
                    bail!("--lat/--lon: a report without --target needs a location")
                }
                _ => bail!("--lat and --lon go together"),
            };
            let mut r = StatusReport::new(outcome, lat, lon, at);
            r.target = target.map(|t| t.id);
            r.note = note;
            r.photo = photo.as_deref().map(|p| add_photo(cx, p)).transpose()?;
            r.created_at = Utc::now();
            r.reporter = cx.actor.name.clone();
            r.reporter_role = parse_enum::<Role>("--role", &role, "rider, volunteer, grid-worker, admin")?;
            let r = cx.store.add_report(&r, &cx.actor)?;
            if json {
                print_json(&r)
            } else {
                println!("{}", r.id);
                Ok(())
            }
        }
        ReportCmd::List { grid, target, json } => {
            let reports = match target {
                Some(t) => {
                    let p = resolve_place(&cx.store, &t)?;
                    cx.store.reports_for(p.id, Utc::now() - chrono::Duration::days(30))?
                }
                None => cx.store.review_queue(grid.as_deref())?,
            };
            if json {
                return print_json(&reports);
            }
            let rows = reports
                .iter()
                .map(|r| {
                    let target = r
                        .target
                        .and_then(|t| cx.store.place(t).ok().flatten())
                        .map(|p| p.name)
                        .unwrap_or_else(|| format!("{:.5},{:.5}", r.lat, r.lon));
                    vec![
                        r.observed_at.with_timezone(&DEFAULT_TZ).format("%m-%d %H:%M").to_string(),
                        r.outcome.as_str().into(),
                        target,
                        r.note.clone().unwrap_or_default(),
                        r.id.to_string(),
                    ]
                })
                .collect::<Vec<_>>();
            let l = cx.lang;
            table::print(
                &[
                    l.pick("时间", "seen"),
                    l.pick("结果", "outcome"),
                    l.pick("地点", "place"),
                    l.pick("说明", "note"),
                    "id",
                ],
                &rows,
            );
            Ok(())
        }
        ReportCmd::Accept { id, reason } => {
            let id: Id = id.parse().map_err(|_| anyhow!("`{id}` is not a report id"))?;
            let r = cx.store.resolve_report(id, true, reason.as_deref(), &cx.actor)?;
            println!("accepted {}", r.id);
            Ok(())
        }
        ReportCmd::Reject { id, reason } => {
            let id: Id = id.parse().map_err(|_| anyhow!("`{id}` is not a report id"))?;
            let r = cx.store.resolve_report(id, false, Some(&reason), &cx.actor)?;
            println!("rejected {}", r.id);
            Ok(())
        }
    }
}

fn visit(cx: &mut Ctx, c: VisitCmd) -> Result<()> {
    match c {
        VisitCmd::Add { station, headcount, services, supplies, open, note, at, json } => {
            let station = resolve_place(&cx.store, &station)?;
            let services = services
                .iter()
                .map(|s| {
                    parse_enum::<Service>(
                        "--service",
                        s,
                        "hot-water, microwave, phone-charging, rest, toilet, first-aid",
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            let station_open = match open.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => None,
                Some("yes" | "true" | "open") => Some(true),
                Some("no" | "false" | "closed") => Some(false),
                Some(o) => bail!("--open: `{o}` is not yes or no"),
            };
            let v = Visit {
                id: Id::new(),
                station: station.id,
                at: at.as_deref().map(|t| parse_time("--at", t)).transpose()?.unwrap_or_else(Utc::now),
                headcount,
                services,
                supplies,
                station_open,
                note,
                volunteer: cx.actor.name.clone(),
                created_at: Utc::now(),
            };
            cx.store.add_visit(&v, &cx.actor)?;
            if json {
                print_json(&v)
            } else {
                println!("{}", v.id);
                Ok(())
            }
        }
        VisitCmd::List { station, day, json } => {
            let station = resolve_place(&cx.store, &station)?;
            let day = match day {
                Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| anyhow!("--day: `{d}` is not YYYY-MM-DD"))?,
                None => Utc::now().with_timezone(&DEFAULT_TZ).date_naive(),
            };
            let start = local_to_utc(day.and_hms_opt(0, 0, 0).expect("midnight"), DEFAULT_TZ)
                .ok_or_else(|| anyhow!("bad day"))?;
            let visits = cx.store.visits(station.id, start, start + chrono::Duration::days(1))?;
            let headcount: u32 = visits.iter().map(|v| v.headcount).sum();
            if json {
                return print_json(
                    &json!({"station": station.id, "day": day, "visits": visits, "headcount": headcount}),
                );
            }
            let l = cx.lang;
            let rows = visits
                .iter()
                .map(|v| {
                    vec![
                        v.at.with_timezone(&DEFAULT_TZ).format("%H:%M").to_string(),
                        v.headcount.to_string(),
                        v.services
                            .iter()
                            .map(|s| {
                                serde_json::to_value(s)
                                    .ok()
                                    .and_then(|x| x.as_str().map(String::from))
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<_>>()
                            .join(","),
                        v.note.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            table::print(
                &[l.pick("时间", "time"), l.pick("人数", "riders"), l.pick("服务", "services"), l.pick("备注", "note")],
                &rows,
            );
            println!("{} {day}: {} {headcount}", station.name, l.pick("合计人次", "riders in all"));
            Ok(())
        }
    }
}
