import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignLanes, labelLeftPx } from './label-lanes';

test('labels close together are stacked, then left out; never two overlapping in one lane', () => {
  const w = 100;
  const labels = [0, 10, 20, 30, 300, 900].map((xPx) => ({ xPx, widthPx: w }));
  const lanes = assignLanes(labels, 2, 1000);
  assert.deepEqual(lanes, [0, 1, -1, -1, 0, 0]);
  for (const lane of [0, 1]) {
    const placed = labels
      .filter((_, i) => lanes[i] === lane)
      .map((l) => labelLeftPx(l, 1000))
      .sort((a, b) => a - b);
    for (let i = 1; i < placed.length; i++) assert.ok(placed[i] >= placed[i - 1] + w, 'no overlap within a lane');
  }
  assert.equal(labelLeftPx({ xPx: 990, widthPx: 100 }, 1000), 900, 'kept inside the strip');
});
