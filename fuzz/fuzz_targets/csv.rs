//! The CSV reader: any bytes give records or an error that names the file and says why.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ridermap_exchange::ReadOptions;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions { default_kind: Some("charger".into()) };
    match ridermap_exchange::table::read("fuzz.csv", data, &opts) {
        Ok(records) => assert!(records.len() <= data.len()),
        Err(e) => assert!(e.file == "fuzz.csv" && !e.reason.is_empty(), "{e}"),
    }
});
