/**
 * Writes the golden-byte fixtures ONCE: main/recorder/fixtures/wavecodec.json (every
 * waveform codec tag) and common/fixtures/display-batch.json (the display's binary
 * wave and pose batches). Samples are synthetic and deterministic.
 *
 * Fixtures are frozen: a case already in a file is never rewritten, only missing
 * cases are added (a new codec tag gets new cases). The tests then check that the
 * decoders give the stored samples and the encoders give the stored bytes.
 * Usage: node --import tsx scripts/make-golden-fixtures.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../native-bridge/common/sim/physiology';
import { COLUMNS_TAG, WaveCodec } from '../main/recorder/wavecodec';
import { format } from 'prettier';
import { CODEC_FIXTURES_FILE, type CodecCase, encodeCase, stored } from '../main/recorder/testing/codec-fixtures';
import { type PoseView, type WaveBlockView, encodePoseBatch, encodeWaveBatch } from '../common/display-contract';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** An ECG-like trace in ADC counts: beats every 180 samples, baseline wander, noise. */
function ecg(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ph = (i % 180) - 40;
    const qrs = Math.round(900 * Math.exp(-(ph * ph) / 18));
    return qrs + Math.round(120 * Math.sin(i / 53)) + Math.round((r() - 0.5) * 24);
  });
}

function walk(n: number, seed: number, step: number): number[] {
  const r = rng(seed);
  let v = 0;
  return Array.from({ length: n }, () => (v += Math.round((r() - 0.5) * step)));
}

function codecCases(): CodecCase[] {
  const s = (x: Int16Array | Int32Array | Uint16Array | Float32Array | Float64Array) => [stored(x)];
  const extremes = Int32Array.from({ length: 40 }, (_, i) => [I32_MIN, I32_MAX, I32_MAX, I32_MIN, 0, -1, 1][i % 7]);
  const spiky = Int32Array.from({ length: 300 }, (_, i) => (i % 61 === 0 ? 30000 : Math.round(Math.sin(i / 9) * 200)));
  const pleth = Float32Array.from({ length: 250 }, (_, i) => Math.fround(1.5 + Math.sin(i / 11) * 0.75 + (i % 5) * 1e-3));
  const odd = Float32Array.of(0, -0, 1.5, -2.25, Infinity, -Infinity, 1.401298464324817e-45, 3.4028234663852886e38, 1e-3, 7);
  const nan = new Float32Array(new Uint32Array([0x7fc00001, 0xffa00000]).buffer); // NaNs with payloads
  const floats = new Float32Array([...odd, ...nan]);
  const t = Float64Array.from({ length: 60 }, (_, i) => 1_767_225_600_000 + i * 1000.125);
  const hr = Float64Array.from({ length: 60 }, (_, i) => 60 + ((i * 7) % 23) / 2);
  hr[9] = Number.NaN;
  const status = Uint16Array.from({ length: 60 }, (_, i) => (i % 13 === 0 ? 4 : 0));
  const pt = Float64Array.from({ length: 30 }, (_, i) => 1_767_225_600_000 + i * 16.667);
  const q = Float32Array.from({ length: 30 }, (_, i) => 1 - i / 64);
  const ps = Uint16Array.from({ length: 30 }, (_, i) => (i === 17 ? 1 : 0));
  // Column-major 4x4: unit diagonal, translation ramps (mm), small rotation terms.
  const mij = (k: number, i: number) => (k % 5 === 0 ? 1 : k >= 12 ? (k - 12) * 10 + i * 0.25 : Math.sin(i / 20 + k) * 0.1);
  const m = Array.from({ length: 16 }, (_, k) => Float32Array.from({ length: 30 }, (_, i) => mij(k, i)));
  const small = Int32Array.from(walk(24, 9, 40));
  return [
    // 1 IntRice: written by older OR Hub files only; decoded forever.
    { name: 'intrice-ecg', tag: WaveCodec.IntRice, encoder: 'encodeInts', samples: s(Int32Array.from(ecg(400, 1))) },
    { name: 'intrice-int32-extremes', tag: WaveCodec.IntRice, encoder: 'encodeInts', samples: s(extremes) },
    { name: 'intrice-zeros', tag: WaveCodec.IntRice, encoder: 'encodeInts', samples: s(new Int32Array(64)) },
    { name: 'intrice-two', tag: WaveCodec.IntRice, encoder: 'encodeInts', samples: s(Int32Array.of(-5, 7)) },
    // 2 F32Xor
    { name: 'f32xor-pleth', tag: WaveCodec.F32Xor, encoder: 'encodeWave', samples: s(pleth) },
    { name: 'f32xor-special-values', tag: WaveCodec.F32Xor, encoder: 'encodeWave', samples: s(floats) },
    // 3 F32IntRice
    { name: 'f32intrice-integers', tag: WaveCodec.F32IntRice, encoder: 'encodeInts', samples: s(Float32Array.from(ecg(200, 2))) },
    // 4 columns
    { name: 'columns-numerics', tag: COLUMNS_TAG, encoder: 'encodeColumns', samples: [stored(t), stored(hr), stored(status)] },
    { name: 'columns-poses', tag: COLUMNS_TAG, encoder: 'encodeColumns', samples: [stored(pt), stored(q), stored(ps), ...m.map(stored)] },
    { name: 'columns-empty', tag: COLUMNS_TAG, encoder: 'encodeColumns', samples: [] },
    // 5 IntAC, the default
    { name: 'intac-ecg-int16', tag: WaveCodec.IntAC, encoder: 'encodeWave', samples: s(Int16Array.from(ecg(500, 3))) },
    { name: 'intac-spikes-int32', tag: WaveCodec.IntAC, encoder: 'encodeWave', samples: s(spiky) },
    { name: 'intac-int32-extremes', tag: WaveCodec.IntAC, encoder: 'encodeWave', samples: s(extremes) },
    { name: 'intac-empty', tag: WaveCodec.IntAC, encoder: 'encodeWave', samples: s(new Int32Array(0)) },
    { name: 'intac-one', tag: WaveCodec.IntAC, encoder: 'encodeWave', samples: s(Int32Array.of(-3)) },
    ...[0, 1, 2, 3].map((order) => ({ name: `intac-walk-order${order}`, tag: WaveCodec.IntAC, encoder: 'encodeIntsAC' as const, order, samples: s(small) })),
    // 6 F32IntAC
    { name: 'f32intac-integers', tag: WaveCodec.F32IntAC, encoder: 'encodeWave', samples: s(Float32Array.from(ecg(300, 4))) },
  ];
}

const DISPLAY_DIR = path.join(__dirname, '..', 'common', 'fixtures');

/** A wave or pose batch as stored: samples and matrices as the little-endian 32-bit words of their float32 bytes. */
type DisplayCase =
  | { name: string; kind: 'wave'; blocks: { streamId: number; t0HubMs: number; rateHz: number; samplesF32: number[] }[] }
  | { name: string; kind: 'pose'; poses: { streamId: number; tHubMs: number; status: number; quality: number; matrixF32: number[] }[] };

const f32Words = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
const wordsF32 = (w: number[]) => new Float32Array(Uint32Array.from(w).buffer);

function displayCases(): DisplayCase[] {
  const waves: WaveBlockView[] = [
    { streamId: 3, t0HubMs: 1_767_225_600_000.5, rateHz: 500, samples: Float32Array.from(ecg(25, 5), (v) => v * 0.005) },
    { streamId: 9, t0HubMs: 1_767_225_600_002.25, rateHz: 62.5, samples: new Float32Array(0) },
    { streamId: 65535, t0HubMs: 3, rateHz: 125, samples: Float32Array.of(42, -0, Number.NaN, Infinity, -1.5e-7) },
  ];
  const poses: PoseView[] = [
    // Unit diagonal, translation 126, 136.5, 147 mm (column-major).
    {
      streamId: 4,
      tHubMs: 1_767_225_600_016.667,
      status: 0,
      quality: 1,
      matrix: Float32Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? 1 : k >= 12 ? k * 10.5 : 0)),
    },
    { streamId: 300, tHubMs: 1_767_225_600_033.333, status: 1, quality: 0.25, matrix: Float32Array.from({ length: 16 }, (_, k) => Math.sin(k) * 0.5) },
  ];
  return [
    { name: 'wave-three-blocks', kind: 'wave', blocks: waves.map(({ samples, ...b }) => ({ ...b, samplesF32: f32Words(samples) })) },
    { name: 'wave-empty', kind: 'wave', blocks: [] },
    { name: 'pose-two', kind: 'pose', poses: poses.map(({ matrix, ...p }) => ({ ...p, matrixF32: f32Words(matrix) })) },
  ];
}

function encodeDisplayCase(c: DisplayCase): Uint8Array {
  if (c.kind === 'wave') return encodeWaveBatch(c.blocks.map(({ samplesF32, ...b }) => ({ ...b, samples: wordsF32(samplesF32) })));
  return encodePoseBatch(c.poses.map(({ matrixF32, ...p }) => ({ ...p, matrix: wordsF32(matrixF32) })));
}

/**
 * Adds the cases missing from the manifest `dir/<set>.json`, each with its bytes in
 * `dir/<set>/<name>.bin`; cases already there, and their bytes, stay as they are.
 * Returns the names added.
 */
async function freeze<C extends { name: string }>(dir: string, set: string, fresh: C[], encode: (c: C) => Uint8Array): Promise<string[]> {
  const manifest = path.join(dir, `${set}.json`);
  const cur = fs.existsSync(manifest) ? (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { cases: C[] }) : undefined;
  const have = new Set((cur?.cases ?? []).map((c) => c.name));
  const added = fresh.filter((c) => !have.has(c.name));
  if (added.length === 0) return [];
  fs.mkdirSync(path.join(dir, set), { recursive: true });
  for (const c of added) {
    const bin = path.join(dir, set, `${c.name}.bin`);
    if (fs.existsSync(bin)) throw new Error(`${bin} exists but is not in ${manifest}: fixtures are frozen, remove it by hand if it is stray`);
    fs.writeFileSync(bin, encode(c));
  }
  const stamped = added.map((c) => ({ ...c, zlib: process.versions.zlib }));
  const out = { about: ABOUT, ...cur, cases: [...(cur?.cases ?? []), ...stamped] };
  fs.writeFileSync(manifest, await format(JSON.stringify(out), { parser: 'json' }));
  return added.map((c) => c.name);
}

const ABOUT = 'Frozen: bytes in <set>/<name>.bin, from scripts/make-golden-fixtures.ts. A format change gets a new tag, never new bytes.';

async function main(): Promise<void> {
  const recorderDir = path.dirname(CODEC_FIXTURES_FILE);
  for (const [dir, set, added] of [
    [recorderDir, 'wavecodec', await freeze(recorderDir, 'wavecodec', codecCases(), encodeCase)],
    [DISPLAY_DIR, 'display-batch', await freeze(DISPLAY_DIR, 'display-batch', displayCases(), encodeDisplayCase)],
  ] as const) {
    console.log(`${path.relative(process.cwd(), path.join(dir, set + '.json'))}: ${added.length ? `added ${added.join(', ')}` : 'complete, unchanged'}`);
  }
}

void main();
