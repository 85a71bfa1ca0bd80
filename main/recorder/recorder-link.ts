/**
 * The recorder's link to its worker (recorder.ts): starts the worker, sends requests by sequence
 * number and settles them from the replies, counts batches in flight, and reports status messages
 * and the worker's loss (every pending request then fails with REC_WORKER_FAILED).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../start-worker';
import type { RequestMap, RequestType, StatusMessage, WorkerMessage } from './protocol';

export class RecorderError extends Error {
  override name = 'RecorderError';
  constructor(
    message: string,
    readonly code: string = 'REC_ERROR',
  ) {
    super(message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; bytes: number; type: RequestType };

export interface LinkEvents {
  status(s: StatusMessage): void;
  /** The worker stopped (not by `terminate`); pending requests have been rejected. */
  gone(e: Error): void;
}

export class WorkerLink {
  /** Bytes and batches posted but not yet answered, and batches committed. */
  inFlight = 0;
  inFlightBatches = 0;
  batchesCommitted = 0;
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private closing = false;

  constructor(
    private readonly workerPath: string,
    private readonly events: LinkEvents,
  ) {}

  /** True while a worker is running (false between its loss and a new `start`). */
  get up(): boolean {
    return this.worker !== undefined;
  }

  start(): void {
    const w = startWorker(this.workerPath);
    this.worker = w;
    w.on('message', (m: WorkerMessage) => this.onMessage(m));
    w.on('error', (e) => this.onGone(w, e));
    w.on('exit', (code) => this.onGone(w, new Error(`recorder worker exited with code ${code}`)));
  }

  /** One request; `bytes` (batches) counts as in flight until answered. */
  call<K extends RequestType>(type: K, req: RequestMap[K]['req'], transfer: ArrayBuffer[] = [], bytes = 0): Promise<RequestMap[K]['res']> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new RecorderError('recorder worker is restarting; try again', 'REC_WORKER_FAILED'));
    const seq = ++this.seq;
    if (type === 'batch') {
      this.inFlight += bytes;
      this.inFlightBatches++;
    }
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, bytes, type });
      worker.postMessage({ seq, type, req }, transfer);
    });
  }

  /** Stops the worker; its exit is then not reported as a loss. */
  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker?.terminate();
  }

  private onGone(w: Worker, e: Error): void {
    if (w !== this.worker || this.closing) return;
    for (const [, p] of this.pending) p.reject(new RecorderError(`recorder worker stopped: ${e.message}`, 'REC_WORKER_FAILED'));
    this.pending.clear();
    this.inFlight = 0;
    this.inFlightBatches = 0;
    this.worker = undefined;
    this.events.gone(e);
  }

  private onMessage(m: WorkerMessage): void {
    if ('status' in m) {
      this.events.status(m);
      return;
    }
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    if (p.type === 'batch') {
      this.inFlight -= p.bytes;
      this.inFlightBatches--;
      if (m.ok) this.batchesCommitted++;
    }
    if (m.ok) p.resolve(m.value);
    else p.reject(Object.assign(new RecorderError(m.error.message, m.error.code ?? 'REC_ERROR'), { name: m.error.name }));
  }
}
