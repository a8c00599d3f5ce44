//! The open feed at the cost of a cache hit. A feed's ETag names the sequences of the regions it
//! covers, so it is known without building the feed; a feed is built once per such version and
//! kept. The sequences themselves are read again after every push this server takes, and at most
//! once a second otherwise (another server on the same PostgreSQL may have taken one): between
//! those, a 304 or a cached feed costs no database work.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

use crate::{Db, DbError};

/// How long the region sequences are trusted without a push of this server's own.
const FRESH: Duration = Duration::from_secs(1);
/// Feeds kept (grid × bounding box); beyond it the cache starts over.
const MAX_FEEDS: usize = 256;

/// One feed, ready to send.
#[derive(Debug, Clone)]
pub struct Feed {
    pub etag: String,
    /// The GeoJSON FeatureCollection.
    pub body: Arc<String>,
}

#[derive(Default)]
pub(crate) struct FeedCache {
    /// Bumped by every push this server applies a change in.
    generation: u64,
    /// Region sequences, as read at `read_at` when the generation was `read_gen`.
    seqs: BTreeMap<String, i64>,
    read_at: Option<Instant>,
    read_gen: u64,
    feeds: HashMap<String, Feed>,
    stats: FeedStats,
}

/// What the feed cost so far: how often it read the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Feeds built from the places.
    pub builds: u64,
    /// Reads of the region sequences.
    pub sequence_reads: u64,
}

impl FeedCache {
    pub(crate) fn changed(&mut self) {
        self.generation += 1;
    }
}

pub(crate) type Shared = Arc<Mutex<FeedCache>>;

/// The cache key of a feed request.
fn key(grid: Option<&str>, bbox: Option<[f64; 4]>) -> String {
    let bbox = bbox.map(|b| b.map(f64::to_bits));
    format!("{grid:?}|{bbox:?}")
}

impl Db {
    /// The feed's ETag now: from the region sequences alone.
    pub fn feed_etag(&self, grid: Option<&str>, bbox: Option<[f64; 4]>) -> Result<String, DbError> {
        let seqs = self.feed_seqs()?;
        let version: Vec<(&String, &i64)> = match grid {
            Some(g) => seqs.iter().filter(|(r, _)| r.as_str() == g).collect(),
            None => seqs.iter().collect(),
        };
        let tag = Sha256::digest(format!("{}|{version:?}", key(grid, bbox)));
        Ok(format!("\"{}\"", crate::db::hex16(&tag)))
    }

    /// The feed of verified places of `grid` (or every grid) inside `bbox`, from the cache when
    /// nothing it covers has changed since it was built.
    pub fn feed_cached(&self, grid: Option<&str>, bbox: Option<[f64; 4]>) -> Result<Feed, DbError> {
        let etag = self.feed_etag(grid, bbox)?;
        let k = key(grid, bbox);
        if let Some(f) = self.feed_cache().lock().unwrap_or_else(|p| p.into_inner()).feeds.get(&k)
            && f.etag == etag
        {
            return Ok(f.clone());
        }
        let features = self.feed(grid, bbox)?;
        self.feed_cache().lock().unwrap_or_else(|p| p.into_inner()).stats.builds += 1;
        let body = serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
        let feed = Feed { etag, body: Arc::new(body) };
        let mut cache = self.feed_cache().lock().unwrap_or_else(|p| p.into_inner());
        if cache.feeds.len() >= MAX_FEEDS {
            cache.feeds.clear();
        }
        cache.feeds.insert(k, feed.clone());
        Ok(feed)
    }

    fn feed_seqs(&self) -> Result<BTreeMap<String, i64>, DbError> {
        let cache = self.feed_cache().lock().unwrap_or_else(|p| p.into_inner());
        let fresh = cache.read_at.is_some_and(|t| t.elapsed() < FRESH) && cache.read_gen == cache.generation;
        if fresh {
            return Ok(cache.seqs.clone());
        }
        let generation = cache.generation;
        drop(cache);
        let seqs: BTreeMap<String, i64> = self.region_seqs()?;
        let mut cache = self.feed_cache().lock().unwrap_or_else(|p| p.into_inner());
        cache.seqs = seqs.clone();
        cache.read_at = Some(Instant::now());
        cache.read_gen = generation;
        cache.stats.sequence_reads += 1;
        Ok(seqs)
    }

    /// How often the feed read the database.
    pub fn feed_stats(&self) -> FeedStats {
        self.feed_cache().lock().unwrap_or_else(|p| p.into_inner()).stats
    }
}
