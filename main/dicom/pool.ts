/**
 * A small pool of DICOM workers (worker_threads) with a FIFO queue. Workers are started on
 * first use, kept for later loads, and unref'd while idle so they never keep the process
 * alive. If a worker cannot be started (e.g. the worker script is missing from a bundle),
 * tasks run in-process instead, so loading still works, only on the calling thread.
 *
 * The worker script is main/dicom/worker.ts under tsx, or `dicom-worker.cjs` next to the
 * bundle (the build must emit main/dicom/worker.ts as that entry); OR_HUB_DICOM_WORKER overrides
 * (see workerScriptPath in main/start-worker.ts).
 */
import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker, workerScriptPath } from '../start-worker';
import { runTask, type Request, type Response } from './tasks';

/** A Request before the pool numbers it. */
export type RequestWithoutId = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

type Pending = {
  req: Request;
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  transfer?: ArrayBuffer[];
  timeoutMs?: number;
  timer?: NodeJS.Timeout;
};

/** A request that did not answer within its time limit; its worker was retired. */
export class PoolTimeout extends Error {
  override name = 'PoolTimeout';
}

interface Slot {
  worker: Worker;
  /** Requests posted to this worker and not answered yet, oldest first. */
  inFlight: Pending[];
}

/**
 * Requests posted to a worker ahead of its answers: with 2, a worker finds its next request
 * already queued when it finishes one, instead of idling for a round trip through the main
 * thread (about 1 ms on a busy 2-core machine, where the main thread first waits for a core).
 */
const IN_FLIGHT_PER_WORKER = 2;

export class DicomWorkerPool {
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private inProcess = false;
  private nextId = 1;
  /** Last worker failure, for diagnostics. */
  lastError: Error | undefined;
  readonly size: number;

  constructor(size = Math.max(1, Math.min(8, (os.availableParallelism?.() ?? os.cpus().length) || 1))) {
    this.size = size;
  }

  /** True when tasks run on the calling thread because no worker could be started. */
  get runningInProcess(): boolean {
    return this.inProcess;
  }

  /** Start the workers now (otherwise they start on first use). */
  warm(): void {
    this.ensure();
  }

  /** Starts workers up to `size` (at first use, and to replace workers retired after a timeout). */
  private ensure(): void {
    if (this.slots.length >= this.size || this.inProcess) return;
    let script: string;
    try {
      script = workerScriptPath({ dir: __dirname, source: 'worker.ts', bundled: 'dicom-worker', envVar: 'OR_HUB_DICOM_WORKER' });
    } catch (e) {
      this.lastError = e as Error;
      this.inProcess = true;
      return;
    }
    while (this.slots.length < this.size) {
      try {
        let worker: Worker;
        try {
          worker = startWorker(script, { execArgv: process.execArgv });
        } catch (e) {
          // Some process-wide flags (e.g. --expose-gc) are refused in a worker's execArgv
          // (ERR_WORKER_INVALID_EXEC_ARGV): start without them rather than run in-process.
          this.lastError = e as Error;
          worker = startWorker(script, { execArgv: [] });
        }
        const slot: Slot = { worker, inFlight: [] };
        worker.unref();
        worker.on('message', (res: Response | { type: 'fatal'; id: number; message: string }) => this.onMessage(slot, res));
        worker.on('error', (e) => this.onExit(slot, e));
        worker.on('exit', (code) => this.onExit(slot, new Error(`DICOM worker exited with code ${code}`)));
        this.slots.push(slot);
      } catch {
        break;
      }
    }
    if (!this.slots.length) this.inProcess = true;
  }

  private onMessage(slot: Slot, res: Response | { type: 'fatal'; id: number; message: string }): void {
    // Answers normally come in order, but a task that awaits (codec loading) may finish later.
    const i = slot.inFlight.findIndex((q) => q.req.id === res.id);
    const p = i >= 0 ? slot.inFlight.splice(i, 1)[0] : undefined;
    if (!slot.inFlight.length) slot.worker.unref();
    if (p) {
      clearTimeout(p.timer);
      if (res.type === 'fatal') p.reject(new Error(res.message));
      else p.resolve(res);
    }
    this.pump();
  }

  private onExit(slot: Slot, e: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // closed on purpose, or already handled
    this.slots.splice(i, 1);
    this.queue.unshift(...slot.inFlight); // retry elsewhere (or in-process)
    slot.inFlight = [];
    if (!this.slots.length) this.inProcess = true;
    this.lastError = e;
    this.pump();
  }

  private pump(): void {
    if (this.inProcess) {
      while (this.queue.length) {
        const p = this.queue.shift()!;
        runTask(p.req).then(p.resolve, p.reject);
      }
      return;
    }
    // Idle workers first, then one request ahead for each.
    for (let depth = 0; depth < IN_FLIGHT_PER_WORKER; depth++) {
      for (const slot of this.slots) {
        if (slot.inFlight.length !== depth || !this.queue.length) continue;
        const p = this.queue.shift()!;
        slot.inFlight.push(p);
        slot.worker.ref();
        if (p.timeoutMs !== undefined) p.timer = setTimeout(() => this.timedOut(slot, p), p.timeoutMs);
        slot.worker.postMessage(p.req, p.transfer ?? []);
      }
    }
  }

  /**
   * A request that has not answered within its limit: its worker may be stuck in a system call
   * (a FIFO, a hung network share) that nothing can interrupt, so it is retired (terminated without
   * waiting) and its other requests go to the remaining workers; new workers start on next use.
   */
  private timedOut(slot: Slot, p: Pending): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const others = slot.inFlight.filter((q) => q !== p);
    slot.inFlight = [];
    for (const q of others) clearTimeout(q.timer);
    this.queue.unshift(...others);
    this.retired++;
    void slot.worker.terminate().catch(() => undefined);
    p.reject(new PoolTimeout(`no answer within ${p.timeoutMs} ms`));
    this.ensure();
    this.pump();
  }

  /** Workers retired because a request of theirs timed out. */
  retired = 0;

  /**
   * Run one request (its `id` is assigned here). With `timeoutMs`, a request not answered in
   * time rejects with PoolTimeout (time counts from when a worker takes it, not while queued).
   * In-process (no workers) the limit cannot apply.
   */
  run<T extends Response>(req: RequestWithoutId, transfer?: ArrayBuffer[], timeoutMs?: number): Promise<T> {
    this.ensure();
    const full = { ...req, id: this.nextId++ } as Request;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ req: full, resolve: resolve as (r: Response) => void, reject, transfer, timeoutMs });
      this.pump();
    });
  }

  /** Stop all workers. The pool can be used again afterwards (workers restart). */
  async close(): Promise<void> {
    const ws = this.slots.map((s) => s.worker);
    this.slots = [];
    this.inProcess = false;
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

let shared: DicomWorkerPool | undefined;

/** The process-wide pool used by loadSeries. */
export function sharedPool(): DicomWorkerPool {
  if (!shared) shared = new DicomWorkerPool();
  return shared;
}
