/**
 * Ring buffer of one waveform's recent samples with their hub times. Pure (no DOM):
 * the sweep renderer reads from it each animation frame; nothing here touches React.
 */
export class TraceBuffer {
  readonly values: Float32Array;
  readonly times: Float64Array;
  private head = 0; // next write index
  private size = 0;

  constructor(readonly capacity: number) {
    this.values = new Float32Array(capacity);
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends a block of uniformly sampled values; t0 is the hub time of samples[0]. Out-of-order (older) samples are ignored. */
  push(t0HubMs: number, rateHz: number, samples: Float32Array): void {
    const dt = 1000 / rateHz;
    let last = this.size > 0 ? this.times[(this.head - 1 + this.capacity) % this.capacity] : -Infinity;
    // A block far behind the newest sample means the source's clock mapping was corrected
    // (e.g. a device restarted or re-synchronised): start afresh rather than refuse new data.
    if (samples.length > 0 && t0HubMs + (samples.length - 1) * dt < last - 2000) {
      this.clear();
      last = -Infinity;
    }
    for (let i = 0; i < samples.length; i++) {
      const t = t0HubMs + i * dt;
      if (t <= last) continue;
      this.values[this.head] = samples[i];
      this.times[this.head] = t;
      this.head = (this.head + 1) % this.capacity;
      if (this.size < this.capacity) this.size++;
    }
  }

  /** Time of the newest sample, or -Infinity. */
  get lastTime(): number {
    return this.size > 0 ? this.times[(this.head - 1 + this.capacity) % this.capacity] : -Infinity;
  }

  /** Calls fn for each sample with from < t <= to, oldest first. */
  forEachBetween(from: number, to: number, fn: (t: number, v: number) => void): void {
    if (this.size === 0) return;
    // Binary search for the first index with t > from.
    let lo = 0;
    let hi = this.size;
    const start = (this.head - this.size + this.capacity) % this.capacity;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[(start + mid) % this.capacity] > from) hi = mid;
      else lo = mid + 1;
    }
    for (let k = lo; k < this.size; k++) {
      const idx = (start + k) % this.capacity;
      const t = this.times[idx];
      if (t > to) break;
      fn(t, this.values[idx]);
    }
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
