/**
 * bench:view's reconnect figure (issue 13): the supervised hub SIGKILLed, restarted by its
 * supervisor, and the same page drawing waveforms again, over `rounds` rounds; against the hub's
 * own start-up time in the same run. All times on this machine's clock (Unix ms):
 * - restart: the supervisor's respawn (the hello's `restart.atMs`);
 * - answering: the new hub's /api/status first answers (polled every 10 ms);
 * - drawn: the first waveform frame the page draws after the loss (polled every 10 ms).
 * Hub start-up = answering - restart; reconnect = drawn - restart (what the issue asks), of which
 * drawn - answering is the display's own part.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { Page } from 'playwright';
import { until, type HubProc } from '../e2e/harness';
import type { HubMessage } from '../common/display-contract';

export interface ReconnectFigures {
  rounds: number;
  reconnect_p50_ms: number;
  reconnect_max_ms: number;
  hub_startup_p50_ms: number;
  hub_startup_max_ms: number;
  display_part_p50_ms: number;
  display_part_max_ms: number;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function restartAtMs(origin: string, token: string): Promise<number | null> {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${token}` } });
  return new Promise((resolve, reject) => {
    ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(d.toString()) as HubMessage;
      if (m.t === 'hello') {
        ws.close();
        resolve(m.restart?.atMs ?? null);
      }
    });
    ws.on('error', reject);
  });
}

const ecgDrawn = (page: Page) =>
  page.evaluate(
    `(() => { const c = document.querySelector('[data-testid="wave-ecg"]'); const s = c && ` +
      `window.__orhub.waves.stats(Number(c.dataset.stream)); return s ? s.drawnFrames : -1; })()`,
  ) as Promise<number>;

export async function measureReconnect(page: Page, hub: HubProc, dataDir: string, rounds = 5): Promise<ReconnectFigures> {
  const auth = { Authorization: `Bearer ${hub.token}` };
  const reconnect: number[] = [];
  const startup: number[] = [];
  const displayPart: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Settled and drawing before each round.
    await until(
      async () => (await page.locator('[data-testid="link-alarm"]').count()) === 0 && (await ecgDrawn(page)) > 0,
      'page live before a round',
      30000,
      50,
    );
    const pid = (JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.json'), 'utf8')) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    await until(() => page.evaluate('!window.__orhub.state().hubLive') as Promise<boolean>, 'the page saw the loss', 5000, 10);
    const lostFrames = await ecgDrawn(page);
    let answering = 0;
    let drawn = 0;
    const t0 = Date.now();
    while ((!answering || !drawn) && Date.now() - t0 < 30000) {
      if (!answering) {
        try {
          if ((await fetch(`${hub.origin}/api/status`, { headers: auth })).ok) answering = Date.now();
        } catch {
          // not yet
        }
      }
      if (!drawn && (await ecgDrawn(page)) > lostFrames && (await page.evaluate('window.__orhub.state().hubLive'))) drawn = Date.now();
      await new Promise((res) => setTimeout(res, 10));
    }
    if (!answering || !drawn) throw new Error(`reconnect round ${r + 1}: ${answering ? 'no waveform drawn' : 'the hub did not answer'} within 30 s`);
    const restart = (await restartAtMs(hub.origin, hub.token)) ?? answering;
    startup.push(answering - restart);
    reconnect.push(drawn - restart);
    displayPart.push(drawn - answering);
  }
  return {
    rounds,
    reconnect_p50_ms: p50(reconnect),
    reconnect_max_ms: Math.max(...reconnect),
    hub_startup_p50_ms: p50(startup),
    hub_startup_max_ms: Math.max(...startup),
    display_part_p50_ms: p50(displayPart),
    display_part_max_ms: Math.max(...displayPart),
  };
}
