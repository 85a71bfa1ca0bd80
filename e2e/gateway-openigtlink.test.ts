/**
 * The OpenIGTLink gateway end to end, with real processes and sockets: a real PLUS tracker
 * recording replayed as an OpenIGTLink stream reaches the display and the recording with its
 * poses and times; the OpenIGTLink C++ library's TrackerServer feeds the gateway; that
 * library's ReceiveClient reads OR Hub's outgoing TRANSFORM stream (--igtl-out).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { run, runToEnd, startHub, type Proc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { PLUS_DIR, buildIgtlExample, parsePrintedMatrices, readPlusSequence, replayServer, sameMatrix } from './igtl-fixtures';
import { encodeMessage, tdataBody, transformBody } from '../native-bridge/common/openigtlink/encode';
import { IgtlFramer } from '../native-bridge/node/gateways/openigtlink/framer';
import type { IgtlMessage } from '../native-bridge/common/openigtlink/messages';
import { RecordingStore, recordingPath } from '../main/recorder/store';
import { missingShared } from '../scripts/testing/shared-data';

/** The real recordings (file, seconds replayed): three tools at 38.7 Hz, two tools at 15 Hz. */
const RECORDINGS: [string, number][] = [
  ['WaterTankBottomTranslationTrackerBuffer-trimmed.igs.mha', 6],
  ['EightLandmarkPointsTrackedForPhantomRegistration.igs.mha', 4],
];
const dataSkip = RECORDINGS.map(([f]) => missingShared(path.join(PLUS_DIR, f))).find((why) => why !== false) ?? false;
const procs: Proc[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.kill();
});
const track = <P extends Proc>(p: P): P => (procs.push(p), p);

async function api(hub: { origin: string; token: string }, p: string, body?: unknown): Promise<Response> {
  return fetch(hub.origin + p, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** Display stream of the gateway device's channel labelled `label`. */
function streamByLabel(d: DisplayClient, deviceId: string, label: string): number | undefined {
  return d.devices.get(deviceId)?.channels.find((c) => c.label === label)?.streamId;
}

for (const [file, seconds] of RECORDINGS)
  test(
    `a real PLUS tracker recording (${file}) replayed over OpenIGTLink reaches the display and the recording with its poses and times`,
    { skip: dataSkip, timeout: 90_000 },
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-igtl-'));
      const hub = track(await startHub(['--data-dir', dataDir]));
      const created = await api(hub, '/api/case', { procedure: 'OpenIGTLink replay', room: 'OR 3', team: [{ role: 'surgeon', name: 'Dr S' }] });
      assert.equal(created.status, 201);
      const caseId = ((await created.json()) as { id: string }).id;
      const display = await DisplayClient.connect(hub.origin, hub.token);

      // The first seconds of the recording, in real time: the first tool as v1 TRANSFORM, the second
      // as v3 TRANSFORM with metadata, any others inside one TDATA (PLUS names drop "Transform").
      const frames = readPlusSequence(path.join(PLUS_DIR, file)).filter((f, _i, all) => f.tSec - all[0].tSec < seconds);
      const names = [...frames[0].tools.keys()].map((k) => k.replace(/Transform$/, ''));
      const t0 = frames[0].tSec;
      const messages: Uint8Array[] = [];
      const atMs: number[] = [];
      // TRANSFORM carries the top three rows; the bottom row is (0 0 0 1) by definition (the file writes "-0 0 -0 1").
      const tool = (f: (typeof frames)[0], k: string) =>
        Float32Array.from(f.tools.get(`${k}Transform`)!.matrix, (v, i) => (i % 4 === 3 ? (i === 15 ? 1 : 0) : v));
      for (const f of frames) {
        const tSenderMs = f.tSec * 1000;
        const [first, second, ...rest] = names;
        messages.push(encodeMessage({ type: 'TRANSFORM', deviceName: first, tSenderMs }, transformBody(tool(f, first))));
        const v3 = { type: 'TRANSFORM', deviceName: second, tSenderMs, version: 2, metadata: { TransformStatus: 'OK' } };
        messages.push(encodeMessage(v3, transformBody(tool(f, second))));
        if (rest.length)
          messages.push(encodeMessage({ type: 'TDATA', deviceName: 'Tracker', tSenderMs }, tdataBody(rest.map((name) => ({ name, matrix: tool(f, name) })))));
        while (atMs.length < messages.length) atMs.push(300 + (f.tSec - t0) * 1000);
      }
      const server = await replayServer(messages, atMs);
      const gw = track(run(['gateway', 'openigtlink', '--bus', hub.bus, '--connect', `127.0.0.1:${server.port}`, '--device-id', 'plus-replay']));
      await gw.waitFor(/openigtlink gateway: device plus-replay/);
      await server.done;
      await waitFor(
        () => names.every((n) => (display.poses.get(streamByLabel(display, 'plus-replay', n) ?? -1)?.length ?? 0) >= frames.length),
        'every replayed pose on the display',
        15_000,
      );
      const shown = new Map<string, { tHubMs: number; matrix: Float32Array }[]>();
      for (const n of names) {
        const poses = display.poses.get(streamByLabel(display, 'plus-replay', n)!)!;
        assert.equal(poses.length, frames.length, `${n}: one pose per recorded frame`);
        poses.forEach((p, i) => assert.deepEqual([...p.matrix], [...tool(frames[i], n)], `${n} frame ${i} bit for bit`));
        // Hub time − recorded time is one constant (the clocks' offset), to within the sync error:
        // 1 ms once the mapping has a second of arrivals; before that, the first messages' queueing (start-up) is in it.
        const d = poses.map((p, i) => p.tHubMs - frames[i].tSec * 1000);
        const ref = [...d].sort((a, b) => a - b)[d.length >> 1];
        const late = d.filter((_, i) => frames[i].tSec - t0 >= 1).map((x) => Math.abs(x - ref));
        const worstLate = Math.max(...late);
        const worst = Math.max(...d.map((x) => Math.abs(x - ref)));
        assert.ok(worstLate <= 1 && worst <= 10, `${n}: recorded times kept (after 1 s within ${worstLate.toFixed(3)} ms, overall ${worst.toFixed(3)} ms)`);
        shown.set(n, poses);
      }
      // The sync quality of the sender → gateway mapping is published as numerics.
      const unc = display.numerics.get(streamByLabel(display, 'plus-replay', 'IGTL sync uncertainty')!);
      assert.ok(unc && unc.length > 0 && unc.at(-1)! < 5, `sync uncertainty published: ${unc?.at(-1)}`);
      const status = (await (await api(hub, '/api/status')).json()) as {
        devices: { deviceId: string; state: string; sync: { synchronised: boolean } | null }[];
      };
      const dev = status.devices.find((d) => d.deviceId === 'plus-replay');
      assert.equal(dev?.state, 'online');
      assert.equal(dev?.sync?.synchronised, true);
      display.close();
      server.close();
      await gw.kill();
      await new Promise((r) => setTimeout(r, 1500));
      await hub.kill();

      const show = await runToEnd(['recordings', 'show', caseId, '--json', '--data-dir', dataDir]);
      assert.equal(show.code, 0, show.stderr);
      const rec = JSON.parse(show.stdout) as {
        channels: { deviceId: string; label: string; kind: string; firstMs: number; lastMs: number; samples: number }[];
      };
      const store = RecordingStore.open(recordingPath(dataDir, caseId), { readonly: true });
      try {
        for (const n of names) {
          const ch = rec.channels.find((c) => c.deviceId === 'plus-replay' && c.label === n);
          const poses = shown.get(n)!;
          assert.ok(ch, `${n} recorded`);
          assert.equal(ch.samples, frames.length, `${n}: every pose recorded`);
          assert.ok(
            Math.abs(ch.firstMs - poses[0].tHubMs) < 0.01 && Math.abs(ch.lastMs - poses.at(-1)!.tHubMs) < 0.01,
            `${n}: recorded span is the displayed one`,
          );
          const id = store.channels().find((c) => c.deviceId === 'plus-replay' && c.label === n)!.id;
          const stored = store.readPoses(id, -Infinity, Infinity);
          assert.equal(stored.length, frames.length);
          stored.forEach((p, i) => {
            assert.ok(Math.abs(p.tMs - poses[i].tHubMs) < 0.01, `${n} frame ${i}: recorded time`);
            assert.deepEqual([...p.matrix], [...tool(frames[i], n)], `${n} frame ${i}: recorded matrix`);
          });
        }
      } finally {
        store.close();
      }
    },
  );

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const trackerServer = buildIgtlExample('Tracker/TrackerServer');
const receiveClient = buildIgtlExample('Receiver/ReceiveClient');

test(
  "the OpenIGTLink library's TrackerServer feeds the gateway: its 100 matrices arrive on the display",
  { skip: trackerServer ? false : 'libopenigtlink-dev / openigtlink-examples not installed', timeout: 60_000 },
  async () => {
    const hub = track(await startHub());
    const display = await DisplayClient.connect(hub.origin, hub.token);
    const port = await freePort();
    // The gateway first: it redials until the server is up.
    const gw = track(run(['gateway', 'openigtlink', '--bus', hub.bus, '--connect', `127.0.0.1:${port}`, '--device-id', 'igtl-tracker-server']));
    await gw.waitFor(/openigtlink gateway/);
    await new Promise((r) => setTimeout(r, 500));
    const srv = spawn(trackerServer!, [String(port), '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    srv.stdout.on('data', (d) => (printed += d));
    try {
      await waitFor(
        () => (display.poses.get(streamByLabel(display, 'igtl-tracker-server', 'Tracker') ?? -1)?.length ?? 0) >= 100,
        '100 TrackerServer poses',
        20_000,
      );
      await waitFor(() => parsePrintedMatrices(printed).length >= 100, 'TrackerServer printed 100 matrices');
    } finally {
      srv.kill();
    }
    const sent = parsePrintedMatrices(printed);
    const got = display.poses.get(streamByLabel(display, 'igtl-tracker-server', 'Tracker')!)!;
    assert.equal(got.length, 100);
    got.forEach((p, i) => assert.ok(sameMatrix(p.matrix, sent[i]), `pose ${i}: ${[...p.matrix]} vs ${sent[i]}`));
    // Consecutive poses differ (the server moves its tool), so order is checked too.
    assert.ok(!sameMatrix(got[0].matrix, got[1].matrix));
    display.close();
  },
);

test(
  "the OpenIGTLink library's ReceiveClient reads OR Hub's outgoing TRANSFORM stream and prints the matrices we sent",
  { skip: receiveClient ? false : 'libopenigtlink-dev / openigtlink-examples not installed', timeout: 60_000 },
  async () => {
    const hub = track(await startHub(['--igtl-out', '0']));
    const port = Number(await hub.waitFor(/^openigtlink out: 127\.0\.0\.1:(\d+)$/m));
    const display = await DisplayClient.connect(hub.origin, hub.token);
    track(run(['simulate', '--bus', hub.bus, '--devices', 'tracker']));
    // Our own OpenIGTLink client on the same stream, decoding with OR Hub's codec.
    const ours: IgtlMessage[] = [];
    const sock = net.connect(port, '127.0.0.1');
    const framer = new IgtlFramer({ message: (m) => ours.push(m), error: (e) => assert.fail(`our stream: ${e.code} ${e.message}`) });
    sock.on('data', (d) => framer.push(d));
    await waitFor(() => ours.length > 20, 'TRANSFORM messages from --igtl-out');
    const rc = spawn(receiveClient!, ['127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    rc.stdout.on('data', (d) => (printed += d));
    await waitFor(() => parsePrintedMatrices(printed).length >= 60, 'ReceiveClient printed 60 matrices', 15_000);
    rc.kill();
    sock.destroy();
    const theirs = parsePrintedMatrices(printed);
    // ReceiveClient checked each CRC (Unpack(1)) and printed what it decoded: a contiguous run of the stream we decoded ourselves.
    const start = ours.findIndex((m) => m.body.type === 'TRANSFORM' && sameMatrix(m.body.matrix, theirs[0]));
    assert.ok(start >= 0, "ReceiveClient's first matrix is in the stream");
    theirs.forEach((m, i) => {
      const o = ours[start + i];
      assert.ok(o && o.body.type === 'TRANSFORM' && sameMatrix(o.body.matrix, m), `matrix ${i} as sent`);
    });
    // What we sent is what the hub showed: the tracker's poses, named after their channels, stamped with hub time.
    const byName = new Map<string, number>();
    for (const m of ours) byName.set(m.header.deviceName, (byName.get(m.header.deviceName) ?? 0) + 1);
    assert.deepEqual([...byName.keys()].sort(), ['Pointer', 'Reference']);
    const shown = [...display.poses.values()].flat();
    let matched = 0;
    for (const m of ours.slice(0, 40)) {
      const body = m.body;
      if (body.type === 'TRANSFORM' && shown.some((s) => Math.abs(s.tHubMs - m.header.tSenderMs!) < 0.001 && sameMatrix(s.matrix, body.matrix))) matched++;
    }
    assert.ok(matched >= 38, `${matched} of 40 sent TRANSFORMs match a displayed pose by hub time and matrix`);
    display.close();
  },
);
