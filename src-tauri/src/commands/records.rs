//! Reports, confirmations, review and volunteers' visits.

use ridermap_service::api::*;

super::commands! {
    add_report(AddReportReq);
    confirm(ConfirmReq);
    review_queue(ReviewQueueReq);
    review(ReviewReq);
    add_visit(AddVisitReq);
    station_day(StationDayReq);
}
