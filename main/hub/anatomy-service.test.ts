import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AnatomyService } from './anatomy-service';
import { ApiRouter } from './api-router';
import { DisplayServer } from './server';
import { trimVolumeMemory, volumeMemoryStats } from '../dicom/index';
import type { AnatomyMessage, RegistrationView, VolumeMeta } from '../../common/anatomy-contract';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';
import { demoFiducialPairs } from './demo-phantom';
import { invertRigid, transformPoint } from '../../common/geometry';
import { SIM_TRACKER_TO_PATIENT } from '../../common/phantom';

const HEAD_CT = sharedData('dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const headSkip = missingShared(HEAD_CT);

function setup(simulated = true, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-anat-'))) {
  const messages: AnatomyMessage[] = [];
  const svc = new AnatomyService({ dataDir, broadcast: (m) => messages.push(m), log: () => {}, simulated });
  const router = new ApiRouter();
  svc.routes(router);
  const call = async (method: string, p: string, body?: unknown) => {
    const u = new URL(p, 'http://x');
    return router.handle({ method, path: u.pathname, query: u.searchParams, body });
  };
  return { svc, messages, call, dataDir };
}

/** The display server on a free loopback port with the service's API (token `tok`). */
async function serve(svc: AnatomyService): Promise<DisplayServer> {
  const router = new ApiRouter();
  svc.routes(router);
  const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '');
  const server = new DisplayServer({ host: '127.0.0.1', port: 0, token: 'tok', staticDir, onClient: () => {}, api: router.handle });
  await server.listen();
  return server;
}

const services: AnatomyService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

test('the demo phantom loads with progress messages and a registration from the simulated pointer', async () => {
  const { svc, messages, call } = setup(true);
  services.push(svc);
  await svc.openDemo();
  const vols = messages.filter((m): m is Extract<AnatomyMessage, { t: 'volume' }> => m.t === 'volume');
  assert.equal(vols[0].status, 'loading');
  assert.ok(
    vols.some((m) => m.status === 'loading' && m.progress > 0 && m.progress < 1),
    'intermediate progress',
  );
  const last = vols.at(-1)!;
  assert.equal(last.status, 'ready');
  const meta = last.meta!;
  assert.deepEqual(meta.dimensions, [256, 256, 120]);
  assert.equal(meta.dataType, 'int16');
  assert.equal(meta.byteLength, 256 * 256 * 120 * 2);
  const reg = messages.filter((m) => m.t === 'registration').at(-1) as Extract<AnatomyMessage, { t: 'registration' }>;
  assert.ok(reg.registration && reg.registration.freMm < 1, 'demo registration with a small FRE');
  const r = await call('GET', '/api/anatomy');
  assert.equal(r.status, 200);
  assert.equal((r.body as { volume: { meta: VolumeMeta } }).volume.meta.id, meta.id);
  // Voxels: the raw Int16 samples, only for the current id.
  const v = await call('GET', `/api/anatomy/voxels?id=${encodeURIComponent(meta.id)}`);
  assert.equal(v.status, 200);
  assert.ok(v.body instanceof Uint8Array && v.body.byteLength === meta.byteLength);
  assert.equal((await call('GET', '/api/anatomy/voxels?id=old#1')).status, 409);
  assert.equal(svc.messages().length, 2);
  assert.ok(svc.currentRegistration());
});

test('registration over the API: kept per series in the data dir, found again after a restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-anat-'));
  const a = setup(false, dataDir);
  services.push(a.svc);
  assert.equal((await a.call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs() })).status, 422, 'no images yet');
  await a.svc.openDemo();
  assert.equal(a.svc.currentRegistration(), null, 'no demo registration without the simulated OR');
  assert.equal((await a.call('POST', '/api/anatomy/registration', { pairs: [{ image: [0, 0, 0] }] })).status, 400);
  const few = await a.call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs().slice(0, 2) });
  assert.equal(few.status, 422);
  assert.match((few.body as { error: string }).error, /at least 3/);
  const ok = await a.call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0.2), label: 'test' });
  assert.equal(ok.status, 200);
  const view = ok.body as RegistrationView;
  assert.equal(view.label, 'test');
  assert.ok(view.freMm > 0 && view.freMm < 0.6);
  // The registration maps tracker points onto the image like the simulator's ground truth.
  const p = [10, 60, -20];
  const tracker = transformPoint(invertRigid(SIM_TRACKER_TO_PATIENT), p);
  const back = transformPoint(view.trackerToImage, tracker);
  assert.ok(Math.hypot(back[0] - p[0], back[1] - p[1], back[2] - p[2]) < 1);
  assert.ok(fs.existsSync(path.join(dataDir, 'anatomy', 'registrations.json')));
  // A new hub on the same data dir gets it back when the same images load.
  const b = setup(false, dataDir);
  services.push(b.svc);
  await b.svc.openDemo();
  assert.equal(b.svc.currentRegistration()?.registration.label, 'test');
  assert.equal((await b.call('DELETE', '/api/anatomy/registration')).status, 200);
  assert.equal(b.svc.currentRegistration(), null);
});

test('opening: bad requests are refused; a folder with no DICOM reports an error', async () => {
  const { svc, messages, call } = setup(false);
  services.push(svc);
  assert.equal((await call('POST', '/api/anatomy/open', {})).status, 400);
  assert.equal((await call('POST', '/api/anatomy/open', { source: '/no/such/dir' })).status, 400);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-empty-'));
  fs.writeFileSync(path.join(empty, 'readme.txt'), 'not dicom');
  await svc.open(empty);
  const last = messages.filter((m) => m.t === 'volume').at(-1) as Extract<AnatomyMessage, { t: 'volume' }>;
  assert.equal(last.status, 'error');
  assert.match(last.message ?? '', /no image volume/);
  assert.equal((await call('GET', '/api/anatomy/pacs?url=ftp://x')).status, 400);
});

test('the CT head phantom loads from its folder; voxels go out as binary over HTTP with the token', { skip: headSkip }, async () => {
  const { svc, messages } = setup(false);
  services.push(svc);
  await svc.open(HEAD_CT);
  const last = messages.filter((m) => m.t === 'volume').at(-1) as Extract<AnatomyMessage, { t: 'volume' }>;
  assert.equal(last.status, 'ready', last.message);
  const meta = last.meta!;
  assert.deepEqual(meta.dimensions, [512, 512, 140]);
  assert.equal(meta.unit, 'HU');
  assert.ok(Math.abs(meta.origin[0] + 115.5) < 1e-3 && Math.abs(meta.origin[2] - 694.21) < 1e-3);
  const server = await serve(svc);
  try {
    const url = `http://127.0.0.1:${server.port}/api/anatomy/voxels?id=${encodeURIComponent(meta.id)}`;
    assert.equal((await fetch(url)).status, 401);
    const res = await fetch(url, { headers: { Authorization: 'Bearer tok' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const buf = new Int16Array(await res.arrayBuffer());
    assert.equal(buf.length, 512 * 512 * 140);
    const src = svc.current!.volume.data;
    for (const i of [0, 1234567, buf.length - 1]) assert.equal(buf[i], src[i]);
  } finally {
    await server.close();
  }
});

test('a replaced CT goes back to the loader for the next load, but only once no display is still downloading it', { skip: headSkip }, async () => {
  const { svc, call } = setup(false);
  services.push(svc);
  trimVolumeMemory();
  await svc.open(HEAD_CT);
  const first = svc.current!;
  const copy = Buffer.from(first.volume.data.buffer, first.volume.data.byteOffset, first.volume.data.byteLength);
  const snapshot = Buffer.from(copy);
  // A display starts downloading the voxels; meanwhile the images are opened again.
  const download = await call('GET', `/api/anatomy/voxels?id=${encodeURIComponent(first.meta.id)}`);
  assert.equal(download.status, 200);
  assert.ok(download.done);
  await svc.open(HEAD_CT);
  const second = svc.current!;
  assert.notEqual(second.volume.data.buffer, first.volume.data.buffer, 'the downloading volume was not reused');
  assert.equal(volumeMemoryStats().kept, 0, 'not handed back while downloading');
  assert.ok(copy.equals(snapshot), 'the bytes being sent were not touched');
  download.done!();
  assert.equal(volumeMemoryStats().kept, 1, 'handed back when the download ended');
  await svc.open(HEAD_CT);
  assert.equal(svc.current!.volume.data.buffer, first.volume.data.buffer, 'the next load reuses it');
  // Over HTTP the server reports the end of the response: the replaced volume goes back at once.
  const server = await serve(svc);
  try {
    const sent = svc.current!.volume.data.buffer;
    const res = await fetch(`http://127.0.0.1:${server.port}/api/anatomy/voxels?id=${encodeURIComponent(svc.current!.meta.id)}`, {
      headers: { Authorization: 'Bearer tok' },
    });
    assert.equal((await res.arrayBuffer()).byteLength, 512 * 512 * 140 * 2);
    await new Promise((r) => setTimeout(r, 50)); // the server's 'close' after the last byte
    await svc.open(HEAD_CT); // replaces the volume just sent: handed back, since its download is over
    await svc.open(HEAD_CT);
    assert.equal(svc.current!.volume.data.buffer, sent, 'reused after the HTTP download ended');
  } finally {
    await server.close();
  }
});
