//! The device engine that ships (`sync_with`: the planner plus the round driver) against the
//! server's own rules in process, through a remote that loses requests, loses answers, delivers
//! pushes twice or late (out of order with their retries), shrinks pages and replays old ones.
//! Seeded schedules of two grid workers, a rider and a volunteer writing offline, some of it
//! refused by role. When the network heals: every write the server accepted is on the server and
//! on every device that follows its region, every refused one is on its device with the reason,
//! every device's checksums equal the server's, and devices show the same places.
//!
//! 1,000 schedules on the embedded SQLite server store and 250 on PostgreSQL (when
//! `RIDERMAP_TEST_PG` is set); `RIDERMAP_LONG=1` for 10,000 on each.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use chrono::Utc;
use rand::{Rng, SeedableRng, rngs::StdRng};
use ridermap_core::{Grid, Id, Outcome, Place, PlaceKind, Role, Stamp, StationService, StatusReport, Visit};
use ridermap_device::{Checksums, SyncError, login_with, sync_with};
use ridermap_server::{Db, InProcess};
use ridermap_store::{Actor, Store};
use ridermap_sync::{
    protocol::{BlobsMissing, LoginRequest, LoginResponse, PullRequest, PullResponse, PushRequest, PushResponse},
    remote::{Answer, Remote, RemoteError},
};

/// A network that misbehaves, deterministically for a seed.
struct Faulty {
    server: InProcess,
    rng: Mutex<StdRng>,
    /// Pushes delivered late: the device was told they were lost, and sent them again.
    late: Mutex<Vec<(String, PushRequest)>>,
    /// Pages already answered, per token, to answer again (a replayed response).
    pages: Mutex<BTreeMap<String, Vec<PullResponse>>>,
}

fn lost(what: &str) -> RemoteError {
    RemoteError::Unreachable(format!("{what} lost on the way"))
}

impl Faulty {
    fn new(server: InProcess, seed: u64) -> Faulty {
        Faulty { server, rng: Mutex::new(StdRng::seed_from_u64(seed)), late: Mutex::default(), pages: Mutex::default() }
    }

    fn roll(&self, n: u32) -> u32 {
        self.rng.lock().unwrap().random_range(0..n)
    }

    /// Deliver the pushes held back, in a random order; the answers go nowhere.
    fn deliver_late(&self) {
        let mut late = std::mem::take(&mut *self.late.lock().unwrap());
        while !late.is_empty() {
            let (token, req) = late.swap_remove(self.roll(late.len() as u32) as usize);
            self.server.push(&token, &req).expect("a late push is still a valid push");
        }
    }
}

impl Remote for Faulty {
    fn login(&self, req: &LoginRequest) -> Answer<LoginResponse> {
        self.server.login(req)
    }

    fn push(&self, token: &str, req: &PushRequest) -> Answer<PushResponse> {
        match self.roll(10) {
            0 => Err(lost("the push")),
            1 => {
                self.server.push(token, req)?;
                Err(lost("the answer"))
            }
            2 => {
                self.late.lock().unwrap().push((token.to_string(), req.clone()));
                Err(lost("the push (for now)"))
            }
            3 => {
                self.server.push(token, req)?;
                self.server.push(token, req)
            }
            _ => {
                if self.roll(2) == 0 {
                    self.deliver_late();
                }
                self.server.push(token, req)
            }
        }
    }

    fn pull(&self, token: &str, req: &PullRequest) -> Answer<PullResponse> {
        match self.roll(10) {
            0 => Err(lost("the pull")),
            1 => {
                self.server.pull(token, req)?;
                Err(lost("the page"))
            }
            2 => {
                // An old page again (its changes are known, its cursors point back): nothing may change.
                let old = self.pages.lock().unwrap().get(token).and_then(|p| p.last().cloned());
                match old {
                    Some(page) => Ok(page),
                    None => self.server.pull(token, req),
                }
            }
            _ => {
                let mut small = req.clone();
                small.limit = 1 + self.roll(5) as usize;
                let page = self.server.pull(token, &small)?;
                let mut all = self.pages.lock().unwrap();
                let pages = all.entry(token.to_string()).or_default();
                pages.push(page.clone());
                if pages.len() > 4 {
                    pages.remove(0);
                }
                Ok(page)
            }
        }
    }

    fn missing_blobs(&self, token: &str, req: &BlobsMissing) -> Answer<BlobsMissing> {
        self.server.missing_blobs(token, req)
    }

    fn put_blob(&self, token: &str, hash: &str, bytes: &[u8]) -> Answer<()> {
        self.server.put_blob(token, hash, bytes)
    }

    fn get_blob(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        self.server.get_blob(token, hash)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Worker,
    Rider,
    Volunteer,
}

struct Device {
    who: Who,
    store: Store,
}

/// What the server must decide about one change, and, when it refuses, words its reason holds.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Accepted,
    Refused(&'static str),
}

struct World {
    _dir: tempfile::TempDir,
    server: InProcess,
    db: Db,
    auditor: Store,
    devices: Vec<Device>,
    /// gates 0, 1 in grid g1; gate 2 in g2; stations 3 (the volunteer's) and 4, in g1.
    places: Vec<Place>,
}

fn enrol(db: &Db, server: &InProcess, path: std::path::PathBuf, role: Role, grids: &[&str], stations: &[Id]) -> Store {
    let grids: Vec<String> = grids.iter().map(|g| g.to_string()).collect();
    let code = db.create_invite(role, &grids, stations).unwrap();
    let mut store = Store::open(path).unwrap();
    login_with(&mut store, server, "in-process", &code).unwrap();
    store
}

fn world(db: Db) -> World {
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::new(db.clone());
    let mut admin = enrol(&db, &server, dir.path().join("admin.sqlite"), Role::Admin, &[], &[]);
    let actor = Actor::default();
    let mut places = vec![];
    for (code, name) in [("g1", "一网格"), ("g2", "二网格")] {
        admin
            .put_grid(&Grid { id: Id::new(), code: code.into(), name: name.into(), stamp: Stamp::now() }, &actor)
            .unwrap();
    }
    for (kind, name, grid) in [
        (PlaceKind::Entrance, "1号门", "g1"),
        (PlaceKind::Entrance, "2号门", "g1"),
        (PlaceKind::Entrance, "3号门", "g2"),
        (PlaceKind::RestStop, "驿站甲", "g1"),
        (PlaceKind::RestStop, "驿站乙", "g1"),
    ] {
        let mut p = Place::new(kind, name, 31.33, 121.53);
        p.grid = Some(grid.into());
        admin.put_place(&p, &actor).unwrap();
        places.push(p);
    }
    sync_with(&mut admin, &server, Checksums::Skip).unwrap();
    let mut devices = vec![];
    for (i, who) in [Who::Worker, Who::Worker, Who::Rider, Who::Volunteer].into_iter().enumerate() {
        let path = dir.path().join(format!("device{i}.sqlite"));
        let mut store = match who {
            Who::Worker => enrol(&db, &server, path, Role::GridWorker, &["g1"], &[]),
            Who::Rider => enrol(&db, &server, path, Role::Rider, &[], &[]),
            Who::Volunteer => enrol(&db, &server, path, Role::Volunteer, &[], &[places[3].id]),
        };
        sync_with(&mut store, &server, Checksums::Skip).unwrap();
        devices.push(Device { who, store });
    }
    World { _dir: dir, server, db, auditor: admin, devices, places }
}

/// The change ids `store` logged since `seq`.
fn logged_since(store: &Store, seq: i64) -> Vec<Id> {
    store.changes_since(seq, 1000).unwrap().into_iter().map(|c| c.id).collect()
}

/// One offline write by device `d`; the changes it logged and what the server must say of them.
fn write(w: &mut World, d: usize, rng: &mut StdRng) -> Vec<(Id, Verdict)> {
    let actor = Actor::default();
    let places = w.places.clone();
    let dev = &mut w.devices[d];
    let before = dev.store.last_change_seq().unwrap();
    // Setting a field to the value it has already changes nothing, so logs nothing.
    let mut may_change_nothing = false;
    let verdict = match (dev.who, rng.random_range(0..4)) {
        (Who::Worker, 0) => {
            // A grid of their own making: refused (admins open grids).
            let g = Grid { id: Id::new(), code: format!("w{before}"), name: "自建".into(), stamp: Stamp::now() };
            dev.store.put_grid(&g, &actor).unwrap();
            Verdict::Refused("only in their own grids")
        }
        (Who::Worker, 1) => {
            // Review a report of the grid, when one has arrived.
            let queue = dev.store.review_queue(Some("g1")).unwrap();
            let Some(r) = queue.first() else { return vec![] };
            let accept = rng.random_bool(0.5);
            dev.store.resolve_report(r.id, accept, (!accept).then_some("现场核实正常"), &actor).unwrap();
            Verdict::Accepted
        }
        (Who::Worker, _) => {
            let p = &places[rng.random_range(0..2)];
            let edited = if rng.random_bool(0.1) {
                dev.store.delete_place(p.id, &actor)
            } else {
                let field = ["name", "opening_hours", "ebike"][rng.random_range(0..3)];
                let value = match field {
                    "name" => format!("门{}", rng.random_range(0..5)),
                    "opening_hours" => ["24/7", "06:00-22:00", "07:00-19:00"][rng.random_range(0..3)].to_string(),
                    _ => ["allowed", "push", "refused"][rng.random_range(0..3)].to_string(),
                };
                may_change_nothing = true;
                dev.store.edit_place(p.id, &[(field.into(), value)], &actor).map(|_| ())
            };
            match edited {
                Ok(()) => Verdict::Accepted,
                // Deleted here already (by this worker, or pulled from the other).
                Err(ridermap_store::Error::NotFound(_)) => return vec![],
                Err(e) => panic!("a grid worker's edit failed: {e}"),
            }
        }
        (Who::Rider, 0) => match dev.store.edit_place(places[0].id, &[("name".into(), "骑手改名".into())], &actor) {
            Ok(_) => {
                may_change_nothing = true;
                Verdict::Refused("only grid workers change places")
            }
            Err(ridermap_store::Error::NotFound(_)) => return vec![],
            Err(e) => panic!("a rider's edit failed: {e}"),
        },
        (Who::Rider, _) => {
            let outcome = [Outcome::Refused, Outcome::GotIn, Outcome::Closed][rng.random_range(0..3)];
            let mut r = StatusReport::new(outcome, 31.33, 121.53, Utc::now());
            r.target = Some(places[rng.random_range(0..3)].id);
            match dev.store.add_report(&r, &actor) {
                Ok(_) => Verdict::Accepted,
                Err(ridermap_store::Error::NotFound(_)) => return vec![],
                Err(e) => panic!("a rider's report failed: {e}"),
            }
        }
        (Who::Volunteer, n) => {
            let (station, verdict) = match n {
                0 => (&places[4], Verdict::Refused("only at their own stations")),
                _ => (&places[3], Verdict::Accepted),
            };
            let v = Visit {
                id: Id::new(),
                station: station.id,
                at: Utc::now(),
                headcount: rng.random_range(1..5),
                services: vec![StationService::HotWater],
                supplies: vec![],
                station_open: Some(true),
                note: None,
                volunteer: None,
                created_at: Utc::now(),
            };
            dev.store.add_visit(&v, &actor).unwrap();
            verdict
        }
    };
    let ids = logged_since(&dev.store, before);
    assert!(!ids.is_empty() || may_change_nothing, "a write logs its change");
    ids.into_iter().map(|id| (id, verdict.clone())).collect()
}

/// What a device shows of the places it may read.
fn shown(store: &Store, places: &[Place], reads_g2: bool) -> Vec<Option<String>> {
    places
        .iter()
        .filter(|p| reads_g2 || p.grid.as_deref() != Some("g2"))
        .map(|p| store.place(p.id).unwrap().map(|p| serde_json::to_string(&p).unwrap()))
        .collect()
}

/// Runs one schedule; what the server was expected to decide, for the run's totals.
fn schedule(seed: u64, db: Db) -> Vec<Verdict> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = world(db);
    let net = Faulty::new(w.server.clone(), seed);
    let mut expected: BTreeMap<Id, Verdict> = BTreeMap::new();
    for _ in 0..rng.random_range(5..30) {
        let d = rng.random_range(0..w.devices.len());
        if rng.random_bool(0.6) {
            expected.extend(write(&mut w, d, &mut rng));
        } else {
            match sync_with(&mut w.devices[d].store, &net, Checksums::Skip) {
                Ok(_) | Err(SyncError::Offline(_)) => {}
                Err(e) => panic!("seed {seed}: a round failed other than by the network: {e}"),
            }
        }
    }
    // The network heals; what was held back arrives too.
    net.deliver_late();
    for _ in 0..2 {
        for d in &mut w.devices {
            sync_with(&mut d.store, &w.server, Checksums::Skip).unwrap();
        }
    }
    let audit = sync_with(&mut w.auditor, &w.server, Checksums::Verify).unwrap();
    assert!(
        !audit.verified.is_empty() && audit.verified.values().all(|ok| *ok),
        "seed {seed}: the auditor differs: {audit:?}"
    );
    let on_server: BTreeSet<Id> = logged_since(&w.auditor, 0).into_iter().collect();
    for (d, dev) in w.devices.iter_mut().enumerate() {
        let r = sync_with(&mut dev.store, &w.server, Checksums::Verify).unwrap();
        assert!(!r.verified.is_empty(), "seed {seed}: device {d} compared no region");
        assert!(r.verified.values().all(|ok| *ok), "seed {seed}: device {d} differs from the server: {r:?}");
        assert_eq!(dev.store.pending_count().unwrap(), 0, "seed {seed}: device {d} still has pending changes");
        let refused: BTreeMap<Id, String> =
            dev.store.refused().unwrap().into_iter().map(|(c, why)| (c.id, why)).collect();
        let mine: Vec<Id> = logged_since(&dev.store, 0);
        for id in mine.iter().filter(|id| expected.contains_key(id)) {
            match &expected[id] {
                Verdict::Accepted => {
                    assert!(
                        on_server.contains(id),
                        "seed {seed}: accepted change {id} of device {d} is not on the server"
                    );
                    assert!(!refused.contains_key(id), "seed {seed}: change {id} was refused: {:?}", refused.get(id));
                }
                Verdict::Refused(words) => {
                    assert!(!on_server.contains(id), "seed {seed}: refused change {id} reached the server");
                    let why =
                        refused.get(id).unwrap_or_else(|| panic!("seed {seed}: change {id} is not shown as refused"));
                    assert!(why.contains(words), "seed {seed}: change {id} refused for `{why}`, not `{words}`");
                }
            }
        }
        let reads_g2 = dev.who != Who::Worker;
        assert_eq!(
            shown(&dev.store, &w.places, reads_g2),
            shown(&w.auditor, &w.places, reads_g2),
            "seed {seed}: device {d} shows other places than the server holds"
        );
    }
    // Every change expected was made by some device and judged.
    let judged = expected.keys().filter(|id| on_server.contains(id)).count()
        + w.devices.iter().map(|d| d.store.refused().unwrap().len()).sum::<usize>();
    assert_eq!(judged, expected.len(), "seed {seed}: some changes were neither accepted nor refused");
    assert_eq!(w.db.change_count().unwrap() as usize, on_server.len(), "seed {seed}: the auditor missed changes");
    expected.into_values().collect()
}

/// Over a run, every kind of decision was put to the test, many times.
fn check_totals(verdicts: &[Verdict]) {
    let count = |v: &Verdict| verdicts.iter().filter(|x| *x == v).count();
    for v in [
        Verdict::Accepted,
        Verdict::Refused("only grid workers change places"),
        Verdict::Refused("only in their own grids"),
        Verdict::Refused("only at their own stations"),
    ] {
        assert!(count(&v) >= verdicts.len() / 50, "{v:?}: {} of {}", count(&v), verdicts.len());
    }
}

fn long() -> bool {
    std::env::var("RIDERMAP_LONG").is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn the_shipped_engine_converges_through_a_faulty_network() {
    let n = if long() { 10_000 } else { 1_000 };
    let verdicts: Vec<Verdict> = (0..n).flat_map(|seed| schedule(seed, Db::open_in_memory().unwrap())).collect();
    check_totals(&verdicts);
}

/// The same schedules against PostgreSQL (the first 250; all 10,000 when long): one scratch
/// database, emptied between schedules.
#[test]
fn the_shipped_engine_converges_on_postgres() {
    if !ridermap_server::scratch::postgres_configured() {
        return;
    }
    let pg = ridermap_server::scratch::ScratchDb::create().unwrap();
    let db = pg.open().unwrap();
    let mut verdicts = vec![];
    for seed in 0..if long() { 10_000 } else { 250 } {
        pg.reset().unwrap();
        verdicts.extend(schedule(seed, db.clone()));
    }
    check_totals(&verdicts);
}
