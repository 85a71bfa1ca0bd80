/**
 * bench:review's EDF+ export baseline, run as a process of its own (`node dist/bench/review-decode.cjs FILE`, bundled
 * by npm run bench:review like the CLI it is compared with): every wave block of the case read by a plain SQL scan
 * (channel, then time) and decoded by the codec, nothing else. Prints one JSON line: ms (the scan and decode, module
 * loading excluded), the process's peak RSS and the samples decoded.
 */
import Database from 'better-sqlite3';
import { decodeWave } from '../main/recorder/wavecodec';
import { peakRssKb } from '../main/interop/testing/peak-rss';

const file = process.argv[2];
if (!file) throw new Error('review-decode: give the case file');
const t0 = performance.now();
const db = new Database(file, { readonly: true });
let samples = 0;
let sum = 0;
for (const r of db.prepare('SELECT data FROM wave_blocks ORDER BY channel_id, t0_ms').iterate() as Iterable<{ data: Buffer }>) {
  const x = decodeWave(r.data);
  samples += x.length;
  sum += x[x.length >> 1];
}
db.close();
if (samples === 0 || Number.isNaN(sum)) throw new Error('review-decode: the case has no waveform samples');
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssKb: peakRssKb(), samples }) + '\n');
