/**
 * One fuzz session against a real `or-hub start --simulate` process (supervised, as users run
 * it) with the display open in Chromium: HTTP/WebSocket fuzz without and with the token, and
 * optionally the bus fuzzer, while the display is watched (waveform canvas changing every
 * second) and the recording is checked for gaps afterwards. Used by e2e/http-fuzz.test.ts
 * and `npm run fuzz` (scripts/fuzz.ts).
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startHub, launchBrowser, runToEnd, until, ROOT, artefact, type HubProc } from './harness';
import { runHttpFuzz, type FuzzResult } from './http-fuzz';

export interface FuzzSessionResult {
  http: { withoutToken: FuzzResult; withToken: FuzzResult };
  bus: { sent: number; multipart: number; lost: number } | null;
  /** Times the supervisor restarted the hub during the session (must be 0). */
  hubRestarts: number;
  /** One-second display checks in which the ECG canvas had not changed (must be 0). */
  displayFramesMissed: number;
  displayChecks: number;
  /** Gaps the recording has between the fuzz's start and end (must be 0). */
  recordingGaps: number;
  /** The hub's own counts afterwards (/api/status). */
  status: { http: Record<string, unknown>; faults: { total: number; byPlace: Record<string, number> } };
  hubAlive: boolean;
}

function busFuzz(bus: string, count: number): Promise<{ sent: number; multipart: number; lost: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'native-bridge/node/tools/bus-peer.ts'), 'fuzz', '--bus', bus, '--count', String(count), '--seed', '20261204'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(\{.*\})$/m.exec(out);
      if (m) resolve(JSON.parse(m[1]));
    });
    child.on('exit', (c) => (c === 0 ? undefined : reject(new Error(`bus fuzzer exited ${c}: ${out}`))));
  });
}

export async function fuzzSession(opts: { httpRequests: number; busFrames: number; seed?: number; screenshot?: string }): Promise<FuzzSessionResult> {
  let hub: HubProc | undefined;
  const browser = await launchBrowser();
  try {
    hub = await startHub(['--simulate']);
    const h = hub;
    const auth = { Authorization: `Bearer ${h.token}` };
    const status = async () =>
      (await (await fetch(`${h.origin}/api/status`, { headers: auth })).json()) as FuzzSessionResult['status'] & { devices: { state: string }[] };
    await until(async () => (await status()).devices.filter((d) => d.state === 'online').length === 8, 'eight simulated devices online', 30000, 200);
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(h.url);
    await until(() => page.locator('[data-testid="tile-ecg"][data-live="true"]').count(), 'HR tile live', 30000);
    const canvas = () => page.locator('[data-testid="wave-ecg"]').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const port = Number(new URL(h.origin).port);
    const t0 = Date.now();

    let running = true;
    let checks = 0;
    let missed = 0;
    const watch = (async () => {
      let last = await canvas();
      while (running) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = await canvas();
        checks++;
        if (now === last) missed++;
        last = now;
      }
    })();
    const seed = opts.seed ?? 20261204;
    const [withoutToken, withToken, bus] = await Promise.all([
      runHttpFuzz(port, { n: Math.ceil(opts.httpRequests / 2), token: '', seed }),
      runHttpFuzz(port, { n: Math.floor(opts.httpRequests / 2), token: h.token, seed: seed + 1 }),
      opts.busFrames > 0 ? busFuzz(h.bus, opts.busFrames) : Promise.resolve(null),
    ]);
    // Two more display checks after the last hostile request.
    await new Promise((r) => setTimeout(r, 2500));
    running = false;
    await watch;
    if (opts.screenshot) await page.screenshot({ path: artefact(opts.screenshot) });
    const t1 = Date.now();
    const st = await status();
    const hubAlive = h.child.exitCode === null && h.child.signalCode === null;
    const hubRestarts = (h.output().match(/supervisor: the hub ended unexpectedly/g) ?? []).length;

    await h.kill('SIGTERM');
    const dataDir = /--data-dir (\S+)/.exec(h.child.spawnargs.join(' '))?.[1] ?? '';
    const list = JSON.parse((await runToEnd(['recordings', 'list', '--json', '--data-dir', dataDir])).stdout) as { id: string }[];
    const show = JSON.parse((await runToEnd(['recordings', 'show', list[0].id, '--json', '--data-dir', dataDir])).stdout) as {
      gaps: { fromMs: number; toMs: number }[];
    };
    const recordingGaps = show.gaps.filter((g) => g.toMs >= t0 && g.fromMs <= t1).length;
    return {
      http: { withoutToken, withToken },
      bus,
      hubRestarts,
      displayFramesMissed: missed,
      displayChecks: checks,
      recordingGaps,
      status: { http: st.http, faults: st.faults },
      hubAlive,
    };
  } finally {
    await browser.close();
    await hub?.kill('SIGKILL');
  }
}
