//! Sync: status, a round now, the outbox with each item's state and refusal reason, and settings
//! (server address, enrolment with an invite code, the offline base map).

use leptos::prelude::*;
use ridermap_api::{Datum, DismissReq, EnrolReq, ImportBaseMapReq, OutboxReq, SyncNowReq, TokenVault};
use wasm_bindgen::JsCast;

use crate::{
    state::{state, tr},
    transport::{Dialog, call, pick_path},
    widgets::ReadStatus,
};

#[component]
pub fn SyncScreen() -> impl IntoView {
    let s = state();
    let server = RwSignal::new(String::new());
    let invite = RwSignal::new(String::new());
    // A city's own CA certificate (file name, PEM text), for a server whose certificate no public
    // CA signed.
    let ca = RwSignal::new(None::<(String, String)>);
    let on_ca = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => ca.set(Some((file.name(), text.as_string().unwrap_or_default()))),
                Err(_) => s.say(format!("{}{}", s.t("读不了文件：", "Cannot read the file: "), file.name())),
            }
        });
    };
    let outbox = LocalResource::new(move || {
        s.changed.track();
        async move { call(&OutboxReq {}).await }
    });
    let sync_now = Action::new_local(move |_: &()| async move {
        match call(&SyncNowReq { verify: false }).await {
            Ok(r) => {
                s.sync.set(Some(r.status));
                s.say(format!(
                    "{} {} · {} {} · {} {}",
                    s.t("上传", "sent"),
                    r.round.pushed,
                    s.t("拒绝", "refused"),
                    r.round.refused,
                    s.t("下载", "received"),
                    r.round.pulled
                ));
            }
            Err(e) => s.say(e.message),
        }
        s.wrote();
    });
    let enrol = Action::new_local(move |_: &()| {
        let req = EnrolReq {
            server: server.get_untracked(),
            invite: invite.get_untracked(),
            ca: ca.get_untracked().map(|(_, pem)| pem),
        };
        async move {
            match call(&req).await {
                Ok(st) => {
                    s.sync.set(Some(st));
                    s.say(s.t("已登录服务器", "Enrolled"));
                    invite.set(String::new());
                    ca.set(None);
                }
                Err(e) => s.say(e.message),
            }
            s.wrote();
        }
    });
    let token_in = move || {
        let st = s.sync.get()?;
        let kept = match st.token_in? {
            TokenVault::Keyring => s.t("登录凭据保存在系统钥匙串", "Sign-in kept in the system keyring"),
            TokenVault::Store => s.t(
                "登录凭据保存在本机数据文件（仅本用户可读）",
                "Sign-in kept in this device's data file (readable by you only)",
            ),
        };
        let ca = if st.own_ca { s.t(" · 信任服务器自有证书", " · trusts the server's own CA") } else { "" };
        Some(format!("{kept}{ca}"))
    };
    let basemap_path = RwSignal::new(String::new());
    let import_basemap = Action::new_local(move |_: &()| {
        let path = basemap_path.get_untracked();
        async move {
            match call(&ImportBaseMapReq { path }).await {
                Ok(m) => {
                    s.say(format!("{}{}", s.t("已导入底图：", "Base map imported: "), m.name));
                    s.basemap.set(Some(m));
                    basemap_path.set(String::new());
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    // In the app window: the path picked in the system's open dialog, imported as if typed.
    let pick_basemap = move |_| {
        leptos::task::spawn_local(async move {
            match pick_path(Dialog::Open, "", &["mbtiles"]).await {
                Ok(Some(path)) => {
                    basemap_path.set(path);
                    import_basemap.dispatch(());
                }
                Ok(None) => {}
                Err(e) => s.say(e.message),
            }
        })
    };
    let basemap_now = move || match s.basemap.get() {
        None => s.t("没有底图：地图只画本机数据", "No base map: the map draws the local data only").to_string(),
        Some(m) => format!(
            "{} · {} {}–{} · {}",
            m.name,
            s.t("缩放", "zoom"),
            m.min_zoom,
            m.max_zoom,
            match m.datum {
                Datum::Wgs84 => "WGS-84",
                Datum::Gcj02 => "GCJ-02",
            }
        ),
    };
    let dismiss = Action::new_local(move |id: &ridermap_core::Id| {
        let id = *id;
        async move {
            if let Err(e) = call(&DismissReq { id }).await {
                s.say(e.message);
            }
            s.wrote();
        }
    });
    let items = move || {
        match outbox.get() {
        None | Some(Err(_)) => view! { <ReadStatus res=outbox what=("待同步列表", "the outbox")/> }.into_any(),
        Some(Ok(o)) if o.items.is_empty() => view! { <p data-testid="outbox-empty">{s.t("没有待同步的修改", "Nothing waiting")}</p> }.into_any(),
        Some(Ok(o)) => o
            .items
            .into_iter()
            .map(|it| {
                let id = it.change.id;
                let lang = s.lang.get();
                let what = match &it.label {
                    Some(name) => format!("{} · {name}", ridermap_api::entity_word(it.change.entity, lang)),
                    None => ridermap_api::entity_word(it.change.entity, lang).to_string(),
                };
                let refused = it.refusal.clone();
                let is_refused = refused.is_some();
                view! {
                    <li class="outbox-item" class:refused=is_refused data-testid="outbox-item">
                        <span>{what}</span>
                        {match refused {
                            Some(why) => view! {
                                <span class="warn">{s.t("被拒绝：", "Refused: ")}{why}</span>
                                <button class="link" data-testid="dismiss" on:click=move |_| { dismiss.dispatch(id); }>{s.t("知道了", "Dismiss")}</button>
                            }.into_any(),
                            None => view! { <span>{s.t("待上传", "waiting")}</span> }.into_any(),
                        }}
                    </li>
                }
            })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <section class="sync">
            <h2>{tr("同步", "Sync")}</h2>
            <p data-testid="sync-server">{move || s.sync.get().and_then(|st| st.server).unwrap_or_else(|| s.t("未设置服务器", "No server set").into())}</p>
            {move || s.sync.get().and_then(|st| st.last_error).map(|e| view! { <p class="warn" data-testid="last-error">{e}</p> })}
            <button class="big primary" data-testid="sync-now" disabled=move || sync_now.pending().get()
                on:click=move |_| { sync_now.dispatch(()); }>{tr("立即同步", "Sync now")}</button>
            <h3>{tr("待同步", "Outbox")}</h3>
            <ul class="outbox">{items}</ul>
            <h3>{tr("设置", "Settings")}</h3>
            <input type="url" data-testid="server-url" placeholder="https://…" prop:value=move || server.get()
                on:input=move |ev| server.set(event_target_value(&ev)) />
            <input type="text" data-testid="invite" placeholder=tr("邀请码", "Invite code") prop:value=move || invite.get()
                on:input=move |ev| invite.set(event_target_value(&ev)) />
            <label class="file">{tr("服务器证书（CA，可选：城市自建服务器才需要）", "Server CA certificate (optional: only for a city's own CA)")}
                <input type="file" data-testid="ca-file" accept=".pem,.crt,.cer" on:change=on_ca />
            </label>
            {move || ca.get().map(|(name, _)| view! {
                <p data-testid="ca-chosen">{s.t("将信任：", "Will trust: ")}{name}
                    <button class="link" data-testid="ca-clear" on:click=move |_| ca.set(None)>{s.t("不用了", "Remove")}</button>
                </p>
            })}
            <button class="big" data-testid="enrol" disabled=move || enrol.pending().get()
                on:click=move |_| { enrol.dispatch(()); }>{tr("登录服务器", "Enrol")}</button>
            <p data-testid="token-in">{token_in}</p>
            <h3>{tr("离线底图", "Offline base map")}</h3>
            <p data-testid="basemap">{basemap_now}</p>
            <input type="text" data-testid="basemap-path" placeholder=tr("本机上的 .mbtiles 文件路径", "Path of an .mbtiles file on this device")
                prop:value=move || basemap_path.get() on:input=move |ev| basemap_path.set(event_target_value(&ev)) />
            <button class="big" data-testid="basemap-import" disabled=move || import_basemap.pending().get()
                on:click=move |_| { import_basemap.dispatch(()); }>{tr("导入底图", "Import base map")}</button>
            {crate::transport::in_tauri().then(|| view! {
                <button class="big" data-testid="basemap-pick" disabled=move || import_basemap.pending().get()
                    on:click=pick_basemap>{tr("选择底图文件…", "Choose a base map file…")}</button>
            })}
        </section>
    }
}
