import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReviewClock, zoomSpan } from './review-clock';

test('the review clock advances at its speed while playing and stops at the end', () => {
  let wall = 1000;
  const c = new ReviewClock(
    () => ({ fromMs: 0, toMs: 60000 }),
    () => wall,
  );
  c.seek(10000);
  wall += 500;
  assert.equal(c.now(), 10000, 'paused: still');
  c.setSpeed(10);
  c.play();
  wall += 1000;
  assert.equal(c.now(), 20000);
  c.setSpeed(2);
  wall += 1000;
  assert.equal(c.now(), 22000);
  c.pause();
  wall += 1000;
  assert.equal(c.now(), 22000);
  c.seek(-5);
  assert.equal(c.now(), 0, 'held within the span');
  c.setSpeed(10);
  c.play();
  wall += 10000;
  assert.equal(c.now(), 60000);
  assert.equal(c.playing, false, 'stops at the end');
});

test('zoom goes from the whole case down to 5 s and stays inside the case', () => {
  const whole = { fromMs: 0, toMs: 3600000 };
  assert.deepEqual(zoomSpan(whole, whole, 1800000, 0.5), { fromMs: 900000, toMs: 2700000 });
  let v = whole;
  for (let i = 0; i < 30; i++) v = zoomSpan(v, whole, 10, 0.5);
  assert.deepEqual(v, { fromMs: 0, toMs: 5000 });
  assert.deepEqual(zoomSpan(v, whole, 10, 1e9), whole);
});
