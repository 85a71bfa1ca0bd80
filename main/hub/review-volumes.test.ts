import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ReviewVolumes } from './review-volumes';
import { ApiRouter } from './api-router';
import { DicomSources } from './dicom-sources';
import { DEMO_VOLUME_ID } from './demo-phantom';
import type { ReviewSeriesStateView } from '../../common/review-contract';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');

const FILES = sharedData('dicom/pydicom-test-files');
const skip = missingShared(FILES);
const uidOf = (f: string) => dicomParser.parseDicom(fs.readFileSync(path.join(FILES, f))).string('x0020000e')!;

const services: ReviewVolumes[] = [];
after(async () => {
  for (const s of services) await s.close();
});

function setup(maxSlots?: number) {
  const roots = skip ? [] : [FILES];
  const rv = new ReviewVolumes({ sources: DicomSources.configure({ roots, pacs: [] }), log: () => {}, maxSlots });
  services.push(rv);
  const router = new ApiRouter();
  rv.routes(router);
  const call = async (method: string, p: string, body?: unknown) => {
    const u = new URL(p, 'http://x');
    return router.handle({ method, path: u.pathname, query: u.searchParams, body });
  };
  /** Opens and waits until the slot is no longer loading. */
  const load = async (seriesUid: string, source: string): Promise<ReviewSeriesStateView> => {
    const r = await call('POST', '/api/review/series', { seriesUid, source });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    for (;;) {
      const s = (await call('GET', `/api/review/series/${encodeURIComponent(seriesUid)}`)).body as ReviewSeriesStateView;
      if (s.status !== 'loading') return s;
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  return { rv, call, load };
}

test('a series is loaded by UID from a folder with several: only it is built; its voxels are served', { skip }, async () => {
  const { call, load } = setup();
  const uid = uidOf('CT_small.dcm');
  const s = await load(uid, FILES);
  assert.equal(s.status, 'ready', s.message);
  assert.equal(s.meta!.key, uid);
  assert.equal(s.meta!.modality, 'CT');
  assert.deepEqual(s.meta!.dimensions, [128, 128, 1]);
  assert.match(s.meta!.id, /^review:/);
  const vox = await call('GET', `/api/review/series/${uid}/voxels?id=${encodeURIComponent(s.meta!.id)}`);
  assert.equal(vox.status, 200);
  assert.equal((vox.body as Uint8Array).byteLength, s.meta!.byteLength);
  vox.done?.();
  assert.equal((await call('GET', `/api/review/series/${uid}/voxels?id=other%231`)).status, 409);
  // Asked again from the same source: answered as it is, no second load.
  const again = await call('POST', '/api/review/series', { seriesUid: uid, source: FILES });
  assert.equal((again.body as ReviewSeriesStateView).meta?.id, s.meta!.id);
});

test('a UID that is not in the folder: said so, with the series that are there', { skip }, async () => {
  const { load } = setup();
  const s = await load('1.2.826.0.1.3680043.99.404', FILES);
  assert.equal(s.status, 'error');
  assert.ok(s.message!.startsWith(`no series with UID 1.2.826.0.1.3680043.99.404 in ${FILES}: the series there: `), s.message);
  const ct = uidOf('CT_small.dcm');
  const mr = uidOf('MR_small.dcm');
  assert.ok(s.message!.includes(ct) && s.message!.includes(mr), s.message);
  assert.ok(
    s.found!.some((f) => f.seriesUid === ct && f.modality === 'CT'),
    'CT_small listed',
  );
  assert.ok(s.found!.length >= 2 && s.found!.length <= 50);
});

test('sources outside the roots are refused naming the setting; unknown slots are 404', async () => {
  const { call } = setup();
  const r = await call('POST', '/api/review/series', { seriesUid: '1.2.3', source: '/etc' });
  assert.equal(r.status, 403);
  assert.match((r.body as { error: string }).error, /--dicom-root/);
  const url = await call('POST', '/api/review/series', { seriesUid: '1.2.3', source: 'http://127.0.0.1:9/dicom-web' });
  assert.equal(url.status, 403);
  assert.match((url.body as { error: string }).error, /--pacs URL/);
  assert.equal((await call('POST', '/api/review/series', { seriesUid: '', source: 'demo' })).status, 400);
  assert.equal((await call('GET', '/api/review/series/1.2.3')).status, 404);
  assert.equal((await call('GET', '/api/review/series/1.2.3/voxels')).status, 404);
});

test('the demo phantom; at most maxSlots kept, the least recently used dropped', async () => {
  const { call, load } = setup(1);
  const s = await load(DEMO_VOLUME_ID, 'demo');
  assert.equal(s.status, 'ready');
  assert.equal(s.meta!.source, 'demo');
  const wrong = await load('1.2.3', 'demo');
  assert.equal(wrong.status, 'error');
  assert.match(wrong.message!, /the demo phantom is series demo-phantom-v1, not 1\.2\.3/);
  assert.equal((await call('GET', `/api/review/series/${DEMO_VOLUME_ID}`)).status, 404, 'the demo slot was dropped for the newer one');
});
