/**
 * Issue 12 §5: the display off loopback needs TLS. Plain HTTP off loopback is refused with a
 * clear error; --tls-self-signed serves HTTPS and WSS with a certificate whose printed
 * fingerprint is the one the server presents; a plain-HTTP request to it gets nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import WebSocket from 'ws';
import { run, runToEnd, type Proc } from './harness';

let hub: Proc | undefined;
after(async () => {
  await hub?.kill();
});

test('--host off loopback without TLS is refused with one line naming the fix', async () => {
  const r = await runToEnd([
    'start',
    '--headless',
    '--host',
    '0.0.0.0',
    '--port',
    '0',
    '--bus',
    'tcp://127.0.0.1:*',
    '--bus-security',
    'plain',
    '--data-dir',
    fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-tls-')),
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    new RegExp(
      '^or-hub start: --host 0\\.0\\.0\\.0 is off loopback: plain HTTP would expose the display and its token ' +
        'to the network; add --tls-cert FILE --tls-key FILE, or --tls-self-signed\\n$',
    ),
  );
  const half = await runToEnd(['start', '--headless', '--tls-cert', '/tmp/x.pem', '--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-tls-'))]);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
});

test('--tls-self-signed: HTTPS and WSS with the printed certificate; the token still required; plain HTTP gets nothing', { timeout: 60_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-tls-'));
  hub = run([
    'start',
    '--headless',
    '--host',
    '0.0.0.0',
    '--tls-self-signed',
    '--port',
    '0',
    '--bus',
    'tcp://127.0.0.1:*',
    '--bus-security',
    'plain',
    '--data-dir',
    dataDir,
  ]);
  const url = new URL(await hub.waitFor(/^display: (\S+)$/m));
  const fingerprint = await hub.waitFor(/^display TLS certificate SHA-256: (\S+)$/m);
  assert.equal(url.protocol, 'https:');
  const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
  const ca = fs.readFileSync(path.join(dataDir, 'tls', 'display-cert.pem'));
  assert.equal((fs.statSync(path.join(dataDir, 'tls', 'display-key.pem')).mode & 0o777).toString(8), '600');
  const port = Number(url.port);
  // The certificate the server presents is the one whose fingerprint was printed.
  const presented = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
  assert.equal(presented, fingerprint);
  const get = (p: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) =>
      https
        .get({ host: '127.0.0.1', port, path: p, ca, servername: 'localhost', headers }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
        .on('error', reject),
    );
  assert.equal(await get('/api/status'), 401);
  assert.equal(await get('/api/status', { Authorization: `Bearer ${token}` }), 200);
  const hello = await new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(`wss://localhost:${port}/ws`, { ca, headers: { Authorization: `Bearer ${token}` } });
    ws.on('message', (d) => {
      ws.close();
      resolve((JSON.parse(d.toString()) as { t: string }).t);
    });
    ws.on('error', reject);
  });
  assert.equal(hello, 'hello');
  // Plain HTTP to the TLS port: no answer that carries anything.
  const plain = await fetch(`http://127.0.0.1:${port}/api/status`).then(
    (r) => r.status,
    () => 'refused',
  );
  assert.equal(plain, 'refused');
});
