import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BinaryKind, CONTRACT_VERSION, contractMismatch, decodeBinary, encodePoseBatch, encodeWaveBatch } from './display-contract';

test('wave batches round-trip several blocks with exact samples and times', () => {
  const blocks = [
    { streamId: 3, t0HubMs: 1_700_000_000_000.5, rateHz: 500, samples: new Float32Array([0.1, -0.2, 1.5]) },
    { streamId: 9, t0HubMs: 2, rateHz: 62.5, samples: new Float32Array([]) },
    { streamId: 65535, t0HubMs: 3, rateHz: 125, samples: new Float32Array([42]) },
  ];
  const d = decodeBinary(encodeWaveBatch(blocks));
  assert.equal(d.kind, BinaryKind.Wave);
  if (d.kind !== BinaryKind.Wave) return;
  assert.deepEqual(
    d.blocks.map((b) => [b.streamId, b.t0HubMs, b.rateHz, [...b.samples]]),
    blocks.map((b) => [b.streamId, b.t0HubMs, b.rateHz, [...b.samples]]),
  );
});

test('pose batches round-trip', () => {
  const m = new Float32Array(16).map((_, i) => i - 3.5);
  const d = decodeBinary(encodePoseBatch([{ streamId: 4, tHubMs: 12.25, status: 1, quality: 0.5, matrix: m }]));
  assert.equal(d.kind, BinaryKind.Pose);
  if (d.kind === BinaryKind.Pose)
    assert.deepEqual([d.poses[0].streamId, d.poses[0].tHubMs, d.poses[0].quality, [...d.poses[0].matrix]], [4, 12.25, 0.5, [...m]]);
});

test('truncated and unknown binary frames are reported, not thrown', () => {
  const w = encodeWaveBatch([{ streamId: 1, t0HubMs: 0, rateHz: 1, samples: new Float32Array([1, 2]) }]);
  assert.equal(decodeBinary(w.subarray(0, w.length - 1)).kind, 'error');
  assert.equal(decodeBinary(new Uint8Array([9, 0, 0, 0])).kind, 'error');
  assert.equal(decodeBinary(new Uint8Array([1])).kind, 'error');
});

// Golden bytes (fixtures/display-batch.json and fixtures/display-batch/*.bin, written once by
// scripts/make-golden-fixtures.ts and frozen): the batch layout is what every display decodes.
type FixtureCase =
  | { name: string; kind: 'wave'; blocks: { streamId: number; t0HubMs: number; rateHz: number; samplesF32: number[] }[] }
  | { name: string; kind: 'pose'; poses: { streamId: number; tHubMs: number; status: number; quality: number; matrixF32: number[] }[] };

const FIXTURES = path.join(__dirname, 'fixtures');
const fixtureCases = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'display-batch.json'), 'utf8')) as { cases: FixtureCase[] }).cases;
const frozen = (c: FixtureCase) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'display-batch', `${c.name}.bin`)));
/** Float32 values from their stored little-endian bit patterns, and back (exact for −0 and NaN). */
const f32 = (words: number[]) => new Float32Array(Uint32Array.from(words).buffer);
const words = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

test('golden batches: the decoder gives the known blocks and poses from the frozen bytes', () => {
  assert.deepEqual(fixtureCases.map((c) => c.kind).sort(), ['pose', 'wave', 'wave']);
  for (const c of fixtureCases) {
    const d = decodeBinary(frozen(c));
    if (c.kind === 'wave') {
      assert.equal(d.kind, BinaryKind.Wave, c.name);
      if (d.kind !== BinaryKind.Wave) continue;
      assert.deepEqual(
        d.blocks.map((b) => ({ streamId: b.streamId, t0HubMs: b.t0HubMs, rateHz: b.rateHz, samplesF32: words(b.samples) })),
        c.blocks,
        c.name,
      );
    } else {
      assert.equal(d.kind, BinaryKind.Pose, c.name);
      if (d.kind !== BinaryKind.Pose) continue;
      const poses = d.poses.map((p) => ({ streamId: p.streamId, tHubMs: p.tHubMs, status: p.status, quality: p.quality, matrixF32: words(p.matrix) }));
      assert.deepEqual(poses, c.poses, c.name);
    }
  }
});

test('golden batches: the encoders give the frozen bytes again, byte for byte', () => {
  for (const c of fixtureCases) {
    const got =
      c.kind === 'wave'
        ? encodeWaveBatch(c.blocks.map((b) => ({ streamId: b.streamId, t0HubMs: b.t0HubMs, rateHz: b.rateHz, samples: f32(b.samplesF32) })))
        : encodePoseBatch(c.poses.map((p) => ({ streamId: p.streamId, tHubMs: p.tHubMs, status: p.status, quality: p.quality, matrix: f32(p.matrixF32) })));
    assert.deepEqual([...got], [...frozen(c)], c.name);
  }
});

test('contractMismatch: null for this version, a banner naming both versions otherwise', () => {
  assert.equal(contractMismatch(CONTRACT_VERSION), null);
  assert.equal(contractMismatch(CONTRACT_VERSION + 1), `display v${CONTRACT_VERSION}, hub v${CONTRACT_VERSION + 1}: reload or update`);
  assert.equal(contractMismatch(undefined), `display v${CONTRACT_VERSION}, hub of an unknown version: reload or update`);
  assert.equal(contractMismatch('1'), `display v${CONTRACT_VERSION}, hub of an unknown version: reload or update`);
});
