/**
 * Adaptive binary range coder (the LZMA design: 11-bit probabilities, carry
 * propagation through a cached byte). Pure. Numbers stay below 2^40, exact in doubles.
 */
import { CodecError } from './bits';

export const PROB_BITS = 11;
export const PROB_ONE = 1 << PROB_BITS;
const TOP = 1 << 24;

export class RangeEncoder {
  private out: Uint8Array;
  private pos = 0;
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;

  constructor(
    capacity = 256,
    private readonly shift = 4,
  ) {
    this.out = new Uint8Array(Math.max(16, capacity));
  }

  private put(b: number): void {
    if (this.pos === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.pos++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let temp = this.cache;
      do {
        this.put((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }

  /** Codes `bit` with probability-of-zero probs[i] (out of PROB_ONE), then adapts it. */
  bit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i];
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >> this.shift);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >> this.shift);
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** Codes the low `n` bits of v (n ≤ 53) at probability one half, most significant first. */
  direct(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      const b = i >= 31 ? Math.floor(v / 2 ** i) % 2 : (v >>> i) & 1;
      this.range = this.range >>> 1;
      if (b) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.shiftLow();
      }
    }
  }

  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.out.slice(0, this.pos);
  }
}

export class RangeDecoder {
  private pos: number;
  private range = 0xffffffff;
  private code = 0;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly shift = 4,
  ) {
    this.pos = start;
    for (let i = 0; i < 5; i++) this.code = (this.code * 256 + this.next()) % 0x100000000;
  }

  private next(): number {
    // Reading past the end yields zeros: the encoder's flush guarantees enough bytes
    // for a well-formed stream; a truncated stream decodes to garbage that callers range-check.
    if (this.pos > this.buf.length + 8) throw new CodecError('RangeDecoder: read past end of block');
    return this.pos < this.buf.length ? this.buf[this.pos++] : (this.pos++, 0);
  }

  bit(probs: Uint16Array, i: number): number {
    const p = probs[i];
    const bound = (this.range >>> PROB_BITS) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((PROB_ONE - p) >> this.shift);
      b = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      probs[i] = p - (p >> this.shift);
      b = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = this.code * 256 + this.next();
    }
    return b;
  }

  direct(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      v = v * 2 + b;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.code = this.code * 256 + this.next();
      }
    }
    return v;
  }
}
