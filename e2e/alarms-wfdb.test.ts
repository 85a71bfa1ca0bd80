/**
 * The asystole context rule on a real record replayed through a simulated monitor over the bus:
 * PhysioNet/CinC 2015 a103l (an asystole alarm annotated false). A device (the SDK's DeviceClient)
 * sends the record's ECG and pleth from 290 s to 300 s in real time, then the bedside monitor's own
 * ASYSTOLE alarm; the hub marks it "not confirmed by pulse" and raises the ECG signal-quality
 * alarm. Then a second monitor replays the same record with the pleth flat (asystole in every
 * signal): its asystole alarm stays plain high.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startHub, until, type HubProc } from './harness';
import { DeviceClient } from '../native-bridge/node/device-client';
import { AlarmPriority, AlarmState } from '../native-bridge/common/wire';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import { readWfdbRecord, wfdbDir } from '../main/recorder/wfdb';

const dir = wfdbDir();
const present = dir !== undefined && fs.existsSync(path.join(dir, 'a103l.hea'));
let hub: HubProc;
after(async () => hub?.kill());

const monitor = (deviceId: string): DeviceDescriptor => ({
  protocol: 1,
  deviceId,
  kind: 'patient-monitor',
  manufacturer: 'replay',
  model: 'a103l replay',
  serial: deviceId,
  heartbeatMs: 500,
  channels: [
    { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'II', unit: 'mV', rateHz: 250, format: 'f32' },
    { index: 1, kind: 'wave', mdc: 'MDC_PULS_OXIM_PLETH', label: 'Pleth', unit: '1', rateHz: 250, format: 'f32' },
  ],
});

async function replay(deviceId: string, flatPleth: boolean): Promise<DeviceClient> {
  const rec = readWfdbRecord(dir!, 'a103l');
  const phys = (name: string) => {
    const i = rec.header.signals.findIndex((s) => s.description === name);
    const { gain, baseline } = rec.channels[i].signal;
    return Float32Array.from(rec.channels[i].samples, (v) => (v - baseline) / gain);
  };
  const ecg = phys('II');
  const pleth = phys('PLETH');
  const c = new DeviceClient({ endpoint: hub.bus, descriptor: monitor(deviceId) });
  c.start();
  await until(() => c.accepted, `${deviceId} accepted`, 10000);
  const rate = 250;
  const block = 25;
  const t0 = c.clock();
  for (let i = 290 * rate, k = 0; i < 300 * rate; i += block, k++) {
    const tMs = t0 + (k * block * 1000) / rate;
    c.sendWave(0, tMs, ecg.slice(i, i + block));
    const p = pleth.slice(i, i + block);
    c.sendWave(1, tMs, flatPleth ? p.fill(pleth[290 * rate]) : p);
    const due = t0 + ((k + 1) * block * 1000) / rate - c.clock();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  }
  c.sendAlarm({ tMs: c.clock(), channel: 0, priority: AlarmPriority.High, state: AlarmState.Active, code: 3001, text: 'ASYSTOLE' });
  return c;
}

const alarms = async () => {
  const r = await fetch(`${hub.origin}/api/alarms`, { headers: { Authorization: `Bearer ${hub.token}` } });
  return ((await r.json()) as { alarms: { alarmId: string; priority: string; source: string; engine: { notes: string[] } }[] }).alarms;
};

test(
  'a103l replayed through a monitor over the bus: "not confirmed by pulse"; with a flat pleth it stays plain high',
  { skip: !present && !process.env.CI && 'shared WFDB data (a103l) absent' },
  async () => {
    hub = await startHub();
    const a = await replay('replay-a103l', false);
    const { value: asys } = await until(async () => (await alarms()).find((x) => x.alarmId === 'replay-a103l/asystole'), 'the asystole alarm', 5000, 100);
    assert.equal(asys!.priority, 'high');
    await until(
      async () => (await alarms()).find((x) => x.alarmId === 'replay-a103l/asystole')?.engine.notes.includes('not confirmed by pulse'),
      'the note',
      3000,
      100,
    );
    const q = (await alarms()).find((x) => x.alarmId === 'replay-a103l/tech/ecg-quality');
    assert.equal(q?.priority, 'medium');
    assert.equal(q?.source, 'technical');
    await a.stop();
    await new Promise((r) => setTimeout(r, 2500)); // its pleth goes stale: it no longer says anything about pulses

    const b = await replay('replay-a103l-flat', true);
    const { value: flat } = await until(
      async () => (await alarms()).find((x) => x.alarmId === 'replay-a103l-flat/asystole'),
      'the second asystole alarm',
      5000,
      100,
    );
    await new Promise((r) => setTimeout(r, 500));
    const again = (await alarms()).find((x) => x.alarmId === 'replay-a103l-flat/asystole')!;
    assert.equal(flat!.priority, 'high');
    assert.deepEqual(again.engine.notes, []);
    assert.equal(
      (await alarms()).find((x) => x.alarmId === 'replay-a103l-flat/tech/ecg-quality'),
      undefined,
    );
    await b.stop();
  },
);
