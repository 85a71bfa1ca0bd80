/**
 * Worker scripts of the hub: where they are, and how to start them. Used by the recorder and the
 * DICOM worker pool.
 *
 * Under tsx (tests, benches) a worker is a .ts file beside the module that starts it, loaded through
 * tsx's CommonJS hook, since module hooks registered with --import do not reach a worker's entry
 * point on Node 20 (the worker would fail to start). In a build, scripts/build.mjs bundles each worker
 * as its own entry beside the hub bundle (dist/hub/NAME.cjs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this module runs from TypeScript source (tsx), not from the bundle. */
const FROM_SOURCE = __filename.endsWith('.ts');

export interface WorkerScript {
  /** Folder of the module that starts the worker (its `__dirname`; in a build, the bundle's folder). */
  dir: string;
  /** The worker's source file beside that module, e.g. 'recorder-worker.ts'. */
  source: string;
  /** The worker's bundle entry name (scripts/build.mjs), e.g. 'recorder-worker' for dist/hub/recorder-worker.cjs. */
  bundled: string;
  /** An environment variable that, when it names an existing file, overrides the search. */
  envVar?: string;
}

/**
 * Path of a worker script: the env override, else `source` under tsx, else `bundled`.cjs (or .js) or
 * the source compiled to .js beside the bundle. Throws an Error naming every place it looked.
 */
export function workerScriptPath(w: WorkerScript): string {
  const env = w.envVar ? process.env[w.envVar] : undefined;
  if (env && fs.existsSync(env)) return env;
  const names = FROM_SOURCE ? [w.source] : [`${w.bundled}.cjs`, `${w.bundled}.js`, w.source.replace(/\.ts$/, '.js')];
  const candidates = [...new Set(names)].map((f) => path.join(w.dir, f));
  const found = candidates.find((f) => fs.existsSync(f));
  if (found) return found;
  throw new Error(
    `worker script ${w.bundled}: none of ${candidates.join(', ')} ` +
      `exists${w.envVar ? ` and ${w.envVar} is not set to a file` : ''} (is it bundled beside the hub?)`,
  );
}

/** Starts a worker_threads worker from a script path (see workerScriptPath). */
export function startWorker(script: string, opts: WorkerOptions = {}): Worker {
  return script.endsWith('.ts')
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { ...opts, eval: true })
    : new Worker(script, opts);
}
