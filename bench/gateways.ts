/**
 * `npm run bench:gateways`: every gateway's benchmark, one section per protocol. Each section is
 * a module bench/gateways-<name>.ts exporting `run(): Promise<Record<string, number>>`
 * (bench/gateways-igtl.ts: OpenIGTLink; bench/gateways-hl7.ts: HL7 v2, added by its gateway);
 * this file finds them, runs them one after the other, prints each section's figures, and
 * prints one merged JSON line last ({"igtl": {...}, "hl7": {...}}).
 */
import fs from 'node:fs';
import path from 'node:path';
import { killAll } from './lib';

type Section = { run(): Promise<Record<string, number>> };

async function main(): Promise<void> {
  const only = process.argv.slice(2).find((a) => !a.startsWith('-'));
  // ---- sections: every bench/gateways-*.ts (HL7 adds bench/gateways-hl7.ts here; nothing to edit in this file)
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => /^gateways-[\w-]+\.ts$/.test(f))
    .sort();
  const merged: Record<string, Record<string, number>> = {};
  for (const f of files) {
    const name = f.slice('gateways-'.length, -3);
    if (only && only !== name) continue;
    const mod = (await import(path.join(__dirname, f))) as Partial<Section>;
    if (typeof mod.run !== 'function') throw new Error(`bench/${f} exports no run()`);
    process.stderr.write(`bench:gateways: ${name}...\n`);
    const r = await mod.run();
    merged[name] = r;
    for (const [k, v] of Object.entries(r)) process.stderr.write(`  ${name}.${k} = ${Number.isInteger(v) ? v : v.toFixed(3)}\n`);
  }
  process.stdout.write(JSON.stringify(merged) + '\n');
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`bench:gateways: ${(e as Error).stack ?? e}\n`);
    killAll();
    process.exit(1);
  },
);
