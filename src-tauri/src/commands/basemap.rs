//! The offline base map: what the device holds, importing an MBTiles file.

use ridermap_service::api::*;

super::commands! {
    basemap(BaseMapReq);
    import_basemap(ImportBaseMapReq);
}
