/**
 * Issue 6 on the display: start a case, one-touch and back-dated markers, shortcuts, notes,
 * boluses, blood loss, edits and deletions that keep history, the timeline strip.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, run, launchBrowser, artefact, until, type HubProc, type Proc } from './harness';
import type { Browser, Page } from 'playwright';
import type { AnnotationView, TimelineView } from '../common/case-contract';

let hub: HubProc;
let sim: Proc;
let browser: Browser;
let page: Page;

after(async () => {
  await browser?.close();
  await sim?.kill();
  await hub?.kill();
});

async function get<T>(path: string): Promise<T> {
  const r = await fetch(hub.origin + path, { headers: { Authorization: `Bearer ${hub.token}` } });
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return (await r.json()) as T;
}

const timeline = async () => (await get<{ timeline: TimelineView }>('/api/timeline')).timeline;
const live = (tl: TimelineView) => tl.markers.filter((m) => m.action !== 'delete');

test('a nurse starts a case and annotates with one touch, back-dated, by shortcut and by form', async () => {
  hub = await startHub();
  sim = run(['simulate', '--bus', hub.bus, '--devices', 'monitor,pump1']);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(hub.url);

  await page.getByTestId('open-start-case').click();
  await page.getByTestId('case-procedure').fill('Laparoscopic appendicectomy');
  await page.getByTestId('case-team-surgeon').fill('Dr Ada Lovelace');
  await page.getByTestId('case-team-anaesthetist').fill('Dr John Snow');
  await page.getByTestId('case-team-circulating-nurse').fill('Florence N');
  await page.getByTestId('case-start').click();
  await until(() => page.getByTestId('rec').count(), 'recording indicator');
  assert.match(await page.getByTestId('case-bar').innerText(), /Laparoscopic appendicectomy/);
  // The annotating user defaults to the nurse; entries record who.
  assert.equal(await page.getByTestId('me').inputValue(), 'circulating-nurse/Florence N');

  // One touch: patient in room, now.
  const t0 = Date.now();
  await page.getByTestId('mark-patient-in-room').click();
  await until(async () => (await page.getByTestId('toast').getAttribute('data-kind')) === 'ok', 'acknowledged');
  // Back-dated: incision 2 minutes ago.
  await page.getByTestId('when-2').click();
  await page.getByTestId('mark-incision').click();
  await until(async () => /Incision recorded/.test(await page.getByTestId('toast').innerText()), 'incision acknowledged');
  // Keyboard shortcut: Alt+3 is the time-out.
  await page.keyboard.press('Alt+3');
  await until(async () => /Time-out recorded/.test(await page.getByTestId('toast').innerText()), 'time-out acknowledged');
  // Free text, bolus, blood loss.
  await page.getByTestId('mark-note').click();
  await page.getByTestId('note-text').fill('Adhesions, converting port site');
  await page.getByTestId('dialog-save').click();
  await until(async () => /recorded/.test(await page.getByTestId('toast').innerText()) && (await timeline()).markers.some((m) => m.kind === 'note'), 'note');
  await page.getByTestId('mark-bolus').click();
  await page.getByTestId('bolus-drug').fill('Ondansetron');
  await page.getByTestId('bolus-dose').fill('4');
  await page.getByTestId('dialog-save').click();
  await until(async () => (await timeline()).markers.some((m) => m.kind === 'bolus'), 'bolus');
  await page.getByTestId('mark-blood-loss').click();
  await page.getByTestId('blood-ml').fill('150');
  await page.getByTestId('dialog-save').click();
  await until(async () => (await timeline()).markers.some((m) => m.kind === 'blood-loss'), 'blood loss');

  const tl = await timeline();
  const byKind = new Map(live(tl).map((m) => [m.kind, m]));
  assert.deepEqual([...byKind.keys()].sort(), ['blood-loss', 'bolus', 'incision', 'note', 'patient-in-room', 'time-out']);
  const pir = byKind.get('patient-in-room')!;
  assert.ok(Math.abs(pir.tMs - t0) < 5000, 'patient in room is now');
  const inc = byKind.get('incision')!;
  assert.ok(Math.abs(inc.recordedMs - inc.tMs - 120000) < 100, `incision back-dated 2 min (${inc.recordedMs - inc.tMs} ms)`);
  for (const m of live(tl)) assert.deepEqual([m.role, m.name], ['circulating-nurse', 'Florence N']);
  assert.deepEqual(byKind.get('bolus')!.data, { drug: 'Ondansetron', dose: 4, unit: 'mg' });
  assert.deepEqual(byKind.get('blood-loss')!.data, { ml: 150 });
  assert.equal(byKind.get('note')!.text, 'Adhesions, converting port site');
  // The strip shows them.
  await until(async () => (await page.getByTestId('timeline-marker').count()) === 6, 'six markers on the strip');
  await page.screenshot({ path: artefact('annotations.png') });
});

test('edits and deletions add versions; the history stays visible', async () => {
  const note = live(await timeline()).find((m) => m.kind === 'note')!;
  await page.getByTestId('open-entries').click();
  await page.locator(`[data-testid="entry"][data-kind="note"]`).click();
  await page.getByTestId('entry-text').fill('Adhesions; port site moved');
  await page.getByTestId('entry-save').click();
  await until(async () => live(await timeline()).find((m) => m.entryId === note.entryId)?.version === 2, 'edited');
  await page.getByTestId('open-entries').click();
  await page.locator(`[data-testid="entry"][data-kind="note"]`).click();
  await until(async () => (await page.getByTestId('entry-history').locator('li').count()) === 2, 'two versions in history');
  assert.match(await page.getByTestId('entry-history').innerText(), /v1 create[^]*Adhesions, converting port site[^]*v2 edit[^]*port site moved/);
  await page.getByTestId('entry-delete').click();
  await until(async () => !live(await timeline()).some((m) => m.entryId === note.entryId), 'deleted');
  const history = await get<AnnotationView[]>(`/api/annotations/${note.entryId}/history`);
  assert.deepEqual(
    history.map((h) => [h.version, h.action]),
    [
      [1, 'create'],
      [2, 'edit'],
      [3, 'delete'],
    ],
  );
  assert.equal(history[0].text, 'Adhesions, converting port site', 'the first version is kept');
  await until(async () => (await page.getByTestId('timeline-marker').count()) === 5, 'marker gone from the strip');
});

test('bad annotation requests get a specific 400', async () => {
  const post = (body: unknown) =>
    fetch(hub.origin + '/api/annotations', {
      method: 'POST',
      headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  let r = await post({ kind: 'incision' });
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { error: string }).error, /role/);
  r = await post({ kind: 'incision', role: 'surgeon', agoMs: 'two' });
  assert.equal(r.status, 400);
  r = await post({ kind: 'no-such-kind', role: 'surgeon' });
  assert.ok(r.status >= 400 && r.status < 500, `unknown kind refused (${r.status})`);
  r = await fetch(hub.origin + '/api/annotations', { method: 'POST', headers: { Authorization: `Bearer ${hub.token}` }, body: '{not json' });
  assert.equal(r.status, 400);
});
