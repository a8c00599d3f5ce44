//! Two device stores syncing through a stand-in for the server (a shared, ordered log): what each
//! device shows afterwards, conflicts kept for review, refusals kept with their reason.

use chrono::Utc;
use ridermap_core::{Grid, Id, Outcome, Place, PlaceKind, Stamp, StatusReport};
use ridermap_store::{Actor, Settlement, Store};
use ridermap_sync::WireChange;

#[derive(Default)]
struct Server {
    log: Vec<WireChange>,
}

impl Server {
    fn sync(&mut self, s: &mut Store) {
        let out = s.outbox(1000).unwrap();
        for c in &out {
            if !self.log.iter().any(|l| l.id == c.id) {
                self.log.push(c.clone());
            }
        }
        s.settle(&Settlement { acked: out.iter().map(|c| c.id).collect(), ..Settlement::default() }).unwrap();
        let from: usize = s.pull_cursor().unwrap().map(|c| c.parse().unwrap()).unwrap_or(0);
        s.apply_remote(&self.log[from..], Some(&self.log.len().to_string())).unwrap();
    }
}

/// Let `s` see a change stamped 10 s ahead, so its next edit is stamped after anything made now.
fn clock_ahead(s: &mut Store) {
    let hlc = ridermap_core::Hlc { ms: Utc::now().timestamp_millis() + 10_000, counter: 0 };
    let id = Id::new();
    let g = Grid { id, code: format!("g{}", hlc.ms), name: "时钟".into(), stamp: Stamp::now() };
    let serde_json::Value::Object(fields) = serde_json::to_value(&g).unwrap() else { unreachable!() };
    let c = WireChange::new(ridermap_sync::Entity::Grid, id, ridermap_sync::Op::Put, fields, hlc, "clock");
    s.apply_remote(&[c], None).unwrap();
}

fn actor(name: &str) -> Actor {
    Actor { name: Some(name.into()) }
}

fn shown(s: &Store) -> String {
    serde_json::to_string(&s.places(None).unwrap()).unwrap()
}

#[test]
fn two_devices_converge_and_keep_what_lost() {
    let mut server = Server::default();
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    a.put_grid(&Grid { id: Id::new(), code: "g1".into(), name: "一网格".into(), stamp: Stamp::now() }, &actor("a"))
        .unwrap();
    let mut gate = Place::new(PlaceKind::Entrance, "1号门", 31.33, 121.53);
    gate.grid = Some("g1".into());
    a.put_place(&gate, &actor("a")).unwrap();
    assert_eq!(a.pending_count().unwrap(), 2);
    server.sync(&mut a);
    assert_eq!(a.pending_count().unwrap(), 0);
    server.sync(&mut b);
    assert_eq!(shown(&a), shown(&b));

    // Offline: different fields on each device, and the same field on both (b writes later).
    a.edit_place(
        gate.id,
        &[("name".into(), "正门".into()), ("opening_hours".into(), "06:00-22:00".into())],
        &actor("a"),
    )
    .unwrap();
    clock_ahead(&mut b); // b's next edit is stamped after a's
    b.edit_place(gate.id, &[("ebike".into(), "push".into()), ("opening_hours".into(), "24/7".into())], &actor("b"))
        .unwrap();
    let mut report = StatusReport::new(Outcome::Refused, 31.33, 121.53, Utc::now());
    report.target = Some(gate.id);
    b.add_report(&report, &actor("b")).unwrap();
    for _ in 0..2 {
        server.sync(&mut a);
        server.sync(&mut b);
    }
    assert_eq!(shown(&a), shown(&b));
    let p = a.place(gate.id).unwrap().unwrap();
    assert_eq!(p.name, "正门");
    assert_eq!(p.opening_hours.as_deref(), Some("24/7"));
    assert_eq!(p.entrance().unwrap().ebike, ridermap_core::EbikeAccess::Push);
    assert_eq!(a.reports_for(gate.id, Utc::now() - chrono::Duration::hours(1)).unwrap().len(), 1);
    // a's opening hours lost to b's later edit: a keeps a record of it, b does not.
    let lost = a.conflicts().unwrap();
    assert!(lost.iter().any(|c| c.conflict.field == "opening_hours" && c.conflict.lost == "06:00-22:00"), "{lost:?}");
    let b_lost = b.conflicts().unwrap();
    assert!(!b_lost.iter().any(|c| c.conflict.field == "opening_hours"), "b's edit won; b lost nothing: {b_lost:?}");

    // Pulling the same page again changes nothing.
    let before = shown(&a);
    let again = a.apply_remote(&server.log, None).unwrap();
    assert_eq!(again.applied, 0);
    assert_eq!(shown(&a), before);

    // Delete on one device, edit on the other: the delete wins everywhere.
    a.delete_place(gate.id, &actor("a")).unwrap();
    b.edit_place(gate.id, &[("name".into(), "北门".into())], &actor("b")).unwrap();
    for _ in 0..2 {
        server.sync(&mut b);
        server.sync(&mut a);
    }
    assert!(a.place(gate.id).unwrap().is_none());
    assert!(b.place(gate.id).unwrap().is_none());
    assert_eq!(shown(&a), shown(&b));
}

#[test]
fn edits_that_arrive_before_their_record_wait_for_it() {
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    let p = Place::new(PlaceKind::Charger, "换电柜", 31.33, 121.53);
    a.put_place(&p, &actor("a")).unwrap();
    a.edit_place(p.id, &[("slots".into(), "12".into())], &actor("a")).unwrap();
    let mut out = a.outbox(10).unwrap();
    out.reverse(); // the edit first
    b.apply_remote(&out[..1], None).unwrap();
    assert!(b.place(p.id).unwrap().is_none());
    b.apply_remote(&out[1..], None).unwrap();
    let got = b.place(p.id).unwrap().unwrap();
    assert_eq!(serde_json::to_value(&got).unwrap()["slots"], 12);
}

#[test]
fn refused_changes_stay_visible_with_their_reason() {
    let mut a = Store::open_in_memory().unwrap();
    let p = Place::new(PlaceKind::Charger, "换电柜", 31.33, 121.53);
    a.put_place(&p, &actor("rider")).unwrap();
    let change = a.outbox(10).unwrap().remove(0);
    a.settle(&Settlement { refused: vec![(change.id, "riders cannot add places".into())], ..Settlement::default() })
        .unwrap();
    assert_eq!(a.pending_count().unwrap(), 0);
    let refused = a.refused().unwrap();
    assert_eq!((refused[0].0.id, refused[0].1.as_str()), (change.id, "riders cannot add places"));
    assert!(a.settle(&Settlement { refused: vec![(Id::new(), "x".into())], ..Settlement::default() }).is_err());
}

/// The store keeps the sync token, so its files are readable by their owner only.
#[cfg(unix)]
#[test]
fn the_store_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let mut s = Store::open(&path).unwrap();
    s.set_setting("sync_token", "0123456789abcdef").unwrap();
    for file in ["device.sqlite", "device.sqlite-wal", "device.sqlite-shm"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}: {mode:o}");
    }
}
