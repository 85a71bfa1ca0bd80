/**
 * The outgoing HL7 feed against a real receiver: python3-hl7's MLLP server and parser
 * (testing/mllp_receiver.py) behind a real hub (BusServer + Hub + Recorder) fed by a device over
 * the bus. What the receiver parses must be exactly what the recording holds, in order, also
 * when the receiver is down for 30 s in the middle of the case, and when the hub restarts with
 * reports still queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BusServer } from '../../../native-bridge/node/bus-server';
import { DeviceClient } from '../../../native-bridge/node/device-client';
import { parseHl7Time } from '../../../native-bridge/common/hl7-time';
import { MDC } from '../../../native-bridge/common/mdc';
import { Hub } from '../hub';
import { hubNow } from '../clock';
import { Recorder } from '../../recorder/recorder';
import { RecordingStore, listRecordingFiles } from '../../recorder/store';
import { Hl7OutSink } from './hl7-out-sink';

const PY = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const RECEIVER = path.join(__dirname, 'testing', 'mllp_receiver.py');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  control: string;
  room: string;
  obx: { type: string; id: string; value: string; unit: string; time: string; device: string }[];
}

/** Starts the python receiver (on `port`, or a free one); resolves once it listens. */
function receiver(port = 0): Promise<{ proc: ChildProcess; port: number; got: Received[] }> {
  const proc = spawn(PY, [RECEIVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: Received[] = [];
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const v = JSON.parse(line) as { port?: number } & Received;
      if (v.port !== undefined) resolve({ proc, port: v.port, got });
      else got.push(v);
    });
  });
}

function hasPythonHl7(): boolean {
  return fs.existsSync(PY) && fs.existsSync('/usr/lib/python3/dist-packages/hl7/mllp');
}

async function setup(dataDir: string, port: number) {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  const recorder = await Recorder.open({ dataDir, clock: hubNow, alarms: hub.alarms });
  hub.addSink(recorder);
  const logs: string[] = [];
  const out = new Hl7OutSink({
    host: '127.0.0.1',
    port,
    intervalS: 1,
    retryMs: 200,
    maxRetryMs: 2000,
    ackTimeoutMs: 2000,
    dataDir,
    log: (l) => logs.push(l),
    currentCase: () => (recorder.recording && recorder.case ? { id: recorder.case.id, room: recorder.case.room } : null),
  });
  hub.addSink(out);
  out.start();
  hub.start();
  void bus.serve(hub);
  const device = new DeviceClient({
    endpoint: ep,
    descriptor: {
      protocol: 1,
      deviceId: 'test-monitor',
      kind: 'patient-monitor',
      manufacturer: 'test',
      model: 'T1',
      serial: 'T1-1',
      heartbeatMs: 500,
      channels: [
        { index: 10, kind: 'numeric', mdc: MDC.HR.mdc, code: MDC.HR.code, label: 'HR', unit: '/min' },
        { index: 11, kind: 'numeric', mdc: MDC.TEMP.mdc, code: MDC.TEMP.code, label: 'Temp', unit: 'Cel' },
      ],
    },
  });
  return { bus, hub, recorder, out, device, logs };
}

/** What the recording holds: "device|mdc|tMs|value" in time order per channel. */
function recorded(dataDir: string): string[] {
  const [file] = listRecordingFiles(dataDir);
  const s = RecordingStore.open(file, { readonly: true });
  const mdc: Record<number, string> = { 10: MDC.HR.mdc, 11: MDC.TEMP.mdc };
  const rows: string[] = [];
  for (const c of s.channelSummaries()) {
    if (c.kind !== 'numeric') continue;
    for (const n of s.readNumerics(c.id, 0, Number.MAX_SAFE_INTEGER)) rows.push(`${c.deviceId}|${mdc[c.channel]}|${Math.round(n.tMs)}|${n.value}`);
  }
  s.close();
  return rows.sort();
}

function receivedRows(got: Received[]): { rows: string[]; controls: string[] } {
  const seen = new Set<string>();
  const rows: string[] = [];
  const controls: string[] = [];
  for (const m of got) {
    if (seen.has(m.control)) continue; // at-least-once: a report whose ACK was lost comes again
    seen.add(m.control);
    controls.push(m.control);
    for (const o of m.obx) {
      if (o.type !== 'NM') continue;
      rows.push(`${o.device}|${o.id.split('^')[1]}|${parseHl7Time(o.time)}|${Number(o.value)}`);
    }
  }
  return { rows: rows.sort(), controls };
}

test('reports reach python3-hl7 as recorded, across a receiver down for 30 s: nothing lost, in order', { timeout: 120000 }, async (t) => {
  if (!hasPythonHl7()) {
    if (process.env.CI === 'true') assert.fail('python3-hl7 is required');
    return t.skip('python3-hl7 is absent');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7-out-'));
  const first = await receiver();
  const r = await setup(dataDir, first.port);
  const procs = [first.proc];
  try {
    await r.recorder.createCase({ procedure: 'HL7 feed test', room: 'OR 3', team: [{ role: 'surgeon', name: 'S' }] });
    await r.recorder.startRecording();
    r.device.start();
    let i = 0;
    const feed = setInterval(() => {
      const tMs = r.device.clock();
      r.device.sendNumerics([
        { channel: 10, value: 60 + (i % 50), tMs, status: 0 },
        { channel: 11, value: Math.round((36 + (i % 20) / 10) * 10) / 10, tMs, status: 0 },
      ]);
      i++;
    }, 100);
    await sleep(4000);
    first.proc.kill('SIGKILL');
    const queuedBefore = r.out.queue.length;
    await sleep(30000);
    assert.ok(r.out.queue.length >= queuedBefore + 25, `reports queued on disk while the receiver is down (${r.out.queue.length})`);
    assert.ok(fs.readdirSync(path.join(dataDir, 'hl7-out', 'queue')).length >= 25);
    const second = await receiver(first.port);
    procs.push(second.proc);
    await sleep(3000);
    clearInterval(feed);
    await sleep(1500);
    await r.recorder.endCase();
    const end = Date.now() + 20000;
    while ((r.out.queue.length > 0 || r.out.reports === 0) && Date.now() < end) await sleep(100);
    r.out.flush();
    while (r.out.queue.length > 0 && Date.now() < end) await sleep(100);
    assert.equal(r.out.queue.length, 0, 'the queue drained once the receiver came back');
    await sleep(300);
    const got = [...first.got, ...second.got];
    const rec = recorded(dataDir);
    const { rows, controls } = receivedRows(got);
    assert.ok(rec.length > 600, `the recording holds the case (${rec.length} values)`);
    assert.deepEqual(rows, rec, 'every recorded value arrived once, with its device, MDC code, time and value');
    assert.deepEqual(controls, [...controls].sort(), 'reports arrived in the order they were made');
    assert.ok(second.got.length >= 25, 'the backlog went to the receiver that came back');
    assert.equal(got[0].room, 'OR 3');
    const unit = got.flatMap((m) => m.obx).find((o) => o.id.includes('MDC_TEMP_BODY'))!.unit;
    assert.equal(unit, '268192^MDC_DIM_DEGC^MDC');
    assert.ok(r.out.sender.stats.retries > 0 && r.logs.some((l) => /retrying/.test(l)));
  } finally {
    await r.device.stop();
    r.out.close();
    r.hub.stop();
    r.bus.close();
    await r.recorder.close();
    for (const p of procs) p.kill('SIGKILL');
  }
});

test('reports still queued when the hub stops are sent, first and in order, by the next start', { timeout: 60000 }, async (t) => {
  if (!hasPythonHl7()) {
    if (process.env.CI === 'true') assert.fail('python3-hl7 is required');
    return t.skip('python3-hl7 is absent');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7-out-'));
  const rec = await receiver();
  rec.proc.kill('SIGKILL');
  await sleep(200);
  const opts = { host: '127.0.0.1', port: rec.port, intervalS: 3600, retryMs: 100, maxRetryMs: 200, ackTimeoutMs: 2000, dataDir };
  const a = new Hl7OutSink(opts);
  a.start();
  const desc = {
    protocol: 1 as const,
    deviceId: 'd1',
    kind: 'patient-monitor' as const,
    manufacturer: '',
    model: '',
    serial: '',
    heartbeatMs: 1000,
    channels: [{ index: 0, kind: 'numeric' as const, mdc: MDC.SPO2.mdc, code: MDC.SPO2.code, label: 'SpO2', unit: '%' }],
  };
  a.deviceOnline(desc);
  for (let k = 0; k < 3; k++) {
    a.numeric('d1', 0, 1_800_000_000_000 + k * 1000, 90 + k, 0);
    a.flush();
  }
  await sleep(300);
  a.close();
  assert.equal(a.queue.length, 3);
  assert.deepEqual([a.status().queued, a.status().sent, a.status().connected], [3, 0, false]);
  assert.match(String(a.status().lastError), /ECONNREFUSED/);
  const back = await receiver(rec.port);
  try {
    const b = new Hl7OutSink(opts);
    b.start();
    const end = Date.now() + 10000;
    while (b.queue.length > 0 && Date.now() < end) await sleep(50);
    b.close();
    await sleep(200);
    assert.deepEqual(
      back.got.map((m) => m.obx.filter((o) => o.type === 'NM').map((o) => [o.value, o.unit, parseHl7Time(o.time)])),
      [
        [['90', '262688^MDC_DIM_PERCENT^MDC', 1_800_000_000_000]],
        [['91', '262688^MDC_DIM_PERCENT^MDC', 1_800_000_001_000]],
        [['92', '262688^MDC_DIM_PERCENT^MDC', 1_800_000_002_000]],
      ],
    );
  } finally {
    back.proc.kill('SIGKILL');
  }
});
