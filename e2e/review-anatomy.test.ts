/**
 * Issue 14, review mode: the 3D view at an instant, in Chromium. A case is recorded with real DICOM
 * (the CT head phantom from ../shared/data, copied into a --dicom-root under os.tmpdir()), the
 * simulated tracker and a registration; the review screen then
 * 1. shows that series in its own 3D and slice views (the WebGL2 ray cast draws the head), loaded
 *    into a review slot on the hub while the live display's volume stays as it was, with the
 *    instrument marker on the slices where the recorded pose and registration put the tip;
 * 2. after the folder is renamed, says the series is gone; a folder without that series UID gets a
 *    clear answer naming the UIDs it does hold; the renamed folder brings the 3D view back;
 * 3. with the folder gone too, finds the series by its UID on the PACS the hub was started with
 *    (a real Orthanc holding the phantom, --pacs its DICOMweb root) and draws it again from there;
 *    a PACS the hub was not given is refused with the one error naming --pacs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { startHub, run, launchBrowser, artefact, until, type HubProc, type Proc } from './harness';
import { missingShared, sharedData } from '../scripts/testing/shared-data';
import { recordingPath } from '../main/recorder/store';
import { invertRigid, multiply4, transformPoint, volumeCentre, type Vec3 } from '../common/geometry';
import { SIM_FIDUCIALS_PATIENT, SIM_TRACKER_TO_PATIENT } from '../common/phantom';
import type { AnatomyStateView } from '../common/anatomy-contract';
import { overridesScript } from '../renderer/src/anatomy/volume/bench-hooks';
import { recordedTipAt } from './recorded';
import { freePort, missingOrthanc, startOrthanc, type Orthanc } from '../main/dicom/testing/orthanc';
import type { ReviewSeriesStateView } from '../common/review-contract';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');

const HEAD_CT = sharedData('dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const OTHER = sharedData('dicom/pydicom-test-files/CT_small.dcm');
const skip = missingShared(HEAD_CT) || missingShared(OTHER);
const noPacs = skip || missingOrthanc();

let browser: Browser | undefined;
const procs: Proc[] = [];
let root = '';
let orthanc: Orthanc | undefined;
after(async () => {
  await browser?.close();
  for (const p of procs.reverse()) await p.kill('SIGKILL');
  await orthanc?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const js = <T>(page: Page, code: string): Promise<T> => page.evaluate(code) as Promise<T>;
const seriesUidOf = (file: string) => dicomParser.parseDicom(fs.readFileSync(file)).string('x0020000e')!;
const studyUidOf = (file: string) => dicomParser.parseDicom(fs.readFileSync(file)).string('x0020000d')!;

/** The case, its instant T and the live volume, shared by both tests. */
let hub: HubProc;
let caseId = '';
let T = 0;
let liveId = '';
let seriesDir = '';
let seriesUid = '';

async function api<B>(p: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<B> {
  const r = await fetch(hub.origin + p, {
    method,
    headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as B;
}

/** A review page of the case (the WebGL2 backend: SwiftShader would pick the CPU worker), seeked to T. */
async function reviewAt(errors: string[]): Promise<Page> {
  browser ??= await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(overridesScript({ backend: 'webgl' }));
  await page.goto(`${hub.origin}/#review&case=${caseId}&token=${hub.token}`);
  await until(() => js<boolean>(page, '!!window.__orhubReview?.state().detail'), 'case opened for review', 20000);
  await page.evaluate((t) => (window as any).__orhubReview.seek(t), T);
  await until(() => page.evaluate((t) => (window as any).__orhubReview.state().instant?.tMs === t, T), 'seeked to T');
  return page;
}

/** The 3D view has drawn a WebGL image of the volume: many lit pixels in the middle of the view (away from labels and cube). */
async function assert3dDrawn(page: Page, what: string): Promise<void> {
  const vol = page.locator('[data-testid="review-anatomy"] [data-testid="volume-view"]');
  await until(async () => Number((await vol.getAttribute('data-images')) ?? 0) >= 1, `${what}: 3D image`, 90000, 100);
  await until(() => js<boolean>(page, '!!window.__orhubReview.anatomy.stats()?.fullQuality'), `${what}: 3D full quality`, 90000, 100);
  assert.equal(await vol.getAttribute('data-backend'), 'webgl');
  const png = (await page.locator('[data-testid="review-anatomy"] [data-testid="volume-canvas"]').screenshot()).toString('base64');
  const lit = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    [c.width, c.height] = [img.width, img.height];
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(img.width * 0.25, img.height * 0.25, img.width * 0.5, img.height * 0.5).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 120) n++;
    return n / (d.length / 4);
  }, png);
  assert.ok(lit > 0.05, `${what}: ${(lit * 100).toFixed(1)}% of the middle of the 3D view is lit`);
}

/** The slice markers sit where the tip maps on each view (slice-view.ts mapping: axial u = x, v = y; coronal u = x, v = -z). */
async function assertMarker(page: Page, tip: Vec3): Promise<void> {
  for (const [o, u, v] of [
    ['axial', tip[0], tip[1]],
    ['coronal', tip[0], -tip[2]],
  ] as const) {
    const view = page.locator(`[data-testid="review-anatomy"] [data-testid="slice-${o}"]`);
    await until(async () => !!(await view.getAttribute('data-tip')), `${o} marker drawn`);
    const d = await page.locator(`[data-testid="review-anatomy"] [data-testid="slice-${o}-image"]`).evaluate((c: HTMLCanvasElement) => ({ ...c.dataset }));
    const [x, y] = (await view.getAttribute('data-tip'))!.split(',').map(Number);
    const want = [(u - Number(d.u0)) / Number(d.mmPerPx), (v - Number(d.v0)) / Number(d.mmPerPx)];
    assert.ok(Math.abs(x - want[0]) <= 0.2 && Math.abs(y - want[1]) <= 0.2, `${o} marker at ${x},${y}, recorded tip maps to ${want.map((w) => w.toFixed(2))}`);
  }
}

test(
  'review in Chromium: the recorded CT in 3D (a review slot, the live volume untouched), the instrument where pose and registration put it',
  { skip, timeout: 600_000 },
  async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-review-roots-')));
    seriesDir = path.join(root, 'head-ct');
    fs.cpSync(HEAD_CT, seriesDir, { recursive: true });
    seriesUid = seriesUidOf(path.join(seriesDir, 'I10')); // (DIRFILE is the folder's directory object)
    // The PACS of the third test, holding the phantom read in place (not its DIRFILE); the hub is told of it with --pacs.
    if (!noPacs) {
      orthanc = await startOrthanc();
      assert.equal(await orthanc.uploadFolder(HEAD_CT, ['DIRFILE']), 140);
    }
    hub = await startHub(['--dicom-root', root, ...(orthanc ? ['--pacs', orthanc.dicomWeb] : [])]);
    procs.push(hub);
    const tracker = run(['simulate', '--bus', hub.bus, '--devices', 'tracker']);
    procs.push(tracker);
    await tracker.waitFor(/simulating tracker/);
    caseId = (await api<{ id: string }>('/api/case', { procedure: 'Craniotomy (review test)', room: 'OR 3', team: [{ role: 'surgeon', name: 'A. Surgeon' }] }))
      .id;
    await api('/api/anatomy/open', { source: seriesDir });
    const ready = await until(
      async () => {
        const s = await api<AnatomyStateView>('/api/anatomy');
        return s.volume.status === 'ready' ? s.volume.meta : null;
      },
      'live volume loaded',
      120000,
      250,
    );
    const meta = ready.value!;
    liveId = meta.id;
    assert.equal(meta.key, seriesUid);
    // A registration of our choosing: the simulated tracker's path (about the demo phantom's markers) moved into the head.
    const centre = volumeCentre(meta);
    const markers = [0, 1, 2].map((i) => SIM_FIDUCIALS_PATIENT.reduce((a, p) => a + p[i] / SIM_FIDUCIALS_PATIENT.length, 0));
    const shift = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, centre[0] - markers[0], centre[1] - markers[1], centre[2] - markers[2], 1]);
    const trackerToImage = multiply4(shift, SIM_TRACKER_TO_PATIENT);
    const toTracker = invertRigid(trackerToImage);
    const image: Vec3[] = [
      [-50, 0, -40],
      [50, 0, -40],
      [0, 60, 30],
      [0, -50, 40],
    ].map((d) => [centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]]);
    await api('/api/anatomy/registration', { pairs: image.map((p) => ({ image: p, tracker: transformPoint(toTracker, p) })), label: '4 test fiducials' });
    // Poses recorded for a while under that registration; T is an instant in the middle of them.
    await new Promise((r) => setTimeout(r, 6000));
    T = Date.now() - 2500;
    await new Promise((r) => setTimeout(r, 2000));

    const errors: string[] = [];
    const page = await reviewAt(errors);
    const panel = page.locator('[data-testid="review-anatomy"]');
    await until(async () => (await panel.getAttribute('data-status')) === 'ready', 'review series loaded', 120000, 200);
    assert.match((await panel.getAttribute('data-shown'))!, new RegExp(`^review:${seriesUid.replace(/\./g, '\\.')}#`));
    await assert3dDrawn(page, 'recorded series');
    const want = recordedTipAt(recordingPath(hub.dataDir, caseId), T);
    const got = await js<number[]>(page, 'window.__orhubReview.anatomy.state().tip');
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(got[a] - want[a]) < 1e-3, `tip axis ${a}: ${got[a]} vs recorded ${want[a]}`);
    await assertMarker(page, want);
    assert.equal(await panel.locator('[data-testid="review-tracking"]').getAttribute('data-state'), 'ok');
    assert.ok(await panel.locator('[data-testid="volume-view"]').getAttribute('data-tip'), 'the instrument is drawn in 3D');
    await page.screenshot({ path: artefact('review-anatomy-ct.png') });
    // The live display's volume is the one it had: the review loaded its own copy.
    assert.equal((await api<AnatomyStateView>('/api/anatomy')).volume.meta?.id, liveId);
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  'review in Chromium: a series moved away is said to be gone; a folder without its UID says which it has; the new folder restores the 3D view',
  { skip, timeout: 600_000 },
  async () => {
    assert.ok(caseId, 'the first test recorded the case');
    const moved = `${seriesDir}-moved`;
    fs.renameSync(seriesDir, moved);
    const otherDir = path.join(root, 'other-study');
    fs.mkdirSync(otherDir);
    fs.copyFileSync(OTHER, path.join(otherDir, 'CT_small.dcm'));
    const otherUid = seriesUidOf(OTHER);
    assert.notEqual(otherUid, seriesUid);

    const errors: string[] = [];
    const page = await reviewAt(errors);
    const panel = page.locator('[data-testid="review-anatomy"]');
    await until(async () => (await panel.getAttribute('data-status')) === 'missing', 'series said to be missing');
    assert.match(await page.locator('[data-testid="review-series-message"]').innerText(), new RegExp(`no longer at ${seriesDir.replace(/[.]/g, '\\.')}`));
    await page.screenshot({ path: artefact('review-anatomy-missing.png') });

    // A folder that does not hold the series: said so, with the series UIDs it does hold.
    await page.locator('[data-testid="review-locate-folder"]').fill(otherDir);
    await page.locator('[data-testid="review-locate-folder-go"]').click();
    await until(() => page.locator('[data-testid="review-series-found"]').count(), 'the series found there are listed', 30000);
    assert.equal(await panel.getAttribute('data-status'), 'error');
    const message = await page.locator('[data-testid="review-series-message"]').innerText();
    assert.ok(message.includes(`no series with UID ${seriesUid} in ${otherDir}`), message);
    assert.ok(message.includes(otherUid), `the UID found there is named: ${message}`);
    assert.match(await page.locator('[data-testid="review-series-found"]').innerText(), new RegExp(otherUid.replace(/\./g, '\\.')));
    // Outside the roots: refused, naming the setting.
    await page.locator('[data-testid="review-locate-folder"]').fill('/etc');
    await page.locator('[data-testid="review-locate-folder-go"]').click();
    await until(
      async () => /--dicom-root/.test(await page.locator('[data-testid="review-series-message"]').innerText()),
      'a folder outside the roots is refused',
    );

    // The folder it was moved to: found by its UID, the 3D view and the marker are back.
    await page.locator('[data-testid="review-locate-folder"]').fill(moved);
    await page.locator('[data-testid="review-locate-folder-go"]').click();
    await until(async () => (await panel.getAttribute('data-status')) === 'ready', 'series located and loaded', 120000, 200);
    assert.equal(await page.locator('[data-testid="review-series-missing"]').count(), 0, 'no longer said to be missing');
    await assert3dDrawn(page, 'located series');
    await assertMarker(page, recordedTipAt(recordingPath(hub.dataDir, caseId), T));
    await page.screenshot({ path: artefact('review-anatomy-located.png') });
    assert.equal((await api<AnatomyStateView>('/api/anatomy')).volume.meta?.id, liveId, 'the live volume is still the one it had');
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test(
  'review in Chromium: a series gone from every folder is found on the configured PACS by its UID and drawn from there; another PACS is refused',
  { skip: noPacs, timeout: 600_000 },
  async () => {
    assert.ok(caseId && orthanc, 'the first test recorded the case with the PACS configured');
    fs.rmSync(`${seriesDir}-moved`, { recursive: true, force: true });
    const errors: string[] = [];
    const page = await reviewAt(errors);
    const panel = page.locator('[data-testid="review-anatomy"]');
    const message = () => page.locator('[data-testid="review-series-message"]').innerText();
    await until(async () => (await panel.getAttribute('data-status')) === 'missing', 'series said to be missing');
    assert.match(await message(), new RegExp(`no longer at ${seriesDir.replace(/[.]/g, '\\.')}`));

    // A PACS the hub was not started with: refused, naming --pacs (the hub asks nothing of it).
    const stranger = await freePort();
    await page.locator('[data-testid="review-locate-pacs"]').fill(`http://127.0.0.1:${stranger}/dicom-web`);
    await page.locator('[data-testid="review-locate-pacs-go"]').click();
    await until(async () => /--pacs/.test(await message()), 'an unconfigured PACS is refused');
    const label = orthanc.dicomWeb.replace(/^http:\/\//, '');
    assert.equal(await message(), `127.0.0.1:${stranger}: not a PACS this hub may search (${label}; add one with --pacs URL)`);
    assert.equal(await panel.getAttribute('data-status'), 'error');

    // The configured PACS, picked from the hub's list: the series found there by its UID, the 3D view and the marker are back.
    await page.locator(`[data-testid="review-series-missing"] button[title="${orthanc.dicomWeb}"]`).click();
    assert.equal(await page.locator('[data-testid="review-locate-pacs"]').inputValue(), orthanc.dicomWeb);
    await page.locator('[data-testid="review-locate-pacs-go"]').click();
    await until(async () => (await panel.getAttribute('data-status')) === 'ready', 'series found on the PACS and loaded', 120000, 200);
    assert.equal(await page.locator('[data-testid="review-series-missing"]').count(), 0, 'no longer said to be missing');
    await assert3dDrawn(page, 'series from the PACS');
    await assertMarker(page, recordedTipAt(recordingPath(hub.dataDir, caseId), T));
    await page.screenshot({ path: artefact('review-anatomy-pacs.png') });
    // Its source is now the PACS: the screen and the hub's review slot both say the series URL on it.
    const onPacs = `${orthanc.dicomWeb}/studies/${studyUidOf(path.join(HEAD_CT, 'I10'))}/series/${seriesUid}`;
    assert.equal(await page.locator('[data-testid="review-series"]').getAttribute('data-source'), onPacs);
    const slot = await api<ReviewSeriesStateView>(`/api/review/series/${encodeURIComponent(seriesUid)}`);
    assert.equal(slot.source, onPacs);
    assert.equal(slot.status, 'ready');
    assert.match(slot.meta!.id, new RegExp(`^review:${seriesUid.replace(/\./g, '\\.')}#`));
    // The same volume as the live display's, which was loaded from the folder (and is still the one it had).
    const live = (await api<AnatomyStateView>('/api/anatomy')).volume.meta!;
    assert.equal(live.id, liveId, 'the live volume is still the one it had');
    assert.deepEqual([slot.meta!.dimensions, slot.meta!.spacing, slot.meta!.origin], [live.dimensions, live.spacing, live.origin]);
    assert.deepEqual(errors, []);
    await page.close();
  },
);
