/**
 * bench:review's "drawn in Chromium" figure: a hub (in this process, not recording, its review
 * worker reading the case file read-only) serves the review screen; Chromium opens the case and
 * seeks to the same random instants as the data-ready figure, each timed in the page from the
 * seek's start until the screen is drawn (state fetched over HTTP, traces refilled and drawn,
 * numerics, banner and navigation rendered, and the next animation frame reached).
 */
import path from 'node:path';
import { startHub } from '../main/hub/app';
import { launchBrowser } from '../e2e/harness';
import { quantiles } from './lib';

export interface DrawnFigures {
  drawnP50Ms: number;
  drawnP99Ms: number;
  drawnMaxMs: number;
}

/** `file` is DATA_DIR/recordings/ID.orrec; `instants` hub ms. Needs the renderer built (node scripts/build.mjs). */
export async function drawnSeeks(file: string, instants: number[]): Promise<DrawnFigures> {
  const dataDir = path.dirname(path.dirname(file));
  const id = path.basename(file, '.orrec');
  const hub = await startHub({
    host: '127.0.0.1',
    port: 0,
    bus: 'tcp://127.0.0.1:*',
    dataDir,
    simulate: false,
    record: false,
    busSecurity: 'plain',
    log: () => undefined,
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const u = new URL(hub.displayUrl);
    await page.goto(`${u.origin}/#review&case=${encodeURIComponent(id)}&token=${hub.token}`);
    await page.waitForFunction(() => (window as any).__orhubReview?.state().instant !== null && (window as any).__orhubReview.state().detail, null, {
      timeout: 120000,
    });
    // Seeks are timed with the overview done (the worker answers one request at a time; a cold build would queue them).
    await page.evaluate(
      (caseId) => (window as any).__orhubReview.api('reviewOverview', { params: { id: caseId }, query: { width: '1810', budget: 'all' } }),
      id,
    );
    await page.waitForFunction(() => (window as any).__orhubReview.state().overview?.complete, null, { timeout: 120000 });
    const times = await page.evaluate(async (ts: number[]) => {
      const r = (window as any).__orhubReview;
      const out: number[] = [];
      for (const t of ts) {
        const a = performance.now();
        await r.seek(t);
        out.push(performance.now() - a);
      }
      return out;
    }, instants);
    const q = quantiles(times);
    return { drawnP50Ms: q.p50, drawnP99Ms: q.p99, drawnMaxMs: q.max };
  } finally {
    await browser.close();
    await hub.close();
  }
}
