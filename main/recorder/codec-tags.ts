/**
 * Codec tags of the recording file format: the first byte of every encoded block
 * (also stored in wave_blocks.codec). A tag, once written to a recording, keeps its
 * meaning forever; fixtures/wavecodec.json holds golden bytes for each one.
 */

/** First byte of every block; also stored in wave_blocks.codec. */
export enum WaveCodec {
  /** Integers: fixed predictor + partitioned Rice. Decodes to Int32Array. */
  IntRice = 1,
  /** Float32: XOR with previous bit pattern, byte planes, deflate. Decodes to Float32Array. */
  F32Xor = 2,
  /** Float32 that are all integers in ±2^24: IntRice payload, decodes to Float32Array. */
  F32IntRice = 3,
  /** Integers: fixed predictor + context-modelled adaptive range coding. Decodes to Int32Array. The default. */
  IntAC = 5,
  /** Float32 that are all integers in ±2^24: IntAC payload, decodes to Float32Array. */
  F32IntAC = 6,
}

/** Tag of column blocks (numerics, poses). */
export const COLUMNS_TAG = 4;
