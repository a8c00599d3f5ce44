//! The base-layer pack reader (what a device installs from the sync server): any bytes, raw or
//! gzipped, give features and a count, or an error naming the line; never a panic, never more
//! features than lines.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;
use ridermap_core::base::BaseFeature;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    // Mostly the text behind the gzip, where the parsing is; sometimes the bytes as they come.
    let bytes = if mode % 4 == 0 {
        rest.to_vec()
    } else {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(rest).unwrap();
        gz.finish().unwrap()
    };
    let mut sink: Vec<BaseFeature> = vec![];
    match ridermap_sync::pack::decode(&bytes, &mut sink) {
        Ok((_, n)) => {
            assert_eq!(n as usize, sink.len());
            assert!(sink.iter().all(|f| !f.line.is_empty() && f.line.iter().all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)));
        }
        Err(e) => assert!(e.message.starts_with("base-layer pack"), "{}", e.message),
    }
});
