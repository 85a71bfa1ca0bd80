// The layer allow-list (docs/architecture.md, "Layers"): what each folder's production code may import,
// turned into one ESLint `@typescript-eslint/no-restricted-imports` block per source directory.
// Relative imports are checked by where they land: for each directory the allowed targets are written
// as regular expressions over the import string (e.g. from renderer/src/anatomy, `../../../common/...`).
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

/** Test files and test-only helpers are not production code: the layer rules skip them. */
export const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx', '**/testutil.ts', '**/testing/**'];

/**
 * One entry per layer; a directory belongs to the longest folder that contains it.
 * - folders: project folders it may import from (its own included), `not`: sub-folders of those it may not.
 * - packages: npm packages it may import (sub-paths included); node: whether Node built-ins are allowed.
 * - staticOnly: no `require()` or `import()`, so every import is a static one this check sees.
 */
export function layers(pkg) {
  const hubPackages = Object.keys(pkg.dependencies ?? {}).filter((p) => !['electron', 'react', 'react-dom', 'three', 'zeromq'].includes(p));
  return [
    { folder: 'common', folders: ['common'], packages: ['zod'], node: false, staticOnly: true },
    { folder: 'native-bridge/common', folders: ['native-bridge/common', 'common'], packages: [], node: false, staticOnly: true },
    // Gateways speak their protocols with maintained libraries: HL7 v2 (@medplum) and serial ports.
    {
      folder: 'native-bridge/node',
      folders: ['native-bridge/node', 'native-bridge/common', 'common'],
      packages: ['zeromq', '@medplum/hl7', '@medplum/core', 'serialport'],
      node: true,
    },
    // Production hub code never runs the simulators; only the command line does (or-hub simulate).
    {
      folder: 'main',
      folders: ['main', 'native-bridge', 'common'],
      not: ['main/electron', 'native-bridge/common/sim', 'native-bridge/node/simulators'],
      packages: hubPackages,
      node: true,
    },
    { folder: 'main/cli', label: 'main', folders: ['main', 'native-bridge', 'common'], not: ['main/electron'], packages: hubPackages, node: true },
    { folder: 'main/electron', folders: ['main/electron'], packages: ['electron'], node: true },
    { folder: 'renderer', folders: ['renderer', 'common'], packages: ['react', 'react-dom', 'three', 'zod'], node: false, staticOnly: true },
  ];
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** One path segment that is not `.` or `..`. */
const SEG = '(?!\\.\\.?(?:/|$))[^/]+';
const REST = `(?:/${SEG})*`;
const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));

/** Regex source matching a relative import from `dir` that lands inside `target` (both relative to the root). */
function landsIn(dir, target) {
  const rel = path.posix.relative(dir, target);
  const parts = rel === '' ? [] : rel.split('/');
  const up = parts.filter((p) => p === '..').length;
  const down = parts.slice(up).join('/');
  // target is dir itself or one of its parents: any depth up to it, then ordinary segments
  if (down === '') return `(?:\\./)?(?:\\.\\./){0,${up}}${SEG}${REST}`;
  return `${up === 0 ? '\\./' : `(?:\\./)?(?:\\.\\./){${up}}`}${esc(down)}${REST}`;
}

/** The `patterns` of no-restricted-imports for one directory of a layer. */
export function patternsFor(dir, layer) {
  const name = `${layer.label ?? layer.folder}/`;
  const allowed = layer.packages.map(esc).join('|');
  const pkgs = layer.packages.length ? `may import only these npm packages: ${layer.packages.join(', ')}` : 'may not import npm packages';
  const builtins = `(?:node:.*|(?:${NODE_BUILTINS.map(esc).join('|')})(?:/.*)?)`;
  const out = [
    {
      regex: `^(?![./])(?!${builtins}$)${allowed ? `(?!(?:${allowed})(?:/|$))` : ''}`,
      message: `${name} ${pkgs} (layer allow-list, docs/architecture.md).`,
    },
    {
      regex: `^(?=\\.)(?!(?:${layer.folders.map((f) => landsIn(dir, f)).join('|')})$)`,
      message: `${name} may import only from ${layer.folders.map((f) => `${f}/`).join(', ')} (layer allow-list, docs/architecture.md).`,
    },
  ];
  if (!layer.node)
    out.push({ regex: `^${builtins}$`, message: `${name} may not import Node built-in modules: it also runs in the browser (docs/architecture.md).` });
  for (const f of layer.not ?? []) {
    out.push({ regex: `^${landsIn(dir, f)}$`, message: `${name} may not import ${f}/ (layer allow-list, docs/architecture.md).` });
  }
  return out;
}

function dirsUnder(root, rel) {
  const out = [rel];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...dirsUnder(root, `${rel}/${e.name}`));
  }
  return out;
}

/** Flat-config blocks: one per source directory of every layer, plus the no-dynamic-import rule where it applies. */
export function layerConfigs(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const all = layers(pkg);
  const owner = (dir) => all.filter((l) => dir === l.folder || dir.startsWith(`${l.folder}/`)).sort((a, b) => b.folder.length - a.folder.length)[0];
  const blocks = [];
  for (const layer of all) {
    if (!fs.existsSync(path.join(root, layer.folder))) continue;
    for (const dir of dirsUnder(root, layer.folder)) {
      if (owner(dir) !== layer) continue;
      blocks.push({
        name: `layers/${dir}`,
        files: [`${dir}/*.ts`, `${dir}/*.tsx`],
        ignores: TEST_FILES,
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: patternsFor(dir, layer) }] },
      });
    }
    if (layer.staticOnly) {
      const message = `${layer.folder}/ uses static imports only, so the layer check sees every import.`;
      blocks.push({
        name: `layers/${layer.folder}/static-only`,
        files: [`${layer.folder}/**/*.ts`, `${layer.folder}/**/*.tsx`],
        ignores: TEST_FILES,
        rules: {
          'no-restricted-syntax': ['error', { selector: 'ImportExpression', message }, { selector: "CallExpression[callee.name='require']", message }],
        },
      });
    }
  }
  return blocks;
}
