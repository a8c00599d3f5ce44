//! Commands through the `tauri::test` mock runtime: the same handlers the window uses, with
//! the JSON of replies and of the one error type pinned.

use std::sync::Arc;

use ridermap_service::Service;
use ridermap_store::Actor;
use serde_json::{Value, json};
use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

fn invoke(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, req: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux and macOS; other origins count as remote and get no commands.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({ "req": req })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

/// The handler answers every command of the registry: a body it cannot read is refused as bad
/// arguments for that command, never as a command it does not know.
#[test]
fn every_command_of_the_registry_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    let service = Arc::new(Service::open(&path, ridermap_service::Demo::Skip, Actor::default()).unwrap());
    let app = ridermap_app::app(mock_builder()).manage(service).build(tauri::generate_context!()).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let unknown = invoke(&webview, "launch_rockets", json!({})).unwrap_err();
    assert!(unknown.to_string().contains("not found"), "{unknown}");
    assert!(ridermap_service::api::COMMANDS.len() > 30);
    for name in ridermap_service::api::COMMANDS {
        let err = invoke(&webview, name, json!("not a request")).unwrap_err().to_string();
        assert!(err.contains(&format!("invalid args `req` for command `{name}`")), "{name}: {err}");
    }
}

#[test]
fn commands_answer_and_errors_cross_as_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let service = Arc::new(
        Service::open(&dir.path().join("app.sqlite"), ridermap_service::Demo::Load, Actor::default()).unwrap(),
    );
    let app = ridermap_app::app(mock_builder()).manage(service.clone()).build(tauri::generate_context!()).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

    // The window gets exactly what `ridermap web` and the CLI's --json get: the service's reply.
    for (name, req) in [
        ("gate", json!({"compound": "开鲁六村", "building": "12", "at": "2026-11-27T14:30:00Z"})),
        ("nearby", json!({"lat": 31.3376, "lon": 121.5382, "kind": "charger", "volts": 60, "limit": 5})),
        ("compounds", json!({"text": "开鲁"})),
        ("stats", json!({"grid": "yinhang-1"})),
    ] {
        let over_ipc = invoke(&webview, name, req.clone()).unwrap();
        assert_ne!(over_ipc, json!([]), "{name}");
        assert_eq!(over_ipc, service.dispatch(name, req).unwrap(), "{name}");
    }
    let found = invoke(&webview, "search", json!({"text": "开鲁六村"})).unwrap();
    assert_eq!(found[0]["name"], "开鲁六村");
    let gate =
        invoke(&webview, "gate", json!({"compound": "开鲁六村", "building": "12", "at": "2026-11-27T14:30:00Z"}))
            .unwrap();
    assert_eq!(gate["choices"][0]["name"], "2号门（侧门）");
    let status = invoke(&webview, "sync_status", json!({})).unwrap();
    assert_eq!(status["pending"], 0);

    // The error type, exactly as the UI receives it.
    let err = invoke(&webview, "place", json!({"id": "01a00000-0000-7000-8000-000000000000"})).unwrap_err();
    assert_eq!(err, json!({"code": "not_found", "message": "no place with id 01a00000-0000-7000-8000-000000000000"}));
    let err = invoke(&webview, "sync_now", json!({})).unwrap_err();
    assert_eq!(err["code"], "not_enrolled");
    assert!(err["message"].as_str().unwrap().contains("ridermap login"), "{err}");

    // A write through IPC lands in the store and waits to be synced.
    let gate_id = found.as_array().unwrap().iter().find(|p| p["kind"] == "compound").unwrap()["id"].clone();
    let report =
        invoke(&webview, "add_report", json!({"target": gate_id, "outcome": "hazard", "note": "井盖缺失"})).unwrap();
    assert_eq!(report["outcome"], "hazard");
    assert_eq!(invoke(&webview, "sync_status", json!({})).unwrap()["pending"], 1);
}
