/**
 * Issue 14, review mode end to end in Chromium: a simulated case recorded by the hub is reviewed
 * while it records, from a second browser context (a second workstation): the list shows it,
 * seeking to a team marker shows the numerics recorded then and the instrument where the recorded
 * pose and registration put it, playing at 10x advances the review clock ten times as fast as the
 * page's monotonic clock, and the live display keeps drawing with no recording gap meanwhile.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright';
import { startHub, launchBrowser, artefact, until, type HubProc } from './harness';
import { RecordingStore, recordingPath } from '../main/recorder/store';
import { channelOf, recordedTipAt } from './recorded';

let hub: HubProc;
let browser: Browser;
after(async () => {
  await browser?.close();
  await hub?.kill();
});

const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
  const r = await fetch(hub.origin + p, { ...init, headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' } });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};

const canvasData = (page: Page, sel: string) => page.locator(sel).evaluate((c: HTMLCanvasElement) => c.toDataURL());

test('review a running case in Chromium: seek to a marker, play at 10x, live display undisturbed', async () => {
  hub = await startHub(['--simulate']);
  const dataDir = hub.dataDir;
  browser = await launchBrowser();
  const live = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  const errors: string[] = [];
  live.on('pageerror', (e) => errors.push(`live: ${e.message}`));
  await live.goto(hub.url);
  await until(() => live.locator('[data-testid="tile-ecg"][data-live="true"]').count(), 'live HR tile', 30000);
  const c0 = await api<{ case: { id: string; startedMs: number } | null }>('/api/case');
  const caseId = c0.case!.id;
  const file = recordingPath(dataDir, caseId);
  // A marker a few seconds back (committed by the time we seek), then enough case to play 3 s at 10x.
  await until(async () => Date.now() - c0.case!.startedMs > 12000, 'case 12 s long', 30000, 500);
  const mark = await api<{ tMs: number }>('/api/annotations', { method: 'POST', body: JSON.stringify({ kind: 'incision', role: 'surgeon', agoMs: 4000 }) });
  await until(async () => Date.now() - c0.case!.startedMs > 40000, 'case 40 s long', 60000, 500);

  // The live page keeps drawing while the review runs: sample its ECG canvas every second.
  const liveFrames: boolean[] = [];
  let prev = await canvasData(live, '[data-testid="wave-ecg"]');
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 1000));
      const cur = await canvasData(live, '[data-testid="wave-ecg"]');
      liveFrames.push(cur !== prev);
      prev = cur;
    }
  })();
  const reviewFrom = Date.now();

  // A second workstation: its own browser context, the review URL.
  const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  page.on('pageerror', (e) => errors.push(`review: ${e.message}`));
  await page.goto(`${hub.origin}/#review&token=${hub.token}`);
  await until(() => page.locator(`[data-testid="review-entry"][data-case="${caseId}"]`).count(), 'the running case in the list');
  await page.screenshot({ path: artefact('review-list.png') });
  await page.locator(`[data-testid="review-entry"][data-case="${caseId}"]`).click();
  await until(() => page.locator('[data-testid="review-marker-incision"]').count(), 'marker on the timeline', 20000);

  // Seek to the marker: numerics are the recorded values at that instant.
  await page.locator('[data-testid="review-marker-incision"]').click();
  const T = mark.tMs;
  await until(() => page.evaluate((t) => (window as any).__orhubReview.state().instant?.tMs === t, T), 'seeked to the marker');
  const store = RecordingStore.open(file, { readonly: true });
  try {
    for (const [tile, mdc] of [
      ['review-tile-ecg', 'MDC_ECG_HEART_RATE'],
      ['review-tile-pleth', 'MDC_PULS_OXIM_SAT_O2'],
      ['review-tile-co2', 'MDC_AWAY_CO2_ET'],
    ]) {
      const ch = channelOf(file, mdc);
      const rec = store
        .readNumerics(ch.id, T - 10000, T)
        .filter((n) => n.tMs <= T)
        .at(-1);
      assert.ok(rec, `${mdc} recorded before the marker`);
      const shown = Number(await page.locator(`[data-testid="${tile}-value"]`).getAttribute('data-value'));
      assert.equal(shown, rec.value, `${tile}: shows the value recorded at ${T}`);
    }
    // The instrument: recorded pose at or before T (under 1 s old), through the inverse of the recorded image->tracker registration.
    const want = recordedTipAt(file, T);
    const got = ((await page.locator('[data-testid="review-instrument"]').getAttribute('data-tip')) ?? '').split(',').map(Number);
    assert.equal(got.length, 3, 'instrument shown');
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(got[a] - want[a]) <= 0.006, `tip axis ${a}: ${got[a]} vs recorded ${want[a]}`);
  } finally {
    store.close();
  }
  await until(() => page.locator('[data-testid="review-timeline-canvas"][data-complete="true"]').count(), 'overview complete', 20000);
  // A reviewer's comment at the marker: in the review ledger (chain verified), never among the team's entries.
  await page.locator('[data-testid="review-comment-name"]').fill('Dr Review');
  await page.locator('[data-testid="review-comment-text"]').fill('ABP fine at incision');
  await page.locator('[data-testid="review-comment-add"]').click();
  await until(() => page.getByText('1 comments, chain verified').count(), 'comment stored and its chain verified');
  const comments = await api<{ comments: { tMs: number; name: string; role: string; text: string }[] }>(`/api/review/recordings/${caseId}/comments`);
  assert.deepEqual(
    comments.comments.map((c) => [c.tMs, c.name, c.role, c.text]),
    [[T, 'Dr Review', 'reviewer', 'ABP fine at incision']],
  );
  const team = RecordingStore.open(file, { readonly: true });
  assert.deepEqual(
    team.currentAnnotations().map((a) => a.kind),
    ['incision'],
    'the case file has only the team entry',
  );
  team.close();
  await page.screenshot({ path: artefact('review-marker.png') });

  // Play at 10x from the case start: the review clock shown advances 10 s per second of performance.now.
  await page.evaluate(() => (window as any).__orhubReview.seek((window as any).__orhubReview.state().detail.span.fromMs + 1000));
  await page.keyboard.press('0');
  const ecgBefore = await canvasData(page, '[data-testid="review-wave-ecg"]');
  await page.keyboard.press(' ');
  const samples = await page.evaluate(async () => {
    const out: [number, number][] = [];
    const el = document.querySelector('[data-testid="review-time"]') as HTMLElement;
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i <= 30; i++) {
      out.push([performance.now(), Number(el.dataset.t)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  });
  await page.screenshot({ path: artefact('review-play-10x.png') });
  await page.keyboard.press(' ');
  const [w0, t0] = samples[0];
  const [w1, t1] = samples.at(-1)!;
  const rate = (t1 - t0) / (w1 - w0);
  // The shown time is refreshed every 100 ms (and read up to a frame late): over 3 s that is at most
  // ±(100 + 17) ms of wall time at either end, ±8% of the 3 s measured; 10% leaves room for a frame dropped.
  assert.ok(Math.abs(rate - 10) <= 1, `review clock ran at ${rate.toFixed(2)}x (want 10x ±10%)`);
  assert.notEqual(await canvasData(page, '[data-testid="review-wave-ecg"]'), ecgBefore, 'the review waveform is drawn while playing');

  // On the theatre display itself: its Review button opens the review screen in a new window; the live page stays.
  const [popup] = await Promise.all([live.waitForEvent('popup'), live.locator('[data-testid="open-review"]').click()]);
  await until(() => popup.locator(`[data-testid="review-entry"][data-case="${caseId}"]`).count(), 'the review window from the live display lists the case');
  await popup.close();
  sampling = false;
  await sampler;
  assert.ok(liveFrames.length >= 5 && liveFrames.every(Boolean), `live ECG canvas changed every second during the review (${liveFrames.join(',')})`);
  const reviewTo = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  const after = RecordingStore.open(file, { readonly: true });
  try {
    assert.deepEqual(after.gaps(reviewFrom - 1000, reviewTo), [], 'no recording gap while the case was reviewed');
    // And the recording kept growing through the review: HR samples every second of it.
    const hr = after.readNumerics(channelOf(file, 'MDC_ECG_HEART_RATE').id, reviewFrom, reviewTo - 2000).map((n) => n.tMs);
    const worst = Math.max(...hr.slice(1).map((t, i) => t - hr[i]));
    assert.ok(hr.length >= (reviewTo - reviewFrom - 2000) / 1000 - 2 && worst < 2500, `HR recorded throughout (${hr.length} samples, widest step ${worst} ms)`);
  } finally {
    after.close();
  }
  assert.deepEqual(errors, []);
});
