// The rider, volunteer and grid-worker flows in Debian's chromium through `ridermap web`, in
// Chinese and English, at phone and tablet sizes; writes wait while the sync server is down and
// go up once it is back. Screenshots land in docs/screenshots/ for review (and the README).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
  test('first screen: which gate (the search), then the nearby list around the position, in Chinese', async () => {
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    const start = Date.now();
    await p.goto(web.url);
    await p.getByTestId('compound').waitFor();
    const ms = Date.now() - start;
    console.log(`first screen interactive: ${ms} ms`);
    await p.getByTestId('tab-nearby').click();
    await p.getByTestId('place-row').first().waitFor();
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
    await p.getByTestId('tab-nearby').click();
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

  // From launch: type "开鲁六村 12", tap the suggestion — the best gate, open or closed, its icons,
  // the way in drawn over the streets and numbered footprints, and the words: all above the fold.
  for (const [lang, night] of [['zh', false], ['en', false], ['zh', true], ['en', true]]) {
    const look = `${lang}-${night ? 'night' : 'day'}`;
    test(`rider, phone, ${look}: which gate and the way in, without scrolling`, async () => {
      const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
      await p.goto(web.url);
      if (lang === 'en') await p.getByTestId('lang').click();
      if (night) await p.getByTestId('night').click();
      await p.getByTestId('compound').fill('开鲁六村 12');
      await p.getByTestId('compound-hit').filter({ hasText: '开鲁六村' }).first().click();
      // The way in the service gives for the best gate, asked the same way.
      const route = JSON.parse(ridermap(['--db', appDb, '--lang', lang, 'route', '--compound', '开鲁六村', '--building', '12', '--json']));
      const best = p.getByTestId('best-gate');
      await best.waitFor();
      assert.ok((await best.locator('.gate-name').textContent()).includes(route.gate.name), route.gate.name);
      const summary = p.getByTestId('route-summary');
      await summary.waitFor();
      assert.ok((await summary.textContent()).includes(route.summary), `${await summary.textContent()} / ${route.summary}`);
      await best.getByTestId('gate-open').waitFor();
      // The route polyline over the drawn base layer: streets, footprints with numbers.
      const trace = p.getByTestId('trace-route');
      await trace.waitFor();
      const pts = (await trace.getAttribute('points')).trim().split(/\s+/);
      assert.equal(pts.length, route.line.length);
      await p.waitForFunction(() => document.querySelectorAll('[data-testid=footprint]').length > 5);
      assert.ok((await p.locator('[data-testid=base-layer] polyline.b-street').count()) > 0, 'streets drawn');
      // Labels follow once the layer of the box the route is fitted in has arrived.
      await p.waitForFunction(() => document.querySelectorAll('text.l-number').length > 3);
      await p.waitForFunction(() => document.querySelectorAll('text.l-street').length > 0);
      // Where to leave the e-bike at the best gate: its note below the map, its spot on the map.
      const gate = JSON.parse(ridermap(['--db', appDb, 'gate', '--compound', '开鲁六村', '--building', '12', '--json'])).choices[0];
      assert.ok(gate.parking?.note, `every gate of 开鲁六村 says where to park: ${JSON.stringify(gate)}`);
      await p.getByTestId('parking').filter({ hasText: gate.parking.note }).first().waitFor();
      assert.equal(await p.locator('[data-testid=map] circle.trace-end.parking').count(), gate.parking.lat ? 1 : 0);
      await shot(p, `phone-gate-${look}`);
      // Nothing of the answer below the fold (the tab bar covers the bottom 64 px).
      const fold = 640 - 64;
      for (const el of [best.locator('.gate-name'), summary, p.getByTestId('map')]) {
        const box = await el.boundingBox();
        assert.ok(box.y >= 0 && box.y + Math.min(box.height, 120) <= fold, `${await el.evaluate((e) => e.className || e.dataset.testid)} at ${box.y}+${box.height}`);
      }
      const mapBox = await p.getByTestId('map').boundingBox();
      const routeBox = await trace.boundingBox();
      assert.ok(routeBox.y + routeBox.height <= fold, `the route ends above the fold: ${routeBox.y}+${routeBox.height}`);
      assert.ok(routeBox.y >= mapBox.y && routeBox.x >= mapBox.x - 1, 'the route lies on the map');
      await p.context().close();
    });
  }

  test('rider: pick the building on the map, see another gate\'s way in, take me to the gate', async () => {
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3390, longitude: 121.5360 } });
    await p.goto(web.url);
    await p.getByTestId('compound').fill('开鲁');
    await p.getByTestId('compound-hit').filter({ hasText: '开鲁六村' }).click();
    // The compound on the map, its footprints numbered: tap building 7. A neighbour's building 7
    // is no answer (it is not this compound's): the app says so.
    await p.locator('[data-testid=footprint][data-number="7"]').first().waitFor();
    await shot(p, 'phone-gate-pick-zh');
    const mapBox = await p.getByTestId('map').boundingBox();
    const sevens = await p.locator('[data-testid=footprint][data-number="7"]').all();
    let answered = false;
    for (const seven of sevens) {
      const box = await seven.boundingBox();
      if (!box || box.x < mapBox.x || box.y < mapBox.y || box.x + box.width > mapBox.x + mapBox.width || box.y + box.height > mapBox.y + mapBox.height) continue;
      await seven.click();
      const got = await Promise.race([
        p.getByTestId('best-gate').waitFor().then(() => 'answer'),
        p.getByTestId('toast').filter({ hasText: '不属于开鲁六村' }).waitFor().then(() => 'not ours'),
      ]);
      if (got === 'answer') { answered = true; break; }
    }
    assert.ok(answered, 'one of the visible footprints numbered 7 is 开鲁六村\'s');
    assert.match(await p.getByTestId('asked').textContent(), /开鲁六村 · 7/);
    const seen = await p.getByTestId('trace-route').getAttribute('points');
    // Another gate, shown in turn: its way in replaces the line.
    const other = p.getByTestId('other-gate').first();
    await other.getByTestId('show-route').click();
    await p.waitForFunction((before) => document.querySelector('[data-testid=trace-route]')?.getAttribute('points') !== before, seen);
    await other.getByTestId('show-route').filter({ hasText: '正在显示路线' }).waitFor();
    // From where the rider is to that gate, over the base layer.
    await p.getByTestId('take-me').click();
    await p.getByTestId('approach').waitFor();
    await p.getByTestId('trace-approach').waitFor();
    assert.match(await p.getByTestId('approach').textContent(), /到门口：\d+ 米 · \d+ 分钟/);
    await p.context().close();
  });

  test('a failed read of the base layer says so on the map', async () => {
    const p = await page(b, PHONE);
    await p.route('**/api/map_layer', (r) => r.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ code: 'internal', message: 'disk I/O error' }) }));
    await p.goto(web.url);
    await p.getByTestId('compound').fill('开鲁');
    await p.getByTestId('compound-hit').filter({ hasText: '开鲁六村' }).click();
    await p.getByTestId('layer-error').filter({ hasText: 'disk I/O error' }).waitFor();
    await p.context().close();
  });

  test('rider at a gate: got in after waiting 10 minutes, in four taps', async () => {
    const p = await page(b, PHONE, { geolocation: { latitude: 31.3376, longitude: 121.5382 } });
    await p.goto(web.url);
    await p.getByTestId('tab-nearby').click();
    await p.getByTestId('kind-entrance').click();
    await p.getByTestId('place-row').first().click();
    await p.getByTestId('place-name').waitFor();
    await p.getByTestId('report-open').click(); // 1
    await p.getByTestId('outcome-got_in').click(); // 2
    await p.getByTestId('waited-10').click(); // 3
    await shot(p, 'phone-report-wait-zh');
    await p.getByTestId('report-save').click(); // 4
    await p.getByTestId('toast').filter({ hasText: '待同步' }).waitFor();
    const reports = JSON.parse(ridermap(['--db', appDb, 'report', 'list', '--json']));
    assert.ok(reports.some(({ report: r }) => r.outcome === 'got_in' && r.waited_min === 10), JSON.stringify(reports));
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
    // The list turns into search results; on a tablet a result opens beside them (the list stays),
    // marked in the list and on the map.
    await p.locator('[data-testid=result-count][data-query="开鲁六村"]').waitFor();
    const result = (name) => p.locator('[data-testid=place-row]', { has: p.locator('.row-name', { hasText: name }) });
    const beside = p.getByTestId('side-place');
    await result(/^开鲁六村$/).click();
    await beside.getByTestId('place-name').filter({ hasText: /^开鲁六村$/ }).waitFor();
    await p.locator('[data-testid=result-count][data-query="开鲁六村"]').waitFor();
    assert.equal(await p.locator('[data-testid=place-row].on .row-name').textContent(), '开鲁六村');
    await p.locator('[data-testid=marker].best', { has: p.locator('title', { hasText: /^开鲁六村$/ }) }).waitFor();
    // A marker tapped on the map opens its place beside the list, and the list marks it too.
    const station = p.locator('[data-testid=marker]', { has: p.locator('title', { hasText: '奉献园爱心驿站' }) });
    for (let i = 0; i < 6 && (await station.count()) === 0; i++) await p.getByLabel('zoom in').click();
    await station.click();
    await beside.getByTestId('place-name').filter({ hasText: '奉献园爱心驿站' }).waitFor();
    assert.equal(await p.locator('[data-testid=place-row].on .row-name').textContent(), '奉献园爱心驿站');
    await shot(p, 'tablet-search-two-panes-en');
    await result(/^开鲁六村$/).click();
    await beside.getByTestId('place-name').filter({ hasText: /^开鲁六村$/ }).waitFor();
    // The compound's signboard, printed from its page: a PDF with its gates on it.
    const [sign] = await Promise.all([p.waitForEvent('download'), p.getByTestId('print-sign').click()]);
    assert.equal(sign.suggestedFilename(), '开鲁六村-a4.pdf');
    const signText = execFileSync('pdftotext', [await sign.path(), '-'], { encoding: 'utf8' });
    assert.match(signText, /Rider guide/);
    assert.match(signText, /1号门（正门）/);
    // A rider's rating of the compound: one tap per indicator, then send.
    await p.getByTestId('rate').locator('summary').click();
    await p.getByTestId('rate-ebike_in-bad').click();
    await p.getByTestId('rate-guard_friendly-good').click();
    await p.getByTestId('rate-save').click();
    await p.getByTestId('toast').filter({ hasText: 'Thanks' }).waitFor();
    await p.getByTestId('report-open').click();
    await p.getByTestId('outcome-hazard').click();
    await p.getByTestId('report-note').fill('Fire lane blocked by parked e-bikes');
    await p.getByTestId('report-save').click();
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('grid-yinhang-2').click();
    await p.getByTestId('pane-review').click();
    const item = p.getByTestId('review-item').filter({ hasText: 'Fire lane blocked' });
    await item.waitFor();
    const count = async () => Number((await p.getByTestId('queue-count').textContent()).match(/\d+/)[0]);
    // Filtered to the compound, the item opened beside the queue with its context.
    await p.getByTestId('filter-compound').filter({ hasText: '开鲁六村' }).click();
    const before = await count();
    await item.click();
    const detail = p.getByTestId('review-detail');
    await detail.getByTestId('review-what').filter({ hasText: '开鲁六村 · Compound' }).waitFor();
    assert.match(await detail.textContent(), /Fire lane blocked/);
    assert.match(await detail.textContent(), /By: rider|By: grid worker|By: admin/);
    await detail.getByTestId('review-others').waitFor();
    // What accepting keeps (and rejecting undoes) on the place, in words.
    assert.match(await detail.getByTestId('review-effect').textContent(), /Accepting keeps this: Listed among the grid's open hazards/);
    await detail.locator('[data-testid=map]').waitFor();
    const side = [await p.locator('.review-list').boundingBox(), await detail.boundingBox()];
    assert.ok(side[1].x > side[0].x + side[0].width - 1, 'the item beside the queue, not under it');
    await shot(p, 'tablet-review-en');
    // With a keyboard: ↓/↑ move through the queue, r goes to the reason to reject.
    const rows = p.getByTestId('review-item');
    const selectedRow = () => rows.evaluateAll((els) => els.findIndex((e) => e.classList.contains('on')));
    const n = await rows.count();
    const i0 = await selectedRow();
    await p.getByTestId('review-list').focus();
    await p.keyboard.press('ArrowDown');
    await p.waitForFunction(([i]) => [...document.querySelectorAll('[data-testid=review-item]')].findIndex((e) => e.classList.contains('on')) === i, [Math.min(i0 + 1, n - 1)]);
    await p.keyboard.press('ArrowUp');
    await p.waitForFunction(([i]) => [...document.querySelectorAll('[data-testid=review-item]')].findIndex((e) => e.classList.contains('on')) === i, [Math.max(Math.min(i0 + 1, n - 1) - 1, 0)]);
    await item.click();
    await detail.getByTestId('review-what').filter({ hasText: '开鲁六村 · Compound' }).waitFor();
    await p.getByTestId('review-list').focus();
    await p.keyboard.press('r');
    assert.equal(await p.evaluate(() => document.activeElement?.dataset.testid), 'reject-reason');
    await detail.getByTestId('reject').click();
    await p.getByTestId('toast').filter({ hasText: /reason/i }).waitFor();
    await detail.getByTestId('quick-reason').first().click();
    await detail.getByTestId('reject-reason').fill('Cleared on site');
    await detail.getByTestId('reject').click();
    await p.getByTestId('toast').filter({ hasText: 'Rejected' }).waitFor();
    await item.waitFor({ state: 'detached' });
    assert.equal(await count(), before - 1, 'the queue counts down');
    await p.getByTestId('pane-dashboard').click();
    await p.getByTestId('visits-chart').waitFor();
    // Fourteen days, a column each; axes with a unit; the figures are the service's.
    const dash = JSON.parse(ridermap(['--db', join(dir, 'desk.sqlite'), 'stats', '--grid', 'yinhang-2', '--json']));
    assert.equal(await p.locator('[data-testid=visits-chart] [data-testid=chart-column]').count(), 14);
    assert.ok(await p.locator('[data-testid=visits-chart] text.y-axis').count() >= 2, 'a value axis');
    assert.equal(await p.locator('[data-testid=visits-chart] text.unit').textContent(), 'riders');
    assert.equal(await p.locator('[data-testid=weeks-chart] [data-testid=chart-column]').count(), 8);
    assert.match(await p.getByTestId('open-reports').textContent(), new RegExp(`^${dash.pending_reports}Reports to review$`));
    assert.match(await p.getByTestId('kind-counts').textContent(), /Compound/);
    const csvDash = ridermap(['--db', join(dir, 'desk.sqlite'), 'stats', '--grid', 'yinhang-2', '--csv', 'way_in']);
    const unknown = csvDash.trim().split('\n').length - 1;
    // The worst six first, every one on request.
    assert.equal(await p.getByTestId('way-gap').count(), Math.min(unknown, 6));
    if (unknown > 6) await p.getByTestId('more-gaps').click();
    assert.equal(await p.getByTestId('way-gap').count(), unknown, 'every compound whose way in is not known is listed');
    assert.match(await p.getByTestId('way-in-share').textContent(), /\d+%.*of compounds \(\d+ of \d+\)/);
    assert.match(await p.getByTestId('verified-share').textContent(), /verified on site in the last 90 days/);
    // Each panel's numbers download as CSV, the same the CLI prints.
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('csv-way_in').click()]);
    assert.equal(download.suggestedFilename(), 'ridermap-yinhang-2-way_in.csv');
    const saved = await readFile(await download.path(), 'utf8');
    assert.equal(saved.trim(), csvDash.trim());
    await shot(p, 'tablet-dashboard-en');
    // The compounds riders rate worst first: 开鲁六村 with its one rating, half good.
    await p.getByTestId('pane-scores').click();
    const row = p.getByTestId('score-row').filter({ hasText: '开鲁六村' });
    await row.waitFor();
    assert.equal(await row.getByTestId('score-overall').textContent(), '50%');
    assert.match(await row.textContent(), /Weakest: E-bikes get in 0%/);
    await shot(p, 'tablet-scores-en');
    // A file picked on this machine is imported; every place exports as a download.
    await p.getByTestId('pane-export').click();
    const upload = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [121.531, 31.331] },
      properties: { kind: 'charger', name: 'Uploaded cabinet', source: 'e2e:upload', grid: 'yinhang-1' } }] });
    await p.getByTestId('import-file').setInputFiles({ name: 'new-cabinet.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(upload) });
    await p.getByTestId('import-report').filter({ hasText: '1 new · 0 updated' }).waitFor();
    const [exported] = await Promise.all([p.waitForEvent('download'), p.getByTestId('export-geojson').click()]);
    assert.equal(exported.suggestedFilename(), 'ridermap.geojson');
    assert.match(await readFile(await exported.path(), 'utf8'), /Uploaded cabinet/);
    await p.context().close();
  });

  test('grid worker on a tablet draws a wall across the way in: the route changes', async () => {
    const deskDb = join(dir, 'desk.sqlite');
    const ask = () => JSON.parse(ridermap(['--db', deskDb, 'route', '--compound', '开鲁六村', '--building', '12', '--json']));
    const before = ask();
    // Across the middle of the route's longest straight piece, 20 m either side.
    const line = before.line;
    let [a, z] = [line[0], line[1]];
    for (let i = 1; i < line.length; i++) {
      const [p0, p1] = [line[i - 1], line[i]];
      if (Math.hypot(p1[0] - p0[0], p1[1] - p0[1]) > Math.hypot(z[0] - a[0], z[1] - a[1])) [a, z] = [p0, p1];
    }
    const mid = { latitude: (a[1] + z[1]) / 2, longitude: (a[0] + z[0]) / 2 };
    const mPerLon = 111320 * Math.cos((mid.latitude * Math.PI) / 180);
    const [east, north] = [(z[0] - a[0]) * mPerLon, (z[1] - a[1]) * 110574];
    const len = Math.hypot(east, north);
    const across = [-north / len, east / len]; // unit vector, metres east and north
    const p = await page(b, TABLET, { geolocation: mid });
    await p.goto(desk.url);
    await p.waitForFunction(() => localStorage.getItem('position'));
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('grid-yinhang-2').click();
    await p.getByTestId('pane-path').click();
    await p.getByTestId('path-kind-wall').click();
    await p.getByTestId('path-name').fill('测试围墙');
    // The drawing map starts at the position, 2 px a metre on a 400 x 300 drawing.
    const drawing = p.locator('.draw-path [data-testid=map]');
    await drawing.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const box = await drawing.boundingBox();
    const at = (m) => [box.x + box.width / 2 + across[0] * m * 2 * (box.width / 400), box.y + box.height / 2 - across[1] * m * 2 * (box.height / 300)];
    for (const m of [-20, 20]) {
      const [x, y] = at(m);
      await p.mouse.click(x, y);
    }
    await p.getByTestId('path-points').filter({ hasText: /^2 / }).waitFor();
    await p.getByTestId('trace-draft').waitFor({ state: 'attached' });
    await shot(p, 'tablet-draw-path-zh');
    await p.getByTestId('path-save').click();
    await p.getByTestId('toast').filter({ hasText: '小区路已保存' }).waitFor();
    const after = ask();
    assert.notDeepEqual(after.line, before.line, 'the way in goes round the new wall');
    assert.ok(after.length_m > before.length_m || after.gate.name !== before.gate.name, `${before.length_m} -> ${after.length_m}`);
    await p.context().close();
  });

  test('grid worker on a tablet: a unit door placed on the map ends the route there; a building number fixed', async () => {
    const deskDb = join(dir, 'desk.sqlite');
    const p = await page(b, TABLET);
    await p.goto(desk.url);
    await p.getByTestId('tab-grid').click();
    await p.getByTestId('pane-buildings').click();
    await p.getByTestId('buildings-search').fill('开鲁二村');
    await p.getByTestId('buildings-compound').filter({ hasText: '开鲁二村' }).click();
    // Its buildings listed beside the map with their mapped unit doors: one picked in the list is
    // picked on the map; ↓ goes to the next.
    const rows = p.getByTestId('building-row');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 5, 'every building of the compound');
    const first = await rows.nth(0).locator('b').textContent();
    const second = await rows.nth(1).locator('b').textContent();
    await rows.nth(0).click();
    await p.locator('.buildings .hint').filter({ hasText: `已选楼栋 ${first}` }).waitFor();
    await p.locator(`[data-testid=footprint][data-number="${first}"].picked`).waitFor();
    await p.getByTestId('building-list').press('ArrowDown');
    await p.locator('.buildings .hint').filter({ hasText: `已选楼栋 ${second}` }).waitFor();
    await p.locator('[data-testid=building-row].on').filter({ hasText: second }).waitFor();
    // Building 20 of 开鲁二村 (a neighbour's building 20 is refused).
    await p.locator('[data-testid=footprint][data-number="20"]').first().waitFor();
    const drawing = p.locator('.buildings [data-testid=map]');
    await drawing.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const mapBox = await drawing.boundingBox();
    for (const fp of await p.locator('[data-testid=footprint][data-number="20"]').all()) {
      const box = await fp.boundingBox();
      if (!box || box.x < mapBox.x || box.y < mapBox.y || box.x + box.width > mapBox.x + mapBox.width || box.y + box.height > mapBox.y + mapBox.height) continue;
      await fp.click();
      const got = await Promise.race([
        p.locator('.buildings .hint').filter({ hasText: '已选楼栋 20' }).waitFor().then(() => 'ours'),
        p.getByTestId('toast').filter({ hasText: '不属于开鲁二村' }).waitFor().then(() => 'not ours'),
      ]);
      if (got === 'ours') break;
    }
    await p.locator('.buildings .hint').filter({ hasText: '已选楼栋 20' }).waitFor();
    // The footprint tapped is marked in the list, with the doors the store has for it.
    const twenty = JSON.parse(ridermap(['--db', deskDb, 'building', '--compound', '开鲁二村', '--number', '20', '--json']));
    const doorsSaid = (n) => (n === 0 ? '单元门未标' : `${n} 个单元门`);
    await p.locator('[data-testid=building-row].on').filter({ hasText: `20 · ${doorsSaid(twenty.building.doors.length)}` }).waitFor();
    // Unit 4's door, placed by a tap just south of the footprint's middle.
    const fpBox = await p.locator('[data-testid=footprint][data-number="20"].picked').boundingBox();
    await p.getByTestId('door-unit').fill('4');
    await p.getByTestId('door-place').click();
    await p.mouse.click(fpBox.x + fpBox.width / 2, fpBox.y + fpBox.height + 2);
    await p.getByTestId('toast').filter({ hasText: '单元门已保存' }).waitFor();
    const after = JSON.parse(ridermap(['--db', deskDb, 'building', '--compound', '开鲁二村', '--number', '20', '--json']));
    const door = after.building.doors.find((d) => d.unit === '4');
    assert.ok(door, JSON.stringify(after.building.doors));
    assert.ok(door.lat < twenty.building.lat, 'south of the building');
    await p.locator('[data-testid=building-row].on').filter({ hasText: `20 · ${doorsSaid(after.building.doors.length)}` }).waitFor();
    const route = JSON.parse(ridermap(['--db', deskDb, 'route', '--compound', '开鲁二村', '--building', '20', '--unit', '4', '--json']));
    const [lon, lat] = route.line[route.line.length - 1];
    const metres = Math.hypot((lon - door.lon) * 111320 * Math.cos((lat * Math.PI) / 180), (lat - door.lat) * 110574);
    assert.ok(metres < 2, `the route ends at the new door (${metres.toFixed(1)} m off)`);
    await shot(p, 'tablet-buildings-zh');
    // The number as written on site.
    await p.getByTestId('building-number').fill('20A');
    await p.getByTestId('building-number-save').click();
    await p.getByTestId('toast').filter({ hasText: '楼号已改' }).waitFor();
    const fixed = JSON.parse(ridermap(['--db', deskDb, 'building', '--compound', '开鲁二村', '--number', '20A', '--json']));
    assert.equal(fixed.building.doors.length, after.building.doors.length);
    await p.context().close();
  });

  test('grid desk on a tablet held upright at night: a hazard reported on site, judged beside the queue', async () => {
    const deskDb = join(dir, 'desk.sqlite');
    ridermap(['--db', deskDb, 'report', 'add', '--outcome', 'hazard', '--lat', '31.3366', '--lon', '121.5392', '--note', '井盖松动']);
    const p = await page(b, { width: 768, height: 1024 });
    await p.goto(desk.url);
    await p.getByTestId('night').click();
    await p.getByTestId('tab-grid').click();
    // No grid chosen: the whole queue, hazards outside any grid included.
    await p.getByTestId('pane-review').click();
    const item = p.getByTestId('review-item').filter({ hasText: '井盖松动' });
    await item.click();
    const detail = p.getByTestId('review-detail');
    await detail.getByTestId('review-what').filter({ hasText: /^现场隐患，位置 31\.33660, 121\.53920$/ }).waitFor();
    const [list, side] = [await p.locator('.review-list').boundingBox(), await detail.boundingBox()];
    assert.ok(side.x >= list.x + list.width - 1, 'two panes upright too');
    const bg = await detail.evaluate((e) => getComputedStyle(e).backgroundColor);
    const [r, g, bl] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + bl < 150, `the pane is dark at night, not ${bg}`);
    await shot(p, 'tablet-portrait-review-night-zh');
    // The dashboard of everything on the device: the hazard is open, on the map, in Chinese.
    await p.getByTestId('pane-dashboard').click();
    await p.getByTestId('hazard').filter({ hasText: '井盖松动' }).waitFor();
    assert.ok(await p.locator('[data-testid=dashboard] circle.trace-end.hazard').count() >= 1, 'the hazard on the map');
    assert.equal(await p.locator('[data-testid=visits-chart] text.unit').textContent(), '人次');
    assert.match(await p.getByTestId('way-in-share').textContent(), /\d+%的小区（\d+ \/ \d+）/);
    await shot(p, 'tablet-portrait-dashboard-night-zh', { fullPage: true });
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
    await p.getByTestId('tab-nearby').click();
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
    await p.getByTestId('tab-nearby').click();
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
    // Two panes: the place beside the list, verified on site from there; the list counts down.
    const staleCount = async () => Number((await p.getByTestId('stale-count').textContent()).match(/\d+/)[0]);
    const before = await staleCount();
    const second = p.getByTestId('stale-item').nth(1);
    const name = (await second.textContent()).split(' · ')[0];
    await second.click();
    const side = p.getByTestId('stale-detail');
    await side.locator('h3').filter({ hasText: name }).waitFor();
    const [list, pane] = [await p.locator('.review-list').boundingBox(), await side.boundingBox()];
    assert.ok(pane.x >= list.x + list.width - 1, 'the place beside the list');
    await side.getByTestId('stale-verify').click();
    await p.waitForFunction((n) => Number(document.querySelector('[data-testid=stale-count]').textContent.match(/\d+/)[0]) === n, before - 1);
    assert.equal(await staleCount(), before - 1);
    await shot(p, 'tablet-stale-zh');
    await p.context().close();
  });

  test('night theme and English at phone size', async () => {
    const p = await page(b, PHONE);
    await p.goto(web.url);
    await p.getByTestId('night').click();
    await p.getByTestId('lang').click();
    await p.getByTestId('tab-nearby').click();
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
