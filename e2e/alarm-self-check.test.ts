/**
 * The alarm system's self-check end to end (IEC 60601-1-8 alarm-system failure): the display's
 * WebSocket is routed through Playwright so heartbeats or confirmations can be withheld. A display
 * without the hub's alarm heartbeat for 2 s shows the failure; a hub whose display stops
 * confirming alarm messages raises it (and the display shows it once it confirms again).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, launchBrowser, until, type HubProc } from './harness';
import type { Browser } from 'playwright';

let hub: HubProc;
let browser: Browser;
after(async () => {
  await browser?.close();
  await hub?.kill();
});

test('a display missing the heartbeat shows an alarm-system failure; a display that stops confirming is one on the hub', async () => {
  hub = await startHub();
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const drop = { beats: false, acks: false };
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (!(drop.acks && typeof m === 'string' && m.includes('"alarm-received"'))) server.send(m);
    });
    server.onMessage((m) => {
      if (!(drop.beats && typeof m === 'string' && m.includes('"alarm-heartbeat"'))) ws.send(m);
    });
  });
  await page.goto(hub.url);
  await until(async () => (await page.evaluate('document.querySelector(\'[data-testid="alarm-bar"]\') !== null')) as boolean, 'the display');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.getByTestId('alarm-system-failure').count(), 0, 'heartbeats arriving: no failure');

  drop.beats = true;
  const { ms } = await until(() => page.getByTestId('alarm-system-failure').count(), 'the display shows the alarm-system failure', 6000, 50);
  console.log(`display shows the alarm-system failure ${ms} ms after heartbeats stopped (timeout 2000 ms)`);
  assert.ok(ms >= 1000, 'not before the heartbeat timeout');
  assert.match(await page.getByTestId('alarm-system-failure').innerText(), /ALARM SYSTEM FAILURE/);
  drop.beats = false;
  await until(async () => (await page.getByTestId('alarm-system-failure').count()) === 0, 'the failure gone with heartbeats back', 3000, 50);

  drop.acks = true;
  const status = async () => {
    const r = await fetch(`${hub.origin}/api/alarms`, { headers: { Authorization: `Bearer ${hub.token}` } });
    return ((await r.json()) as { alarms: { alarmId: string; priority: string; text: string }[] }).alarms;
  };
  const { value } = await until(async () => (await status()).find((a) => /^hub\/tech\/display-/.test(a.alarmId)), 'the hub raises the failure', 6000, 100);
  assert.equal(value!.priority, 'high');
  assert.match(value!.text, /Alarm system failure: display \d+ does not confirm alarm messages/);
  drop.acks = false;
  await until(async () => !(await status()).some((a) => /^hub\/tech\/display-/.test(a.alarmId)), 'cleared once the display confirms again', 3000, 100);
});
