//! Importing records read from files: all or nothing, every bad row reported with its file, line or
//! feature, and field. Re-importing the same file updates the records it made instead of duplicating
//! them: a record is matched by `id`, else by `source`, else by grid `code`.

use std::collections::HashMap;

use chrono::Utc;
use ridermap_core::{Grid, Id, Incoming, Place, PlaceKind, RowProblem};
use serde::Deserialize;
use serde_json::{Map, Value};

use ridermap_core::base::{BaseFeature, BaseSink};

use crate::{
    Actor, Error, Result, Store, Writer,
    base::{BaseReport, BaseWriter},
    places::Written,
};

#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Write the good records and report the bad ones, instead of refusing the whole import.
    pub skip_invalid: bool,
    /// Called with (records done, records in all) every few hundred records.
    pub progress: Option<&'a mut dyn FnMut(usize, usize)>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Records left out because they were invalid (only with `skip_invalid`).
    pub skipped: usize,
    #[serde(serialize_with = "problems_as_text")]
    pub problems: Vec<RowProblem>,
}

fn problems_as_text<S: serde::Serializer>(p: &[RowProblem], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(p.iter().map(|p| p.to_string()))
}

const STAMP_FIELDS: [&str; 5] = ["created_at", "updated_at", "updated_by", "verified_at", "source"];

/// Which field a serde error is about: the one whose removal (or, for a required field, whose
/// replacement by a plain valid value) makes the record readable.
fn culprit<T: serde::de::DeserializeOwned>(fields: &Map<String, Value>, err: &str) -> String {
    if let Some(rest) = err.strip_prefix("missing field `") {
        return rest.split('`').next().unwrap_or_default().to_string();
    }
    let plain = |k: &str| -> Option<Value> {
        Some(match k {
            "id" => Value::String(Id::from_u128(1).to_string()),
            "name" | "code" => Value::String("x".into()),
            "lat" | "lon" => Value::from(0.0),
            "created_at" | "updated_at" => Value::String("2000-01-01T00:00:00Z".into()),
            _ => return None,
        })
    };
    for k in fields.keys().filter(|k| *k != "kind") {
        let mut trial = fields.clone();
        match plain(k) {
            Some(v) => trial.insert(k.clone(), v),
            None => trial.remove(k),
        };
        if serde_json::from_value::<T>(Value::Object(trial)).is_ok() {
            return k.clone();
        }
    }
    String::new()
}

/// The field names a record of `kind` may carry.
fn known_fields(kind: PlaceKind) -> Vec<String> {
    ridermap_core::patch::field_names(&Place::new(kind, "x", 0.0, 0.0))
}

struct Importer<'r> {
    report: &'r mut ImportReport,
    /// Problems with the index of their row, so they can be listed in file order.
    problems: Vec<(usize, RowProblem)>,
    current: usize,
    /// Compound name or alias → id, from this import's own compounds.
    compounds: HashMap<String, Id>,
    sources: HashMap<String, String>,
    known: HashMap<PlaceKind, Vec<String>>,
    /// The import's time, for records that do not give theirs.
    now: Value,
}

impl Importer<'_> {
    fn problem(&mut self, row: &Incoming, field: &str, reason: impl Into<String>) {
        let p = RowProblem { origin: row.origin.clone(), field: field.into(), reason: reason.into() };
        self.problems.push((self.current, p));
    }

    fn grid(&mut self, w: &mut Writer<'_>, row: &Incoming) -> Result<()> {
        let mut f = row.fields.clone();
        f.remove("kind");
        let code = f.get("code").and_then(Value::as_str).unwrap_or_default().to_string();
        let existing: Option<String> = rusqlite::OptionalExtension::optional(w.tx.query_row(
            "SELECT doc FROM grids WHERE code = ?1",
            [&code],
            |r| r.get(0),
        ))?;
        let existing: Option<Grid> = existing.and_then(|d| serde_json::from_str(&d).ok());
        fill_identity(
            &mut f,
            existing.as_ref().map(|g| (g.id, serde_json::to_value(&g.stamp).unwrap_or_default())),
            &self.now,
        );
        let g: Grid = match serde_json::from_value(Value::Object(f.clone())) {
            Ok(g) => g,
            Err(e) => {
                let field = culprit::<Grid>(&f, &e.to_string());
                self.problem(row, &field, e.to_string());
                return Ok(());
            }
        };
        if let Err(inv) = g.validate() {
            for p in inv.problems {
                self.problem(row, &p.field, p.reason);
            }
            return Ok(());
        }
        self.count(w.put_grid(&g), row)
    }

    fn place(&mut self, w: &mut Writer<'_>, row: &Incoming, kind: PlaceKind) -> Result<()> {
        let mut f = row.fields.clone();
        // `rest-stop` and `rest_stop` both name the kind; the model reads the latter.
        f.insert("kind".into(), Value::String(kind.as_str().into()));
        // The GeoJSON reader leaves a note here for geometries it cannot use.
        if let Some(Value::String(why)) = f.get("geometry") {
            let why = why.clone();
            self.problem(row, "geometry", why);
            return Ok(());
        }
        let known = self.known.entry(kind).or_insert_with(|| known_fields(kind));
        if let Some(k) = f.keys().find(|k| !known.contains(k)) {
            let msg = match k.as_str() {
                "outline" => {
                    format!("only compounds have an outline (Polygon geometry); {} is a Point", kind.with_article())
                }
                "line" => {
                    format!("only compound paths have a line (LineString geometry); {} is a Point", kind.with_article())
                }
                _ => format!("is not a field of {}", kind.with_article()),
            };
            let k = k.clone();
            self.problem(row, &k, msg);
            return Ok(());
        }
        if let Some(src) = f.get("source").and_then(Value::as_str)
            && let Some(first) = self.sources.insert(src.to_string(), row.origin.to_string())
        {
            self.problem(row, "source", format!("`{src}` already appeared at {first}"));
            return Ok(());
        }
        // A compound may be named instead of given by id.
        if let Some(Value::String(c)) = f.get("compound").cloned()
            && c.parse::<Id>().is_err()
        {
            let id = match self.compounds.get(c.trim()) {
                Some(id) => *id,
                None => match resolve_compound(w, c.trim())? {
                    Some(id) => id,
                    None => {
                        self.problem(row, "compound", format!("no compound named `{c}`"));
                        return Ok(());
                    }
                },
            };
            f.insert("compound".into(), Value::String(id.to_string()));
        }
        let existing = find_existing(w, &f)?;
        fill_identity(
            &mut f,
            existing.as_ref().map(|p| (p.id, serde_json::to_value(&p.stamp).unwrap_or_default())),
            &self.now,
        );
        let gave_updated = row.fields.contains_key("updated_at");
        let value = Value::Object(f);
        let mut p: Place = match Place::deserialize(&value) {
            Ok(p) => p,
            Err(e) => {
                let Value::Object(f) = &value else { unreachable!("built as an object") };
                let field = culprit::<Place>(f, &e.to_string());
                self.problem(row, &field, e.to_string());
                return Ok(());
            }
        };
        if let Err(inv) = p.validate() {
            for pr in inv.problems {
                self.problem(row, &pr.field, pr.reason);
            }
            return Ok(());
        }
        if let Some(old) = &existing {
            let mut same = p.clone();
            same.stamp.updated_at = old.stamp.updated_at;
            if same == *old {
                self.report.unchanged += 1;
                return Ok(());
            }
            if !gave_updated {
                p.stamp.updated_at = Utc::now().max(old.stamp.updated_at);
            }
        }
        if kind == PlaceKind::Compound {
            self.compounds.insert(p.name.clone(), p.id);
            for a in &p.aliases {
                self.compounds.entry(a.clone()).or_insert(p.id);
            }
        }
        self.count(w.put_place(&p), row)
    }

    fn count(&mut self, r: Result<Written>, row: &Incoming) -> Result<()> {
        match r {
            Ok(Written::Inserted) => self.report.inserted += 1,
            Ok(Written::Updated) => self.report.updated += 1,
            Ok(Written::Unchanged) => self.report.unchanged += 1,
            Err(Error::Invalid { invalid, .. }) => {
                for p in invalid.problems {
                    self.problem(row, &p.field, p.reason);
                }
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Give a record without an id the id of the record it updates (or a new one), and fill the stamp
/// fields it leaves out from that record (or with "now").
fn fill_identity(f: &mut Map<String, Value>, existing: Option<(Id, Value)>, now: &Value) {
    match existing {
        Some((id, stamp)) => {
            f.entry("id").or_insert(Value::String(id.to_string()));
            for k in STAMP_FIELDS {
                if !f.contains_key(k)
                    && let Some(v) = stamp.get(k)
                {
                    f.insert(k.into(), v.clone());
                }
            }
        }
        None => {
            f.entry("id").or_insert_with(|| Value::String(Id::new().to_string()));
        }
    }
    f.entry("created_at").or_insert_with(|| now.clone());
    let created = f["created_at"].clone();
    f.entry("updated_at").or_insert(created);
}

fn find_existing(w: &Writer<'_>, f: &Map<String, Value>) -> Result<Option<Place>> {
    let by = |sql: &str, key: &str| -> Result<Option<Place>> {
        let doc: Option<String> =
            rusqlite::OptionalExtension::optional(w.tx.prepare_cached(sql)?.query_row([key], |r| r.get(0)))?;
        doc.map(|d| crate::places::parse_place(&d)).transpose()
    };
    if let Some(id) = f.get("id").and_then(Value::as_str)
        && let Some(p) = by("SELECT doc FROM places WHERE id = ?1", id)?
    {
        return Ok(Some(p));
    }
    if let Some(src) = f.get("source").and_then(Value::as_str) {
        return by("SELECT doc FROM places WHERE source = ?1", src);
    }
    Ok(None)
}

fn resolve_compound(w: &Writer<'_>, name: &str) -> Result<Option<Id>> {
    let id: Option<String> = rusqlite::OptionalExtension::optional(w.tx.query_row(
        "SELECT id FROM places WHERE kind = 'compound' AND name = ?1 LIMIT 1",
        [name],
        |r| r.get(0),
    ))?;
    Ok(id.and_then(|s| s.parse().ok()))
}

/// Interleaved bits of a record's quantized latitude and longitude (0 when it has none).
fn z_order(row: &Incoming) -> u64 {
    let get = |k: &str| row.fields.get(k).and_then(Value::as_f64);
    let (Some(lat), Some(lon)) = (get("lat"), get("lon")) else {
        return 0;
    };
    let q = |v: f64, lo: f64, span: f64| (((v - lo) / span).clamp(0.0, 1.0) * f64::from(u32::MAX)) as u32;
    let (y, x) = (q(lat, -90.0, 180.0), q(lon, -180.0, 360.0));
    let spread = |v: u32| {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    };
    spread(x) | (spread(y) << 1)
}

impl Store {
    /// Import `rows` in one transaction: grids first, then compounds, then everything else.
    pub fn import(&mut self, rows: &[Incoming], opts: ImportOptions<'_>, actor: &Actor) -> Result<ImportReport> {
        let big = rows.len() > 10_000;
        self.with_big_cache(big, |s| s.write(actor, |w| import_rows(w, rows, opts)))
    }

    /// Import a file that carries a base layer too (OpenStreetMap): `read` streams the layer's
    /// features into the sink it is given (they replace what `source` held before) and returns the
    /// file's records, which are imported as `import` does. All of it lands in one transaction,
    /// or nothing does: a file that turns out truncated halfway leaves the store as it was.
    ///
    /// `read` runs on a thread of its own while this one writes what it has read so far (a city's
    /// file: decoding and writing take about as long as each other).
    pub fn import_with_base<F>(
        &mut self,
        source: &str,
        read: F,
        opts: ImportOptions<'_>,
        actor: &Actor,
    ) -> Result<(ImportReport, BaseReport)>
    where
        F: FnOnce(&mut dyn BaseSink) -> std::result::Result<Vec<Incoming>, String> + Send,
    {
        self.with_big_cache(true, |s| {
            s.write(actor, |w| {
                let (rows, base) = std::thread::scope(|scope| -> Result<_> {
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<BaseFeature>>(8);
                    let reader = scope.spawn(move || {
                        let mut sink = Batches { tx, batch: Vec::with_capacity(BATCH) };
                        let rows = read(&mut sink)?;
                        sink.flush()?;
                        Ok::<_, String>(rows)
                    });
                    let mut writer = BaseWriter::replacing(&w.tx, source)?;
                    let mut failed = None;
                    for batch in rx.iter() {
                        if let Err(e) = batch.into_iter().try_for_each(|f| writer.write(&f)) {
                            // Dropping the receiver stops the reader at its next batch.
                            failed = Some(e);
                            break;
                        }
                    }
                    drop(rx);
                    let read = reader.join().map_err(|_| Error::Read("the reader of the file failed".into()))?;
                    if let Some(e) = failed {
                        return Err(e);
                    }
                    let rows = read.map_err(Error::Read)?;
                    Ok((rows, writer.finish()?))
                })?;
                let report = import_rows(w, &rows, opts)?;
                Ok((report, base))
            })
        })
    }

    /// Run `f` with a bigger page cache when `big`: a large import touches index pages all over
    /// the file.
    pub(crate) fn with_big_cache<T>(&mut self, big: bool, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if big {
            self.conn.pragma_update(None, "cache_size", -256_000)?;
        }
        let result = f(self);
        if big {
            self.conn.pragma_update(None, "cache_size", crate::CACHE_KIB)?;
        }
        result
    }
}

/// Features handed from the reader's thread to the writer's, a batch at a time.
const BATCH: usize = 4096;

struct Batches {
    tx: std::sync::mpsc::SyncSender<Vec<BaseFeature>>,
    batch: Vec<BaseFeature>,
}

impl Batches {
    fn flush(&mut self) -> std::result::Result<(), String> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        // The writer hung up: it failed, and says why itself.
        self.tx.send(full).map_err(|_| "the import stopped".to_string())
    }
}

impl BaseSink for Batches {
    fn put(&mut self, feature: BaseFeature) -> std::result::Result<(), String> {
        self.batch.push(feature);
        if self.batch.len() >= BATCH { self.flush() } else { Ok(()) }
    }
}

/// Import `rows` through `w`: grids first, then compounds, then everything else; all or nothing
/// unless `skip_invalid`.
fn import_rows(w: &mut Writer<'_>, rows: &[Incoming], opts: ImportOptions<'_>) -> Result<ImportReport> {
    let ImportOptions { skip_invalid, mut progress } = opts;
    let mut order: Vec<(u8, usize)> = Vec::with_capacity(rows.len());
    let mut report = ImportReport::default();
    let mut early: Vec<(usize, RowProblem)> = vec![];
    for (i, row) in rows.iter().enumerate() {
        match row.fields.get("kind").and_then(Value::as_str) {
            Some("grid") => order.push((0, i)),
            Some(k) => match PlaceKind::parse(k) {
                Some(PlaceKind::Compound) => order.push((1, i)),
                Some(_) => order.push((2, i)),
                None => early.push((
                    i,
                    RowProblem {
                        origin: row.origin.clone(),
                        field: "kind".into(),
                        reason: format!(
                            "unknown kind `{k}` (expected grid, compound, entrance, charger, rest_stop or path)"
                        ),
                    },
                )),
            },
            None => early.push((
                i,
                RowProblem { origin: row.origin.clone(), field: "kind".into(), reason: "is missing".into() },
            )),
        }
    }
    // Within a stage, write in Z-order of position: consecutive R*Tree inserts then land in the
    // same few nodes, which keeps a large import from touching the whole tree for every record.
    order.sort_by_cached_key(|(stage, i)| (*stage, z_order(&rows[*i])));
    let total = rows.len();
    let mut imp = Importer {
        report: &mut report,
        problems: early,
        current: 0,
        compounds: HashMap::new(),
        sources: HashMap::new(),
        known: HashMap::new(),
        now: Value::String(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    };
    for (n, (stage, i)) in order.iter().enumerate() {
        let row = &rows[*i];
        imp.current = *i;
        if *stage == 0 {
            imp.grid(w, row)?;
        } else {
            let kind = PlaceKind::parse(row.fields["kind"].as_str().unwrap_or_default()).expect("checked above");
            imp.place(w, row, kind)?;
        }
        if n % 500 == 0
            && let Some(p) = progress.as_mut()
        {
            p(n, total);
        }
    }
    if let Some(p) = progress.as_mut() {
        p(total, total);
    }
    let mut problems = std::mem::take(&mut imp.problems);
    problems.sort_by_key(|(i, _)| *i);
    let mut rows_with_problems: Vec<usize> = problems.iter().map(|(i, _)| *i).collect();
    rows_with_problems.dedup();
    let problems: Vec<RowProblem> = problems.into_iter().map(|(_, p)| p).collect();
    if !problems.is_empty() && !skip_invalid {
        return Err(Error::Import(problems));
    }
    imp.report.skipped = rows_with_problems.len();
    imp.report.problems = problems;
    Ok(report)
}
