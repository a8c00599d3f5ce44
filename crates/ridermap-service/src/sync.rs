//! Sync from the app: status for the status bar, a round now, the outbox, enrolment.

use ridermap_api::*;
use ridermap_store::Store;

use crate::{Ctx, Handle, invalid, store_error, sync_error};

fn status(store: &Store) -> Result<SyncStatus, ApiError> {
    ridermap_device::status(store).map_err(sync_error)
}

impl Handle for SyncStatusReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncStatus, ApiError> {
        status(cx.store)
    }
}

impl Handle for SyncNowReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncOutcome, ApiError> {
        // Its own connection: the round's network waits do not hold the UI's store.
        let mut own = match cx.path {
            Some(p) => Some(Store::open(p).map_err(store_error)?),
            None => None,
        };
        let store = own.as_mut().unwrap_or(cx.store);
        let r = ridermap_device::sync_once(store, false).map_err(sync_error)?;
        Ok(SyncOutcome { pushed: r.pushed, refused: r.refused, pulled: r.pulled, status: status(store)? })
    }
}

impl Handle for OutboxReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Outbox, ApiError> {
        let mut items: Vec<OutboxItem> = cx
            .store
            .refused()
            .map_err(store_error)?
            .into_iter()
            .map(|(change, why)| OutboxItem { change, refusal: Some(why) })
            .collect();
        let pending = cx.store.outbox(10_000).map_err(store_error)?;
        items.extend(pending.into_iter().map(|change| OutboxItem { change, refusal: None }));
        Ok(Outbox { items })
    }
}

impl Handle for DismissReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<(), ApiError> {
        cx.store.dismiss(self.id).map_err(store_error)
    }
}

impl Handle for EnrolReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<SyncStatus, ApiError> {
        let server = self.server.trim().trim_end_matches('/');
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(invalid(format!("server: `{server}` is not an http:// or https:// address")));
        }
        if self.invite.trim().is_empty() {
            return Err(invalid("invite: enter the code you were given"));
        }
        ridermap_device::login(cx.store, server, &self.invite).map_err(sync_error)?;
        status(cx.store)
    }
}
