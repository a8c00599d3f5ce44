//! The I/O half of a sync round (Atuin's `sync_remote()`): calls through a `Remote`, writes to the
//! store, and leaves every decision to `plan`.

use std::collections::{BTreeMap, BTreeSet};

use ridermap_api::{Follow, SyncRound};
use ridermap_store::Store;
use ridermap_sync::{
    protocol::{BasePack, BlobsMissing, NO_REGION, PROTOCOL_VERSION, PullRequest, PushRequest},
    remote::Remote,
    view::View,
};

use crate::{
    CURSORS, Checksums, SyncError, follow,
    plan::{self, Next},
};

const PUSH_BATCH: usize = 500;
const PULL_PAGE: usize = 1000;
/// Most photos fetched in one round, so a first sync on a weak signal gets to the records first.
const PHOTOS_PER_ROUND: usize = 200;

pub(crate) fn run(store: &mut Store, remote: &dyn Remote, checks: Checksums) -> Result<SyncRound, SyncError> {
    let token = crate::token(store)?.ok_or(SyncError::NotEnrolled)?;
    let mut report = SyncRound::default();
    push(store, remote, &token, &mut report)?;
    let Pulled { checksums, public, packs } = pull(store, remote, &token, &mut report)?;
    report.photos_down += fetch_photos(store, remote, &token)?;
    report.base_packs += fetch_base_packs(store, remote, &token, &packs)?;
    if checks == Checksums::Verify {
        for (region, sum) in &checksums {
            let view = if public.contains(region) { View::Public } else { View::Full };
            report.verified.insert(region.clone(), store.region_checksum(region, view)? == *sum);
        }
    }
    Ok(report)
}

/// Push the outbox a batch at a time; each answer must settle its whole batch.
fn push(store: &mut Store, remote: &dyn Remote, token: &str, report: &mut SyncRound) -> Result<(), SyncError> {
    loop {
        let batch = store.outbox(PUSH_BATCH)?;
        if batch.is_empty() {
            return Ok(());
        }
        report.photos_up += upload_photos(store, remote, token, &plan::photos_named(&batch))?;
        let answer = remote.push(token, &PushRequest { protocol: PROTOCOL_VERSION, changes: batch.clone() })?;
        let settled = plan::settle(&batch, &answer.results)?;
        store.settle(&settled)?;
        report.pushed += settled.acked.len();
        report.refused += settled.refused.len();
    }
}

/// What the last page of a pull said besides its changes.
struct Pulled {
    /// The server's checksum per region.
    checksums: BTreeMap<String, String>,
    /// The regions sent in the public view.
    public: BTreeSet<String>,
    /// The base-layer pack published per region pulled.
    packs: BTreeMap<String, BasePack>,
}

/// Pull pages until the server has no more; the next page is asked for while this one is applied
/// (its cursors are known already).
fn pull(store: &mut Store, remote: &dyn Remote, token: &str, report: &mut SyncRound) -> Result<Pulled, SyncError> {
    let cursors: BTreeMap<String, i64> =
        store.setting(CURSORS)?.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    let (regions, bbox) = match follow(store)? {
        Follow::All => (None, None),
        Follow::Grids(mut g) => {
            g.push(NO_REGION.to_string());
            (Some(g), None)
        }
        Follow::Bbox(b) => (None, Some(b)),
    };
    let ask = |cursors: &BTreeMap<String, i64>| {
        let req = PullRequest {
            protocol: PROTOCOL_VERSION,
            cursors: cursors.clone(),
            regions: regions.clone(),
            bbox,
            limit: PULL_PAGE,
        };
        remote.pull(token, &req).map_err(SyncError::from)
    };
    let mut asked = cursors;
    let mut page = ask(&asked)?;
    loop {
        let next = plan::after_page(&asked, &page)?;
        // Should applying fail, the fetched page is dropped and the saved cursor still points here.
        let (applied, fetched) = std::thread::scope(|s| {
            let fetching = (next == Next::Pull).then(|| s.spawn(|| ask(&page.cursors)));
            let saved = serde_json::to_string(&page.cursors).expect("cursors serialize");
            let applied = store.apply_remote(&page.changes, Some(&saved));
            let fetched = fetching
                .map(|h| h.join().unwrap_or_else(|_| Err(SyncError::Offline("the pull thread stopped".into()))));
            (applied, fetched)
        });
        let applied = applied?;
        report.pulled += applied.applied;
        report.conflicts += applied.conflicts;
        match fetched {
            Some(fetched) => {
                asked = page.cursors;
                page = fetched?;
            }
            None => return Ok(Pulled { checksums: page.checksums, public: page.public, packs: page.base_packs }),
        }
    }
}

/// Upload those of `photos` that are kept here, not yet uploaded, and missing on the server.
fn upload_photos(store: &mut Store, remote: &dyn Remote, token: &str, photos: &[String]) -> Result<usize, SyncError> {
    let local = store.blobs_to_upload(photos)?;
    if local.is_empty() {
        return Ok(0);
    }
    let missing = remote.missing_blobs(token, &BlobsMissing { hashes: local.clone() })?;
    for hash in &missing.hashes {
        let bytes = store.blob(hash)?.ok_or_else(|| {
            SyncError::Store(ridermap_store::Error::NotFound(format!("photo {hash} is no longer on this device")))
        })?;
        remote.put_blob(token, hash, &bytes)?;
    }
    for hash in &local {
        store.mark_uploaded(hash)?;
    }
    Ok(missing.hashes.len())
}

/// Fetch photos that records here name and that are not kept here. One the server lacks (its
/// uploader has not synced yet) is asked for again next round.
fn fetch_photos(store: &mut Store, remote: &dyn Remote, token: &str) -> Result<usize, SyncError> {
    let mut fetched = 0;
    for hash in store.missing_photos(PHOTOS_PER_ROUND)? {
        if !ridermap_core::is_content_address(&hash) || store.has_blob(&hash)? {
            continue;
        }
        let Some(bytes) = remote.get_blob(token, &hash)? else { continue };
        if ridermap_store::content_address(&bytes) != hash {
            return Err(SyncError::Server(ridermap_core::ApiError::new(
                ridermap_core::ErrorCode::Corrupt,
                format!("photo {hash} arrived with other bytes"),
            )));
        }
        store.put_blob(&bytes, true)?;
        fetched += 1;
    }
    Ok(fetched)
}

/// Download and install the base-layer packs of `packs` this device does not hold (a region's
/// layer published for the first time, or published again changed). A pack whose bytes do not
/// hash to its name, or that does not read, is refused whole: the layer held stays.
fn fetch_base_packs(
    store: &mut Store,
    remote: &dyn Remote,
    token: &str,
    packs: &BTreeMap<String, BasePack>,
) -> Result<usize, SyncError> {
    let mut installed = 0;
    for (region, pack) in packs {
        if store.base_pack_digest(region)?.as_deref() == Some(pack.hash.as_str()) {
            continue;
        }
        let corrupt =
            |what: String| SyncError::Server(ridermap_core::ApiError::new(ridermap_core::ErrorCode::Corrupt, what));
        let Some(bytes) = remote.get_pack(token, &pack.hash)? else {
            return Err(corrupt(format!("the server names base-layer pack {} of {region} but has none", pack.hash)));
        };
        if ridermap_store::content_address(&bytes) != pack.hash {
            return Err(corrupt(format!("base-layer pack {} of {region} arrived with other bytes", pack.hash)));
        }
        store.install_base_pack(region, &pack.hash, |sink| {
            ridermap_sync::pack::decode(&bytes, sink).map(|_| ()).map_err(|e| e.message)
        })?;
        installed += 1;
    }
    Ok(installed)
}
