//! Real device stores and the real server store, in process: seeded random schedules of offline
//! edits (same field, different fields, delete vs edit), reports and visits, with pushes whose
//! acknowledgement is lost (so they are sent again), pulls in random page sizes and replayed pages.
//! After the network heals every device shows the same places, reports and visits, and its region
//! checksums equal the server's. 1,000 schedules by default; RIDERMAP_LONG=1 for 10,000. On the
//! embedded SQLite server store and on PostgreSQL.

use std::collections::BTreeMap;

use chrono::Utc;
use rand::{Rng, SeedableRng, rngs::StdRng};
use ridermap_core::{Grid, Id, Outcome, Place, PlaceKind, Role, Service, Stamp, StatusReport, Visit};
use ridermap_server::{Account, Db};
use ridermap_store::{Actor, Store};
use ridermap_sync::protocol::{PROTOCOL_VERSION, PullRequest, PushStatus};

struct Device {
    store: Store,
    cursors: BTreeMap<String, i64>,
}

fn push(d: &mut Device, db: &Db, account: &Account, rng: &mut StdRng) {
    let batch = d.store.outbox(rng.random_range(1..20)).unwrap();
    if batch.is_empty() {
        return;
    }
    let sent: BTreeMap<Id, _> = batch.iter().map(|c| (c.id, c.hlc)).collect();
    let results = db.push(account, &batch).unwrap();
    if rng.random_bool(0.3) {
        return; // the answer is lost: these go again next time
    }
    let mut acked = vec![];
    for r in results {
        match r.status {
            PushStatus::Applied | PushStatus::Duplicate => {
                if sent[&r.id] != r.hlc {
                    d.store.restamp(r.id, r.hlc).unwrap();
                }
                acked.push(r.id);
            }
            PushStatus::Refused => d.store.refuse(r.id, r.reason.as_deref().unwrap_or("")).unwrap(),
        }
    }
    d.store.ack(&acked).unwrap();
}

fn pull(d: &mut Device, db: &Db, account: &Account, rng: &mut StdRng) -> bool {
    let req = PullRequest {
        protocol: PROTOCOL_VERSION,
        cursors: d.cursors.clone(),
        regions: None,
        bbox: None,
        limit: rng.random_range(1..6),
    };
    let page = db.pull(account, &req).unwrap();
    let cursor = serde_json::to_string(&page.cursors).unwrap();
    d.store.apply_remote(&page.changes, Some(&cursor)).unwrap();
    if rng.random_bool(0.9) {
        d.cursors = page.cursors; // else: as if the device crashed before keeping the cursor
    }
    page.more
}

fn schedule(seed: u64, db: &Db) {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = rng.random_range(2..=3);
    let mut devices: Vec<(Device, Account)> = (0..n)
        .map(|_| {
            let code = db.create_invite(Role::Admin, &[], &[]).unwrap();
            let mut store = Store::open_in_memory().unwrap();
            let login = db.login(&code, store.device_id()).unwrap();
            let account = db.account(&login.token).unwrap().unwrap();
            store.set_setting("unused", "").unwrap();
            (Device { store, cursors: BTreeMap::new() }, account)
        })
        .collect();
    let actor = Actor::default();
    // Shared starting point: a grid, two gates and a rest stop, made on device 0 and synced.
    let grid = Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() };
    devices[0].0.store.put_grid(&grid, &actor).unwrap();
    let mut places = vec![];
    for (kind, name) in [(PlaceKind::Entrance, "1号门"), (PlaceKind::Entrance, "2号门"), (PlaceKind::RestStop, "驿站")]
    {
        let mut p = Place::new(kind, name, 31.33, 121.53);
        p.grid = Some("g1".into());
        devices[0].0.store.put_place(&p, &actor).unwrap();
        places.push(p);
    }
    for (d, a) in devices.iter_mut() {
        while !d.store.outbox(1).unwrap().is_empty() {
            let batch = d.store.outbox(100).unwrap();
            db.push(a, &batch).unwrap();
            d.store.ack(&batch.iter().map(|c| c.id).collect::<Vec<_>>()).unwrap();
        }
        while pull(d, db, a, &mut StdRng::seed_from_u64(0)) {}
    }
    for _ in 0..rng.random_range(5..25) {
        let i = rng.random_range(0..n);
        let (d, a) = &mut devices[i];
        match rng.random_range(0..10) {
            0..=3 => {
                let p = &places[rng.random_range(0..2)];
                let field = ["name", "opening_hours", "ebike"][rng.random_range(0..3)];
                let value = match field {
                    "name" => format!("门{}", rng.random_range(0..5)),
                    "opening_hours" => ["24/7", "06:00-22:00", "07:00-19:00"][rng.random_range(0..3)].to_string(),
                    _ => ["allowed", "push", "refused"][rng.random_range(0..3)].to_string(),
                };
                let _ = d.store.edit_place(p.id, &[(field.into(), value)], &actor); // may be deleted here
            }
            4 => {
                if rng.random_bool(0.3) {
                    let _ = d.store.delete_place(places[rng.random_range(0..2)].id, &actor);
                }
            }
            5 => {
                let mut r = StatusReport::new(Outcome::Refused, 31.33, 121.53, Utc::now());
                r.target = Some(places[rng.random_range(0..2)].id);
                let _ = d.store.add_report(&r, &actor);
            }
            6 => {
                let v = Visit {
                    id: Id::new(),
                    station: places[2].id,
                    at: Utc::now(),
                    headcount: rng.random_range(1..5),
                    services: vec![Service::HotWater],
                    supplies: vec![],
                    station_open: Some(true),
                    note: None,
                    volunteer: None,
                    created_at: Utc::now(),
                };
                d.store.add_visit(&v, &actor).unwrap();
            }
            7 | 8 => push(d, db, a, &mut rng),
            _ => {
                pull(d, db, a, &mut rng);
            }
        }
    }
    // The network heals.
    for (d, a) in devices.iter_mut() {
        while d.store.pending_count().unwrap() > 0 {
            push(d, db, a, &mut rng);
        }
    }
    let mut checksums = BTreeMap::new();
    for (d, a) in devices.iter_mut() {
        loop {
            let more = pull(d, db, a, &mut rng);
            if !more
                && db
                    .pull(
                        a,
                        &PullRequest {
                            protocol: PROTOCOL_VERSION,
                            cursors: d.cursors.clone(),
                            regions: None,
                            bbox: None,
                            limit: 1,
                        },
                    )
                    .unwrap()
                    .changes
                    .is_empty()
            {
                break;
            }
        }
        let last = db
            .pull(
                a,
                &PullRequest {
                    protocol: PROTOCOL_VERSION,
                    cursors: d.cursors.clone(),
                    regions: None,
                    bbox: None,
                    limit: 1,
                },
            )
            .unwrap();
        checksums = last.checksums;
    }
    let shown = |s: &Store| {
        let since = Utc::now() - chrono::Duration::days(1);
        let mut reports: Vec<_> =
            places.iter().flat_map(|p| s.reports_for(p.id, since).unwrap()).map(|r| r.id).collect();
        reports.sort();
        let visits = s.visits(places[2].id, since, Utc::now() + chrono::Duration::days(1)).unwrap().len();
        format!("{}\n{reports:?}\n{visits}", serde_json::to_string(&s.places(None).unwrap()).unwrap())
    };
    let first = shown(&devices[0].0.store);
    for (d, _) in &devices {
        assert_eq!(shown(&d.store), first, "seed {seed}: devices differ");
        for (region, sum) in &checksums {
            assert_eq!(&d.store.region_checksum(region).unwrap(), sum, "seed {seed}: region {region}");
        }
    }
}

#[test]
fn devices_and_server_converge_under_random_schedules() {
    let n = if std::env::var_os("RIDERMAP_LONG").is_some() { 10_000 } else { 1_000 };
    for seed in 0..n {
        schedule(seed, &Db::open_in_memory().unwrap());
    }
}

/// The same schedules on PostgreSQL: one scratch database, emptied between schedules.
#[test]
fn devices_and_postgres_converge_under_random_schedules() {
    if !ridermap_server::scratch::postgres_configured() {
        return;
    }
    let n = if std::env::var_os("RIDERMAP_LONG").is_some() { 10_000 } else { 1_000 };
    let pg = ridermap_server::scratch::ScratchDb::create().unwrap();
    let db = pg.open().unwrap();
    for seed in 0..n {
        pg.reset().unwrap();
        schedule(seed, &db);
    }
}
