/**
 * Fault containment for the hub's entry points (issue 12 §1): a request handler, a WebSocket
 * message handler or a timer that throws must never end the process that every display and
 * recording of the theatre depends on. Each entry point runs through `guard()`, which counts the
 * fault by place and logs it (rate-limited), and the process carries on.
 */
import { RateLimitedLog } from './log';

/** Faults caught at the hub's entry points, by place (e.g. 'http', 'ws-message', 'timer:time'). */
export class FaultCounter {
  readonly byPlace = new Map<string, number>();
  total = 0;
  private readonly rl: RateLimitedLog;

  constructor(log: (line: string) => void = (l) => console.error(l)) {
    this.rl = new RateLimitedLog(log, 10_000, () => Date.now());
  }

  record(place: string, err: unknown): void {
    this.total++;
    this.byPlace.set(place, (this.byPlace.get(place) ?? 0) + 1);
    const e = err instanceof Error ? err : new Error(String(err));
    this.rl.log(place, `fault contained in ${place}: ${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}`);
  }

  /** Plain object for /api/status. */
  toJSON(): { total: number; byPlace: Record<string, number> } {
    return { total: this.total, byPlace: Object.fromEntries(this.byPlace) };
  }

  /**
   * Wraps `fn` so that a synchronous throw or a rejected promise is recorded as a fault of `place`
   * instead of reaching the process's uncaught-exception handler.
   */
  guard<A extends unknown[]>(place: string, fn: (...args: A) => unknown): (...args: A) => void {
    return (...args: A) => {
      try {
        const r = fn(...args);
        if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, (e) => this.record(place, e));
      } catch (e) {
        this.record(place, e);
      }
    };
  }

  /** setInterval whose callback is guarded. */
  interval(place: string, fn: () => unknown, ms: number): NodeJS.Timeout {
    return setInterval(this.guard(`timer:${place}`, fn), ms);
  }
}
