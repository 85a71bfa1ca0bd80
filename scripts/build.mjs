// Builds the hub (Node, CommonJS), the Electron shell and the display renderer with esbuild.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const nodeExternal = ['zeromq', 'better-sqlite3', 'electron', 'ws', 'bufferutil', 'utf-8-validate', 'serialport'];

const optional = (p) => (fs.existsSync(path.join(root, p)) ? [p] : []);

const started = Date.now();
await Promise.all([
  build({
    entryPoints: {
      cli: 'main/cli/or-hub.ts',
      ...Object.fromEntries(optional('main/recorder/recorder-worker.ts').map((p) => ['recorder-worker', p])),
      ...Object.fromEntries(optional('main/dicom/worker.ts').map((p) => ['dicom-worker', p])),
      ...Object.fromEntries(optional('main/review/review-worker.ts').map((p) => ['review-worker', p])),
    },
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: path.join(dist, 'hub'),
    outExtension: { '.js': '.cjs' },
    external: nodeExternal,
    sourcemap: true,
    logLevel: 'warning',
  }),
  build({
    entryPoints: { main: 'main/electron/main.ts', preload: 'main/electron/preload.ts' },
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: path.join(dist, 'electron'),
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  }),
  build({
    entryPoints: { app: 'renderer/src/main.tsx' },
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    target: ['chrome110'],
    format: 'iife',
    outdir: path.join(dist, 'renderer'),
    jsx: 'automatic',
    minify: !watch,
    sourcemap: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  }),
]);
fs.copyFileSync(path.join(root, 'renderer/index.html'), path.join(dist, 'renderer/index.html'));
console.log(`build: dist/ ready in ${Date.now() - started} ms`);
