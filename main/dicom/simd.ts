/**
 * WebAssembly SIMD kernels for the hot path: 16-bit stored samples -> Int16 real values with an
 * integer intercept (slope 1), in place, tracking the stored range. 8 samples per instruction,
 * several times faster than the scalar JS loop. Falls back to JS where SIMD is unavailable.
 *
 * The module is assembled here from bytes (no toolchain needed). Equivalent text:
 *   (func $u (param p n mask icpt res)  ;; v = load(p) & mask; mn = min_u; mx = max_u; store(p, v + icpt)
 *   (func $s (param p n shift icpt res) ;; v = (load(p) << shift) >>s shift; mn = min_s; mx = max_s; store(p, v + icpt)
 * both loop over n samples (n multiple of 8) at byte address p and store [mn, mx] vectors at res.
 */

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}
function str(s: string): number[] {
  return [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const simd = (op: number) => [0xfd, ...leb(op)];

// params: 0 p, 1 n, 2 maskOrShift, 3 icpt, 4 res; locals: 5 i, 6 end, 7 mv, 8 iv, 9 mn, 10 mx,
// 11 v, 12 end4
function body(signed: boolean): number[] {
  const [P, N, ARG, ICPT, RES, I, END, MV, IV, MN, MX, V, END4] = Array.from({ length: 13 }, (_, k) => k);
  const I16_SPLAT = 0x10;
  const AND = 0x4e;
  const SHL = 0x8b;
  const SHR_S = 0x8c;
  const ADD = 0x8e;
  const MIN = signed ? 0x96 : 0x97;
  const MAX = signed ? 0x98 : 0x99;
  const mem = (offset: number) => [0x04, ...leb(offset)]; // align 2^4
  // One vector at byte address i + offset: v = stored samples (masked / sign-extended);
  // mn = min(mn, v); mx = max(mx, v); v + intercept stored in place.
  const vector = (offset: number) => [
    ...get(I),
    ...simd(0x00),
    ...mem(offset),
    ...(signed ? [...get(ARG), ...simd(SHL), ...get(ARG), ...simd(SHR_S)] : [...get(MV), ...simd(AND)]),
    ...set(V),
    ...get(MN),
    ...get(V),
    ...simd(MIN),
    ...set(MN),
    ...get(MX),
    ...get(V),
    ...simd(MAX),
    ...set(MX),
    ...get(I),
    ...get(V),
    ...get(IV),
    ...simd(ADD),
    ...simd(0x0b),
    ...mem(offset),
  ];
  // while (i < limit) { vectors at i, i + 16, ...; i += 16 * vectors }
  const loop = (limit: number, vectors: number) => [
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(I),
    ...get(limit),
    0x4f,
    0x0d,
    1, // if i >= limit break
    ...Array.from({ length: vectors }, (_, k) => vector(16 * k)).flat(),
    ...get(I),
    0x41,
    ...sleb(16 * vectors),
    0x6a,
    ...set(I),
    0x0c,
    0,
    0x0b,
    0x0b,
  ];
  const code = [
    ...get(P),
    ...set(I),
    ...get(P),
    ...get(N),
    0x41,
    1,
    0x74,
    0x6a,
    ...set(END), // end = p + 2n
    ...get(P),
    ...get(N),
    0x41,
    1,
    0x74,
    0x41,
    ...sleb(-64),
    0x71,
    0x6a,
    ...set(END4), // end4 = p + (2n & ~63)
    ...get(ARG),
    ...simd(I16_SPLAT),
    ...set(MV),
    ...get(ICPT),
    ...simd(I16_SPLAT),
    ...set(IV),
    0x41,
    ...sleb(signed ? 32767 : -1),
    ...simd(I16_SPLAT),
    ...set(MN),
    0x41,
    ...sleb(signed ? -32768 : 0),
    ...simd(I16_SPLAT),
    ...set(MX),
    // Four vectors (64 bytes) per round while they fit, then one at a time: fewer loop
    // instructions per sample (the conversion runs over every voxel of a volume).
    ...loop(END4, 4),
    ...loop(END, 1),
    ...get(RES),
    ...get(MN),
    ...simd(0x0b),
    ...mem(0),
    ...get(RES),
    ...get(MX),
    ...simd(0x0b),
    ...mem(16),
    0x0b,
  ];
  // local groups: 2 x i32 (i, end), 5 x v128 (mv, iv, mn, mx, v), 1 x i32 (end4)
  const locals = [0x03, 0x02, 0x7f, 0x05, 0x7b, 0x01, 0x7f];
  const fn = [...locals, ...code];
  return [...leb(fn.length), ...fn];
}

/**
 * The module: its own memory (exported as `m`), or with `importShared` a shared memory
 * imported as `e.m` (any size up to 4 GiB), so a kernel can work inside memory that other
 * threads and the caller see too.
 */
function moduleBytes(importShared = false): Uint8Array {
  const memory = importShared ? section(2, [1, ...str('e'), ...str('m'), 0x02, 0x03, ...leb(0), ...leb(65536)]) : section(5, [1, 0x00, 1]);
  const exports = importShared
    ? section(7, [2, ...str('u'), 0x00, 0, ...str('s'), 0x00, 1])
    : section(7, [3, ...str('m'), 0x02, 0, ...str('u'), 0x00, 0, ...str('s'), 0x00, 1]);
  const type = section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]);
  const funcs = section(3, [2, 0, 0]);
  const code = section(10, [2, ...body(false), ...body(true)]);
  // Sections in their required order: type, import, function, memory, export, code.
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type];
  if (importShared) bytes.push(...memory, ...funcs);
  else bytes.push(...funcs, ...memory);
  bytes.push(...exports, ...code);
  return new Uint8Array(bytes);
}

type KernelFn = (p: number, n: number, maskOrShift: number, intercept: number, res: number) => void;

/**
 * Convert `n` samples at byte address `p` of `buf` in place with the SIMD functions (the
 * multiple of 8) and JS (the tail); `res` is 32 bytes of scratch for the lane results.
 * Returns the stored [min, max] (before the intercept).
 */
function convert(
  u: KernelFn,
  s: KernelFn,
  buf: ArrayBufferLike,
  p: number,
  n: number,
  signed: boolean,
  maskOrShift: number,
  intercept: number,
  res: number,
): [number, number] {
  const n8 = n & ~7;
  let mn: number;
  let mx: number;
  if (signed) {
    mn = 32767;
    mx = -32768;
  } else {
    mn = 65535;
    mx = 0;
  }
  if (n8) {
    (signed ? s : u)(p, n8, maskOrShift, intercept, res);
    const lanes = signed ? new Int16Array(buf, res, 16) : new Uint16Array(buf, res, 16);
    for (let i = 0; i < 8; i++) {
      if (lanes[i] < mn) mn = lanes[i];
      if (lanes[8 + i] > mx) mx = lanes[8 + i];
    }
  }
  if (n8 < n) {
    // Tail (n not a multiple of 8) in JS.
    const o = new Int16Array(buf, p, n);
    const uu = new Uint16Array(buf, p, n);
    for (let i = n8; i < n; i++) {
      const v = signed ? (uu[i] << (16 + maskOrShift)) >> (16 + maskOrShift) : uu[i] & maskOrShift;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      o[i] = v + intercept;
    }
  }
  return [mn, mx];
}

/** The kernels' `maskOrShift` for 16-bit stored samples: the sign-extension shift when signed, else the mask of the stored bits. */
export function maskOrShift(signed: boolean, bitsStored: number): number {
  return signed ? 16 - bitsStored : bitsStored >= 16 ? 0xffff : 2 ** bitsStored - 1;
}

export interface Kernel16 {
  /** Byte view of the kernel's own memory, valid until the next `reserve`. */
  bytes: Uint8Array;
  /** Ensure room for `n` samples (plus the result area); returns the byte view. */
  reserve(n: number): Uint8Array;
  /** Convert n samples at the start of memory in place; returns the stored [min, max] (before intercept). */
  run(n: number, signed: boolean, maskOrShift: number, intercept: number): [number, number];
}

let cached: Kernel16 | null | undefined;

/** The SIMD kernel with its own memory, or null when WebAssembly SIMD is not available. */
export function simdKernel(): Kernel16 | null {
  if (cached !== undefined) return cached;
  try {
    const mod = new WebAssembly.Module(moduleBytes() as unknown as ArrayBuffer);
    const inst = new WebAssembly.Instance(mod, {});
    const mem = inst.exports.m as WebAssembly.Memory;
    const u = inst.exports.u as KernelFn;
    const s = inst.exports.s as KernelFn;
    const k: Kernel16 = {
      bytes: new Uint8Array(mem.buffer),
      reserve(n: number): Uint8Array {
        const need = n * 2 + 64;
        if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
        if (k.bytes.buffer !== mem.buffer || k.bytes.byteLength !== mem.buffer.byteLength) k.bytes = new Uint8Array(mem.buffer);
        return k.bytes;
      },
      run(n, signed, maskOrShift, intercept) {
        return convert(u, s, mem.buffer, 0, n, signed, maskOrShift, intercept, (n * 2 + 15) & ~15);
      },
    };
    cached = k;
  } catch {
    cached = null;
  }
  return cached;
}

/** Scratch bytes one `SharedKernel16.run` caller needs for its lane results (16-aligned). */
export const KERNEL_SCRATCH_BYTES = 32;

/** The SIMD kernel working inside a shared WebAssembly.Memory (e.g. the volume itself). */
export interface SharedKernel16 {
  /**
   * Convert `n` 16-bit samples at byte offset `p` (even) of the memory in place; `scratch` is
   * a 16-aligned byte offset of KERNEL_SCRATCH_BYTES that no other thread uses meanwhile.
   * Returns the stored [min, max] (before intercept).
   */
  run(p: number, n: number, signed: boolean, maskOrShift: number, intercept: number, scratch: number): [number, number];
}

let sharedModule: WebAssembly.Module | null | undefined;

/**
 * The SIMD kernel instantiated on `mem` (a shared WebAssembly.Memory, up to 4 GiB), or null
 * when WebAssembly SIMD or shared memory is not available. One instance per call: make one
 * per request and reuse it for the request's frames.
 */
export function sharedKernel(mem: WebAssembly.Memory): SharedKernel16 | null {
  try {
    if (sharedModule === undefined) sharedModule = new WebAssembly.Module(moduleBytes(true) as unknown as ArrayBuffer);
    if (!sharedModule) return null;
    const inst = new WebAssembly.Instance(sharedModule, { e: { m: mem } });
    const u = inst.exports.u as KernelFn;
    const s = inst.exports.s as KernelFn;
    return {
      run: (p, n, signed, maskOrShift, intercept, scratch) => convert(u, s, mem.buffer, p, n, signed, maskOrShift, intercept, scratch),
    };
  } catch {
    sharedModule ??= null;
    return null;
  }
}

/**
 * Shared memory of at least `bytes` for a volume: a shared WebAssembly.Memory (so the SIMD
 * kernel can convert samples where they lie) when the runtime allows one that large, else
 * undefined (use a plain SharedArrayBuffer). `buffer` is a SharedArrayBuffer either way.
 */
export function sharedVolumeMemory(bytes: number): WebAssembly.Memory | undefined {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) return undefined;
  try {
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    return mem.buffer instanceof SharedArrayBuffer ? mem : undefined;
  } catch {
    return undefined;
  }
}
