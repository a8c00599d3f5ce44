//! What the service tests share: a device (a real store file, with or without the demo data),
//! the one `check(command, body, want)` helper, and a snapshot of everything a user can see.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ridermap_service::{Demo, Service, api::ErrorCode};
use ridermap_store::Actor;
use serde_json::{Value, json};

pub struct Device {
    pub svc: Service,
    pub dir: tempfile::TempDir,
}

impl Device {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("app.sqlite")
    }

    /// A file beside the store, written with `content`; its path as text.
    pub fn write(&self, name: &str, content: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }
}

fn open(demo: Demo) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let svc = Service::open(&dir.path().join("app.sqlite"), demo, Actor { name: Some("测试".into()) }).unwrap();
    Device { svc, dir }
}

/// A device with the demo data (as a new install has it).
pub fn device() -> Device {
    open(Demo::Load)
}

/// A device with an empty store.
pub fn empty_device() -> Device {
    open(Demo::Skip)
}

/// What a command should answer.
pub enum Want {
    /// A reply, checked by the function.
    Reply(fn(&Value)),
    /// An error with this code whose message holds the text.
    Error(ErrorCode, &'static str),
}

/// Run command `name` with `body` through `Service::dispatch` (the entry `ridermap web` uses;
/// the CLI and the app call the same handlers typed) and hold the answer against `want`.
pub fn check(svc: &Service, name: &str, body: Value, want: Want) -> Value {
    let got = svc.dispatch(name, body.clone());
    match (want, got) {
        (Want::Reply(f), Ok(v)) => {
            f(&v);
            v
        }
        (Want::Error(code, text), Err(e)) => {
            assert_eq!(e.code, code, "{name} {body}: {}", e.message);
            assert!(e.message.contains(text), "{name} {body}: wanted `{text}` in `{}`", e.message);
            json!({"error": e})
        }
        (Want::Reply(_), Err(e)) => panic!("{name} {body}: failed: {e:?}"),
        (Want::Error(code, _), Ok(v)) => panic!("{name} {body}: wanted a {code} error, got {v}"),
    }
}

/// The reply of a command that must succeed.
pub fn ok(svc: &Service, name: &str, body: Value) -> Value {
    check(svc, name, body, Want::Reply(|_| {}))
}

/// The id of the place named exactly `name`.
pub fn id_of(svc: &Service, name: &str) -> String {
    ok(svc, "find_place", json!({"key": name}))["id"].as_str().unwrap().to_string()
}

/// The id of a compound's gate by its name (gate names repeat across compounds).
pub fn gate_of(svc: &Service, compound: &str, gate: &str) -> String {
    let c = id_of(svc, compound);
    let view = ok(svc, "place", json!({"id": c}));
    let found = array(&view["related"]).iter().find(|g| g["name"] == gate);
    found.unwrap_or_else(|| panic!("{compound} has no gate {gate}: {view}"))["id"].as_str().unwrap().to_string()
}

pub fn array(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

/// Everything the store holds that a user can see, to prove a refused command changed nothing.
pub fn snapshot(svc: &Service) -> String {
    let places = ok(svc, "export", json!({"format": "geojson"}))["text"].as_str().unwrap().to_string();
    let changes = ok(svc, "changes", json!({"limit": 1_000_000}));
    let queue = ok(svc, "review_queue", json!({}));
    let base = ok(svc, "base_layer", json!({}));
    assert!(!array(&changes).is_empty() || places.contains("\"features\":[]"), "a snapshot of nothing proves nothing");
    format!("{places}\n{changes}\n{queue}\n{base}")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

pub fn image_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
