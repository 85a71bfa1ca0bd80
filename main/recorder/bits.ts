/**
 * MSB-first bit writer/reader and LEB128 varints for the recorder's block codecs.
 * Pure: no Node, no DOM. Values up to 2^53 are handled with float arithmetic
 * where they exceed 31 bits.
 */

export class CodecError extends Error {
  override name = 'CodecError';
}

export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** Pending bits, always < 2^8 between calls. */
  private acc = 0;
  private nacc = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra + 16));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Appends whole bytes; only valid on a byte boundary. */
  bytes(b: Uint8Array): void {
    if (this.nacc !== 0) throw new CodecError('BitWriter.bytes: not on a byte boundary');
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(v: number): void {
    this.bits(v & 0xff, 8);
  }

  /** Unsigned LEB128 of a non-negative integer < 2^53. Only on a byte boundary. */
  varint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Writes the low `n` bits of `v` (0 ≤ v < 2^n, n ≤ 53), most significant first. */
  bits(v: number, n: number): void {
    if (n > 24) {
      this.bits(Math.floor(v / 0x1000000), n - 24);
      v = v % 0x1000000;
      n = 24;
    }
    this.bits24(v, n);
  }

  private bits24(v: number, n: number): void {
    if (n === 0) return;
    this.ensure(4);
    let acc = this.acc * (1 << n) + v;
    let nacc = this.nacc + n;
    while (nacc >= 8) {
      nacc -= 8;
      const b = Math.floor(acc / 2 ** nacc);
      this.buf[this.pos++] = b;
      acc -= b * 2 ** nacc;
    }
    this.acc = acc;
    this.nacc = nacc;
  }

  /** q zero bits then a one bit. */
  unary(q: number): void {
    if (this.nacc + q + 1 <= 24) {
      this.bits24(1, q + 1);
      return;
    }
    // Fill the current byte with zeros, emit whole zero bytes, then the rest.
    const fill = (8 - this.nacc) & 7;
    if (fill > 0) {
      if (q < fill) {
        this.bits24(1, q + 1);
        return;
      }
      this.bits24(0, fill);
      q -= fill;
    }
    const zeroBytes = q >> 3;
    this.ensure(zeroBytes + 4);
    this.buf.fill(0, this.pos, this.pos + zeroBytes);
    this.pos += zeroBytes;
    this.bits24(1, (q & 7) + 1);
  }

  /** Pads to a byte boundary with zero bits. */
  align(): void {
    if (this.nacc > 0) this.bits24(0, 8 - this.nacc);
  }

  finish(): Uint8Array {
    this.align();
    return this.buf.slice(0, this.pos);
  }
}

export class BitReader {
  private bytePos: number;
  private bitPos = 0;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
  ) {
    this.bytePos = start;
  }

  get offset(): number {
    return this.bytePos;
  }

  private eof(): never {
    throw new CodecError('BitReader: unexpected end of block');
  }

  byte(): number {
    return this.bits(8);
  }

  varint(): number {
    if (this.bitPos !== 0) throw new CodecError('BitReader.varint: not on a byte boundary');
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.bytePos >= this.buf.length) this.eof();
      const b = this.buf[this.bytePos++];
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 0x80;
    }
    throw new CodecError('BitReader.varint: too long');
  }

  bits(n: number): number {
    let v = 0;
    while (n > 0) {
      if (this.bytePos >= this.buf.length) this.eof();
      const avail = 8 - this.bitPos;
      const t = n < avail ? n : avail;
      const b = (this.buf[this.bytePos] >> (avail - t)) & ((1 << t) - 1);
      v = v * (1 << t) + b;
      n -= t;
      this.bitPos += t;
      if (this.bitPos === 8) {
        this.bitPos = 0;
        this.bytePos++;
      }
    }
    return v;
  }

  /** Counts zero bits up to and including the terminating one bit; returns the count of zeros. */
  unary(): number {
    let q = 0;
    for (;;) {
      if (this.bytePos >= this.buf.length) this.eof();
      const b = this.buf[this.bytePos] & (0xff >> this.bitPos);
      if (b === 0) {
        q += 8 - this.bitPos;
        this.bitPos = 0;
        this.bytePos++;
        continue;
      }
      const lead = Math.clz32(b) - 24; // index of the first one bit in the byte
      q += lead - this.bitPos;
      this.bitPos = lead + 1;
      if (this.bitPos === 8) {
        this.bitPos = 0;
        this.bytePos++;
      }
      return q;
    }
  }

  align(): void {
    if (this.bitPos !== 0) {
      this.bitPos = 0;
      this.bytePos++;
    }
  }

  rest(): Uint8Array {
    this.align();
    return this.buf.subarray(this.bytePos);
  }
}

export function zigzag(v: number): number {
  return v >= 0 ? 2 * v : -2 * v - 1;
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}
