/**
 * Tests and benchmarks of the device SDK: delays frames by a random, heavy-tailed amount
 * (jitterMs·u³, u uniform in [0, 1)), first in first out, as on a congested link.
 */
export class JitterQueue<T> {
  private readonly q: { at: number; msg: T }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  constructor(
    private readonly jitterMs: number,
    private readonly out: (m: T) => void,
  ) {}
  push(msg: T): void {
    const now = performance.now();
    const at = now + this.jitterMs * Math.random() ** 3;
    if (this.q.length === 0 && at - now < 0.05) {
      // Not delayed (timers cannot wait less than 1 ms, so do not ask them to).
      this.lastAt = Math.max(this.lastAt, now);
      this.out(msg);
      return;
    }
    this.lastAt = Math.max(this.lastAt, at);
    this.q.push({ at: this.lastAt, msg });
    if (!this.timer) this.arm();
  }
  private arm(): void {
    const head = this.q[0];
    if (!head) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, head.at - performance.now()));
  }
  private release(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.q.length > 0 && this.q[0].at <= now + 0.05) this.out(this.q.shift()!.msg);
    this.arm();
  }
  clear(): void {
    clearTimeout(this.timer);
    this.q.length = 0;
  }
}
