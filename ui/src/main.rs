//! Ridermap's UI: Leptos, client-side rendered, compiled to wasm by trunk. It runs inside the
//! Tauri app (commands over IPC) or in a browser served by `ridermap web` (commands over HTTP);
//! `transport.rs` hides which. Logic that needs no DOM lives in plain modules tested natively
//! (`geom`, `text`, `forms`).

mod app;
mod chart;
mod forms;
mod geom;
mod layer;
mod map;
mod screens;
mod state;
mod text;
mod transport;
mod widgets;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
