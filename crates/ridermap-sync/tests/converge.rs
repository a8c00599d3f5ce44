//! Convergence: devices edit offline, push and pull through a server in random orders, with pushes
//! duplicated (lost acks), reordered and split, pulls paged at random. Afterwards every device holds
//! the server's state and the same checksum. Seeded: 1,000 schedules by default,
//! RIDERMAP_LONG=1 for 20,000.

use std::collections::{BTreeMap, HashMap};

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use ridermap_core::{Hlc, Id};
use ridermap_sync::{
    EntityState,
    checksum::{hex, region},
    protocol::{Entity, Op, WireChange},
};
use serde_json::json;

type States = BTreeMap<Id, EntityState>;

#[derive(Default)]
struct Server {
    log: Vec<WireChange>,
    applied: HashMap<Id, usize>,
    states: States,
}

impl Server {
    /// Apply changes not seen before; return the ids acknowledged.
    fn push(&mut self, changes: &[WireChange]) -> Vec<Id> {
        for c in changes {
            if self.applied.contains_key(&c.id) {
                continue;
            }
            self.states.entry(c.entity_id).or_default().apply(c);
            self.applied.insert(c.id, self.log.len());
            self.log.push(c.clone());
        }
        changes.iter().map(|c| c.id).collect()
    }
}

struct Device {
    name: String,
    clock: Hlc,
    wall: i64,
    states: States,
    outbox: Vec<WireChange>,
    cursor: usize,
}

impl Device {
    fn edit(&mut self, rng: &mut StdRng, entities: &[Id]) {
        self.wall += rng.random_range(0..3); // clocks that stall
        self.clock = self.clock.tick(self.wall);
        let entity_id = entities[rng.random_range(0..entities.len())];
        let op = if rng.random_range(0..12) == 0 { Op::Delete } else { Op::Put };
        let mut fields = serde_json::Map::new();
        if op == Op::Put {
            for f in ["name", "ebike", "opening_hours"] {
                if rng.random_bool(0.5) {
                    fields.insert(f.into(), json!(format!("{}-{}", self.name, rng.random_range(0..4))));
                }
            }
        }
        let c = WireChange {
            id: Id::new(),
            entity: Entity::Place,
            entity_id,
            op,
            fields,
            hlc: self.clock,
            device: self.name.clone(),
        };
        self.states.entry(entity_id).or_default().apply(&c);
        self.outbox.push(c);
    }

    fn push(&mut self, rng: &mut StdRng, server: &mut Server) {
        if self.outbox.is_empty() {
            return;
        }
        // Send some of the outbox, possibly out of order.
        let n = rng.random_range(1..=self.outbox.len());
        let mut batch: Vec<WireChange> = self.outbox[..n].to_vec();
        if rng.random_bool(0.3) {
            batch.shuffle(rng);
        }
        let acked = server.push(&batch);
        // The acknowledgement may be lost: then the same changes go again later.
        if rng.random_bool(0.7) {
            self.outbox.retain(|c| !acked.contains(&c.id));
        }
    }

    fn pull(&mut self, rng: &mut StdRng, server: &Server) {
        let page = rng.random_range(1..=4);
        let end = (self.cursor + page).min(server.log.len());
        for c in &server.log[self.cursor..end] {
            self.clock = self.clock.observe(c.hlc, self.wall);
            self.states.entry(c.entity_id).or_default().apply(c);
        }
        // A replayed page (cursor saved before a crash) is harmless.
        self.cursor = if rng.random_bool(0.1) { self.cursor } else { end };
    }
}

fn values(states: &States) -> BTreeMap<Id, (bool, String)> {
    states.iter().map(|(id, s)| (*id, (s.is_deleted(), json!(s.values()).to_string()))).collect()
}

fn schedule(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let entities: Vec<Id> = (0..rng.random_range(1..4)).map(|i| Id::from_u128(i + 1)).collect();
    let mut server = Server::default();
    let mut devices: Vec<Device> = (0..rng.random_range(2..4))
        .map(|i| Device {
            name: format!("d{i}"),
            clock: Hlc::default(),
            // Same start and coarse steps: equal clocks on different devices are common.
            wall: 1_000,
            states: States::new(),
            outbox: vec![],
            cursor: 0,
        })
        .collect();
    for _ in 0..rng.random_range(5..40) {
        let d = rng.random_range(0..devices.len());
        match rng.random_range(0..3) {
            0 => devices[d].edit(&mut rng, &entities),
            1 => devices[d].push(&mut rng, &mut server),
            _ => devices[d].pull(&mut rng, &server),
        }
    }
    // Network heals: everyone pushes everything, then pulls everything.
    for d in devices.iter_mut() {
        while !d.outbox.is_empty() {
            let acked = server.push(&d.outbox);
            d.outbox.retain(|c| !acked.contains(&c.id));
        }
    }
    for d in devices.iter_mut() {
        while d.cursor < server.log.len() {
            d.pull(&mut rng, &server);
        }
    }
    // Any delivery order, with duplicates, gives the same state as the server's log order.
    let mut shuffled: Vec<&WireChange> =
        server.log.iter().chain(server.log.iter().filter(|_| rng.random_bool(0.3))).collect();
    shuffled.shuffle(&mut rng);
    let mut replica = States::new();
    for c in shuffled {
        replica.entry(c.entity_id).or_default().apply(c);
    }
    assert_eq!(replica, server.states, "seed {seed}: delivery order changed the result");
    let want = values(&server.states);
    let want_sum = hex(&region(server.states.iter().map(|(id, s)| (*id, s))));
    for d in &devices {
        assert_eq!(values(&d.states), want, "seed {seed}: device {} differs", d.name);
        assert_eq!(hex(&region(d.states.iter().map(|(id, s)| (*id, s)))), want_sum, "seed {seed}");
        assert_eq!(d.states, server.states, "seed {seed}: versions differ on {}", d.name);
    }
}

#[test]
fn replicas_converge_under_any_schedule() {
    let n = if std::env::var_os("RIDERMAP_LONG").is_some() { 20_000 } else { 1_000 };
    for seed in 0..n {
        schedule(seed);
    }
}

#[test]
fn checksums_tell_different_states_apart() {
    let mut a = EntityState::default();
    let c = WireChange {
        id: Id::new(),
        entity: Entity::Place,
        entity_id: Id::from_u128(1),
        op: Op::Put,
        fields: json!({"name": "x"}).as_object().cloned().unwrap(),
        hlc: Hlc { ms: 1, counter: 0 },
        device: "d".into(),
    };
    let empty = region([(Id::from_u128(1), &a)]);
    a.apply(&c);
    let one = region([(Id::from_u128(1), &a)]);
    assert_ne!(empty, one);
    let mut deleted = a.clone();
    deleted.apply(&WireChange { op: Op::Delete, id: Id::new(), hlc: Hlc { ms: 2, counter: 0 }, ..c });
    assert_ne!(region([(Id::from_u128(1), &deleted)]), one);
}
