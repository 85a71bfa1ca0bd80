/**
 * Golden bytes for every codec tag (fixtures/wavecodec.json and fixtures/wavecodec/*.bin,
 * frozen): the decoders must give the known samples from the stored bytes, and the
 * encoders must give those bytes again, so a change that alters encoder and decoder
 * together (and would still round-trip) fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMNS_TAG, WaveCodec, decodeColumns, decodeWave } from './wavecodec';
import { type CodecCase, deflatedParts, encodeCase, loadCodecFixtures, typed } from './testing/codec-fixtures';

const { fixtures, bytes } = loadCodecFixtures();
const TAGS = [...Object.values(WaveCodec).filter((v): v is number => typeof v === 'number'), COLUMNS_TAG].sort((a, b) => a - b);
/** Bit patterns of a typed array, so −0 and NaN payloads compare exactly. */
const bits = (x: ArrayBufferView) => Array.from(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));

test('every codec tag has golden fixtures, and each fixture starts with its tag', () => {
  assert.deepEqual(TAGS, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    [...new Set(fixtures.cases.map((c) => c.tag))].sort((a, b) => a - b),
    TAGS,
  );
  for (const c of fixtures.cases) assert.equal(bytes(c)[0], c.tag, c.name);
});

function expectDecoded(c: CodecCase): void {
  const b = bytes(c);
  if (c.tag === COLUMNS_TAG) {
    const cols = decodeColumns(b);
    assert.equal(cols.length, c.samples.length, c.name);
    c.samples.forEach((s, i) => {
      const want = typed(s);
      assert.equal(cols[i].constructor, want.constructor, `${c.name} column ${i}`);
      assert.deepEqual(bits(cols[i]), bits(want), `${c.name} column ${i}`);
    });
    return;
  }
  const x = decodeWave(b);
  const src = typed(c.samples[0]);
  const float = c.tag === WaveCodec.F32Xor || c.tag === WaveCodec.F32IntRice || c.tag === WaveCodec.F32IntAC;
  const want = float ? Float32Array.from(src) : Int32Array.from(src);
  assert.equal(x.constructor, want.constructor, c.name);
  assert.deepEqual(bits(x), bits(want), c.name);
}

test('the decoders give the known samples from the frozen bytes', () => {
  for (const c of fixtures.cases) expectDecoded(c);
});

test('the encoders give the frozen bytes again, byte for byte', () => {
  for (const c of fixtures.cases) {
    const want = bytes(c);
    const got = encodeCase(c);
    const parts = deflatedParts(want);
    if (parts) {
      // Our layout around the DEFLATE stream, and what it inflates to, must match on any zlib build.
      const mine = deflatedParts(got)!;
      assert.deepEqual([...mine.header], [...parts.header], `${c.name}: header`);
      assert.deepEqual([...mine.inflated], [...parts.inflated], `${c.name}: deflated payload`);
      // The compressed stream itself is only reproducible on the zlib build that wrote it.
      if (c.zlib !== process.versions.zlib) continue;
    }
    assert.deepEqual([...got], [...want], c.name);
  }
});
