/**
 * Issue 13 §3 end to end: everything on one screen, readable from 3 m, checked mechanically at
 * 1920x1080 and 1366x768 from bounding boxes and computed font sizes; screenshots saved.
 * The room: the simulated devices without the simulated monitor, plus a third-party pulse
 * oximeter (kind 'other') whose MDC_PULS_OXIM_SAT_O2 must get the SpO2 tile, and an unknown code.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, run, launchBrowser, artefact, until, type HubProc, type Proc } from './harness';
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

interface Box {
  sel: string;
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  clipped: string | null;
}

async function boxes(page: Page): Promise<Box[]> {
  return page.evaluate((sels) => {
    const out: Box[] = [];
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
        if (!clipped && (he.scrollHeight > he.clientHeight + 2 || he.scrollWidth > he.clientWidth + 2) && getComputedStyle(he).overflow !== 'visible')
          clipped = 'its content';
        out.push({ sel, id: `${sel}#${i}:${(he.innerText || '').slice(0, 24).replace(/\s+/g, ' ')}`, x: r.left, y: r.top, w: r.width, h: r.height, clipped });
      });
    }
    return out;
  }, CHECKED);
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
}

async function checkScreen(page: Page, w: number, h: number): Promise<void> {
  const all = await boxes(page);
  const problems: string[] = [];
  for (const b of all) {
    if (b.w <= 0 || b.h <= 0) problems.push(`${b.id} has no size`);
    if (b.x < 0 || b.y < 0 || b.x + b.w > w + 0.5 || b.y + b.h > h + 0.5) problems.push(`${b.id} outside the ${w}x${h} viewport`);
    if (b.clipped) problems.push(`${b.id} clipped ${b.clipped}`);
  }
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) if (overlap(all[i], all[j])) problems.push(`${all[i].id} overlaps ${all[j].id}`);
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
