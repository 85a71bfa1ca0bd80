/**
 * Decoder of the Ivy Biomedical 450C patient monitor's serial output (the "ANSAR-B" stream,
 * 9600 baud 8N1, one block a second). Pure: bytes in, messages or coded errors out; never throws.
 *
 * A block, as OpenICE's AnsarB parser reads it (mdpnp/mdpnp, org.mdpnp.devices.cpc.ansarB.AnsarB):
 *   0xFF · "ANSAR-B " · 400 waveform bytes · ASCII parameter lines, each ended by CR · 0xFE
 * The waveform bytes are one second of ECG (200 samples, 200 Hz), respiration, pleth, P1 and P2
 * (50 samples each, 50 Hz), one unsigned byte per sample. A parameter line is
 * `NAME=mode;field;...;label;alarm;`, e.g. `NIBP=4;121;75;92;80;;` (systolic, diastolic, mean,
 * pulse rate; empty label and alarm). Empty fields mean "no value".
 *
 * Framing is checked more strictly than OpenICE does, so that the decoder resynchronises after
 * junk or a cut: the start byte must be followed by the "ANSAR-B " header; a block that meets the
 * next block's start+header before its end byte is reported truncated; the text part may hold only
 * printable ASCII and CR/LF. OpenICE skips the last line of each block (its line loop stops one
 * byte early); this decoder reads every line.
 */
import type { StreamDecoder, StreamResult } from './stream-decoder';

export type Ivy450cErrorCode =
  /** Bytes outside any block (discarded until the next start byte). */
  | 'IVY_JUNK'
  /** A start byte not followed by "ANSAR-B " (the byte is skipped). */
  | 'IVY_BAD_HEADER'
  /** A block cut short: the next block (or the end of the stream) came before its end byte. */
  | 'IVY_TRUNCATED'
  /** A byte that cannot be in the text part (not printable ASCII, CR or LF). */
  | 'IVY_BAD_TEXT'
  /** No end byte within MAX_TEXT_BYTES of text. */
  | 'IVY_OVERLONG'
  /** A parameter line without NAME= or with too few fields (the line is ignored). */
  | 'IVY_BAD_LINE'
  /** A well-formed line with a name this decoder does not know (kept in unknownLines). */
  | 'IVY_UNKNOWN_LINE'
  /** A field that should be a number and is not (read as no value). */
  | 'IVY_BAD_NUMBER';

export const IVY_START = 0xff;
export const IVY_END = 0xfe;
export const IVY_HEADER = 'ANSAR-B ';
const HEADER = [...IVY_HEADER].map((c) => c.charCodeAt(0));
/** Start byte + header. */
const PREFIX = [IVY_START, ...HEADER];
export const IVY_WAVE_BYTES = 400;
/** Offset of the text part in a block. */
const TEXT_AT = PREFIX.length + IVY_WAVE_BYTES;
/** Longest text part accepted (a real block has about 150 bytes). */
export const MAX_TEXT_BYTES = 2048;
/** Junk is reported at least every this many bytes. */
const JUNK_REPORT_BYTES = 4096;

export type IvyWaveName = 'ecg' | 'resp' | 'pleth' | 'p1' | 'p2';

/** Where each waveform lies in the 400 waveform bytes, and its sample rate. */
export const IVY_WAVES: readonly { name: IvyWaveName; at: number; count: number; rateHz: number }[] = [
  { name: 'ecg', at: 0, count: 200, rateHz: 200 },
  { name: 'resp', at: 200, count: 50, rateHz: 50 },
  { name: 'pleth', at: 250, count: 50, rateHz: 50 },
  { name: 'p1', at: 300, count: 50, rateHz: 50 },
  { name: 'p2', at: 350, count: 50, rateHz: 50 },
];
/** Seconds of signal in one block. */
export const IVY_BLOCK_SECONDS = 1;

/** What every parameter line carries besides its values. */
export interface IvyParam {
  /** The number after NAME= (a status or mode the monitor reports; null when absent). */
  mode: number | null;
  /** Free text the monitor shows with the value, e.g. "APNEA: 20 SEC", "NO TRANSDUCER". */
  label: string;
  alarm: string;
}
export type IvyValue = IvyParam & { value: number | null };
export type IvyPressure = IvyParam & { sys: number | null; dia: number | null; mean: number | null };

export interface Ivy450cMessage {
  /** Raw samples, one unsigned byte each (scaling: the driver's channel descriptors). */
  waves: Record<IvyWaveName, Uint8Array>;
  /** HR line; `lead` and `filter` from its label, e.g. "ECG-II-DIAG" → "II", "DIAG". */
  hr?: IvyValue & { lead: string | null; filter: string | null };
  rr?: IvyValue;
  etco2?: IvyValue;
  /** SPO2 line; the pulse rate comes from its label, "PR=80". */
  spo2?: IvyValue & { pulseRate: number | null };
  nibp?: IvyPressure & { pulse: number | null };
  p1?: IvyPressure;
  p2?: IvyPressure;
  /** Temperatures, °C. */
  t1?: IvyValue;
  t2?: IvyValue;
  /** Well-formed lines with unknown names, as received. */
  unknownLines: string[];
}

export type Ivy450cResult = StreamResult<Ivy450cMessage, Ivy450cErrorCode>;

const isText = (b: number) => (b >= 0x20 && b <= 0x7e) || b === 0x0d || b === 0x0a;

/** Index of the start+header prefix in buf[from, len), or -1. */
function findPrefix(buf: Uint8Array, from: number, len: number): number {
  outer: for (let i = from; i + PREFIX.length <= len; i++) {
    for (let k = 0; k < PREFIX.length; k++) if (buf[i + k] !== PREFIX[k]) continue outer;
    return i;
  }
  return -1;
}

type LineErrors = { code: Ivy450cErrorCode; detail: string }[];

function num(s: string | undefined, what: string, errs: LineErrors, float = false): number | null {
  const t = (s ?? '').trim();
  if (t === '') return null;
  if (!(float ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/).test(t)) {
    errs.push({ code: 'IVY_BAD_NUMBER', detail: `${what}: "${t.slice(0, 20)}" is not a number` });
    return null;
  }
  return Number(t);
}

/** Fields each known line needs (its name field included), as OpenICE requires. */
const LINE_FIELDS: Record<string, number> = { HR: 4, RR: 4, ETCO2: 4, SPO2: 4, T1: 4, T2: 4, NIBP: 7, P1: 6, P2: 6 };

/** Parses one parameter line into `m`. */
export function parseIvyLine(line: string, m: Ivy450cMessage, errs: LineErrors): void {
  const f = line.split(';');
  const eq = f[0].indexOf('=');
  const name = eq > 0 ? f[0].slice(0, eq) : '';
  if (!/^[A-Z][A-Z0-9]{0,15}$/.test(name)) {
    errs.push({ code: 'IVY_BAD_LINE', detail: `line "${line.slice(0, 40)}" has no NAME=` });
    return;
  }
  const need = LINE_FIELDS[name];
  if (need === undefined) {
    errs.push({ code: 'IVY_UNKNOWN_LINE', detail: `unknown parameter ${name}` });
    if (m.unknownLines.length < 32) m.unknownLines.push(line);
    return;
  }
  if (f.length < need) {
    errs.push({ code: 'IVY_BAD_LINE', detail: `${name} line has ${f.length} fields, needs ${need}` });
    return;
  }
  const mode = num(f[0].slice(eq + 1), `${name} mode`, errs);
  const n = (i: number, float = false) => num(f[i], `${name} field ${i}`, errs, float);
  const tail = (i: number): IvyParam => ({ mode, label: f[i].trim(), alarm: (f[i + 1] ?? '').trim() });
  switch (name) {
    case 'HR': {
      const label = f[2].trim();
      const ecg = /^ECG-([A-Z0-9]+)(?:-(.+))?$/.exec(label);
      m.hr = { ...tail(2), value: n(1), lead: ecg?.[1] ?? null, filter: ecg?.[2] ?? null };
      break;
    }
    case 'RR':
      m.rr = { ...tail(2), value: n(1) };
      break;
    case 'ETCO2':
      m.etco2 = { ...tail(2), value: n(1) };
      break;
    case 'SPO2': {
      const pr = /^PR=(.*)$/.exec(f[2].trim());
      m.spo2 = { ...tail(2), value: n(1), pulseRate: pr ? num(pr[1], 'SPO2 pulse rate', errs) : null };
      break;
    }
    case 'NIBP':
      m.nibp = { ...tail(5), sys: n(1), dia: n(2), mean: n(3), pulse: n(4) };
      break;
    case 'P1':
    case 'P2': {
      const p = { ...tail(4), sys: n(1), dia: n(2), mean: n(3) };
      if (name === 'P1') m.p1 = p;
      else m.p2 = p;
      break;
    }
    case 'T1':
    case 'T2': {
      const t = { ...tail(2), value: n(1, true) };
      if (name === 'T1') m.t1 = t;
      else m.t2 = t;
      break;
    }
  }
}

/** Builds the message of one complete block: block[0] is the start byte, block ends before the end byte. */
function decodeBlock(block: Uint8Array, errs: LineErrors): Ivy450cMessage {
  const w = block.subarray(PREFIX.length, TEXT_AT);
  const waves = Object.fromEntries(IVY_WAVES.map((d) => [d.name, w.slice(d.at, d.at + d.count)])) as Record<IvyWaveName, Uint8Array>;
  const m: Ivy450cMessage = { waves, unknownLines: [] };
  const text = String.fromCharCode(...block.subarray(TEXT_AT));
  for (const line of text.split(/\r\n?|\n/)) if (line.trim() !== '') parseIvyLine(line, m, errs);
  return m;
}

/** The Ivy 450C stream decoder: feed it serial bytes as they come. */
export class Ivy450cDecoder implements StreamDecoder<Ivy450cMessage, Ivy450cErrorCode> {
  private buf = new Uint8Array(TEXT_AT + MAX_TEXT_BYTES + 1);
  private len = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private junkAt = 0;
  private junk = 0;

  push(bytes: Uint8Array): Ivy450cResult[] {
    const out: Ivy450cResult[] = [];
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(bytes.length - i, this.buf.length - this.len);
      this.buf.set(bytes.subarray(i, i + n), this.len);
      this.len += n;
      i += n;
      this.process(out);
    }
    return out;
  }

  flush(): Ivy450cResult[] {
    const out: Ivy450cResult[] = [];
    this.process(out);
    if (this.len > 0) out.push(this.error('IVY_TRUNCATED', `stream ended ${this.len} bytes into a block`, this.len));
    this.discard(this.len);
    this.reportJunk(out);
    return out;
  }

  private error(code: Ivy450cErrorCode, detail: string, bytes: number, offset = this.base): Ivy450cResult {
    return { ok: false, code, detail, offset, bytes };
  }

  private discard(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.base += n;
  }

  private reportJunk(out: Ivy450cResult[]): void {
    if (this.junk === 0) return;
    out.push(this.error('IVY_JUNK', `${this.junk} bytes outside any block`, this.junk, this.junkAt));
    this.junk = 0;
  }

  private skipJunk(n: number, out: Ivy450cResult[]): void {
    if (this.junk === 0) this.junkAt = this.base;
    this.junk += n;
    this.discard(n);
    if (this.junk >= JUNK_REPORT_BYTES) this.reportJunk(out);
  }

  /** Takes every complete block (and every framing error) off the front of the buffer. */
  private process(out: Ivy450cResult[]): void {
    const b = this.buf;
    for (;;) {
      if (this.len === 0) return;
      if (b[0] !== IVY_START) {
        const at = b.subarray(0, this.len).indexOf(IVY_START);
        this.skipJunk(at < 0 ? this.len : at, out);
        if (at < 0) return;
      }
      this.reportJunk(out);
      // b[0] is a start byte: its header must follow.
      const have = Math.min(this.len, PREFIX.length);
      let headerOk = true;
      for (let k = 1; k < have; k++) if (b[k] !== PREFIX[k]) headerOk = false;
      if (!headerOk) {
        out.push(this.error('IVY_BAD_HEADER', 'start byte not followed by "ANSAR-B "', 1));
        this.discard(1);
        continue;
      }
      if (this.len < PREFIX.length) return;
      // The next block's start+header before this one's end: this one was cut short.
      const next = findPrefix(b, 1, this.len);
      let end = -1;
      let bad = -1;
      for (let k = TEXT_AT; k < this.len && (next < 0 || k < next); k++) {
        if (b[k] === IVY_END) {
          end = k;
          break;
        }
        if (!isText(b[k])) {
          bad = k;
          break;
        }
      }
      if (end >= 0) {
        const errs: LineErrors = [];
        const message = decodeBlock(b.subarray(0, end), errs);
        out.push({ ok: true, message, offset: this.base });
        for (const e of errs) out.push(this.error(e.code, e.detail, 0));
        this.discard(end + 1);
        continue;
      }
      // (bad lies before next: the scan stops there)
      if (bad >= 0) {
        out.push(this.error('IVY_BAD_TEXT', `byte 0x${b[bad].toString(16).padStart(2, '0')} in the text part`, bad + (b[bad] === IVY_START ? 0 : 1)));
        this.discard(bad + (b[bad] === IVY_START ? 0 : 1));
        continue;
      }
      if (next >= 0) {
        out.push(this.error('IVY_TRUNCATED', `block cut after ${next} bytes by the next block`, next));
        this.discard(next);
        continue;
      }
      if (this.len - TEXT_AT > MAX_TEXT_BYTES) {
        out.push(this.error('IVY_OVERLONG', `no end byte within ${MAX_TEXT_BYTES} bytes of text`, 1));
        this.discard(1);
        continue;
      }
      return;
    }
  }
}
