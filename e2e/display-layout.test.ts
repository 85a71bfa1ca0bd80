/**
 * Issue 13 §3 end to end: everything on one screen, readable from 3 m, checked mechanically at
 * 1920x1080 and 1366x768 from bounding boxes and computed font sizes; screenshots saved.
 * The room: the simulated devices without the simulated monitor, plus a third-party pulse
 * oximeter (kind 'other') whose MDC_PULS_OXIM_SAT_O2 must get the SpO2 tile, and an unknown code.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, run, launchBrowser, artefact, until, hubPid, type HubProc, type Proc } from './harness';
import { DeviceClient } from '../native-bridge/node/device-client';
import type { Browser, Page } from 'playwright';

let hub: HubProc;
let sims: Proc;
let oximeter: DeviceClient | undefined;
let browser: Browser;
after(async () => {
  await browser?.close();
  await oximeter?.stop();
  await sims?.kill();
  await hub?.kill();
});

/** Main-screen elements that must be whole, inside the viewport, and not covered by another of them. */
const CHECKED = [
  '.top .brand',
  '.top .clock',
  '[data-testid="case-bar"]',
  '.device-chip',
  '[data-testid^="row-"] .tile',
  '.extra-tiles .tile',
  '[data-testid^="panel-"]',
  '.annotate-row > *',
  '.strip-label',
];

/** Elements added to CHECKED with a case running: the header's parts, the annotation buttons' row, the anatomy views. */
const CASE_CHECKED = ['.case-bar > *', '.alarm-bar > *', '.top > .review-open', '.anat-cell'];
/** Texts that may be shortened with an ellipsis (the whole text is a touch away), not cut. */
const SHORTENED = ['.alarm-bar > .alarm', '.case-bar > .case-name'];

interface Box {
  sel: string;
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  clipped: string | null;
  /** Indices (in the list) of the checked elements that contain this one: nesting is not overlap. */
  inside: number[];
}

async function boxes(page: Page, sels: string[]): Promise<Box[]> {
  return page.evaluate(
    ([sels, shortened]) => {
      const out: Box[] = [];
      const els: Element[] = [];
      for (const sel of sels) {
        document.querySelectorAll(sel).forEach((el, i) => {
          const r = el.getBoundingClientRect();
          // Clipped: an ancestor that hides overflow and does not contain the whole element; or the element's own content cut.
          let clipped: string | null = null;
          for (let a = el.parentElement; a && !clipped; a = a.parentElement) {
            const cs = getComputedStyle(a);
            if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
            const ar = a.getBoundingClientRect();
            if (r.left < ar.left - 1 || r.right > ar.right + 1 || r.top < ar.top - 1 || r.bottom > ar.bottom + 1) clipped = `by ${a.className || a.tagName}`;
          }
          const he = el as HTMLElement;
          const ellipsis = shortened.some((s) => el.matches(s)) && getComputedStyle(he).textOverflow === 'ellipsis';
          if (
            !clipped &&
            !ellipsis &&
            (he.scrollHeight > he.clientHeight + 2 || he.scrollWidth > he.clientWidth + 2) &&
            getComputedStyle(he).overflow !== 'visible'
          )
            clipped = 'its content';
          els.push(el);
          out.push({
            sel,
            id: `${sel}#${i}:${(he.innerText || '').slice(0, 24).replace(/\s+/g, ' ')}`,
            x: r.left,
            y: r.top,
            w: r.width,
            h: r.height,
            clipped,
            inside: [],
          });
        });
      }
      els.forEach((el, i) => els.forEach((other, j) => i !== j && other !== el && other.contains(el) && out[i].inside.push(j)));
      return out;
    },
    [sels, SHORTENED] as const,
  );
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
}

async function checkScreen(page: Page, w: number, h: number, sels: string[] = CHECKED): Promise<void> {
  const all = await boxes(page, sels);
  const problems: string[] = [];
  for (const b of all) {
    if (b.w <= 0 || b.h <= 0) problems.push(`${b.id} has no size`);
    if (b.x < 0 || b.y < 0 || b.x + b.w > w + 0.5 || b.y + b.h > h + 0.5) problems.push(`${b.id} outside the ${w}x${h} viewport`);
    if (b.clipped) problems.push(`${b.id} clipped ${b.clipped}`);
  }
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++)
      if (!all[i].inside.includes(j) && !all[j].inside.includes(i) && overlap(all[i], all[j])) problems.push(`${all[i].id} overlaps ${all[j].id}`);
  assert.deepEqual(problems, [], `main screen at ${w}x${h}`);
}

test('every device panel on one screen, nothing clipped or overlapping, 24 px secondary values at 1080p, tiles by MDC code', { timeout: 180_000 }, async () => {
  hub = await startHub();
  sims = run(['simulate', '--bus', hub.bus, '--devices', 'anaesthesia,pump1,pump2,esu,insufflator,lab,tracker']);
  oximeter = new DeviceClient({
    endpoint: hub.bus,
    descriptor: {
      protocol: 1,
      deviceId: 'acme-oxi-01',
      kind: 'other',
      manufacturer: 'Acme',
      model: 'Oxi 3000',
      serial: 'A1',
      heartbeatMs: 1000,
      channels: [
        { index: 0, kind: 'numeric', mdc: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%' },
        { index: 1, kind: 'numeric', mdc: 'MDC_ACME_PERFUSION_QUALITY', label: 'Perf quality', unit: '1' },
      ],
    },
  });
  oximeter.start();
  const feed = setInterval(() => {
    const t = oximeter!.clock();
    oximeter!.sendNumerics([
      { channel: 0, status: 0, tMs: t, value: 97 },
      { channel: 1, status: 0, tMs: t, value: 3 },
    ]);
  }, 500);
  try {
    browser = await launchBrowser();
    for (const [w, h] of [
      [1920, 1080],
      [1366, 768],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: w, height: h } });
      await page.goto(hub.url);
      await until(
        () =>
          page
            .locator('[data-testid^="panel-"]')
            .count()
            .then((n) => n === 8),
        `${w}: eight device panels`,
        30000,
        200,
      );
      await until(() => page.locator('[data-testid="tile-pleth"][data-live="true"]').count(), `${w}: the third-party SpO2 in the SpO2 tile`, 15000, 100);
      assert.equal((await page.locator('[data-testid="tile-pleth-value"]').innerText()).trim(), '97');
      const acme = page.locator('[data-testid="panel-acme-oxi-01"]');
      assert.match(await acme.innerText(), /Perf quality\s*3/, 'the unknown code in its device panel with label and value');
      await until(
        () =>
          page
            .locator('.panel-row')
            .count()
            .then((n) => n > 20),
        `${w}: panel rows`,
      );
      await page.waitForTimeout(1500); // the panels settle their packing level
      await page.screenshot({ path: artefact(`display-layout-${w}x${h}.png`) });
      await checkScreen(page, w, h);
      assert.equal(await page.locator('[data-testid="panels-overflow"]').count(), 0, `${w}: every panel fits without scrolling`);
      if (w === 1920) {
        const sizes = await page.evaluate(() =>
          [...document.querySelectorAll('.panel-row:not(.kind-text) .pr-value')].map((e) => parseFloat(getComputedStyle(e).fontSize)),
        );
        assert.ok(sizes.length > 20 && Math.min(...sizes) >= 24, `panel values at 1080p: ${Math.min(...sizes)} px (at least 24)`);
        const big = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('[data-testid="tile-pleth-value"]')!).fontSize));
        assert.ok(big >= 64, `main numerics as before (${big} px)`);
      }
      await page.close();
    }
  } finally {
    clearInterval(feed);
  }
});

/**
 * The hub frozen (SIGSTOP): its last alarms stay on the banner greyed, steady and marked "last known", never as current
 * (issue 13 §2), and the screen (now with the display's own alarm and the no-data line) is still whole.
 */
async function whileHubFrozen(page: Page, hub: HubProc, w: number, h: number): Promise<void> {
  const pid = hubPid(hub.dataDir);
  process.kill(hub.child.pid!, 'SIGSTOP'); // the supervisor first, so it does not restart the frozen hub
  process.kill(pid, 'SIGSTOP');
  try {
    await until(() => page.locator('[data-testid="link-alarm"]').count(), `${w}: the display's own alarm`, 6000, 100);
    await until(() => page.locator('[data-testid="alarms-last-known"]').count(), `${w}: the hub's alarms marked last known`, 3000, 100);
    const stale = await page
      .locator('.alarm-bar [data-alarm-id]')
      .evaluateAll((els) => els.map((e) => ({ stale: e.getAttribute('data-stale'), flashing: getComputedStyle(e).animationName })));
    assert.ok(stale.length > 0, 'the last alarms still shown');
    assert.deepEqual(
      stale,
      stale.map(() => ({ stale: 'true', flashing: 'none' })),
      'every hub alarm greyed and steady while the hub is lost',
    );
    await page.waitForTimeout(500); // the banner settles how many alarms it shows
    await page.screenshot({ path: artefact(`display-layout-case-hub-lost-${w}x${h}.png`) });
    await checkScreen(page, w, h, [...CHECKED, ...CASE_CHECKED, '[data-testid="link-alarm"]']);
  } finally {
    process.kill(pid, 'SIGCONT');
    process.kill(hub.child.pid!, 'SIGCONT');
  }
  await until(
    () =>
      page
        .locator('[data-testid="alarms-last-known"]')
        .count()
        .then((n) => n === 0),
    `${w}: alarms current again`,
    10000,
    100,
  );
  assert.equal(await page.locator('.alarm-bar [data-stale="true"]').count(), 0);
}

/** Computed font sizes (px) of every element matching sel. */
function fontSizes(page: Page, sel: string): Promise<number[]> {
  return page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => parseFloat(getComputedStyle(e).fontSize)), sel);
}

test(
  'with a case running and alarms active: the whole simulated OR on one screen at 1920x1080 and 1366x768, main numerics large, a usable 3D view',
  { timeout: 180_000 },
  async () => {
    const h2 = await startHub();
    const room = run(['simulate', '--bus', h2.bus, '--devices', 'monitor,anaesthesia,pump1,pump2,esu,insufflator,lab,tracker']);
    try {
      const auth = { Authorization: `Bearer ${h2.token}`, 'Content-Type': 'application/json' };
      const post = async (path: string, body: unknown) => {
        const r = await fetch(`${h2.origin}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
        assert.ok(r.ok, `${path}: ${r.status} ${await r.text()}`);
      };
      await post('/api/case', {
        procedure: 'Laparoscopic cholecystectomy',
        room: 'OR 1',
        team: [
          { role: 'surgeon', name: 'Dr Ada Surgeon' },
          { role: 'circulating-nurse', name: 'Nurse Nightingale' },
        ],
        patient: { name: 'DOE^JANE', identifier: 'MRN-0042' },
      });
      // Three alarms at once (limits the simulated values cross), so the header holds the case, the sound notice and alarms.
      for (const [mdc, low, high] of [
        ['MDC_ECG_HEART_RATE', 40, 60],
        ['MDC_PULS_OXIM_SAT_O2', 99, null],
        ['MDC_AWAY_CO2_ET', 20, 30],
      ] as const)
        await post(`/api/alarms/limits/${mdc}`, { who: 'layout test', low, high, delayS: 0 });
      browser ??= await launchBrowser();
      for (const [w, h] of [
        [1920, 1080],
        [1366, 768],
      ] as const) {
        const page = await browser.newPage({ viewport: { width: w, height: h } });
        await page.goto(h2.url);
        await until(() => page.locator('[data-testid="rec"]').count(), `${w}: recording shown`, 30000, 200);
        await until(
          () =>
            page
              .locator('[data-testid^="panel-"]')
              .count()
              .then((n) => n === 7),
          `${w}: seven device panels`,
          30000,
          200,
        );
        await until(
          () =>
            page
              .locator('[data-testid^="row-"]')
              .count()
              .then((n) => n === 5),
          `${w}: five waveform rows`,
          15000,
          100,
        );
        await until(() => page.locator('.alarm-bar [data-alarm-id]').count(), `${w}: an alarm in the banner`, 15000, 100);
        await until(() => page.locator('.annotate-row').count(), `${w}: the annotation buttons`, 15000, 100);
        await page.waitForTimeout(1500); // the panels settle their packing level, the banner how many alarms it shows
        await page.screenshot({ path: artefact(`display-layout-case-${w}x${h}.png`) });
        await checkScreen(page, w, h, [...CHECKED, ...CASE_CHECKED]);
        assert.equal(await page.locator('[data-testid="panels-overflow"]').count(), 0, `${w}: every panel fits without scrolling`);
        assert.equal(await page.locator('.annotate-row').evaluate((e) => e.getBoundingClientRect().height < 60), true, `${w}: annotation buttons on one line`);
        // The lead alarm has its text whole (only its context note may shorten); alarms that do not fit are counted, never dropped.
        assert.equal(await page.locator('.alarm-bar .alarm-lead').count(), 1, `${w}: a lead alarm`);
        const cut = await page.locator('.alarm-bar .alarm-lead').evaluateAll((els) =>
          els
            .filter((e) => {
              const t = e.querySelector('.alarm-text')!.getBoundingClientRect();
              const box = e.getBoundingClientRect();
              const bar = e.closest('.alarm-bar')!.getBoundingClientRect();
              return t.right > Math.min(box.right, bar.right) + 1 || t.left < Math.max(box.left, bar.left) - 1;
            })
            .map((e) => e.textContent),
        );
        assert.deepEqual(cut, [], `${w}: alarm texts cut`);
        const shown = await page.locator('.alarm-bar [data-alarm-id]').count();
        const more = await page.locator('[data-testid="alarms-more"]').count();
        assert.ok(
          shown === 3 || (more === 1 && /\+\d+ more/.test(await page.locator('[data-testid="alarms-more"]').innerText())),
          `${w}: ${shown} alarms shown, the rest counted`,
        );
        // Main numerics stay large (read from 3 m), compact or not; secondary values 24 px at 1080p.
        const big = await fontSizes(page, '[data-testid^="row-"] .tile-big .tile-value:not(.triple)');
        const small = await fontSizes(page, '[data-testid^="row-"] .tile-small .tile-value');
        const panel = await fontSizes(page, '.panel-row:not(.kind-text) .pr-value');
        assert.equal(big.length, 4, 'HR, SpO2, EtCO2, Ppeak');
        assert.ok(Math.min(...big) >= (w === 1920 ? 64 : 44), `${w}: main numerics ${Math.min(...big)} px`);
        assert.ok(Math.min(...small) >= (w === 1920 ? 34 : 26), `${w}: small numerics ${Math.min(...small)} px`);
        assert.ok(panel.length > 20 && Math.min(...panel) >= (w === 1920 ? 24 : 14), `${w}: panel values ${Math.min(...panel)} px`);
        // The patient's identity whole, not shortened.
        assert.equal(await page.locator('[data-testid="patient-id"]').innerText(), 'DOE^JANE · ID MRN-0042');
        // The 3D view usable: about 300 px tall at 1080p; at 1366x768 the anatomy area keeps its 260 px.
        const vol = (await page.locator('[data-testid="volume-view"]').boundingBox())!;
        const area = (await page.locator('[data-testid="anatomy"]').boundingBox())!;
        if (w === 1920) assert.ok(vol.height >= 280 && vol.width >= 250, `3D view ${vol.width}x${vol.height} at 1920x1080`);
        else assert.ok(vol.height >= 180 && vol.width >= 200 && area.height >= 260, `3D view ${vol.width}x${vol.height}, area ${area.height} px at 1366x768`);
        console.log(
          `${w}x${h}: 3D view ${vol.width.toFixed(0)}x${vol.height.toFixed(0)}, anatomy ${area.width.toFixed(0)}x${area.height.toFixed(0)}, numerics ${big}, panels ${Math.min(...panel)} px`,
        );
        if (w === 1366) await whileHubFrozen(page, h2, w, h);
        await page.close();
      }
    } finally {
      await room.kill();
      await h2.kill();
    }
  },
);
