//! Reading a body off the wire, for both sides (the server reads requests, the device answers):
//! JSON, gzip-compressed when the sender says so, inflated at most to a cap — a small body that
//! inflates without end is refused when it passes the cap, not after.

use std::io::Read;

use ridermap_core::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

/// Whether a body is gzip-compressed (its `Content-Encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
}

/// `body` as a `T`, inflating at most `max` bytes: `malformed` when it is not gzip or not a `T`,
/// `too_large` past the cap.
pub fn decode<T: DeserializeOwned>(encoding: Encoding, body: &[u8], max: u64) -> Result<T, ApiError> {
    let mut inflated = vec![];
    let bytes = match encoding {
        Encoding::Gzip => {
            flate2::read::GzDecoder::new(body)
                .take(max + 1)
                .read_to_end(&mut inflated)
                .map_err(|e| ApiError::new(ErrorCode::Malformed, format!("bad gzip body: {e}")))?;
            if inflated.len() as u64 > max {
                return Err(ApiError::new(ErrorCode::TooLarge, format!("the body inflates past {} KiB", max >> 10)));
            }
            &inflated[..]
        }
        Encoding::Identity if body.len() as u64 > max => {
            return Err(ApiError::new(ErrorCode::TooLarge, format!("the body is larger than {} KiB", max >> 10)));
        }
        Encoding::Identity => body,
    };
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(ErrorCode::Malformed, format!("bad body: {e}")))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::protocol::PushRequest;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn bodies_decode_or_say_why() {
        let check = |encoding, body: &[u8], max, expected: Result<usize, ErrorCode>| {
            let got = decode::<PushRequest>(encoding, body, max).map(|r| r.changes.len()).map_err(|e| e.code);
            assert_eq!(got, expected, "{}", String::from_utf8_lossy(body));
        };
        let ok = br#"{"protocol": 1, "changes": []}"#;
        check(Encoding::Identity, ok, 1 << 10, Ok(0));
        check(Encoding::Gzip, &gzip(ok), 1 << 10, Ok(0));
        check(Encoding::Identity, b"{not json", 1 << 10, Err(ErrorCode::Malformed));
        check(Encoding::Gzip, b"\x1f\x8b garbage", 1 << 10, Err(ErrorCode::Malformed));
        check(Encoding::Identity, ok, 8, Err(ErrorCode::TooLarge));
        check(Encoding::Gzip, &gzip(&vec![b' '; 1 << 20]), 1 << 16, Err(ErrorCode::TooLarge));
    }
}
