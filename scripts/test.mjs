// Runs the test suites with node's built-in runner (tsx for TypeScript), one file at a time.
// usage: node scripts/test.mjs [unit|e2e|all] [extra node --test args]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);
const UNIT_DIRS = ['common', 'native-bridge', 'main', 'renderer', 'scripts'];
const E2E_DIRS = ['e2e'];

function find(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}

const dirs = which === 'unit' ? UNIT_DIRS : which === 'e2e' ? E2E_DIRS : [...UNIT_DIRS, ...E2E_DIRS];
if (!['unit', 'e2e', 'all'].includes(which)) {
  console.error(`scripts/test.mjs: unknown suite "${which}" (unit, e2e or all)`);
  process.exit(2);
}
const files = dirs.flatMap((d) => find(path.join(root, d), []).sort());
if (files.length === 0) {
  console.error('scripts/test.mjs: no test files found');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=900000', ...extra, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
