import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreatePairing, pairingPath, readPairing, rotatePairing, watchPairing, writePairing } from './display-pairing';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-pairing-'));

test('the pairing is made once, kept (0600), and rotation replaces the token but keeps the port', () => {
  const dir = tmp();
  assert.equal(readPairing(dir), null);
  const a = loadOrCreatePairing(dir);
  assert.match(a.token, /^[A-Za-z0-9_-]{32}$/);
  assert.equal((fs.statSync(pairingPath(dir)).mode & 0o777).toString(8), '600');
  assert.deepEqual(loadOrCreatePairing(dir), a, 'the same token on the next start');
  writePairing(dir, { ...a, port: 45123 });
  const b = rotatePairing(dir);
  assert.notEqual(b.token, a.token);
  assert.equal(b.port, 45123);
  assert.deepEqual(readPairing(dir), b);
});

test('a damaged pairing file is a clear error naming the file, not a new token in silence', () => {
  const dir = tmp();
  fs.writeFileSync(pairingPath(dir), '{not json');
  assert.throws(() => loadOrCreatePairing(dir), /display\.json is not JSON/);
  fs.writeFileSync(pairingPath(dir), JSON.stringify({ token: 'short', port: 1 }));
  assert.throws(() => readPairing(dir), /"token" is missing or malformed/);
});

test('a running hub sees a rotated token through the file', async () => {
  const dir = tmp();
  const a = loadOrCreatePairing(dir);
  const seen: string[] = [];
  const stop = watchPairing(dir, a.token, (t) => seen.push(t), 20);
  try {
    const b = rotatePairing(dir);
    const t0 = Date.now();
    while (!seen.length && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, [b.token]);
  } finally {
    stop();
  }
});
