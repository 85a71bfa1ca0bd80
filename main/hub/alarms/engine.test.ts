import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bed, CH, ESU, INSUFFLATOR, ANAESTHESIA, MON, MONITOR } from './test-bed';
import { AlarmEngine } from './engine';
import { ESU_NOTE } from './esu-context';
import { PULSE_NOTE } from './pulse-context';

const SPO2_LOW = `${MON}/${CH.SPO2}/low`;
const HR_HIGH = `${MON}/${CH.HR}/high`;
const HR_LOW = `${MON}/${CH.HR}/low`;

test('limit alarm waits for its condition delay, and a value back in range before it raises nothing', () => {
  const b = new Bed();
  b.numeric(MON, CH.SPO2, 88, 8); // 8 s below 90: delay is 10 s
  assert.equal(b.alarm(SPO2_LOW), undefined);
  b.numeric(MON, CH.SPO2, 96);
  b.numeric(MON, CH.SPO2, 88, 9);
  assert.equal(b.alarm(SPO2_LOW), undefined, 'the delay restarts after a value in range');
  b.numeric(MON, CH.SPO2, 88, 1);
  const a = b.alarm(SPO2_LOW);
  assert.equal(a?.priority, 'medium');
  assert.match(a!.text, /SpO2 LOW 88 < 90/);
  b.numeric(MON, CH.SPO2, 84, 10);
  assert.equal(b.alarm(SPO2_LOW)?.priority, 'high', 'beyond the extreme limit the same alarm becomes high');
  assert.deepEqual(b.actions(SPO2_LOW), ['raised', 'updated']);
});

test('invalid values neither raise nor clear a limit alarm; 10 s of them raise a signal-quality alarm', () => {
  const b = new Bed();
  b.numeric(MON, CH.SPO2, 50, 12, 1);
  assert.equal(b.alarm(SPO2_LOW), undefined);
  assert.match(b.alarm(`${MON}/tech/signal-${CH.SPO2}`)!.text, /SpO2: signal quality lost/);
  assert.equal(b.alarm(`${MON}/tech/signal-${CH.SPO2}`)!.priority, 'low');
  b.numeric(MON, CH.SPO2, 97);
  assert.equal(b.alarm(`${MON}/tech/signal-${CH.SPO2}`), undefined);
});

test('a high physiological alarm latches after its condition ends until acknowledged; a medium one does not', () => {
  const b = new Bed();
  b.numeric(MON, CH.HR, 170, 5);
  assert.equal(b.alarm(HR_HIGH)?.priority, 'high');
  b.numeric(MON, CH.HR, 80);
  const latched = b.alarm(HR_HIGH)!;
  assert.equal(latched.engine!.latched, true);
  assert.equal(latched.engine!.conditionActive, false);
  b.engine.acknowledge(HR_HIGH, 'Dr A');
  assert.equal(b.alarm(HR_HIGH), undefined);
  assert.deepEqual(b.actions(HR_HIGH), ['raised', 'latched', 'acknowledged', 'cleared']);
  assert.equal(b.changes.find((c) => c.action === 'acknowledged')!.who, 'Dr A');
  b.numeric(MON, CH.HR, 130, 5);
  assert.equal(b.alarm(HR_HIGH)?.priority, 'medium');
  b.numeric(MON, CH.HR, 80);
  assert.equal(b.alarm(HR_HIGH), undefined, 'medium alarms do not latch');
});

test('acknowledging an active alarm keeps it until the condition ends; acting needs a name and an alarm', () => {
  const b = new Bed();
  b.numeric(MON, CH.HR, 170, 5);
  b.engine.acknowledge(HR_HIGH, 'nurse');
  assert.deepEqual(b.alarm(HR_HIGH)!.engine!.acknowledged, { who: 'nurse', atHubMs: b.t });
  b.numeric(MON, CH.HR, 80);
  assert.equal(b.alarm(HR_HIGH), undefined, 'acknowledged: no latching');
  assert.throws(() => b.engine.acknowledge('nope', 'x'), /no active alarm nope/);
  b.numeric(MON, CH.HR, 170, 5);
  assert.throws(() => b.engine.acknowledge(HR_HIGH, ' '), /who acts must be given/);
});

test('audio paused expires after the configured time; alarm off is per alarm and persists', () => {
  const b = new Bed({ pauseMs: 5000 });
  b.numeric(MON, CH.SPO2, 88, 10);
  b.engine.pauseAudio(SPO2_LOW, 'anaesthetist');
  const until = b.alarm(SPO2_LOW)!.engine!.audioPausedUntilHubMs;
  assert.equal(until, b.t + 5000);
  b.advance(4900);
  assert.ok(b.alarm(SPO2_LOW)!.engine!.audioPausedUntilHubMs);
  b.advance(200);
  assert.equal(b.alarm(SPO2_LOW)!.engine!.audioPausedUntilHubMs, null);
  assert.deepEqual(b.actions(SPO2_LOW), ['raised', 'audio-paused', 'audio-resumed']);
  b.engine.setOff(SPO2_LOW, true, 'anaesthetist');
  b.numeric(MON, CH.SPO2, 97);
  b.numeric(MON, CH.SPO2, 88, 10);
  assert.equal(b.alarm(SPO2_LOW)!.engine!.off?.who, 'anaesthetist', 'off carries over to the next episode');
  b.engine.setOff(SPO2_LOW, false, 'anaesthetist');
  assert.equal(b.alarm(SPO2_LOW)!.engine!.off, null);
});

test('an unacknowledged high alarm escalates after 30 s; an acknowledged one does not', () => {
  const b = new Bed();
  b.numeric(MON, CH.HR, 170, 5);
  const raised = b.t;
  b.advance(29_900);
  assert.equal(b.alarm(HR_HIGH)!.engine!.escalatedHubMs, null);
  b.advance(200);
  assert.ok(b.alarm(HR_HIGH)!.engine!.escalatedHubMs! - raised >= 30_000);
  const c = new Bed();
  c.numeric(MON, CH.SPO2, 80, 10);
  c.engine.acknowledge(SPO2_LOW, 'x');
  c.advance(31_000);
  assert.equal(c.alarm(SPO2_LOW)!.engine!.escalatedHubMs, null);
});

test("the monitor's own SpO2 LOW alarm and the hub's limit alarm are one alarm with both sources", () => {
  const b = new Bed();
  b.board.raise({ source: MON, kind: 'physiological', code: 1001, channel: CH.SPO2, priority: 'medium', text: 'SpO2 LOW', tHubMs: b.t });
  b.numeric(MON, CH.SPO2, 87, 10);
  const spo2 = b.engine.items(() => undefined).filter((a) => a.engine!.mdc.includes('MDC_PULS_OXIM_SAT_O2'));
  assert.equal(spo2.length, 1);
  assert.deepEqual(spo2[0].engine!.sources.sort(), ['hub (limit)', MON].sort());
  assert.match(spo2[0].text, /SpO2 LOW 87 < 90/, "the hub's text (with the value) is shown");
  b.board.clear({ source: MON, kind: 'physiological', code: 1001, channel: CH.SPO2 }, b.t);
  assert.ok(b.alarm(SPO2_LOW), 'still active while one source reports it');
  b.numeric(MON, CH.SPO2, 95);
  assert.equal(b.alarm(SPO2_LOW), undefined);
  assert.deepEqual(b.actions(SPO2_LOW), ['raised', 'updated', 'cleared']);
});

test('a device alarm with equipment wording is a technical alarm (equipment fault reported by a device)', () => {
  const b = new Bed();
  b.board.raise({ source: 'sim-pump-01', kind: 'physiological', code: 2001, channel: 0, priority: 'high', text: 'OCCLUSION', tHubMs: b.t });
  const a = b.engine.items(() => undefined)[0];
  assert.equal(a.source, 'technical');
  assert.equal(a.priority, 'high');
});

test('ESU activation marks ECG-derived alarms "possible ESU interference", not others, and never lowers them', () => {
  const b = new Bed();
  b.engine.event(ESU.deviceId, 0, b.t, 'ESU_ACTIVATION_START', 'cut 30 W');
  b.numeric(MON, CH.HR, 170, 5);
  b.numeric(MON, CH.SPO2, 80, 10);
  assert.deepEqual(b.alarm(HR_HIGH)!.engine!.notes, [ESU_NOTE]);
  assert.equal(b.alarm(HR_HIGH)!.priority, 'high');
  assert.deepEqual(b.alarm(SPO2_LOW)!.engine!.notes, []);
  b.engine.event(ESU.deviceId, 0, b.t, 'ESU_ACTIVATION_STOP', '');
  b.advance(3000);
  b.numeric(MON, CH.HR, 80);
  b.engine.acknowledge(HR_HIGH, 'x');
  b.numeric(MON, CH.HR, 170, 5);
  assert.deepEqual(b.alarm(HR_HIGH)!.engine!.notes, [], 'no note once the ESU has stopped and settled');
});

/** Feeds `seconds` of a pleth (1 Hz pulses, or flat) to the engine in 100 ms blocks. */
function pleth(b: Bed, seconds: number, pulsatile: boolean): void {
  for (let k = 0; k < seconds * 10; k++) {
    const raw = new Float32Array(12.5 | 0).map((_, i) => (pulsatile ? 0.5 + 0.4 * Math.sin((2 * Math.PI * (b.t + i * 8)) / 1000) : 0.5));
    b.engine.wave({ deviceId: MON, channel: CH.PLETH, t0HubMs: b.t, rateHz: 125, raw, scale: 1, offset: 0 });
    b.advance(100);
  }
}

test('extreme bradycardia with a pulsatile pleth: "not confirmed by pulse" and a medium ECG-quality alarm; flat pleth stays plain high', () => {
  const b = new Bed();
  for (let s = 0; s < 12; s++) {
    b.numeric(MON, CH.HR, 20);
    pleth(b, 1, true);
  }
  const a = b.alarm(HR_LOW)!;
  assert.equal(a.priority, 'high', 'never lowered');
  assert.deepEqual(a.engine!.notes, [PULSE_NOTE]);
  assert.equal(b.alarm(`${MON}/tech/ecg-quality`)?.priority, 'medium');
  for (let s = 0; s < 8; s++) {
    b.numeric(MON, CH.HR, 20);
    pleth(b, 1, false);
  }
  assert.deepEqual(b.alarm(HR_LOW)!.engine!.notes, [], 'pulses stopped: the asystole is confirmed');
  assert.equal(b.alarm(`${MON}/tech/ecg-quality`), undefined);
});

test('insufflation pressure over its limit with falling EtCO2 is one combined high alarm', () => {
  const b = new Bed();
  for (let s = 0; s < 30; s++) {
    b.numeric(MON, CH.ETCO2, 38);
    b.numeric(ANAESTHESIA.deviceId, CH.PPEAK, 20);
    b.numeric(INSUFFLATOR.deviceId, CH.IAP, 12);
    b.advance(1000);
  }
  for (let s = 0; s < 10; s++) {
    b.numeric(MON, CH.ETCO2, 38 - s);
    b.numeric(INSUFFLATOR.deviceId, CH.IAP, 18);
    b.advance(1000);
  }
  const iap = b.engine.items(() => undefined).filter((a) => a.deviceId === INSUFFLATOR.deviceId);
  assert.equal(iap.length, 1, 'one alarm, not an IAP alarm plus a combined one');
  assert.equal(iap[0].priority, 'high');
  assert.match(iap[0].text, /IAP OVER LIMIT with EtCO2 falling/);
  assert.deepEqual(iap[0].engine!.sources.sort(), ['hub (context)', 'hub (limit)']);
});

test('insufflation pressure over its limit alone stays a medium IAP alarm', () => {
  const b = new Bed();
  for (let s = 0; s < 10; s++) {
    b.numeric(MON, CH.ETCO2, 36);
    b.numeric(INSUFFLATOR.deviceId, CH.IAP, 18);
    b.advance(1000);
  }
  const iap = b.engine.items(() => undefined).filter((a) => a.deviceId === INSUFFLATOR.deviceId);
  assert.equal(iap.length, 1);
  assert.equal(iap[0].priority, 'medium');
  assert.match(iap[0].text, /^IAP HIGH 18 > 15/);
});

test('limits are changed with who; bad limits are refused with the reason', () => {
  const b = new Bed();
  b.engine.setLimits('MDC_PULS_OXIM_SAT_O2', { low: 94 }, 'Dr A');
  assert.equal(b.changes.at(-1)!.action, 'limit-changed');
  assert.equal(b.changes.at(-1)!.who, 'Dr A');
  b.numeric(MON, CH.SPO2, 93, 10);
  assert.match(b.alarm(SPO2_LOW)!.text, /SpO2 LOW 93 < 94/);
  assert.throws(() => b.engine.setLimits('MDC_ECG_HEART_RATE', { low: 130 }, 'x'), /low \(130\) must be below high \(120\)/);
  assert.throws(() => b.engine.setLimits('MDC_NOPE', { low: 1 }, 'x'), /no limits for channel MDC_NOPE/);
  assert.throws(() => b.engine.setLimits('MDC_ECG_HEART_RATE', { low: Number.NaN }, 'x'), /finite number/);
});

test('a failing rule is counted and reported, never thrown into the ingest', () => {
  const b = new Bed();
  const seen: unknown[] = [];
  const engine = new AlarmEngine({ board: b.board, now: () => b.t, onError: (e) => seen.push(e) });
  engine.deviceOnline(MONITOR);
  b.board.clear = () => {
    throw new Error('board broken');
  };
  assert.doesNotThrow(() => engine.numeric(MON, CH.HR, b.t, 170, 0));
  assert.equal(engine.failures, 1);
  assert.match(String(seen[0]), /board broken/);
});
