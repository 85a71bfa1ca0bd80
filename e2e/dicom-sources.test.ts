/**
 * Issue 12 §3: a display can make the hub read only the configured DICOM folders and PACS.
 * /etc, /usr and a folder outside the roots are refused with an error naming --dicom-root; an
 * unconfigured URL with one naming --pacs; and a configured PACS that cannot be used answers the
 * same whether its port is closed or another service answers there (no port oracle).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startHub, type HubProc } from './harness';
import { freePort } from '../main/dicom/testing/orthanc';

let hub: HubProc | undefined;
const servers: http.Server[] = [];
after(async () => {
  await hub?.kill();
  for (const s of servers) s.close();
});

/** A port nothing listens on (bound, then closed). */
test('only configured folders and PACS; PACS failures all look alike', { timeout: 60_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-roots-')));
  fs.mkdirSync(path.join(root, 'empty-series'));
  // Something that answers HTTP but is no DICOMweb service (as an SSH or admin port would answer something).
  const other = http.createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>router admin</h1>'));
  servers.push(other);
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const openPort = (other.address() as net.AddressInfo).port;
  const closed = await freePort(); // nothing listens there
  hub = await startHub(['--dicom-root', root, '--pacs', `http://127.0.0.1:${openPort}/dicom-web`, '--pacs', `http://127.0.0.1:${closed}/dicom-web`]);
  const h = hub;
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${h.origin}${p}`, {
      method,
      headers: { Authorization: `Bearer ${h.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as { error?: string } & Record<string, unknown> };
  };
  const sources = await call('GET', '/api/anatomy/sources');
  assert.deepEqual(
    (sources.body.roots as { path: string }[]).map((r) => r.path),
    [root],
  );
  assert.equal((sources.body.pacs as unknown[]).length, 2);

  for (const p of ['/etc', '/usr/share', os.tmpdir(), path.join(root, '..')]) {
    const r = await call('POST', '/api/anatomy/open', { source: p });
    assert.equal(r.status, 403, p);
    assert.match(r.body.error!, /not inside a DICOM folder this hub may read .*add one with --dicom-root DIR/, p);
  }
  assert.equal((await call('POST', '/api/anatomy/open', { source: path.join(root, 'empty-series') })).status, 202, 'inside the root');
  const unconfigured = await call('GET', `/api/anatomy/pacs?url=${encodeURIComponent('http://127.0.0.1:22/dicom-web')}`);
  assert.equal(unconfigured.status, 403);
  assert.match(unconfigured.body.error!, /not a PACS this hub may search .*--pacs URL/);
  assert.equal(
    (await call('POST', '/api/anatomy/open', { source: 'http://169.254.169.254/latest/meta-data' })).status,
    403,
    'no request forgery through open either',
  );

  const viaOpen = await call('GET', `/api/anatomy/pacs?url=${encodeURIComponent(`http://127.0.0.1:${openPort}/dicom-web`)}`);
  const viaClosed = await call('GET', `/api/anatomy/pacs?url=${encodeURIComponent(`http://127.0.0.1:${closed}/dicom-web`)}`);
  assert.equal(viaOpen.status, 502);
  assert.equal(viaClosed.status, 502);
  const strip = (e: string, port: number) => e.replace(String(port), 'PORT');
  assert.equal(strip(viaOpen.body.error!, openPort), strip(viaClosed.body.error!, closed), 'the same answer whatever the reason');
  assert.equal(viaOpen.body.error, `PACS 127.0.0.1:${openPort}/dicom-web: not reachable, or not a DICOMweb service`);
});
