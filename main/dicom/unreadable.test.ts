/**
 * Issue 12 §2: nothing the hub is asked to read can freeze it. A folder with a FIFO, a device
 * (through a link) and a file that never answers (a read that blocks for good, as on a hung
 * network share) loads the series that is there, reports those files as skipped with their
 * reason, and the calling thread keeps running throughout.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSeries } from './loader';
import { DicomWorkerPool } from './pool';
import { PHANTOM, missingData, tempDir } from './testutil';

const HANGING_WORKER = path.join(__dirname, 'testing', 'hanging-worker.ts');

/** A folder of links to 12 phantom slices (the data stays in ../shared), a FIFO, /dev/null and a never-answering file. */
function hostileFolder(): string {
  const dir = tempDir('orhub-unreadable-');
  const slices = fs
    .readdirSync(PHANTOM)
    .filter((n) => /^I\d+$/.test(n))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .slice(0, 12);
  for (const n of slices) fs.symlinkSync(path.join(PHANTOM, n), path.join(dir, n));
  execFileSync('mkfifo', [path.join(dir, 'pipe')]);
  fs.symlinkSync('/dev/null', path.join(dir, 'null-device'));
  fs.symlinkSync(path.join(PHANTOM, slices[0]), path.join(dir, 'never-answers.dcm'));
  return dir;
}

test(
  'a folder with a FIFO, a device and a never-answering file: the series loads, those are skipped, the thread runs on',
  { skip: missingData(PHANTOM), timeout: 60_000 },
  async () => {
    const dir = hostileFolder();
    process.env.OR_HUB_DICOM_WORKER = HANGING_WORKER;
    const pool = new DicomWorkerPool(2);
    let ticks = 0;
    const beat = setInterval(() => ticks++, 20);
    try {
      const t0 = performance.now();
      const set = await loadSeries(dir, { pool, fileTimeoutMs: 1500 });
      const ms = performance.now() - t0;
      assert.equal(set.series.length, 1);
      assert.equal(set.series[0].volume?.dimensions[2], 12, 'all twelve slices in the volume');
      const by = new Map(set.skipped.map((s) => [path.basename(s.file), s]));
      assert.equal(by.get('pipe')?.code, 'SPECIAL');
      assert.match(by.get('pipe')!.reason, /FIFO/);
      assert.equal(by.get('null-device')?.code, 'SPECIAL');
      assert.match(by.get('null-device')!.reason, /character device/);
      assert.equal(by.get('never-answers.dcm')?.code, 'TIMEOUT');
      assert.match(by.get('never-answers.dcm')!.reason, /no answer within 1500 ms/);
      assert.ok(pool.retired >= 1, 'the stuck worker was retired');
      // The load had to wait out the time limit; the calling thread kept ticking all along.
      assert.ok(ms >= 1500, `load waited for the limit (${ms.toFixed(0)} ms)`);
      assert.ok(ticks >= ms / 20 / 4, `event loop kept running: ${ticks} ticks of 20 ms in ${ms.toFixed(0)} ms`);
      // The pool works again afterwards, with fresh workers.
      const again = await loadSeries(path.join(dir, 'I10'), { pool });
      assert.equal(again.series.length, 1);
    } finally {
      clearInterval(beat);
      delete process.env.OR_HUB_DICOM_WORKER;
      await pool.close();
    }
  },
);

test('a FIFO given as the source is refused at once, without waiting for a writer', async () => {
  const dir = tempDir('orhub-fifo-');
  const fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const pool = new DicomWorkerPool(1);
  try {
    const set = await loadSeries(fifo, { pool });
    assert.equal(set.series.length, 0);
    assert.equal(set.skipped.length, 1);
    assert.equal(set.skipped[0].code, 'SPECIAL');
    assert.match(set.skipped[0].reason, /FIFO \(named pipe\): skipped, not read/);
  } finally {
    await pool.close();
  }
});
