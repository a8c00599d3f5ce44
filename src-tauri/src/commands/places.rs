//! Finding places and the grid worker's edits.

use ridermap_service::api::*;

super::commands! {
    nearby(NearbyReq);
    search(SearchReq);
    place(PlaceReq);
    compounds(CompoundsReq);
    gate(GateReq);
    map(MapReq);
    save_place(SavePlaceReq);
    edit_place(EditPlaceReq);
    verify_place(VerifyPlaceReq);
    delete_place(DeletePlaceReq);
    stale(StaleReq);
    dashboard(DashboardReq);
    export(ExportReq);
    grids(GridsReq);
}
