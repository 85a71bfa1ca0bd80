/**
 * Tests only: the golden-byte fixtures of the waveform codec. fixtures/wavecodec.json
 * lists the cases (known samples and the encoder that produced the bytes);
 * fixtures/wavecodec/<name>.bin holds each case's encoded block, byte for byte as a
 * recording stores it. scripts/make-golden-fixtures.ts wrote them once; they are
 * frozen: a change to the file format gets a new codec tag and new cases, never new
 * bytes for old ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { BitReader } from '../bits';
import { type Column, COLUMNS_TAG, WaveCodec, encodeColumns, encodeIntsAC, encodeWave } from '../wavecodec';
import { encodeInts } from './intrice-encoder';

export const CODEC_FIXTURES_FILE = path.join(__dirname, '..', 'fixtures', 'wavecodec.json');
/** The encoded block of a case. */
export const codecFixtureBin = (name: string) => path.join(__dirname, '..', 'fixtures', 'wavecodec', `${name}.bin`);

export type SampleType = 'i16' | 'i32' | 'u16' | 'f32' | 'f64';
/** Integer samples as `values`; float samples as `words`, the little-endian 32-bit words of their bytes (bit-exact: −0, NaN payloads). */
export interface StoredSamples {
  type: SampleType;
  values?: number[];
  words?: number[];
}

export interface CodecCase {
  name: string;
  /** The block's first byte. */
  tag: number;
  encoder: 'encodeWave' | 'encodeIntsAC' | 'encodeInts' | 'encodeColumns';
  /** Predictor order forced on encodeIntsAC (otherwise the encoder chooses). */
  order?: number;
  samples: StoredSamples[];
  /** zlib build that made the bytes: DEFLATE output (tags 2 and 4) is only byte-stable within one build. */
  zlib?: string;
}

export interface CodecFixtures {
  about: string;
  cases: CodecCase[];
}

const ARRAYS = { i16: Int16Array, i32: Int32Array, u16: Uint16Array, f32: Float32Array, f64: Float64Array } as const;

export function typed(s: StoredSamples): Int16Array | Int32Array | Uint16Array | Float32Array | Float64Array {
  const A = ARRAYS[s.type];
  if (s.values) return A.from(s.values);
  const words = Uint32Array.from(s.words ?? []);
  return new A(words.buffer, 0, words.byteLength / A.BYTES_PER_ELEMENT);
}

export function stored(x: Int16Array | Int32Array | Uint16Array | Float32Array | Float64Array): StoredSamples {
  const type = (Object.keys(ARRAYS) as SampleType[]).find((k) => x instanceof ARRAYS[k])!;
  if (type === 'f32' || type === 'f64') return { type, words: Array.from(new Uint32Array(x.buffer, x.byteOffset, x.byteLength / 4)) };
  return { type, values: Array.from(x) };
}

/** Runs the case's encoder on its samples. */
export function encodeCase(c: CodecCase): Uint8Array {
  const x = c.samples.map(typed);
  switch (c.encoder) {
    case 'encodeWave':
      return encodeWave(x[0] as Int16Array | Int32Array | Float32Array);
    case 'encodeIntsAC':
      return encodeIntsAC(x[0], c.tag, c.order);
    case 'encodeInts':
      return encodeInts(x[0], c.tag);
    case 'encodeColumns':
      return encodeColumns(x as Column[]);
  }
}

/** For the tags that end in a DEFLATE stream: the bytes before it, and the stream inflated. */
export function deflatedParts(bytes: Uint8Array): { header: Uint8Array; inflated: Uint8Array } | undefined {
  const r = new BitReader(bytes);
  const tag = r.byte();
  if (tag !== WaveCodec.F32Xor && tag !== COLUMNS_TAG) return undefined;
  r.varint();
  if (tag === COLUMNS_TAG) for (let k = r.varint(); k > 0; k--) r.byte();
  return { header: bytes.subarray(0, r.offset), inflated: new Uint8Array(inflateRawSync(r.rest())) };
}

/** The manifest, and each case's frozen bytes. */
export function loadCodecFixtures(): { fixtures: CodecFixtures; bytes: (c: CodecCase) => Uint8Array } {
  const fixtures = JSON.parse(fs.readFileSync(CODEC_FIXTURES_FILE, 'utf8')) as CodecFixtures;
  return { fixtures, bytes: (c) => new Uint8Array(fs.readFileSync(codecFixtureBin(c.name))) };
}
