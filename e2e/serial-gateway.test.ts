/**
 * Issue 16, a serial patient monitor: the real Ivy 450C capture played through a pseudo-terminal
 * pair at the monitor's pacing (9600 baud, one block a second) into `or-hub gateway serial`, and
 * checked on the hub (/api/status), on a display client and in the recording. Then the port
 * vanishes mid-block and comes back: counted, alarmed, and the data resumes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingStore, recordingPath } from '../main/recorder/store';
import { waitFor } from './bus-display-client';
import { SKIP, captureBlocks, showRecording, startSerialRig, type SerialRig } from './serial-rig';
import { openPtyPair, play } from '../native-bridge/node/gateways/serial/pty-pair';
import { IVY_CH } from '../native-bridge/node/gateways/serial/ivy450c';
import type { DeviceView, AlarmItem } from '../common/display-contract';

const rigs: SerialRig[] = [];
after(async () => {
  for (const r of rigs) await r.close();
});

test('the capture through a pty reaches the hub, the display and the recording with its values', { skip: SKIP, timeout: 120_000 }, async () => {
  const rig = await startSerialRig({ caseName: 'Serial monitor e2e' });
  rigs.push(rig);
  const { display, deviceId } = rig;
  const t0 = Date.now();
  await play(rig.pty.peer, captureBlocks(), { baud: 9600, periodMs: 1000 });
  const stream = (ch: number) => display.streamOf(deviceId, ch)!;
  await waitFor(() => (display.numerics.get(stream(IVY_CH.HR))?.length ?? 0) >= 27, '27 HR values on the display', 10_000);
  console.log(`27 blocks played in ${Date.now() - t0} ms`);

  const status = await rig.api<{ devices: DeviceView[]; bus: { decodeErrors: Record<string, number> } }>('/api/status');
  const dev = status.devices.find((d) => d.deviceId === deviceId)!;
  assert.deepEqual([dev.kind, dev.manufacturer, dev.model, dev.state], ['patient-monitor', 'Ivy Biomedical', '450C', 'online']);
  assert.equal(dev.counters.malformed, 0);
  const chan = (i: number) => dev.channels.find((c) => c.index === i)!;
  assert.deepEqual([chan(IVY_CH.ECG_II).mdc, chan(IVY_CH.ECG_II).unit, chan(IVY_CH.ECG_II).rateHz], ['MDC_ECG_ELEC_POTL_II', 'mV', 200]);
  assert.deepEqual([chan(IVY_CH.SPO2).mdc, chan(IVY_CH.SPO2).unit], ['MDC_PULS_OXIM_SAT_O2', '%']);
  assert.deepEqual([chan(IVY_CH.P1).mdc, chan(IVY_CH.P1).unit], ['MDC_PRESS_BLD', 'mm[Hg]']);
  assert.ok(dev.sync, "the hub synchronised the gateway's clock");

  const values = (ch: number) => display.numerics.get(stream(ch)) ?? [];
  assert.deepEqual(values(IVY_CH.HR), Array(27).fill(80));
  assert.deepEqual(values(IVY_CH.SPO2), Array(27).fill(100));
  assert.deepEqual(values(IVY_CH.RR), Array(27).fill(35));
  assert.deepEqual(values(IVY_CH.NIBP_SYS), [121]);
  assert.deepEqual(new Set(values(IVY_CH.P1_SYS)), new Set([110, 111]));
  const ecg = display.blocks.get(stream(IVY_CH.ECG_II)) ?? [];
  assert.equal(
    ecg.reduce((n, b) => n + b.samples.length, 0),
    27 * 200,
  );
  assert.ok(Math.abs(ecg[0].samples[0] - (0x8a * 0.02 - 2)) < 1e-4, `first ECG sample ${ecg[0].samples[0]} mV`);
  const p1 = (display.blocks.get(stream(IVY_CH.P1)) ?? []).flatMap((b) => [...b.samples]);
  assert.deepEqual([p1.length, Math.min(...p1), Math.max(...p1)], [27 * 50, 73, 111]);
  assert.equal(display.blocks.get(stream(IVY_CH.P2)), undefined, 'P2 (no transducer) is not sent');

  const stats = await rig.stopGateway();
  assert.equal(stats.messages, 27);
  assert.deepEqual(stats.errors, { IVY_JUNK: { count: 1, bytes: 252 } });
  await rig.hub.kill();
  const rec = await showRecording(rig.dataDir);
  assert.ok(rec.devices.some((d) => d.deviceId === deviceId && d.kind === 'patient-monitor'));
  const recCh = (i: number) => rec.channels.find((c) => c.deviceId === deviceId && c.channel === i)!;
  assert.equal(recCh(IVY_CH.ECG_II).samples, 5400);
  assert.equal(recCh(IVY_CH.RESP).samples, 1350);
  assert.equal(recCh(IVY_CH.HR).samples, 27);
  assert.equal(recCh(IVY_CH.NIBP_SYS).samples, 1);
  assert.ok(Math.abs(recCh(IVY_CH.ECG_II).lastMs - recCh(IVY_CH.ECG_II).firstMs - 27_000) < 1500, 'ECG spans the 27 s played');
  const store = RecordingStore.open(recordingPath(rig.dataDir, rec.case.id), { readonly: true });
  try {
    const id = (i: number) => store.channels().find((c) => c.deviceId === deviceId && c.channel === i)!.id;
    assert.deepEqual(
      store.readNumerics(id(IVY_CH.NIBP_DIA), -Infinity, Infinity).map((n) => n.value),
      [75],
    );
    assert.deepEqual(new Set(store.readNumerics(id(IVY_CH.PR), -Infinity, Infinity).map((n) => n.value)), new Set([80]));
    const events = store.events(-Infinity, Infinity).filter((e) => e.deviceId === deviceId);
    assert.deepEqual(
      events.filter((e) => e.code === 'IVY450C_STATUS').map((e) => e.text),
      ['RR: APNEA: 20 SEC', 'P2: NO TRANSDUCER'],
    );
    assert.ok(
      events.some((e) => e.code === 'IVY_JUNK'),
      'the decode errors reached the recording',
    );
    assert.deepEqual(
      store
        .settings(-Infinity, Infinity)
        .filter((s) => s.deviceId === deviceId)
        .map((s) => s.text),
      ['II DIAG'],
    );
  } finally {
    store.close();
  }
});

test('a port that vanishes mid-block and returns: alarmed, counted, reopened, data resumes', { skip: SKIP, timeout: 90_000 }, async () => {
  const rig = await startSerialRig();
  rigs.push(rig);
  const { display, deviceId } = rig;
  const blocks = captureBlocks().slice(1);
  const hr = () => display.numerics.get(display.streamOf(deviceId, IVY_CH.HR)!)?.length ?? 0;
  await play(rig.pty.peer, [...blocks.slice(0, 3), blocks[3].subarray(0, 300)], { baud: 9600, periodMs: 1000 });
  await waitFor(() => hr() === 3, 'three blocks through');
  await new Promise((r) => setTimeout(r, 500)); // the partial block reaches the gateway
  await rig.pty.close(); // the adapter is unplugged
  const lostAlarm = async () =>
    (await rig.api<{ alarms: AlarmItem[] }>('/api/status')).alarms.find((a) => a.deviceId === deviceId && /SERIAL PORT LOST/.test(a.text));
  await waitFor(async () => (await lostAlarm())?.active, 'the port-lost alarm at the hub', 5000);
  await new Promise((r) => setTimeout(r, 1500)); // a few failed reopen attempts
  rig.pty = await openPtyPair(rig.dir); // plugged in again, same path
  await waitFor(async () => !(await lostAlarm()), 'the alarm ended after the reopen', 10_000);
  await play(rig.pty.peer, blocks.slice(4, 8), { baud: 9600, periodMs: 1000 });
  await waitFor(() => hr() === 7, 'four more blocks after the reopen', 10_000);
  assert.equal(display.state(deviceId), 'online');
  assert.ok(rig.gateway.child.exitCode === null, 'the gateway kept running');
  const stats = await rig.stopGateway();
  assert.equal(stats.messages, 7);
  assert.deepEqual([stats.link.opens, stats.link.losses], [2, 1]);
  assert.deepEqual(stats.errors.IVY_TRUNCATED, { count: 1, bytes: 300 }, 'the block cut by the unplug');
});
