/**
 * npm run bench:view — the 3D view's cost to the live display, in headless Debian Chromium
 * (WebGL2 on SwiftShader here: no GPU), at 1920x1080, with the simulated OR feeding waveforms.
 *
 * Same page with the 3D view off (the `view3d: false` override, slices still on) and on, alternated --reps
 * times (the shared machine's load drifts): waveform frame intervals (the wave engine's
 * requestAnimationFrame times) while idle and while the mouse drags across the 3D view (rotating
 * it when it is on); how often the 3D image updates while rotating; how long it takes to reach
 * full quality once still. Then the WebGL shader backend forced (`backend: 'webgl'`; SwiftShader
 * selects the CPU worker backend by default) for comparison, and the cost of one unbudgeted
 * full-quality 3D frame at the view size and at 1920x1080 (what a plain renderer would pay per
 * frame, blocking the page).
 *
 * Chromium configurations (e2e/harness.ts chromiumArgs): the main figures use software
 * compositing (`--disable-gpu-compositing`: what Chromium does without a usable GPU; WebGL still
 * on SwiftShader); then the same off/on measurement once with GPU compositing forced onto
 * SwiftShader (the harness's former setting), for comparison. chrome://gpu's feature status for
 * each is reported.
 *
 * The overrides are installed before the page loads (renderer/src/anatomy/volume/bench-hooks.ts).
 *
 * Volume: the CT head phantom (../shared/data/dicom/ct-head-phantom, 512x512x140) when present,
 * else the demo torso phantom. Flags: --seconds N (per measurement, default 8), --demo (use the
 * demo phantom), --reps N (off/on pairs, default 2), --compositing software|swiftshader (the main
 * configuration, default software), --no-compare (skip the other configuration), --no-docs (do not
 * update docs/benchmarks.md).
 * Writes the "## 3D view (npm run bench:view)" section of docs/benchmarks.md; the last line of
 * output is one JSON object of figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright';
import type { Browser } from 'playwright';
import { DEFAULT_COMPOSITING, startHub, launchBrowser, until, type ChromiumCompositing, type HubProc } from '../e2e/harness';
import { overridesScript, type VolumeOverrides } from '../renderer/src/anatomy/volume/bench-hooks';
import { measureReconnect } from './reconnect';

const HEAD = path.resolve(__dirname, '../../shared/data/dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');
const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => (argv.includes(name) && Number(argv[argv.indexOf(name) + 1]) > 0 ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const SECONDS = flag('--seconds', 8);
/** Off/on pairs, alternated (the machine's load drifts; pooling pairs evens it out). */
const REPS = flag('--reps', 2);
const useHead = !argv.includes('--demo') && fs.existsSync(HEAD);
const writeDocs = !argv.includes('--no-docs');
const compositingArg = argv.includes('--compositing') ? argv[argv.indexOf('--compositing') + 1] : undefined;
const MAIN: ChromiumCompositing =
  compositingArg === 'swiftshader' ? 'swiftshader-compositing' : compositingArg === 'software' ? 'software-compositing' : DEFAULT_COMPOSITING;
const OTHER: ChromiumCompositing = MAIN === 'software-compositing' ? 'swiftshader-compositing' : 'software-compositing';
const compare = !argv.includes('--no-compare');
const NAMES: Record<ChromiumCompositing, string> = {
  'software-compositing': 'software compositing (--disable-gpu-compositing; WebGL on SwiftShader)',
  'swiftshader-compositing': 'GPU compositing on SwiftShader (--ignore-gpu-blocklist; the former setting)',
};

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
  const { drawn, times } = await evalJs<{ drawn: number; times: number[] }>(
    page,
    '({ drawn: window.__orhub.waves.framesDrawn, times: window.__orhub.waves.frameTimes.slice() })',
  );
  const n = Math.min(times.length, drawn - before);
  return times.slice(times.length - n);
}

/** Drags across the 3D cell in circles for `seconds` (real mouse input via CDP). */
async function rotate(page: Page, seconds: number): Promise<void> {
  const box = await page.locator('[data-testid="volume-view"]').boundingBox();
  if (!box) throw new Error('no 3D view box');
  const cx = box.x + box.width / 2,
    cy = box.y + box.height / 2;
  const r = Math.min(box.width, box.height) * 0.3;
  await page.mouse.move(cx + r, cy);
  await page.mouse.down();
  const t0 = Date.now();
  let k = 0;
  while (Date.now() - t0 < seconds * 1000) {
    const a = ((Date.now() - t0) / 1000) * 2.5;
    await page.mouse.move(cx + r * Math.cos(a), cy + r * 0.6 * Math.sin(a * 1.3));
    k++;
    await new Promise((res) => setTimeout(res, 12));
  }
  await page.mouse.up();
}

const idle = (page: Page, seconds: number) => page.waitForTimeout(seconds * 1000);

async function openPage(page: Page, hub: HubProc, view3d: boolean, overrides: VolumeOverrides = {}): Promise<void> {
  await page.addInitScript(overridesScript(view3d ? overrides : { view3d: false }));
  await page.goto(hub.url);
  await until(() => evalJs<boolean>(page, 'window.__orhub.waves.framesDrawn > 30'), 'waveforms drawing', 30000);
  await until(() => evalJs<boolean>(page, '!!window.__orhubAnatomy.state().shownId'), 'volume shown', 60000, 200);
  await until(() => page.locator('[data-testid="slice-axial"][data-drawn]').count(), 'slices drawn', 30000);
  if (view3d) await until(() => evalJs<boolean>(page, 'window.__orhubAnatomy.stats()?.fullQuality === true'), '3D at full quality', 60000, 100);
  await idle(page, 2); // let the load settle
}

/** chrome://gpu's feature status lines that matter here (compositing, rasterization, canvas, WebGL). */
async function gpuFeatures(browser: Browser): Promise<Record<string, string>> {
  const page = await browser.newPage();
  try {
    await page.goto('chrome://gpu');
    await page.waitForTimeout(1000);
    const text = await evalJs<string>(page, "document.querySelector('info-view')?.shadowRoot?.textContent ?? ''");
    const out: Record<string, string> = {};
    for (const k of ['Compositing', 'Rasterization', 'Canvas', 'WebGL2', 'WebGL']) {
      const m = new RegExp(`\\b${k}: ([^*\\n]+)`).exec(text);
      if (m) out[k] = m[1].trim();
    }
    return out;
  } catch {
    return {};
  } finally {
    await page.close();
  }
}

/** Rotates for SECONDS, then waits for full quality: frame times, images shown, ms to full quality. */
async function rotateAndSettle(page: Page) {
  const before = await evalJs<number>(page, 'window.__orhubAnatomy.stats().images');
  const t0 = Date.now();
  const times = await waveFrames(page, () => rotate(page, SECONDS));
  const secs = (Date.now() - t0) / 1000;
  const shown = (await evalJs<number>(page, 'window.__orhubAnatomy.stats().images')) - before;
  const st = await evalJs<Record<string, unknown>>(page, 'JSON.parse(JSON.stringify(window.__orhubAnatomy.stats()))');
  const { ms } = await until(() => evalJs<boolean>(page, 'window.__orhubAnatomy.stats().fullQuality === true'), 'full quality after rotating', 60000, 20);
  const fin = await evalJs<Record<string, number | null>>(page, 'JSON.parse(JSON.stringify(window.__orhubAnatomy.stats()))');
  return { times, secs, shown, st, fin, toFull: fin.lastFullQualityMs ?? ms };
}

interface OffOn {
  offIdleT: number[];
  offDragT: number[];
  onIdleT: number[];
  onRotT: number[];
  images: number;
  rotSeconds: number;
  fullMs: number[];
  view: { w: number; h: number };
  during: Record<string, unknown>;
  after: Record<string, number | null>;
  backend: { backend: string; renderer: string } | null;
  /** window.crossOriginIsolated on the 3D page (fine-grained frame times). */
  isolated: boolean;
}

/** The 3D-off page and the 3D-on page, alternated `reps` times, in one browser. */
async function measureOffOn(newPage: () => Promise<Page>, hub: HubProc, reps: number, shot: string): Promise<OffOn> {
  const r: OffOn = {
    offIdleT: [],
    offDragT: [],
    onIdleT: [],
    onRotT: [],
    images: 0,
    rotSeconds: 0,
    fullMs: [],
    view: { w: 0, h: 0 },
    during: {},
    after: {},
    backend: null,
    isolated: false,
  };
  for (let rep = 0; rep < reps; rep++) {
    // 3D off (slices on): the reference.
    const offPage = await newPage();
    await openPage(offPage, hub, false);
    r.offIdleT.push(...(await waveFrames(offPage, () => idle(offPage, SECONDS))));
    r.offDragT.push(...(await waveFrames(offPage, () => rotate(offPage, SECONDS))));
    await offPage.close();
    // 3D on, the backend this machine gets.
    const page = await newPage();
    await openPage(page, hub, true);
    r.backend = await evalJs(page, 'window.__orhubAnatomy.backend()');
    r.isolated = await evalJs<boolean>(page, 'crossOriginIsolated');
    r.view = await evalJs<{ w: number; h: number }>(
      page,
      '(() => { const r = document.querySelector(\'[data-testid="volume-view"]\').getBoundingClientRect(); ' +
        'return { w: Math.round(r.width), h: Math.round(r.height) }; })()',
    );
    if (rep === 0) {
      fs.mkdirSync(path.resolve(__dirname, '../test-results'), { recursive: true });
      await page.screenshot({ path: path.resolve(__dirname, `../test-results/${shot}`) });
    }
    r.onIdleT.push(...(await waveFrames(page, () => idle(page, SECONDS))));
    const rot = await rotateAndSettle(page);
    r.onRotT.push(...rot.times);
    r.images += rot.shown;
    r.rotSeconds += rot.secs;
    r.fullMs.push(rot.toFull as number);
    r.during = rot.st;
    r.after = rot.fin;
    await page.close();
  }
  return r;
}

const featureText = (ft: Record<string, string>) =>
  Object.entries(ft)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ') || 'not read';

const pct = (x: FrameStats) => +((100 * x.over20) / Math.max(1, x.frames)).toFixed(1);

/** Frame statistics of an off/on measurement, and what the goals compare. */
function summarise(r: OffOn) {
  const offIdle = stats(r.offIdleT),
    offDrag = stats(r.offDragT),
    onIdle = stats(r.onIdleT),
    rot = stats(r.onRotT);
  return { offIdle, offDrag, onIdle, rot, ratio: +(rot.p99 / offDrag.p99).toFixed(3), ups: +(r.images / r.rotSeconds).toFixed(1), toFull: median(r.fullMs) };
}

/** The comparison configuration's figures for the JSON line (prefixed by its name). */
function comparisonFigures(which: ChromiumCompositing, features: Record<string, string>, r: OffOn): Record<string, unknown> {
  const k = which === 'swiftshader-compositing' ? 'swiftshader_compositing' : 'software_compositing';
  const { offIdle, offDrag, onIdle, rot, ratio, ups, toFull } = summarise(r);
  return {
    [`${k}_chrome_gpu`]: features,
    [`${k}_off_idle_p99`]: offIdle.p99,
    [`${k}_off_drag_p50`]: offDrag.p50,
    [`${k}_off_drag_p99`]: offDrag.p99,
    [`${k}_off_drag_pct_over20`]: pct(offDrag),
    [`${k}_on_idle_p99`]: onIdle.p99,
    [`${k}_on_rotate_p50`]: rot.p50,
    [`${k}_on_rotate_p99`]: rot.p99,
    [`${k}_on_rotate_pct_over20`]: pct(rot),
    [`${k}_ratio_p99_rotate_vs_off`]: ratio,
    [`${k}_updates_per_s_rotating`]: ups,
    [`${k}_to_full_quality_ms`]: toFull,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const hub = await startHub(['--simulate', ...(useHead ? ['--dicom', HEAD] : [])]);
  let browser = await launchBrowser(MAIN);
  const errors: string[] = [];
  const newPage = async () => {
    const p = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  };
  try {
    const features = await gpuFeatures(browser);
    const main = await measureOffOn(newPage, hub, REPS, 'bench-view.png');
    const { view, during, after, backend } = main;
    // The former interactive pacing (70 ms between images, 10 ms of worker time each), rotated
    // once in the same run: the baseline for the current pacing (renderer/src/anatomy/volume/progressive.ts).
    const formerPage = await newPage();
    await openPage(formerPage, hub, true, { pacing: { presentMs: 70, imageMs: 10 } });
    const former = await rotateAndSettle(formerPage);
    await formerPage.close();
    // The WebGL shader backend forced, for comparison (on a GPU it is the default).
    const wgPage = await newPage();
    await openPage(wgPage, hub, true, { backend: 'webgl' });
    const wg = await rotateAndSettle(wgPage);
    const wgFull = await evalJs<{ ms: number; steps: number } | null>(wgPage, `window.__orhubAnatomy.measureFullFrame(${view.w}, ${view.h})`);
    const wg1080 = await evalJs<{ ms: number; steps: number } | null>(wgPage, 'window.__orhubAnatomy.measureFullFrame(1920, 1080)');
    const wgQuarter = await evalJs<{ ms: number; steps: number } | null>(wgPage, 'window.__orhubAnatomy.measureFullFrame(480, 270, 128)');
    await wgPage.close();
    // Unbudgeted single frames with the chosen backend.
    const page = await newPage();
    await openPage(page, hub, true);
    const viewFull = await evalJs<{ ms: number; steps: number } | null>(page, `window.__orhubAnatomy.measureFullFrame(${view.w}, ${view.h})`);
    const full1080 = await evalJs<{ ms: number; steps: number } | null>(page, 'window.__orhubAnatomy.measureFullFrame(1920, 1080)');
    const meta = await evalJs<{ dimensions: number[]; description: string }>(page, 'window.__orhubAnatomy.state().meta');
    await page.close();
    // The other Chromium configuration, once, for comparison.
    let other: { features: Record<string, string>; r: OffOn } | null = null;
    if (compare) {
      await browser.close();
      browser = await launchBrowser(OTHER);
      other = { features: await gpuFeatures(browser), r: await measureOffOn(newPage, hub, 1, `bench-view-${OTHER}.png`) };
    }

    const { offIdle, offDrag, onIdle, rot: onRotate, ratio, ups, toFull } = summarise(main);
    const wgRot = stats(wg.times),
      formerRot = stats(former.times);
    const figures = {
      volume: `${meta.description} ${meta.dimensions.join('x')}`,
      texture: (during.textureDims as number[]).join('x'),
      view3dPx: `${view.w}x${view.h}`,
      backend: backend?.backend ?? null,
      gl_renderer: backend?.renderer ?? null,
      seconds: SECONDS,
      reps: REPS,
      off_idle_p50: offIdle.p50,
      off_idle_p99: offIdle.p99,
      off_drag_p50: offDrag.p50,
      off_drag_p99: offDrag.p99,
      off_drag_pct_over20: pct(offDrag),
      on_idle_p50: onIdle.p50,
      on_idle_p99: onIdle.p99,
      on_rotate_p50: onRotate.p50,
      on_rotate_p99: onRotate.p99,
      on_rotate_pct_over20: pct(onRotate),
      ratio_p99_rotate_vs_off: ratio,
      ratio_p99_idle_vs_off: +(onIdle.p99 / offIdle.p99).toFixed(3),
      fps_off_drag: +(offDrag.frames / (REPS * SECONDS)).toFixed(1),
      fps_on_rotate: +(onRotate.frames / (REPS * SECONDS)).toFixed(1),
      updates_per_s_rotating: ups,
      interactive_scale: (during.interactive as { scale: number } | null)?.scale ?? null,
      interactive_steps: (during.interactive as { steps: number } | null)?.steps ?? null,
      to_full_quality_ms: toFull,
      former_pacing_rotate_p99: formerRot.p99,
      former_pacing_rotate_pct_over20: pct(formerRot),
      former_pacing_ratio_p99_rotate_vs_off: +(formerRot.p99 / offDrag.p99).toFixed(3),
      former_pacing_updates_per_s_rotating: +(former.shown / former.secs).toFixed(1),
      former_pacing_interactive_scale: (former.st.interactive as { scale: number } | null)?.scale ?? null,
      full_steps: viewFull?.steps ?? null,
      unbudgeted_view_frame_ms: viewFull?.ms ?? null,
      unbudgeted_1920x1080_ms: full1080?.ms ?? null,
      webgl_rotate_p50: wgRot.p50,
      webgl_rotate_p99: wgRot.p99,
      webgl_rotate_pct_over20: pct(wgRot),
      webgl_updates_per_s_rotating: +(wg.shown / wg.secs).toFixed(1),
      webgl_to_full_quality_ms: wg.toFull,
      webgl_unbudgeted_view_frame_ms: wgFull?.ms ?? null,
      webgl_unbudgeted_1920x1080_ms: wg1080?.ms ?? null,
      webgl_unbudgeted_480x270_128steps_ms: wgQuarter?.ms ?? null,
      compositing: MAIN,
      chrome_gpu: features,
      ...(other ? comparisonFigures(OTHER, other.features, other.r) : {}),
      cpu_ms_per_megasample: after.msPerUnit ? +((after.msPerUnit as number) * 1e6).toFixed(2) : null,
      page_errors: errors.length,
      cpus: os.cpus().length,
      cross_origin_isolated: main.isolated,
      loadavg_1min: +os.loadavg()[0].toFixed(2),
    };
    const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
    // Two decimals: the display is cross-origin isolated, so its frame times are microsecond-granular.
    const fr = (x: FrameStats) => `${f(x.p50, 2)} / ${f(x.p99, 2)} ms, ${pct(x)} % > 20 ms (${x.frames} frames)`;
    const rows: [string, string][] = [
      ['volume (3D texture)', `${figures.volume} (${figures.texture})`],
      ['Chromium configuration; chrome://gpu', `${NAMES[MAIN]}; ${featureText(features)}`],
      ['3D view in the 1920x1080 layout; backend chosen', `${figures.view3dPx} px; ${figures.backend} (WebGL renderer: ${figures.gl_renderer})`],
      ['waveform frame p50 / p99, 3D off, idle', fr(offIdle)],
      ['waveform frame p50 / p99, 3D off, mouse dragging over the 3D cell', fr(offDrag)],
      ['waveform frame p50 / p99, 3D on, idle', fr(onIdle)],
      ['waveform frame p50 / p99, 3D rotating', fr(onRotate)],
      ['p99 ratio rotating / 3D off (goal <= 1.1; goal p99 <= 16.7 ms)', f(figures.ratio_p99_rotate_vs_off, 2)],
      [
        '3D updates while rotating (goal >= 10/s)',
        `${f(figures.updates_per_s_rotating)} /s at ${f(figures.interactive_scale as number, 2)} resolution, ${figures.interactive_steps} steps`,
      ],
      ['still -> full quality (full resolution, 1 sample/voxel), median', `${f(figures.to_full_quality_ms as number, 0)} ms`],
      [
        'one unbudgeted full-quality frame, 3D view size / 1920x1080 (chosen backend)',
        `${f(viewFull?.ms, 0)} / ${f(full1080?.ms, 0)} ms (${viewFull?.steps} steps)`,
      ],
      ['former pacing (an image at most every 70 ms, 10 ms of worker time): waveform frames while rotating', fr(formerRot)],
      [
        'former pacing: p99 ratio rotating / 3D off; 3D updates while rotating',
        `${f(figures.former_pacing_ratio_p99_rotate_vs_off, 2)}; ` +
          `${f(figures.former_pacing_updates_per_s_rotating)} /s at ` +
          `${f(figures.former_pacing_interactive_scale as number, 2)} resolution`,
      ],
      ['WebGL shader backend forced: waveform frames while rotating', fr(wgRot)],
      [
        'WebGL shader backend forced: 3D updates while rotating; still -> full quality',
        `${f(figures.webgl_updates_per_s_rotating)} /s; ${f(wg.toFull as number, 0)} ms`,
      ],
      [
        'WebGL (SwiftShader) unbudgeted frame: view size / 1920x1080 / 480x270 at 128 steps',
        `${f(wgFull?.ms, 0)} / ${f(wg1080?.ms, 0)} / ${f(wgQuarter?.ms, 0)} ms`,
      ],
      ['machine load (1-min load average at the end; 2 cores shared with other jobs)', f(figures.loadavg_1min, 2)],
    ];
    if (other) {
      const o = summarise(other.r);
      const c = `comparison, ${OTHER === 'swiftshader-compositing' ? 'GPU compositing on SwiftShader' : 'software compositing'}`;
      rows.push(
        [`${c}: chrome://gpu`, featureText(other.features)],
        [`${c}: waveform frames, 3D off, idle`, fr(o.offIdle)],
        [`${c}: waveform frames, 3D off, mouse dragging`, fr(o.offDrag)],
        [`${c}: waveform frames, 3D on, idle`, fr(o.onIdle)],
        [`${c}: waveform frames, 3D rotating`, fr(o.rot)],
        [
          `${c}: p99 ratio rotating / 3D off; 3D updates/s rotating; still -> full quality`,
          `${f(o.ratio, 2)}; ${f(o.ups)} /s (${other.r.backend?.backend}); ${f(o.toFull, 0)} ms`,
        ],
      );
    }
    // Reconnect (issue 13): the supervised hub SIGKILLed 5 times; the same page back to drawing waveforms.
    const rcPage = await newPage();
    await openPage(rcPage, hub, false);
    const rc = await measureReconnect(rcPage, hub, /--data-dir (\S+)/.exec(hub.child.spawnargs.join(' '))![1], 5);
    await rcPage.close();
    Object.assign(figures, Object.fromEntries(Object.entries(rc).map(([k, v]) => [`reconnect_${k}`.replace('reconnect_reconnect_', 'reconnect_'), v])));
    rows.push([
      `reconnect: hub SIGKILL -> restarted -> first waveform frame drawn, from the restart, p50 / max over ${rc.rounds} rounds (goal <= 5000 ms)`,
      `${rc.reconnect_p50_ms} / ${rc.reconnect_max_ms} ms (the display's part, from the hub answering: ` +
        `${rc.display_part_p50_ms} / ${rc.display_part_max_ms} ms)`,
    ]);
    rows.push([
      "the hub's own start-up in the same run (supervisor respawn -> API answering), p50 / max",
      `${rc.hub_startup_p50_ms} / ${rc.hub_startup_max_ms} ms`,
    ]);
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
  const n = (k: string) => Number(figures[k]);
  const sw = figures.compositing === 'software-compositing';
  const cmp = sw ? 'swiftshader_compositing' : 'software_compositing';
  const p99 = n('on_rotate_p99'),
    ratio = n('ratio_p99_rotate_vs_off'),
    ups = n('updates_per_s_rotating');
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  // The display is cross-origin isolated (main/hub/server.ts; e2e/live-display.test.ts checks it):
  // frame times come in 5 us steps, so on-time 60 Hz frames read 16.665-16.670 ms.
  const p99Text = `p99 ${p99.toFixed(2)} ms (<= 16.7: ${verdict(p99 <= 16.7)})`;
  let body = [
    heading,
    '',
    `Headless Debian Chromium at 1920x1080, no GPU machine available to this task (every figure is a ` +
      `software renderer), ${figures.cpus} CPU cores shared with other jobs, simulated OR feeding 5 ` +
      `waveforms. Main configuration: ${NAMES[figures.compositing as ChromiumCompositing]}, the harness's ` +
      `setting (e2e/harness.ts). Comparison: the same pages once with ` +
      `${NAMES[(sw ? 'swiftshader-compositing' : 'software-compositing') as ChromiumCompositing]}. Each ` +
      `measurement ${figures.seconds} s; "dragging" = real mouse input across the 3D view (rotating it ` +
      `when on). Frame times are the waveform engine's requestAnimationFrame intervals. See ` +
      `docs/anatomy.md ("Software renderers") for the design.`,
    '',
    table,
    '',
    `Goals while the 3D view rotates (main configuration): ${p99Text}; p99 ratio to the 3D-off page ` +
      `${ratio.toFixed(2)} (<= 1.1: ${verdict(ratio <= 1.1)}); ${ups} 3D updates/s (>= 10: ` +
      `${verdict(ups >= 10)}); full quality ${n('to_full_quality_ms').toFixed(0)} ms after the view stops. ` +
      (figures[`${cmp}_off_drag_p99`] !== undefined
        ? `Comparison configuration in the same run: 3D off p99 ${n(`${cmp}_off_drag_p99`).toFixed(1)} ms ` +
          `(${n(`${cmp}_off_drag_pct_over20`)} % of frames over 20 ms), rotating p99 ` +
          `${n(`${cmp}_on_rotate_p99`).toFixed(1)} ms (${n(`${cmp}_on_rotate_pct_over20`)} %), ratio ` +
          `${n(`${cmp}_ratio_p99_rotate_vs_off`).toFixed(2)}, ${n(`${cmp}_updates_per_s_rotating`)} updates/s, ` +
          `${n(`${cmp}_to_full_quality_ms`).toFixed(0)} ms to full quality.`
        : ''),
    '',
    'Why the configurations differ: with GPU compositing on SwiftShader (`--use-angle=swiftshader ' +
      "--enable-unsafe-swiftshader --ignore-gpu-blocklist`, this harness's setting before) the GPU " +
      "process's main thread rasterises and composites every 1920x1080 frame with a software GL: a " +
      'Chromium trace showed it ~98 % busy, ~38 ms per SkiaOutputSurfaceImplOnGpu::SwapBuffers, and the ' +
      'page with the 3D view off already missed 45-48 % of its frames (p99 83 ms) whatever the 3D view ' +
      'did. Chromium never picks that on a machine without a GPU: its default there (checked with no flags ' +
      'at all: chrome://gpu says "Compositing: Software only", WebGL still on SwiftShader) is software ' +
      'compositing, which `--disable-gpu-compositing` reproduces while keeping `--use-angle=swiftshader ' +
      '--enable-unsafe-swiftshader` for WebGL2. A probe with only `--enable-unsafe-swiftshader` ' +
      "(Chromium's own choice: all software, WebGL on SwiftShader) gave the same figures as " +
      '`--disable-gpu-compositing`: 16.7 / 16.8 ms, 0 % over 20 ms, 11.9 updates/s rotating (before the ' +
      'pacing change below).',
    '',
    `Pacing, measured in the same run: the former interactive pacing (an image at most every 70 ms, 10 ` +
      `ms of worker time each, set when the harness composited on SwiftShader) rotates with waveform p99 ` +
      `${n('former_pacing_rotate_p99').toFixed(2)} ms (${n('former_pacing_rotate_pct_over20')} % over 20 ` +
      `ms) and ${n('former_pacing_updates_per_s_rotating')} updates/s at ` +
      `${n('former_pacing_interactive_scale').toFixed(2)} resolution, against ${ups} updates/s now (45 ms, ` +
      `20 ms).`,
    '',
    'Designs tried (all measured with this bench or the probes behind it):',
    '',
    '- Ray cast in WebGL on SwiftShader, one draw per image: an unbudgeted full-quality frame at the ' +
      'view size takes the "WebGL unbudgeted" figure above and stalls the page for that long (1920x1080: ' +
      'seconds).',
    '- The same, budgeted: strips of rows into an offscreen target, sized per frame from a blocking ' +
      'calibration and GPU timer queries, fences so at most two frames of strips are in flight, low ' +
      'resolution and fewer steps while moving, progressive refinement when still. It never blocks a frame ' +
      'for long; with SwiftShader compositing its strips queued behind the saturated compositor (0.4-1.6 ' +
      'images/s, 15-38 s to full quality); with software compositing see "WebGL shader backend forced". ' +
      'Kept as the default on a GPU.',
    '- The same ray cast in a Web Worker on the CPU (empty-space skipping with 8^3 block maxima, ' +
      'half-core duty cycle, double-buffered images): chosen automatically on software renderers ' +
      "(SwiftShader, llvmpipe, or no WebGL2 at all). Faster per image than SwiftShader's shader here.",
    '- Software compositing instead of SwiftShader compositing (the figures above): the step that made ' +
      'the goal reachable; the 3D-off page went from ~45 % of frames missed to none.',
    '- Not needed after that: presenting worker images as ImageBitmaps (bitmaprenderer) or from an ' +
      "OffscreenCanvas owned by the worker; the main thread's part (putImageData of a <= 408x397 image and " +
      'one scaled drawImage) costs no waveform frame in these runs.',
    '- Instrument overlay: redrawing three overlay canvases per tracker pose took the page from 60 to ' +
      '~20 frames/s (SwiftShader compositing); DOM markers moved by transforms, updated only when they ' +
      'move by >= 0.5 px, removed most of that. Overlay canvases were merged into one opaque canvas per ' +
      'view.',
    '',
  ].join('\n');
  const at = text.indexOf(heading);
  body += '\n';
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
