//! Accounts, invites and tokens. Secrets (invite codes, tokens) are random and stored only as
//! SHA-256 hashes; what an account may do follows from its role and its grids or stations.

use ridermap_core::{Id, Role};
use ridermap_sync::{Entity, Op, WireChange, protocol::NO_REGION};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: Id,
    pub role: Role,
    /// Grid codes a grid worker keeps.
    pub grids: Vec<String>,
    /// Rest stops a volunteer runs.
    pub stations: Vec<Id>,
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret: 32 hex characters (128 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the server knows about an entity before a change: its kind and region, if it exists.
pub struct Existing<'a> {
    pub region: &'a str,
}

/// Whether `account` may make `change`, landing in `region`; the reason when not.
pub fn authorize(
    account: &Account,
    change: &WireChange,
    existing: Option<Existing<'_>>,
    region: &str,
    station: Option<Id>,
) -> Result<(), String> {
    if account.role == Role::Admin {
        return Ok(());
    }
    let keeps = |r: &str| account.grids.iter().any(|g| g == r);
    let new = existing.is_none();
    match (change.entity, change.op) {
        (Entity::Report | Entity::Note, Op::Put) if new => Ok(()),
        (Entity::Report | Entity::Note, Op::Put) => {
            Err("reports and notes are written once; they cannot be edited".into())
        }
        (Entity::Report, Op::Resolve) => match account.role {
            Role::GridWorker if keeps(region) => Ok(()),
            Role::GridWorker => Err(format!("this report belongs to grid `{region}`, not one of yours")),
            _ => Err("only grid workers resolve reports".into()),
        },
        (Entity::Visit, Op::Put) => match account.role {
            Role::Volunteer if !new => Err("visits are written once; they cannot be edited".into()),
            Role::Volunteer if station.is_some_and(|s| account.stations.contains(&s)) => Ok(()),
            Role::Volunteer => Err("volunteers log visits only at their own stations".into()),
            _ => Err("only volunteers log visits".into()),
        },
        (Entity::Place | Entity::Grid, Op::Put | Op::Delete) => match account.role {
            Role::GridWorker => {
                let target = change.fields.get("grid").and_then(|g| g.as_str());
                let from = existing.as_ref().map(|e| e.region);
                let ok = from.is_none_or(|r| r != NO_REGION && keeps(r))
                    && target.is_none_or(keeps)
                    && (from.is_some() || target.is_some() || change.entity == Entity::Grid && keeps(region));
                if ok {
                    Ok(())
                } else {
                    Err(format!("grid workers change places only in their own grids ({})", account.grids.join(", ")))
                }
            }
            _ => Err("only grid workers change places".into()),
        },
        (entity, op) => Err(format!("`{}` is not allowed on a {}", op.as_str(), entity.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use ridermap_core::Hlc;
    use serde_json::{Map, json};

    use super::*;

    /// Where a change lands and what it names: the entity's region before (None: a new one), the
    /// `grid` it sets, the region it lands in, the station it names.
    struct Case {
        entity: Entity,
        op: Op,
        before: Option<&'static str>,
        grid: Option<&'static str>,
        region: &'static str,
        own_station: bool,
    }

    const fn case(entity: Entity, op: Op, before: Option<&'static str>, region: &'static str) -> Case {
        Case { entity, op, before, grid: None, region, own_station: false }
    }

    /// `expected` says, for a rider, a volunteer (station S), a grid worker of g1 and an admin in
    /// turn, whether each may make the change: `y` or `n`.
    fn check(c: Case, expected: &str) {
        let station = Id::new();
        let account = |role: Role| Account {
            id: Id::new(),
            role,
            grids: if role == Role::GridWorker { vec!["g1".into()] } else { vec![] },
            stations: if role == Role::Volunteer { vec![station] } else { vec![] },
        };
        let mut fields = Map::new();
        if let Some(g) = c.grid {
            fields.insert("grid".into(), json!(g));
        }
        let change = WireChange::new(c.entity, Id::new(), c.op, fields, Hlc { ms: 1, counter: 0 }, "d");
        let named = if c.own_station { station } else { Id::new() };
        let got: String = [Role::Rider, Role::Volunteer, Role::GridWorker, Role::Admin]
            .into_iter()
            .map(|role| {
                let existing = c.before.map(|region| Existing { region });
                let verdict = authorize(&account(role), &change, existing, c.region, Some(named));
                if let Err(why) = &verdict {
                    assert!(!why.is_empty(), "a refusal says why");
                }
                if verdict.is_ok() { 'y' } else { 'n' }
            })
            .collect();
        let what = format!("{:?} {:?} {:?}→{} grid {:?}", c.entity, c.op, c.before, c.region, c.grid);
        assert_eq!(got, expected, "{what} (rider, volunteer, grid worker of g1, admin)");
    }

    #[test]
    fn who_may_do_what() {
        use Entity::*;
        use Op::*;
        //                                                                     R V W A
        check(Case { grid: Some("g1"), ..case(Place, Put, None, "g1") }, "nnyy");
        check(Case { grid: Some("g2"), ..case(Place, Put, None, "g2") }, "nnny");
        check(case(Place, Put, None, "_"), "nnny");
        check(case(Place, Put, Some("g1"), "g1"), "nnyy");
        check(case(Place, Put, Some("g2"), "g2"), "nnny");
        check(case(Place, Put, Some("_"), "_"), "nnny");
        check(Case { grid: Some("g2"), ..case(Place, Put, Some("g1"), "g1") }, "nnny");
        check(Case { grid: Some("g1"), ..case(Place, Put, Some("g2"), "g2") }, "nnny");
        check(case(Place, Delete, Some("g1"), "g1"), "nnyy");
        check(case(Place, Delete, Some("g2"), "g2"), "nnny");
        check(case(Place, Resolve, Some("g1"), "g1"), "nnny");
        check(case(Grid, Put, None, "g1"), "nnyy");
        check(case(Grid, Put, None, "g2"), "nnny");
        check(case(Grid, Put, Some("g1"), "g1"), "nnyy");
        check(case(Grid, Delete, Some("g1"), "g1"), "nnyy");
        check(case(Grid, Delete, Some("g2"), "g2"), "nnny");
        for region in ["g1", "g2", "_"] {
            check(case(Report, Put, None, region), "yyyy");
            check(case(Report, Put, Some(region), region), "nnny");
            check(case(Report, Delete, Some(region), region), "nnny");
            check(case(Note, Put, None, region), "yyyy");
            check(case(Note, Put, Some(region), region), "nnny");
            check(case(Note, Delete, Some(region), region), "nnny");
            check(case(Note, Resolve, Some(region), region), "nnny");
            check(Case { own_station: true, ..case(Visit, Put, None, region) }, "nyny");
            check(case(Visit, Put, None, region), "nnny");
            check(Case { own_station: true, ..case(Visit, Put, Some(region), region) }, "nnny");
            check(Case { own_station: true, ..case(Visit, Delete, Some(region), region) }, "nnny");
        }
        check(case(Report, Resolve, Some("g1"), "g1"), "nnyy");
        check(case(Report, Resolve, Some("g2"), "g2"), "nnny");
        check(case(Report, Resolve, Some("_"), "_"), "nnny");
    }
}
