import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalClock } from './arrival-clock';

/** A sender at `offsetMs` and `driftPpm`, delivering with a floor latency plus heavy-tailed jitter. */
function simulate(offsetMs: number, driftPpm: number, jitterMs: number, seconds: number, rateHz: number) {
  let x = 99;
  const u = () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const clock = new ArrivalClock();
  const t0 = 1_700_000_000_000;
  let worst = 0;
  for (let i = 0; i < seconds * rateHz; i++) {
    const tTrue = t0 + (i * 1000) / rateHz;
    const remote = tTrue + offsetMs + (tTrue - t0) * driftPpm * 1e-6;
    const arrival = tTrue + 0.05 + jitterMs * u() ** 3;
    clock.add(remote, arrival);
    if (i > 3 * rateHz) worst = Math.max(worst, Math.abs(clock.toLocal(remote) - tTrue));
  }
  return { clock, worst, tEnd: t0 + seconds * 1000 };
}

test('offset and drift are learnt from one-way arrivals: mapped times within 1 ms of the truth', () => {
  for (const [off, ppm] of [
    [-7500, 100],
    [42000, -100],
    [0, 0],
    [3_600_000, 40],
  ]) {
    const { clock, worst, tEnd } = simulate(off, ppm, 5, 30, 200);
    const q = clock.quality(tEnd)!;
    assert.ok(worst < 1, `offset ${off}, ${ppm} ppm: worst ${worst.toFixed(3)} ms`);
    assert.ok(Math.abs(q.driftPpm - ppm) < 20, `drift ${q.driftPpm} vs ${ppm}`);
    assert.ok(Math.abs(q.offsetMs - (off + ppm * 1e-6 * 30000) + 0.05) < 1, `offset ${q.offsetMs}`);
    assert.ok(q.synchronised && q.uncertaintyMs < 5, `uncertainty ${q.uncertaintyMs}`);
  }
});

test('a sender clock step restarts the estimate; non-finite times are ignored', () => {
  const c = new ArrivalClock();
  for (let i = 0; i < 100; i++) c.add(1000 + i * 10, 5000 + i * 10);
  assert.equal(Math.round(c.toLocal(1500)), 5500);
  assert.equal(c.add(NaN, 6000), false);
  for (let i = 0; i < 50; i++) c.add(100_000 + i * 10, 6000 + i * 10);
  assert.equal(c.steps, 1);
  assert.equal(Math.round(c.toLocal(100_100)), 6100);
  assert.equal(new ArrivalClock().quality(0), null);
});
