/**
 * Per-channel block builders used by the recorder worker. A block collects
 * consecutive samples (or numeric/pose rows) until it spans ~4 s (waves),
 * 8 s (poses) or 60 s (numerics); meanwhile every batch writes the new part as a
 * `partial` row so a crash loses nothing already committed. Completing a block
 * replaces its partial rows with one row in the same transaction.
 * State is copied before each batch so a failed transaction can be undone.
 */
import { type Column, encodeColumns, encodeWave } from './wavecodec';
import { MAX_NUMERIC_BLOCK_MS, MAX_POSE_BLOCK_MS, MAX_WAVE_BLOCK_MS, type RecordingStore } from './store';
import { NUMERIC_WIDTH, POSE_WIDTH, type SampleFormatName } from './protocol';

/** Target span of a waveform block. */
export const WAVE_BLOCK_MS = 4000;
/** Largest distance, in sample periods, between a frame's t0 and where the block expects it before a new block starts. */
const JITTER_PERIODS = 0.5;
/** …but never less than this (ms): hub time of frames carries sub-ms jitter. */
const JITTER_MIN_MS = 2;

type Samples = Int16Array | Int32Array | Float32Array;

function concatSamples(chunks: readonly Samples[], total: number, float: boolean, from = 0): Int32Array | Float32Array {
  const out = float ? new Float32Array(total - from) : new Int32Array(total - from);
  let pos = 0; // sample index within the whole block
  let o = 0;
  for (const c of chunks) {
    const end = pos + c.length;
    if (end > from) {
      const start = Math.max(0, from - pos);
      out.set(c.subarray(start), o);
      o += c.length - start;
    }
    pos = end;
  }
  return out;
}

export class WaveAccumulator {
  chunks: Samples[] = [];
  count = 0;
  /** Pairs (sample index in block, hub time) at each frame start. */
  anchors: number[] = [];
  partialIds: number[] = [];
  /** Samples already written as partial rows. */
  committed = 0;
  /** Expected hub time of the next sample. */
  nextT = Number.NaN;

  constructor(
    readonly channelId: number,
    readonly rateHz: number,
    readonly scale: number,
    readonly offset: number,
    readonly format: SampleFormatName,
  ) {}

  get blockSamples(): number {
    return Math.max(1, Math.min(Math.round((this.rateHz * WAVE_BLOCK_MS) / 1000), Math.floor((this.rateHz * MAX_WAVE_BLOCK_MS) / 1000)));
  }

  matches(rateHz: number, scale: number, offset: number, format: SampleFormatName): boolean {
    return rateHz === this.rateHz && scale === this.scale && offset === this.offset && format === this.format;
  }

  clone(): WaveAccumulator {
    const c = new WaveAccumulator(this.channelId, this.rateHz, this.scale, this.offset, this.format);
    c.chunks = this.chunks.slice();
    c.count = this.count;
    c.anchors = this.anchors.slice();
    c.partialIds = this.partialIds.slice();
    c.committed = this.committed;
    c.nextT = this.nextT;
    return c;
  }

  /** Hub time of sample i of the open block. */
  timeOf(i: number): number {
    const period = 1000 / this.rateHz;
    let k = 0;
    for (let a = 0; a < this.anchors.length; a += 2) {
      if (this.anchors[a] <= i) k = a;
      else break;
    }
    return this.anchors[k + 1] + (i - this.anchors[k]) * period;
  }

  /** Appends one frame's samples starting at hub time t0Ms, completing blocks as they fill. */
  append(store: RecordingStore, t0Ms: number, samples: Samples): void {
    const period = 1000 / this.rateHz;
    if (this.count > 0 && Math.abs(t0Ms - this.nextT) > Math.max(JITTER_MIN_MS, JITTER_PERIODS * period)) this.finish(store);
    let i = 0;
    while (i < samples.length) {
      this.anchors.push(this.count, t0Ms + i * period);
      const take = Math.min(this.blockSamples - this.count, samples.length - i);
      this.chunks.push(samples.subarray(i, i + take));
      this.count += take;
      i += take;
      this.nextT = t0Ms + i * period;
      if (this.count >= this.blockSamples) this.finish(store);
    }
  }

  /** Writes samples not yet on disk as a partial row. */
  writePartial(store: RecordingStore): void {
    if (this.count <= this.committed) return;
    const x = concatSamples(this.chunks, this.count, this.format === 'f32', this.committed);
    const data = encodeWave(x);
    this.partialIds.push(
      store.insertWaveBlock(
        {
          channelId: this.channelId,
          t0Ms: this.timeOf(this.committed),
          t1Ms: this.timeOf(this.count - 1),
          rateHz: this.rateHz,
          count: x.length,
          codec: data[0],
          scale: this.scale,
          offset: this.offset,
          data,
        },
        true,
      ),
    );
    this.committed = this.count;
  }

  /** Writes the whole open block and removes its partial rows. */
  finish(store: RecordingStore): void {
    if (this.count === 0) return;
    const x = concatSamples(this.chunks, this.count, this.format === 'f32');
    const data = encodeWave(x);
    store.insertWaveBlock(
      {
        channelId: this.channelId,
        t0Ms: this.timeOf(0),
        t1Ms: this.timeOf(this.count - 1),
        rateHz: this.rateHz,
        count: this.count,
        codec: data[0],
        scale: this.scale,
        offset: this.offset,
        data,
      },
      false,
    );
    store.deleteBlocks('wave_blocks', this.partialIds);
    this.chunks = [];
    this.count = 0;
    this.anchors = [];
    this.partialIds = [];
    this.committed = 0;
  }
}

/** Numerics (rows of [t, value, status]) or poses (rows of [t, quality, status, m0..m15]). */
export class SeriesAccumulator {
  rows: number[] = [];
  partialIds: number[] = [];
  committed = 0;

  constructor(
    readonly channelId: number,
    readonly table: 'numeric_blocks' | 'pose_blocks',
  ) {}

  get width(): number {
    return this.table === 'numeric_blocks' ? NUMERIC_WIDTH : POSE_WIDTH;
  }

  get count(): number {
    return this.rows.length / this.width;
  }

  /**
   * Pose blocks span up to 8 s (~5 KB at 60 Hz): a blob over one page goes to
   * full overflow pages, whereas a 4 s block (~2.6 KB) left a third of each page unused.
   */
  private get maxSpanMs(): number {
    return this.table === 'numeric_blocks' ? MAX_NUMERIC_BLOCK_MS : MAX_POSE_BLOCK_MS;
  }

  private get maxRows(): number {
    return this.table === 'numeric_blocks' ? 256 : 1024;
  }

  clone(): SeriesAccumulator {
    const c = new SeriesAccumulator(this.channelId, this.table);
    c.rows = this.rows.slice();
    c.partialIds = this.partialIds.slice();
    c.committed = this.committed;
    return c;
  }

  append(store: RecordingStore, flat: Float64Array): void {
    const w = this.width;
    for (let o = 0; o + w <= flat.length; o += w) {
      const t = flat[o];
      const n = this.count;
      if (n > 0) {
        const t0 = this.rows[0];
        const tLast = this.rows[(n - 1) * w];
        // Keep t0 the smallest time in a block and the span bounded, so range queries stay exact.
        if (t < tLast || t - t0 > this.maxSpanMs) this.finish(store);
      }
      for (let k = 0; k < w; k++) this.rows.push(flat[o + k]);
      if (this.count >= this.maxRows) this.finish(store);
    }
  }

  private encode(from: number, to: number): { t0: number; t1: number; data: Uint8Array } {
    const w = this.width;
    const n = to - from;
    const t = new Float64Array(n);
    if (this.table === 'numeric_blocks') {
      const v = new Float64Array(n);
      const s = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const o = (from + i) * w;
        t[i] = this.rows[o];
        v[i] = this.rows[o + 1];
        s[i] = this.rows[o + 2];
      }
      return { t0: t[0], t1: t[n - 1], data: encodeColumns([t, v, s]) };
    }
    const q = new Float32Array(n);
    const s = new Uint16Array(n);
    const m: Column[] = Array.from({ length: 16 }, () => new Float32Array(n));
    for (let i = 0; i < n; i++) {
      const o = (from + i) * w;
      t[i] = this.rows[o];
      q[i] = this.rows[o + 1];
      s[i] = this.rows[o + 2];
      for (let k = 0; k < 16; k++) m[k][i] = this.rows[o + 3 + k];
    }
    return { t0: t[0], t1: t[n - 1], data: encodeColumns([t, q, s, ...m]) };
  }

  writePartial(store: RecordingStore): void {
    const n = this.count;
    if (n <= this.committed) return;
    const { t0, t1, data } = this.encode(this.committed, n);
    this.partialIds.push(store.insertSeriesBlock(this.table, { channelId: this.channelId, t0Ms: t0, t1Ms: t1, count: n - this.committed, data }, true));
    this.committed = n;
  }

  finish(store: RecordingStore): void {
    const n = this.count;
    if (n === 0) return;
    const { t0, t1, data } = this.encode(0, n);
    store.insertSeriesBlock(this.table, { channelId: this.channelId, t0Ms: t0, t1Ms: t1, count: n, data }, false);
    store.deleteBlocks(this.table, this.partialIds);
    this.rows = [];
    this.partialIds = [];
    this.committed = 0;
  }
}
