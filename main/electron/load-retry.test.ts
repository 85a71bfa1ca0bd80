import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadRetry, loadRetryDelayMs } from './load-retry';

function harness() {
  const timers: { fn: () => void; ms: number }[] = [];
  let loads = 0;
  const r = new LoadRetry({
    load: () => void loads++,
    setTimer: (fn, ms) => timers.push({ fn, ms }) - 1,
    clearTimer: (t) => void (timers[t as number].fn = () => {}),
  });
  return { r, timers, loads: () => loads };
}

test('a failed load is tried again after 1 s, then with backoff up to 5 s, one timer at a time', () => {
  const { r, timers, loads } = harness();
  assert.equal(r.failed(-102, 'ERR_CONNECTION_REFUSED'), 1000);
  assert.equal(r.failed(-102), null, 'a second failure while one retry is pending adds none');
  assert.equal(timers.length, 1);
  timers[0].fn();
  assert.equal(loads(), 1);
  for (let i = 1; i < 40; i++) {
    r.failed(-102);
    timers[i].fn();
  }
  assert.deepEqual([timers[0].ms, timers[9].ms, timers[10].ms, timers[29].ms, timers[30].ms, timers[39].ms], [1000, 1000, 2000, 2000, 5000, 5000]);
  assert.ok(
    timers.every((t) => t.ms >= 1000),
    'never a tight loop',
  );
  r.loaded();
  assert.equal(r.failed(-105), 1000, 'after a good load the backoff starts again at 1 s');
});

test('an aborted load (a newer navigation) is not retried; stop cancels the pending retry; a dead renderer is loaded again', () => {
  const { r, timers, loads } = harness();
  assert.equal(r.failed(-3, 'ERR_ABORTED'), null);
  assert.equal(timers.length, 0);
  r.gone('crashed');
  r.stop();
  timers[0].fn();
  assert.equal(loads(), 0);
  assert.equal(loadRetryDelayMs(0), 1000);
});
