/** A logger that says each kind of thing at most once per interval, with a count of what it held back. */
export class RateLimitedLog {
  private readonly last = new Map<string, { t: number; suppressed: number }>();

  constructor(
    private readonly sink: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  log(key: string, line: string): void {
    const t = this.now();
    const e = this.last.get(key);
    if (e && t - e.t < this.intervalMs) {
      e.suppressed++;
      return;
    }
    const extra = e && e.suppressed > 0 ? ` (${e.suppressed} similar suppressed)` : '';
    this.last.set(key, { t, suppressed: 0 });
    if (this.last.size > 10000) this.last.clear();
    this.sink(line + extra);
  }
}
