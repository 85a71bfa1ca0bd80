/**
 * npm run bench:alarms — the alarm signal generation delay and the engine's cost, with the full
 * simulated OR running (all simulated devices, recording on), the display in headless Debian
 * Chromium at 1920x1080.
 *
 * Latency: a bench device sends HR numerics through the SDK; its HR limit delay is set to 0 (the
 * condition delay is excluded: the first value over the limit raises the alarm), so each value
 * over 120 /min raises a medium alarm and the next at 80 clears it. From the send (the bench
 * process's clock) to the animation frame that paints the banner entry (Chromium's clock; both
 * are this machine's clock), for --alarms N alarms (default 200). Compared with the display's own
 * frame intervals (the wave engine's requestAnimationFrame times) in the same run.
 *
 * Cost: time the hub's main thread spends in the alarm engine (its sink methods and its 100 ms
 * tick) against the time it spends in the ingest (onMessage + onData: decoding, validation and
 * the synchronous fan-out to every sink, the engine included), scaled to an hour, as a ratio.
 * The hub runs in this process (main/hub/app.ts) so both can be timed; the simulators and
 * Chromium are other processes. Last line: one JSON object of figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHub } from '../main/hub/app';
import { DeviceClient } from '../native-bridge/node/device-client';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import { launchBrowser, until, CLI } from '../e2e/harness';
import { now, opt, quantiles, sleep } from './lib';

const ALARMS = Number(opt('alarms') ?? 200);
const KEY = 'bench-alarm-01/0/high';

const descriptor: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'bench-alarm-01',
  kind: 'patient-monitor',
  manufacturer: 'OR Hub bench',
  model: 'Bench HR',
  serial: 'bench-alarm-01',
  heartbeatMs: 1000,
  channels: [{ index: 0, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' }],
};

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-bench-alarms-'));
  const running = await startHub({
    host: '127.0.0.1',
    port: 0,
    bus: 'tcp://127.0.0.1:*',
    dataDir,
    simulate: true,
    busSecurity: 'plain',
    cliPath: CLI,
    log: () => {},
  });
  const { hub } = running;
  let ingestMs = 0;
  const timed =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A) => {
      const t0 = performance.now();
      fn(...a);
      ingestMs += performance.now() - t0;
    };
  hub.onMessage = timed(hub.onMessage.bind(hub));
  hub.onData = timed(hub.onData.bind(hub));
  const engine = running.alarms.engine;
  engine.setLimits('MDC_ECG_HEART_RATE', { delayS: 0 }, 'bench');

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.addInitScript(`(() => {
    window.__banner = [];
    new MutationObserver(() => {
      const el = document.querySelector('[data-alarm-id="${KEY}"]');
      if (el && !window.__shown) {
        window.__shown = true;
        const text = el.textContent;
        requestAnimationFrame(() => window.__banner.push({ t: performance.timeOrigin + performance.now(), text }));
      } else if (!el) window.__shown = false;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  })()`);
  await page.goto(running.displayUrl);
  const dev = new DeviceClient({ endpoint: running.busEndpoint, descriptor });
  dev.start();
  await until(() => dev.accepted, 'the bench device accepted', 20000);
  await until(() => page.locator('[data-testid="device-sim-monitor-01"][data-state="online"]').count(), 'the simulated OR online', 30000);
  await until(async () => ((await page.evaluate('window.__orhub.waves.framesDrawn')) as number) > 60, 'waves drawn', 30000);
  await sleep(3000);

  const cpu0 = { engine: engine.cpuMs, ingest: ingestMs, t: now() };
  // The wave engine keeps its last 600 frame intervals: collect the new ones every 20 alarms (7 s, about 420 frames at 60 Hz).
  const intervals: number[] = [];
  let drawn = (await page.evaluate('window.__orhub.waves.framesDrawn')) as number;
  const collectFrames = async () => {
    const { n, times } = (await page.evaluate('({ n: window.__orhub.waves.framesDrawn, times: window.__orhub.waves.frameTimes })')) as {
      n: number;
      times: number[];
    };
    intervals.push(...times.slice(-Math.min(n - drawn, times.length)));
    drawn = n;
  };
  const sent: { t: number; v: number }[] = [];
  const send = (v: number) => dev.sendNumerics([{ channel: 0, value: v, tMs: dev.clock(), status: 0 }]);
  for (let k = 0; k < ALARMS; k++) {
    const v = 121 + (k % 29);
    sent.push({ t: now(), v });
    send(v);
    await sleep(200);
    send(80);
    await sleep(150);
    if (k % 20 === 19) await collectFrames();
  }
  await sleep(1000);
  const cpu1 = { engine: engine.cpuMs, ingest: ingestMs, t: now() };
  const shown = (await page.evaluate('window.__banner')) as { t: number; text: string }[];
  // Each banner entry belongs to the latest alarm sent before it with the value its text shows.
  const latencies: number[] = [];
  for (const s of shown) {
    const v = Number(/HR HIGH (\d+)/.exec(s.text)?.[1]);
    const src = [...sent].reverse().find((x) => x.v === v && x.t <= s.t);
    if (src) latencies.push(s.t - src.t);
  }
  await dev.stop();
  await browser.close();
  await running.close();

  const lat = quantiles(latencies);
  const fr = quantiles(intervals);
  const hours = (cpu1.t - cpu0.t) / 3_600_000;
  const engineMs = cpu1.engine - cpu0.engine;
  const ingest = cpu1.ingest - cpu0.ingest;
  const result = {
    alarms: ALARMS,
    bannersMatched: lat.n,
    latencyMs: { p50: round(lat.p50), p99: round(lat.p99), max: round(lat.max) },
    frameIntervalMs: { n: fr.n, p50: round(fr.p50), p99: round(fr.p99), max: round(fr.max) },
    engineMsPerHour: round(engineMs / hours),
    ingestMsPerHour: round(ingest / hours),
    engineToIngest: Math.round((engineMs / ingest) * 1000) / 1000,
    goalP99Ms: 250,
    met: lat.p99 <= 250,
  };
  console.log(
    `alarm signal generation delay (send -> banner painted), ${lat.n}/${ALARMS} alarms: ` +
      `p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`,
  );
  console.log(`display frame intervals in the same run: p50 ${result.frameIntervalMs.p50} ms, p99 ${result.frameIntervalMs.p99} ms (${fr.n} frames)`);
  console.log(`engine ${result.engineMsPerHour} ms/h vs ingest ${result.ingestMsPerHour} ms/h of main-thread time: ratio ${result.engineToIngest}`);
  console.log(JSON.stringify(result));
  process.exit(0);
}

const round = (x: number) => Math.round(x * 10) / 10;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
