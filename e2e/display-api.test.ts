/**
 * The display API from the outside: the worked example of docs/display-api.md run as written
 * (curl against a real `or-hub start`), and the display facing a hub of another contract version.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { WebSocket } from 'ws';
import { startHub, launchBrowser, until, ROOT, type HubProc } from './harness';
import { DisplayServer } from '../main/hub/server';
import { CONTRACT_VERSION, type DeviceView, type HubMessage } from '../common/display-contract';
import type { Browser } from 'playwright';

let hub: HubProc | undefined;
let browser: Browser | undefined;
let fake: DisplayServer | undefined;
after(async () => {
  await browser?.close();
  await fake?.close();
  await hub?.kill();
});

test('the worked example of docs/display-api.md starts a case, annotates and reads the status, as written', async () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'display-api.md'), 'utf8');
  const block = /<!-- example:start -->\n```sh\n([^]*?)```\n<!-- example:end -->/.exec(doc)?.[1];
  assert.ok(block, 'the example block is in the doc');
  hub = await startHub();
  // The integrator's two edits: where the hub is and its token.
  const script = block.replace(/^HUB=.*$/m, `HUB=${hub.origin}`).replace(/^TOKEN=.*$/m, `TOKEN=${hub.token}`);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
  const answers = r.stdout.trim().split('\n');
  assert.equal(answers.length, 3, r.stdout);
  const [created, ack, status] = answers.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(created.state, 'recording');
  assert.equal(created.procedure, 'Laparoscopic cholecystectomy');
  assert.equal(ack.version, 1);
  assert.match(String(ack.entryId), /.+/);
  assert.equal(status.version, CONTRACT_VERSION);
  assert.ok(Array.isArray(status.devices) && Array.isArray(status.alarms) && typeof status.bus === 'object');
  // The annotation is on the case's timeline, 2 minutes back.
  const tl = (await (await fetch(`${hub.origin}/api/timeline`, { headers: { Authorization: `Bearer ${hub.token}` } })).json()) as {
    timeline: { markers: { entryId: string; kind: string; tMs: number; recordedMs: number }[] };
  };
  const m = tl.timeline.markers.find((x) => x.entryId === ack.entryId);
  assert.equal(m?.kind, 'incision');
  assert.ok(Math.abs(m!.recordedMs - m!.tMs - 120000) < 2000, `back-dated by 2 min (${m!.recordedMs - m!.tMs} ms)`);
});

const device: DeviceView = {
  deviceId: 'mon-x',
  kind: 'patient-monitor',
  model: 'X',
  manufacturer: 'Test',
  state: 'online',
  stateReason: '',
  lastHeardHubMs: Date.now(),
  heartbeatMs: 1000,
  sync: null,
  counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
  flooding: false,
  channels: [],
};

test('a display facing a hub of another contract version says so and shows none of its data; a hub of its own version is shown', async () => {
  const staticDir = path.join(ROOT, 'dist', 'renderer');
  assert.ok(fs.existsSync(path.join(staticDir, 'index.html')), 'run node scripts/build.mjs first');
  let hubVersion = CONTRACT_VERSION + 1;
  const sockets = new Set<WebSocket>();
  fake = new DisplayServer({
    host: '127.0.0.1',
    port: 0,
    token: 'tok',
    staticDir,
    api: () => ({ status: 404, body: { error: 'not in this test' } }),
    onClient: (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      const send = (m: HubMessage) => ws.send(JSON.stringify(m));
      send({ t: 'hello', version: hubVersion, hubTimeMs: Date.now(), hubId: 'fake', simulated: false });
      send({ t: 'devices', devices: [device] });
    },
  });
  await fake.listen();
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${fake.port}/#token=tok`);
  const banner = page.getByTestId('contract-mismatch');
  await until(() => banner.count(), 'the version banner');
  assert.equal(await banner.innerText(), `display v${CONTRACT_VERSION}, hub v${CONTRACT_VERSION + 1}: reload or update`);
  await new Promise((r) => setTimeout(r, 500)); // time for the devices message to be (not) applied
  assert.equal(await page.getByTestId('device-mon-x').count(), 0, "the other version's device list is not interpreted");
  assert.equal(await banner.count(), 1, 'the banner stays');
  // The same hub, now of the display's version: the display reconnects by itself and shows its data.
  hubVersion = CONTRACT_VERSION;
  for (const ws of sockets) ws.close();
  await until(() => page.getByTestId('device-mon-x').count(), 'the device of a matching hub', 10000);
  assert.equal(await banner.count(), 0, 'the banner goes with a hub of the same version');
});
