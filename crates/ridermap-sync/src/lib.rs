//! The rules every copy of Ridermap's data follows so that all copies converge: the server's and each
//! device's. Pure functions and data only — the server, the device engine and the tests drive them.
//!
//! - [`protocol`]: what crosses the wire (versioned).
//! - [`merge`]: applying a change to an entity's state: per-field last writer wins by
//!   (hybrid logical clock, device id); deletes are tombstones that win over concurrent edits;
//!   applying the same change twice, or changes in any order, gives the same state.
//! - [`checksum`]: an order-independent digest of a set of entity states, so a device can prove it
//!   holds exactly the server's state for a region.
//! - [`clock`]: the bound on how far ahead of the server a device's clock may be.
//! - [`view`]: what a reader may see of other people's records (the public view).
//! - [`remote`]: the protocol's calls as a trait, so the device engine does not care what
//!   carries them (HTTP, or the server's rules in process).

pub mod checksum;
pub mod clock;
pub mod merge;
#[cfg(feature = "wire")]
pub mod pack;
pub mod protocol;
pub mod remote;
pub mod view;
#[cfg(feature = "wire")]
pub mod wire;

pub use merge::{Conflict, EntityState, Version};
pub use protocol::{Entity, Op, WireChange};
pub use remote::{Remote, RemoteError};
