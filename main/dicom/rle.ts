/**
 * DICOM RLE Lossless decoder (PS3.5 Annex G). Pure: runs anywhere.
 *
 * A frame is a 64-byte header (segment count, then 15 segment offsets, uint32 LE) followed by
 * segments; each segment is PackBits-coded and holds one byte plane (most significant byte of
 * each sample first, G.2). Output is little-endian, samples interleaved (planar configuration 0).
 */

export class RleError extends Error {
  override name = 'RleError';
}

/** Decode one PackBits segment (G.3.2) into `out` at `start` with `stride`, writing `count` bytes. */
function unpackSegment(src: Uint8Array, begin: number, end: number, out: Uint8Array, start: number, stride: number, count: number): number {
  let i = begin;
  let o = start;
  let written = 0;
  while (i < end && written < count) {
    const n = src[i++];
    if (n < 128) {
      // literal run of n + 1 bytes
      const len = Math.min(n + 1, count - written, end - i);
      for (let k = 0; k < len; k++) {
        out[o] = src[i + k];
        o += stride;
      }
      i += n + 1;
      written += len;
    } else if (n > 128) {
      // replicate next byte 257 - n times
      const len = Math.min(257 - n, count - written);
      const b = src[i++];
      for (let k = 0; k < len; k++) {
        out[o] = b;
        o += stride;
      }
      written += len;
    }
    // n === 128: no-op
  }
  return written;
}

/**
 * Decode an RLE frame into bytes: little-endian samples, pixel-interleaved.
 * @param bytesPerSample 1 (8-bit), 2 (16-bit) or 4 (32-bit)
 */
export function decodeRleFrame(src: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bytesPerSample: number): Uint8Array {
  if (src.length < 64) throw new RleError(`RLE frame too short (${src.length} bytes, header needs 64)`);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const nSeg = view.getUint32(0, true);
  const expectedSeg = samplesPerPixel * bytesPerSample;
  if (nSeg !== expectedSeg) {
    throw new RleError(`RLE header has ${nSeg} segments, expected ${expectedSeg} (${samplesPerPixel} samples x ${bytesPerSample} bytes)`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < nSeg; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  const nPix = rows * columns;
  const out = new Uint8Array(nPix * expectedSeg);
  const pixelStride = expectedSeg;
  let short = 0;
  for (let s = 0; s < nSeg; s++) {
    const begin = offsets[s];
    const end = s + 1 < nSeg ? offsets[s + 1] : src.length;
    if (begin < 64 || begin > src.length || end > src.length || end < begin) throw new RleError(`RLE segment ${s} offset ${begin} out of range`);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB segment first -> LE position
    const start = sample * bytesPerSample + byteInSample;
    const n = unpackSegment(src, begin, end, out, start, pixelStride, nPix);
    if (n < nPix) short = Math.max(short, nPix - n);
  }
  if (short) throw new RleError(`RLE data ends early: ${short} pixels missing in a segment`);
  return out;
}
