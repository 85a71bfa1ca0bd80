/**
 * Minimal WFDB (PhysioNet) record reader: header (.hea) parsing and signal
 * files in formats 212, 16 and 80, with samples-per-frame, skew and byte offset;
 * multi-segment master headers and base times (used by `or-hub import`).
 * Reads files in place; used by codec tests and `npm run bench:record`.
 * Spec: https://physionet.org/physiotools/wag/header-5.htm, signal-5.htm.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WfdbSignal {
  fileName: string;
  /** 212 or 16. */
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  /** ADC units per physical unit (WFDB "gain"); physical = (raw - baseline) / gain. */
  gain: number;
  baseline: number;
  units: string;
  adcResolutionBits: number;
  adcZero: number;
  initialValue: number | undefined;
  checksum: number | undefined;
  description: string;
}

export interface WfdbHeader {
  name: string;
  /** Frame frequency, Hz. A signal's rate is frameHz * samplesPerFrame. */
  frameHz: number;
  /** Number of frames (0 when the header leaves it out). */
  frames: number;
  signals: WfdbSignal[];
  /** Base time and date of the record line ("HH:MM:SS[.sss]", "DD/MM/YYYY"), when given. */
  baseTime?: string;
  baseDate?: string;
  /** Comment lines (without '#'). */
  comments?: string[];
}

/** A multi-segment record: segments in order; name "~" is a null segment (a gap of that many frames). */
export interface WfdbMultiHeader {
  name: string;
  nsig: number;
  frameHz: number;
  frames: number;
  segments: { name: string; frames: number }[];
  baseTime?: string;
  baseDate?: string;
}

export interface WfdbChannel {
  signal: WfdbSignal;
  rateHz: number;
  /** Raw ADC counts (device resolution). */
  samples: Int32Array;
}

export class WfdbError extends Error {
  override name = 'WfdbError';
}

/** A header's lines, trimmed, without blank lines and comments. */
function headerLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Parses the text of a single-segment .hea file. Throws WfdbError on anything it cannot read. */
export function parseWfdbHeader(text: string): WfdbHeader {
  const lines = headerLines(text);
  if (lines.length === 0) throw new WfdbError('parseWfdbHeader: empty header');
  const rec = lines[0].split(/\s+/);
  const name = rec[0];
  if (name.includes('/')) throw new WfdbError(`parseWfdbHeader: multi-segment record ${name} is not supported`);
  const nsig = Number(rec[1]);
  if (!Number.isInteger(nsig) || nsig < 0) throw new WfdbError(`parseWfdbHeader: bad signal count ${rec[1]}`);
  const frameHz = rec[2] !== undefined ? Number(rec[2].split('/')[0]) : 250;
  const frames = rec[3] !== undefined ? Number(rec[3]) : 0;
  const signals: WfdbSignal[] = [];
  for (let i = 0; i < nsig; i++) {
    const line = lines[1 + i];
    if (line === undefined) throw new WfdbError(`parseWfdbHeader: ${name} declares ${nsig} signals, header has ${i}`);
    const f = line.split(/\s+/);
    const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(f[1] ?? '');
    if (!fm) throw new WfdbError(`parseWfdbHeader: ${name} signal ${i}: bad format field ${f[1]}`);
    const gm = /^([-+0-9.eE]+)?(?:\(([-+0-9]+)\))?(?:\/(\S+))?$/.exec(f[2] ?? '');
    const adcZero = f[4] !== undefined ? Number(f[4]) : 0;
    const gainRaw = gm?.[1] !== undefined ? Number(gm[1]) : 200;
    signals.push({
      fileName: f[0],
      format: Number(fm[1]),
      samplesPerFrame: fm[2] !== undefined ? Number(fm[2]) : 1,
      skew: fm[3] !== undefined ? Number(fm[3]) : 0,
      byteOffset: fm[4] !== undefined ? Number(fm[4]) : 0,
      gain: gainRaw === 0 ? 200 : gainRaw,
      baseline: gm?.[2] !== undefined ? Number(gm[2]) : adcZero,
      units: gm?.[3] ?? 'mV',
      adcResolutionBits: f[3] !== undefined ? Number(f[3]) : 12,
      adcZero,
      initialValue: f[5] !== undefined ? Number(f[5]) : undefined,
      checksum: f[6] !== undefined ? Number(f[6]) : undefined,
      description: f.slice(8).join(' '),
    });
  }
  const comments = text
    .split(/\r?\n/)
    .filter((l) => l.trim().startsWith('#'))
    .map((l) => l.trim().slice(1).trim());
  return { name, frameHz, frames, signals, baseTime: rec[4], baseDate: rec[5], comments };
}

/** True when a header text is a multi-segment master header ("name/nseg ..."). */
export function isMultiSegment(text: string): boolean {
  const first = headerLines(text)[0];
  return first !== undefined && /^\S+\/\d+\s/.test(first);
}

/** Parses a multi-segment master header: record line "name/nseg nsig fs frames [time date]", then one line per segment. */
export function parseWfdbMultiHeader(text: string): WfdbMultiHeader {
  const lines = headerLines(text);
  const rec = (lines[0] ?? '').split(/\s+/);
  const m = /^(\S+)\/(\d+)$/.exec(rec[0] ?? '');
  if (!m) throw new WfdbError(`parseWfdbMultiHeader: ${rec[0]} is not a multi-segment record line`);
  const nseg = Number(m[2]);
  const segments: { name: string; frames: number }[] = [];
  for (let i = 0; i < nseg; i++) {
    const f = (lines[1 + i] ?? '').split(/\s+/);
    if (f.length < 2 || !/^\d+$/.test(f[1]))
      throw new WfdbError(`parseWfdbMultiHeader: ${m[1]} declares ${nseg} segments, segment line ${i + 1} is "${lines[1 + i] ?? ''}"`);
    segments.push({ name: f[0], frames: Number(f[1]) });
  }
  return {
    name: m[1],
    nsig: Number(rec[1]),
    frameHz: Number((rec[2] ?? '250').split('/')[0]),
    frames: Number(rec[3] ?? 0),
    segments,
    baseTime: rec[4],
    baseDate: rec[5],
  };
}

/** Unix ms of a record's base time and date (taken as UTC), or undefined when the header gives none. */
export function wfdbBaseMs(baseTime: string | undefined, baseDate: string | undefined): number | undefined {
  if (!baseTime) return undefined;
  const t = /^(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(baseTime) ?? /^(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(baseTime);
  if (!t) return undefined;
  const [h, mi, se] = t.length === 4 ? [Number(t[1]), Number(t[2]), Number(t[3])] : [0, Number(t[1]), Number(t[2])];
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(baseDate ?? '');
  const day = d ? Date.UTC(Number(d[3]), Number(d[2]) - 1, Number(d[1])) : Date.UTC(2000, 0, 1);
  return day + ((h * 60 + mi) * 60 + se) * 1000;
}

/** Decodes `count` 12-bit values packed as format 212 (two samples in three bytes). */
function unpack212(bytes: Uint8Array, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0, b = 0; i < count; i += 2, b += 3) {
    const b0 = bytes[b],
      b1 = bytes[b + 1],
      b2 = bytes[b + 2];
    const s0 = b0 | ((b1 & 0x0f) << 8);
    out[i] = s0 & 0x800 ? s0 - 0x1000 : s0;
    if (i + 1 < count) {
      const s1 = b2 | ((b1 & 0xf0) << 4);
      out[i + 1] = s1 & 0x800 ? s1 - 0x1000 : s1;
    }
  }
  return out;
}

/**
 * Reads every signal of a record. `dir` holds the .hea and signal files.
 * Signals sharing a file are de-interleaved by frame. Skew is applied by
 * dropping the first `skew` frames' samples of that signal.
 */
export function readWfdbRecord(dir: string, name: string): { header: WfdbHeader; channels: WfdbChannel[] } {
  const header = parseWfdbHeader(fs.readFileSync(path.join(dir, `${name}.hea`), 'utf8'));
  const byFile = new Map<string, number[]>();
  header.signals.forEach((s, i) => byFile.set(s.fileName, [...(byFile.get(s.fileName) ?? []), i]));
  const channels: WfdbChannel[] = new Array(header.signals.length);
  for (const [fileName, idx] of byFile) {
    const sigs = idx.map((i) => header.signals[i]);
    const fmt = sigs[0].format;
    if (sigs.some((s) => s.format !== fmt)) throw new WfdbError(`readWfdbRecord: ${fileName} mixes formats`);
    if (fmt !== 212 && fmt !== 16 && fmt !== 80) throw new WfdbError(`readWfdbRecord: format ${fmt} is not supported (212, 16 and 80 are)`);
    const raw = fs.readFileSync(path.join(dir, fileName));
    const data = new Uint8Array(raw.buffer, raw.byteOffset + sigs[0].byteOffset, raw.byteLength - sigs[0].byteOffset);
    const perFrame = sigs.reduce((a, s) => a + s.samplesPerFrame, 0);
    const values =
      fmt === 212
        ? unpack212(data, Math.floor((data.byteLength * 2) / 3))
        : fmt === 80
          ? Int32Array.from(data, (b) => b - 128)
          : new Int32Array(Int16Array.from(new Int16Array(data.slice(0, data.byteLength & ~1).buffer)));
    let frames = Math.floor(values.length / perFrame);
    if (header.frames > 0) frames = Math.min(frames, header.frames);
    let col = 0;
    for (const [k, s] of sigs.entries()) {
      const n = frames * s.samplesPerFrame;
      const out = new Int32Array(Math.max(0, n - s.skew * s.samplesPerFrame));
      let o = 0;
      for (let fr = 0; fr < frames; fr++) {
        const base = fr * perFrame + col;
        for (let j = 0; j < s.samplesPerFrame; j++) {
          const at = fr * s.samplesPerFrame + j - s.skew * s.samplesPerFrame;
          if (at >= 0) out[o++] = values[base + j];
        }
      }
      channels[idx[k]] = { signal: s, rateHz: header.frameHz * s.samplesPerFrame, samples: out };
      col += s.samplesPerFrame;
    }
  }
  return { header, channels };
}

/** WFDB checksum: 16-bit signed sum of all samples of a signal. */
export function wfdbChecksum(samples: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]) & 0xffff;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}

/** Where the read-only shared data lives: ../shared beside the repository root. */
export function sharedDir(): string {
  return path.resolve(__dirname, '../../../shared');
}

/** The WFDB sample folder, or undefined when shared/ is absent (callers skip with a message). */
export function wfdbDir(): string | undefined {
  const d = path.join(sharedDir(), 'data/waveforms/wfdb');
  return fs.existsSync(path.join(d, '100.hea')) ? d : undefined;
}
