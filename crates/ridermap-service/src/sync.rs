//! Sync from the app and the CLI: status, a round now, what to sync with, the outbox, enrolment,
//! lost edits, the local change log. Rounds and enrolment wait on the network, so they run on a
//! connection of their own and never hold the shared store.

use std::time::Duration;

use ridermap_api::*;
use ridermap_core::Id;
use ridermap_device::Checksums;
use ridermap_store::Store;
use ridermap_sync::{Entity, WireChange};

use crate::{Ctx, Handle, Service, invalid};

/// A record's name for people: as this device holds it, else as the change names it (a refused
/// creation is not on the device any more).
fn label(store: &Store, entity: Entity, id: Id, change: Option<&WireChange>) -> Result<Option<String>, ApiError> {
    let held = match entity {
        Entity::Place => store.place(id)?.map(|p| p.name),
        Entity::Grid => store.grids()?.into_iter().find(|g| g.id == id).map(|g| g.name),
        _ => None,
    };
    let named = || change.and_then(|c| c.fields.get("name")).and_then(|n| n.as_str()).map(str::to_string);
    Ok(held.or_else(named))
}

impl Handle for SyncStatusReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncStatus, ApiError> {
        Ok(ridermap_device::status(cx.store())?)
    }
}

impl Handle for SyncNowReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncOutcome, ApiError> {
        let mut own = cx.own_store()?;
        let checks = if self.verify { Checksums::Verify } else { Checksums::Skip };
        let round = ridermap_device::sync_once(&mut own, checks)?;
        Ok(SyncOutcome { round, status: ridermap_device::status(&own)? })
    }
}

impl Handle for SyncSettingsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncStatus, ApiError> {
        let store = cx.store();
        if let Some(server) = &self.server {
            ridermap_device::set_server(store, &server_address(server)?)?;
        }
        if let Some(follow) = &self.follow {
            ridermap_device::set_follow(store, follow)?;
        }
        if let Some(ca) = &self.ca {
            ridermap_device::set_ca(store, ca)?;
        }
        Ok(ridermap_device::status(store)?)
    }
}

/// A server address as typed, checked: `https://…` (or `http://` to loopback), without a trailing slash.
fn server_address(typed: &str) -> Result<String, ApiError> {
    ridermap_device::check_address(typed).map_err(|e| invalid(e.0))
}

impl Handle for OutboxReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Outbox, ApiError> {
        let store = cx.store();
        let mut items = vec![];
        for (change, why) in store.refused()? {
            let label = label(store, change.entity, change.entity_id, Some(&change))?;
            items.push(OutboxItem { change, refusal: Some(why), label });
        }
        for change in store.outbox(10_000)? {
            let label = label(store, change.entity, change.entity_id, Some(&change))?;
            items.push(OutboxItem { change, refusal: None, label });
        }
        Ok(Outbox { items })
    }
}

impl Handle for DismissReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<(), ApiError> {
        Ok(cx.store().dismiss(self.id)?)
    }
}

impl Handle for EnrolReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncStatus, ApiError> {
        let server = server_address(&self.server)?;
        if self.invite.trim().is_empty() {
            return Err(invalid("invite: enter the code you were given"));
        }
        let mut own = cx.own_store()?;
        ridermap_device::login(&mut own, &server, &self.invite, self.ca.as_deref())?;
        Ok(ridermap_device::status(&own)?)
    }
}

impl Handle for ConflictsReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<ConflictItem>, ApiError> {
        let store = cx.store();
        let mut out = vec![];
        for c in store.conflicts()? {
            let label = label(store, c.entity, c.entity_id, None)?;
            out.push(ConflictItem { entity: c.entity, entity_id: c.entity_id, label, conflict: c.conflict });
        }
        Ok(out)
    }
}

impl Handle for ChangesReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Vec<LoggedChange>, ApiError> {
        let changes = cx.store().changes_since(self.since, self.limit.unwrap_or(100).clamp(1, 1_000_000))?;
        Ok(changes
            .into_iter()
            .map(|c| LoggedChange {
                seq: c.seq,
                id: c.id,
                entity: c.entity,
                entity_id: c.entity_id,
                op: c.op,
                fields: c.fields,
                hlc: c.hlc,
                device: c.device,
                actor: c.actor,
                at: c.at,
            })
            .collect())
    }
}

/// How a background sync loop paces itself.
pub struct Pace {
    /// Between rounds while they work.
    pub every: Duration,
    /// While not enrolled, how often to look again.
    pub idle: Duration,
    /// Backoff while rounds fail (with full jitter): first wait and longest wait.
    pub first_retry: Duration,
    pub longest_retry: Duration,
    pub seed: u64,
}

impl Service {
    /// Keep syncing while enrolled, forever: every `pace.every` while rounds work, backing off with
    /// jitter while they fail. `observe` hears each round's outcome and the wait that follows
    /// (the CLI's `sync --watch` prints it; the app's background thread ignores it).
    pub fn keep_syncing(&self, pace: &Pace, mut observe: impl FnMut(&Result<SyncOutcome, ApiError>, Duration)) -> ! {
        let mut backoff = ridermap_device::backoff::Backoff::new(pace.first_retry, pace.longest_retry, pace.seed);
        loop {
            let enrolled = self.call(SyncStatusReq {}).map(|s| s.enrolled);
            let wait = match enrolled {
                Ok(false) => pace.idle,
                Err(e) => {
                    let wait = backoff.failed();
                    observe(&Err(e), wait);
                    wait
                }
                Ok(true) => {
                    let outcome = self.call(SyncNowReq { verify: false });
                    let wait = match &outcome {
                        Ok(_) => {
                            backoff.succeeded();
                            pace.every
                        }
                        Err(_) => backoff.failed(),
                    };
                    observe(&outcome, wait);
                    wait
                }
            };
            std::thread::sleep(wait);
        }
    }
}
