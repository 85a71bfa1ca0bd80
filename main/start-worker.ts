/**
 * Starts a worker_threads worker from a script path. Under tsx (tests, benches) the script is a
 * .ts file: it is loaded through tsx's CommonJS hook, since module hooks registered with
 * --import do not reach a worker's entry point on Node 20 (the worker would fail to start).
 * Used by the recorder and the DICOM worker pool.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(script: string, opts: WorkerOptions = {}): Worker {
  return script.endsWith('.ts')
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { ...opts, eval: true })
    : new Worker(script, opts);
}
