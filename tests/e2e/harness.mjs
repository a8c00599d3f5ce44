// Processes and browsers for the browser tests: the real `ridermap` binary (web host and sync
// server on loopback) and Debian's chromium through playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
export const BIN = process.env.RIDERMAP_BIN || join(TARGET, 'debug/ridermap');
export const UI = process.env.RIDERMAP_UI || join(ROOT, 'ui/dist');
export const SHOTS = join(ROOT, 'docs/screenshots');

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'ridermap-e2e-'));
}

/** Run `ridermap ARGS` to completion; its stdout. */
export function ridermap(args, env = {}) {
  return execFileSync(BIN, args, { env: { ...process.env, RIDERMAP_LANG: 'en', ...env }, encoding: 'utf8' });
}

/** A loopback port nobody holds right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Start `ridermap ARGS` that prints `listening on URL` first; resolves with { url, stop }. */
export function serve(args) {
  return new Promise((ok, fail) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`ridermap ${args.join(' ')} exited with ${code}`)));
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (https?:\/\/\S+)/);
      if (m) {
        child.removeAllListeners('exit');
        ok({
          url: m[1],
          stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
        });
      }
    });
  });
}

/** A CA made now and a certificate it signed for 127.0.0.1 (Debian's openssl): a city's own
 * sync server. Returns the PEM files' paths. */
export function testCa(dir) {
  const f = (n) => join(dir, n);
  const ssl = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=Test City Sync CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  ssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n'
    + 'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const PHONE = { width: 360, height: 640 };
export const TABLET = { width: 1024, height: 768 };

export async function page(b, size, { geolocation } = {}) {
  const context = await b.newContext({
    viewport: size,
    deviceScaleFactor: 2,
    locale: 'zh-CN',
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
  });
  return context.newPage();
}

export async function shot(p, name, { fullPage = false } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/**
 * Pan and zoom latency of the first map on the page: a pointer or wheel event on the map → the
 * event's own work, the reactive updates it queued (microtasks run before the timer), then style
 * and layout, forced (not paint). 60 pointer moves of a drag, 12 wheel zooms in and out.
 */
export async function mapLatencies(p) {
  return p.evaluate(async () => {
    const svg = document.querySelector('[data-testid=map]');
    const r = svg.getBoundingClientRect();
    const [x0, y0] = [r.left + r.width / 2, r.top + r.height / 2];
    const settled = () => new Promise((ok) => setTimeout(ok, 0)).then(() => document.body.getBoundingClientRect());
    const pointer = (type, x, y) =>
      svg.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, isPrimary: true, bubbles: true }));
    const pan = [];
    pointer('pointerdown', x0, y0);
    for (let i = 1; i <= 60; i++) {
      const t = performance.now();
      pointer('pointermove', x0 + 2 * Math.sin(i / 5) * i, y0 + Math.cos(i / 7) * i);
      await settled();
      pan.push(performance.now() - t);
    }
    pointer('pointerup', x0, y0);
    const zoom = [];
    for (let i = 0; i < 12; i++) {
      const t = performance.now();
      svg.dispatchEvent(new WheelEvent('wheel', { deltaY: i % 2 ? 100 : -100, clientX: x0, clientY: y0, bubbles: true, cancelable: true }));
      await settled();
      zoom.push(performance.now() - t);
    }
    return { pan, zoom };
  });
}
