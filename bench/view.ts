/**
 * npm run bench:view — the 3D view's cost to the live display, in headless Debian Chromium
 * (WebGL2 on SwiftShader here: no GPU), at 1920x1080, with the simulated OR feeding waveforms.
 *
 * Same page twice: once with the 3D view off (`#...&view3d=off`, slices still on), once on.
 * For each: waveform frame intervals (the wave engine's requestAnimationFrame times) while idle
 * and while the mouse drags across the 3D view (rotating it when it is on). Also: how often the
 * 3D image updates while rotating, how long it takes to reach full quality once still, and the
 * cost of one unbudgeted full-quality 3D frame at 1920x1080 (what a plain renderer would pay per
 * frame, blocking the page).
 *
 * Volume: the CT head phantom (../shared/data/dicom/ct-head-phantom, 512x512x140) when present,
 * else the demo torso phantom. Flags: --seconds N (per measurement, default 6), --demo (use the
 * demo phantom), --no-docs (do not update docs/benchmarks.md).
 * Writes the "## 3D view (npm run bench:view)" section of docs/benchmarks.md; the last line of
 * output is one JSON object of figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright';
import { startHub, launchBrowser, until, type HubProc } from '../e2e/harness';

const HEAD = path.resolve(__dirname, '../../shared/data/dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const argv = process.argv.slice(2);
const SECONDS = Number(argv[argv.indexOf('--seconds') + 1]) > 0 && argv.includes('--seconds') ? Number(argv[argv.indexOf('--seconds') + 1]) : 6;
const useHead = !argv.includes('--demo') && fs.existsSync(HEAD);
const writeDocs = !argv.includes('--no-docs');

interface FrameStats {
  frames: number;
  p50: number;
  p99: number;
  max: number;
  /** Intervals over 20 ms (a missed 60 Hz frame). */
  over20: number;
}

function stats(xs: number[]): FrameStats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { frames: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN, over20: s.filter((x) => x > 20).length };
}

const evalJs = <T>(page: Page, js: string): Promise<T> => page.evaluate(js) as Promise<T>;

/** Wave frame intervals recorded during `fn` (from the engine's own frameTimes ring). */
async function waveFrames(page: Page, fn: () => Promise<void>): Promise<number[]> {
  const before = await evalJs<number>(page, 'window.__orhub.waves.framesDrawn');
  await fn();
  const { drawn, times } = await evalJs<{ drawn: number; times: number[] }>(page, '({ drawn: window.__orhub.waves.framesDrawn, times: window.__orhub.waves.frameTimes.slice() })');
  const n = Math.min(times.length, drawn - before);
  return times.slice(times.length - n);
}

/** Drags across the 3D cell in circles for `seconds` (real mouse input via CDP). */
async function rotate(page: Page, seconds: number): Promise<void> {
  const box = await page.locator('[data-testid="volume-view"]').boundingBox();
  if (!box) throw new Error('no 3D view box');
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const r = Math.min(box.width, box.height) * 0.3;
  await page.mouse.move(cx + r, cy);
  await page.mouse.down();
  const t0 = Date.now();
  let k = 0;
  while (Date.now() - t0 < seconds * 1000) {
    const a = (Date.now() - t0) / 1000 * 2.5;
    await page.mouse.move(cx + r * Math.cos(a), cy + r * 0.6 * Math.sin(a * 1.3));
    k++;
    await new Promise((res) => setTimeout(res, 12));
  }
  await page.mouse.up();
}

const idle = (page: Page, seconds: number) => page.waitForTimeout(seconds * 1000);

async function openPage(page: Page, hub: HubProc, view3d: boolean): Promise<void> {
  await page.goto(hub.url + (view3d ? '' : '&view3d=off'));
  await until(() => evalJs<boolean>(page, 'window.__orhub.waves.framesDrawn > 30'), 'waveforms drawing', 30000);
  await until(() => evalJs<boolean>(page, "!!window.__orhubAnatomy.state().shownId"), 'volume shown', 60000, 200);
  await until(() => page.locator('[data-testid="slice-axial"][data-drawn]').count(), 'slices drawn', 30000);
  if (view3d) await until(() => evalJs<boolean>(page, 'window.__orhubAnatomy.stats()?.fullQuality === true'), '3D at full quality', 60000, 100);
  await idle(page, 2); // let the load settle
}

async function main(): Promise<void> {
  const hub = await startHub(['--simulate', ...(useHead ? ['--dicom', HEAD] : [])]);
  const browser = await launchBrowser();
  const errors: string[] = [];
  const newPage = async () => {
    const p = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  };
  try {
    // 3D off.
    const offPage = await newPage();
    await openPage(offPage, hub, false);
    const offIdle = stats(await waveFrames(offPage, () => idle(offPage, SECONDS)));
    const offDrag = stats(await waveFrames(offPage, () => rotate(offPage, SECONDS)));
    await offPage.close();
    // 3D on.
    const page = await newPage();
    await openPage(page, hub, true);
    const view = await evalJs<{ w: number; h: number }>(page, "(() => { const r = document.querySelector('[data-testid=\"volume-view\"]').getBoundingClientRect(); return { w: Math.round(r.width), h: Math.round(r.height) }; })()");
    fs.mkdirSync(path.resolve(__dirname, '../test-results'), { recursive: true });
    await page.screenshot({ path: path.resolve(__dirname, '../test-results/bench-view.png') });
    const onIdle = stats(await waveFrames(page, () => idle(page, SECONDS)));
    const imagesBefore = await evalJs<number>(page, 'window.__orhubAnatomy.stats().images');
    const rotStart = Date.now();
    const onRotateTimes = await waveFrames(page, () => rotate(page, SECONDS));
    const rotSeconds = (Date.now() - rotStart) / 1000;
    const releasedAt = Date.now();
    const imagesDuring = (await evalJs<number>(page, 'window.__orhubAnatomy.stats().images')) - imagesBefore;
    const during = await evalJs<Record<string, unknown>>(page, 'JSON.parse(JSON.stringify(window.__orhubAnatomy.stats()))');
    const { ms: toFullWall } = await until(() => evalJs<boolean>(page, 'window.__orhubAnatomy.stats().fullQuality === true'), 'full quality after rotating', 60000, 20);
    const after = await evalJs<Record<string, number | null>>(page, 'JSON.parse(JSON.stringify(window.__orhubAnatomy.stats()))');
    const onRotate = stats(onRotateTimes);
    // Unbudgeted single frames (block the page): full quality at 1920x1080, and the quarter-res 128-step reference.
    const full1080 = await evalJs<{ ms: number; steps: number } | null>(page, 'window.__orhubAnatomy.measureFullFrame(1920, 1080)');
    const quarter = await evalJs<{ ms: number; steps: number } | null>(page, 'window.__orhubAnatomy.measureFullFrame(480, 270, 128)');
    const viewFull = await evalJs<{ ms: number; steps: number } | null>(page, `window.__orhubAnatomy.measureFullFrame(${view.w}, ${view.h})`);
    const meta = await evalJs<{ dimensions: number[]; description: string }>(page, 'window.__orhubAnatomy.state().meta');

    const figures = {
      volume: `${meta.description} ${meta.dimensions.join('x')}`,
      texture: (during.textureDims as number[]).join('x'),
      view3dPx: `${view.w}x${view.h}`,
      seconds: SECONDS,
      off_idle_p50: offIdle.p50,
      off_idle_p99: offIdle.p99,
      off_drag_p50: offDrag.p50,
      off_drag_p99: offDrag.p99,
      on_idle_p50: onIdle.p50,
      on_idle_p99: onIdle.p99,
      on_rotate_p50: onRotate.p50,
      on_rotate_p99: onRotate.p99,
      on_rotate_over20: onRotate.over20,
      off_drag_over20: offDrag.over20,
      ratio_p99_rotate_vs_off: +(onRotate.p99 / offDrag.p99).toFixed(3),
      ratio_p99_idle_vs_off: +(onIdle.p99 / offIdle.p99).toFixed(3),
      updates_per_s_rotating: +(imagesDuring / rotSeconds).toFixed(1),
      interactive_scale: (during.interactive as { scale: number } | null)?.scale ?? null,
      interactive_steps: (during.interactive as { steps: number } | null)?.steps ?? null,
      to_full_quality_ms: after.lastFullQualityMs ?? toFullWall,
      to_full_quality_wall_ms: Date.now() - releasedAt >= 0 ? toFullWall : null,
      full_steps: viewFull?.steps ?? null,
      unbudgeted_view_frame_ms: viewFull?.ms ?? null,
      unbudgeted_1920x1080_ms: full1080?.ms ?? null,
      unbudgeted_480x270_128steps_ms: quarter?.ms ?? null,
      gpu_ms_per_megasample: after.msPerUnit ? +((after.msPerUnit as number) * 1e6).toFixed(2) : null,
      busy_frames: after.busyFrames,
      late_frames: after.lateFrames,
      page_errors: errors.length,
      cpus: os.cpus().length,
    };
    const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
    const rows: [string, string][] = [
      ['volume (3D texture)', `${figures.volume} (${figures.texture})`],
      ['3D view size in the 1920x1080 layout', `${figures.view3dPx} px`],
      ['waveform frame p50 / p99, 3D off, idle', `${f(offIdle.p50)} / ${f(offIdle.p99)} ms`],
      ['waveform frame p50 / p99, 3D off, mouse dragging', `${f(offDrag.p50)} / ${f(offDrag.p99)} ms (${offDrag.over20} of ${offDrag.frames} > 20 ms)`],
      ['waveform frame p50 / p99, 3D on, idle', `${f(onIdle.p50)} / ${f(onIdle.p99)} ms`],
      ['waveform frame p50 / p99, 3D rotating', `${f(onRotate.p50)} / ${f(onRotate.p99)} ms (${onRotate.over20} of ${onRotate.frames} > 20 ms)`],
      ['p99 ratio rotating / 3D off (goal <= 1.1, p99 <= 16.7 ms)', f(figures.ratio_p99_rotate_vs_off, 2)],
      ['3D updates while rotating (goal >= 10/s)', `${f(figures.updates_per_s_rotating)} /s at ${f(figures.interactive_scale as number, 2)} resolution, ${figures.interactive_steps} steps`],
      ['still -> full quality (full resolution, 1 sample/voxel)', `${f(figures.to_full_quality_ms as number, 0)} ms`],
      ['one unbudgeted full-quality frame, 3D view size', `${f(viewFull?.ms, 0)} ms (${viewFull?.steps} steps)`],
      ['one unbudgeted full-quality frame, 1920x1080', `${f(full1080?.ms, 0)} ms (${full1080?.steps} steps)`],
      ['one unbudgeted frame, 480x270, 128 steps', `${f(quarter?.ms, 0)} ms`],
      ['GPU cost per million ray samples (measured by timer queries)', `${f(figures.gpu_ms_per_megasample as number, 2)} ms`],
      ['frames the 3D view skipped (GPU busy) / came late after 3D work', `${after.busyFrames} / ${after.lateFrames}`],
    ];
    const table = ['| figure | value |', '| --- | --- |', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
    console.log(table);
    if (writeDocs) writeSection(table, figures);
    console.log(JSON.stringify(figures));
  } finally {
    await browser.close();
    await hub.kill();
  }
}

/** Replaces (or appends) the "## 3D view (npm run bench:view)" section of docs/benchmarks.md. */
function writeSection(table: string, figures: Record<string, unknown>): void {
  const file = path.resolve(__dirname, '../docs/benchmarks.md');
  const heading = '## 3D view (npm run bench:view)';
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const body = [
    heading,
    '',
    `Headless Debian Chromium, WebGL2 on SwiftShader (software; no GPU machine was available to this task), ${figures.cpus} CPU cores shared with other jobs, viewport 1920x1080, simulated OR feeding 5 waveforms. Each measurement ${figures.seconds} s; "dragging" = real mouse input across the 3D view (rotating it when on). Frame times are the waveform engine's requestAnimationFrame intervals. See docs/anatomy.md for the design.`,
    '',
    table,
    '',
  ].join('\n');
  const at = text.indexOf(heading);
  let out: string;
  if (at < 0) out = `${text.replace(/\s*$/, '')}\n\n${body}`;
  else {
    const next = text.indexOf('\n## ', at + heading.length);
    out = text.slice(0, at) + body + (next < 0 ? '' : text.slice(next + 1));
  }
  fs.writeFileSync(file, out);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
