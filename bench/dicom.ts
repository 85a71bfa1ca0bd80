/**
 * npm run bench:dicom — load the 140-slice CT phantom from disk (page cache warm) and compare:
 *   - our loader (worker pool warm and JIT warm after WARMUP loads, and the first cold load that
 *     starts the workers, and the median of the first ten loads after it); each load's
 *     volume is handed back (releaseVolume) as the hub does when it shows another series, and the
 *     same load into new memory each time (trimVolumeMemory first) is reported beside it,
 *   - the floor: merely reading the same files' bytes (sequential and parallel; the faster one),
 *   - peer JavaScript loaders (daikon, dcmjs) doing parse + rescale + sort into a volume.
 * Ours and the floor run interleaved (one of each per round), so machine noise and the
 * allocator's state fall on both alike. Also: where our time goes (header / pixel pass), minor
 * page faults per run, reading the same bytes into one new buffer (what any loader that returns
 * a new volume pays), peak RSS growth during a load vs the volume's own size, the load average.
 * Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { loadSeries, releaseVolume, sharedPool, trimVolumeMemory, type LoadedStudySet } from '../main/dicom/index';

const DIR = path.resolve(__dirname, '../../shared/data/dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/**
 * Loads run (and timed apart) before the measured rounds, so that V8 has optimized the code of
 * the workers and the main thread: until then its background compiler takes a core from the two
 * workers (about 8 ms of compiler time per load over the first loads, 3 ms once warm).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(fn: () => Promise<unknown> | unknown, runs = RUNS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push((await timeOnce(fn)).ms);
  return out;
}

/** One run after a full GC: wall time and the process's minor page faults (all threads). */
async function timeOnce(fn: () => Promise<unknown> | unknown): Promise<{ ms: number; faults: number }> {
  gc();
  const f0 = process.resourceUsage().minorPageFault;
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  return { ms, faults: process.resourceUsage().minorPageFault - f0 };
}

function files(): string[] {
  return fs.readdirSync(DIR).map((f) => path.join(DIR, f));
}

function readSequential(): number {
  let n = 0;
  for (const f of files()) n += fs.readFileSync(f).length;
  return n;
}

async function readParallel(): Promise<number> {
  const bufs = await Promise.all(files().map((f) => fs.promises.readFile(f)));
  return bufs.reduce((n, b) => n + b.length, 0);
}

/** Reference, not the floor: the same bytes read into one new buffer, so every page is fresh. */
function readIntoNewBuffer(): number {
  return readIntoOneBuffer((n) => new Uint8Array(new ArrayBuffer(n)));
}

let recycled: Uint8Array | undefined;
/** Reference: the same bytes read into one buffer kept from the last run (pages already mapped). */
function readIntoRecycledBuffer(): number {
  return readIntoOneBuffer((n) => (recycled && recycled.length >= n ? recycled : (recycled = new Uint8Array(n))));
}

function readIntoOneBuffer(alloc: (bytes: number) => Uint8Array): number {
  const list = files();
  const sizes = list.map((f) => fs.statSync(f).size);
  const all = alloc(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  list.forEach((f, i) => {
    const fd = fs.openSync(f, 'r');
    try {
      for (let got = 0; got < sizes[i];) {
        const n = fs.readSync(fd, all, at + got, sizes[i] - got, got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    at += sizes[i];
  });
  return at;
}

/** Our load split at the progress reports: listing + header pass, then pixel pass (incl. geometry). */
async function phases(): Promise<{ headerMs: number; pixelMs: number }> {
  gc();
  const t0 = performance.now();
  let tPixels = 0;
  release(await loadSeries(DIR, { onProgress: (p) => (tPixels ||= p.phase === 'pixels' ? performance.now() : 0) }));
  const t1 = performance.now();
  return { headerMs: tPixels - t0, pixelMs: t1 - tPixels };
}

/** daikon: parse each file, rescaled values (getInterpretedData), sorted by IPP z, into one Int16 volume. */
function loadDaikon(): Int16Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const daikon = require('daikon');
  const imgs: Array<{ z: number; data: ArrayLike<number> }> = [];
  for (const f of files()) {
    const b = fs.readFileSync(f);
    const img = daikon.Series.parseImage(new DataView(b.buffer, b.byteOffset, b.byteLength));
    if (!img || !img.hasPixelData()) continue;
    imgs.push({ z: img.getImagePosition()[2], data: img.getInterpretedData(false, false) });
  }
  imgs.sort((a, b) => a.z - b.z);
  const slice = imgs[0].data.length;
  const vol = new Int16Array(slice * imgs.length);
  imgs.forEach((im, k) => vol.set(im.data as ArrayLike<number>, k * slice));
  return vol;
}

/** dcmjs: parse each file (DicomMessage.readFile), apply rescale, sort by IPP z, one Int16 volume. */
function loadDcmjs(): Int16Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dcmjs = require('dcmjs');
  const imgs: Array<{ z: number; data: Int16Array }> = [];
  for (const f of files()) {
    const b = fs.readFileSync(f);
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    let ds;
    try {
      ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(ab).dict);
    } catch {
      continue;
    }
    if (!ds.PixelData) continue;
    const raw = new Uint16Array(ds.PixelData[0]);
    const slope = Number(ds.RescaleSlope ?? 1);
    const icpt = Number(ds.RescaleIntercept ?? 0);
    const out = new Int16Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] * slope + icpt;
    imgs.push({ z: Number(ds.ImagePositionPatient[2]), data: out });
  }
  imgs.sort((a, b) => a.z - b.z);
  const slice = imgs[0].data.length;
  const vol = new Int16Array(slice * imgs.length);
  imgs.forEach((im, k) => vol.set(im.data, k * slice));
  return vol;
}

/** A load whose volumes are handed back afterwards, as the hub does when it shows another series. */
async function loadAndRelease(): Promise<void> {
  release(await loadSeries(DIR));
}

function release(set: LoadedStudySet): void {
  for (const s of set.series) releaseVolume(s.volume);
}

async function peakRssDuring(fn: () => Promise<unknown>): Promise<number> {
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
  await fn();
  peak = Math.max(peak, process.memoryUsage.rss());
  clearInterval(timer);
  return peak - base;
}

async function main(): Promise<void> {
  if (!fs.existsSync(DIR)) {
    console.log(`bench:dicom: phantom not found at ${DIR}; skipped`);
    console.log(JSON.stringify({ skipped: true }));
    return;
  }
  const loadStart = os.loadavg().map((x) => +x.toFixed(2));
  // Warm the page cache from a child process, so this process's RSS baseline stays clean.
  spawnSync('sh', ['-c', 'cat -- "$@" > /dev/null', 'sh', ...files()]);
  const bytes = files().reduce((n, f) => n + fs.statSync(f).size, 0);

  // Cold: the first load also starts the worker pool. Peak RSS growth is measured on it (a
  // later load reuses freed memory, so RSS would not show its footprint); it includes the
  // workers' own V8 isolates, so the cost of the pool is counted too.
  let first: Awaited<ReturnType<typeof loadSeries>> | undefined;
  const t0 = performance.now();
  const peakGrowth = await peakRssDuring(async () => {
    first = await loadSeries(DIR);
  });
  const coldMs = performance.now() - t0;
  const vol = first!.series[0].volume!;
  const volumeBytes = vol.data.byteLength;

  // JIT warm-up: the first loads after the cold one, timed apart (what a hub that has loaded only
  // a few series sees).
  const early: number[] = [];
  for (let i = 0; i < WARMUP; i++) {
    const r = await timeOnce(loadAndRelease);
    if (i < 10) early.push(r.ms);
  }

  const ours: number[] = [];
  const seq: number[] = [];
  const par: number[] = [];
  const fresh: number[] = [];
  const oursFresh: number[] = [];
  const recycledRead: number[] = [];
  const faults = { recycled: [] as number[], ours: [] as number[], oursFresh: [] as number[], seq: [] as number[], par: [] as number[], fresh: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const [fn, ms, f] of [
      [loadAndRelease, ours, faults.ours],
      [() => (trimVolumeMemory(), loadAndRelease()), oursFresh, faults.oursFresh],
      [readSequential, seq, faults.seq],
      [readParallel, par, faults.par],
      [readIntoNewBuffer, fresh, faults.fresh],
      [readIntoRecycledBuffer, recycledRead, faults.recycled],
    ] as const) {
      const r = await timeOnce(fn);
      ms.push(r.ms);
      f.push(r.faults);
    }
  }
  const split: Array<{ headerMs: number; pixelMs: number }> = [];
  for (let i = 0; i < 5; i++) split.push(await phases());
  // Peers get one untimed run each to warm up too.
  loadDaikon();
  loadDcmjs();
  const daikonMs = await time(loadDaikon, 3);
  const dcmjsMs = await time(loadDcmjs, 3);
  // Sanity: peers produce the same voxels.
  const d = loadDaikon();
  const j = loadDcmjs();
  const same = (a: Int16Array) =>
    a.length === vol.data.length && Buffer.from(a.buffer).equals(Buffer.from(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength));

  const oursMs = median(ours);
  const floorMs = Math.min(median(seq), median(par));
  const bestPeer = Math.min(median(daikonMs), median(dcmjsMs));
  const figures = {
    files: files().length,
    bytes,
    volumeBytes,
    workers: sharedPool().size,
    workersRan: !sharedPool().runningInProcess,
    oursMs: +oursMs.toFixed(1),
    oursColdMs: +coldMs.toFixed(1),
    oursJitWarmingMs: early.length ? +median(early).toFixed(1) : null,
    warmupLoads: WARMUP,
    oursFreshMemoryMs: +median(oursFresh).toFixed(1),
    ratioToFloorFreshMemory: +(median(oursFresh) / Math.min(median(seq), median(par))).toFixed(2),
    readSequentialMs: +median(seq).toFixed(1),
    readParallelMs: +median(par).toFixed(1),
    floorMs: +floorMs.toFixed(1),
    ratioToFloor: +(oursMs / floorMs).toFixed(2),
    oursHeaderPassMs: +median(split.map((x) => x.headerMs)).toFixed(1),
    oursPixelPassMs: +median(split.map((x) => x.pixelMs)).toFixed(1),
    readIntoNewBufferMs: +median(fresh).toFixed(1),
    readIntoRecycledBufferMs: +median(recycledRead).toFixed(1),
    minorFaultsPerRun: {
      ours: median(faults.ours),
      oursFreshMemory: median(faults.oursFresh),
      readSequential: median(faults.seq),
      readParallel: median(faults.par),
      readIntoNewBuffer: median(faults.fresh),
      readIntoRecycledBuffer: median(faults.recycled),
    },
    daikonMs: +median(daikonMs).toFixed(1),
    dcmjsMs: +median(dcmjsMs).toFixed(1),
    speedupVsBestPeer: +(bestPeer / oursMs).toFixed(2),
    peakRssGrowthBytes: peakGrowth,
    peakRssGrowthVsVolume: +(peakGrowth / volumeBytes).toFixed(2),
    peersMatchVoxels: same(d) && same(j),
    loadavg: { start: loadStart, end: os.loadavg().map((x) => +x.toFixed(2)) },
    goals: { withinOneAndHalfOfFloor: oursMs <= 1.5 * floorMs, threeTimesFasterThanBestPeer: bestPeer / oursMs >= 3 },
  };
  const rows: Array<[string, string]> = [
    ['our loader, warm pool (median)', `${figures.oursMs} ms`],
    ['our loader, cold (starts workers)', `${figures.oursColdMs} ms`],
    [`our loader, loads 2-11 (JIT warming; then ${WARMUP} untimed)`, `${figures.oursJitWarmingMs} ms`],
    ['our loader, new memory for each volume (median)', `${figures.oursFreshMemoryMs} ms (ratio ${figures.ratioToFloorFreshMemory})`],
    ['read same bytes, sequential readFileSync', `${figures.readSequentialMs} ms`],
    ['read same bytes, parallel fs.promises', `${figures.readParallelMs} ms`],
    ['ratio ours / floor (goal <= 1.5)', `${figures.ratioToFloor}`],
    ['ours: listing + scan (headers, placed pixels) (median of 5)', `${figures.oursHeaderPassMs} ms`],
    ['ours: geometry + second pixel pass if any (median of 5)', `${figures.oursPixelPassMs} ms`],
    ['read same bytes into one new buffer (ref.)', `${figures.readIntoNewBufferMs} ms`],
    ['read same bytes into one recycled buffer (ref.)', `${figures.readIntoRecycledBufferMs} ms`],
    [
      'minor page faults per run: ours / ours new memory / seq / par / new buffer',
      `${figures.minorFaultsPerRun.ours} / ${figures.minorFaultsPerRun.oursFreshMemory} / ` +
        `${figures.minorFaultsPerRun.readSequential} / ${figures.minorFaultsPerRun.readParallel} / ` +
        `${figures.minorFaultsPerRun.readIntoNewBuffer}`,
    ],
    ['daikon (parse + rescale + sort)', `${figures.daikonMs} ms`],
    ['dcmjs (parse + rescale + sort)', `${figures.dcmjsMs} ms`],
    ['speed-up vs best peer (goal >= 3)', `${figures.speedupVsBestPeer}x`],
    [
      'peak RSS growth, first load (incl. workers)',
      `${(peakGrowth / 2 ** 20).toFixed(1)} MiB (${figures.peakRssGrowthVsVolume}x the ${(volumeBytes / 2 ** 20).toFixed(1)} MiB volume)`,
    ],
  ];
  console.log(
    `DICOM loading: ${figures.files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, ${figures.workers} ` +
      `workers${figures.workersRan ? '' : ' (NOT running: tasks ran in-process)'}, ${RUNS} interleaved ` +
      `runs, load average ${loadStart.join(' ')} -> ${figures.loadavg.end.join(' ')}`,
  );
  for (const [k, v] of rows) console.log(`  ${k.padEnd(56)} ${v}`);
  await sharedPool().close();
  console.log(JSON.stringify(figures));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
