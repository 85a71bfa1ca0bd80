import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  assert.deepEqual(d.blocks.map((b) => [b.streamId, b.t0HubMs, b.rateHz, [...b.samples]]), blocks.map((b) => [b.streamId, b.t0HubMs, b.rateHz, [...b.samples]]));
});

test('pose batches round-trip', () => {
  const m = new Float32Array(16).map((_, i) => i - 3.5);
  const d = decodeBinary(encodePoseBatch([{ streamId: 4, tHubMs: 12.25, status: 1, quality: 0.5, matrix: m }]));
  assert.equal(d.kind, BinaryKind.Pose);
  if (d.kind === BinaryKind.Pose) assert.deepEqual([d.poses[0].streamId, d.poses[0].tHubMs, d.poses[0].quality, [...d.poses[0].matrix]], [4, 12.25, 0.5, [...m]]);
});

test('truncated and unknown binary frames are reported, not thrown', () => {
  const w = encodeWaveBatch([{ streamId: 1, t0HubMs: 0, rateHz: 1, samples: new Float32Array([1, 2]) }]);
  assert.equal(decodeBinary(w.subarray(0, w.length - 1)).kind, 'error');
  assert.equal(decodeBinary(new Uint8Array([9, 0, 0, 0])).kind, 'error');
  assert.equal(decodeBinary(new Uint8Array([1])).kind, 'error');
});

test('contractMismatch: null for this version, a banner naming both versions otherwise', () => {
  assert.equal(contractMismatch(CONTRACT_VERSION), null);
  assert.equal(contractMismatch(CONTRACT_VERSION + 1), `display v${CONTRACT_VERSION}, hub v${CONTRACT_VERSION + 1}: reload or update`);
  assert.equal(contractMismatch(undefined), `display v${CONTRACT_VERSION}, hub of an unknown version: reload or update`);
  assert.equal(contractMismatch('1'), `display v${CONTRACT_VERSION}, hub of an unknown version: reload or update`);
});
