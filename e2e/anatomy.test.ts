/**
 * Issue 5 end to end: the anatomy views in Debian Chromium (WebGL2 on SwiftShader) against real
 * hub and simulator processes.
 *
 * 1. The CT head phantom (../shared/data/dicom/ct-head-phantom, read in place) opened with
 *    `or-hub start --dicom PATH`: the axial slice shows the skull where the DICOM geometry puts it
 *    (compared pixel by pixel with the files themselves, read here with dicom-parser), with the
 *    right orientation labels; window/level changes what is drawn; the value under the pointer
 *    is the voxel's HU; the 3D view draws and rotates.
 * 2. The demo phantom with the simulated tracker: after registration the instrument marker is on
 *    the slices and in 3D, moves as the tracker moves, and a stale tracker is flagged; the WebGL2
 *    shader backend renders as well (SwiftShader selects the CPU worker backend by default).
 * 3. Registration done in the display: markers picked on the slices, touched by the simulated
 *    pointer (captured while it rests on them), registered, replacing the one in force once
 *    confirmed on the sheet with who; the result matches the simulator.
 * Screenshots go to test-results/.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { startHub, run, launchBrowser, artefact, until, type HubProc, type Proc } from './harness';
import { missingShared, sharedData } from '../scripts/testing/shared-data';
import { demoFiducialPairs } from '../main/hub/demo-phantom';
import { invertRigid, transformPoint } from '../common/geometry';
import { SIM_FIDUCIALS_PATIENT, SIM_TRACKER_TO_PATIENT } from '../common/phantom';
import { overridesScript } from '../renderer/src/anatomy/volume/bench-hooks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');

const HEAD_CT = sharedData('dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const headSkip = missingShared(HEAD_CT);

let browser: Browser | undefined;
const procs: Proc[] = [];
after(async () => {
  await browser?.close();
  for (const p of procs.reverse()) await p.kill('SIGKILL');
});

async function getBrowser(): Promise<Browser> {
  browser ??= await launchBrowser();
  return browser;
}

async function openDisplay(hub: HubProc): Promise<{ page: Page; errors: string[] }> {
  const page = await (await getBrowser()).newPage({ viewport: { width: 1920, height: 1080 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(hub.url);
  return { page, errors };
}

const js = <T>(page: Page, code: string): Promise<T> => page.evaluate(code) as Promise<T>;

/** The canvas's RGBA pixels (device pixels = CSS pixels at DPR 1). */
async function canvasPixels(page: Page, testId: string): Promise<{ w: number; h: number; data: Buffer }> {
  const r = await js<{ w: number; h: number; b64: string }>(
    page,
    `(() => { const c = document.querySelector('[data-testid="${testId}"]'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let s = ''; for (let i = 0; i < d.length; i += 32768) s += String.fromCharCode.apply(null, d.subarray(i, i + 32768));
      return { w: c.width, h: c.height, b64: btoa(s) }; })()`,
  );
  return { w: r.w, h: r.h, data: Buffer.from(r.b64, 'base64') };
}

/** The slice view's screen mapping (slice-view.ts): u = u0 + x * mm, v = v0 + y * mm. */
async function mapping(page: Page, o: string): Promise<{ u0: number; v0: number; mm: number; depth: number }> {
  const d = await page.locator(`[data-testid="slice-${o}-image"]`).evaluate((c: HTMLCanvasElement) => ({ ...c.dataset }));
  return { u0: Number(d.u0), v0: Number(d.v0), mm: Number(d.mmPerPx), depth: Number(d.depthMm) };
}

interface DicomSlice {
  z: number;
  hu: Int16Array;
  rows: number;
  cols: number;
  ipp: number[];
  spacing: number[];
}

/** Reads every image of the series with dicom-parser (independent of our loader): HU and position. */
function readHeadSeries(): DicomSlice[] {
  const out: DicomSlice[] = [];
  for (const f of fs.readdirSync(HEAD_CT)) {
    const b = fs.readFileSync(path.join(HEAD_CT, f));
    let ds;
    try {
      ds = dicomParser.parseDicom(b);
    } catch {
      continue;
    }
    const px = ds.elements.x7fe00010;
    if (!px) continue;
    const rows = ds.uint16('x00280010')!,
      cols = ds.uint16('x00280011')!;
    const slope = Number(ds.string('x00281053') ?? 1),
      icpt = Number(ds.string('x00281052') ?? 0);
    const raw = new Uint16Array(b.buffer.slice(b.byteOffset + px.dataOffset, b.byteOffset + px.dataOffset + rows * cols * 2));
    const hu = new Int16Array(rows * cols);
    for (let i = 0; i < hu.length; i++) hu[i] = raw[i] * slope + icpt;
    const ipp = ds.string('x00200032')!.split('\\').map(Number);
    const iop = ds.string('x00200037')!.split('\\').map(Number);
    assert.deepEqual(iop, [1, 0, 0, 0, 1, 0], 'the head phantom is an axial series');
    out.push({ z: ipp[2], hu, rows, cols, ipp, spacing: ds.string('x00280030')!.split('\\').map(Number) });
  }
  return out.sort((a, b) => a.z - b.z);
}

/** HU at patient (x, y, z) from the DICOM files: nearest pixel in-plane, linear between the two nearest slices. */
function dicomHu(series: DicomSlice[], x: number, y: number, z: number): number {
  let k = series.findIndex((s) => s.z >= z);
  if (k <= 0) k = 1;
  const a = series[k - 1],
    b = series[k];
  const w = Math.min(1, Math.max(0, (z - a.z) / (b.z - a.z)));
  const col = Math.round((x - a.ipp[0]) / a.spacing[1]);
  const row = Math.round((y - a.ipp[1]) / a.spacing[0]);
  if (col < 0 || row < 0 || col >= a.cols || row >= a.rows) return NaN;
  return a.hu[row * a.cols + col] * (1 - w) + b.hu[row * a.cols + col] * w;
}

/**
 * The axial canvas (bone window) against the DICOM files through the view's mapping: skull =
 * HU > 300 <=> grey > (300 + 500) / 1800 * 255 = 113. IoU, the same against the image mirrored
 * left-right about the volume's centre (a flipped display), and both outlines' bounding boxes (mm).
 */
function skullOverlap(series: DicomSlice[], img: { w: number; h: number; data: Buffer }, m: { u0: number; v0: number; mm: number; depth: number }) {
  let inter = 0,
    union = 0,
    interFlip = 0,
    unionFlip = 0,
    compared = 0;
  const box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  const boxExp = { ...box };
  for (let cy = 0; cy < img.h; cy++)
    for (let cx = 0; cx < img.w; cx++) {
      const x = m.u0 + (cx + 0.5) * m.mm,
        y = m.v0 + (cy + 0.5) * m.mm;
      const hu = dicomHu(series, x, y, m.depth);
      if (Number.isNaN(hu)) continue;
      compared++;
      const want = hu > 300;
      const got = img.data[(cy * img.w + cx) * 4] > 113;
      const xm = series[0].ipp[0] + (series[0].cols - 1) * series[0].spacing[1] - (x - series[0].ipp[0]);
      const wantFlip = dicomHu(series, xm, y, m.depth) > 300;
      if (want && got) inter++;
      if (want || got) union++;
      if (wantFlip && got) interFlip++;
      if (wantFlip || got) unionFlip++;
      if (got) Object.assign(box, { minX: Math.min(box.minX, x), maxX: Math.max(box.maxX, x), minY: Math.min(box.minY, y), maxY: Math.max(box.maxY, y) });
      if (want)
        Object.assign(boxExp, {
          minX: Math.min(boxExp.minX, x),
          maxX: Math.max(boxExp.maxX, x),
          minY: Math.min(boxExp.minY, y),
          maxY: Math.max(boxExp.maxY, y),
        });
    }
  return { iou: inter / union, iouFlip: interFlip / unionFlip, compared, box, boxExp };
}

test(
  'CT head phantom via --dicom: the axial slice shows the skull where its DICOM geometry says, labels right, window/level and HU readout work',
  { skip: headSkip },
  async (t) => {
    const hub = await startHub(['--dicom', HEAD_CT]);
    procs.push(hub);
    const { page, errors } = await openDisplay(hub);
    await until(() => js<boolean>(page, '!!window.__orhubAnatomy.state().shownId'), 'volume downloaded to the display', 60000, 100);
    assert.match(await page.locator('[data-testid="anatomy-view"]').innerText(), /STD BRAIN 1MM/);
    await until(() => page.locator('[data-testid="slice-axial"][data-drawn]').count(), 'axial slice drawn', 20000);
    // Orientation labels: radiological convention, patient right on the screen's left.
    const label = (o: string, pos: string) => page.locator(`[data-testid="slice-${o}-label-${pos}"]`).innerText();
    assert.deepEqual(
      [await label('axial', 'left'), await label('axial', 'right'), await label('axial', 'top'), await label('axial', 'bottom')],
      ['R', 'L', 'A', 'P'],
    );
    assert.deepEqual(
      [await label('coronal', 'left'), await label('coronal', 'right'), await label('coronal', 'top'), await label('coronal', 'bottom')],
      ['R', 'L', 'S', 'I'],
    );
    assert.deepEqual([await label('sagittal', 'left'), await label('sagittal', 'right')], ['A', 'P']);

    // A known window: bone (centre 400, width 1800): grey = (HU + 500) / 1800 * 255.
    await page.selectOption('[data-testid="window-preset"]', 'bone');
    await until(() => page.locator('[data-testid="slice-axial"][data-window="400,1800"]').count(), 'bone window drawn');
    await page.screenshot({ path: artefact('anatomy-head-bone.png') });
    const m = await mapping(page, 'axial');
    const series = readHeadSeries();
    assert.equal(series.length, 140);
    const img = await canvasPixels(page, 'slice-axial-image');
    const { iou, iouFlip, compared, box, boxExp } = skullOverlap(series, img, m);
    t.diagnostic(
      `axial skull vs DICOM files: IoU ${iou.toFixed(3)} (mirrored: ${iouFlip.toFixed(3)}), ${compared} ` +
        `pixels at ${m.mm.toFixed(3)} mm/px, z ${m.depth.toFixed(2)} mm`,
    );
    assert.ok(compared > 50000, `compared ${compared} pixels`);
    assert.ok(iou > 0.8, `skull overlap with the DICOM files (IoU) ${iou.toFixed(3)}`);
    assert.ok(iouFlip < iou - 0.1, `mirrored comparison must be clearly worse: ${iouFlip.toFixed(3)} vs ${iou.toFixed(3)}`);
    for (const k of ['minX', 'maxX', 'minY', 'maxY'] as const)
      assert.ok(Math.abs(box[k] - boxExp[k]) < 2, `skull outline ${k}: ${box[k].toFixed(1)} vs ${boxExp[k].toFixed(1)} mm`);

    // Window/level changes what is drawn: soft tissue window (40/400) maps the same slice differently.
    await page.selectOption('[data-testid="window-preset"]', 'soft tissue');
    await until(() => page.locator('[data-testid="slice-axial"][data-window="40,400"]').count(), 'soft-tissue window drawn');
    const img2 = await canvasPixels(page, 'slice-axial-image');
    let changed = 0;
    for (let i = 0; i < img.data.length; i += 4) if (Math.abs(img.data[i] - img2.data[i]) > 20) changed++;
    assert.ok(changed > 2000, `${changed} pixels changed with the window`);
    // Drag with the right button adjusts window/level too.
    const axial = page.locator('[data-testid="slice-axial-image"]');
    const ab = (await axial.boundingBox())!;
    await page.mouse.move(ab.x + ab.width / 2, ab.y + ab.height / 2);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(ab.x + ab.width / 2 + 60, ab.y + ab.height / 2 - 30, { steps: 5 });
    await page.mouse.up({ button: 'right' });
    await until(async () => (await page.locator('[data-testid="slice-axial"]').getAttribute('data-window')) !== '40,400', 'window changed by dragging');

    // Value under the pointer: on the skull, compared with the DICOM voxel.
    let probe: { cx: number; cy: number; hu: number } | null = null;
    for (let cy = Math.floor(img.h / 2); cy < img.h && !probe; cy++)
      for (let cx = Math.floor(img.w / 2); cx < img.w; cx++) {
        const x = m.u0 + (cx + 0.5) * m.mm,
          y = m.v0 + (cy + 0.5) * m.mm;
        const hus = [-2, 0, 2].flatMap((d) => [dicomHu(series, x + d, y, m.depth), dicomHu(series, x, y + d, m.depth)]);
        if (hus.every((h) => h > 500)) {
          probe = { cx, cy, hu: dicomHu(series, x, y, m.depth) };
          break;
        }
      }
    assert.ok(probe, 'found a pixel inside the skull');
    await page.mouse.move(ab.x + probe!.cx + 0.5, ab.y + probe!.cy + 0.5);
    const readout = await page.locator('[data-testid="slice-axial-readout"]').innerText();
    const shownHu = Number(/(-?\d+) HU/.exec(readout)?.[1]);
    assert.ok(Math.abs(shownHu - probe!.hu) < 150, `readout "${readout}" vs DICOM ${probe!.hu.toFixed(0)} HU`);

    // Zoom x2 about a point (Ctrl+wheel, 400 px), pan (middle-drag), fit again: the skull voxel found
    // above lands where the zoom puts it, the drawing still matches the DICOM files through the new
    // mapping, and the readout and the crosshair read through it too.
    await page.selectOption('[data-testid="window-preset"]', 'bone');
    await until(() => page.locator('[data-testid="slice-axial"][data-window="400,1800"]').count(), 'bone window again');
    const m0 = await mapping(page, 'axial');
    const p = { x: probe!.cx + 0.5, y: probe!.cy + 0.5 }; // CSS px (DPR 1)
    const q = { x: Math.round(p.x - 20) + 0.5, y: Math.round(p.y - 15) + 0.5 };
    await page.mouse.move(ab.x + q.x, ab.y + q.y);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await until(() => page.locator('[data-testid="slice-axial"][data-zoom="2.000"]').count(), 'axial zoomed x2');
    const mz = await mapping(page, 'axial');
    assert.ok(Math.abs(mz.mm - m0.mm / 2) < 1e-9, `zoomed scale ${mz.mm} vs ${m0.mm}`);
    const fixed = { x: (mz.u0 - m0.u0) / (m0.mm - mz.mm), y: (mz.v0 - m0.v0) / (m0.mm - mz.mm) };
    assert.ok(Math.abs(fixed.x - q.x) < 1 && Math.abs(fixed.y - q.y) < 1, `zoom centre ${fixed.x.toFixed(2)},${fixed.y.toFixed(2)} vs pointer ${q.x},${q.y}`);
    // The probe voxel (patient x, y) now sits twice as far from the zoom centre.
    const voxel = { x: m0.u0 + p.x * m0.mm, y: m0.v0 + p.y * m0.mm };
    const want = { x: q.x + 2 * (p.x - q.x), y: q.y + 2 * (p.y - q.y) };
    const at = { x: (voxel.x - mz.u0) / mz.mm, y: (voxel.y - mz.v0) / mz.mm };
    assert.ok(Math.abs(at.x - want.x) < 1 && Math.abs(at.y - want.y) < 1, `voxel at ${at.x.toFixed(2)},${at.y.toFixed(2)}, expected ${want.x},${want.y}`);
    const zimg = await canvasPixels(page, 'slice-axial-image');
    const grey = (im: { w: number; data: Buffer }, x: number, y: number) => im.data[(Math.floor(y) * im.w + Math.floor(x)) * 4];
    assert.ok(grey(zimg, want.x, want.y) > 141, `skull (HU > 500) drawn at the expected pixel: grey ${grey(zimg, want.x, want.y)}`);
    const zo = skullOverlap(series, zimg, mz);
    t.diagnostic(`zoomed x2: IoU ${zo.iou.toFixed(3)} (mirrored ${zo.iouFlip.toFixed(3)}), ${zo.compared} pixels at ${mz.mm.toFixed(3)} mm/px`);
    assert.ok(zo.iou > 0.8 && zo.iouFlip < zo.iou - 0.1, `zoomed skull vs DICOM IoU ${zo.iou.toFixed(3)}, mirrored ${zo.iouFlip.toFixed(3)}`);
    await page.mouse.move(ab.x + want.x, ab.y + want.y);
    const zHu = Number(/(-?\d+) HU/.exec(await page.locator('[data-testid="slice-axial-readout"]').innerText())?.[1]);
    assert.ok(Math.abs(zHu - dicomHu(series, voxel.x, voxel.y, m0.depth)) < 150, `zoomed readout ${zHu} HU`);
    await page.screenshot({ path: artefact('anatomy-head-zoomed.png') });
    // Middle-drag pans: the voxel follows the pointer.
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(ab.x + want.x + 40, ab.y + want.y + 25, { steps: 5 });
    await page.mouse.up({ button: 'middle' });
    await until(async () => Math.abs((await mapping(page, 'axial')).u0 - (mz.u0 - 40 * mz.mm)) < 1e-6, 'axial panned');
    const mp = await mapping(page, 'axial');
    assert.ok(Math.abs(mp.v0 - (mz.v0 - 25 * mz.mm)) < 1e-6 && mp.mm === mz.mm, 'pan moves the image by the drag');
    const pimg = await canvasPixels(page, 'slice-axial-image');
    assert.ok(grey(pimg, want.x + 40, want.y + 25) > 141, 'skull voxel moved with the pan');
    // A click on the zoomed, panned view puts the crosshair on the patient point under it.
    await page.mouse.click(ab.x + want.x + 40, ab.y + want.y + 25);
    const ch = await js<number[]>(page, 'window.__orhubAnatomy.crosshair()');
    // (Within one screen pixel: Chromium hands the page whole-pixel pointer positions.)
    assert.ok(Math.abs(ch[0] - voxel.x) <= mp.mm && Math.abs(ch[1] - voxel.y) <= mp.mm, `crosshair ${ch} vs voxel ${voxel.x},${voxel.y}`);
    // Fit: back to the first mapping.
    await page.click('[data-testid="slice-axial-fit"]');
    await until(() => page.locator('[data-testid="slice-axial"][data-zoom="1.000"]').count(), 'axial fitted again');
    const mf = await mapping(page, 'axial');
    assert.ok(Math.abs(mf.u0 - m0.u0) < 1e-6 && Math.abs(mf.v0 - m0.v0) < 1e-6 && mf.mm === m0.mm, 'fit restores the mapping');

    // Linked crosshair: a click in the coronal view moves the axial plane to that height.
    const cor = page.locator('[data-testid="slice-coronal-image"]');
    const cb = (await cor.boundingBox())!;
    const mc = await mapping(page, 'coronal');
    const zTarget = 740; // coronal: v = −z
    await page.mouse.click(cb.x + cb.width / 2, cb.y + (-zTarget - mc.v0) / mc.mm);
    await until(async () => Math.abs((await mapping(page, 'axial')).depth - zTarget) < mc.mm, 'axial follows the coronal click');

    // The 3D view draws, labels its anterior view, and rotates by mouse.
    const vol = page.locator('[data-testid="volume-view"]');
    await until(async () => Number((await vol.getAttribute('data-images')) ?? 0) >= 1, '3D image', 60000, 100);
    assert.equal(await vol.getAttribute('data-labels'), 'R,L,S,I');
    await until(() => js<boolean>(page, 'window.__orhubAnatomy.stats().fullQuality'), '3D full quality', 60000, 100);
    const before = await vol.screenshot({ path: artefact('anatomy-head-3d.png') });
    const vb = (await vol.boundingBox())!;
    await page.mouse.move(vb.x + vb.width / 2, vb.y + vb.height / 2);
    await page.mouse.down();
    await page.mouse.move(vb.x + vb.width / 2 + 120, vb.y + vb.height / 2, { steps: 12 });
    await page.mouse.up();
    await until(async () => (await vol.getAttribute('data-labels')) !== 'R,L,S,I', 'labels follow the rotation', 20000);
    await until(() => js<boolean>(page, 'window.__orhubAnatomy.stats().fullQuality'), '3D full quality again', 60000, 100);
    const rotated = await vol.screenshot({ path: artefact('anatomy-head-3d-rotated.png') });
    assert.ok(!before.equals(rotated), '3D image changed');
    // The wheel zooms the 3D view (OrbitControls; right-drag and two fingers pan).
    const shown = Number(await vol.getAttribute('data-images'));
    await page.mouse.move(vb.x + vb.width / 2, vb.y + vb.height / 2);
    await page.mouse.wheel(0, -300);
    await until(async () => Number(await vol.getAttribute('data-images')) > shown, '3D image after zooming', 20000);
    await until(() => js<boolean>(page, 'window.__orhubAnatomy.stats().fullQuality'), '3D full quality after zooming', 60000, 100);
    const zoomed3d = await vol.screenshot({ path: artefact('anatomy-head-3d-zoomed.png') });
    assert.ok(!zoomed3d.equals(rotated), '3D image zoomed');
    await page.screenshot({ path: artefact('anatomy-head.png') });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

test('demo phantom + simulated tracker: registration, instrument on slices and in 3D moving with the tracker, stale tracker flagged', async () => {
  const hub = await startHub();
  procs.push(hub);
  const tracker = run(['simulate', '--bus', hub.bus, '--devices', 'tracker']);
  procs.push(tracker);
  await tracker.waitFor(/simulating tracker/);
  const api = (p: string, body?: unknown, method = 'POST') =>
    fetch(hub.origin + p, {
      method,
      headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assert.equal((await api('/api/anatomy/demo', {})).status, 202);
  const { page, errors } = await openDisplay(hub);
  await until(() => js<boolean>(page, '!!window.__orhubAnatomy.state().shownId'), 'demo phantom shown', 60000, 100);
  await until(() => page.locator('[data-testid="tracking-status"][data-state="unregistered"]').count(), 'tracker seen, not registered', 20000);
  // Register with the simulated pointer's touches of the skin markers (as the Register panel would send them).
  const reg = await api('/api/anatomy/registration', { pairs: demoFiducialPairs(0.3) });
  assert.equal(reg.status, 200);
  await until(() => page.locator('[data-testid="tracking-status"][data-state="ok"]').count(), 'tracking ok after registration', 10000);
  assert.match(await page.locator('[data-testid="tracking-status"]').innerText(), /FRE 0\.\d\d mm/);
  // The marker is on each slice view and the 3D view, where the tip projects.
  const tipAt = async () => ({
    axial: await page.locator('[data-testid="slice-axial"]').getAttribute('data-tip'),
    sagittal: await page.locator('[data-testid="slice-sagittal"]').getAttribute('data-tip'),
    volume: await page.locator('[data-testid="volume-view"]').getAttribute('data-tip'),
    tip: await js<number[] | null>(page, 'window.__orhubAnatomy.instrumentTip()'),
  });
  await until(
    async () => {
      const t = await tipAt();
      return t.axial && t.sagittal && t.volume && t.tip;
    },
    'instrument drawn everywhere',
    20000,
  );
  const a = await tipAt();
  // The axial marker sits where the tip's (x, y) maps on that view.
  const m = await mapping(page, 'axial');
  const [ax, ay] = a.axial!.split(',').map(Number);
  const tipNow = await js<number[]>(page, 'window.__orhubAnatomy.instrumentTip()');
  assert.ok(Math.abs(ax - (tipNow[0] - m.u0) / m.mm) < 40 && Math.abs(ay - (tipNow[1] - m.v0) / m.mm) < 40, 'axial marker at the tip');
  // The tip is on or in the phantom's back (the simulated path stays within ±135 mm, y 55..125 mm).
  assert.ok(Math.abs(tipNow[0]) < 140 && tipNow[1] > 50 && tipNow[1] < 135, `tip ${tipNow}`);
  await page.screenshot({ path: artefact('anatomy-demo-tracking-1.png') });
  // The marker moves when the tracker moves (the path moves the tip every second except while resting on a marker).
  await until(
    async () => {
      const b = await tipAt();
      const d = Math.hypot(b.tip![0] - a.tip![0], b.tip![1] - a.tip![1], b.tip![2] - a.tip![2]);
      return d > 3 && b.axial !== a.axial && b.volume !== a.volume;
    },
    'instrument marker moved',
    15000,
    200,
  );
  await page.screenshot({ path: artefact('anatomy-demo-tracking-2.png') });
  // The tracker stops: the display says the position is stale.
  await tracker.kill('SIGKILL');
  await until(() => page.locator('[data-testid="tracking-status"][data-state="stale"]').count(), 'stale tracker flagged', 5000, 50);
  assert.match(await page.locator('[data-testid="tracking-status"]').innerText(), /STALE/);
  await page.screenshot({ path: artefact('anatomy-demo-stale.png') });
  assert.deepEqual(errors, []);
  await page.close();
  // The three.js WebGL2 shader backend (the default on a GPU; here SwiftShader picks the CPU worker) renders too.
  const gl = await (await getBrowser()).newPage({ viewport: { width: 1920, height: 1080 } });
  const glErrors: string[] = [];
  gl.on('pageerror', (e) => glErrors.push(e.message));
  await gl.addInitScript(overridesScript({ backend: 'webgl' }));
  await gl.goto(hub.url);
  const vol = gl.locator('[data-testid="volume-view"]');
  await until(
    async () => (await vol.getAttribute('data-backend')) === 'webgl' && Number((await vol.getAttribute('data-images')) ?? 0) >= 1,
    'WebGL ray cast image',
    60000,
    100,
  );
  await vol.screenshot({ path: artefact('anatomy-demo-3d-webgl.png') });
  assert.equal(await vol.getAttribute('data-labels'), 'R,L,S,I');
  assert.deepEqual(glErrors, []);
  await gl.close();
});

test('registration in the display: fiducials picked on the slices and touched with the simulated pointer recover the tracker-to-image transform', async () => {
  const hub = await startHub();
  procs.push(hub);
  const tracker = run(['simulate', '--bus', hub.bus, '--devices', 'tracker']);
  procs.push(tracker);
  await tracker.waitFor(/simulating tracker/);
  const api = (p: string, body?: unknown) =>
    fetch(hub.origin + p, {
      method: 'POST',
      headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  assert.equal((await api('/api/anatomy/demo')).status, 202);
  const { page, errors } = await openDisplay(hub);
  await until(() => js<boolean>(page, '!!window.__orhubAnatomy.state().shownId'), 'demo phantom shown', 60000, 100);
  await until(() => page.locator('[data-testid="slice-axial"][data-drawn]').count(), 'slices drawn');
  // A registration is in force already (an earlier attempt): the one made here replaces it only once confirmed (issue 12 §4).
  assert.equal((await api('/api/anatomy/registration', { pairs: demoFiducialPairs(0.3), label: 'earlier' })).status, 200);
  await page.click('[data-testid="anatomy-register"]');
  const toTracker = invertRigid(SIM_TRACKER_TO_PATIENT);
  /** Clicks the crosshair onto patient point p: coronal (x, z), then axial (x, y). */
  const pick = async (p: number[]) => {
    for (const [o, u, v] of [
      ['coronal', p[0], -p[2]],
      ['axial', p[0], p[1]],
    ] as const) {
      const m = await mapping(page, o);
      const b = (await page.locator(`[data-testid="slice-${o}-image"]`).boundingBox())!;
      await page.mouse.click(b.x + (u - m.u0) / m.mm, b.y + (v - m.v0) / m.mm);
    }
  };
  for (let i = 0; i < 4; i++) {
    const f = SIM_FIDUCIALS_PATIENT[i];
    await page.click('[data-testid="fiducial-add"]');
    await pick(f);
    const c = await js<number[]>(page, 'window.__orhubAnatomy.crosshair()');
    assert.ok(Math.hypot(c[0] - f[0], c[1] - f[1], c[2] - f[2]) < 1.5, `crosshair ${c} on marker ${f}`);
    await page.click(`[data-testid="fiducial-${i + 1}-image"]`);
    // Wait until the simulated pointer rests on this marker, hold, then capture.
    const want = transformPoint(toTracker, f);
    await until(
      async () => {
        const t = await js<number[] | null>(page, 'window.__orhubAnatomy.trackerTip()');
        return t && Math.hypot(t[0] - want[0], t[1] - want[1], t[2] - want[2]) < 0.05;
      },
      `pointer on marker ${i + 1}`,
      65000,
      50,
    );
    await page.waitForTimeout(600);
    await page.click(`[data-testid="fiducial-${i + 1}-pointer"]`);
    assert.equal(await page.locator('[data-testid="anatomy-notice"]').count(), 0, 'capture accepted');
  }
  await page.click('[data-testid="fiducial-register"]');
  await until(() => page.getByTestId('confirm-sheet').count(), 'asked to confirm the replacement');
  assert.match(await page.getByTestId('confirm-message').innerText(), /would replace the registration in force \(earlier, FRE \d+\.\d\d mm, registered/);
  // No case records: who confirms says their role and name.
  await page.getByTestId('confirm-role').selectOption('surgeon');
  await page.getByTestId('confirm-name').fill('Dr Test');
  await page.getByTestId('confirm-ok').click();
  await until(async () => /^4 fiducials:/.test(await page.locator('[data-testid="registration-result"]').innerText()), 'registration shown');
  assert.match(await page.locator('[data-testid="registration-result"]').innerText(), /FRE \d+\.\d\d mm/);
  const reg = (await (await fetch(`${hub.origin}/api/anatomy/registration`, { headers: { Authorization: `Bearer ${hub.token}` } })).json()) as {
    trackerToImage: number[];
    freMm: number;
    pairs: unknown[];
    by: unknown;
    confirmed: boolean;
  };
  assert.equal(reg.pairs.length, 4);
  assert.deepEqual([reg.by, reg.confirmed], [{ role: 'surgeon', name: 'Dr Test' }, true]);
  assert.ok(reg.freMm < 1.5, `FRE ${reg.freMm}`);
  // It maps a target in the spine as the simulator's ground truth does (picking error ~ half a screen pixel).
  const target = [0, 60, 0];
  const got = transformPoint(reg.trackerToImage, transformPoint(toTracker, target));
  assert.ok(Math.hypot(got[0] - target[0], got[1] - target[1], got[2] - target[2]) < 2, `target error ${got}`);
  await until(() => page.locator('[data-testid="tracking-status"][data-state="ok"]').count(), 'tracking ok');
  await page.screenshot({ path: artefact('anatomy-registration.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
