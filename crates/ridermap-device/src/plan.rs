//! The pure half of a sync round (Atuin's `operations()`): what an answer settles, and when a
//! round is done. No I/O: `round.rs` does the calls and writes, this decides what they mean.

use std::collections::BTreeMap;

use ridermap_core::{Hlc, Id};
use ridermap_sync::{
    WireChange,
    protocol::{PullResponse, PushResult, PushStatus},
};

pub use ridermap_store::Settlement;

/// An answer this device cannot act on: the round ends with this error instead of sending the
/// same batch forever.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the server's answer left {0} of the changes sent unsettled")]
    Unsettled(usize),
    #[error("the server's answer names change {0}, which was not sent")]
    Unsent(Id),
    #[error("the server's answer names change {0} twice")]
    Twice(Id),
    #[error("the server says more changes wait but sent none; stopping this round")]
    Stalled,
}

/// Checks `answer` against `sent` and says what it settles. Every change sent must be settled
/// exactly once, else nothing is.
pub fn settle(sent: &[WireChange], answer: &[PushResult]) -> Result<Settlement, PlanError> {
    let clocks: BTreeMap<Id, Hlc> = sent.iter().map(|c| (c.id, c.hlc)).collect();
    let mut seen = BTreeMap::new();
    let mut out = Settlement::default();
    for r in answer {
        let Some(sent_hlc) = clocks.get(&r.id) else {
            return Err(PlanError::Unsent(r.id));
        };
        if seen.insert(r.id, ()).is_some() {
            return Err(PlanError::Twice(r.id));
        }
        match r.status {
            PushStatus::Applied | PushStatus::Duplicate => {
                if r.hlc != *sent_hlc {
                    out.restamped.push((r.id, r.hlc));
                }
                if let Some(kept) = &r.kept {
                    out.amended.push((r.id, kept.clone()));
                }
                if let Some(device) = &r.device {
                    out.renamed.push((r.id, device.clone()));
                }
                out.acked.push(r.id);
            }
            PushStatus::Refused => out.refused.push((r.id, r.reason.clone().unwrap_or_else(|| "refused".into()))),
        }
    }
    match clocks.len() - seen.len() {
        0 => Ok(out),
        n => Err(PlanError::Unsettled(n)),
    }
}

/// After a pulled page: pull again (with the page's cursors) or stop. A page that says more wait
/// while carrying nothing and moving no cursor would be asked for again forever.
pub fn after_page<C>(asked: &BTreeMap<String, i64>, page: &PullResponse<C>) -> Result<Next, PlanError> {
    if !page.more {
        return Ok(Next::Done);
    }
    if page.changes.is_empty() && page.cursors == *asked {
        return Err(PlanError::Stalled);
    }
    Ok(Next::Pull)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Pull,
    Done,
}

/// The photos a batch of changes names (a record must never reach the server before its photo).
pub fn photos_named(batch: &[WireChange]) -> Vec<String> {
    let mut out: Vec<String> =
        batch.iter().filter_map(|c| c.fields.get("photo").and_then(|v| v.as_str()).map(str::to_string)).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use ridermap_sync::{Entity, Op};
    use serde_json::Map;

    use super::*;

    fn change(ms: i64) -> WireChange {
        WireChange::new(Entity::Report, Id::new(), Op::Put, Map::new(), Hlc { ms, counter: 0 }, "d")
    }

    fn result(c: &WireChange, status: PushStatus, hlc: Hlc) -> PushResult {
        let reason = (status == PushStatus::Refused).then(|| "no".to_string());
        PushResult { id: c.id, status, reason, hlc, kept: None, device: None }
    }

    #[test]
    fn an_answer_settles_every_change_sent_or_nothing() {
        let (a, b, c, stranger) = (change(1), change(2), change(3), change(9));
        let sent = [a.clone(), b.clone(), c.clone()];
        let later = Hlc { ms: 0, counter: 5 };
        let serde_json::Value::Object(kept) = serde_json::json!({"review": "pending"}) else { unreachable!() };
        // (answer, expected)
        let cases: Vec<(Vec<PushResult>, Result<Settlement, PlanError>)> = vec![
            (
                vec![
                    PushResult { kept: Some(kept.clone()), ..result(&a, PushStatus::Applied, a.hlc) },
                    PushResult { device: Some("p-1".into()), ..result(&b, PushStatus::Duplicate, later) },
                    result(&c, PushStatus::Refused, c.hlc),
                ],
                Ok(Settlement {
                    acked: vec![a.id, b.id],
                    restamped: vec![(b.id, later)],
                    amended: vec![(a.id, kept.clone())],
                    renamed: vec![(b.id, "p-1".into())],
                    refused: vec![(c.id, "no".into())],
                }),
            ),
            (vec![result(&a, PushStatus::Applied, a.hlc)], Err(PlanError::Unsettled(2))),
            (vec![], Err(PlanError::Unsettled(3))),
            (
                vec![result(&a, PushStatus::Applied, a.hlc), result(&a, PushStatus::Applied, a.hlc)],
                Err(PlanError::Twice(a.id)),
            ),
            (vec![result(&stranger, PushStatus::Applied, a.hlc)], Err(PlanError::Unsent(stranger.id))),
        ];
        for (i, (answer, expected)) in cases.into_iter().enumerate() {
            assert_eq!(settle(&sent, &answer), expected, "case {i}");
        }
    }

    #[test]
    fn a_round_pulls_until_the_server_has_no_more_and_stops_when_it_stalls() {
        let at = |n: i64| BTreeMap::from([("g1".to_string(), n)]);
        let page = |changes: Vec<WireChange>, cursors, more| PullResponse {
            changes,
            cursors,
            more,
            public: Default::default(),
            checksums: BTreeMap::new(),
            base_packs: BTreeMap::new(),
        };
        let cases = [
            (page(vec![change(1)], at(1), true), Ok(Next::Pull)),
            (page(vec![], at(5), true), Ok(Next::Pull)),
            (page(vec![change(1)], at(1), false), Ok(Next::Done)),
            (page(vec![], at(0), false), Ok(Next::Done)),
            (page(vec![], at(0), true), Err(PlanError::Stalled)),
        ];
        for (i, (p, expected)) in cases.into_iter().enumerate() {
            assert_eq!(after_page(&at(0), &p), expected, "case {i}");
        }
    }

    #[test]
    fn photos_a_batch_names_go_first_once_each() {
        let mut a = change(1);
        a.fields.insert("photo".into(), "ab".repeat(32).into());
        let b = a.clone();
        assert_eq!(photos_named(&[a, b, change(2)]), vec!["ab".repeat(32)]);
    }
}
