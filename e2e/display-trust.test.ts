/**
 * Issue 13 §1-2 end to end: a display paired once stays paired, comes back by itself after the hub
 * is SIGKILLed (the supervised child, and a whole `or-hub start`), frozen (SIGSTOP) or cut off
 * (a TCP proxy between page and hub that stops carrying bytes), and never looks live meanwhile.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { run, runToEnd, launchBrowser, chromiumArgs, CHROMIUM, artefact, until, hubPid, type Proc } from './harness';
import { chromium, type Browser, type Page } from 'playwright';

let browser: Browser;
const procs: Proc[] = [];
after(async () => {
  await browser?.close();
  for (const p of procs) await p.kill('SIGKILL');
});
before(async () => {
  void launchBrowser; // same flags as every e2e test, plus audio that may start without a gesture (the alarm)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...chromiumArgs(), '--autoplay-policy=no-user-gesture-required'] });
});

async function startOn(dataDir: string): Promise<{ p: Proc; url: string }> {
  const p = run(['start', '--headless', '--bus', 'tcp://127.0.0.1:*', '--data-dir', dataDir, '--bus-security', 'plain', '--simulate']);
  procs.push(p);
  const url = await p.waitFor(/^display: (\S+)$/m, 30000);
  return { p, url };
}

const js = <T>(page: Page, code: string): Promise<T> => page.evaluate(code) as Promise<T>;

/** Frames in which the ECG trace drew something. */
const ecgDrawn = (page: Page) =>
  js<number>(
    page,
    `(() => { const c = document.querySelector('[data-testid="wave-ecg"]'); const s = c && ` +
      `window.__orhub.waves.stats(Number(c.dataset.stream)); return s ? s.drawnFrames : -1; })()`,
  );

/** Everything the issue calls live: ECG drawing, HR current, the case and its recording shown, the 3D series, no display alarm. */
async function isLive(page: Page): Promise<boolean> {
  const f0 = await ecgDrawn(page);
  await page.waitForTimeout(150);
  const f1 = await ecgDrawn(page);
  return (
    f0 >= 0 &&
    f1 > f0 &&
    (await page.locator('[data-testid="tile-ecg"][data-live="true"]').count()) === 1 &&
    (await page.locator('[data-testid="rec"]').count()) === 1 &&
    (await page.locator('[data-testid="link-alarm"]').count()) === 0 &&
    (await js<boolean>(page, '!!window.__orhubAnatomy.state().shownId'))
  );
}

/** Within 2 s of the loss (plus the poll step): nothing looks live, and the display alarms, audibly. */
async function assertLost(page: Page, lostAt: number, what: string): Promise<void> {
  await until(() => page.locator('[data-testid="link-alarm"]').count(), `display alarm (${what})`, 4000, 50).catch(async (e: Error) => {
    const st = await js<unknown>(
      page,
      '({ ...window.__orhub.state(), devices: undefined, streams: undefined, numerics: undefined, settings: undefined, alarm: window.__orhub.displayAlarm() })',
    );
    throw new Error(`${e.message}: ${JSON.stringify(st)}`);
  });
  const ms = Date.now() - lostAt;
  assert.ok(ms <= 2600, `${what}: the display alarmed ${ms} ms after the loss (2 heartbeats = 2000 ms)`);
  assert.equal(await page.locator('[data-testid="rec"]').count(), 0, `${what}: REC not shown as running`);
  assert.match(await page.locator('[data-testid="rec-unknown"]').innerText(), /recording state unknown/);
  assert.equal(await page.locator('[data-testid="tile-ecg"][data-live="true"]').count(), 0, `${what}: HR not live`);
  assert.match(await page.locator('[data-testid="tile-ecg-value"]').innerText(), /^---/);
  assert.equal(await page.locator('[data-testid="row-ecg"] .wave-overlay').innerText(), 'NO DATA FROM HUB');
  const panelsLive = await page.locator('[data-testid^="panel-"]:not(.not-live)').count();
  assert.equal(panelsLive, 0, `${what}: every device panel greyed`);
  const clock1 = await page.locator('[data-testid="case-elapsed"]').innerText();
  const f0 = await ecgDrawn(page);
  await page.waitForTimeout(300);
  assert.equal(await ecgDrawn(page), f0, `${what}: no trace drawn while lost`);
  assert.equal(await page.locator('[data-testid="case-elapsed"]').innerText(), clock1, `${what}: case clock stopped`);
  assert.equal(await page.locator('[data-testid="case-elapsed"].stopped').count(), 1);
  const alarm = await js<{ sounding: boolean; audio: string }>(page, 'window.__orhub.displayAlarm()');
  assert.equal(alarm.audio, 'running', `${what}: Web Audio running`);
  assert.equal(alarm.sounding, true, `${what}: the alarm sounds`);
  assert.match(await page.locator('[data-testid="conn-error"]').innerText(), /reconnecting|No data from the hub/i);
}

/** Waits until live again; returns the ms from `answeringAt()` (when the hub's API answers again) to live. */
async function liveAgainWithin5s(page: Page, origin: string, token: string, what: string): Promise<number> {
  const { ms: hubMs } = await until(
    async () => {
      try {
        return (await fetch(`${origin}/api/status`, { headers: { Authorization: `Bearer ${token}` } })).ok;
      } catch {
        return false;
      }
    },
    `${what}: hub answering`,
    30000,
    20,
  );
  void hubMs;
  const t0 = Date.now();
  await until(() => isLive(page), `${what}: the page live again`, 8000, 50);
  const ms = Date.now() - t0;
  assert.ok(ms <= 5000, `${what}: live again ${ms} ms after the hub answered (at most 5000)`);
  return ms;
}

test(
  'pairing kept in the data dir; SIGKILL, SIGSTOP and a whole restart: the same page comes back by itself, never looking live meanwhile',
  { timeout: 240_000 },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-trust-'));
    let { p, url } = await startOn(dataDir);
    const pairing = JSON.parse(fs.readFileSync(path.join(dataDir, 'display.json'), 'utf8')) as { token: string; port: number };
    assert.equal((fs.statSync(path.join(dataDir, 'display.json')).mode & 0o777).toString(8), '600');
    const u = new URL(url);
    assert.equal(new URLSearchParams(u.hash.slice(1)).get('token'), pairing.token);
    assert.equal(Number(u.port), pairing.port);
    const printed = await runToEnd(['display-url', '--data-dir', dataDir]);
    assert.equal(printed.stdout.trim(), url, 'display-url prints the URL the hub serves');
    const token = pairing.token;

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(url);
    await until(() => isLive(page), 'page live', 60000, 200);
    const reloads: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && reloads.push(f.url()));

    // 1. The supervised hub SIGKILLed: the supervisor restarts it on the same port and token. The
    // supervisor is held (SIGSTOP) while the lost display is checked, or the hub is back within ~1 s.
    const pid1 = hubPid(dataDir);
    process.kill(p.child.pid!, 'SIGSTOP');
    try {
      process.kill(pid1, 'SIGKILL');
      await assertLost(page, Date.now(), 'hub SIGKILLed');
    } finally {
      process.kill(p.child.pid!, 'SIGCONT');
    }
    const kill1 = await liveAgainWithin5s(page, u.origin, token, 'after SIGKILL');
    assert.notEqual(hubPid(dataDir), pid1, 'a new hub process');

    // 2. The hub frozen (SIGSTOP), then thawed.
    const pid2 = hubPid(dataDir);
    process.kill(pid2, 'SIGSTOP');
    try {
      await assertLost(page, Date.now(), 'hub frozen');
      await page.waitForTimeout(3000); // long enough for the display to give the silent socket up
    } finally {
      process.kill(pid2, 'SIGCONT');
    }
    const thaw = await liveAgainWithin5s(page, u.origin, token, 'after SIGCONT');

    // 3. The whole `or-hub start` SIGKILLed (its hub goes with it) and started again on the same data dir.
    await p.kill('SIGKILL');
    const downAt = Date.now();
    await until(
      () => {
        try {
          process.kill(pid2, 0);
          return false;
        } catch {
          return true;
        }
      },
      'the hub gone with its supervisor',
      5000,
      20,
    );
    await assertLost(page, downAt, 'or-hub start SIGKILLed');
    ({ p, url } = await startOn(dataDir));
    assert.equal(url, new URL(u.href).href, 'the same URL (port and token) after a new start');
    const restart = await liveAgainWithin5s(page, u.origin, token, 'after a new or-hub start');
    assert.deepEqual(reloads, [], 'no reload, no navigation');
    fs.writeFileSync(artefact('display-trust-times.json'), JSON.stringify({ kill1, thaw, restart }));

    // 4. Rotating the token: the open display is refused, and says why in words.
    const rotated = await runToEnd(['display-token', 'rotate', '--data-dir', dataDir]);
    assert.equal(rotated.code, 0, rotated.stderr);
    await until(() => page.locator('[data-testid="conn-error"]').count(), 'refusal shown', 5000, 50);
    assert.match(await page.locator('[data-testid="conn-error"]').innerText(), /token was replaced.*display-url/);
    const fresh = (await runToEnd(['display-url', '--data-dir', dataDir])).stdout.trim();
    assert.notEqual(fresh, url);
    assert.equal(new URL(fresh).port, u.port, 'the port is kept');
    const old = await fetch(`${u.origin}/api/status`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(old.status, 401, 'the old token is refused by the API too');
    await page.screenshot({ path: artefact('display-token-rotated.png') });
    await page.close();
  },
);

/** A TCP proxy the test can cut: `cut()` stops carrying bytes (open connections stay open, silent), `mend()` carries again. */
function cuttableProxy(target: number): Promise<{ port: number; cut(): void; mend(): void; close(): void }> {
  let cutOff = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((a) => {
    if (cutOff) return; // accepted by the kernel, never answered: like a dead link
    const b = net.connect(target, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [a, b];
    pairs.add(pair);
    a.on('data', (d) => !cutOff && b.write(d));
    b.on('data', (d) => !cutOff && a.write(d));
    const end = () => {
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    a.on('close', end).on('error', end);
    b.on('close', end).on('error', end);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cut: () => void (cutOff = true),
        mend: () => void (cutOff = false),
        close: () => {
          for (const [a, b] of pairs) (a.destroy(), b.destroy());
          server.close();
        },
      }),
    ),
  );
}

test(
  'the network to the hub cut (no bytes either way, no FIN): the display says so within 2 s and recovers when it is back',
  { timeout: 180_000 },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-trust-net-'));
    const { url } = await startOn(dataDir);
    const u = new URL(url);
    const proxy = await cuttableProxy(Number(u.port));
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      await page.goto(`http://127.0.0.1:${proxy.port}/${u.hash}`);
      await until(() => isLive(page), 'page live through the proxy', 60000, 200);
      proxy.cut();
      await assertLost(page, Date.now(), 'network cut');
      await page.waitForTimeout(2000);
      proxy.mend();
      const t0 = Date.now();
      await until(() => isLive(page), 'live again after the network is back', 8000, 50);
      assert.ok(Date.now() - t0 <= 5000, `live again ${Date.now() - t0} ms after the network came back`);
      await page.close();
    } finally {
      proxy.close();
    }
  },
);
