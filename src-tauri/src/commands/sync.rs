//! The sync status bar, a round now, the outbox, enrolment.

use ridermap_service::api::*;

super::commands! {
    sync_status(SyncStatusReq);
    sync_now(SyncNowReq);
    outbox(OutboxReq);
    dismiss(DismissReq);
    enrol(EnrolReq);
}
