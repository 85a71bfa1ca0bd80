import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockSync } from './clock-sync';
import { rng } from '../../native-bridge/common/sim/physiology';

interface Sim {
  /** Device clock at true (hub) time T. */
  device(T: number): number;
  /** True time of device time d. */
  trueOf(d: number): number;
}

function simClock(offsetMs: number, driftPpm: number, T0: number): Sim {
  const k = 1 + driftPpm * 1e-6;
  return {
    device: (T) => T0 + offsetMs + (T - T0) * k,
    trueOf: (d) => T0 + (d - T0 - offsetMs) / k,
  };
}

/**
 * Runs the hub's schedule (a burst of 8 exchanges 100 ms apart, then one per intervalMs)
 * for durationMs with random one-way delays: base + jitter·u^3 each way (heavy tail),
 * independent in the two directions (asymmetric).
 */
function run(cs: ClockSync, sim: Sim, o: { T0: number; durationMs: number; intervalMs: number; baseMs: number; jitterMs: number; seed: number }): number {
  const u = rng(o.seed);
  let T = o.T0;
  let n = 0;
  while (T < o.T0 + o.durationMs) {
    const d1 = o.baseMs + o.jitterMs * u() ** 3;
    const d2 = o.baseMs + o.jitterMs * u() ** 3;
    const turn = 0.02 + 0.1 * u();
    const t1 = T;
    const t2 = sim.device(T + d1);
    const t3 = sim.device(T + d1 + turn);
    const t4 = T + d1 + turn + d2;
    cs.add({ t1, t2, t3, t4 });
    n++;
    T += n < 8 ? 100 : o.intervalMs;
  }
  return T;
}

const T0 = 1_700_000_000_000;

for (const [offsetMs, driftPpm] of [
  [3_456.789, 100],
  [-12_000.5, -100],
  [86_400_000, 100],
  [0.3, 0],
] as const) {
  test(`offset ${offsetMs} ms, drift ${driftPpm} ppm, jittered delays: device times map to true times within 1 ms`, () => {
    const sim = simClock(offsetMs, driftPpm, T0);
    const cs = new ClockSync();
    const end = run(cs, sim, { T0, durationMs: 60_000, intervalMs: 1000, baseMs: 0.15, jitterMs: 8, seed: 7 + Math.round(offsetMs) });
    const e = cs.estimate!;
    assert.ok(e, 'estimate exists');
    // Place samples from the last 30 s and the next 2 s (until the next exchanges).
    let worst = 0;
    for (let T = end - 30_000; T < end + 2_000; T += 37) worst = Math.max(worst, Math.abs(cs.toHub(sim.device(T)) - T));
    assert.ok(worst < 1, `worst placement error ${worst.toFixed(3)} ms`);
    assert.ok(Math.abs(cs.driftPpm - driftPpm) < 10, `drift ${cs.driftPpm.toFixed(1)} ppm, true ${driftPpm}`);
    assert.ok(Math.abs(cs.offsetAt(end) - (sim.device(end) - end)) < 1, 'offsetAt matches the true offset');
    assert.ok(cs.uncertaintyAt(end) < 50, `synchronised (uncertainty ${cs.uncertaintyAt(end).toFixed(2)} ms)`);
    assert.ok(cs.uncertaintyAt(end) >= Math.abs(cs.toHub(sim.device(end)) - end), 'the stated uncertainty bounds the actual error');
  });
}

test('during the first seconds (no drift yet) placement is already within 1 ms', () => {
  const sim = simClock(5000, 100, T0);
  const cs = new ClockSync();
  const end = run(cs, sim, { T0, durationMs: 1500, intervalMs: 1000, baseMs: 0.1, jitterMs: 3, seed: 3 });
  assert.ok(Math.abs(cs.toHub(sim.device(end)) - end) < 1);
});

test('toDevice inverts toHub', () => {
  const sim = simClock(-777, 50, T0);
  const cs = new ClockSync();
  const end = run(cs, sim, { T0, durationMs: 20_000, intervalMs: 500, baseMs: 0.1, jitterMs: 1, seed: 9 });
  for (const T of [end - 10_000, end, end + 5000]) assert.ok(Math.abs(cs.toHub(cs.toDevice(T)) - T) < 1e-3); // float64 resolution at 1.7e12 ms is 2.4e-4 ms
});

test('a link with round trips of hundreds of ms is reported as unsynchronised (uncertainty > 50 ms)', () => {
  const sim = simClock(1000, 0, T0);
  const cs = new ClockSync();
  run(cs, sim, { T0, durationMs: 20_000, intervalMs: 1000, baseMs: 120, jitterMs: 200, seed: 11 });
  assert.ok(cs.uncertaintyMs > 50, `uncertainty ${cs.uncertaintyMs}`);
});

test('uncertainty grows while no exchange completes (holdover)', () => {
  const sim = simClock(0, 100, T0);
  const cs = new ClockSync();
  const end = run(cs, sim, { T0, durationMs: 10_000, intervalMs: 1000, baseMs: 0.1, jitterMs: 0.5, seed: 5 });
  assert.ok(cs.uncertaintyAt(end + 3_600_000) > cs.uncertaintyAt(end) + 50);
});

test('nonsensical exchanges are ignored', () => {
  const cs = new ClockSync();
  assert.equal(cs.add({ t1: 10, t2: 5, t3: 100, t4: 11 }), false); // negative delay
  assert.equal(cs.add({ t1: 10, t2: NaN, t3: 5, t4: 12 }), false);
  assert.equal(cs.add({ t1: 10, t2: 6, t3: 5, t4: 12 }), false); // reply before request on the device
  assert.equal(cs.estimate, null);
  assert.equal(cs.uncertaintyMs, Infinity);
  assert.equal(cs.rejected, 3);
});

test('a device clock step restarts the estimate instead of averaging across it', () => {
  const cs = new ClockSync();
  let sim = simClock(100, 0, T0);
  const end = run(cs, sim, { T0, durationMs: 10_000, intervalMs: 500, baseMs: 0.1, jitterMs: 0.2, seed: 1 });
  sim = simClock(100 + 3_600_000, 0, T0); // set forward by an hour
  run(cs, sim, { T0: end, durationMs: 3000, intervalMs: 500, baseMs: 0.1, jitterMs: 0.2, seed: 2 });
  assert.equal(cs.steps, 1);
  assert.ok(Math.abs(cs.toHub(sim.device(end + 3000)) - (end + 3000)) < 1);
});

test('before any exchange, the arrival-time fallback places samples roughly', () => {
  const cs = new ClockSync();
  cs.observeArrival(T0 + 5000, T0 + 2);
  assert.equal(cs.toHub(T0 + 5000), T0 + 2);
  assert.equal(cs.uncertaintyAt(T0), Infinity);
});
