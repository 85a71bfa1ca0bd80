import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { DicomWorkerPool } from './pool';
import type { Response } from './tasks';
import { PHANTOM, missingData } from './testutil';

test('the pool runs tasks in worker threads also under tsx (not the in-process fallback)', { skip: missingData(PHANTOM) }, async () => {
  const pool = new DicomWorkerPool(2);
  try {
    const res = await pool.run<Extract<Response, { type: 'headers' }>>({ type: 'headers', sources: [{ path: path.join(PHANTOM, 'I10') }] });
    assert.ok(res.results[0].ok);
    assert.equal(pool.runningInProcess, false, `workers did not start: ${pool.lastError?.message}`);
  } finally {
    await pool.close();
  }
});
