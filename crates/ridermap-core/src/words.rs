//! Words people read, in Chinese (default) and English: the app's screens and the CLI's tables
//! share them. Enum labels are matched exhaustively, so a new variant cannot ship without its
//! words.

use crate::{Amenity, ChargerKind, Indicator, Lang, Outcome, PlaceKind, Role, StationService, status::Condition};
use chrono::{DateTime, Datelike, Timelike, Utc};

/// A day as `MM-DD`. Written out, as `clock` is: chrono's format strings cost the UI's wasm
/// several KB.
pub fn month_day(d: &impl Datelike) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

/// A time of day as `HH:MM`.
pub fn clock(t: &impl Timelike) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

pub fn kind(k: PlaceKind, l: Lang) -> &'static str {
    match k {
        PlaceKind::Compound => l.pick("小区", "Compound"),
        PlaceKind::Entrance => l.pick("门", "Gate"),
        PlaceKind::Charger => l.pick("换电/充电", "Charger"),
        PlaceKind::RestStop => l.pick("驿站", "Rest stop"),
        PlaceKind::Path => l.pick("小区通道", "Compound path"),
    }
}

pub fn outcome(o: Outcome, l: Lang) -> &'static str {
    match o {
        Outcome::GotIn => l.pick("进去了", "Got in"),
        Outcome::Refused => l.pick("被拦", "Turned away"),
        Outcome::EbikeBanned => l.pick("电动车不让进", "No e-bikes"),
        Outcome::CabinetEmpty => l.pick("没电池", "No battery"),
        Outcome::Broken => l.pick("坏了", "Broken"),
        Outcome::Works => l.pick("好用", "Works"),
        Outcome::Closed => l.pick("关着", "Closed"),
        Outcome::Hazard => l.pick("安全隐患", "Hazard"),
        Outcome::Confirmed => l.pick("信息属实", "Still true"),
        Outcome::Rated => l.pick("骑手评价", "Rider rating"),
    }
}

pub fn condition(c: Condition, l: Lang) -> Option<&'static str> {
    match c {
        Condition::Ok => None,
        Condition::LikelyBroken => Some(l.pick("可能坏了", "Likely broken")),
        Condition::LikelyEmpty => Some(l.pick("可能没电池", "Likely empty")),
        Condition::LikelyClosed => Some(l.pick("可能关着", "Likely closed")),
    }
}

/// What a report does to its place while it counts (pending or accepted): a grid worker reads it
/// before accepting; rejecting undoes it.
pub fn effect(o: Outcome, l: Lang) -> &'static str {
    match o {
        Outcome::Closed => l.pick(
            "地点显示为「可能关闭」，直到有人报告开放或进得去（48 小时内）",
            "Shows the place as likely closed until someone reports it open (48 h)",
        ),
        Outcome::Broken => l.pick(
            "地点显示为「可能损坏」，直到有人报告好用（48 小时内）",
            "Shows it as likely broken until someone reports it works (48 h)",
        ),
        Outcome::CabinetEmpty => l.pick(
            "换电柜显示为「可能没有满电电池」，直到有人报告好用（48 小时内）",
            "Shows the cabinet as likely empty until someone reports it works (48 h)",
        ),
        Outcome::Refused => {
            l.pick("选门时这个门排名靠后（72 小时内）", "Ranks this gate lower when choosing a gate (72 h)")
        }
        Outcome::EbikeBanned => {
            l.pick("选门时这个门按电动车不让进排名（72 小时内）", "Ranks this gate as refusing e-bikes (72 h)")
        }
        Outcome::GotIn | Outcome::Works | Outcome::Confirmed => l.pick(
            "清除此前的关闭或损坏报告，地点显示为刚确认过",
            "Clears earlier closed or broken reports; the place shows as just confirmed",
        ),
        Outcome::Hazard => l.pick(
            "列入网格未处理的隐患，显示在看板地图上（30 天）",
            "Listed among the grid's open hazards, on the dashboard's map (30 days)",
        ),
        Outcome::Rated => l.pick("计入小区的骑手友好度评分", "Counts in the compound's rider-friendly score"),
    }
}

pub fn indicator(i: Indicator, l: Lang) -> &'static str {
    match i {
        Indicator::EbikeIn => l.pick("电动车能进", "E-bikes get in"),
        Indicator::NumbersClear => l.pick("楼号好找", "Numbers easy to find"),
        Indicator::GuardFriendly => l.pick("保安态度好", "Friendly guards"),
        Indicator::QuickIn => l.pick("进门快", "Quick to get in"),
        Indicator::Parking => l.pick("有地方停车", "Somewhere to park"),
        Indicator::ChargingNear => l.pick("附近能充电", "Charging nearby"),
        Indicator::RestNear => l.pick("附近能歇脚", "Rest nearby"),
    }
}

pub fn amenity(a: Amenity, l: Lang) -> &'static str {
    match a {
        Amenity::HotWater => l.pick("热水", "Hot water"),
        Amenity::ColdWater => l.pick("凉水", "Cold water"),
        Amenity::Microwave => l.pick("微波炉", "Microwave"),
        Amenity::Fridge => l.pick("冰箱", "Fridge"),
        Amenity::Toilet => l.pick("厕所", "Toilet"),
        Amenity::PhoneCharging => l.pick("手机充电", "Phone charging"),
        Amenity::PowerBank => l.pick("充电宝", "Power bank"),
        Amenity::Seating => l.pick("座位", "Seats"),
        Amenity::Heating => l.pick("取暖", "Heating"),
        Amenity::Cooling => l.pick("纳凉", "Cooling"),
        Amenity::FirstAid => l.pick("急救箱", "First aid"),
        Amenity::Wifi => l.pick("无线网", "Wi-Fi"),
        Amenity::EbikeParking => l.pick("电动车停放", "E-bike parking"),
    }
}

pub fn service(s: StationService, l: Lang) -> &'static str {
    match s {
        StationService::HotWater => l.pick("热水", "Hot water"),
        StationService::Microwave => l.pick("微波炉", "Microwave"),
        StationService::PhoneCharging => l.pick("充电", "Charging"),
        StationService::Rest => l.pick("休息", "Rest"),
        StationService::Toilet => l.pick("厕所", "Toilet"),
        StationService::FirstAid => l.pick("急救", "First aid"),
    }
}

pub fn role(r: Role, l: Lang) -> &'static str {
    match r {
        Role::Rider => l.pick("骑手", "rider"),
        Role::Volunteer => l.pick("志愿者", "volunteer"),
        Role::GridWorker => l.pick("网格员", "grid worker"),
        Role::Admin => l.pick("管理员", "admin"),
    }
}

pub fn charger_kind(k: ChargerKind, l: Lang) -> &'static str {
    match k {
        ChargerKind::SwapCabinet => l.pick("换电柜", "Swap cabinet"),
        ChargerKind::ChargingPile => l.pick("充电桩", "Charging pile"),
        ChargerKind::Socket => l.pick("插座", "Socket"),
    }
}

/// A place field's name for people; unknown fields show as they are.
pub fn field(key: &str, l: Lang) -> String {
    let (zh, en) = match key {
        "aliases" => ("别名", "Also called"),
        "address" => ("地址", "Address"),
        "grid" => ("网格", "Grid"),
        "compound" => ("所属小区", "Compound"),
        "opening_hours" => ("开放时间", "Opening hours"),
        "timezone" => ("时区", "Time zone"),
        "note" => ("备注", "Note"),
        "ebike" => ("电动车", "E-bikes"),
        "access_method" => ("进门方式", "How to get in"),
        "foot" => ("步行", "On foot"),
        "serves_buildings" | "buildings_served" => ("通往楼号", "Serves buildings"),
        "parking_note" => ("停车说明", "Parking"),
        "charger_kind" => ("类型", "Type"),
        "operator" => ("运营方", "Operator"),
        "battery_standards" => ("电池规格", "Batteries"),
        "price" => ("价格", "Price"),
        "stop_kind" => ("驿站类型", "Kind"),
        "host" => ("主办方", "Host"),
        "contact" => ("联系电话", "Contact"),
        "amenities" => ("设施", "Amenities"),
        "rules" => ("小区规定", "House rules"),
        "gate_kind" => ("门的类型", "Gate type"),
        "lit" => ("夜间照明", "Lit at night"),
        "slots" => ("仓位数", "Slots"),
        "payment" => ("支付方式", "Payment"),
        "inside_compound" => ("在小区内", "Inside the compound"),
        "stop_lat" => ("停车点纬度", "Stop latitude"),
        "stop_lon" => ("停车点经度", "Stop longitude"),
        other => return other.to_string(),
    };
    l.pick(zh, en).to_string()
}

/// A field's value for people: enum values in words, where the words are known.
pub fn value(key: &str, raw: &serde_json::Value, l: Lang) -> Option<String> {
    match key {
        "amenities" => {
            let list: Vec<Amenity> = serde_json::from_value(raw.clone()).ok()?;
            Some(list.into_iter().map(|a| amenity(a, l)).collect::<Vec<_>>().join("、"))
        }
        "charger_kind" => Some(charger_kind(serde_json::from_value(raw.clone()).ok()?, l).to_string()),
        _ => raw.as_bool().map(|yes| l.pick(if yes { "是" } else { "否" }, if yes { "yes" } else { "no" }).to_string()),
    }
}

/// "3 天前" / "3 days ago"; "刚刚" / "just now" under a minute.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>, l: Lang) -> String {
    let s = (now - t).num_seconds().max(0);
    let (n, zh, en) = match s {
        0..60 => return l.pick("刚刚", "just now").into(),
        60..3600 => (s / 60, "分钟", "min"),
        3600..86_400 => (s / 3600, "小时", "h"),
        _ => (s / 86_400, "天", "days"),
    };
    match l {
        Lang::Zh => format!("{n} {zh}前"),
        Lang::En if en == "days" && n == 1 => "1 day ago".into(),
        Lang::En => format!("{n} {en} ago"),
    }
}

pub fn distance(m: f64, l: Lang) -> String {
    if m < 1000.0 {
        format!("{m:.0} {}", l.pick("米", "m"))
    } else {
        format!("{:.1} {}", m / 1000.0, l.pick("公里", "km"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn relative_times_read_naturally_in_both_languages() {
        let now = Utc::now();
        let check = |secs: i64, zh: &str, en: &str| {
            let t = now - Duration::seconds(secs);
            assert_eq!((ago(t, now, Lang::Zh).as_str(), ago(t, now, Lang::En).as_str()), (zh, en), "{secs} s");
        };
        check(5, "刚刚", "just now");
        check(-30, "刚刚", "just now");
        check(120, "2 分钟前", "2 min ago");
        check(2 * 3600 + 10, "2 小时前", "2 h ago");
        check(86_400 + 5, "1 天前", "1 day ago");
        check(3 * 86_400, "3 天前", "3 days ago");
    }

    #[test]
    fn fields_and_enum_values_have_words() {
        assert_eq!(field("opening_hours", Lang::Zh), "开放时间");
        assert_eq!(field("something_new", Lang::En), "something_new");
        let v = serde_json::json!(["hot_water", "toilet"]);
        assert_eq!(value("amenities", &v, Lang::Zh).as_deref(), Some("热水、厕所"));
        assert_eq!(
            value("charger_kind", &serde_json::json!("swap_cabinet"), Lang::En).as_deref(),
            Some("Swap cabinet")
        );
        assert_eq!(value("note", &serde_json::json!("x"), Lang::En), None);
        assert_eq!(field("inside_compound", Lang::Zh), "在小区内");
        assert_eq!(value("inside_compound", &serde_json::json!(true), Lang::Zh).as_deref(), Some("是"));
        assert_eq!(value("lit", &serde_json::json!(false), Lang::En).as_deref(), Some("no"));
    }

    #[test]
    fn distances_switch_to_kilometres() {
        assert_eq!(distance(326.4, Lang::Zh), "326 米");
        assert_eq!(distance(1530.0, Lang::En), "1.5 km");
    }
}
