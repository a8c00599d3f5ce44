//! Devices syncing with a real server on 127.0.0.1:0: enrolment, authorization by role, refusals
//! kept with their reason, reports and reviews travelling both ways, checksums that agree. Every
//! test runs on the embedded SQLite server store and on PostgreSQL (`RIDERMAP_TEST_PG`).

use std::thread;

use chrono::Utc;
use ridermap_core::{Grid, Id, Outcome, Place, PlaceKind, Role, Stamp, StatusReport};
use ridermap_device::{Checksums, SyncError, login, status, sync_once};
use ridermap_server::{Db, scratch::ScratchDb};
use ridermap_store::{Actor, Store};

struct Server {
    url: String,
    db: Db,
    _served: ridermap_server::scratch::Served,
    _dir: tempfile::TempDir,
    _pg: Option<ScratchDb>,
}

impl Server {
    fn start(backend: &str) -> Server {
        Server::start_with_bound(backend, ridermap_sync::clock::DEFAULT_BOUND_MS)
    }

    fn start_with_bound(backend: &str, bound_ms: i64) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (db, pg) = match backend {
            "sqlite" => (Db::open(dir.path().join("server.sqlite")).unwrap(), None),
            _ => {
                let pg = ScratchDb::create().unwrap();
                (pg.open().unwrap(), Some(pg))
            }
        };
        let served = ridermap_server::scratch::Served::start(db.with_clock_bound(bound_ms));
        Server { url: served.url.clone(), db: served.db.clone(), _served: served, _dir: dir, _pg: pg }
    }

    /// Grid `code` on the server, with a gate at (`lat`, `lon`): reports may then land in it.
    fn grid(&self, code: &str, lat: f64, lon: f64) -> Id {
        let mut worker = self.device(Role::GridWorker, &[code], &[]);
        let grid = Grid { id: Id::new(), code: code.into(), name: format!("{code} 网格"), stamp: Stamp::now() };
        worker.put_grid(&grid, &me("网格员")).unwrap();
        let mut gate = Place::new(PlaceKind::Entrance, "大门", lat, lon);
        gate.grid = Some(code.into());
        worker.put_place(&gate, &me("网格员")).unwrap();
        assert_eq!(sync_once(&mut worker, Checksums::Skip).unwrap().refused, 0);
        gate.id
    }

    fn device(&self, role: Role, grids: &[&str], stations: &[Id]) -> Store {
        let grids: Vec<String> = grids.iter().map(|g| g.to_string()).collect();
        let code = self.db.create_invite(role, &grids, stations).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        login(&mut store, &self.url, &code, None).unwrap();
        store
    }
}

/// Move a device's clock `ahead_ms` into the future, as if its wall clock were wrong: it sees a
/// change stamped that far ahead (in a region of its own, so no checksum is disturbed).
fn skew(store: &mut Store, ahead_ms: i64) {
    let hlc = ridermap_core::Hlc { ms: Utc::now().timestamp_millis() + ahead_ms, counter: 0 };
    let id = Id::new();
    let g = Grid { id, code: format!("clock-{}", hlc.ms), name: "时钟".into(), stamp: Stamp::now() };
    let serde_json::Value::Object(fields) = serde_json::to_value(&g).unwrap() else { unreachable!() };
    let c =
        ridermap_sync::WireChange::new(ridermap_sync::Entity::Grid, id, ridermap_sync::Op::Put, fields, hlc, "clock");
    store.apply_remote(&[c], None).unwrap();
}

/// Each test, once per server backend.
mod on_every_backend {
    ridermap_server::on_every_backend!(
        roles_decide_and_everyone_converges,
        grid_workers_keep_to_their_grids_and_tokens_can_be_revoked,
        a_retried_push_lands_once,
        the_open_feed_serves_verified_places_with_an_etag,
        the_feed_carries_a_compounds_rider_score_never_a_rating,
        a_device_a_day_ahead_cannot_beat_later_edits_by_more_than_the_bound,
        malformed_and_oversized_pushes_get_4xx_and_change_nothing,
        an_idle_pull_is_small_on_the_wire,
        concurrent_pushes_into_one_region_stay_gap_free,
        photos_travel_as_content_addressed_blobs,
        a_device_can_follow_a_bounding_box,
        a_device_cannot_claim_what_the_server_decides,
        tokens_expire_unless_used_and_a_lost_login_can_be_retried,
        a_rider_pulls_no_one_elses_name_or_device,
    );
}

fn me(name: &str) -> Actor {
    Actor { name: Some(name.into()) }
}

fn roles_decide_and_everyone_converges(backend: &str) {
    let server = Server::start(backend);
    let mut worker = server.device(Role::GridWorker, &["yinhang-1"], &[]);
    let mut rider = server.device(Role::Rider, &[], &[]);
    // The role the server gave at enrolment is kept: the app shows the screens it may use.
    assert_eq!(
        (status(&worker).unwrap().role, status(&rider).unwrap().role),
        (Some(Role::GridWorker), Some(Role::Rider))
    );

    worker
        .put_grid(
            &Grid { id: Id::new(), code: "yinhang-1".into(), name: "第一网格".into(), stamp: Stamp::now() },
            &me("王"),
        )
        .unwrap();
    let mut gate = Place::new(PlaceKind::Entrance, "1号门", 31.33, 121.53);
    gate.grid = Some("yinhang-1".into());
    worker.put_place(&gate, &me("王")).unwrap();
    let r = sync_once(&mut worker, Checksums::Skip).unwrap();
    assert_eq!((r.pushed, r.refused), (2, 0));
    assert_eq!(status(&worker).unwrap().pending, 0);

    sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!(rider.place(gate.id).unwrap().unwrap().name, "1号门");

    // A rider may not edit a place: the change comes back refused, with the reason, and stays visible.
    rider.edit_place(gate.id, &[("name".into(), "假门".into())], &me("骑手")).unwrap();
    let mut report = StatusReport::new(Outcome::Refused, 31.33, 121.53, Utc::now());
    report.target = Some(gate.id);
    rider.add_report(&report, &me("骑手")).unwrap();
    let r = sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!((r.pushed, r.refused), (1, 1));
    let refused = rider.refused().unwrap();
    assert_eq!(refused[0].1, "only grid workers change places");
    assert_eq!(status(&rider).unwrap().refused, 1);
    // The rider's device shows the server's name again, not the refused edit.
    assert_eq!(rider.place(gate.id).unwrap().unwrap().name, "1号门");

    // The worker sees the report and rejects it with a reason that travels back.
    sync_once(&mut worker, Checksums::Skip).unwrap();
    assert_eq!(worker.place(gate.id).unwrap().unwrap().name, "1号门");
    let queue = worker.review_queue(Some("yinhang-1")).unwrap();
    assert_eq!(queue.len(), 1);
    worker.resolve_report(queue[0].id, false, Some("门卫已说明：骑手可登记进入"), &me("王")).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    sync_once(&mut rider, Checksums::Skip).unwrap();
    let back = rider.report(report.id).unwrap().unwrap();
    assert_eq!(back.resolution.as_deref(), Some("门卫已说明：骑手可登记进入"));

    // Both hold exactly the server's state for every region.
    for store in [&mut worker, &mut rider] {
        let r = sync_once(store, Checksums::Verify).unwrap();

        assert!(!r.verified.is_empty() && r.verified.values().all(|ok| *ok), "{:?}", r.verified);
    }
    // Dismissing the refusal removes it from the list.
    rider.dismiss(refused[0].0.id).unwrap();
    assert_eq!(status(&rider).unwrap().refused, 0);
}

fn grid_workers_keep_to_their_grids_and_tokens_can_be_revoked(backend: &str) {
    let server = Server::start(backend);
    let mut one = server.device(Role::GridWorker, &["g1"], &[]);
    let mut two = server.device(Role::GridWorker, &["g2"], &[]);
    one.put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() }, &me("a")).unwrap();
    let mut p = Place::new(PlaceKind::Charger, "换电柜", 31.33, 121.53);
    p.grid = Some("g1".into());
    one.put_place(&p, &me("a")).unwrap();
    sync_once(&mut one, Checksums::Skip).unwrap();
    sync_once(&mut two, Checksums::Skip).unwrap();
    // g2's worker cannot read g1 ...
    assert!(two.place(p.id).unwrap().is_none());
    // ... nor write it, even knowing its id.
    two.put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "冒充".into(), stamp: Stamp::now() }, &me("b"))
        .unwrap();
    let r = sync_once(&mut two, Checksums::Skip).unwrap();
    assert_eq!(r.refused, 1);

    // A forged token is refused; so is a revoked one.
    let mut forged = Store::open_in_memory().unwrap();
    forged.set_setting("sync_server", &server.url).unwrap();
    forged.set_setting("sync_token", "0123456789abcdef0123456789abcdef").unwrap();
    match sync_once(&mut forged, Checksums::Skip) {
        Err(SyncError::Server(e)) => {
            assert_eq!(
                (e.message.as_str(), e.code),
                ("unknown or revoked token; log in again with a new invite", ridermap_core::ErrorCode::Unauthorized)
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(status(&forged).unwrap().last_error.unwrap().contains("unknown or revoked token"));
    let code = server.db.create_invite(Role::Rider, &[], &[]).unwrap();
    let mut s = Store::open_in_memory().unwrap();
    let acct = login(&mut s, &server.url, &code, None).unwrap().account;
    sync_once(&mut s, Checksums::Skip).unwrap();
    // Revoked per device: another device id revokes nothing, this one's its token.
    assert_eq!(server.db.revoke(acct, Some("another-device")).unwrap(), 0);
    assert_eq!(server.db.revoke(acct, Some(s.device_id())).unwrap(), 1);
    assert!(matches!(sync_once(&mut s, Checksums::Skip), Err(SyncError::Server(_))));
    // An invite works once: another device cannot use it again.
    assert!(matches!(
        login(&mut Store::open_in_memory().unwrap(), &server.url, &code, None),
        Err(SyncError::Server(_))
    ));
}

fn a_retried_push_lands_once(backend: &str) {
    let server = Server::start(backend);
    let mut rider = server.device(Role::Rider, &[], &[]);
    let report = StatusReport::new(Outcome::Hazard, 31.33, 121.53, Utc::now());
    rider.add_report(&report, &me("骑手")).unwrap();
    let outbox = rider.outbox(10).unwrap();
    // The first push lands but its answer is lost: the device still has it in its outbox.
    let account = server.db.account(&ridermap_device::token(&rider).unwrap().unwrap()).unwrap().unwrap();
    let before = server.db.change_count().unwrap();
    let first = server.db.push(&account, &outbox).unwrap();
    assert_eq!(first[0].status, ridermap_sync::protocol::PushStatus::Applied);
    assert_eq!(server.db.change_count().unwrap(), before + 1);
    let r = sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!((r.pushed, rider.pending_count().unwrap()), (1, 0), "the retry settles the device's outbox");
    assert_eq!(server.db.change_count().unwrap(), before + 1, "and lands nothing twice on the server");
}

fn the_open_feed_serves_verified_places_with_an_etag(backend: &str) {
    let server = Server::start(backend);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    worker
        .put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() }, &me("王"))
        .unwrap();
    let mut checked = Place::new(PlaceKind::Charger, "已核实换电柜", 31.33, 121.53);
    checked.grid = Some("g1".into());
    worker.put_place(&checked, &me("王")).unwrap();
    worker.verify_place(checked.id, &me("王")).unwrap();
    let mut unchecked = Place::new(PlaceKind::Charger, "未核实换电柜", 31.34, 121.54);
    unchecked.grid = Some("g1".into());
    worker.put_place(&unchecked, &me("王")).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut res = agent.get(&format!("{}/v1/feed?grid=g1", server.url)).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let etag = res.headers().get("etag").unwrap().to_str().unwrap().to_string();
    let body: serde_json::Value = res.body_mut().read_json().unwrap();
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["properties"]["name"], "已核实换电柜");
    assert!(features[0]["properties"].get("updated_by").is_none(), "no personal data in the feed");
    let again = agent.get(&format!("{}/v1/feed?grid=g1", server.url)).header("If-None-Match", &etag).call().unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // Built once: many asking (with or without the ETag) cost no more database work than one.
    let before = server.db.feed_stats();
    for i in 0..30 {
        let mut req = agent.get(&format!("{}/v1/feed?grid=g1", server.url));
        if i % 2 == 0 {
            req = req.header("If-None-Match", &etag);
        }
        let status = req.call().unwrap().status().as_u16();
        assert_eq!(status, if i % 2 == 0 { 304 } else { 200 });
    }
    let after = server.db.feed_stats();
    assert_eq!(after.builds, before.builds, "served from the cache");
    assert!(after.sequence_reads - before.sequence_reads <= 1, "{before:?} → {after:?}: read at most once a second");
    // A change to the grid: a new ETag, and the feed is built again, once.
    worker.edit_place(checked.id, &[("name".into(), "东门换电柜".into())], &me("王")).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let mut res = agent.get(&format!("{}/v1/feed?grid=g1", server.url)).header("If-None-Match", &etag).call().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_ne!(res.headers().get("etag").unwrap().to_str().unwrap(), etag);
    let body: serde_json::Value = res.body_mut().read_json().unwrap();
    assert_eq!(body["features"][0]["properties"]["name"], "东门换电柜");
    assert_eq!(server.db.feed_stats().builds, after.builds + 1);
    let outside = agent
        .get(&format!("{}/v1/feed?bbox=0,0,1,1", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json::<serde_json::Value>()
        .unwrap();
    assert_eq!(outside["features"].as_array().unwrap().len(), 0);
    let bad = agent.get(&format!("{}/v1/feed?bbox=1,2,3", server.url)).call().unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

fn the_feed_carries_a_compounds_rider_score_never_a_rating(backend: &str) {
    let server = Server::start(backend);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    worker
        .put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() }, &me("王"))
        .unwrap();
    let mut compound = Place::new(PlaceKind::Compound, "评分村", 31.33, 121.53);
    compound.grid = Some("g1".into());
    worker.put_place(&compound, &me("王")).unwrap();
    worker.verify_place(compound.id, &me("王")).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let rate = |store: &mut Store, good: bool| {
        let mut r = StatusReport::new(Outcome::Rated, 31.33, 121.53, Utc::now());
        r.target = Some(compound.id);
        r.ratings = vec![
            ridermap_core::Rating { indicator: ridermap_core::Indicator::EbikeIn, good },
            ridermap_core::Rating { indicator: ridermap_core::Indicator::Parking, good: true },
        ];
        store.add_report(&r, &me("某")).unwrap();
        sync_once(store, Checksums::Skip).unwrap();
    };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let feed = |agent: &ureq::Agent| -> serde_json::Value {
        agent.get(&format!("{}/v1/feed?grid=g1", server.url)).call().unwrap().body_mut().read_json().unwrap()
    };
    // Three riders' devices (accounts of their own), each with the compound pulled.
    let mut riders: Vec<Store> = (0..3).map(|_| server.device(Role::GridWorker, &["g1"], &[])).collect();
    for r in &mut riders {
        sync_once(r, Checksums::Skip).unwrap();
    }
    rate(&mut riders[0], true);
    rate(&mut riders[1], false);
    // One rider rating again counts once (the server says who reported).
    rate(&mut riders[1], false);
    let two = feed(&agent);
    assert_eq!(two["features"].as_array().unwrap().len(), 1, "{two}");
    assert!(
        two["features"][0]["properties"].get("rider_score").is_none(),
        "two riders would say what each said: {two}"
    );
    rate(&mut riders[2], false);
    let three = feed(&agent);
    let score = &three["features"][0]["properties"]["rider_score"];
    assert_eq!(score["ratings"], 3, "{three}");
    assert_eq!(score["shares"]["ebike_in"], 0.33);
    assert_eq!(score["shares"]["parking"], 1.0);
    assert_eq!(score["overall"], 0.67);
    assert_eq!(three["features"].as_array().unwrap().len(), 1, "ratings are no features of their own");
    assert!(!three.to_string().contains("\"good\""), "no single rating in the feed: {three}");
}

fn a_device_a_day_ahead_cannot_beat_later_edits_by_more_than_the_bound(backend: &str) {
    // A 1 s bound keeps the test short; the default is 60 s.
    let server = Server::start_with_bound(backend, 1_000);
    let mut ahead = server.device(Role::GridWorker, &["g1"], &[]);
    let mut later = server.device(Role::GridWorker, &["g1"], &[]);
    ahead
        .put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() }, &me("a"))
        .unwrap();
    let mut gate = Place::new(PlaceKind::Entrance, "1号门", 31.33, 121.53);
    gate.grid = Some("g1".into());
    ahead.put_place(&gate, &me("a")).unwrap();
    sync_once(&mut ahead, Checksums::Skip).unwrap();
    sync_once(&mut later, Checksums::Skip).unwrap();

    skew(&mut ahead, 24 * 3_600_000);
    ahead.edit_place(gate.id, &[("name".into(), "快钟门".into())], &me("a")).unwrap();
    sync_once(&mut ahead, Checksums::Skip).unwrap();
    // An edit made 5 s later (beyond the bound) wins, although the first device's clock said a day later.
    skew(&mut later, 5_000);
    later.edit_place(gate.id, &[("name".into(), "正门".into())], &me("b")).unwrap();
    sync_once(&mut later, Checksums::Skip).unwrap();
    sync_once(&mut ahead, Checksums::Verify).unwrap();
    let r = sync_once(&mut later, Checksums::Verify).unwrap();
    assert!(!r.verified.is_empty() && r.verified.values().all(|ok| *ok), "{:?}", r.verified);
    assert_eq!(later.place(gate.id).unwrap().unwrap().name, "正门");
    assert_eq!(ahead.place(gate.id).unwrap().unwrap().name, "正门", "the fast device re-stamped its own edit");
    let r = sync_once(&mut ahead, Checksums::Verify).unwrap();
    assert!(!r.verified.is_empty() && r.verified.values().all(|ok| *ok), "{:?}", r.verified);
}

fn malformed_and_oversized_pushes_get_4xx_and_change_nothing(backend: &str) {
    let server = Server::start(backend);
    let rider = server.device(Role::Rider, &[], &[]);
    let token = ridermap_device::token(&rider).unwrap().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let post = |body: &[u8], gzip: bool| {
        let mut req =
            agent.post(&format!("{}/v1/push", server.url)).header("Authorization", &format!("Bearer {token}"));
        if gzip {
            req = req.header("Content-Encoding", "gzip");
        }
        let mut res = req.send(body).unwrap();
        let status = res.status().as_u16();
        let body: serde_json::Value = res.body_mut().read_json().unwrap_or_default();
        (status, body["code"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(post(b"{not json", false), (400, "malformed".to_string()));
    assert_eq!(post(b"\x1f\x8b garbage", true), (400, "malformed".to_string()));
    let change = rider.outbox(1).unwrap();
    assert!(change.is_empty());
    let mut r = StatusReport::new(Outcome::Hazard, 31.33, 121.53, Utc::now());
    let many: Vec<_> = (0..5001)
        .map(|_| {
            r.id = Id::new();
            let serde_json::Value::Object(fields) = serde_json::to_value(&r).unwrap() else { unreachable!() };
            ridermap_sync::WireChange {
                id: Id::new(),
                entity: ridermap_sync::Entity::Report,
                entity_id: r.id,
                op: ridermap_sync::Op::Put,
                fields,
                hlc: ridermap_core::Hlc { ms: 1, counter: 0 },
                device: "x".into(),
            }
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"protocol": 1, "changes": many})).unwrap();
    assert_eq!(post(&body, false).0, 413);
    // A gzip bomb: ~100 KiB on the wire that inflates to 100 MiB; inflating stops at the 64 MiB cap.
    assert_eq!(post(&bomb(100 << 20), true), (413, "too_large".to_string()));
    // At login, which needs no token, the limits are small: the body and what it inflates to.
    let login = |body: &[u8]| {
        let res =
            agent.post(&format!("{}/v1/login", server.url)).header("Content-Encoding", "gzip").send(body).unwrap();
        res.status().as_u16()
    };
    assert_eq!(login(&vec![b'x'; 20 << 10]), 413, "a body past the login's 16 KiB");
    assert_eq!(login(&bomb(1 << 20)), 413, "a small body that inflates past the login's 64 KiB");
    // A pull naming 10,000 regions.
    let regions: Vec<String> = (0..10_000).map(|i| format!("g{i}")).collect();
    let pull = serde_json::to_vec(&serde_json::json!({"protocol": 1, "regions": regions, "limit": 10})).unwrap();
    let mut res = agent
        .post(&format!("{}/v1/pull", server.url))
        .header("Authorization", &format!("Bearer {token}"))
        .send(&pull[..])
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let why: serde_json::Value = res.body_mut().read_json().unwrap();
    assert!(why["message"].as_str().unwrap().contains("at most 1000 regions"), "{why}");
    // Nothing landed: another device pulls nothing.
    let mut other = server.device(Role::Rider, &[], &[]);
    assert_eq!(sync_once(&mut other, Checksums::Skip).unwrap().pulled, 0);
}

/// Gzip that inflates to `inflated` zero bytes, about a thousandth of that on the wire.
fn bomb(inflated: usize) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated.div_ceil(zeros.len()) {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap()
}

fn an_idle_pull_is_small_on_the_wire(backend: &str) {
    let server = Server::start(backend);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    worker
        .put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一".into(), stamp: Stamp::now() }, &me("王"))
        .unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let token = ridermap_device::token(&worker).unwrap().unwrap();
    let cursors = worker.setting("pull_cursor").unwrap().unwrap();
    let body = format!(r#"{{"protocol":1,"cursors":{cursors},"limit":1000}}"#);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut res = agent
        .post(&format!("{}/v1/pull", server.url))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept-Encoding", "gzip")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(res.headers().get("content-encoding").unwrap(), "gzip");
    let wire = res.body_mut().read_to_vec().unwrap();
    assert!(wire.len() + body.len() < 1024, "idle pull: {} bytes down, {} up", wire.len(), body.len());
}

/// Devices pushing into the same region at the same moment: on PostgreSQL their transactions
/// collide on the region's sequence and are retried; every report lands once, in one gap-free
/// sequence, and a device that pulls it all verifies.
fn concurrent_pushes_into_one_region_stay_gap_free(backend: &str) {
    let server = Server::start(backend);
    server.grid("g1", 31.33, 121.53);
    let (riders, rounds, per_round) = (6, 4, 10);
    let devices: Vec<Store> = (0..riders).map(|_| server.device(Role::Rider, &[], &[])).collect();
    let handles: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(i, mut store)| {
            thread::spawn(move || {
                for round in 0..rounds {
                    for k in 0..per_round {
                        let mut r = StatusReport::new(
                            Outcome::Hazard,
                            31.33 + i as f64 * 1e-4,
                            121.53 + (round * per_round + k) as f64 * 1e-5,
                            Utc::now(),
                        );
                        r.grid = Some("g1".into());
                        store.add_report(&r, &me("骑手")).unwrap();
                    }
                    sync_once(&mut store, Checksums::Skip).unwrap();
                }
                store
            })
        })
        .collect();
    for h in handles {
        assert_eq!(status(&h.join().unwrap()).unwrap().pending, 0);
    }
    // The grid's two changes, then every report.
    let total = (riders * rounds * per_round) as i64 + 2;
    let code = server.db.create_invite(Role::Admin, &[], &[]).unwrap();
    let mut admin = Store::open_in_memory().unwrap();
    let token = login(&mut admin, &server.url, &code, None).unwrap().token;
    let account = server.db.account(&token).unwrap().unwrap();
    let req = ridermap_sync::protocol::PullRequest {
        protocol: 1,
        cursors: Default::default(),
        regions: Some(vec!["g1".into()]),
        bbox: None,
        limit: 5000,
    };
    let page = server.db.pull(&account, &req).unwrap();
    assert_eq!((page.changes.len() as i64, page.cursors["g1"]), (total, total), "one gap-free sequence");
    let report = sync_once(&mut admin, Checksums::Verify).unwrap();
    assert_eq!(report.pulled as i64, total);
    assert!(!report.verified.is_empty() && report.verified.values().all(|v| *v), "{:?}", report.verified);
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 90]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A rider's photo goes up before the report that names it, once, and reaches the grid worker's
/// tablet; the server takes only bytes that match their name and fit its limit.
fn photos_travel_as_content_addressed_blobs(backend: &str) {
    let server = Server::start(backend);
    server.grid("g1", 31.33, 121.53);
    let mut rider = server.device(Role::Rider, &[], &[]);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let small = ridermap_device::photo::prepare("gate.png", &png(3000, 2000)).unwrap();
    let hash = rider.put_blob(&small, false).unwrap();
    let mut r = StatusReport::new(Outcome::Hazard, 31.33, 121.53, Utc::now());
    r.grid = Some("g1".into());
    r.photo = Some(hash.clone());
    rider.add_report(&r, &me("骑手")).unwrap();
    let up = sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!((up.pushed, up.photos_up), (1, 1));
    // Nothing to send twice.
    assert_eq!(sync_once(&mut rider, Checksums::Skip).unwrap().photos_up, 0);
    let down = sync_once(&mut worker, Checksums::Verify).unwrap();
    assert_eq!((down.pulled, down.photos_down), (1, 1));
    assert_eq!(worker.blob(&hash).unwrap().unwrap(), small);
    assert_eq!(sync_once(&mut worker, Checksums::Skip).unwrap().photos_down, 0);

    let token = ridermap_device::token(&rider).unwrap().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let put = |name: &str, bytes: &[u8], auth: bool| {
        let mut req = agent.put(&format!("{}/v1/blobs/{name}", server.url));
        if auth {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        let mut res = req.send(bytes).unwrap();
        (res.status().as_u16(), res.body_mut().read_to_string().unwrap_or_default())
    };
    let check = |(status, body): (u16, String), expected: u16, says: &str| {
        assert_eq!(status, expected, "{body}");
        assert!(body.contains(says), "{body}");
    };
    check(put(&"0".repeat(64), b"not these bytes", true), 400, "hash to");
    check(put("not-a-hash", b"x", true), 400, "content address");
    let big = vec![7u8; ridermap_server::MAX_BLOB + 1];
    check(put(&ridermap_store::content_address(&big), &big, true), 413, "at most");
    check(put(&ridermap_store::content_address(b"x"), b"x", false), 401, "Authorization");
    let mut res = agent
        .get(&format!("{}/v1/blobs/{}", server.url, "1".repeat(64)))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 404, "{}", res.body_mut().read_to_string().unwrap());

    // A photo uploaded whose record never came is forgotten after the grace period; one a
    // record names is kept.
    let orphan = ridermap_device::photo::prepare("other.png", &png(50, 40)).unwrap();
    check(put(&ridermap_store::content_address(&orphan), &orphan, true), 201, "size");
    assert_eq!(server.db.expire_blobs(ridermap_server::BLOB_GRACE).unwrap(), 0, "both are new");
    assert_eq!(server.db.expire_blobs(std::time::Duration::ZERO).unwrap(), 1);
    assert!(server.db.blob(&ridermap_store::content_address(&orphan)).unwrap().is_none());
    assert_eq!(server.db.blob(&hash).unwrap().unwrap(), small, "the report's photo stays");
}

/// A device that follows a bounding box pulls the grids whose places reach into it, not the others.
fn a_device_can_follow_a_bounding_box(backend: &str) {
    let server = Server::start(backend);
    for (grid, lat, lon) in [("g1", 31.30, 121.50), ("g2", 31.40, 121.60)] {
        let mut worker = server.device(Role::GridWorker, &[grid], &[]);
        worker
            .put_grid(&Grid { id: Id::new(), code: grid.into(), name: grid.into(), stamp: Stamp::now() }, &me("王"))
            .unwrap();
        let mut p = Place::new(PlaceKind::Charger, format!("{grid} 换电柜"), lat, lon);
        p.grid = Some(grid.into());
        worker.put_place(&p, &me("王")).unwrap();
        sync_once(&mut worker, Checksums::Skip).unwrap();
    }
    let mut rider = server.device(Role::Rider, &[], &[]);
    ridermap_device::set_follow(&mut rider, &"bbox:121.49,31.29,121.51,31.31".parse().unwrap()).unwrap();
    let r = sync_once(&mut rider, Checksums::Verify).unwrap();
    assert_eq!(r.verified.keys().map(String::as_str).collect::<Vec<_>>(), ["g1"], "{r:?}");
    assert!(r.verified.values().all(|v| *v));
    let names: Vec<String> = rider.places(None).unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["g1 换电柜"]);
    // Widening what it follows brings the other grid from its start.
    ridermap_device::set_follow(&mut rider, &ridermap_api::Follow::Grids(vec!["g1".into(), "g2".into()])).unwrap();
    sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!(rider.places(None).unwrap().len(), 2);
    for bad in ["bbox:1,2,3", "bbox:10,0,5,1", "grids:", "everything"] {
        assert!(bad.parse::<ridermap_api::Follow>().is_err(), "{bad}");
    }
}

/// A server whose every answer is `{"results":[]}`: it settles none of a push. The round ends with
/// an error naming that, instead of sending the same batch forever.
#[test]
fn an_answer_that_settles_nothing_ends_the_round() {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answered = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        reader.read_exact(&mut vec![0; length]).unwrap();
        let body = r#"{"results":[]}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        (&conn).write_all(format!("{head}{body}").as_bytes()).unwrap();
        1
    });
    let mut store = Store::open_in_memory().unwrap();
    store.set_settings(&[("sync_server", url.as_str()), ("sync_token", "0123456789abcdef0123456789abcdef")]).unwrap();
    store.add_report(&StatusReport::new(Outcome::Hazard, 31.33, 121.53, Utc::now()), &me("骑手")).unwrap();
    match sync_once(&mut store, Checksums::Skip) {
        Err(SyncError::Plan(e)) => {
            assert_eq!(e.to_string(), "the server's answer left 1 of the changes sent unsettled")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(answered.join().unwrap(), 1, "one push, not a loop");
    assert_eq!(store.pending_count().unwrap(), 1, "the report still waits");
    assert!(status(&store).unwrap().last_error.unwrap().contains("unsettled"));
}

/// Forgeries a modified device could push: each is stripped (the server keeps its own word and
/// the device amends its copy) or refused (the reason shown on the device, the server's state
/// unchanged).
fn a_device_cannot_claim_what_the_server_decides(backend: &str) {
    let server = Server::start(backend);
    let g1_gate = server.grid("g1", 31.33, 121.53);
    let g2_gate = server.grid("g2", 31.40, 121.60);
    let mut rider = server.device(Role::Rider, &[], &[]);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    sync_once(&mut rider, Checksums::Skip).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let rider_account = {
        let token = ridermap_device::token(&rider).unwrap().unwrap();
        server.db.account(&token).unwrap().unwrap().id
    };

    // "Closed", already accepted, resolved by someone, filed as an admin, observed tomorrow.
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let mut forged = StatusReport::new(Outcome::Closed, 31.3301, 121.5301, Utc::now());
    forged.target = Some(g1_gate);
    forged.review = ridermap_core::Review::Accepted;
    forged.resolution = Some("已核实".into());
    forged.resolved_by = Some("网格长".into());
    forged.resolved_at = Some(Utc::now());
    forged.reporter = Some("网格长".into());
    forged.reporter_role = Role::Admin;
    forged.observed_at = tomorrow;
    rider.add_report(&forged, &me("骑手")).unwrap();
    let r = sync_once(&mut rider, Checksums::Verify).unwrap();
    assert_eq!((r.pushed, r.refused), (1, 0));
    assert!(r.verified.values().all(|ok| *ok), "the device amended its copy to the server's: {:?}", r.verified);
    let mine = rider.report(forged.id).unwrap().unwrap();
    assert_eq!(mine.review, ridermap_core::Review::Pending);
    assert_eq!((mine.resolution, mine.resolved_by, mine.resolved_at), (None, None, None));
    assert_eq!((mine.reporter, mine.reporter_role), (Some(rider_account.to_string()), Role::Rider));
    assert!(mine.observed_at < tomorrow - chrono::Duration::hours(23), "clamped to the server's clock");
    // It reaches the grid worker's review queue, as a rider's pending report.
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let queue = worker.review_queue(Some("g1")).unwrap();
    assert!(queue.iter().any(|q| q.id == forged.id && q.reporter_role == Role::Rider), "{queue:?}");

    // Refused: a grid the server does not have, a place far outside its grid, a place of another
    // grid, and an id that is a place, not a report.
    let at = |lat: f64, lon: f64, grid: &str| {
        let mut r = StatusReport::new(Outcome::Hazard, lat, lon, Utc::now());
        r.grid = Some(grid.into());
        r
    };
    let mut other_grid = at(31.3301, 121.5301, "g1");
    other_grid.target = Some(g2_gate);
    let mut not_a_report = at(31.3301, 121.5301, "g1");
    not_a_report.id = g2_gate;
    let cases = [
        (at(31.3301, 121.5301, "nowhere"), "grid `nowhere` is not on the server"),
        (at(31.43, 121.53, "g1"), "outside grid `g1`"),
        (other_grid, "its place is in grid `g2`, not `g1`"),
        (not_a_report, "is a place, not a report"),
    ];
    for (report, _) in &cases {
        rider.add_report(report, &me("骑手")).unwrap();
    }
    let before = server.db.change_count().unwrap();
    let r = sync_once(&mut rider, Checksums::Skip).unwrap();
    assert_eq!((r.pushed, r.refused), (0, cases.len()));
    let reasons: Vec<String> = rider.refused().unwrap().into_iter().map(|(_, why)| why).collect();
    for (_, says) in &cases {
        assert!(reasons.iter().any(|why| why.contains(says)), "{says}: {reasons:?}");
    }
    assert_eq!(server.db.change_count().unwrap(), before, "nothing refused reached the server");

    // A review changes the review only, and is signed by the reviewer's account.
    let queued = worker.review_queue(Some("g1")).unwrap();
    worker.resolve_report(queued[0].id, true, Some("属实"), &me("王")).unwrap();
    sync_once(&mut worker, Checksums::Skip).unwrap();
    sync_once(&mut rider, Checksums::Skip).unwrap();
    let reviewed = rider.report(queued[0].id).unwrap().unwrap();
    assert_eq!(reviewed.review, ridermap_core::Review::Accepted);
    assert_eq!(reviewed.resolved_by, None, "a rider is not told who reviewed");
    let worker_account = server.db.account(&ridermap_device::token(&worker).unwrap().unwrap()).unwrap().unwrap().id;
    let signed = worker.report(queued[0].id).unwrap().unwrap().resolved_by;
    assert_eq!(signed, Some(worker_account.to_string()), "the reviewer's copy is signed by the account");
}

/// Over a rate limit the server answers 429 `rate_limited` with the wait; limits are per address
/// for logins and per token for the rest. Oversized fields and login values are refused by name.
#[test]
fn limits_on_rates_and_field_sizes() {
    use ridermap_server::{Limits, Rate};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("server.sqlite")).unwrap();
    let minute = std::time::Duration::from_secs(60);
    let limits = Limits {
        login: Rate { every: minute, burst: 3 },
        account: Rate { every: minute, burst: 4 },
        ..Limits::default()
    };
    let served = ridermap_server::scratch::Served::start_with(db, limits);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut req = agent.post(&format!("{}{path}", served.url));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut res = req.send_json(body).unwrap();
        let status = res.status().as_u16();
        let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
        (status, res.body_mut().read_json::<serde_json::Value>().unwrap_or_default(), retry)
    };
    let login = |device: &str, invite: &str| {
        post("/v1/login", None, serde_json::json!({"protocol": 1, "invite": invite, "device": device}))
    };
    let (status, why, _) = login(&"d".repeat(65), "x");
    assert_eq!((status, why["code"].as_str()), (400, Some("invalid")), "{why}");
    assert!(why["message"].as_str().unwrap().contains("device: 1 to 64 characters"), "{why}");
    let code = served.db.create_invite(Role::Rider, &[], &[]).unwrap();
    let (status, res, _) = login("device-1", &code);
    assert_eq!(status, 200, "{res}");
    let token = res["token"].as_str().unwrap().to_string();
    let (status, why, retry) = login("device-2", "guess");
    assert_eq!(status, 403, "the third login is still within the burst: {why}");
    assert_eq!(retry, None);
    let (status, why, retry) = login("device-3", "guess");
    assert_eq!((status, why["code"].as_str()), (429, Some("rate_limited")), "{why}");
    assert!(why["message"].as_str().unwrap().contains("try again in"), "{why}");
    assert!(retry.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));

    // A change with a field past its cap is refused with the reason, and not kept.
    let r = StatusReport::new(Outcome::Hazard, 31.33, 121.53, Utc::now());
    let serde_json::Value::Object(mut fields) = serde_json::to_value(&r).unwrap() else { unreachable!() };
    fields.insert("note".into(), serde_json::json!("长".repeat(3000)));
    let change = ridermap_sync::WireChange::new(
        ridermap_sync::Entity::Report,
        r.id,
        ridermap_sync::Op::Put,
        fields,
        ridermap_core::Hlc { ms: Utc::now().timestamp_millis(), counter: 0 },
        "device-1",
    );
    let (status, res, _) = post("/v1/push", Some(&token), serde_json::json!({"protocol": 1, "changes": [change]}));
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["results"][0]["status"], "refused", "{res}");
    assert!(res["results"][0]["reason"].as_str().unwrap().contains("note: longer than 2000 characters"), "{res}");
    assert_eq!(served.db.change_count().unwrap(), 0);

    // Per token: this one has used one of its four; three more, then 429. Another token is not held up.
    let pull = serde_json::json!({"protocol": 1, "cursors": {}, "limit": 10});
    for _ in 0..3 {
        assert_eq!(post("/v1/pull", Some(&token), pull.clone()).0, 200);
    }
    assert_eq!(post("/v1/pull", Some(&token), pull.clone()).0, 429);
    let other = served.db.create_invite(Role::Rider, &[], &[]).unwrap();
    // (logins from this address are spent: the second device enrols through the store directly)
    let res = served.db.login(&other, "device-4").unwrap();
    assert_eq!(post("/v1/pull", Some(&res.token), pull).0, 200);
}

/// A token expires after its life without use and is renewed by use; a device whose login answer
/// was lost logs in again with the same invite (a new token, the same account, the lost one
/// revoked), which no other device can.
fn tokens_expire_unless_used_and_a_lost_login_can_be_retried(backend: &str) {
    let server = Server::start(backend);
    let hour = std::time::Duration::from_secs(3600);
    let db = server.db.clone().with_token_life(hour);
    let code = db.create_invite(Role::Rider, &[], &[]).unwrap();
    let first = db.login(&code, "phone-1").unwrap();
    let expires = |token: &str| db.token_expires(token).unwrap().unwrap();
    let in_an_hour = expires(&first.token) - Utc::now();
    assert!(in_an_hour <= chrono::Duration::hours(1) && in_an_hour > chrono::Duration::minutes(59));

    // The answer was lost: the same device, the same invite, soon after.
    let again = db.login(&code, "phone-1").unwrap();
    assert_eq!(again.account, first.account);
    assert_ne!(again.token, first.token);
    assert_eq!(db.account(&first.token).unwrap(), None, "the lost token is revoked");
    assert!(db.account(&again.token).unwrap().is_some());
    let err = db.login(&code, "phone-2").unwrap_err();
    assert!(err.to_string().contains("unknown or already used"), "{err}");

    // Used under a longer life, the token is renewed to that life from now.
    let long = server.db.clone().with_token_life(hour * 24 * 180);
    assert!(long.account(&again.token).unwrap().is_some());
    assert!(expires(&again.token) - Utc::now() > chrono::Duration::days(179));

    // A life of nothing: the token is expired at once, and the device is told why.
    let none = server.db.clone().with_token_life(std::time::Duration::ZERO);
    let code = none.create_invite(Role::Rider, &[], &[]).unwrap();
    let t = none.login(&code, "phone-3").unwrap().token;
    assert_eq!(none.authenticate(&t).unwrap(), Err(ridermap_server::TokenRefused::Expired));
    let mut store = Store::open_in_memory().unwrap();
    store.set_settings(&[("sync_server", server.url.as_str()), ("sync_token", t.as_str())]).unwrap();
    let err = sync_once(&mut store, Checksums::Skip).unwrap_err();
    assert!(err.to_string().contains("sign-in expired"), "{err}");
}

/// What a rider pulls of other people's records: no names, no account or device ids, no exact
/// position or minute; the grid worker of the grid sees them in full; both verify.
fn a_rider_pulls_no_one_elses_name_or_device(backend: &str) {
    let server = Server::start(backend);
    let gate = server.grid("g1", 31.33, 121.53);
    let station = {
        let code = server.db.create_invite(Role::Admin, &[], &[]).unwrap();
        let mut admin = Store::open_in_memory().unwrap();
        login(&mut admin, &server.url, &code, None).unwrap();
        sync_once(&mut admin, Checksums::Skip).unwrap();
        let mut stop = Place::new(PlaceKind::RestStop, "骑手驿站", 31.3302, 121.5302);
        stop.grid = Some("g1".into());
        admin.put_place(&stop, &me("管理员")).unwrap();
        sync_once(&mut admin, Checksums::Skip).unwrap();
        stop.id
    };
    let mut author = server.device(Role::Rider, &[], &[]);
    // Enrolled, a device stamps its changes with the name the server gave it, not its id.
    assert!(author.device_name().starts_with("p-") && author.device_name() != author.device_id());
    let mut volunteer = server.device(Role::Volunteer, &[], &[station]);
    let mut other = server.device(Role::Rider, &[], &[]);
    let mut worker = server.device(Role::GridWorker, &["g1"], &[]);
    for s in [&mut author, &mut volunteer] {
        sync_once(s, Checksums::Skip).unwrap();
    }
    let mut r = StatusReport::new(Outcome::Refused, 31.330_123, 121.530_456, Utc::now());
    r.target = Some(gate);
    r.note = Some("我是张三，电话13800000000".into());
    author.add_report(&r, &me("张三")).unwrap();
    let note = ridermap_core::Note {
        id: Id::new(),
        target: gate,
        text: "后门晚上锁".into(),
        author: Some("张三".into()),
        created_at: Utc::now(),
    };
    author.add_note(&note, &me("张三")).unwrap();
    let v = ridermap_core::Visit {
        id: Id::new(),
        station,
        at: Utc::now(),
        headcount: 3,
        services: vec![],
        supplies: vec![],
        station_open: Some(true),
        note: Some("张三来过".into()),
        volunteer: Some("李志愿".into()),
        created_at: Utc::now(),
    };
    volunteer.add_visit(&v, &me("李志愿")).unwrap();
    sync_once(&mut author, Checksums::Skip).unwrap();
    sync_once(&mut volunteer, Checksums::Skip).unwrap();

    let secrets = |store: &Store| {
        let token = ridermap_device::token(store).unwrap().unwrap();
        let account = server.db.account(&token).unwrap().unwrap().id.to_string();
        [account, store.device_id().to_string()]
    };
    sync_once(&mut worker, Checksums::Skip).unwrap();
    let mut hidden: Vec<String> = [secrets(&author), secrets(&volunteer), secrets(&worker)].concat();
    hidden.extend(["张三", "13800000000", "李志愿", "31.330123", "121.530456"].map(String::from));

    // The raw pages another rider pulls hold none of it.
    let token = ridermap_device::token(&other).unwrap().unwrap();
    let account = server.db.account(&token).unwrap().unwrap();
    let req = ridermap_sync::protocol::PullRequest {
        protocol: 1,
        cursors: Default::default(),
        regions: None,
        bbox: None,
        limit: 5000,
    };
    let page = server.db.pull(&account, &req).unwrap();
    let wire = serde_json::to_string(&page).unwrap();
    for h in &hidden {
        assert!(!wire.contains(h.as_str()), "a rider's pull shows `{h}`: {wire}");
    }
    assert!(wire.contains("后门晚上锁") && wire.contains("refused"), "what it means for the place is there");
    // Devices are named by their account's pseudonym, and others' reports by no one.
    for c in &page.changes {
        assert!(c.device.is_empty() || c.device.starts_with("p-"), "{c:?}");
    }
    // Through the engine: the report arrives as an outcome at an hour, and every region verifies.
    let round = sync_once(&mut other, Checksums::Verify).unwrap();
    assert!(!round.verified.is_empty() && round.verified.values().all(|ok| *ok), "{:?}", round.verified);
    let seen = other.report(r.id).unwrap().unwrap();
    assert_eq!((seen.outcome, seen.note, seen.reporter), (Outcome::Refused, None, None));
    assert_eq!(seen.observed_at.timestamp() % 3600, 0);
    // The authors' own devices still verify (their full copies count as others see them).
    for s in [&mut author, &mut volunteer] {
        let round = sync_once(s, Checksums::Verify).unwrap();
        assert!(round.verified.values().all(|ok| *ok), "{:?}", round.verified);
    }
    // The grid worker of g1 reviews with the whole report in view.
    let round = sync_once(&mut worker, Checksums::Verify).unwrap();
    assert!(round.verified.values().all(|ok| *ok), "{:?}", round.verified);
    let full = worker.report(r.id).unwrap().unwrap();
    assert_eq!(full.note.as_deref(), Some("我是张三，电话13800000000"));
    assert_eq!(full.reporter, Some(secrets(&author)[0].clone()));
}
