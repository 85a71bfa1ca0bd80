/**
 * Flood control (ingest/flood.ts) through the hub: sample and frame budgets, oversized
 * frames, merged gap records, HELLO rate limits. Fake transport and clock (test-rig.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dev, Rig, descriptor } from './test-rig';
import { FrameType, MAX_FRAME_BYTES } from '../../../native-bridge/common/wire';

test('a flooder at 50x its declared rate is throttled and flagged; a well-behaved device is untouched', () => {
  const rig = new Rig();
  const good = new Dev(rig, 'good', descriptor('good-1', 500));
  const bad = new Dev(rig, 'bad', descriptor('bad-1', 500));
  good.hello();
  bad.hello();
  let goodSent = 0;
  let badSent = 0;
  for (let ms = 0; ms < 20_000; ms += 20) {
    rig.advance(20);
    good.wave(10); // 500 Hz
    goodSent += 10;
    for (let k = 0; k < 5; k++) bad.wave(100); // 25 000 Hz = 50x
    badSent += 500;
    if (ms % 1000 === 0) {
      good.heartbeat();
      bad.heartbeat();
    }
  }
  const goodSamples = rig.waves.filter((w) => w.deviceId === 'good-1').reduce((s, w) => s + w.raw.length, 0);
  const badSamples = rig.waves.filter((w) => w.deviceId === 'bad-1').reduce((s, w) => s + w.raw.length, 0);
  assert.equal(goodSamples, goodSent, 'every sample of the good device arrives');
  const gv = rig.view('good-1');
  assert.equal(gv.flooding, false);
  assert.equal(gv.counters.throttled, 0);
  assert.equal(gv.counters.gaps, 0);
  const bv = rig.view('bad-1');
  assert.equal(bv.flooding, true);
  assert.ok(bv.counters.throttled > 0);
  assert.ok(badSamples < badSent * 0.2, `flooder passed ${badSamples} of ${badSent} samples`);
  assert.ok(rig.alarms.has('bad-1/tech/flood'));
  // What the throttle dropped is kept as gap records, coalesced (not one per frame).
  const tg = rig.gaps.filter((g) => g.deviceId === 'bad-1' && g.reason === 'throttled');
  assert.ok(tg.length > 0 && tg.length <= 21, `${tg.length} throttled gap records (about one a second)`);
  // Nothing silently lost: every flooder frame was either delivered or is in a gap record (or about to be).
  const delivered = rig.waves.filter((w) => w.deviceId === 'bad-1').length;
  assert.equal(tg.reduce((s, g) => s + g.lostFrames, 0) + delivered + rig.status('bad-1').throttledPending, badSent / 100);
  // It calms down: the flag clears after 5 s of good behaviour.
  for (let ms = 0; ms < 6000; ms += 20) {
    rig.advance(20);
    bad.wave(10);
    if (ms % 500 === 0) bad.heartbeat();
  }
  assert.equal(rig.view('bad-1').flooding, false);
  assert.ok(!rig.alarms.has('bad-1/tech/flood'));
});

test('a flood of tiny frames (heartbeats) is throttled by the frame budget', () => {
  const rig = new Rig();
  const bad = new Dev(rig, 'bad', descriptor('bad-1'));
  bad.hello();
  for (let i = 0; i < 20_000; i++) {
    if (i % 100 === 0) rig.advance(10);
    bad.heartbeat();
  }
  assert.equal(rig.view('bad-1').flooding, true);
  assert.ok(rig.view('bad-1').counters.throttled > 10_000);
});

test('oversized frames are dropped, counted and flag the device', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  const big = new Uint8Array(MAX_FRAME_BYTES + 100);
  big.set([0x4f, 0x52, 1, FrameType.Wave]);
  rig.from('p1', big);
  const v = rig.view('mon-1');
  assert.equal(v.counters.malformed, 1);
  assert.equal(v.flooding, true);
  assert.equal(rig.hub.stats.decodeErrors.get('WIRE_TOO_LARGE'), 1);
});

test('a storm of sequence gaps is merged into a few records a second, with every lost frame counted', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p1', descriptor('mon-1'));
  d.hello();
  d.numeric(80);
  let lost = 0;
  for (let i = 0; i < 1000; i++) {
    d.skip(FrameType.Numeric, 0, 2);
    lost += 2;
    d.numeric(80);
    if (i % 100 === 0) rig.advance(100);
  }
  rig.advance(1100);
  const gaps = rig.gaps.filter((g) => g.deviceId === 'mon-1');
  assert.ok(gaps.length <= 40, `${gaps.length} records`);
  assert.equal(
    gaps.reduce((s, g) => s + g.lostFrames, 0),
    lost,
  );
  assert.equal(rig.view('mon-1').counters.lostFrames, lost);
  assert.equal(rig.view('mon-1').counters.gaps, 1000);
});

test('HELLOs are rate-limited per peer, and a peer changing names keeps its used budget', () => {
  const rig = new Rig();
  for (let i = 0; i < 50; i++) new Dev(rig, 'hopper', descriptor(`hop-${i}`)).hello();
  assert.ok(rig.deviceCount <= 10, `${rig.deviceCount} identities from one peer`);
  assert.ok((rig.hub.stats.decodeErrors.get('HELLO_RATE') ?? 0) >= 40);
  // Exhaust the sample budget, then re-introduce under a new name: still throttled.
  const rig2 = new Rig();
  const a = new Dev(rig2, 'p', descriptor('a-1', 500));
  a.hello();
  for (let i = 0; i < 200; i++) a.wave(100);
  assert.equal(rig2.view('a-1').flooding, true);
  const b = new Dev(rig2, 'p', descriptor('b-1', 500));
  b.hello();
  const before = rig2.waves.length;
  for (let i = 0; i < 50; i++) b.wave(100);
  assert.ok(rig2.waves.length - before < 5, 'the renamed connection does not get a fresh budget');
});
