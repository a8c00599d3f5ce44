//! Photos on the device, named by the SHA-256 of their bytes. A photo is written before the record
//! that names it, in the same way as any other write; sync uploads it before pushing that record
//! and fetches the photos that pulled records name.

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Result, Store};

/// The content address of `bytes`: SHA-256, 64 lowercase hex digits.
pub fn content_address(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Keep `bytes` and return their content address. `uploaded`: the server already holds them
    /// (they came from it).
    pub fn put_blob(&mut self, bytes: &[u8], uploaded: bool) -> Result<String> {
        let hash = content_address(bytes);
        self.conn.execute(
            "INSERT INTO blobs(hash, bytes, uploaded, created_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(hash) DO UPDATE SET uploaded = max(uploaded, excluded.uploaded)",
            params![hash, bytes, uploaded as i64, chrono::Utc::now().timestamp_millis()],
        )?;
        Ok(hash)
    }

    pub fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.query_row("SELECT bytes FROM blobs WHERE hash = ?1", [hash], |r| r.get(0)).optional()?)
    }

    pub fn has_blob(&self, hash: &str) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1")?.exists([hash])?)
    }

    /// Those of `hashes` held here and not yet uploaded.
    pub fn blobs_to_upload(&self, hashes: &[String]) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1 AND uploaded = 0")?;
        let mut out = vec![];
        for h in hashes {
            if stmt.exists([h])? && !out.contains(h) {
                out.push(h.clone());
            }
        }
        Ok(out)
    }

    /// Up to `limit` photos that reports or places here name and that are not kept here.
    pub fn missing_photos(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(MISSING_PHOTOS)?;
        Ok(stmt.query_map([limit as i64], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    }

    pub fn mark_uploaded(&mut self, hash: &str) -> Result<()> {
        self.conn.execute("UPDATE blobs SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    }
}

/// Photos named by records and not kept: read through the partial indexes on `$.photo`, so a
/// city's records are not scanned at every sync.
const MISSING_PHOTOS: &str = "SELECT DISTINCT photo FROM (
         SELECT json_extract(doc, '$.photo') AS photo FROM reports WHERE json_extract(doc, '$.photo') IS NOT NULL
         UNION ALL
         SELECT json_extract(doc, '$.photo') FROM places WHERE json_extract(doc, '$.photo') IS NOT NULL
     ) WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE hash = photo) LIMIT ?1";

#[cfg(test)]
mod tests {
    use super::MISSING_PHOTOS;
    use crate::Store;

    #[test]
    fn photos_are_kept_once_by_content() {
        let mut s = Store::open_in_memory().unwrap();
        let a = s.put_blob(b"test", false).unwrap();
        assert_eq!(a, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_eq!(s.put_blob(b"test", false).unwrap(), a);
        assert_eq!(s.blobs_to_upload(&[a.clone(), "0".repeat(64)]).unwrap(), vec![a.clone()]);
        s.mark_uploaded(&a).unwrap();
        assert!(s.blobs_to_upload(std::slice::from_ref(&a)).unwrap().is_empty());
        // Arriving again from the server does not make it pending again.
        s.put_blob(b"test", false).unwrap();
        assert!(s.blobs_to_upload(std::slice::from_ref(&a)).unwrap().is_empty());
        assert_eq!(s.blob(&a).unwrap().unwrap(), b"test");
    }

    #[test]
    fn missing_photos_are_found_through_the_index() {
        let s = Store::open_in_memory().unwrap();
        // The very statement `missing_photos` runs.
        let plan: String = s
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {MISSING_PHOTOS}"))
            .unwrap()
            .query_map([10], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .join(" | ");
        for index in ["places_photo", "reports_photo", "blobs"] {
            assert!(plan.contains(index), "{index} not used: {plan}");
        }
        let tables: Vec<&str> = plan.split(" | ").filter(|l| l.contains(" places") || l.contains(" reports")).collect();
        assert_eq!(tables.len(), 2, "{plan}");
        assert!(tables.iter().all(|l| l.contains("USING COVERING INDEX")), "no record is read whole: {plan}");
    }
}
