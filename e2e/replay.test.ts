/**
 * Issue 14, replay onto the bus: a hub records a simulated case; `or-hub replay` plays that
 * file onto a second hub, which records it; the two recordings hold the same samples
 * (waves, numerics, poses, settings, alarms, events), their times shifted by one constant.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHub, run, runToEnd, type HubProc, type Proc } from './harness';
import { decodeWave } from '../main/recorder/wavecodec';
import { RecordingStore, listRecordingFiles, type ChannelSummary } from '../main/recorder/store';

const procs: Proc[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.kill();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(hub: HubProc, p: string, body?: unknown): Promise<Response> {
  return fetch(hub.origin + p, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function recordingHub(tag: string): Promise<{ hub: HubProc; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `orhub-replay-${tag}-`));
  const hub = await startHub(['--data-dir', dir]);
  procs.push(hub);
  const r = await api(hub, '/api/case', { procedure: `Replay test ${tag}`, room: 'OR 3', team: [{ role: 'surgeon', name: 'Dr R' }] });
  assert.equal(r.status, 201, await r.text());
  return { hub, dir };
}

async function endCase(hub: HubProc, dir: string): Promise<string> {
  await sleep(600); // two recorder batches
  const r = await api(hub, '/api/case/end', {});
  assert.equal(r.status, 200, await r.text());
  await hub.kill();
  const files = listRecordingFiles(dir);
  assert.equal(files.length, 1);
  return files[0];
}

/** Spread of (t2 - t1) around its median, and the median. */
function offsets(t1: ArrayLike<number>, t2: ArrayLike<number>): { median: number; spread: number } {
  const d = Array.from(t1, (t, i) => t2[i] - t).sort((a, b) => a - b);
  const median = d[d.length >> 1];
  return { median, spread: Math.max(median - d[0], d[d.length - 1] - median) };
}

const key = (c: { deviceId: string; channel: number }) => `${c.deviceId}/${c.channel}`;

/** The first test's recording, replayed again by the third. */
let recorded = '';

test('a replayed recording, recorded again, gives the same samples back with times shifted by a constant', async () => {
  const a = await recordingHub('a');
  const sim = run(['simulate', '--bus', a.hub.bus, '--devices', 'monitor,anaesthesia,pump1,esu,tracker']);
  procs.push(sim);
  await sleep(7000);
  await sim.kill();
  const fileA = await endCase(a.hub, a.dir);
  recorded = fileA;

  const b = await recordingHub('b');
  const replay = await runToEnd(['replay', fileA, '--bus', b.hub.bus, '--json'], 60000);
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  const stats = JSON.parse(replay.stdout.trim().split('\n').pop()!) as {
    waveSamples: number;
    numerics: number;
    poses: number;
    shiftMs: number;
    devices: number;
  };
  assert.equal(stats.devices, 5);
  const fileB = await endCase(b.hub, b.dir);

  const ra = RecordingStore.open(fileA, { readonly: true });
  const rb = RecordingStore.open(fileB, { readonly: true });
  try {
    const cb = new Map(rb.channelSummaries().map((c) => [key(c), c] as const));
    const withData = ra.channelSummaries().filter((c) => c.samples > 0);
    const kinds = new Set(withData.map((c) => c.kind));
    assert.ok(kinds.has('wave') && kinds.has('numeric') && kinds.has('pose'), `kinds recorded: ${[...kinds].join(',')}`);
    let waveSamples = 0;
    let numerics = 0;
    let poses = 0;
    const medians: number[] = [];
    const check = (c: ChannelSummary, t1: ArrayLike<number>, t2: ArrayLike<number>) => {
      const o = offsets(t1, t2);
      // Clock sync on loopback: the replaying devices' clock maps onto the second hub's within a few ms.
      assert.ok(o.spread < 20, `${key(c)}: time offsets spread ${o.spread.toFixed(2)} ms`);
      medians.push(o.median);
    };
    for (const c of withData) {
      const d = cb.get(key(c));
      assert.ok(d, `${key(c)} (${c.label}) recorded by the second hub`);
      assert.deepEqual([d.kind, d.label, d.unit, d.rateHz, d.format], [c.kind, c.label, c.unit, c.rateHz, c.format], `${key(c)}: same channel description`);
      if (c.kind === 'wave') {
        const x = ra.readWave(c.id, -Infinity, Infinity);
        const y = rb.readWave(d.id, -Infinity, Infinity);
        assert.equal(y.raw.length, x.raw.length, `${key(c)}: sample count`);
        assert.deepEqual(y.raw, x.raw, `${key(c)}: samples`);
        assert.deepEqual([y.scale[0], y.offset[0]], [x.scale[0], x.offset[0]]);
        check(c, x.tMs, y.tMs);
        waveSamples += x.raw.length;
      } else if (c.kind === 'numeric') {
        const x = ra.readNumerics(c.id, -Infinity, Infinity);
        const y = rb.readNumerics(d.id, -Infinity, Infinity);
        assert.deepEqual(
          y.map((n) => [n.value, n.status]),
          x.map((n) => [n.value, n.status]),
          `${key(c)}: values and status`,
        );
        check(
          c,
          x.map((n) => n.tMs),
          y.map((n) => n.tMs),
        );
        numerics += x.length;
      } else if (c.kind === 'pose') {
        const x = ra.readPoses(c.id, -Infinity, Infinity);
        const y = rb.readPoses(d.id, -Infinity, Infinity);
        assert.equal(y.length, x.length, `${key(c)}: pose count`);
        assert.deepEqual(
          y.map((p) => [p.quality, p.status, ...p.matrix]),
          x.map((p) => [p.quality, p.status, ...p.matrix]),
          `${key(c)}: poses`,
        );
        check(
          c,
          x.map((n) => n.tMs),
          y.map((n) => n.tMs),
        );
        poses += x.length;
      }
    }
    const spread = Math.max(...medians) - Math.min(...medians);
    console.log(
      `compared ${waveSamples} wave samples, ${numerics} numerics, ${poses} poses; ` +
        `shift ${stats.shiftMs.toFixed(1)} ms, channel medians within ${spread.toFixed(2)} ms`,
    );
    assert.ok(waveSamples > 5 * 500 && numerics > 50 && poses > 5 * 60, `enough data compared: ${waveSamples} samples, ${numerics} numerics, ${poses} poses`);
    assert.deepEqual([stats.waveSamples, stats.numerics, stats.poses], [waveSamples, numerics, poses], 'the replay sent exactly what was recorded');
    // One constant shift for every channel: the replay's, give or take the clock-sync error.
    for (const m of medians) assert.ok(Math.abs(m - stats.shiftMs) < 20, `channel shift ${m.toFixed(1)} vs replay shift ${stats.shiftMs.toFixed(1)} ms`);

    const all = (s: RecordingStore) => ({
      settings: s.settings(-Infinity, Infinity).map((r) => [r.deviceId, r.channel, r.value, r.text]),
      alarms: s.alarms(-Infinity, Infinity).map((r) => [r.deviceId, r.channel, r.priority, r.state, r.code, r.text]),
      events: s.events(-Infinity, Infinity).map((r) => [r.deviceId, r.channel, r.code, r.text]),
    });
    const rowsA = all(ra);
    assert.ok(rowsA.settings.length > 0 && rowsA.events.length > 0, 'settings and events recorded');
    assert.deepEqual(all(rb), rowsA, 'settings, alarms and events replayed');
    assert.deepEqual(
      rb.devices().map((d) => [d.deviceId, d.kind, d.model, d.serial]),
      ra.devices().map((d) => [d.deviceId, d.kind, d.model, d.serial]),
      'same devices',
    );
  } finally {
    ra.close();
    rb.close();
  }
});

test('or-hub replay refuses bad input with one clear line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-replay-bad-'));
  const file = path.join(dir, 'x.orrec');
  const s = RecordingStore.open(file, { create: true });
  s.createCase('20260101-000000-abcdef', { procedure: 'Empty' }, Date.UTC(2026, 0, 1));
  s.close();
  for (const [args, re] of [
    [['replay', file], /--bus ENDPOINT is required/],
    [['replay', file, '--bus', 'tcp://127.0.0.1:1', '--speed', '10'], /--speed: must be a number between 0.1 and 3/],
    [['replay', file, '--bus', 'tcp://127.0.0.1:1', '--from', 'yesterday'], /--from "yesterday" is not an instant/],
    [['replay', file, '--bus', 'tcp://127.0.0.1:1', '--devices', 'nope'], /no device "nope" in this recording/],
    [['replay', path.join(dir, 'missing.orrec'), '--bus', 'tcp://127.0.0.1:1'], /no recording file/],
  ] as const) {
    const r = await runToEnd([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('a slice of one device replayed at 2x gives exactly that slice', async (t) => {
  if (!recorded) return t.skip("needs the first test's recording");
  const c = await recordingHub('c');
  const src = RecordingStore.open(recorded, { readonly: true });
  const start = src.caseInfo().startedMs!;
  const ecgA = src.channelSummaries().find((x) => x.deviceId === 'sim-monitor-01' && x.channel === 0)!;
  const from = ecgA.firstMs! + 2000;
  const to = ecgA.firstMs! + 4000;
  const slice = src.readWave(ecgA.id, from, to).raw;
  src.close();
  const r = await runToEnd(
    [
      'replay',
      recorded,
      '--bus',
      c.hub.bus,
      '--devices',
      'sim-monitor-01',
      '--speed',
      '2',
      '--from',
      String(from),
      '--to',
      `+${(to - start) / 1000}s`,
      '--json',
    ],
    60000,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const fileC = await endCase(c.hub, c.dir);
  const rc = RecordingStore.open(fileC, { readonly: true });
  try {
    assert.deepEqual(
      rc.devices().map((d) => d.deviceId),
      ['sim-monitor-01'],
      'only the chosen device',
    );
    const ecgC = rc.channelSummaries().find((x) => x.deviceId === 'sim-monitor-01' && x.channel === 0)!;
    // In the order the hub received them (block ids): at 2x the device clock runs twice as fast as the hub's,
    // and while the hub's clock sync converges on that drift a block can be placed a little before the one
    // received ahead of it, which time order would show as samples out of place.
    const received = rc
      .waveBlocks(ecgC.id, -Infinity, Infinity)
      .sort((a, b) => a.id - b.id)
      .flatMap((b) => Array.from(decodeWave(b.data)));
    assert.deepEqual(Float64Array.from(received), slice, 'exactly the ECG samples of the slice');
  } finally {
    rc.close();
  }
});

test('replay onto a CURVE bus with an enrolled device key', async (t) => {
  if (!recorded) return t.skip("needs the first test's recording");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-replay-curve-'));
  assert.equal((await runToEnd(['keys', 'init', '--data-dir', dir])).code, 0);
  // A key may claim only the device ids it was enrolled for (docs/device-protocol.md §8.3).
  const enrol = await runToEnd(['keys', 'enrol', 'replayer', '--device-id', 'sim-pump-01', '--data-dir', dir]);
  assert.equal(enrol.code, 0, enrol.stdout + enrol.stderr);
  const keyFile = /device key file: (\S+)/.exec(enrol.stdout)![1];
  const hub = await startHub(['--bus-security', 'curve', '--data-dir', dir]);
  procs.push(hub);
  const r0 = await api(hub, '/api/case', { procedure: 'Replay over CURVE', team: [{ role: 'surgeon', name: 'Dr C' }] });
  assert.equal(r0.status, 201);
  const r = await runToEnd(['replay', recorded, '--bus', hub.bus, '--devices', 'sim-pump-01', '--to', '+3s', '--keys', keyFile, '--json'], 60000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const sent = JSON.parse(r.stdout.trim().split('\n').pop()!) as { numerics: number };
  assert.ok(sent.numerics > 0);
  const file = await endCase(hub, dir);
  const s = RecordingStore.open(file, { readonly: true });
  try {
    const got = s
      .channelSummaries()
      .filter((c) => c.kind === 'numeric')
      .reduce((a, c) => a + c.samples, 0);
    assert.equal(got, sent.numerics, 'every numeric sent over CURVE was recorded');
  } finally {
    s.close();
  }
});
