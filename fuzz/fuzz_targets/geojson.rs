//! The GeoJSON reader: any bytes give records or an error that names the file and says why.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match ridermap_exchange::geo_json::read("fuzz.geojson", data) {
        Ok(records) => assert!(records.len() <= data.len()),
        Err(e) => assert!(e.file == "fuzz.geojson" && !e.reason.is_empty(), "{e}"),
    }
});
