/**
 * Issue 12 §5: recordings at rest. The data dir is 0700 and every file in it 0600 (case files,
 * their WAL, keys, the hub file, the annotation heads), also where an older hub left them wider.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runToEnd, until } from './harness';

function modes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    out.set(path.relative(dir, d) || '.', (fs.statSync(d).mode & 0o777).toString(8));
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), (fs.statSync(p).mode & 0o777).toString(8));
    }
  };
  walk(dir);
  return out;
}

test('the data dir is 0700 and every recording, key and token file in it 0600, even where it was left wider', { timeout: 90_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-rest-'));
  fs.chmodSync(dataDir, 0o755);
  fs.mkdirSync(path.join(dataDir, 'recordings'), { mode: 0o755 });
  fs.chmodSync(path.join(dataDir, 'recordings'), 0o755);
  fs.writeFileSync(path.join(dataDir, 'recordings', 'left-by-an-old-hub.txt'), 'x', { mode: 0o644 });
  fs.chmodSync(path.join(dataDir, 'recordings', 'left-by-an-old-hub.txt'), 0o644);
  const hub = run(['start', '--headless', '--simulate', '--port', '0', '--bus', 'tcp://127.0.0.1:*', '--data-dir', dataDir]);
  try {
    const url = new URL(await hub.waitFor(/^display: (\S+)$/m));
    const auth = { Authorization: `Bearer ${new URLSearchParams(url.hash.slice(1)).get('token')}` };
    await until(
      async () => ((await (await fetch(`${url.origin}/api/case`, { headers: auth })).json()) as { case: unknown }).case,
      'the demo case recording',
      30000,
      200,
    );
    await runToEnd(['annotate', '--data-dir', dataDir, '--kind', 'note', '--text', 'permissions check']);
    await until(() => fs.readdirSync(path.join(dataDir, 'recordings')).some((f) => f.endsWith('.orrec-wal')), 'the case file and its WAL', 20000, 100);
  } finally {
    await hub.kill('SIGTERM');
  }
  const m = modes(dataDir);
  const files = [...m].filter(([p]) => p !== '.' && fs.statSync(path.join(dataDir, p)).isFile());
  const dirs = [...m].filter(([p]) => p === '.' || fs.statSync(path.join(dataDir, p)).isDirectory());
  assert.ok(
    files.some(([p]) => p.endsWith('.orrec')),
    `a case file: ${[...m.keys()].join(', ')}`,
  );
  assert.ok(files.some(([p]) => p === 'annotation-heads.log'));
  assert.ok(
    files.some(([p]) => p.startsWith('keys/')),
    'the bus keys',
  );
  assert.deepEqual(
    dirs.filter(([, mode]) => mode !== '700'),
    [],
    'every folder 0700',
  );
  assert.deepEqual(
    files.filter(([, mode]) => mode !== '600'),
    [],
    'every file 0600',
  );
});
