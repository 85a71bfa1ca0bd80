import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBudget, planPasses, stripRows } from './budget';
import { PRESETS, bakeTransfer, evaluateTransfer, presetForRange, presetById } from './transfer';
import { captureTip, instrumentInImage, trackingState, STALE_MS, type InstrumentPose } from './navigation';
import { orientationLabel } from './orientation';
import { panCentre, sliceMapping, wheelZoomFactor, zoomAbout } from './slice-mapping';

test('frame budget: calibrated cost sets the units per frame; late or busy frames back off; good frames recover', () => {
  const b = new FrameBudget({ targetMs: 3, frameMs: 16.7, initialMsPerUnit: 1e-5 });
  // 1 ms fixed per strip, 2 ns per unit.
  b.calibrate(1e5, 1 + 1e5 * 2e-6, 1e6, 1 + 1e6 * 2e-6);
  assert.ok(Math.abs(b.fixedMs - 1) < 1e-9 && Math.abs(b.msPerUnit - 2e-6) < 1e-12);
  const u = b.unitsForFrame(true, 16.7, false);
  assert.equal(u, Math.floor(2 / 2e-6)); // (3 ms − 1 ms fixed) / 2 ns
  assert.ok(Math.abs(b.expectedMs(u) - 3) < 1e-6);
  assert.equal(b.unitsForFrame(false, 16.7, true), 0, 'GPU still busy: issue nothing');
  const late = b.unitsForFrame(true, 40, true);
  assert.ok(late < u, 'a late frame after our work lowers the budget');
  for (let i = 0; i < 200; i++) b.unitsForFrame(true, 16.7, true);
  assert.equal(b.unitsForFrame(true, 16.7, true), u, 'recovers when frames are on time');
  // Timer-query measurements move the estimate: dearer strips count at once.
  b.observe(1e6, 1 + 1e6 * 8e-6);
  assert.ok(b.msPerUnit > 5e-6);
  assert.ok(b.throughput > 0);
});

test('passes: interactive size follows the work a few frames can do; refinement ends at full resolution, one sample per voxel', () => {
  const p = planPasses(400, 300, 390, 4 * 1e6);
  assert.ok(p.interactive.scale > 0.12 && p.interactive.scale < 1);
  assert.ok(Math.abs(p.interactive.scale ** 2 * 400 * 300 * p.interactive.steps - 4e6) / 4e6 < 0.05);
  assert.deepEqual(p.refine.at(-1), { scale: 1, steps: 390 });
  const tiny = planPasses(400, 300, 390, 100);
  assert.equal(tiny.interactive.scale, 0.12);
  assert.equal(tiny.refine[0].scale, 0.5);
  assert.equal(planPasses(400, 300, 390, 1e12).interactive.scale, 1);
  assert.equal(stripRows(1e6, 100, 100), 100);
  assert.equal(stripRows(10, 100, 100), 1);
});

test('transfer functions: presets are ordered, opacity zero below bone for CT bone, MR scales to the data range', () => {
  for (const p of PRESETS) for (let i = 1; i < p.points.length; i++) assert.ok(p.points[i].v > p.points[i - 1].v, `${p.id} ordered`);
  const bone = presetById('ct-bone');
  assert.equal(evaluateTransfer(bone.points, 0).a, 0, 'soft tissue is transparent in the bone preset');
  assert.ok(evaluateTransfer(bone.points, 1000).a > 0.5, 'bone is opaque');
  const mid = evaluateTransfer(
    [
      { v: 0, rgb: [0, 0, 0], a: 0 },
      { v: 10, rgb: [1, 1, 1], a: 1 },
    ],
    5,
  );
  assert.deepEqual(mid, { rgb: [0.5, 0.5, 0.5], a: 0.5 });
  const { rgba, firstVisible } = bakeTransfer(bone.points, -1024, 3071, 512);
  assert.equal(rgba.length, 2048);
  assert.ok(firstVisible > 100 && firstVisible < 230, `first visible ${firstVisible}`);
  const mr = presetForRange(presetById('mr'), [0, 1000]);
  assert.equal(mr.points.at(-1)!.v, 1000);
  assert.equal(presetById('nope').id, 'ct-bone');
});

const pose = (x: number, y: number, z: number, quality = 0.98, receivedMs = 1000, status = 0): InstrumentPose => ({
  matrix: new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1]),
  quality,
  status,
  tHubMs: 0,
  receivedMs,
});

test('navigation: the tip and shaft go through the registration; tracking states warn on low quality and staleness', () => {
  // Registration: 90° about z plus a translation.
  const reg = [0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 10, 20, 30, 1];
  const inst = instrumentInImage(pose(1, 2, 3).matrix, reg);
  assert.deepEqual(
    inst.tip.map((v) => Math.round(v * 1e6) / 1e6),
    [8, 21, 33],
  );
  assert.deepEqual(
    inst.axis.map((v) => Math.round(v * 1e6) / 1e6),
    [0, 0, 1],
  );
  assert.equal(trackingState(null, 0, true, true), 'none');
  assert.equal(trackingState(pose(0, 0, 0), 1010, true, false), 'unregistered');
  assert.equal(trackingState(pose(0, 0, 0), 1010, true, true), 'ok');
  assert.equal(trackingState(pose(0, 0, 0, 0.35), 1010, true, true), 'low');
  assert.equal(trackingState(pose(0, 0, 0, 0.98, 1000, 1), 1010, true, true), 'low', 'a status flag from the tracker is a warning');
  assert.equal(trackingState(pose(0, 0, 0, 0), 1010, true, true), 'lost');
  assert.equal(trackingState(pose(0, 0, 0), 1000 + STALE_MS + 1, true, true), 'stale');
  assert.equal(trackingState(pose(0, 0, 0), 1010, false, true), 'stale', 'device offline');
});

test('capturing a fiducial averages a still pointer and refuses a moving or poorly tracked one', () => {
  const still = Array.from({ length: 30 }, (_, i) => pose(10 + (i % 2) * 0.2, 5, -3, 0.98, 1000 + i * 16));
  const r = captureTip(still, 1480);
  assert.ok('tip' in r && Math.abs(r.tip[0] - 10.1) < 0.05);
  const moving = Array.from({ length: 30 }, (_, i) => pose(i, 0, 0, 0.98, 1000 + i * 16));
  assert.match((captureTip(moving, 1480) as { error: string }).error, /moved/);
  assert.match(
    (
      captureTip(
        still.map((p) => ({ ...p, quality: 0.3 })),
        1480,
      ) as { error: string }
    ).error,
    /quality/,
  );
  assert.match((captureTip(still, 9000) as { error: string }).error, /no current pointer poses/);
});

test('orientation labels name the patient direction, with a second letter when oblique', () => {
  assert.equal(orientationLabel([1, 0, 0]), 'L');
  assert.equal(orientationLabel([-1, 0, 0]), 'R');
  assert.equal(orientationLabel([0, -1, 0]), 'A');
  assert.equal(orientationLabel([0, 0, 1]), 'S');
  assert.equal(orientationLabel([0.7, 0.7, 0]), 'LP');
  assert.equal(orientationLabel([-0.2, 0, -0.98]), 'I');
});

test('slice zoom and pan: zoom 1 fits the field centred; zooming keeps the point under the pointer; Ctrl+wheel 400 px doubles', () => {
  const field = { left: -100, top: -50, w: 200, h: 100 };
  // 400x400 canvas: 0.5 mm/px (width-limited), field centred vertically.
  const m1 = sliceMapping(field, 400, 400, 1, null);
  assert.deepEqual(m1, { u0: -100, v0: -100, mmPerPx: 0.5 });
  const x = 300,
    y = 120;
  const pu = m1.u0 + x * m1.mmPerPx,
    pv = m1.v0 + y * m1.mmPerPx;
  const c = zoomAbout(m1, 400, 400, x, y, 2);
  const m2 = sliceMapping(field, 400, 400, 2, c);
  assert.equal(m2.mmPerPx, 0.25);
  assert.ok(Math.abs(m2.u0 + x * m2.mmPerPx - pu) < 1e-9 && Math.abs(m2.v0 + y * m2.mmPerPx - pv) < 1e-9, 'the point under the pointer stays');
  // Any other point moves away from (x, y) by twice its distance.
  const [qu, qv] = [m1.u0 + 100 * m1.mmPerPx, m1.v0 + 50 * m1.mmPerPx];
  assert.ok(Math.abs((qu - m2.u0) / m2.mmPerPx - (x + 2 * (100 - x))) < 1e-9 && Math.abs((qv - m2.v0) / m2.mmPerPx - (y + 2 * (50 - y))) < 1e-9);
  assert.ok(Math.abs(wheelZoomFactor(-400, 0) - 2) < 1e-12 && Math.abs(wheelZoomFactor(100, 0) * wheelZoomFactor(-100, 0) - 1) < 1e-12);
  assert.ok(wheelZoomFactor(-3, 1) > 1, 'line-mode wheels zoom in too');
  // Panning by (dx, dy) pixels moves every point by (dx, dy) pixels; zoom and pan compose.
  const m3 = sliceMapping(field, 400, 400, 2, panCentre(m2, 400, 400, 30, -20));
  assert.equal(m3.mmPerPx, m2.mmPerPx);
  assert.ok(Math.abs((pu - m3.u0) / m3.mmPerPx - (x + 30)) < 1e-9 && Math.abs((pv - m3.v0) / m3.mmPerPx - (y - 20)) < 1e-9, 'the point moved with the pan');
});
