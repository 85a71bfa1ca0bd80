/**
 * bench:review's EDF+ export run, as a process of its own (`node dist/bench/review-export-child.cjs CLI FILE OUT`,
 * bundled by npm run bench:review): the built CLI bundle loaded first, then `or-hub export FILE --format edf` timed.
 * Prints one JSON line: ms (the export, module loading excluded) and the process's peak RSS.
 */
import { createRequire } from 'node:module';
import { peakRssKb } from '../main/interop/testing/peak-rss';

type Cli = { main(argv: string[], io: { out(l: string): void; err(l: string): void }): Promise<number> };

async function run(): Promise<void> {
  const [bundle, file, out] = process.argv.slice(2);
  if (!bundle || !file || !out) throw new Error('review-export-child: give the CLI bundle, the case file and the output file');
  // createRequire: the CLI is the built bundle at run time, not bundled into this file.
  const cli = createRequire(__filename)(bundle) as Cli;
  const lines: string[] = [];
  const t0 = performance.now();
  const code = await cli.main(['export', file, '--format', 'edf', '--out', out], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  if (code !== 0) throw new Error(`or-hub export exited ${code}: ${lines.join(' | ')}`);
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssKb: peakRssKb() }) + '\n');
}

void run();
