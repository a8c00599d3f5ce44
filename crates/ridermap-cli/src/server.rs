//! The server side of the command line: the sync server (`serve`, `admin`) and the web host
//! (`web`). These have no app equivalent, so they call their crates directly.

use std::{io::Write, path::Path};

use anyhow::{Context, Result, anyhow, bail};
use ridermap_core::{Id, Role};
use ridermap_service::{Demo, Service};
use ridermap_store::Actor;

use crate::{AdminBasemapCmd, AdminCmd, Cli, default_db, parse_enum};

pub(crate) fn server_db(cli: &Cli) -> Result<ridermap_server::Db> {
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

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
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

/// Bind `listen` and say where on stdout's first line (so scripts and tests can use port 0).
async fn bind(listen: &str, scheme: &str) -> Result<tokio::net::TcpListener> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("--listen: cannot listen on {listen}"))?;
    crate::out::line(format_args!("listening on {scheme}://{}", listener.local_addr()?))?;
    std::io::stdout().flush()?;
    Ok(listener)
}

/// Resolves on Ctrl-C or SIGTERM: both stop a server gracefully.
async fn stopped() {
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => _ = term.recv().await,
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term => {} }
    tracing::info!("shutting down");
}

pub(crate) fn serve(
    cli: &Cli,
    listen: &str,
    tls: Option<(&Path, &Path)>,
    trust_proxy: bool,
    token_days: u32,
) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    if token_days == 0 {
        bail!("--token-days: at least 1");
    }
    let db = server_db(cli)?.with_token_life(std::time::Duration::from_secs(u64::from(token_days) * 24 * 3600));
    let limits = ridermap_server::Limits { trust_proxy, ..Default::default() };
    tokio::runtime::Runtime::new()?.block_on(async move {
        match tls {
            Some((cert, key)) => {
                let tls = ridermap_server::Tls::from_pem_files(cert, key).await.map_err(|e| anyhow!(e))?;
                ridermap_server::serve_tls(bind(listen, "https").await?, db, &limits, tls, stopped()).await?
            }
            None => ridermap_server::serve(bind(listen, "http").await?, db, &limits, stopped()).await?,
        }
        Ok(())
    })
}

pub(crate) fn web(cli: &Cli, listen: &str, ui: &Path) -> Result<()> {
    if !ui.join("index.html").is_file() {
        bail!("--ui: {} has no index.html; build the UI first: bash scripts/ui.sh", ui.display());
    }
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let actor = Actor { name: cli.actor.clone() };
    let demo = if cli.no_demo { Demo::Skip } else { Demo::Load };
    let service =
        Service::open(&path, demo, actor).map_err(|e| anyhow!("opening {}: {}", path.display(), e.message))?;
    let router = ridermap_web::router(std::sync::Arc::new(service), ui);
    tokio::runtime::Runtime::new()?.block_on(async move {
        axum::serve(bind(listen, "http").await?, router).with_graceful_shutdown(stopped()).await?;
        Ok(())
    })
}

pub(crate) fn admin(cli: &Cli, cmd: &AdminCmd) -> Result<()> {
    let db = server_db(cli)?;
    match cmd {
        AdminCmd::Invite { role, grids, stations } => {
            let role = parse_enum::<Role>("--role", role, "rider, volunteer, grid-worker, admin")?;
            let stations = stations
                .iter()
                .map(|s| s.parse::<Id>().map_err(|_| anyhow!("--station: `{s}` is not a rest stop id")))
                .collect::<Result<Vec<_>>>()?;
            crate::out::line(db.create_invite(role, grids, &stations)?)?;
        }
        AdminCmd::Basemap { cmd: AdminBasemapCmd::Publish { file, grid, json } } => {
            let mut pack = ridermap_sync::pack::PackWriter::new(grid, &file_name(file));
            ridermap_exchange::osm::read_path(file, &mut pack).map_err(|e| anyhow!("{e}"))?;
            let (bytes, features) = pack.finish();
            let published = db.publish_base_pack(grid, &file_name(file), &bytes, features)?;
            if *json {
                crate::out::line(serde_json::json!({
                    "grid": grid, "hash": published.hash, "bytes": published.bytes,
                    "features": published.features, "source": published.source,
                }))?;
            } else {
                crate::out::line(format_args!(
                    "published {} base-layer features of {} for grid {grid}: {} KiB pack {}",
                    published.features,
                    published.source,
                    published.bytes.div_ceil(1024),
                    &published.hash[..12]
                ))?;
            }
        }
        AdminCmd::Revoke { account, device } => {
            let id: Id = account.parse().map_err(|_| anyhow!("--account: `{account}` is not an account id"))?;
            match (db.revoke(id, device.as_deref())?, device) {
                (0, None) => bail!("--account: no active tokens for {id}"),
                (0, Some(d)) => bail!("--device: no active token of {id} on device {d}"),
                (n, _) => crate::out::line(format_args!("revoked {n} token(s) of {id}"))?,
            }
        }
    }
    Ok(())
}
