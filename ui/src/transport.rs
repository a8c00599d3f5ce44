//! One way to call a command, two transports: Tauri IPC inside the app (`window.__TAURI__`,
//! command `NAME` with argument `req`), `POST /api/NAME` when `ridermap web` serves the UI.

use ridermap_api::{ApiError, Call, ErrorCode};
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Whether this UI runs in the app window (else in a browser, served by `ridermap web`).
pub fn in_tauri() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("__TAURI__")).unwrap_or(false))
}

fn js_error(e: JsValue) -> ApiError {
    // Tauri rejects with the command's error value ({code, message}); fetch with a JS Error.
    if let Ok(text) = js_sys::JSON::stringify(&e)
        && let Some(text) = text.as_string()
        && let Ok(err) = serde_json::from_str::<ApiError>(&text)
    {
        return err;
    }
    let message = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into());
    ApiError::new(ErrorCode::Offline, message)
}

fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::internal(format!("unexpected reply: {e}")))
}

/// Run a command wherever this UI runs.
pub async fn call<C: Call>(req: &C) -> Result<C::Reply, ApiError> {
    call_as::<C, C::Reply>(req).await
}

/// `call`, reading only what a screen shows of the reply (`T` takes the reply's JSON): the full
/// reply type may cost the wasm far more code than the screen needs.
pub async fn call_as<C: Call, T: serde::de::DeserializeOwned>(req: &C) -> Result<T, ApiError> {
    let body = serde_json::to_string(req).map_err(|e| ApiError::internal(e.to_string()))?;
    read(&call_json(C::NAME, body).await?)
}

/// The one transport, for every command: the request's JSON in, the reply's JSON out. Not
/// generic, so the wasm holds it once rather than once per command.
async fn call_json(name: &'static str, body: String) -> Result<String, ApiError> {
    if in_tauri() {
        let args = js_sys::Object::new();
        let req = js_sys::JSON::parse(&body).map_err(js_error)?;
        js_sys::Reflect::set(&args, &JsValue::from_str("req"), &req).map_err(js_error)?;
        let reply = tauri_invoke(name, args.into()).await.map_err(js_error)?;
        if reply.is_undefined() {
            return Ok("null".into());
        }
        return Ok(js_sys::JSON::stringify(&reply).map_err(js_error)?.into());
    }
    let window = web_sys::window().ok_or_else(|| ApiError::internal("no window"))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    let headers = web_sys::Headers::new().map_err(js_error)?;
    headers.set("content-type", "application/json").map_err(js_error)?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&format!("/api/{name}"), &init).map_err(js_error)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(js_error)?.unchecked_into();
    // The body as text, read once by serde (not parsed by JS, turned back into text and parsed
    // again: a map layer's reply is hundreds of KB).
    let text =
        JsFuture::from(response.text().map_err(js_error)?).await.map_err(js_error)?.as_string().unwrap_or_default();
    if response.ok() { Ok(text) } else { Err(read::<ApiError>(&text).unwrap_or_else(|e| e)) }
}

/// The app window's system file dialogs.
#[derive(Clone, Copy)]
pub enum Dialog {
    Open,
    Save,
}

/// A path picked in the app window's system dialog: a file to open, or where to save `name`; one
/// of `extensions` either way. None: the user cancelled.
pub async fn pick_path(dialog: Dialog, name: &str, extensions: &[&str]) -> Result<Option<String>, ApiError> {
    // Written out rather than through serde_json::Value: that costs the wasm more than this.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let list = extensions.iter().map(|e| quoted(e)).collect::<Vec<_>>().join(",");
    let filters = format!(r#"[{{"name":{},"extensions":[{list}]}}]"#, quoted(&extensions.join(", ")));
    let (cmd, options) = match dialog {
        Dialog::Open => ("plugin:dialog|open", format!(r#"{{"filters":{filters}}}"#)),
        Dialog::Save => ("plugin:dialog|save", format!(r#"{{"filters":{filters},"defaultPath":{}}}"#, quoted(name))),
    };
    let args = js_sys::JSON::parse(&format!(r#"{{"options":{options}}}"#)).map_err(js_error)?;
    Ok(tauri_invoke(cmd, args).await.map_err(js_error)?.as_string())
}

/// Where the map gets a base map tile; `version` keeps a replaced map's tiles out of caches.
pub fn tile_url(z: u8, x: u32, y: u32, version: &str) -> String {
    let base = if in_tauri() { "ridermap://localhost" } else { "" };
    format!("{base}/tiles/{z}/{x}/{y}?v={version}")
}

/// Where the UI shows a kept photo.
pub fn photo_url(hash: &str) -> String {
    if in_tauri() { format!("ridermap://localhost/photos/{hash}") } else { format!("/photos/{hash}") }
}
