/**
 * Export of the wave channels to EDF+ (EDF+C, or EDF+D when the data has holes), with events,
 * alarms, gaps, device states and the team's annotations as TALs in an "EDF Annotations" signal.
 * Spec: https://www.edfplus.info/specs/edfplus.html.
 *
 * Scaling: a channel whose blocks share one scale/offset and whose raw counts fit 16 bits is
 * written count for count (digital = raw - c; physical min/max are the counts' values at the
 * digital limits), so no sample is clipped or rounded. Other channels (several scales, float
 * samples, counts wider than 16 bits) are quantised over their physical range (reported as lossy).
 * Records: duration D chosen so every rate x D is an integer and a record stays within 61,440
 * bytes. A record begins where the data (re)starts: after a hole no record is written, and the
 * next record's time-keeping TAL gives its exact start. A missing sample inside a record (one
 * device silent) is written as the digital minimum; the gap itself is an annotation.
 */
import { ExportSource, type WaveBlock } from './export-source';
import { OutFile } from './out-file';
import { timelineTotals, waveParams } from './store-queries';
import { StoreError } from '../recorder/store';

export const MAX_RECORD_BYTES = 61440;
const DURATIONS = [1, 2, 4, 5, 10, 20, 0.5, 0.25, 0.2, 0.125, 0.1, 0.05, 0.04, 0.025, 0.02, 0.01];
/** Bytes of text per TAL (longer texts are cut at a character boundary). */
const MAX_TEXT_BYTES = 200;
/** Room for the time-keeping TAL and one TAL of the longest text: every annotation fits in a record. */
const MIN_ANNOTATION_BYTES = 24 + 48 + MAX_TEXT_BYTES;
const DMIN = -32768;
const DMAX = 32767;
if (new Uint8Array(new Int16Array([1]).buffer)[0] !== 1) throw new Error('edf-export: needs a little-endian platform (EDF samples are little-endian)');

interface Signal {
  channelId: number;
  label: string;
  unit: string;
  mdc: string;
  rateHz: number;
  perRecord: number;
  /** digital = round((value - base) / step): exact mode has step = scale, base = offset + c * scale. */
  exact: boolean;
  scale: number;
  offset: number;
  c: number;
  pmin: number;
  pmax: number;
  blocks: Generator<WaveBlock>;
  cur: WaveBlock | undefined;
  i: number;
  /** Slot (in the current record) right after the last sample written; NaN after a new start. */
  nextJ: number;
}

export interface EdfReport {
  /** Hub time of the first record's start (before any de-identification shift). */
  startMs: number;
  signals: number;
  records: number;
  recordSeconds: number;
  discontinuous: boolean;
  annotations: number;
  lossy: string[];
}

const EDF_UNITS: Record<string, string> = { 'mm[Hg]': 'mmHg', 'cm[H2O]': 'cmH2O', Cel: 'degC', '1': '' };

function ascii(s: string, n: number): string {
  return s
    .replace(/[^\x20-\x7e]/g, '_')
    .slice(0, n)
    .padEnd(n, ' ');
}

/** A number in at most 8 characters, as close as the field allows. */
export function edfNumber(v: number): string {
  if (Number.isInteger(v) && String(v).length <= 8) return String(v);
  for (let p = 8; p >= 1; p--) {
    let s = v.toPrecision(p);
    if (s.includes('e')) s = Number(s).toString();
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    if (s.length <= 8) return s;
  }
  throw new StoreError(`EDF: ${v} does not fit an 8-character header field`, 'REC_EDF_RANGE');
}

/** At most `max` UTF-8 bytes of s, cut at a character boundary. */
function cutUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    n += Buffer.byteLength(ch);
    if (n > max) break;
    out += ch;
  }
  return out;
}

function seconds(ms: number): string {
  const s = (ms / 1000).toFixed(7).replace(/0+$/, '').replace(/\.$/, '');
  return ms >= 0 ? `+${s}` : s;
}

/** Raw range of a channel (one decoding pass; only for channels not stored as 16-bit counts). */
function rawRange(src: ExportSource, channelId: number): { min: number; max: number; integer: boolean; pmin: number; pmax: number } {
  let min = Infinity,
    max = -Infinity,
    pmin = Infinity,
    pmax = -Infinity;
  let integer = true;
  for (const b of src.waveBlocks(channelId)) {
    for (let i = 0; i < b.samples.length; i++) {
      const v = b.samples[i];
      if (!Number.isFinite(v)) continue;
      if (!Number.isInteger(v)) integer = false;
      if (v < min) min = v;
      if (v > max) max = v;
      const p = v * b.scale + b.offset;
      if (p < pmin) pmin = p;
      if (p > pmax) pmax = p;
    }
  }
  return { min, max, integer, pmin, pmax };
}

function makeSignal(src: ExportSource, c: ExportSource['channels'][number], lossy: string[]): Signal {
  const params = waveParams(src.store, c.id);
  if (params.length === 0) throw new StoreError(`EDF: channel ${c.label || c.id} has no samples in the recording`, 'REC_EDF_EMPTY');
  const rateHz = c.rateHz ?? params[0].rateHz;
  if (params.some((p) => p.rateHz !== rateHz)) lossy.push(`${c.label}: blocks at other rates than ${rateHz} Hz are left out`);
  const same = params.filter((p) => p.rateHz === rateHz);
  const one = same.every((p) => p.scale === same[0].scale && p.offset === same[0].offset);
  let exact = one && c.format === 'i16';
  let cShift = 0;
  let pmin = 0,
    pmax = 0;
  const { scale, offset } = same[0];
  if (!exact) {
    const r = rawRange(src, c.id);
    if (one && r.integer && Number.isFinite(r.min) && r.max - r.min <= DMAX - DMIN - 1) {
      exact = true;
      cShift = r.min > DMIN && r.max <= DMAX ? 0 : r.min - (DMIN + 1);
    } else {
      pmin = Number.isFinite(r.pmin) ? r.pmin : -1;
      pmax = Number.isFinite(r.pmax) && r.pmax > pmin ? r.pmax : pmin + 1;
      pmin = Number(edfNumber(pmin));
      pmax = Number(edfNumber(pmax));
      if (pmax <= pmin) pmax = pmin + 1;
      lossy.push(
        `${c.label}: ${one ? 'samples are not 16-bit integer counts' : 'scale changes within the channel'}; quantised to 16 bits over [${pmin}, ${pmax}]`,
      );
    }
  }
  if (exact) {
    pmin = (DMIN + cShift) * scale + offset;
    pmax = (DMAX + cShift) * scale + offset;
  }
  return {
    channelId: c.id,
    label: c.label || c.mdc || `${c.deviceId}/${c.channel}`,
    unit: EDF_UNITS[c.unit] ?? c.unit,
    mdc: c.mdc,
    rateHz,
    perRecord: 0,
    exact,
    scale,
    offset,
    c: cShift,
    pmin,
    pmax,
    blocks: src.waveBlocks(c.id),
    cur: undefined,
    i: 0,
    nextJ: NaN,
  };
}

/** Time of sample i of block b (hub ms). */
const sampleTime = (b: WaveBlock, i: number) => (b.samples.length > 1 ? b.t0Ms + (i * (b.t1Ms - b.t0Ms)) / (b.samples.length - 1) : b.t0Ms);

/** Time of the signal's next sample, advancing through blocks; undefined when it has no more. */
function peek(s: Signal): number | undefined {
  while (!s.cur || s.i >= s.cur.samples.length) {
    const n = s.blocks.next();
    if (n.done) return undefined;
    s.cur = n.value;
    s.i = 0;
    if (n.value.rateHz !== s.rateHz) s.cur = undefined;
  }
  return sampleTime(s.cur, s.i);
}

/** Digital values of samples [i, i + m) of block b into d[k, k + m). */
function digitise(s: Signal, b: WaveBlock, i: number, m: number, d: Int16Array, k: number): void {
  const x = b.samples;
  if (s.exact && s.c === 0) d.set(x.subarray(i, i + m), k);
  else if (s.exact) for (let n = 0; n < m; n++) d[k + n] = x[i + n] - s.c;
  else {
    for (let n = 0; n < m; n++) {
      const p = x[i + n] * b.scale + b.offset;
      const v = Math.round(((p - s.pmin) / (s.pmax - s.pmin)) * (DMAX - DMIN) + DMIN);
      d[k + n] = v < DMIN ? DMIN : v > DMAX ? DMAX : v;
    }
  }
}

/**
 * Writes the signal's samples that fall in the record starting at R into d[base, base + perRecord) (filled with
 * DMIN first). Consecutive samples take consecutive slots while their time stays within one slot of it
 * (hub-time jitter); beyond that (a hole, clock drift) the time decides the slot. Samples are copied in runs:
 * along a block the distance between a sample's time slot and its consecutive slot changes monotonically, so a run
 * whose last sample is within one slot holds only such samples. Returns whether any sample was written.
 */
function fillRecord(s: Signal, R: number, d: Int16Array, base: number): boolean {
  const period = 1000 / s.rateHz;
  const slot = (t: number) => Math.round((t - R) / period);
  d.fill(DMIN, base, base + s.perRecord);
  let any = false;
  for (let t = peek(s); t !== undefined; t = peek(s)) {
    const b = s.cur!;
    const jt = slot(t);
    const j = Math.abs(jt - s.nextJ) <= 1 ? s.nextJ : jt;
    if (j >= s.perRecord) break;
    let m = Math.min(b.samples.length - s.i, s.perRecord - j);
    if (j < 0 || (m > 1 && Math.abs(slot(sampleTime(b, s.i + m - 1)) - (j + m - 1)) > 1)) m = 1;
    if (j >= 0) {
      digitise(s, b, s.i, m, d, base + j);
      any = true;
    }
    s.nextJ = j + m;
    s.i += m;
  }
  return any;
}

export function exportEdf(src: ExportSource, out: string): EdfReport {
  const lossy: string[] = [];
  const sigs = src.channels.filter((c) => c.kind === 'wave').map((c) => makeSignal(src, c, lossy));
  if (sigs.length === 0) throw new StoreError('EDF: the selection holds no waveform channels (numerics go to CSV or JSON)', 'REC_EDF_EMPTY');
  const dataBytes = (d: number) => sigs.reduce((a, s) => a + Math.round(s.rateHz * d) * 2, 0);
  const integral = (d: number) => sigs.every((s) => Math.abs(s.rateHz * d - Math.round(s.rateHz * d)) < 1e-9 && Math.round(s.rateHz * d) >= 1);
  const D = DURATIONS.find((d) => integral(d) && dataBytes(d) + MIN_ANNOTATION_BYTES <= MAX_RECORD_BYTES);
  if (D === undefined)
    throw new StoreError(
      `EDF: no record duration fits rates ${sigs.map((s) => s.rateHz).join(', ')} Hz within ${MAX_RECORD_BYTES} bytes per record`,
      'REC_EDF_RATES',
    );
  for (const s of sigs) s.perRecord = Math.round(s.rateHz * D);
  const Dms = D * 1000;
  const totals = timelineTotals(src.store, src.fromMs, src.toMs);
  const estRecords = Math.max(1, Math.ceil((src.toMs - src.fromMs) / Dms) + 1);
  const room = MAX_RECORD_BYTES - dataBytes(D);
  let annBytes = Math.max(MIN_ANNOTATION_BYTES, 24 + Math.ceil((1.5 * (totals.textBytes + 40 * totals.rows)) / estRecords));
  annBytes = Math.min(room, annBytes + (annBytes % 2));
  const ns = sigs.length + 1;
  const startMs = src.t(src.fromMs);
  const headerStartMs = Math.floor(startMs / 1000) * 1000;
  const f = new OutFile(out);
  try {
    const d = new Date(headerStartMs);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
    const year = d.getUTCFullYear();
    if (year < 1985 || year > 2084) throw new StoreError(`EDF: start year ${year} is outside 1985-2084, which EDF dates cannot hold`, 'REC_EDF_DATE');
    const pat = src.opts.deidentify ? undefined : src.store.patient();
    const sex = pat?.sex?.toUpperCase().startsWith('F') ? 'F' : pat?.sex?.toUpperCase().startsWith('M') ? 'M' : 'X';
    const sub = (s: string | undefined) => (s && s.trim() !== '' ? s.trim().replace(/\s+/g, '_') : 'X');
    const patient = `${sub(pat?.identifier)} ${sex} X ${sub(pat?.name)}`;
    const recording = `Startdate ${p2(d.getUTCDate())}-${months[d.getUTCMonth()]}-${year} ${sub(src.caseId)} X OR_Hub`;
    let h =
      '0'.padEnd(8) +
      ascii(patient, 80) +
      ascii(recording, 80) +
      `${p2(d.getUTCDate())}.${p2(d.getUTCMonth() + 1)}.${p2(year % 100)}` +
      `${p2(d.getUTCHours())}.${p2(d.getUTCMinutes())}.${p2(d.getUTCSeconds())}`;
    h += ascii(String(256 * (ns + 1)), 8) + ascii('EDF+C', 44) + ascii('-1', 8) + ascii(edfNumber(D), 8) + ascii(String(ns), 4);
    const all = [
      ...sigs.map((s) => ({
        label: s.label,
        tr: s.mdc,
        unit: s.unit,
        pmin: edfNumber(s.pmin),
        pmax: edfNumber(s.pmax),
        dmin: String(DMIN),
        dmax: String(DMAX),
        n: s.perRecord,
      })),
      { label: 'EDF Annotations', tr: '', unit: '', pmin: '-1', pmax: '1', dmin: String(DMIN), dmax: String(DMAX), n: annBytes / 2 },
    ];
    for (const k of ['label', 'tr', 'unit', 'pmin', 'pmax', 'dmin', 'dmax'] as const)
      for (const a of all) h += ascii(a[k], { label: 16, tr: 80, unit: 8, pmin: 8, pmax: 8, dmin: 8, dmax: 8 }[k]);
    for (const _a of all) h += ascii('', 80);
    for (const a of all) h += ascii(String(a.n), 8);
    for (const _a of all) h += ascii('', 32);
    f.write(Buffer.from(h, 'latin1'));
    const items = timeline(src);
    let pending = items.next();
    let records = 0;
    let annotations = 0;
    let discontinuous = false;
    const rec = Buffer.alloc(dataBytes(D) + annBytes);
    // The data part as 16-bit values (EDF is little-endian, as the platform: checked at load).
    const d16 = new Int16Array(rec.buffer, rec.byteOffset, dataBytes(D) / 2);
    const writeRecord = (R: number, hasData: boolean) => {
      const enc = new TextEncoder();
      let o = dataBytes(D);
      rec.fill(0, o);
      const tk = enc.encode(`${seconds(src.t(R) - headerStartMs)}\x14\x14\x00`);
      rec.set(tk, o);
      o += tk.length;
      while (!pending.done && (pending.value.tMs < R + Dms || !hasData)) {
        const it = pending.value;
        const tal = enc.encode(
          `${seconds(src.t(it.tMs) - headerStartMs)}${it.durMs ? `\x15${(it.durMs / 1000).toFixed(3).replace(/\.?0+$/, '')}` : ''}` +
            `\x14${cutUtf8(it.text.replace(/[\x00-\x1f]/g, ' '), MAX_TEXT_BYTES)}\x14\x00`,
        );
        if (o + tal.length > rec.length) {
          if (o > dataBytes(D) + tk.length) break;
          pending = items.next(); // cannot happen (MIN_ANNOTATION_BYTES), but never loop on an annotation that fits no record
          continue;
        }
        rec.set(tal, o);
        o += tal.length;
        annotations++;
        pending = items.next();
      }
      f.write(rec);
      records++;
    };
    let R = src.fromMs;
    let nextR: number | undefined = R;
    while (nextR !== undefined) {
      R = nextR;
      let any = false;
      let k = 0;
      for (const s of sigs) {
        if (fillRecord(s, R, d16, k)) any = true;
        k += s.perRecord;
      }
      if (any) writeRecord(R, true);
      const times = sigs.map(peek).filter((t): t is number => t !== undefined);
      if (times.length === 0) nextR = undefined;
      else {
        const soonest = Math.min(...times);
        // A hole shorter than one whole record is filled; a longer one starts a new record where data resumes.
        nextR = soonest < R + 2 * Dms ? R + Dms : soonest;
        for (const sg of sigs) sg.nextJ = nextR === R + Dms ? sg.nextJ - sg.perRecord : NaN;
        if (nextR !== R + Dms && records > 0) discontinuous = true;
      }
    }
    // Annotations left over (more than the records could hold) go in records of no data after the last one.
    while (!pending.done) {
      d16.fill(DMIN);
      R += Dms;
      writeRecord(R, false);
    }
    f.writeAt(192, Buffer.from(ascii(discontinuous ? 'EDF+D' : 'EDF+C', 44), 'latin1'));
    f.writeAt(236, Buffer.from(ascii(String(records), 8), 'latin1'));
    f.close();
    return { startMs: src.fromMs, signals: sigs.length, records, recordSeconds: D, discontinuous, annotations, lossy };
  } catch (e) {
    f.abort();
    throw e;
  }
}

interface Item {
  tMs: number;
  durMs?: number;
  text: string;
}

/** Every timeline row of the window as text, merged in time order. */
function* timeline(src: ExportSource): Generator<Item> {
  const sources: Iterator<Item>[] = [
    map(src.events(), (e) => ({ tMs: e.tMs, text: `${e.deviceId}: ${e.code}${e.text ? ` ${e.text}` : ''}` })),
    map(src.alarms(), (a) => ({ tMs: a.tMs, text: `alarm ${a.state === 1 ? 'on' : 'off'} P${a.priority} ${a.deviceId}: ${a.text || a.code}` })),
    map(src.deviceEvents(), (e) => ({ tMs: e.tMs, text: `device ${e.deviceId} ${e.state}${e.reason ? ` (${e.reason})` : ''}` })),
    src
      .gaps()
      .map((g) => ({
        tMs: Math.max(g.fromMs, src.fromMs),
        durMs: Math.min(g.toMs, src.toMs) - Math.max(g.fromMs, src.fromMs),
        text: `gap ${g.deviceId}${g.channel >= 0 ? `/${g.channel}` : ''}: ${g.reason}`,
      }))
      [Symbol.iterator](),
    src
      .currentAnnotations()
      .map((a) => ({
        tMs: a.tMs - src.shiftMs,
        text:
          `${a.kind}${a.text ? `: ${a.text}` : ''}${a.data.drug ? ` ${a.data.drug} ${a.data.dose} ${a.data.unit}` : ''}` +
          `${a.data.ml ? ` ${a.data.ml} mL` : ''} (${a.role})`,
      }))
      [Symbol.iterator](),
  ];
  const heads = sources.map((s) => s.next());
  for (;;) {
    let k = -1;
    for (let i = 0; i < heads.length; i++) if (!heads[i].done && (k < 0 || (heads[i].value as Item).tMs < (heads[k].value as Item).tMs)) k = i;
    if (k < 0) return;
    yield heads[k].value as Item;
    heads[k] = sources[k].next();
  }
}

function* map<T, U>(g: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of g) yield f(x);
}
