/**
 * npm run bench:phantom — how long the built-in demo phantom (256 x 256 x 120 CT torso) takes to build:
 *   - at once (demoPhantom(), what the tests and `generatePhantom` use),
 *   - in steps (demoPhantomAsync(), what the hub runs at start), with the longest single step: how long
 *     the hub's other work can wait behind it.
 * main/hub/demo-phantom.test.ts asserted "generated in under 5 s"; the figure is measured here instead,
 * and the test checks what does not depend on the machine (the same volume, at most 4 slices per step).
 * Flags: --runs N (default 5). Last line: one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { demoPhantom, demoPhantomAsync } from '../main/hub/demo-phantom';

const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`bench:phantom: --runs must be a positive integer (got ${process.argv[i + 1]})`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;

async function main(): Promise<void> {
  const once: number[] = [];
  const stepped: number[] = [];
  const longestStep: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    demoPhantom();
    once.push(performance.now() - t0);
    let last = performance.now();
    let longest = 0;
    const t1 = last;
    await demoPhantomAsync(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    });
    stepped.push(performance.now() - t1);
    longestStep.push(longest);
  }
  console.log(`demo phantom, ${RUNS} runs, median (min-max):`);
  console.log(`  at once:  ${range(once)}`);
  console.log(`  in steps: ${range(stepped)}, longest step ${range(longestStep)}`);
  console.log(JSON.stringify({ bench: 'phantom', runs: RUNS, onceMs: median(once), steppedMs: median(stepped), longestStepMs: median(longestStep) }));
}

void main();
