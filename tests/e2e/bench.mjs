// The UI with many places in view, against the demo data in the same run: `npm run bench`
// (PLACES=10000 by default; CI runs a short version). Both stores are served by the real
// `ridermap web` and opened in Debian's chromium at phone size. Reported per store:
// - first screen: navigation → the gate search ready (the launch screen);
// - places loaded by the map (its box reaches a view beyond each edge), drawn (markers + members
//   of clusters on screen), and the SVG groups that took;
// - list rows in the DOM against the list's length (virtualized: only visible rows exist);
// - pan and zoom latency: a pointer or wheel event on the map → the map redrawn and laid out
//   (the event's own work, the reactive updates it causes, style and layout; not paint).
// Prints a Markdown table; BENCHMARKS.md keeps the last full run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ridermap, serve, browser, page, tempDir, freePort, mapLatencies, PHONE, quantile, UI } from './harness.mjs';

const PLACES = Number(process.env.PLACES || 10000);
// The UI's default position (ui/src/state.rs), where the first screen looks without geolocation.
const CENTER = { lat: 31.3376, lon: 121.5382 };
// The first screen's map shows about 800 m × 600 m; the places fill a slightly smaller box.
const HALF = { lat: 0.0025, lon: 0.0038 };

/** mulberry32: the same places every run. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function crowdedStore(n) {
  const dir = tempDir();
  const rnd = random(42);
  const kinds = [
    { kind: 'charger', charger_kind: 'swap_cabinet' },
    { kind: 'charger', charger_kind: 'charging_pile' },
    { kind: 'rest_stop', stop_kind: 'partner_shop' },
  ];
  const features = Array.from({ length: n }, (_, i) => ({
    type: 'Feature',
    geometry: {
      type: 'Point',
      coordinates: [CENTER.lon + (rnd() * 2 - 1) * HALF.lon, CENTER.lat + (rnd() * 2 - 1) * HALF.lat],
    },
    properties: { ...kinds[i % kinds.length], name: `压测点 ${i + 1}`, opening_hours: '24/7' },
  }));
  const file = join(dir, 'crowd.geojson');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  const db = join(dir, 'crowd.sqlite');
  ridermap(['import', '--db', db, file]);
  return db;
}

async function measure(db) {
  const web = await serve(['web', '--db', db, '--listen', `127.0.0.1:${await freePort()}`, '--ui', UI]);
  const b = await browser();
  try {
    const p = await page(b, PHONE);
    const t0 = Date.now();
    await p.goto(web.url);
    await p.getByTestId('compound').waitFor();
    const first = Date.now() - t0;
    await p.getByTestId('tab-nearby').click();
    await p.getByTestId('place-row').first().waitFor();
    // The map's points arrive in one reply; `data-points` says how many it holds.
    await p.waitForFunction(() => Number(document.querySelector('[data-testid=map]')?.dataset.points) > 0);
    await p.evaluate(() => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0))));
    const map = await p.evaluate(() => {
      const svg = document.querySelector('[data-testid=map]');
      const markers = svg.querySelectorAll('[data-testid=marker]').length;
      const clusters = [...svg.querySelectorAll('[data-testid=cluster]')];
      const members = clusters.reduce((n, c) => n + Number(c.textContent), 0);
      return { points: Number(svg.dataset.points), places: markers + members, groups: markers + clusters.length };
    });
    const rows = await p.getByTestId('place-row').count();
    const listed = parseInt(await p.getByTestId('result-count').textContent(), 10);

    const latencies = await mapLatencies(p);
    await p.context().close();
    return { first, ...map, rows, listed, latencies };
  } finally {
    await b.close();
    await web.stop();
  }
}

const baselineDb = join(tempDir(), 'demo.sqlite'); // `ridermap web` fills a new store with the demo data
const runs = [
  ['demo data (baseline)', await measure(baselineDb)],
  [`demo + ${PLACES.toLocaleString('en')} places in view`, await measure(crowdedStore(PLACES))],
];
const ms = (x) => `${x.toFixed(1)} ms`;
const [, base] = runs[0];
console.log('| store | first screen | places loaded / drawn / SVG groups | list rows in DOM / list length | pan p50 / p95 / max | zoom p50 / p95 | pan p50 vs baseline |');
console.log('|---|---|---|---|---|---|---|');
for (const [label, r] of runs) {
  const { pan, zoom } = r.latencies;
  console.log(`| ${label} | ${r.first} ms | ${r.points} / ${r.places} / ${r.groups} | ${r.rows} / ${r.listed} | ` +
    `${ms(quantile(pan, 0.5))} / ${ms(quantile(pan, 0.95))} / ${ms(Math.max(...pan))} | ` +
    `${ms(quantile(zoom, 0.5))} / ${ms(quantile(zoom, 0.95))} | ` +
    `${(quantile(pan, 0.5) / quantile(base.latencies.pan, 0.5)).toFixed(2)}× |`);
}
// What the run is for, checked: every place in view is drawn, in a bounded number of groups, and
// the list keeps only what fits on screen in the DOM.
const [, crowd] = runs[1];
const fail = (why) => { console.error(`bench: ${why}`); process.exitCode = 1; };
for (const [label, r] of runs) {
  if (r.places > r.points) fail(`${label}: ${r.places} places drawn but only ${r.points} loaded`);
}
if (crowd.places < PLACES) fail(`only ${crowd.places} of the ${PLACES} places in view drawn`);
if (crowd.groups > 400) fail(`${crowd.groups} SVG groups for ${crowd.places} places: not clustered`);
if (crowd.rows >= crowd.listed) fail(`${crowd.rows} rows in the DOM for a list of ${crowd.listed}: not virtualized`);
