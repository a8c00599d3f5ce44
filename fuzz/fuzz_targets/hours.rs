//! What the opening-hours field takes as typed (the app's editor checks it with `Hours::parse`):
//! any text parses or says why, and what parses can be asked whether it is open at any time.
#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ridermap_core::Hours;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Hours::parse(text) {
        Ok(hours) => {
            for at in [0i64, 1_764_576_000, 1_800_000_000] {
                let when = Utc.timestamp_opt(at, 0).single().expect("a valid instant");
                let open = hours.open_at(when, chrono_tz::Asia::Shanghai);
                let state = hours.state_at(when, chrono_tz::Asia::Shanghai);
                std::hint::black_box((open, state));
            }
        }
        Err(e) => assert!(!e.is_empty()),
    }
});
