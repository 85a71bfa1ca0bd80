/**
 * Runs one export in a fresh process and prints its peak memory, for export-memory.test.ts.
 * Usage: node --import tsx export-child.ts RECORDING FORMAT OUT
 */
import { runExport } from '../cli';
import { peakRssKb } from './peak-rss';

async function main(): Promise<void> {
  const [recording, format, out] = process.argv.slice(2);
  let peakHeap = 0;
  const timer = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
  const t = Date.now();
  await runExport({ recording, format, out }, () => {});
  clearInterval(timer);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  process.stdout.write(JSON.stringify({ maxRssKb: peakRssKb(), peakHeap, ms: Date.now() - t }) + '\n');
}

void main();
