//! Where the device keeps its sync token: the platform's keyring where one answers (the Keychain
//! on macOS, the Credential Manager on Windows, the Secret Service of a Linux desktop), else the
//! store, whose files only their user may read. The store always says which: a token that went
//! to the keyring is never also written to the store, and a keyring that stops answering is an
//! error, not a silent fallback to "not enrolled".

pub use ridermap_api::TokenVault as Vault;
use ridermap_store::Store;

use crate::{SyncError, TOKEN};

/// The store's pointer to the keyring entry that holds the token: `keyring:<entry>`.
pub(crate) const KEPT_IN: &str = "sync_token_in";
const SERVICE: &str = "ridermap-sync";

/// Where a new token went: the settings to write with the rest of an enrolment (in one
/// transaction), and the keyring entry of an earlier enrolment to forget once they are saved.
pub(crate) struct Kept {
    pub settings: Vec<(&'static str, String)>,
    pub earlier: Option<String>,
}

/// Keep `token`: in a new keyring entry when the platform has a keyring that answers, else in
/// the store.
pub(crate) fn keep(store: &Store, token: &str) -> Result<Kept, SyncError> {
    let earlier = entry_name(store)?;
    // A fresh entry per enrolment: two stores on one machine never share a token.
    let entry = format!("{}/{}", store.device_id(), ridermap_core::Id::new());
    let settings = match platform::set(&entry, token) {
        Ok(()) => vec![(KEPT_IN, format!("keyring:{entry}")), (TOKEN, String::new())],
        // No keyring here, or one that did not take it: the store (0600) keeps it, and says so.
        Err(_) => vec![(KEPT_IN, "store".into()), (TOKEN, token.to_string())],
    };
    Ok(Kept { settings, earlier })
}

/// Forget a keyring entry an earlier enrolment left (best effort: an entry that is already gone
/// or a keyring that went away leaves nothing to undo).
pub(crate) fn forget(entry: &str) {
    platform::delete(entry);
}

fn entry_name(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(store.setting(KEPT_IN)?.and_then(|v| v.strip_prefix("keyring:").map(str::to_string)))
}

/// Where the token is kept; None before enrolment.
pub fn kept_in(store: &Store) -> Result<Option<Vault>, SyncError> {
    if entry_name(store)?.is_some() {
        return Ok(Some(Vault::Keyring));
    }
    Ok(store.setting(TOKEN)?.filter(|t| !t.is_empty()).map(|_| Vault::Store))
}

/// This device's sync token, from wherever it is kept; None before enrolment.
pub fn token(store: &Store) -> Result<Option<String>, SyncError> {
    match entry_name(store)? {
        Some(entry) => platform::get(&entry).map(Some).map_err(|why| {
            SyncError::Keyring(format!(
                "the sync token is kept in this system's keyring, which did not give it: {why}; \
                 unlock the keyring, or log in again with a new invite"
            ))
        }),
        None => Ok(store.setting(TOKEN)?.filter(|t| !t.is_empty())),
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "macos", target_os = "windows"))]
mod platform {
    use super::SERVICE;

    pub fn set(entry: &str, token: &str) -> Result<(), String> {
        let e = keyring::Entry::new(SERVICE, entry).map_err(|e| e.to_string())?;
        e.set_password(token).map_err(|e| e.to_string())?;
        // Read back: a keyring that takes a secret and cannot give it back is no place for it.
        match e.get_password() {
            Ok(t) if t == token => Ok(()),
            Ok(_) => Err("the keyring gave back something else".into()),
            Err(err) => Err(err.to_string()),
        }
    }

    pub fn get(entry: &str) -> Result<String, String> {
        keyring::Entry::new(SERVICE, entry).and_then(|e| e.get_password()).map_err(|e| e.to_string())
    }

    pub fn delete(entry: &str) {
        if let Ok(e) = keyring::Entry::new(SERVICE, entry) {
            // Already gone is as good as deleted; a keyring that went away keeps a stale entry
            // nobody points at, which holds a revoked token.
            e.delete_credential().ok();
        }
    }
}

/// Platforms without a keyring the `keyring` crate reaches (Android): the store keeps the token.
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "macos", target_os = "windows")))]
mod platform {
    pub fn set(_: &str, _: &str) -> Result<(), String> {
        Err("this platform has no keyring".into())
    }

    pub fn get(_: &str) -> Result<String, String> {
        Err("this platform has no keyring".into())
    }

    pub fn delete(_: &str) {}
}
