/**
 * The listing and scan pass of a DICOM load (loader.ts): list a local path in a worker, plan where
 * the scan may place pixels (placement.ts), and read every file's header (and placed pixels) in
 * parallel requests, retrying the files of a request that does not answer one at a time.
 */
import * as fs from 'node:fs';
import { DicomError } from './errors';
import { PoolTimeout, type DicomWorkerPool } from './pool';
import { KERNEL_SCRATCH_BYTES } from './simd';
import type { FileList } from './sources';
import { newScanPlan } from './placement';
import { sourceName, type Response, type Source } from './tasks';
import { acquireVolumeMemory } from './volume-memory';
import type { FileEntry, Placement, SkippedFile } from './load-types';

type ScanResult = Extract<Response, { type: 'scan' }>['results'][number];

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The header pass: every request of `batches` through the pool. With a `placement`, pixels the first
 * files predict a slot for are read and placed in the same pass. Unusable files go to `skipped`;
 * `onBatch` is told how many files each finished request covered.
 */
export async function scanFiles(
  pool: DicomWorkerPool,
  batches: Source[][],
  placement: Placement | undefined,
  fileMs: number,
  skipped: SkippedFile[],
  onBatch: (n: number) => void,
): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  const addResult = (r: ScanResult, src: Source) => {
    if (!r.ok) {
      skipped.push({ file: r.error.file, reason: r.error.reason, code: r.error.code });
      return;
    }
    const h = r.header;
    if (h.isDirectory) {
      skipped.push({ file: h.file, reason: 'DICOMDIR / media directory object (not an image)', code: 'NOT_IMAGE' });
      return;
    }
    entries.push({ source: src, header: h, ...(r.placed ? { placed: r.placed } : {}) });
  };
  // allSettled: a placement memory is only handed back once no worker can still write into it.
  const settled = await Promise.allSettled(
    batches.map(async (batch, b) => {
      let res: Extract<Response, { type: 'scan' }>;
      try {
        res = await pool.run<Extract<Response, { type: 'scan' }>>(
          {
            type: 'scan',
            sources: batch,
            // Each request's kernel scratch follows the slots.
            ...(placement ? { plan: placement.plan, mem: placement.mem, scratch: placement.plan.bytes + KERNEL_SCRATCH_BYTES * b } : {}),
          },
          undefined,
          fileMs + 200 * batch.length,
        );
      } catch (e) {
        if (!(e instanceof PoolTimeout)) throw e;
        // A file of this request does not answer. Its worker was retired but may still write
        // into the placement memory when the file answers: never reuse that memory (the
        // volume is then read in the second pass), and find the file by asking one at a time.
        if (placement) placement.done = true;
        for (const src of batch) await headerAlone(pool, src, fileMs).then((r) => addResult(r, src));
        onBatch(batch.length);
        return;
      }
      res.results.forEach((r, i) => addResult(r, batch[i]));
      onBatch(batch.length);
    }),
  );
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return entries;
}

/** One file's header on its own, with the per-file limit; a timeout is the file's skip reason. */
async function headerAlone(pool: DicomWorkerPool, src: Source, fileMs: number): Promise<Extract<Response, { type: 'headers' }>['results'][number]> {
  try {
    return (await pool.run<Extract<Response, { type: 'headers' }>>({ type: 'headers', sources: [src] }, undefined, fileMs)).results[0];
  } catch (e) {
    if (!(e instanceof PoolTimeout)) throw e;
    return { ok: false, error: { code: 'TIMEOUT', file: sourceName(src), reason: `no answer within ${fileMs} ms (a hung network share or device?): skipped` } };
  }
}

/**
 * The plan for placing pixels during the scan (placement.ts): the first three files in natural
 * name order to predict the layout from, and memory for 2n - 1 slots as large as the largest of
 * them. Undefined for fewer than two files or when no such memory can be had.
 */
export async function planScan(sources: Source[], requests: number, timeoutMs: number): Promise<Placement | undefined> {
  const paths = sources.flatMap((x) => ('path' in x ? [x.path] : []));
  if (paths.length < 2) return undefined;
  const probe = firstInNaturalOrder(paths, 3);
  // Asynchronous stats with a time limit: the main thread never waits on a user's file system.
  const sizes = await Promise.all(
    probe.map((f) =>
      Promise.race([
        fs.promises.stat(f).then(
          (st) => st.size,
          () => 0,
        ),
        new Promise<number>((r) => setTimeout(() => r(0), timeoutMs).unref()),
      ]),
    ),
  );
  const capacity = Math.max(0, ...sizes);
  if (!capacity) return undefined;
  const plan = newScanPlan(probe, paths.length, capacity);
  const mem = acquireVolumeMemory(plan.bytes + KERNEL_SCRATCH_BYTES * requests);
  return mem ? { mem, plan, done: false } : undefined;
}

/** The first `k` names in natural order (numbers compared by value: I2 before I10). */
function firstInNaturalOrder(names: string[], k: number): string[] {
  const out: string[] = [];
  for (const n of names) {
    let i = out.length;
    while (i > 0 && naturalOrder(n, out[i - 1]) < 0) i--;
    if (i < k) out.splice(i, 0, n);
    if (out.length > k) out.pop();
  }
  return out;
}

/**
 * Requests for a pass over files, largest first (a quarter of what is left per worker pair, at most 64, at
 * least 2 files): few messages, and small ones at the end so the workers finish together.
 */
export function guidedChunks<T>(xs: T[], workers: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length;) {
    const n = Math.max(2, Math.min(64, Math.ceil((xs.length - i) / (2 * workers))));
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Lists a local path in a DICOM worker with a time limit (the path may be a hung share or a FIFO). */
export async function listInWorker(pool: DicomWorkerPool, p: string, timeoutMs: number): Promise<FileList> {
  let res: Extract<Response, { type: 'list' }>;
  try {
    res = await pool.run<Extract<Response, { type: 'list' }>>({ type: 'list', path: p }, undefined, timeoutMs);
  } catch (e) {
    if (e instanceof PoolTimeout) throw new DicomError('TIMEOUT', p, `listing did not answer within ${timeoutMs} ms (a hung network share?)`);
    throw e;
  }
  if (!res.ok) throw new DicomError(res.error.code, res.error.file, res.error.reason);
  return res.list;
}
