/**
 * `or-hub start --simulate` (what `npm start` runs): the demo case records the simulated OR,
 * the demo images shown and the registration in force, all in one recording.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runToEnd, until, type Proc } from './harness';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-demo-'));
let hub: Proc | undefined;
after(async () => {
  await hub?.kill();
});

test('the simulated OR records a demo case with its devices, images and registration', async () => {
  hub = run(['start', '--headless', '--simulate', '--port', '0', '--bus', 'tcp://127.0.0.1:*', '--data-dir', dataDir]);
  const url = new URL(await hub.waitFor(/^display: (\S+)$/m));
  const auth = { Authorization: `Bearer ${new URLSearchParams(url.hash.slice(1)).get('token')}` };
  await until(
    async () => {
      const a = (await (await fetch(url.origin + '/api/anatomy', { headers: auth })).json()) as { volume: { status: string }; registration: unknown };
      return a.volume.status === 'ready' && a.registration !== null;
    },
    'demo images and registration',
    60000,
    500,
  );
  await until(
    async () => {
      const s = (await (await fetch(url.origin + '/api/status', { headers: auth })).json()) as { devices: { state: string }[] };
      return s.devices.filter((d) => d.state === 'online').length === 8;
    },
    'eight simulated devices online (CURVE bus)',
    20000,
    200,
  );
  // Record until the monitor's ECG and the tracker's poses are stored 2 s past the moment all devices were up
  // (read beside the running hub): what was shown and registered before then is in the recording too.
  const allOnline = Date.now();
  const recordedPast = async () => {
    const ids = JSON.parse((await runToEnd(['recordings', 'list', '--json', '--data-dir', dataDir])).stdout || '[]') as { id: string }[];
    if (ids.length !== 1) return false;
    const r = await runToEnd(['recordings', 'show', ids[0].id, '--json', '--data-dir', dataDir]);
    if (r.code !== 0) return false;
    const chans = (JSON.parse(r.stdout) as { channels: { deviceId: string; kind: string; lastMs: number | null }[] }).channels;
    const past = (id: string, kind: string) => chans.some((c) => c.deviceId === id && c.kind === kind && (c.lastMs ?? 0) > allOnline + 2000);
    return past('sim-monitor-01', 'wave') && past('sim-tracker-01', 'pose');
  };
  await until(recordedPast, 'ECG and poses stored 2 s past all devices online', 20000, 250);
  await hub.kill('SIGTERM');
  const list = await runToEnd(['recordings', 'list', '--json', '--data-dir', dataDir]);
  const rows = JSON.parse(list.stdout) as { id: string; procedure: string; state: string }[];
  assert.equal(rows.length, 1);
  assert.match(rows[0].procedure, /Demo/);
  const show = JSON.parse((await runToEnd(['recordings', 'show', rows[0].id, '--json', '--data-dir', dataDir])).stdout) as {
    devices: { deviceId: string }[];
    channels: { deviceId: string; kind: string; samples: number }[];
    dicomShown: { seriesUid: string; modality: string }[];
    registrations: { freMm: number; matrix: number[] }[];
  };
  assert.equal(show.devices.length, 8);
  const ecg = show.channels.find((c) => c.deviceId === 'sim-monitor-01' && c.kind === 'wave');
  assert.ok(ecg && ecg.samples > 500, `ECG samples recorded: ${JSON.stringify(show.channels.filter((c) => c.deviceId === 'sim-monitor-01'))}`);
  assert.ok(
    show.channels.some((c) => c.deviceId === 'sim-tracker-01' && c.samples > 60),
    'poses recorded',
  );
  assert.equal(show.dicomShown.length, 1);
  assert.equal(show.dicomShown[0].modality, 'CT');
  assert.equal(show.registrations.length, 1);
  assert.ok(show.registrations[0].freMm < 2, `demo registration FRE ${show.registrations[0].freMm} mm`);
  assert.equal(show.registrations[0].matrix.length, 16);
});
