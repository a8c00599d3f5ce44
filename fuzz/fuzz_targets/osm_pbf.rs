//! The OSM PBF reader (input that does not start with `<`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return;
    }
    match ridermap_exchange::osm::read("fuzz.osm.pbf", data) {
        Ok(records) => assert!(records.len() <= data.len()),
        Err(e) => assert!(e.file == "fuzz.osm.pbf" && !e.reason.is_empty(), "{e}"),
    }
});
