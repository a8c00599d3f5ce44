//! The sync wire decoder both sides use (`ridermap_sync::wire::decode`): request bodies the server
//! reads (login, push, pull, blob questions) and answers a device reads (pages, push answers,
//! errors), plain or gzip. The first byte picks the encoding. Whatever decodes must encode again
//! and decode to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ridermap_core::ApiError;
use ridermap_sync::{
    protocol::{BlobsMissing, LoginRequest, PullRequest, PullResponse, PushRequest, PushResponse},
    wire::{Encoding, decode},
};

fn round_trip<T>(encoding: Encoding, body: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    match decode::<T>(encoding, body, 1 << 20) {
        Ok(value) => {
            let again = serde_json::to_vec(&value).expect("a decoded value encodes");
            let back: T = decode(Encoding::Identity, &again, u64::MAX).expect("and decodes again");
            assert_eq!(back, value);
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else { return };
    let encoding = if first & 1 == 1 { Encoding::Gzip } else { Encoding::Identity };
    round_trip::<PushRequest>(encoding, body);
    round_trip::<PullRequest>(encoding, body);
    round_trip::<LoginRequest>(encoding, body);
    round_trip::<BlobsMissing>(encoding, body);
    round_trip::<PullResponse>(encoding, body);
    round_trip::<PushResponse>(encoding, body);
    round_trip::<ApiError>(encoding, body);
});
