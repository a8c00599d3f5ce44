//! Small shared pieces: how a read is shown (loading, offline, failed with a retry, loaded), the
//! toast, the sync status bar, a virtualized list.

use leptos::{html, prelude::*};
use ridermap_api::{ApiError, ErrorCode};

use crate::{
    geom::visible_rows,
    state::{Screen, Tab, state},
};

/// A read's value, and whether it is still on its way.
pub type Reading<T> = LocalResource<Result<T, ApiError>>;

/// What a read looks like while it is not loaded: "loading…", or what failed (offline says so)
/// with a retry. Nothing once it has loaded. Every screen shows its reads through this or `Read`,
/// so a failed read never looks like an empty one ("0 places").
#[component]
pub fn ReadStatus<T>(
    /// The read; the retry button runs it again.
    res: Reading<T>,
    /// What it reads, in Chinese and English ("待审核列表", "the review queue").
    what: (&'static str, &'static str),
) -> impl IntoView
where
    T: Clone + 'static,
{
    // Only where the read stands is generic; what it looks like is drawn once for all reads.
    let stands = move || {
        res.with(|r| match r {
            None => Some(None),
            Some(Err(e)) => Some(Some(e.clone())),
            Some(Ok(_)) => None,
        })
    };
    let retry = Callback::new(move |()| res.refetch());
    move || stands().map(|failed| status_view(failed, what, retry))
}

/// "Loading…" (`None`), or what failed with a retry.
fn status_view(failed: Option<ApiError>, what: (&'static str, &'static str), retry: Callback<()>) -> AnyView {
    let s = state();
    let Some(e) = failed else {
        return view! { <p class="loading" data-testid="loading">{s.t("读取中…", "Loading…")}</p> }.into_any();
    };
    let headline = match e.code {
        ErrorCode::Offline => s.t("连接不上，未能读取", "Cannot connect to read"),
        _ => s.t("读取失败：", "Could not read "),
    };
    view! {
        <div class="read-error" role="alert" data-testid="read-error">
            <p><b>{headline}{s.t(what.0, what.1)}</b></p>
            <p class="why">{e.message}</p>
            <button class="big" data-testid="retry" on:click=move |_| retry.run(())>{s.t("重试", "Retry")}</button>
        </div>
    }
    .into_any()
}

/// The file a file input was just given, if any.
pub fn picked_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    input.files()?.get(0)
}

/// A picked file's bytes as base64, as commands take files (None: it could not be read).
pub async fn file_base64(file: &web_sys::File) -> Option<String> {
    use base64::Engine;
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(js_sys::Uint8Array::new(&buf).to_vec()))
}

/// Whether the window is a tablet's (two panes: a list beside the map and what it selects).
pub fn wide() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).is_some_and(|w| w >= 900.0)
}

/// Where a file the user saves goes.
pub enum SaveTo {
    /// The browser's download (of the command's reply).
    Download,
    /// A path on this device, picked in the app window's save dialog (the command writes it).
    Path(String),
}

impl SaveTo {
    /// The path a command writes, if it writes one (else it replies with the file).
    pub fn out(&self) -> Option<String> {
        match self {
            SaveTo::Path(p) => Some(p.clone()),
            SaveTo::Download => None,
        }
    }
}

/// Asks where to save `name` (one of `extensions`): a browser downloads; the app window asks the
/// system's save dialog. None: cancelled, or the dialog failed (said).
pub async fn save_to(name: &str, extensions: &[&str]) -> Option<SaveTo> {
    if !crate::transport::in_tauri() {
        return Some(SaveTo::Download);
    }
    match crate::transport::pick_path(crate::transport::Dialog::Save, name, extensions).await {
        Ok(path) => path.map(SaveTo::Path),
        Err(e) => {
            crate::state::state().say(e.message);
            None
        }
    }
}

/// Says where a file was saved.
pub fn saved_at(path: &str) {
    let s = crate::state::state();
    s.say(format!("{}{path}", s.t("已保存到 ", "Saved to ")));
}

/// Hands `bytes` to the browser as a downloaded file `name` (the web view's own download).
pub fn save_file(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let fail = |e: wasm_bindgen::JsValue| format!("cannot save {name}: {e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)
}

/// A read in full: `ReadStatus` until it has loaded, then `ok` draws the value.
#[component]
pub fn Read<T, V, F>(
    res: Reading<T>,
    what: (&'static str, &'static str),
    /// Draws the loaded value.
    ok: F,
) -> impl IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match res.get() {
        Some(Ok(v)) => ok(v).into_any(),
        _ => view! { <ReadStatus res=res what=what/> }.into_any(),
    }
}

/// A short message over the bottom of the screen. It never takes taps (it must not cover a button
/// a rider needs) and goes after a few seconds.
#[component]
pub fn Toast() -> impl IntoView {
    let s = state();
    let shown = RwSignal::new(0u32);
    Effect::new(move |_| {
        if s.toast.with(Option::is_some) {
            let n = shown.get_untracked() + 1;
            shown.set(n);
            set_timeout(
                move || {
                    if shown.get_untracked() == n {
                        s.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(5),
            );
        }
    });
    view! {
        <Show when=move || s.toast.with(Option::is_some)>
            <div class="toast" role="status" data-testid="toast">{move || s.toast.get().unwrap_or_default()}</div>
        </Show>
    }
}

/// Offline / online, pending changes, last sync; tapping opens the sync screen.
#[component]
pub fn StatusBar() -> impl IntoView {
    let s = state();
    let text = move || match (s.sync.get(), s.sync_failed.get()) {
        (_, Some(why)) => format!("{} {why}", s.t("同步状态读取失败：", "Cannot read the sync status:")),
        (None, None) => s.t("同步状态读取中", "Reading sync status").to_string(),
        (Some(st), None) => {
            let online = match (&st.last_error, st.enrolled) {
                (_, false) => s.t("未登录服务器", "Not enrolled"),
                (Some(_), true) => s.t("离线", "Offline"),
                (None, true) => s.t("在线", "Online"),
            };
            let last = st
                .last_success
                .as_deref()
                .map(|t| t.get(11..16).unwrap_or(t).to_string())
                .unwrap_or_else(|| "—".into());
            format!("{online} · {} {} · {} {last}", s.t("待同步", "pending"), st.pending, s.t("上次同步", "last sync"))
        }
    };
    let offline = move || {
        s.sync_failed.with(Option::is_some) || s.sync.get().is_some_and(|st| st.last_error.is_some() || !st.enrolled)
    };
    // Unknown is not zero: nothing is shown as pending until the status has been read.
    let pending = move || match (s.sync.get(), s.sync_failed.with(Option::is_some)) {
        (Some(st), false) => st.pending.to_string(),
        _ => "?".to_string(),
    };
    view! {
        <button class="status-bar" class:offline=offline data-testid="status-bar"
            on:click=move |_| s.screen.set(Screen::Tab(Tab::Sync))>
            <span data-testid="pending" class="pending">{pending}</span>
            <span>{text}</span>
        </button>
    }
}

/// A list of `rows` items of fixed height that renders only what is on screen, so ten thousand
/// places scroll as smoothly as ten.
#[component]
pub fn VirtualList<T, F, V>(
    /// The items, in order.
    items: Signal<Vec<T>>,
    /// Height of one row in pixels (the CSS must agree).
    row_height: f64,
    /// Renders one item.
    render: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let scroller = NodeRef::<html::Div>::new();
    let top = RwSignal::new(0.0f64);
    let height = RwSignal::new(600.0f64);
    let window = move || {
        let n = items.with(Vec::len);
        visible_rows(top.get(), height.get(), row_height, n, 8)
    };
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            top.set(el.scroll_top() as f64);
            height.set(el.client_height() as f64);
        }
    };
    view! {
        <div class="vlist" node_ref=scroller on:scroll=on_scroll data-testid="vlist">
            <div style=move || format!("height:{}px;position:relative", items.with(Vec::len) as f64 * row_height)>
                {move || {
                    let (start, end) = window();
                    let render = render.clone();
                    items.with(|all| {
                        all[start..end]
                            .iter()
                            .cloned()
                            .enumerate()
                            .map(|(i, item)| {
                                let y = (start + i) as f64 * row_height;
                                view! {
                                    <div class="vrow" style=format!("top:{y}px;height:{row_height}px")>{render(item)}</div>
                                }
                            })
                            .collect_view()
                    })
                }}
            </div>
        </div>
    }
}
