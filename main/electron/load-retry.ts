/**
 * The shell's window survives a hub restart (issue 13 §1): a load that fails (the hub is down at
 * that moment) is tried again with backoff, 1 s at first and never slower than 5 s, never in a
 * tight loop. Once the page has loaded, the page itself reconnects (renderer/src/connection.ts):
 * the window never reloads for that. Pure: no Electron import, so it is unit-tested.
 */

/** Delay before retry `n` (0-based), ms: 1 s for the first 10 tries, then 2 s, then 5 s after 30. */
export function loadRetryDelayMs(n: number): number {
  return n < 10 ? 1000 : n < 30 ? 2000 : 5000;
}

/** Chromium net error codes that are not failures of the hub (ERR_ABORTED: a newer navigation replaced this one). */
const NOT_A_FAILURE = new Set([-3]);

export interface LoadRetryDeps {
  load(): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(t: unknown): void;
  log?(line: string): void;
}

export class LoadRetry {
  private attempt = 0;
  private timer: unknown = null;

  constructor(private readonly deps: LoadRetryDeps) {}

  /** A main-frame load failed with Chromium `errorCode`; schedules one retry (a second failure meanwhile does not add one). */
  failed(errorCode: number, description = ''): number | null {
    if (NOT_A_FAILURE.has(errorCode) || this.timer !== null) return null;
    const ms = loadRetryDelayMs(this.attempt++);
    this.deps.log?.(`or-hub shell: the display did not load (${description || errorCode}); trying again in ${ms} ms`);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      this.deps.load();
    }, ms);
    return ms;
  }

  /** The page loaded: the next failure starts again at 1 s. */
  loaded(): void {
    this.attempt = 0;
  }

  /** The renderer process died (crash, OOM): load again after the same backoff. */
  gone(reason: string): number | null {
    return this.failed(-1, `renderer ${reason}`);
  }

  stop(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }
}
