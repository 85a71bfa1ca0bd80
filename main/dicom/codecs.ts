/**
 * Compressed pixel decoders: maintained WebAssembly builds from npm (libjpeg-turbo, CharLS,
 * OpenJPEG) and the JavaScript JPEG-lossless decoder; RLE is our own (rle.ts). Node only:
 * the .wasm files are located with require.resolve so bundling does not break them.
 *
 * Each decoder returns the decoded samples as raw bytes (little endian, interleaved) plus the
 * stream's own frame info, so the caller checks them against the DICOM header.
 */
import * as fs from 'node:fs';
import { decodeRleFrame } from './rle';

export interface DecodedFrame {
  /** Samples, native (little) endian, interleaved. 8-bit -> 1 byte/sample, otherwise 2. */
  bytes: Uint8Array;
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  signed?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(len: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  delete(): void;
}
interface WasmModule {
  J2KDecoder?: new () => WasmDecoder;
  JpegLSDecoder?: new () => WasmDecoder;
  JPEGDecoder?: new () => WasmDecoder;
}

type Factory = (opts: { wasmBinary: Uint8Array; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<WasmModule>;

const modules = new Map<string, Promise<WasmModule>>();

function loadWasm(pkg: string): Promise<WasmModule> {
  let p = modules.get(pkg);
  if (!p) {
    p = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require(`${pkg}/decodewasmjs`) as Factory;
      const wasmBinary = fs.readFileSync(require.resolve(`${pkg}/decodewasm`));
      return factory({ wasmBinary, print: () => {}, printErr: () => {} });
    })();
    modules.set(pkg, p);
  }
  return p;
}

function runWasm(mod: WasmModule, key: 'J2KDecoder' | 'JpegLSDecoder' | 'JPEGDecoder', data: Uint8Array): DecodedFrame {
  const Ctor = mod[key];
  if (!Ctor) throw new Error(`${key} missing from codec module`);
  const dec = new Ctor();
  try {
    const buf = dec.getEncodedBuffer(data.length);
    buf.set(data);
    dec.decode();
    const info = dec.getFrameInfo();
    const out = dec.getDecodedBuffer();
    return {
      bytes: new Uint8Array(out), // copy out of wasm memory
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      signed: info.isSigned,
    };
  } finally {
    dec.delete();
  }
}

export type CodecKind = 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k';

/** Which decoder a transfer syntax needs; undefined when none is available. */
export function codecFor(ts: string): CodecKind | undefined {
  switch (ts) {
    case '1.2.840.10008.1.2.5':
      return 'rle';
    case '1.2.840.10008.1.2.4.50':
    case '1.2.840.10008.1.2.4.51':
    case '1.2.840.10008.1.2.4.53':
    case '1.2.840.10008.1.2.4.55':
      return 'jpeg-baseline';
    case '1.2.840.10008.1.2.4.57':
    case '1.2.840.10008.1.2.4.70':
      return 'jpeg-lossless';
    case '1.2.840.10008.1.2.4.80':
    case '1.2.840.10008.1.2.4.81':
      return 'jpeg-ls';
    case '1.2.840.10008.1.2.4.90':
    case '1.2.840.10008.1.2.4.91':
      return 'j2k';
    default:
      return undefined;
  }
}

const PKG = {
  'jpeg-baseline': '@cornerstonejs/codec-libjpeg-turbo-8bit',
  'jpeg-ls': '@cornerstonejs/codec-charls',
  j2k: '@cornerstonejs/codec-openjpeg',
} as const;

const ready = new Map<string, WasmModule>();
/** Load the decoders for `kinds` (idempotent). Call before decodeCompressed. */
export async function prepareCodecs(kinds: Iterable<CodecKind>): Promise<void> {
  for (const k of kinds) {
    if (k === 'jpeg-baseline' || k === 'jpeg-ls' || k === 'j2k') ready.set(k, await loadWasm(PKG[k]));
  }
}

/** JPEG SOF precision (bits) of a JPEG stream, or undefined. */
export function jpegPrecision(data: Uint8Array): number | undefined {
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return undefined;
    const marker = data[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (data[i + 2] << 8) | data[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return data[i + 4];
    i += 2 + len;
  }
  return undefined;
}

/**
 * Decode one compressed frame. `prepareCodecs` must have loaded the codec. Throws Error with a
 * readable message on failure.
 */
export function decodeCompressed(
  kind: CodecKind,
  data: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): DecodedFrame {
  switch (kind) {
    case 'rle': {
      const bps = bitsAllocated <= 8 ? 1 : bitsAllocated <= 16 ? 2 : 4;
      return {
        bytes: decodeRleFrame(data, rows, columns, samplesPerPixel, bps),
        width: columns,
        height: rows,
        components: samplesPerPixel,
        bitsPerSample: bps * 8,
      };
    }
    case 'jpeg-lossless': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Decoder } = require('@cornerstonejs/jpeg-lossless-decoder-js') as typeof import('@cornerstonejs/jpeg-lossless-decoder-js');
      const copy = data.slice(); // own ArrayBuffer, offset 0
      const out = new Decoder().decode(copy.buffer, 0, copy.length, bitsAllocated <= 8 ? 1 : 2) as Uint8Array | Uint16Array;
      return {
        bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
        width: columns,
        height: rows,
        components: samplesPerPixel,
        bitsPerSample: bitsAllocated <= 8 ? 8 : 16,
      };
    }
    case 'jpeg-baseline': {
      const p = jpegPrecision(data);
      if (p !== undefined && p > 8) {
        throw new Error(`JPEG with ${p}-bit precision: the available libjpeg-turbo decoder handles 8-bit only`);
      }
      return runWasm(need(kind), 'JPEGDecoder', data);
    }
    case 'jpeg-ls':
      return runWasm(need(kind), 'JpegLSDecoder', data);
    case 'j2k':
      return runWasm(need(kind), 'J2KDecoder', stripJp2Header(data));
  }
}

function need(kind: CodecKind): WasmModule {
  const m = ready.get(kind);
  if (!m) throw new Error(`codec ${kind} not loaded`);
  return m;
}

/** Some writers wrap a J2K codestream in a JP2 box structure (non-conformant); find the codestream (jp2c box). */
function stripJp2Header(data: Uint8Array): Uint8Array {
  if (data.length > 12 && data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 0x0c && data[4] === 0x6a && data[5] === 0x50) {
    let i = 0;
    while (i + 8 <= data.length) {
      const len = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
      const type = String.fromCharCode(data[i + 4], data[i + 5], data[i + 6], data[i + 7]);
      if (type === 'jp2c') return data.subarray(i + 8, len ? i + len : data.length);
      if (len < 8) break;
      i += len;
    }
  }
  return data;
}
