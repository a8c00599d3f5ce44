//! Sync through the service: what it says without a server, the role enrolment gives, that the
//! UI's commands never wait on the network, and that the device clock is read where it is used.

mod common;

use std::{
    net::TcpListener,
    sync::{Arc, mpsc},
    thread,
};

use common::{Want::*, array, check, device, empty_device, gate_of, ok};
use ridermap_core::{Hlc, Role};
use ridermap_server::Db;
use ridermap_service::api::{ErrorCode::*, *};
use ridermap_store::Store;
use ridermap_sync::{Entity, Op, WireChange};
use serde_json::json;

/// A real sync server on 127.0.0.1:0 (embedded SQLite), until dropped.
struct Server {
    served: ridermap_server::scratch::Served,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let served = ridermap_server::scratch::Served::start(Db::open(dir.path().join("server.sqlite")).unwrap());
        Server { url: served.url.clone(), served, _dir: dir }
    }

    /// The subdistrict's admin puts the demo's grids and places on the server, as a city would
    /// before riders enrol (a report must land in a grid the server has).
    fn with_demo(self) -> Server {
        let admin = empty_device();
        ok(&admin.svc, "enrol", json!({"server": self.url, "invite": self.invite(Role::Admin, &[])}));
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/yinhang-demo.geojson");
        ok(&admin.svc, "import", json!({"path": demo}));
        let out = ok(&admin.svc, "sync_now", json!({}));
        assert_eq!(out["refused"], 0, "{out}");
        self
    }

    fn invite(&self, role: Role, grids: &[&str]) -> String {
        let grids: Vec<String> = grids.iter().map(|g| g.to_string()).collect();
        self.served.db.create_invite(role, &grids, &[]).unwrap()
    }
}

/// A server that accepts `n` connections and never answers, until `release` closes them.
struct Hung {
    url: String,
    accepted: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Hung {
    fn start(n: usize) -> Hung {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (accepted_tx, accepted) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            let mut held = vec![];
            for _ in 0..n {
                held.push(listener.accept().unwrap().0);
                accepted_tx.send(()).unwrap();
            }
            released.recv().unwrap();
            drop(held); // every connection closes unanswered
        });
        Hung { url, accepted, release, thread: Some(thread) }
    }

    fn release(mut self) {
        self.release.send(()).unwrap();
        self.thread.take().unwrap().join().unwrap();
    }
}

#[test]
fn without_a_server_sync_explains_itself() {
    let d = device();
    check(
        &d.svc,
        "sync_status",
        json!({}),
        Reply(|v| {
            assert_eq!(
                (v["enrolled"].as_bool(), v["pending"].as_i64(), v["role"].as_str()),
                (Some(false), Some(0), None)
            )
        }),
    );
    check(&d.svc, "sync_now", json!({}), Error(NotEnrolled, "ridermap login"));
    check(&d.svc, "enrol", json!({"server": "ftp://x", "invite": "abc"}), Error(Invalid, "is not an https:// address"));
    check(
        &d.svc,
        "enrol",
        json!({"server": "http://127.0.0.1:9", "invite": " "}),
        Error(Invalid, "invite: enter the code"),
    );
    check(
        &d.svc,
        "enrol",
        json!({"server": "http://127.0.0.1:9", "invite": "abc"}),
        Error(Offline, "cannot reach http://127.0.0.1:9"),
    );
    check(
        &d.svc,
        "sync_settings",
        json!({"follow": {"grids": ["yinhang-1"]}}),
        Reply(|v| assert_eq!(v["follow"], json!({"grids": ["yinhang-1"]}))),
    );
    check(&d.svc, "outbox", json!({}), Reply(|v| assert_eq!(v["items"], json!([]))));
}

#[test]
fn enrolment_gives_the_role_reports_carry_and_refusals_come_back() {
    let server = Server::start().with_demo();
    let d = device();
    let s = ok(
        &d.svc,
        "enrol",
        json!({"server": format!("{}/", server.url), "invite": server.invite(Role::GridWorker, &["yinhang-2"])}),
    );
    assert_eq!(
        (s["enrolled"].as_bool(), s["role"].as_str(), s["server"].as_str()),
        (Some(true), Some("grid_worker"), Some(server.url.as_str()))
    );
    let gate = gate_of(&d.svc, "开鲁六村", "1号门（正门）");
    let r = ok(&d.svc, "add_report", json!({"target": gate, "outcome": "got_in"}));
    assert_eq!(r["reporter_role"], "grid_worker", "the role enrolment gave, not one the request names");
    // A grid worker of yinhang-2 may not add a place to yinhang-1: refused, with the reason.
    ok(
        &d.svc,
        "add_place",
        json!({"kind": "charger", "name": "别处的柜", "lat": 31.33, "lon": 121.53, "sets": [["grid", "yinhang-1"]]}),
    );
    let out = ok(&d.svc, "sync_now", json!({"verify": true}));
    assert_eq!((out["pushed"].as_u64(), out["refused"].as_u64()), (Some(1), Some(1)), "{out}");
    assert!(!out["verified"].as_object().unwrap().is_empty());
    assert!(out["verified"].as_object().unwrap().values().all(|v| v == true), "{out}");
    let outbox = ok(&d.svc, "outbox", json!({}));
    let refused: Vec<_> = array(&outbox["items"]).iter().filter(|i| i["refusal"].is_string()).collect();
    assert_eq!(refused.len(), 1, "{outbox}");
    assert!(refused[0]["refusal"].as_str().unwrap().contains("only in their own grids"), "{outbox}");
    assert_eq!(refused[0]["label"], "别处的柜");
    check(&d.svc, "find_place", json!({"key": "别处的柜"}), Error(NotFound, "no place named"));
    ok(&d.svc, "dismiss", json!({"id": refused[0]["change"]["id"]}));
    assert_eq!(ok(&d.svc, "sync_status", json!({}))["refused"], 0);
}

#[test]
fn the_uis_commands_finish_while_a_round_waits_on_a_server_that_never_answers() {
    let server = Server::start();
    let d = device();
    let svc = Arc::new(d.svc);
    ok(&svc, "enrol", json!({"server": server.url, "invite": server.invite(Role::Rider, &[])}));
    let gate = gate_of(&svc, "开鲁六村", "1号门（正门）");
    ok(&svc, "add_report", json!({"target": gate, "outcome": "refused"}));
    let hung = Hung::start(2);
    ok(&svc, "sync_settings", json!({"server": hung.url}));

    let round = thread::spawn({
        let svc = svc.clone();
        move || svc.call(SyncNowReq::default())
    });
    hung.accepted.recv().unwrap();
    let enrolling = thread::spawn({
        let (svc, url) = (svc.clone(), hung.url.clone());
        move || svc.call(EnrolReq { server: url, invite: "whatever".into(), ca: None })
    });
    hung.accepted.recv().unwrap();
    // Both wait on the network now; reads and writes of the store go on.
    let near = ok(&svc, "nearby", json!({"lat": 31.3376, "lon": 121.5382, "limit": 5}));
    assert_eq!(array(&near).len(), 5);
    ok(&svc, "add_report", json!({"target": gate, "outcome": "got_in"}));
    assert_eq!(ok(&svc, "sync_status", json!({}))["pending"], 2);
    assert!(!round.is_finished() && !enrolling.is_finished(), "the answers came while the network still waited");
    hung.release();
    let e = round.join().unwrap().unwrap_err();
    assert_eq!(e.code, Offline, "{e:?}");
    assert_eq!(enrolling.join().unwrap().unwrap_err().code, Offline);
    let st = ok(&svc, "sync_status", json!({}));
    assert_eq!(st["pending"], 2);
    assert!(st["last_error"].as_str().unwrap().contains("cannot reach"), "{st}");
}

#[test]
fn an_edit_after_another_connection_took_in_a_clock_from_the_future_is_stamped_above_it() {
    let d = device();
    let gate = gate_of(&d.svc, "开鲁六村", "2号门（侧门）");
    let ahead = Hlc { ms: chrono::Utc::now().timestamp_millis() + 10 * 60_000, counter: 3 };
    let change = |field: &str, value: &str, hlc: Hlc| {
        let mut fields = serde_json::Map::new();
        fields.insert(field.into(), json!(value));
        WireChange::new(Entity::Place, gate.parse().unwrap(), Op::Put, fields, hlc, "网格员的平板")
    };
    // The sync engine's own connection applies a pulled edit stamped ten minutes ahead.
    let mut engine = Store::open(d.path()).unwrap();
    engine.apply_remote(&[change("name", "远方的名字", ahead)], None).unwrap();
    // The user edits the same field through the UI's connection, which wrote before (the demo data).
    let edited = ok(&d.svc, "edit_place", json!({"id": gate, "sets": [["name", "侧门"]]}));
    assert_eq!(edited["name"], "侧门");
    let mine = ok(&d.svc, "changes", json!({"since": engine.last_change_seq().unwrap() - 1}));
    let mine = array(&mine).last().unwrap();
    let stamped: Hlc = mine["hlc"].as_str().unwrap().parse().unwrap();
    assert!(stamped > ahead, "{stamped:?} is not above {ahead:?}");
    // Merging again (another pulled change to the entity) keeps the user's edit: it is the newest.
    engine.apply_remote(&[change("parking_note", "门口停车", Hlc { ms: ahead.ms - 1000, counter: 0 })], None).unwrap();
    let shown = ok(&d.svc, "place", json!({"id": gate}));
    assert_eq!(
        (shown["place"]["name"].as_str(), shown["place"]["parking_note"].as_str()),
        (Some("侧门"), Some("门口停车"))
    );
}

#[test]
fn conflicts_list_local_edits_that_lost() {
    let d = device();
    let gate = gate_of(&d.svc, "开鲁六村", "1号门（正门）");
    ok(&d.svc, "edit_place", json!({"id": gate, "sets": [["opening_hours", "05:00-23:00"]]}));
    let hlc = Hlc { ms: chrono::Utc::now().timestamp_millis() + 10_000, counter: 0 };
    let mut fields = serde_json::Map::new();
    fields.insert("opening_hours".into(), json!("06:00-22:00"));
    let change = WireChange::new(Entity::Place, gate.parse().unwrap(), Op::Put, fields, hlc, "网格员的平板");
    Store::open(d.path()).unwrap().apply_remote(&[change], None).unwrap();
    check(
        &d.svc,
        "conflicts",
        json!({}),
        Reply(|v| {
            let c = &v[0];
            assert_eq!(
                (c["field"].as_str(), c["lost"].as_str(), c["kept"].as_str()),
                (Some("opening_hours"), Some("05:00-23:00"), Some("06:00-22:00"))
            );
            assert_eq!(
                (c["kept_version"]["device"].as_str(), c["label"].as_str(), c["entity"].as_str()),
                (Some("网格员的平板"), Some("1号门（正门）"), Some("place"))
            );
        }),
    );
    assert_eq!(ok(&d.svc, "place", json!({"id": gate}))["place"]["opening_hours"], "06:00-22:00");
}
