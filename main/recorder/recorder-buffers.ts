/**
 * The recorder's batching (recorder.ts): per-channel buffers of waveform samples, numerics and poses,
 * and the rows, filled on the hub thread and taken as one batch for the worker (typed arrays to transfer).
 */
import type { WaveBlock } from '../hub/sink';
import { type Batch, type RowItem, type SampleFormatName, type SeriesEntry, type WaveEntry, NUMERIC_WIDTH, POSE_WIDTH } from './protocol';

const FORMAT_OF = (raw: WaveBlock['raw']): SampleFormatName => (raw instanceof Int16Array ? 'i16' : raw instanceof Int32Array ? 'i32' : 'f32');

class WaveBuf {
  samples: Int16Array | Int32Array | Float32Array;
  n = 0;
  frames = new Float64Array(16);
  nf = 0;
  constructor(
    readonly deviceId: string,
    readonly channel: number,
    readonly rateHz: number,
    readonly scale: number,
    readonly offset: number,
    readonly format: SampleFormatName,
    capacity: number,
  ) {
    const C = format === 'i16' ? Int16Array : format === 'i32' ? Int32Array : Float32Array;
    this.samples = new C(Math.max(64, capacity));
  }

  push(t0: number, raw: Int16Array | Int32Array | Float32Array): void {
    if (this.n + raw.length > this.samples.length) {
      const C = this.samples.constructor as Int16ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor;
      const next = new C(Math.max(this.samples.length * 2, this.n + raw.length));
      next.set(this.samples.subarray(0, this.n));
      this.samples = next;
    }
    this.samples.set(raw, this.n);
    this.n += raw.length;
    if (this.nf + 2 > this.frames.length) {
      const next = new Float64Array(this.frames.length * 2);
      next.set(this.frames);
      this.frames = next;
    }
    this.frames[this.nf++] = t0;
    this.frames[this.nf++] = raw.length;
  }
}

class SeriesBuf {
  rows: Float64Array;
  n = 0;
  constructor(
    readonly deviceId: string,
    readonly channel: number,
    readonly width: number,
  ) {
    this.rows = new Float64Array(width * 16);
  }

  reserve(): number {
    if (this.n + this.width > this.rows.length) {
      const next = new Float64Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    const at = this.n;
    this.n += this.width;
    return at;
  }
}

/** What was buffered since the last batch, and its size in bytes (the recorder's bound counts it). */
export class BatchBuffer {
  private waves = new Map<string, WaveBuf>();
  private numerics = new Map<string, SeriesBuf>();
  private poses = new Map<string, SeriesBuf>();
  private rows: RowItem[] = [];
  private maxT = -Infinity;
  bytes = 0;

  /** `flushMs`: the batch interval, to size a new waveform buffer. */
  constructor(private readonly flushMs: number) {}

  get empty(): boolean {
    return this.rows.length === 0 && this.waves.size === 0 && this.numerics.size === 0 && this.poses.size === 0;
  }

  wave(block: WaveBlock): void {
    const format = FORMAT_OF(block.raw);
    const key = `${block.deviceId}\u0000${block.channel}\u0000${format}\u0000${block.scale}\u0000${block.offset}\u0000${block.rateHz}`;
    const tEnd = block.t0HubMs + ((block.raw.length - 1) * 1000) / block.rateHz;
    let b = this.waves.get(key);
    if (!b) {
      b = new WaveBuf(block.deviceId, block.channel, block.rateHz, block.scale, block.offset, format, Math.ceil((block.rateHz * this.flushMs) / 1000) * 2);
      this.waves.set(key, b);
    }
    b.push(block.t0HubMs, block.raw);
    this.bytes += block.raw.byteLength + 16;
    if (tEnd > this.maxT) this.maxT = tEnd;
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    const b = this.series(this.numerics, deviceId, channel, NUMERIC_WIDTH);
    const at = b.reserve();
    b.rows[at] = tHubMs;
    b.rows[at + 1] = value;
    b.rows[at + 2] = status;
    this.bytes += NUMERIC_WIDTH * 8;
    if (tHubMs > this.maxT) this.maxT = tHubMs;
  }

  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, matrix: Float32Array): void {
    const b = this.series(this.poses, deviceId, channel, POSE_WIDTH);
    const at = b.reserve();
    b.rows[at] = tHubMs;
    b.rows[at + 1] = quality;
    b.rows[at + 2] = status;
    for (let k = 0; k < 16; k++) b.rows[at + 3 + k] = matrix[k];
    this.bytes += POSE_WIDTH * 8;
    if (tHubMs > this.maxT) this.maxT = tHubMs;
  }

  /** A row (device state, setting, alarm, event, gap...) at hub time `tMs`. */
  row(r: RowItem, tMs: number): void {
    this.rows.push(r);
    this.bytes += 256;
    if (tMs > this.maxT) this.maxT = tMs;
  }

  /** A row outside the byte count (the recorder's own overflow gaps). */
  pushRow(r: RowItem): void {
    this.rows.push(r);
  }

  /** Everything buffered as one batch with the buffers to transfer and its size; the buffer starts empty again. */
  take(): { batch: Batch; transfer: ArrayBuffer[]; bytes: number } {
    const transfer: ArrayBuffer[] = [];
    const waves: WaveEntry[] = [];
    for (const b of this.waves.values()) {
      const samples = b.samples.slice(0, b.n);
      const frames = b.frames.slice(0, b.nf);
      transfer.push(samples.buffer as ArrayBuffer, frames.buffer as ArrayBuffer);
      waves.push({ deviceId: b.deviceId, channel: b.channel, rateHz: b.rateHz, scale: b.scale, offset: b.offset, format: b.format, samples, frames });
    }
    const series = (m: Map<string, SeriesBuf>): SeriesEntry[] =>
      [...m.values()].map((b) => {
        const rows = b.rows.slice(0, b.n);
        transfer.push(rows.buffer as ArrayBuffer);
        return { deviceId: b.deviceId, channel: b.channel, rows };
      });
    const batch: Batch = { rows: this.rows, waves, numerics: series(this.numerics), poses: series(this.poses), maxTMs: this.maxT };
    const bytes = this.bytes;
    this.rows = [];
    this.waves = new Map();
    this.numerics = new Map();
    this.poses = new Map();
    this.bytes = 0;
    return { batch, transfer, bytes };
  }

  private series(map: Map<string, SeriesBuf>, deviceId: string, channel: number, width: number): SeriesBuf {
    const key = `${deviceId}\u0000${channel}`;
    let b = map.get(key);
    if (!b) {
      b = new SeriesBuf(deviceId, channel, width);
      map.set(key, b);
    }
    return b;
  }
}
