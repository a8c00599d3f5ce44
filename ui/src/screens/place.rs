//! One place in full: every field, freshness, recent reports and notes, "still true", report,
//! navigation hand-off; grid workers edit and verify from here.

use base64::Engine;
use leptos::prelude::*;
use ridermap_api::{AddReportReq, ConfirmReq, PlaceReq, PlaceView, SignReq, VerifyPlaceReq};
use ridermap_core::{Id, Outcome, PlaceKind, nav};
use serde_json::Value;

use crate::{
    state::{Screen, Tab, state, tr},
    text,
    transport::{call, photo_url},
    widgets::{ReadStatus, SaveTo, save_to},
};

/// Fields shown in their own lines above, or not for riders.
const SKIP: &[&str] = &[
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "created_at",
    "updated_at",
    "updated_by",
    "verified_at",
    "source",
    "photo",
    "outline",
    "buildings",
    "compound",
];

fn field_rows(v: &PlaceView, lang: ridermap_core::Lang) -> Vec<(String, String)> {
    let Ok(Value::Object(m)) = serde_json::to_value(&v.place) else { return vec![] };
    m.into_iter()
        .filter(|(k, v)| !SKIP.contains(&k.as_str()) && !v.is_null() && v != &Value::Array(vec![]))
        .map(|(k, v)| {
            if let Some(words) = text::value(&k, &v, lang) {
                return (text::field(&k, lang), words);
            }
            let shown = match &v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (text::field(&k, lang), shown)
        })
        .collect()
}

#[component]
pub fn PlaceScreen(id: Id) -> impl IntoView {
    let s = state();
    let reporting = RwSignal::new(false);
    let data = LocalResource::new(move || {
        s.changed.track();
        async move { call(&PlaceReq { id }).await }
    });
    let confirm = Action::new_local(move |_: &()| async move {
        match call(&ConfirmReq { id }).await {
            Ok(_) => {
                s.say(s.t("已确认信息属实，待同步", "Confirmed; waiting to sync"));
                s.wrote();
            }
            Err(e) => s.say(e.message),
        }
    });
    let verify = Action::new_local(move |_: &()| async move {
        match call(&VerifyPlaceReq { id }).await {
            Ok(_) => {
                s.say(s.t("已标记为现场核实", "Marked verified on site"));
                s.wrote();
            }
            Err(e) => s.say(e.message),
        }
    });
    let body = move || {
        let v = match data.get() {
            Some(Ok(v)) => v,
            _ => return view! { <ReadStatus res=data what=("这个地点", "this place")/> }.into_any(),
        };
        let lang = s.lang.get();
        let p = v.place.clone();
        let kind = p.kind();
        let fresh = {
            let verified =
                p.stamp.verified_at.map(|t| format!("{} {}", s.t("核实于", "verified"), text::ago(t, v.now, lang)));
            let confirmed =
                v.last_report_at.map(|t| format!("{} {}", s.t("最近反馈", "last report"), text::ago(t, v.now, lang)));
            [
                verified.unwrap_or_else(|| s.t("未经现场核实", "never verified on site").into()),
                confirmed.unwrap_or_default(),
            ]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
        };
        let open = match v.open {
            Some(true) => s.t("现在开放", "open now"),
            Some(false) => s.t("现在关闭", "closed now"),
            None => s.t("开放时间未知", "hours unknown"),
        };
        let warn = text::condition(v.condition, lang);
        let amap = nav::amap_uri(p.point(), &p.name);
        let baidu = nav::baidu_uri(p.point(), &p.name);
        let rows = field_rows(&v, lang)
            .into_iter()
            .map(|(k, val)| view! { <div class="field"><span class="k">{k}</span><span class="v">{val}</span></div> })
            .collect_view();
        let reports = v
            .reports
            .iter()
            .take(20)
            .map(|r| {
                let photo = r.photo.clone().map(|h| view! { <img class="thumb" src=photo_url(&h) alt="photo"/> });
                view! {
                    <li data-testid="report">
                        <b>{text::outcome(r.outcome, lang)}</b>" · "{text::ago(r.observed_at, v.now, lang)}
                        {r.note.clone().map(|n| view! { <span>" · "{n}</span> })}
                        {photo}
                    </li>
                }
            })
            .collect_view();
        let notes = v.notes.iter().map(|n| view! { <li>{n.text.clone()}</li> }).collect_view();
        let related = v
            .related
            .iter()
            .map(|r| {
                let rid = r.id;
                view! { <li><button class="link" on:click=move |_| s.screen.set(Screen::Place(rid))>{r.name.clone()}</button></li> }
            })
            .collect_view();
        view! {
            <h2 data-testid="place-name">{p.name.clone()}</h2>
            <p class="sub">{text::kind(kind, lang)}" · "<span data-testid="open-state">{open}</span></p>
            {warn.map(|w| view! { <p class="warn" data-testid="condition">{w}</p> })}
            <p class="fresh" data-testid="freshness">{fresh}</p>
            <div class="actions">
                <button class="big" data-testid="confirm" on:click=move |_| { confirm.dispatch(()); }>{s.t("信息属实", "Still true")}</button>
                <button class="big" data-testid="report-open" on:click=move |_| reporting.set(true)>{s.t("报告", "Report")}</button>
            </div>
            <div class="actions">
                <a class="button" href=amap target="_blank" rel="noopener" data-testid="nav-amap">{s.t("高德导航", "Amap")}</a>
                <a class="button" href=baidu target="_blank" rel="noopener" data-testid="nav-baidu">{s.t("百度导航", "Baidu")}</a>
                <button data-testid="verify" on:click=move |_| { verify.dispatch(()); }>{s.t("现场核实", "Verify")}</button>
            </div>
            {(kind == PlaceKind::Compound).then(|| view! { <RateCompound id=id/><PrintSign id=id name=p.name.clone()/> })}
            <div class="fields">{rows}</div>
            <h3>{s.t("相关", "Related")}</h3>
            <ul>{related}</ul>
            <h3>{s.t("最近反馈", "Recent reports")}</h3>
            <ul class="reports">{reports}</ul>
            <h3>{s.t("备注", "Notes")}</h3>
            <ul>{notes}</ul>
            <Show when=move || reporting.get()>
                <ReportSheet id=id kind=kind on_done=Callback::new(move |_| reporting.set(false))/>
            </Show>
        }
        .into_any()
    };
    view! {
        <section class="place">
            <button class="back" data-testid="back" on:click=move |_| s.screen.set(Screen::Tab(Tab::Nearby))>{tr("‹ 返回", "‹ Back")}</button>
            {body}
        </section>
    }
}

/// Outcome chips, an optional note and photo, save: three taps from the place to a saved report.
#[component]
fn ReportSheet(id: Id, kind: ridermap_core::PlaceKind, on_done: Callback<()>) -> impl IntoView {
    let s = state();
    let outcome = RwSignal::new(None::<Outcome>);
    let note = RwSignal::new(String::new());
    let photo = RwSignal::new(None::<String>);
    // At a gate: how long the rider waited to get in (or to be turned away), in one tap.
    let waited = RwSignal::new(None::<u32>);
    let save = Action::new_local(move |_: &()| {
        let req = AddReportReq {
            target: Some(id),
            outcome: outcome.get_untracked().unwrap_or(Outcome::Confirmed),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
            photo_base64: photo.get_untracked(),
            photo: None,
            lat: None,
            lon: None,
            observed_at: None,
            waited_min: waited.get_untracked(),
            ratings: vec![],
        };
        async move {
            match call(&req).await {
                Ok(_) => {
                    s.say(s.t("已保存，待同步", "Saved; waiting to sync"));
                    s.wrote();
                    on_done.run(());
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = crate::widgets::picked_file(&ev) else { return };
        leptos::task::spawn_local(async move {
            if let Some(b64) = crate::widgets::file_base64(&file).await {
                photo.set(Some(b64));
            }
        });
    };
    let chips = text::outcomes_for(Some(kind))
        .iter()
        .map(|&o| {
            view! {
                <button class="chip big" class:on=move || outcome.get() == Some(o)
                    data-testid=format!("outcome-{}", o.as_str()) on:click=move |_| outcome.set(Some(o))>
                    {move || text::outcome(o, s.lang.get())}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="sheet" data-testid="report-sheet">
            <div class="chips">{chips}</div>
            {(kind == ridermap_core::PlaceKind::Entrance).then(|| view! {
                <div class="chips waits">
                    <span class="muted">{tr("等了", "Waited")}</span>
                    {[2u32, 5, 10, 20].into_iter().map(|m| view! {
                        <button class="chip big" class:on=move || waited.get() == Some(m) data-testid=format!("waited-{m}")
                            on:click=move |_| waited.update(|w| *w = if *w == Some(m) { None } else { Some(m) })>
                            {move || if m == 20 { s.t("20+ 分钟", "20+ min").to_string() } else { format!("{m} {}", s.t("分钟", "min")) }}
                        </button>
                    }).collect_view()}
                </div>
            })}
            <input type="text" data-testid="report-note" placeholder=tr("补充说明（可选）", "Note (optional)")
                prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
            <label class="file">{tr("照片（可选）", "Photo (optional)")}
                <input type="file" accept="image/*" capture="environment" on:change=on_file />
            </label>
            <div class="actions">
                <button class="big primary" data-testid="report-save" disabled=move || outcome.get().is_none() || save.pending().get()
                    on:click=move |_| { save.dispatch(()); }>{tr("保存", "Save")}</button>
                <button class="big" on:click=move |_| on_done.run(())>{tr("取消", "Cancel")}</button>
            </div>
        </div>
    }
}

/// The compound's signboard for its entrance, downloaded as a PDF to print (A4 and A3).
#[component]
fn PrintSign(id: Id, name: String) -> impl IntoView {
    let s = state();
    let print = Action::new_local(move |paper: &&'static str| {
        let (paper, name) = (*paper, name.clone());
        let req = SignReq {
            compound: id.to_string(),
            paper: Some(paper.into()),
            lang: s.lang.get_untracked(),
            ..SignReq::default()
        };
        async move {
            let file = format!("{name}-{paper}.pdf");
            let Some(to) = save_to(&file, &["pdf"]).await else { return };
            let req = SignReq { out: to.out(), ..req };
            let got = call(&req).await.map_err(|e| e.message).and_then(|signed| match signed.pdf_base64 {
                Some(pdf) => {
                    let pdf = base64::engine::general_purpose::STANDARD.decode(pdf).map_err(|e| e.to_string())?;
                    crate::widgets::save_file(&file, &pdf, "application/pdf")
                }
                None => Ok(()),
            });
            match (got, to) {
                (Ok(()), SaveTo::Path(p)) => crate::widgets::saved_at(&p),
                (Ok(()), SaveTo::Download) => s.say(s.t("告示牌已生成，可打印", "Signboard ready to print")),
                (Err(e), _) => s.say(e),
            }
        }
    });
    view! {
        <div class="actions">
            <button data-testid="print-sign" on:click=move |_| { print.dispatch("a4"); }>{tr("打印告示牌（A4）", "Print signboard (A4)")}</button>
            <button data-testid="print-sign-a3" on:click=move |_| { print.dispatch("a3"); }>{tr("A3", "A3")}</button>
        </div>
    }
}

/// A rider rates the compound: one tap per indicator (good or not), then send. Ratings are
/// opinions: they are scored together, never shown one by one.
#[component]
fn RateCompound(id: Id) -> impl IntoView {
    let s = state();
    let taps = RwSignal::new(Vec::<ridermap_core::Rating>::new());
    let tap = move |indicator: ridermap_core::Indicator, good: bool| {
        taps.update(|t| {
            let same = t.iter().any(|r| r.indicator == indicator && r.good == good);
            t.retain(|r| r.indicator != indicator);
            if !same {
                t.push(ridermap_core::Rating { indicator, good });
            }
        })
    };
    let is = move |indicator, good| taps.with(|t| t.iter().any(|r| r.indicator == indicator && r.good == good));
    let send = Action::new_local(move |_: &()| {
        let ratings = taps.get_untracked();
        let req = AddReportReq {
            target: Some(id),
            outcome: Outcome::Rated,
            note: None,
            photo_base64: None,
            photo: None,
            lat: None,
            lon: None,
            observed_at: None,
            waited_min: None,
            ratings,
        };
        async move {
            match call(&req).await {
                Ok(_) => {
                    s.say(s.t("谢谢！评价已保存，待同步", "Thanks! Rating saved; waiting to sync"));
                    taps.set(vec![]);
                    s.wrote();
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let rows = ridermap_core::Indicator::ALL
        .into_iter()
        .map(|i| {
            let name = i.as_str();
            view! {
                <div class="rate-row">
                    <span class="rate-name">{move || text::indicator(i, s.lang.get())}</span>
                    <button class="chip big" class:on=move || is(i, true) data-testid=format!("rate-{name}-good") on:click=move |_| tap(i, true)>"✓"</button>
                    <button class="chip big bad" class:on=move || is(i, false) data-testid=format!("rate-{name}-bad") on:click=move |_| tap(i, false)>"✗"</button>
                </div>
            }
        })
        .collect_view();
    view! {
        <details class="rate" data-testid="rate">
            <summary>{tr("给这个小区打分（骑手友好度）", "Rate this compound (rider-friendly?)")}</summary>
            {rows}
            <button class="big primary" data-testid="rate-save" disabled=move || taps.with(Vec::is_empty)
                on:click=move |_| { send.dispatch(()); }>{tr("提交评价", "Send rating")}</button>
        </details>
    }
}
