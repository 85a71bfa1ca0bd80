/**
 * The layers hold: hub code never imports electron; the renderer never imports Node;
 * common/ and native-bridge/common/ import neither Node nor the DOM-only packages;
 * only native-bridge/ imports zeromq.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(__dirname, '..');
/**
 * Packages a pure layer may use: pure TS themselves. zod/mini validates the HTTP route table
 * (common/display-api.ts); the full 'zod' is kept out because the renderer bundles common/ (450 KB against 20 KB).
 */
const PURE_PACKAGES = new Set(['zod/mini']);
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

function imports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  const out: string[] = [];
  for (const m of src.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

function resolvedDir(file: string, spec: string): string | null {
  return spec.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), spec)) : null;
}

function violations(dir: string, rule: (spec: string, target: string | null) => string | null): string[] {
  const bad: string[] = [];
  for (const f of files(dir)) for (const spec of imports(f)) {
    const why = rule(spec, resolvedDir(f, spec));
    if (why) bad.push(`${path.relative(ROOT, f)} imports ${spec}: ${why}`);
  }
  return bad;
}

test('the import scanner sees imports (self-check)', () => {
  const all = files('main/hub').flatMap(imports);
  assert.ok(all.includes('node:events'), 'hub imports node:events');
  assert.ok(files('renderer').length > 5);
});

test('main/ (hub, cli, dicom, recorder) never imports electron; only main/electron does', () => {
  const bad = ['main/hub', 'main/cli', 'main/dicom', 'main/recorder'].flatMap((d) =>
    violations(d, (s) => (s === 'electron' || s.startsWith('electron/') ? 'the hub runs under plain Node' : null)),
  );
  assert.deepEqual(bad, []);
});

test('renderer/ never imports Node modules, the hub or native-bridge/node', () => {
  const bad = violations('renderer', (s, t) => {
    if (NODE.has(s) || NODE.has(s.split('/')[0])) return 'Node module in the renderer';
    if (['zeromq', 'better-sqlite3', 'ws', 'electron'].includes(s)) return 'Node-only package in the renderer';
    if (t && (t.startsWith('main') || t.startsWith('native-bridge/node'))) return 'renderer reaches into the hub';
    return null;
  });
  assert.deepEqual(bad, []);
});

test('common/ and native-bridge/common/ are pure: no Node, no DOM packages, no hub', () => {
  const rule = (s: string, t: string | null) => {
    if (NODE.has(s) || NODE.has(s.split('/')[0])) return 'Node module in a pure layer';
    if (!s.startsWith('.') && !PURE_PACKAGES.has(s)) return 'package import in a pure layer';
    if (t && (t.startsWith('main') || t.startsWith('renderer') || t.startsWith('native-bridge/node'))) return 'pure layer depends on a runtime layer';
    return null;
  };
  assert.deepEqual([...violations('common', rule), ...violations('native-bridge/common', rule)], []);
});

test('only native-bridge/ imports zeromq', () => {
  const bad = ['main', 'renderer', 'common'].flatMap((d) => violations(d, (s) => (s === 'zeromq' ? 'zeromq belongs to native-bridge' : null)));
  assert.deepEqual(bad, []);
});
