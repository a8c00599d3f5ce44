// The rider, volunteer and grid-worker flows in Debian's chromium through `ridermap web`, in
// Chinese and English, at phone and tablet sizes; writes wait while the sync server is down and
// go up once it is back. Screenshots land in docs/screenshots/ for review (and the README).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { browser, freePort, page, PHONE, ridermap, ROOT, serve, shot, TABLET, tempDir, testCa, UI } from './harness.mjs';

const dir = tempDir();
const appDb = join(dir, 'app.sqlite');
const serverDb = join(dir, 'server.sqlite');
// `web` is the rider's device (enrolled as a rider below); `desk` a grid-station PC that has not
// enrolled, so it shows every screen (the volunteer's and the grid worker's flows run there).
let web, desk, server, serverUrl, b;

async function startServer() {
  server = await serve(['--db', serverDb, 'serve', '--listen', serverUrl.replace('http://', '')]);
}

const pending = async (p) => Number(await p.getByTestId('pending').textContent());

/** Wait until the status bar shows `n` pending (it refreshes after each write). */
async function expectPending(p, n) {
  await p.waitForFunction((n) => document.querySelector('[data-testid=pending]')?.textContent === String(n), n);
  assert.equal(await pending(p), n);
}

before(async () => {
  serverUrl = `http://127.0.0.1:${await freePort()}`;
  await startServer();
  // The subdistrict's admin puts its grids on the server first: a report must land in a grid the
  // server has.
  const seed = join(dir, 'seed.sqlite');
  const admin = ridermap(['--db', serverDb, 'admin', 'invite', '--role', 'admin']).trim();
  ridermap(['--db', seed, '--no-demo', 'login', '--server', serverUrl, '--invite', admin]);
  for (const n of [1, 2, 3, 4, 5]) {
    ridermap(['--db', seed, '--no-demo', 'grid', 'add', '--code', `yinhang-${n}`, '--name', `殷行第${n}网格`]);
  }
  ridermap(['--db', seed, '--no-demo', 'sync']);
  web = await serve(['--db', appDb, 'web', '--listen', '127.0.0.1:0', '--ui', UI]);
  desk = await serve(['--db', join(dir, 'desk.sqlite'), 'web', '--listen', '127.0.0.1:0', '--ui', UI]);
  b = await browser();
});

after(async () => {
  await b?.close();
  await web?.stop();
  await desk?.stop();
  await server?.stop();
});

describe('Ridermap in a browser', () => {
  test('first screen: the nearby list around the position, in Chinese', async () => {
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    const start = Date.now();
    await p.goto(web.url);
    await p.getByTestId('place-row').first().waitFor();
    const ms = Date.now() - start;
    console.log(`first screen interactive: ${ms} ms`);
    assert.match(await p.locator('h1').textContent(), /骑手友好地图/);
    assert.ok((await p.getByTestId('place-row').count()) > 3);
    // Filters: only chargers.
    await p.getByTestId('kind-charger').click();
    await p.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=place-row] .row-sub')];
      return rows.length > 0 && rows.every((e) => e.textContent.startsWith('换电'));
    });
    await shot(p, 'phone-nearby-zh');
    await p.context().close();
  });

  test('enrol with an invite code on the sync screen', async () => {
    const p = await page(b, PHONE);
    await p.goto(web.url);
    const code = ridermap(['--db', serverDb, 'admin', 'invite', '--role', 'rider']).trim();
    await p.getByTestId('tab-sync').click();
    await p.getByTestId('server-url').fill(serverUrl);
    await p.getByTestId('invite').fill(code);
    await p.getByTestId('enrol').click();
    await p.getByTestId('sync-server').filter({ hasText: serverUrl }).waitFor();
    // A rider gets the rider's screens: no station check-in, no grid desk to be refused from.
    await p.getByTestId('tab-grid').waitFor({ state: 'detached' });
    assert.equal(await p.getByTestId('tab-station').count(), 0);
    assert.equal(await p.getByTestId('tab-gate').count(), 1);
    await p.context().close();
  });

  test("a city's own sync server over HTTPS: refused until its CA file is chosen, then enrolled", async () => {
    const tls = tempDir();
    const { ca, cert, key } = testCa(tls);
    const cityDb = join(tls, 'city.sqlite');
    const city = await serve(['--db', cityDb, 'serve', '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
    const device = await serve(['--db', join(tls, 'device.sqlite'), 'web', '--listen', '127.0.0.1:0', '--ui', UI]);
    try {
      assert.match(city.url, /^https:\/\/127\.0\.0\.1:/);
      const code = ridermap(['--db', cityDb, 'admin', 'invite', '--role', 'rider']).trim();
      const p = await page(b, PHONE);
      await p.goto(device.url);
      await p.getByTestId('tab-sync').click();
      await p.getByTestId('server-url').fill(city.url);
      await p.getByTestId('invite').fill(code);
      // Without the city's CA the device does not trust the server, and says what to do.
      await p.getByTestId('enrol').click();
      await p.getByTestId('toast').filter({ hasText: 'not trusted' }).waitFor();
      assert.match(await p.getByTestId('sync-server').textContent(), /未设置服务器/);
      // With it, the same invite (not spent by the refused try) enrols the device.
      await p.getByTestId('ca-file').setInputFiles(ca);
      await p.getByTestId('ca-chosen').filter({ hasText: 'ca.pem' }).waitFor();
      await p.getByTestId('enrol').click();
      await p.getByTestId('sync-server').filter({ hasText: city.url }).waitFor();
      assert.match(await p.getByTestId('token-in').textContent(), /信任服务器自有证书/);
      await p.getByTestId('sync-now').click();
      await p.getByTestId('toast').filter({ hasText: '上传' }).waitFor();
      assert.equal(await p.getByTestId('last-error').count(), 0);
      await p.context().close();
    } finally {
      await device.stop();
      await city.stop();
    }
  });

  test('rider, server unreachable: a report in three taps waits as pending', async () => {
    await server.stop();
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    await p.goto(web.url);
    await p.getByTestId('kind-charger').click();
    await p.getByTestId('place-row').first().click();
    await p.getByTestId('place-name').waitFor();
    const before = await pending(p);
    await p.getByTestId('report-open').click(); // 1
    await p.getByTestId('outcome-broken').click(); // 2
    await shot(p, 'phone-report-zh');
    await p.getByTestId('report-save').click(); // 3
    await p.getByTestId('toast').filter({ hasText: '待同步' }).waitFor();
    await expectPending(p, before + 1);
    await p.getByTestId('condition').filter({ hasText: '可能坏了' }).waitFor();
    await shot(p, 'phone-place-zh');
    // Sync now fails while the server is down; the report still waits.
    await p.getByTestId('tab-sync').click();
    await p.getByTestId('sync-now').click();
    await p.getByTestId('toast').filter({ hasText: /cannot reach|无法/ }).waitFor();
    await p.getByTestId('outbox-item').first().waitFor();
    assert.equal(await pending(p), before + 1);
    await p.context().close();
  });

  test('rider: find a gate by compound and building', async () => {
    const p = await page(b, PHONE);
    await p.goto(web.url);
    await p.getByTestId('tab-gate').click();
    await p.getByTestId('compound').fill('开鲁');
    await p.getByTestId('compound-hit').filter({ hasText: '开鲁六村' }).click();
    // The gate the service ranks first now (which one depends on the hour), asked the same way.
    const answer = JSON.parse(ridermap(['--db', appDb, 'gate', '--compound', '开鲁六村', '--building', '12', '--json']));
    const name = answer.choices[0].name;
    await p.getByTestId('building-12').click();
    const best = p.getByTestId('best-gate');
    await best.waitFor();
    assert.match(await best.textContent(), new RegExp(`^★ 1\\. ${name.replace(/[()（）]/g, '.')}`));
    assert.ok((await p.getByTestId('other-gate').count()) >= 1, 'the others ranked below');
    await shot(p, 'phone-gate-zh');
    await p.context().close();
  });

  test('volunteer: check-in with big buttons, today\'s tally', async () => {
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    await p.goto(desk.url);
    await p.getByTestId('tab-station').click();
    await p.getByTestId('station-choice').filter({ hasText: '奉献园爱心驿站' }).click();
    await p.getByTestId('plus').click();
    await p.getByTestId('plus').click();
    assert.equal(await p.getByTestId('headcount').textContent(), '3');
    await p.getByTestId('service-hot_water').click();
    await p.getByTestId('station-open').click();
    await p.getByTestId('visit-save').click();
    await p.getByTestId('today-headcount').filter({ hasText: '3' }).waitFor();
    await shot(p, 'phone-station-zh');
    await p.context().close();
  });

  test('grid worker on a tablet, in English: add a place with hours checked as typed, review, dashboard', async () => {
    const p = await page(b, TABLET);
    await p.goto(desk.url);
    await p.getByTestId('lang').click();
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('grid-yinhang-1').click();
    await p.getByTestId('pane-add').click();
    await p.getByTestId('new-name').fill('Test swap cabinet');
    await p.getByTestId('new-hours').fill('Mo-Fr 06:00-');
    await p.getByTestId('hours-problem').waitFor();
    assert.ok(await p.getByTestId('new-save').isDisabled(), 'bad hours keep Save off');
    await p.getByTestId('new-hours').fill('Mo-Su 06:00-23:00');
    await p.getByTestId('hours-problem').waitFor({ state: 'detached' });
    await p.getByTestId('new-point').fill('31.3370, 121.5370');
    await p.getByTestId('new-point').press('Enter');
    await p.getByTestId('new-point').blur();
    await p.getByTestId('picked').filter({ hasText: '31.337000' }).waitFor();
    await shot(p, 'tablet-add-place-en');
    await p.getByTestId('new-save').click();
    await p.getByTestId('place-name').filter({ hasText: 'Test swap cabinet' }).waitFor();
    // A hazard reported at 开鲁六村 (grid yinhang-2) reaches that grid's review queue; rejecting it
    // needs a reason, which goes back to the reporter.
    await p.getByTestId('tab-nearby').click();
    await p.getByTestId('search').fill('开鲁六村');
    // The list turns into search results; then open the compound itself.
    await p.locator('[data-testid=result-count][data-query="开鲁六村"]').waitFor();
    await p.locator('[data-testid=place-row]', { has: p.locator('.row-name', { hasText: /^开鲁六村$/ }) }).click();
    await p.getByTestId('place-name').filter({ hasText: /^开鲁六村$/ }).waitFor();
    await p.getByTestId('report-open').click();
    await p.getByTestId('outcome-hazard').click();
    await p.getByTestId('report-note').fill('Fire lane blocked by parked e-bikes');
    await p.getByTestId('report-save').click();
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('grid-yinhang-2').click();
    await p.getByTestId('pane-review').click();
    const item = p.getByTestId('review-item').filter({ hasText: 'Fire lane blocked' });
    await item.waitFor();
    await shot(p, 'tablet-review-en');
    await item.getByTestId('reject').click();
    await p.getByTestId('toast').filter({ hasText: /reason/i }).waitFor();
    await item.getByTestId('reject-reason').fill('Cleared on site');
    await item.getByTestId('reject').click();
    await p.getByTestId('toast').filter({ hasText: 'Rejected' }).waitFor();
    await item.waitFor({ state: 'detached' });
    await p.getByTestId('pane-dashboard').click();
    await p.getByTestId('visits-chart').waitFor();
    // Fourteen days, a bar and a day label each; the counts are the service's.
    assert.equal(await p.locator('[data-testid=visits-chart] rect.bar').count(), 14);
    assert.equal(await p.locator('[data-testid=visits-chart] text.axis').count(), 14);
    const stats = JSON.parse(ridermap(['--db', join(dir, 'desk.sqlite'), 'stats', '--grid', 'yinhang-2', '--json']));
    assert.match(await p.getByTestId('open-reports').textContent(), new RegExp(`: ${stats.pending_reports}$`));
    await shot(p, 'tablet-dashboard-en');
    await p.context().close();
  });

  test('server back: sync sends every waiting write, another device sees the report', async () => {
    await startServer();
    const p = await page(b, PHONE);
    await p.goto(web.url);
    await p.getByTestId('tab-sync').click();
    await p.getByTestId('sync-now').click();
    await expectPending(p, 0);
    await shot(p, 'phone-sync-zh');
    // Another device (the CLI, as the subdistrict's admin) pulls the rider's report from the server.
    const other = join(dir, 'admin.sqlite');
    const code = ridermap(['--db', serverDb, 'admin', 'invite', '--role', 'admin']).trim();
    ridermap(['--db', other, '--no-demo', 'login', '--server', serverUrl, '--invite', code]);
    ridermap(['--db', other, '--no-demo', 'sync']);
    const queue = JSON.parse(ridermap(['--db', other, '--no-demo', 'report', 'list', '--json']));
    assert.ok(queue.length > 0 && queue.some((i) => i.report.outcome === 'broken'), JSON.stringify(queue).slice(0, 400));
    await p.context().close();
  });

  test('grid-station PC: an offline base map imported in Settings draws under the map', async () => {
    const file = join(dir, 'yinhang.mbtiles');
    execFileSync('python3', [join(ROOT, 'tests/fixtures/make_basemap.py'), file]);
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    await p.goto(web.url);
    await p.getByTestId('tab-sync').click();
    await p.getByTestId('basemap').filter({ hasText: '没有底图' }).waitFor();
    await p.getByTestId('basemap-path').fill(join(dir, 'nothing.mbtiles'));
    await p.getByTestId('basemap-import').click();
    await p.getByTestId('toast').filter({ hasText: 'no such file' }).waitFor();
    await p.getByTestId('basemap-path').fill(file);
    await p.getByTestId('basemap-import').click();
    await p.getByTestId('toast').filter({ hasText: '已导入底图' }).waitFor();
    await p.getByTestId('basemap').filter({ hasText: '14–17' }).waitFor();
    await p.getByTestId('tab-nearby').click();
    await p.getByTestId('tile').first().waitFor();
    // The tiles come from the device, not the network.
    const href = await p.getByTestId('tile').first().getAttribute('href');
    assert.match(href, /^\/tiles\/1[4-7]\/\d+\/\d+\?v=/);
    const kind = await p.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), href);
    assert.equal(kind, 'image/png');
    // Kept beside the store: a fresh start draws it again.
    await p.reload();
    await p.getByTestId('tile').first().waitFor();
    await p.getByTestId('place-row').first().waitFor();
    await shot(p, 'phone-basemap-zh');
    await p.context().close();
  });

  test('a read that fails says what failed and offers a retry, never an empty list', async () => {
    const p = await page(b, TABLET);
    const failing = { status: 500, contentType: 'application/json', body: JSON.stringify({ code: 'database', message: 'disk I/O error' }) };
    await p.route('**/api/stale', (r) => r.fulfill(failing));
    await p.route('**/api/nearby', (r) => r.fulfill(failing));
    await p.goto(desk.url);
    const failed = p.getByTestId('read-error');
    await failed.first().waitFor();
    assert.match(await failed.first().textContent(), /附近的地点.*disk I\/O error/s);
    assert.equal(await p.getByTestId('result-count').count(), 0, 'no "0 places" for a failed read');
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('grid-yinhang-1').click();
    await p.getByTestId('pane-stale').click();
    await failed.filter({ hasText: '待核实的地点' }).waitFor();
    assert.equal(await p.getByTestId('stale-count').count(), 0, 'no "0 stale places" for a failed read');
    await shot(p, 'tablet-read-failed-zh');
    // The disk recovers: the retry shows the list.
    await p.unroute('**/api/stale');
    await failed.filter({ hasText: '待核实的地点' }).getByTestId('retry').click();
    await p.getByTestId('stale-count').waitFor();
    assert.match(await p.getByTestId('stale-count').textContent(), /^[1-9]\d* 处/);
    await p.context().close();
  });

  test('night theme and English at phone size', async () => {
    const p = await page(b, PHONE);
    await p.goto(web.url);
    await p.getByTestId('night').click();
    await p.getByTestId('lang').click();
    await p.getByTestId('place-row').first().waitFor();
    assert.match(await p.locator('h1').textContent(), /Ridermap/);
    assert.ok(await p.locator('.app').evaluate((e) => e.classList.contains('night')), 'the night theme is on');
    const bg = await p.locator('.app').evaluate((e) => getComputedStyle(e).backgroundColor);
    const [r, g, bl] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + bl < 150, `a dark background at night, not ${bg}`);
    await shot(p, 'phone-nearby-night-en');
    await p.context().close();
  });
});
