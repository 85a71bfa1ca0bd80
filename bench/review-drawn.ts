/**
 * bench:review's "drawn in Chromium" figure: a hub (in this process, not recording, its review
 * worker reading the case file read-only) serves the review screen; Chromium opens the case and
 * seeks to the same random instants as the data-ready figure, each timed in the page from the
 * seek's start until the screen is drawn (state fetched over HTTP, traces refilled and drawn,
 * numerics, banner and navigation rendered, and the next animation frame reached). Where the time goes comes
 * from the page's Resource Timing entries of each seek: the slowest request's time to first byte (hub thread,
 * review worker and queueing), all responses in, and the rest (parsing, refilling the traces, React, the frame).
 */
import path from 'node:path';
import { startHub } from '../main/hub/app';
import { launchBrowser } from '../e2e/harness';
import { quantiles } from './lib';

type Q = { p50Ms: number; p99Ms: number };

export interface DrawnFigures {
  drawnP50Ms: number;
  drawnP99Ms: number;
  drawnMaxMs: number;
  /** Per seek: HTTP requests made and response bytes (medians). */
  requests: number;
  responseBytes: number;
  /** Slowest request's time to first byte; seek start to the last response in; last response to drawn. */
  stages: { ttfb: Q; responsesIn: Q; afterResponses: Q };
  stagesText: string;
}

const q = (xs: number[]): Q => {
  const r = quantiles(xs);
  return { p50Ms: r.p50, p99Ms: r.p99 };
};

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
    const seeks = await page.evaluate(async (ts: number[]) => {
      const r = (window as any).__orhubReview;
      const out: { ms: number; n: number; bytes: number; ttfb: number; inMs: number }[] = [];
      performance.setResourceTimingBufferSize(1000);
      for (const t of ts) {
        performance.clearResourceTimings();
        const a = performance.now();
        await r.seek(t);
        const ms = performance.now() - a;
        const es = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name.includes('/api/review/'));
        out.push({
          ms,
          n: es.length,
          bytes: es.reduce((x, e) => x + e.encodedBodySize, 0),
          ttfb: Math.max(0, ...es.map((e) => e.responseStart - e.requestStart)),
          inMs: Math.max(0, ...es.map((e) => e.responseEnd - a)),
        });
      }
      return out;
    }, instants);
    const all = quantiles(seeks.map((x) => x.ms));
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    const stages = { ttfb: q(seeks.map((x) => x.ttfb)), responsesIn: q(seeks.map((x) => x.inMs)), afterResponses: q(seeks.map((x) => x.ms - x.inMs)) };
    const f = (x: Q) => `${x.p50Ms.toFixed(1)}/${x.p99Ms.toFixed(1)}`;
    return {
      drawnP50Ms: all.p50,
      drawnP99Ms: all.p99,
      drawnMaxMs: all.max,
      requests: med(seeks.map((x) => x.n)),
      responseBytes: med(seeks.map((x) => x.bytes)),
      stages,
      stagesText:
        `${med(seeks.map((x) => x.n))} requests, ${(med(seeks.map((x) => x.bytes)) / 1024).toFixed(0)} KiB; slowest TTFB ${f(stages.ttfb)}, ` +
        `responses in ${f(stages.responsesIn)}, then drawn in ${f(stages.afterResponses)} ms (p50/p99)`,
    };
  } finally {
    await browser.close();
    await hub.close();
  }
}
