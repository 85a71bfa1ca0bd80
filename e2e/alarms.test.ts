/**
 * Issue 15 end to end: a simulated patient driven into tachycardia and desaturation (simulator
 * --scenario tachy-desat), the hub's alarm engine, the display in Debian Chromium. Banner order,
 * colours and flash rates from computed styles over time, tile highlights, Web Audio bursts per
 * priority (AudioContext instrumented), acknowledge and history, a killed device's technical
 * alarm, and every state change in the recording and in `or-hub recordings show`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHub, run, runToEnd, launchBrowser, artefact, until, type HubProc, type Proc } from './harness';
import type { Browser, Page } from 'playwright';

let hub: HubProc;
let monitor: Proc;
let browser: Browser;
let page: Page;

after(async () => {
  await browser?.close();
  await monitor?.kill('SIGKILL');
  await hub?.kill();
});

const api = async (method: string, p: string, body?: unknown) => {
  const r = await fetch(hub.origin + p, {
    method,
    headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: (await r.json()) as any };
};

/** Logs every scheduled oscillator pulse: {at, dur, hz} on the AudioContext clock. */
const INSTRUMENT_AUDIO = () => {
  const w = window as any;
  w.__pulses = [];
  const start = OscillatorNode.prototype.start;
  const stop = OscillatorNode.prototype.stop;
  OscillatorNode.prototype.start = function (when?: number) {
    (this as any).__at = when ?? 0;
    return start.call(this, when);
  };
  OscillatorNode.prototype.stop = function (when?: number) {
    w.__pulses.push({ at: (this as any).__at, dur: (when ?? 0) - (this as any).__at, hz: this.frequency.value });
    return stop.call(this, when);
  };
  localStorage.setItem('orhub.alarmOperator', 'Dr Test');
};

/** Samples the opacity of the first banner alarm of a priority for `ms`; returns its flash frequency and duty cycle. */
async function flash(priority: string, ms: number): Promise<{ hz: number; duty: number }> {
  // A string, not a function: the test runner's transpiler would add helpers the page does not have.
  return page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[data-testid="alarm-bar"] .alarm[data-priority="${priority}"]');
    const samples = [];
    const t0 = performance.now();
    const timer = setInterval(() => {
      const t = performance.now() - t0;
      samples.push({ t, on: Number(getComputedStyle(el).opacity) > 0.9 });
      if (t < ${ms}) return;
      clearInterval(timer);
      const rises = samples.filter((s, i) => i > 0 && s.on && !samples[i - 1].on).map((s) => s.t);
      const hz = rises.length > 1 ? (rises.length - 1) / ((rises[rises.length - 1] - rises[0]) / 1000) : 0;
      resolve({ hz, duty: samples.filter((s) => s.on).length / samples.length });
    }, 10);
  })`);
}

/** The pulses scheduled after `fromCount`, as onsets relative to the first and durations. */
async function pulsesSince(fromCount: number): Promise<{ at: number; dur: number; hz: number }[]> {
  const all = (await page.evaluate(() => (window as any).__pulses)) as { at: number; dur: number; hz: number }[];
  const p = all.slice(fromCount);
  return p.map((x) => ({ ...x, at: x.at - p[0].at }));
}
const pulseCount = () => page.evaluate(() => (window as any).__pulses.length as number);
const round2 = (x: number) => Math.round(x * 100) / 100;

test('tachycardia and desaturation: banner, colours, flashing, tiles, audio, acknowledge, history, technical alarm, recording', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-alarms-'));
  hub = await startHub(['--data-dir', dataDir]);
  const started = await api('POST', '/api/case', { procedure: 'Alarm test', team: [{ role: 'anaesthetist', name: 'Dr Test' }] });
  assert.equal(started.status, 201);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(INSTRUMENT_AUDIO);
  await page.goto(hub.url);
  monitor = run(['simulate', '--bus', hub.bus, '--devices', 'monitor', '--scenario', 'tachy-desat']);

  const banner = page.locator('[data-testid="alarm-bar"] .alarm');
  await until(
    async () => (await banner.count()) >= 2 && (await banner.nth(1).getAttribute('data-priority')) === 'medium',
    'high HR and medium SpO2 alarms',
    40000,
    100,
  );
  const hrKey = 'sim-monitor-01/10/high';
  assert.equal(await banner.nth(0).getAttribute('data-alarm-id'), hrKey, 'high first');
  assert.match(await banner.nth(0).innerText(), /HR EXTREMELY HIGH/);
  assert.match(await banner.nth(1).innerText(), /SpO2 LOW/);
  const bg = (i: number) => banner.nth(i).evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(await bg(0), 'rgb(255, 45, 45)');
  assert.equal(await bg(1), 'rgb(255, 212, 0)');
  const high = await flash('high', 2100);
  assert.ok(
    high.hz >= 1.4 && high.hz <= 2.8 && high.duty >= 0.2 && high.duty <= 0.6,
    `high flashes at ${high.hz.toFixed(2)} Hz, ${(high.duty * 100).toFixed(0)} % on`,
  );
  const medium = await flash('medium', 4000);
  assert.ok(
    medium.hz >= 0.4 && medium.hz <= 0.8 && medium.duty >= 0.2 && medium.duty <= 0.6,
    `medium flashes at ${medium.hz.toFixed(2)} Hz, ${(medium.duty * 100).toFixed(0)} % on`,
  );
  assert.equal(await page.locator('[data-testid="tile-ecg"]').getAttribute('data-alarm'), 'high');
  assert.equal(await page.locator('[data-testid="tile-pleth"]').getAttribute('data-alarm'), 'medium');
  assert.match(await page.locator('[data-testid="tile-ecg-limits"]').innerText(), /50 – 120/);
  // The SpO2 alarm is one alarm with both sources: the monitor's own and the hub's limit (after its 10 s delay).
  const spo2Alarms = async () =>
    ((await api('GET', '/api/alarms')).body.alarms as { alarmId: string; engine: { sources: string[]; mdc: string[] } }[]).filter((a) =>
      a.engine.mdc.includes('MDC_PULS_OXIM_SAT_O2'),
    );
  await until(async () => (await spo2Alarms())[0]?.engine.sources.length === 2, 'the hub limit joins the monitor SpO2 alarm', 20000, 250);
  const spo2 = await spo2Alarms();
  assert.equal(spo2.length, 1, 'one SpO2 alarm');
  assert.deepEqual([...spo2[0].engine.sources].sort(), ['hub (limit)', 'sim-monitor-01']);

  // Audio: while the high alarm sounds, its burst: 10 pulses of 150 ms, 3 + 2, pause, 3 + 2.
  // (A medium burst for the monitor's SpO2 alarm may come first: the high burst starts at the first 150 ms pulse.)
  const highBurst = async () => {
    const all = await pulsesSince(0);
    const i = all.findIndex((p) => round2(p.dur) === 0.15);
    return i < 0 ? [] : all.slice(i, i + 10).map((p) => ({ ...p, at: p.at - all[i].at }));
  };
  await until(async () => (await highBurst()).length === 10, 'a high burst scheduled', 15000);
  const burst = await highBurst();
  assert.deepEqual(
    burst.map((p) => round2(p.at)),
    [0, 0.25, 0.5, 0.9, 1.15, 2.3, 2.55, 2.8, 3.2, 3.45],
  );
  assert.ok(burst.every((p) => round2(p.dur) === 0.15 && p.hz >= 150 && p.hz <= 1000));

  // Acknowledge the high alarm by touch: the medium one sounds (3 pulses of 200 ms).
  await banner.nth(0).click();
  const before = await pulseCount();
  await page.locator(`[data-alarm-row="${hrKey}"] [data-action="acknowledge"]`).click();
  await until(async () => (await pulseCount()) >= before + 3, 'a medium burst', 10000);
  const med = (await pulsesSince(before)).slice(0, 3);
  assert.deepEqual(
    med.map((p) => [round2(p.at), round2(p.dur)]),
    [
      [0, 0.2],
      [0.35, 0.2],
      [0.7, 0.2],
    ],
  );
  await until(
    async () => /acknowledged high HR EXTREMELY HIGH .* by Dr Test/.test(await page.getByTestId('alarm-history').innerText()),
    'the acknowledgement in the history',
    5000,
  );

  // A low alarm (temperature over a lowered limit, no delay) with the SpO2 alarm's audio paused: the low burst, 2 pulses; pause visible.
  assert.equal((await api('POST', '/api/alarms/limits/MDC_TEMP_BODY', { who: 'Dr Test', low: 30, high: 36, delayS: 0 })).status, 200);
  await until(
    async () => (await api('GET', '/api/alarms')).body.alarms.some((a: { priority: string }) => a.priority === 'low'),
    'a low temperature alarm',
    10000,
    200,
  );
  const beforeLow = await pulseCount();
  await page.locator('[data-alarm-row="sim-monitor-01/11/low"] [data-action="pause-audio"]').click();
  await until(async () => (await pulseCount()) >= beforeLow + 2, 'a low burst', 10000);
  const low = (await pulsesSince(beforeLow)).slice(0, 2);
  assert.deepEqual(
    low.map((p) => [round2(p.at), round2(p.dur)]),
    [
      [0, 0.2],
      [0.35, 0.2],
    ],
  );
  assert.match(await page.getByTestId('audio-paused').innerText(), /AUDIO PAUSED [12]:\d\d/);
  await page.getByTestId('alarm-panel-close').click();
  await page.screenshot({ path: artefact('alarms-banner.png') });

  // Limits are edited by touch beside the tile; the change is recorded with who.
  await page.getByTestId('tile-ecg-limits').click();
  await page.getByTestId('limit-high').fill('125');
  await page.getByTestId('limit-save').click();
  await until(async () => (await page.getByTestId('tile-ecg-limits').innerText()).includes('50 – 125'), 'the new HR limit beside the tile', 5000, 100);
  const hrLimit = (await api('GET', '/api/alarms')).body.limits.find((l: { mdc: string }) => l.mdc === 'MDC_ECG_HEART_RATE');
  assert.equal(hrLimit.high, 125);
  assert.equal(hrLimit.changedBy.who, 'Dr Test');

  // A killed monitor: the technical alarm.
  await monitor.kill('SIGKILL');
  await until(async () => /offline/i.test(await page.getByTestId('alarm-bar').innerText()), 'the monitor-offline technical alarm', 15000, 100);
  const offline = (await api('GET', '/api/alarms')).body.alarms.find((a: { alarmId: string }) => a.alarmId === 'sim-monitor-01/tech/offline');
  assert.equal(offline.source, 'technical');
  assert.deepEqual(errors, []);

  // Every change is in the recording: end the case and read it back.
  const history = (await api('GET', '/api/alarms/history')).body as { action: string; key: string; who: string }[];
  assert.ok(history.some((c) => c.action === 'acknowledged' && c.key === hrKey && c.who === 'Dr Test'));
  const ended = await api('POST', '/api/case/end');
  assert.equal(ended.status, 200);
  const shown = await runToEnd(['recordings', 'show', ended.body.id, '--json', '--data-dir', dataDir]);
  assert.equal(shown.code, 0, shown.stderr);
  const rec = JSON.parse(shown.stdout) as { alarms: { action: string; key: string; who: string }[] };
  const changes = history.filter((c) => c.action !== 'limit-changed' || c.who);
  assert.deepEqual(
    rec.alarms.map((a) => `${a.action} ${a.key} ${a.who}`),
    changes.map((c) => `${c.action} ${c.key} ${c.who}`),
    'the recording holds the same state changes, in order',
  );
  for (const a of ['raised', 'acknowledged', 'audio-paused', 'limit-changed'])
    assert.ok(
      rec.alarms.some((c) => c.action === a),
      `${a} recorded`,
    );
  const text = await runToEnd(['recordings', 'show', ended.body.id, '--data-dir', dataDir]);
  assert.match(text.stdout, /acknowledged {2}high {2}HR EXTREMELY HIGH .*\(sim-monitor-01\/10\/high\) {2}by Dr Test/);
});
