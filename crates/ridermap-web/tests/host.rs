//! The web host's routes, run in process with `oneshot` (axum's testing example).

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use ridermap_service::Service;
use ridermap_store::Actor;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Host {
    router: axum::Router,
    /// The cookie the UI's page got, as a browser would send it back.
    cookie: String,
    _dir: tempfile::TempDir,
}

fn host() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path().join("dist");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>骑手友好地图</title>").unwrap();
    std::fs::write(ui.join("app.js"), "console.log(1)").unwrap();
    let service =
        Service::open(&dir.path().join("app.sqlite"), ridermap_service::Demo::Load, Actor::default()).unwrap();
    let router = ridermap_web::router(Arc::new(service), &ui);
    Host { router, cookie: String::new(), _dir: dir }
}

/// A host whose page has been loaded: it holds the key the page was given.
async fn loaded() -> Host {
    let mut h = host();
    let req = Request::builder().uri("/").header("host", "127.0.0.1:8478").body(Body::empty()).unwrap();
    let res = h.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.contains("SameSite=Strict") && set.contains("HttpOnly"), "{set}");
    h.cookie = set.split(';').next().unwrap().to_string();
    h
}

/// A request as the served page makes it: to 127.0.0.1, with the key, JSON.
async fn send(h: &Host, method: &str, uri: &str, body: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1:8478")
        .header("cookie", &h.cookie)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    answer(h, req).await
}

async fn answer(h: &Host, req: Request<Body>) -> (StatusCode, String) {
    let res = h.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// No page of another site, and no request the served page did not make, drives the host: each
/// of these is 403 and writes nothing.
#[tokio::test]
async fn only_the_page_it_served_drives_the_host() {
    let h = loaded().await;
    let report = r#"{"outcome":"hazard","lat":31.33,"lon":121.53}"#;
    let request = |host: &str, origin: Option<&str>, cookie: Option<&str>, kind: &str| {
        let mut b =
            Request::builder().method("POST").uri("/api/add_report").header("host", host).header("content-type", kind);
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        b.body(Body::from(report)).unwrap()
    };
    let key = Some(h.cookie.as_str());
    let cases = [
        (
            "a cross-origin form post",
            request("127.0.0.1:8478", Some("https://evil.example"), key, "application/x-www-form-urlencoded"),
        ),
        (
            "another origin, even with a JSON body",
            request("127.0.0.1:8478", Some("http://localhost:9999"), key, "application/json"),
        ),
        ("a text/plain body", request("127.0.0.1:8478", Some("http://127.0.0.1:8478"), key, "text/plain")),
        ("a rebound name in Host", request("evil.example:8478", None, key, "application/json")),
        ("no key", request("127.0.0.1:8478", Some("http://127.0.0.1:8478"), None, "application/json")),
        ("a wrong key", request("127.0.0.1:8478", None, Some("ridermap_key=0123"), "application/json")),
    ];
    for (what, req) in cases {
        let (status, body) = answer(&h, req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], "denied", "{what}");
    }
    let no_host = Request::builder().uri("/").body(Body::empty()).unwrap();
    assert_eq!(answer(&h, no_host).await.0, StatusCode::FORBIDDEN, "a request naming no host");
    let (_, status) = send(&h, "POST", "/api/sync_status", "{}").await;
    assert_eq!(serde_json::from_str::<Value>(&status).unwrap()["pending"], 0, "nothing was written");
    // The page itself, from its own origin: it works.
    let ok = request("127.0.0.1:8478", Some("http://127.0.0.1:8478"), key, "application/json; charset=utf-8");
    assert_eq!(answer(&h, ok).await.0, StatusCode::OK);
    let (_, status) = send(&h, "POST", "/api/sync_status", "{}").await;
    assert_eq!(serde_json::from_str::<Value>(&status).unwrap()["pending"], 1);
}

#[tokio::test]
async fn commands_answer_json_and_errors_are_code_and_message() {
    let h = loaded().await;
    let check = |(status, body): (StatusCode, String), expected: StatusCode, f: &dyn Fn(&Value)| {
        assert_eq!(status, expected, "{body}");
        f(&serde_json::from_str(&body).unwrap());
    };
    check(send(&h, "POST", "/api/search", r#"{"text":"开鲁六村"}"#).await, StatusCode::OK, &|v| {
        assert_eq!(v[0]["name"], "开鲁六村")
    });
    check(send(&h, "POST", "/api/sync_status", "").await, StatusCode::OK, &|v| assert_eq!(v["enrolled"], false));
    check(send(&h, "POST", "/api/search", "{not json").await, StatusCode::BAD_REQUEST, &|v| {
        assert_eq!(v["code"], "invalid");
        assert!(v["message"].as_str().unwrap().contains("search"));
    });
    check(send(&h, "POST", "/api/nope", "{}").await, StatusCode::NOT_FOUND, &|v| {
        assert_eq!(v, &json!({"code": "unknown_command", "message": "no command `nope`"}))
    });
    check(send(&h, "GET", &format!("/photos/{}", "a".repeat(64)), "").await, StatusCode::NOT_FOUND, &|v| {
        assert_eq!(v["code"], "not_found")
    });
}

/// Every command of the registry has a route: a body it cannot read is refused by the command
/// itself (naming it), never as an unknown route.
#[tokio::test]
async fn every_command_of_the_registry_is_answered() {
    let h = loaded().await;
    assert!(ridermap_service::api::COMMANDS.len() > 30);
    for name in ridermap_service::api::COMMANDS {
        let (status, body) = send(&h, "POST", &format!("/api/{name}"), r#""not a request""#).await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!((status, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid")), "{name}: {body}");
        assert!(v["message"].as_str().unwrap().contains(&format!("bad request for `{name}`")), "{name}: {body}");
    }
}

#[tokio::test]
async fn base_map_tiles_are_served_once_a_map_is_imported() {
    let h = loaded().await;
    let (status, body) = send(&h, "GET", "/tiles/16/54897/26743", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let file = h._dir.path().join("map.mbtiles");
    let db = rusqlite::Connection::open(&file).unwrap();
    db.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT); INSERT INTO metadata VALUES ('format', 'png');
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         INSERT INTO tiles VALUES (16, 54897, 38792, x'89504e47');",
    )
    .unwrap();
    drop(db);
    let body = json!({"path": file.to_str().unwrap()}).to_string();
    let (status, reply) = send(&h, "POST", "/api/import_basemap", &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    // 38792 is the TMS row of XYZ y 26743 at zoom 16.
    let req = Request::builder()
        .uri("/tiles/16/54897/26743?v=1")
        .header("host", "localhost:8478")
        .header("cookie", &h.cookie)
        .body(Body::empty())
        .unwrap();
    let res = h.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(&res.into_body().collect().await.unwrap().to_bytes()[..], b"\x89PNG");
    assert_eq!(send(&h, "GET", "/tiles/16/54897/26744", "").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_ui_is_served_with_index_for_its_own_routes() {
    let h = loaded().await;
    let (status, body) = send(&h, "GET", "/", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("骑手友好地图"));
    assert_eq!(send(&h, "GET", "/app.js", "").await.1, "console.log(1)");
    let (status, body) = send(&h, "GET", "/gate", "").await;
    assert_eq!((status, body.contains("骑手友好地图")), (StatusCode::OK, true));
}
