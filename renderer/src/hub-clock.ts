/**
 * The display's estimate of the hub clock. Each hub time message gives a lower bound of
 * (hub time − local time) (the message took some time to arrive): keep the largest recent one.
 */
class HubClock {
  private samples: { est: number; at: number }[] = [];
  private offset = 0;
  private known = false;

  observe(hubTimeMs: number): void {
    const local = performance.now();
    this.samples.push({ est: hubTimeMs - local, at: local });
    this.samples = this.samples.filter((s) => local - s.at < 60000);
    this.offset = Math.max(...this.samples.map((s) => s.est));
    this.known = true;
  }

  get synced(): boolean {
    return this.known;
  }

  now(): number {
    return performance.now() + this.offset;
  }

  /** Hub time (Unix ms) once synced; the display's own clock before the first time message. */
  wallNow(): number {
    return this.known ? this.now() : Date.now();
  }
}

export const hubClock = new HubClock();
