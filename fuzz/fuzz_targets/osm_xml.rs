//! The OSM XML reader (input that starts with `<`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut xml = b"<".to_vec();
    xml.extend_from_slice(data.strip_prefix(b"<").unwrap_or(data));
    match ridermap_exchange::osm::read("fuzz.osm", &xml) {
        Ok(records) => assert!(records.len() <= xml.len()),
        Err(e) => assert!(e.file == "fuzz.osm" && !e.reason.is_empty(), "{e}"),
    }
});
