/**
 * Issue 6 crash safety with real processes: a hub recording a case is killed with SIGKILL
 * while a separate simulator keeps sending; on restart the case resumes, the downtime is a
 * gap, at most the last second of samples is lost, and no acknowledged annotation is.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run, runToEnd, until, type Proc } from './harness';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-rec-'));
let hub: Proc | undefined;
let sim: Proc | undefined;

after(async () => {
  await sim?.kill();
  await hub?.kill('SIGKILL');
});

async function start(bus: string): Promise<{ origin: string; token: string; bus: string }> {
  hub = run(['start', '--headless', '--port', '0', '--bus', bus, '--data-dir', dataDir, '--bus-security', 'plain']);
  const busEp = await hub.waitFor(/^bus: (\S+)$/m);
  const url = new URL(await hub.waitFor(/^display: (\S+)$/m));
  return { origin: url.origin, token: new URLSearchParams(url.hash.slice(1)).get('token')!, bus: busEp };
}

interface Show {
  case: { id: string; state: string };
  channels: { deviceId: string; channel: number; kind: string; firstMs: number; lastMs: number; samples: number }[];
  gaps: { deviceId: string; channel: number; fromMs: number; toMs: number; reason: string }[];
  annotations: { entryId: string; kind: string; text: string; role: string }[];
}

/** The recording as `or-hub recordings show --json` reads it (read-only, beside the running hub). */
async function recorded(caseId: string): Promise<Show | null> {
  const r = await runToEnd(['recordings', 'show', caseId, '--json', '--data-dir', dataDir]);
  return r.code === 0 ? (JSON.parse(r.stdout) as Show) : null;
}

/** The monitor's ECG (channel 0) as stored so far. */
async function storedEcg(caseId: string): Promise<Show['channels'][number] | undefined> {
  return (await recorded(caseId))?.channels.find((c) => c.deviceId === 'sim-monitor-01' && c.channel === 0);
}

/** Whether a TCP connection to the endpoint is refused (nothing listens there any more). */
function refused(endpoint: string): Promise<boolean> {
  const u = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

test('SIGKILL of a recording hub loses at most the last second and no acknowledged annotation', async () => {
  let h = await start('tcp://127.0.0.1:*');
  sim = run(['simulate', '--bus', h.bus, '--devices', 'monitor,pump1']);
  const api = (p: string, body?: unknown) =>
    fetch(h.origin + p, {
      method: body ? 'POST' : 'GET',
      headers: { Authorization: `Bearer ${h.token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
  const created = await api('/api/case', {
    procedure: 'Crash test',
    room: 'OR 9',
    team: [
      { role: 'surgeon', name: 'Dr S' },
      { role: 'scrub-nurse', name: 'N' },
    ],
  });
  assert.equal(created.status, 201);
  const caseId = ((await created.json()) as { id: string }).id;
  await until(
    async () => {
      const ecg = await storedEcg(caseId);
      return ecg && ecg.lastMs - ecg.firstMs >= 3000;
    },
    '3 s of ECG stored before the annotations',
    20000,
    250,
  );
  // An annotation from the display API and one from the terminal (through the running hub).
  const ack1 = await api('/api/annotations', { kind: 'incision', role: 'surgeon' });
  assert.equal(ack1.status, 201);
  const { entryId: id1 } = (await ack1.json()) as { entryId: string };
  const cli = await runToEnd(['annotate', '--data-dir', dataDir, '--kind', 'note', '--text', 'scanner: swab count 10', '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  const id2 = (JSON.parse(cli.stdout) as { entryId: string }).entryId;
  const annotatedAt = Date.now();
  await until(
    async () => ((await storedEcg(caseId))?.lastMs ?? 0) > annotatedAt + 500,
    'ECG stored after the annotations (still recording at the kill)',
    20000,
    250,
  );

  const killedAt = Date.now();
  await hub!.kill('SIGKILL');
  await until(() => refused(h.bus), 'the killed hub gone from its bus endpoint', 10000, 100);
  h = await start(h.bus); // same bus endpoint: the simulator reconnects by itself
  await until(
    async () => {
      const r = (await (await fetch(h.origin + '/api/status', { headers: { Authorization: `Bearer ${h.token}` } })).json()) as {
        devices: { deviceId: string; state: string }[];
      };
      return r.devices.some((d) => d.deviceId === 'sim-monitor-01' && d.state === 'online');
    },
    'monitor back after the restart',
    10000,
    200,
  );
  const restartedAt = Date.now();
  const cur = (await (await fetch(h.origin + '/api/case', { headers: { Authorization: `Bearer ${h.token}` } })).json()) as {
    case: { id: string; state: string };
  };
  assert.deepEqual([cur.case.id, cur.case.state], [caseId, 'recording'], 'the case resumed');
  await until(async () => ((await storedEcg(caseId))?.lastMs ?? 0) > restartedAt + 2000, '2 s of ECG stored after the restart', 20000, 250);
  await hub!.kill('SIGTERM');

  const show = await runToEnd(['recordings', 'show', caseId, '--json', '--data-dir', dataDir]);
  assert.equal(show.code, 0, show.stderr);
  const rec = JSON.parse(show.stdout) as Show;
  const restart = rec.gaps.filter((g) => g.reason === 'hub-restart');
  assert.equal(restart.length, 1, `one hub-restart gap: ${JSON.stringify(rec.gaps)}`);
  const gap = restart[0];
  assert.ok(killedAt - gap.fromMs <= 1000, `last stored sample ${killedAt - gap.fromMs} ms before the kill`);
  assert.ok(gap.toMs > killedAt && gap.toMs <= restartedAt + 1000, 'gap ends when the hub came back');
  const ecg = rec.channels.find((c) => c.deviceId === 'sim-monitor-01' && c.channel === 0)!;
  assert.ok(ecg.lastMs > gap.toMs, 'ECG recorded after the restart too');
  // Samples: 500 Hz over the recorded span minus the gap, within a second's worth.
  const expected = ((ecg.lastMs - ecg.firstMs - (gap.toMs - gap.fromMs)) / 1000) * 500;
  assert.ok(Math.abs(ecg.samples - expected) < 500, `ECG samples ${ecg.samples} vs ${expected.toFixed(0)} expected`);
  const ids = rec.annotations.map((a) => a.entryId);
  assert.ok(ids.includes(id1) && ids.includes(id2), 'both acknowledged annotations survived');
  assert.equal(rec.annotations.find((a) => a.entryId === id2)!.text, 'scanner: swab count 10');

  const verify = await runToEnd(['verify', caseId, '--data-dir', dataDir]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /OK/);
  const list = await runToEnd(['recordings', 'list', '--json', '--data-dir', dataDir]);
  assert.equal((JSON.parse(list.stdout) as { id: string }[])[0].id, caseId);
});
