import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

test('with requests queued ahead in each worker, every answer still reaches its own request', { skip: missingData(PHANTOM) }, async () => {
  const pool = new DicomWorkerPool(2);
  try {
    const names = ['I10', 'I20', 'I30', 'I40', 'I50', 'I60', 'I70', 'I80', 'I90'];
    const answers = await Promise.all(
      names.map((n) =>
        pool.run<Extract<Response, { type: 'headers' }>>({
          type: 'headers',
          sources: [{ path: path.join(PHANTOM, n) }, { path: path.join(PHANTOM, 'missing') }],
        }),
      ),
    );
    answers.forEach((res, i) => {
      const [h, missing] = res.results;
      assert.ok(h.ok && path.basename(h.header.file) === names[i], `request ${i}`);
      assert.ok(!missing.ok && missing.error.code === 'IO');
    });
    assert.equal(pool.runningInProcess, false);
  } finally {
    await pool.close();
  }
});

test('workers start even when the process has flags a worker refuses (--expose-gc)', { skip: missingData(PHANTOM) }, () => {
  const script = `
    const { DicomWorkerPool } = require(${JSON.stringify(path.join(__dirname, 'pool.ts'))});
    const pool = new DicomWorkerPool(1);
    pool.run({ type: 'headers', sources: [{ path: ${JSON.stringify(path.join(PHANTOM, 'I10'))} }] })
      .then((r) => { console.log(JSON.stringify({ ok: r.results[0].ok, inProcess: pool.runningInProcess })); return pool.close(); });`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '../..'), encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), { ok: true, inProcess: false });
});
