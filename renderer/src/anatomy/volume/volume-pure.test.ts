import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import type { Volume } from '../../../../common/volume';
import { presetById } from '../transfer';
import { transferFor } from './backend';
import { overridesScript, volumeOverrides } from './bench-hooks';
import { downsampleFactors, MAX_TEXTURE_VOXELS } from './downsample';
import { interactivePacing } from './progressive';

const GLOBAL = '__orhubVolumeOverrides';
const g = globalThis as Record<string, unknown>;

test('bench overrides: none in production; the init script installs exactly what the bench asked for; bad input is refused or ignored', (t) => {
  delete g[GLOBAL];
  assert.deepEqual(volumeOverrides(), {});
  assert.deepEqual(interactivePacing(), { presentMs: 45, imageMs: 20 });
  const o = { view3d: false, backend: 'webgl' as const, pacing: { presentMs: 70, imageMs: 10 } };
  vm.runInThisContext(overridesScript(o));
  try {
    assert.deepEqual(volumeOverrides(), o);
    assert.deepEqual(interactivePacing(), { presentMs: 70, imageMs: 10 });
  } finally {
    delete g[GLOBAL];
  }
  assert.throws(() => overridesScript({ backend: 'metal' as never }), /overridesScript: backend must be 'cpu' or 'webgl'/);
  assert.throws(() => overridesScript({ pacing: { presentMs: -1, imageMs: 10 } }), /pacing must be/);
  assert.throws(() => overridesScript({ view3d: 'off' as never }), /view3d must be a boolean/);
  // Something else in the page's global: ignored, with a warning naming why.
  const warn = t.mock.method(console, 'warn', () => undefined);
  g[GLOBAL] = { backend: 'metal' };
  try {
    assert.deepEqual(volumeOverrides(), {});
    assert.match(String(warn.mock.calls[0].arguments[0]), /__orhubVolumeOverrides ignored: backend must be/);
  } finally {
    delete g[GLOBAL];
  }
});

test('downsampling: in-plane first, under MAX_TEXTURE_VOXELS; small series untouched', () => {
  assert.deepEqual(downsampleFactors([256, 256, 120]), [1, 1, 1]);
  // The CT head phantom: 512x512x140 (36.7 M voxels) -> 256x256x140 (9.2 M).
  assert.deepEqual(downsampleFactors([512, 512, 140]), [2, 2, 1]);
  // A long series: the largest extent is halved each time (slices count at 0.75 of their number).
  const f = downsampleFactors([512, 512, 900]);
  assert.deepEqual(f, [4, 2, 4]);
  assert.ok((512 / f[0]) * (512 / f[1]) * Math.floor(900 / f[2]) <= MAX_TEXTURE_VOXELS, `factors ${f}`);
});

test('transfer for a volume: composite range from the preset points, MIP window by unit, MR points made absolute', () => {
  const vol = (unit: string, valueRange: [number, number]) => ({ unit, valueRange }) as unknown as Volume;
  const ct = vol('HU', [-1024, 3071]);
  const bone = presetById('ct-bone');
  const t = transferFor(bone, ct);
  assert.equal(t.mode, 'composite');
  if (t.mode === 'composite') {
    assert.equal(t.lo, bone.points[0].v);
    assert.equal(t.hi, bone.points[bone.points.length - 1].v);
    assert.equal(t.shade, bone.shade);
  }
  assert.deepEqual(transferFor(presetById('mip'), ct), { mode: 'mip', window: [300, 1200] });
  assert.deepEqual(transferFor(presetById('mip'), vol('', [0, 800])), { mode: 'mip', window: [400, 800] });
  const mr = transferFor(presetById('mr'), vol('', [100, 1100]));
  const rel = presetById('mr').points;
  if (mr.mode === 'composite') {
    assert.equal(mr.lo, 100 + rel[0].v * 1000);
    assert.equal(mr.hi, 100 + rel[rel.length - 1].v * 1000);
  } else assert.fail('MR preset is a composite');
});
