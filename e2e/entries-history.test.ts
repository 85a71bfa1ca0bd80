/**
 * Issue 12 §4 on the display, in Chromium against a real hub process:
 * 1. The case log dates an entry that is not from today and shows every version's who and when.
 *    The page runs in a time zone where it is just after midnight, so an entry back-dated 15 min
 *    (within the case's 30 min lead) lies on the previous calendar day.
 * 2. The anatomy area says "No registration", then the registration's age (live) and FRE (whole at
 *    1920x1080 and 1366x768); one
 *    above the hub's --max-fre-mm is refused with the FRE and the limit until confirmed, and
 *    flagged; replacing the images shown asks on a side sheet who confirms, and the case records it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright';
import { startHub, launchBrowser, artefact, until, type HubProc } from './harness';
import { demoFiducialPairs } from '../main/hub/demo-phantom';
import type { AnnotationVersionView, TimelineView } from '../common/case-contract';
import type { RegistrationView } from '../common/anatomy-contract';

let hub: HubProc;
let browser: Browser;
let page: Page;
after(async () => {
  await browser?.close();
  await hub?.kill();
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** A fixed-offset zone (ICU "GMT+hh:mm") where the local time is now about 00:06. */
function justAfterMidnight(): { zone: string; offsetMin: number } {
  const d = new Date();
  let offsetMin = (6 - (d.getUTCHours() * 60 + d.getUTCMinutes()) + 1440 * 2) % 1440;
  if (offsetMin > 720) offsetMin -= 1440;
  const a = Math.abs(offsetMin);
  return { zone: `GMT${offsetMin < 0 ? '-' : '+'}${two(Math.floor(a / 60))}:${two(a % 60)}`, offsetMin };
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(hub.origin + path, {
    method,
    headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as T };
}

const timeline = async () => (await api<{ timeline: TimelineView }>('GET', '/api/timeline')).body.timeline;
const versions = async () => (await api<AnnotationVersionView[]>('GET', '/api/annotations')).body;

test('the case log dates an entry from yesterday and shows each edit by whom and when', async () => {
  hub = await startHub(['--max-fre-mm', '1']);
  const tz = justAfterMidnight();
  /** How the page's zone writes hub time t: time of day, or with the date when not on the page's today. */
  const local = (t: number) => new Date(t + tz.offsetMin * 60_000);
  const hms = (t: number) => `${two(local(t).getUTCHours())}:${two(local(t).getUTCMinutes())}:${two(local(t).getUTCSeconds())}`;
  const dated = (t: number) => `${local(t).getUTCDate()} ${MONTHS[local(t).getUTCMonth()]} ${hms(t)}`;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: tz.zone });
  await page.goto(hub.url);
  assert.match(await page.evaluate(() => new Date().toTimeString()), /^00:0\d/, `the page's clock is just after midnight (${tz.zone})`);

  await page.getByTestId('open-start-case').click();
  await page.getByTestId('case-procedure').fill('Posterior spinal fusion');
  await page.getByTestId('case-team-surgeon').fill('Dr Ada Lovelace');
  await page.getByTestId('case-team-anaesthetist').fill('Dr John Snow');
  await page.getByTestId('case-team-circulating-nurse').fill('Florence N');
  await page.getByTestId('case-start').click();
  await until(() => page.getByTestId('rec').count(), 'recording');
  // Patient in room 15 min ago (before the case was started on the hub, within its lead): yesterday here.
  await page.getByTestId('when-15').click();
  await page.getByTestId('mark-patient-in-room').click();
  await until(async () => /Patient in room recorded/.test(await page.getByTestId('toast').innerText()), 'patient in room');
  await page.getByTestId('mark-time-out').click();
  await until(async () => /Time-out recorded/.test(await page.getByTestId('toast').innerText()), 'time-out');
  const marks = (await timeline()).markers;
  const pir = marks.find((m) => m.kind === 'patient-in-room')!;
  const tout = marks.find((m) => m.kind === 'time-out')!;
  assert.notEqual(local(pir.tMs).getUTCDate(), local(tout.tMs).getUTCDate(), 'the back-dated entry is on the previous day here');

  const row = (kind: string) => page.locator(`[data-testid="entry"][data-kind="${kind}"]`);
  await page.getByTestId('open-entries').click();
  await until(async () => (await row('patient-in-room').getByTestId('entry-versions').innerText()) !== '', 'versions loaded');
  assert.equal(await row('patient-in-room').getByTestId('entry-when').innerText(), dated(pir.tMs));
  assert.match(dated(pir.tMs), /^\d{1,2} [A-Z][a-z]{2} 23:5\d:\d\d$/);
  assert.equal(await row('time-out').getByTestId('entry-when').innerText(), hms(tout.tMs), 'today: the time alone');

  // The surgeon moves the entry 2 min earlier: the log says who edited it and when.
  await page.getByTestId('entries').getByRole('button', { name: 'Close' }).click();
  await page.getByTestId('me').selectOption('surgeon/Dr Ada Lovelace');
  await page.getByTestId('open-entries').click();
  await row('patient-in-room').click();
  await page.getByTestId('entry-shift').fill('-2');
  await page.getByTestId('entry-save').click();
  await until(async () => (await timeline()).markers.find((m) => m.entryId === pir.entryId)?.version === 2, 'edited');
  const [v1, v2] = (await versions()).filter((v) => v.entryId === pir.entryId);
  assert.equal(v2.tMs, pir.tMs - 120_000);
  await page.getByTestId('open-entries').click();
  const want = `v1 entered by Florence N (circulating-nurse) at ${hms(v1.recordedMs)} · v2 edited by Dr Ada Lovelace (surgeon) at ${hms(v2.recordedMs)}`;
  await until(async () => (await row('patient-in-room').getByTestId('entry-versions').innerText()) === want, `versions line "${want}"`);
  assert.equal(await row('patient-in-room').getByTestId('entry-when').innerText(), dated(v2.tMs));
  assert.match(await row('patient-in-room').innerText(), /edited \(v2\)/);
  await page.screenshot({ path: artefact('entries-history-log.png') });
  // The entry's own dialog dates each version too.
  await row('patient-in-room').click();
  await until(async () => (await page.getByTestId('entry-history').locator('li').count()) === 2, 'two versions');
  const hist = await page.getByTestId('entry-history').innerText();
  assert.ok(hist.includes(`v1 create ${dated(v1.tMs)}`) && hist.includes(`v2 edit ${dated(v2.tMs)}`), hist);
  assert.ok(hist.includes(`by Dr Ada Lovelace (surgeon) at ${hms(v2.recordedMs)}`), hist);
  await page.getByTestId('entry-dialog').getByRole('button', { name: 'Close' }).click();

  // A dose above its usual limit is confirmed on the same side sheet (not window.confirm), then recorded as confirmed.
  await page.getByTestId('mark-bolus').click();
  await page.getByTestId('bolus-drug').fill('Cefazolin');
  await page.getByTestId('bolus-dose').fill('6000');
  await page.getByTestId('dialog-save').click();
  await until(() => page.getByTestId('confirm-sheet').count(), 'dose confirmation sheet');
  assert.equal(await page.getByTestId('confirm-message').innerText(), 'a dose of 6000 mg is above the usual 5000 mg: confirm to record it?');
  await page.getByTestId('confirm-ok').click();
  await until(async () => (await timeline()).markers.some((m) => m.kind === 'bolus'), 'bolus recorded');
  assert.deepEqual((await timeline()).markers.find((m) => m.kind === 'bolus')!.data, { drug: 'Cefazolin', dose: 6000, unit: 'mg', confirmed: 1 });
});

test('the registration readout, the FRE limit, and replacing the images on a confirmation sheet', async () => {
  const status = page.getByTestId('registration-status');
  assert.equal(await status.innerText(), 'No registration');
  assert.equal((await api('POST', '/api/anatomy/demo', {})).status, 202, 'nothing shown yet: no confirmation');
  await until(
    () => page.evaluate(() => !!(window as unknown as { __orhubAnatomy: { state(): { shownId: string } } }).__orhubAnatomy.state().shownId),
    'demo shown',
    60000,
    100,
  );
  assert.equal(await status.getAttribute('data-state'), 'none');

  // A registration: its age, live, and its FRE.
  const first = await api<RegistrationView>('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0.3), role: 'surgeon' });
  assert.equal(first.status, 200);
  const fre = first.body.freMm.toFixed(2);
  const ageS = async () => {
    const m = /^Registered (\d+) s ago · FRE (\d+\.\d\d) mm$/.exec(await status.innerText());
    assert.ok(m, await status.innerText());
    assert.equal(m[2], fre);
    return Number(m[1]);
  };
  await until(async () => (await status.getAttribute('data-state')) === 'ok', 'registration shown');
  const a0 = await ageS();
  await until(async () => (await ageS()) >= a0 + 2, 'the age counts up', 5000, 200);

  // Noisier touches: FRE above --max-fre-mm 1 and a replacement: refused with both, then confirmed.
  const noisy = demoFiducialPairs(4);
  const refused = await api<{ error: string; code: string }>('POST', '/api/anatomy/registration', { pairs: noisy });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'REG_FRE_CONFIRM');
  assert.match(refused.body.error, /its FRE (\d+\.\d\d) mm is above the limit of 1\.00 mm \(--max-fre-mm\); it would replace the registration in force/);
  const ok = await api<RegistrationView>('POST', '/api/anatomy/registration', { pairs: noisy, confirmed: true, role: 'anaesthetist' });
  assert.equal(ok.status, 200);
  assert.ok(ok.body.freMm > 1, `FRE ${ok.body.freMm}`);
  await until(async () => (await status.getAttribute('data-state')) === 'high-fre', 'high FRE flagged');
  assert.match(await status.innerText(), new RegExp(`^Registered \\d+ s ago · FRE ${ok.body.freMm.toFixed(2)} mm > 1\\.00 mm$`));
  assert.match((await status.getAttribute('title'))!, /by Dr John Snow \(anaesthetist\) \(confirmed\)$/);

  // Replacing the images from the display: a side sheet asks, the waveform area stays in view; cancel changes nothing.
  const shownId = () => page.evaluate(() => (window as unknown as { __orhubAnatomy: { state(): { shownId: string } } }).__orhubAnatomy.state().shownId);
  const before = await shownId();
  await page.getByTestId('anatomy-open').click();
  await page.getByTestId('open-panel').getByRole('button', { name: 'Demo phantom' }).click();
  const sheet = page.getByTestId('confirm-sheet');
  await until(() => sheet.count(), 'confirmation sheet');
  assert.match(await page.getByTestId('confirm-message').innerText(), /^images are shown \(.+\): confirm to replace them with built-in demo phantom$/);
  const box = (await sheet.boundingBox())!;
  assert.ok(box.x >= 1920 * 0.5 && box.width <= 1920 * 0.5, `a side sheet (${JSON.stringify(box)})`);
  assert.equal(await page.getByTestId('confirm-who').inputValue(), 'surgeon/Dr Ada Lovelace', 'who annotates here, by default');
  await page.screenshot({ path: artefact('entries-history-confirm.png') });
  await page.getByTestId('confirm-cancel').click();
  await until(async () => /Nothing changed: not confirmed/.test(await page.getByTestId('anatomy-notice').innerText()), 'cancelled');
  assert.equal(await shownId(), before);
  await page.getByTestId('anatomy-open').click();
  await page.getByTestId('open-panel').getByRole('button', { name: 'Demo phantom' }).click();
  await until(() => sheet.count(), 'confirmation sheet again');
  await page.getByTestId('confirm-who').selectOption('circulating-nurse/Florence N');
  await page.getByTestId('confirm-ok').click();
  await until(async () => (await shownId()) !== before, 'images replaced', 60000, 100);
  // The case records each change with who (the annotation ledger).
  const notes = (await versions()).filter((v) => v.kind === 'note').map((v) => `${v.name}: ${v.text}`);
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.match(notes[0], /^Dr Ada Lovelace: Registration: 5 fiducials, FRE \d\.\d\d mm$/);
  assert.match(
    notes[1],
    /^Dr John Snow: Registration replaced: 5 fiducials, FRE \d\.\d\d mm above the 1\.00 mm limit; replaces 5 fiducials, FRE \d\.\d\d mm \(confirmed\)$/,
  );
  assert.match(notes[2], /^Florence N: Images replaced: built-in demo phantom instead of .+ \(confirmed\)$/);
  // The same images again: their registration comes back, still flagged.
  await until(async () => (await status.getAttribute('data-state')) === 'high-fre', 'registration of these images in force again');
  await page.screenshot({ path: artefact('entries-history-registration.png') });
  // At 1366x768 too the readout is whole on screen, on the images line.
  await page.setViewportSize({ width: 1366, height: 768 });
  await until(async () => {
    const b = await status.boundingBox();
    const line = await page.getByTestId('images-patient').boundingBox();
    return b && line && b.x >= line.x && b.x + b.width <= Math.min(1366, line.x + line.width) && b.y >= line.y && b.y + b.height <= line.y + line.height + 1;
  }, 'the readout fits at 1366x768');
  assert.equal(await status.evaluate((e) => e.scrollWidth <= e.clientWidth), true, 'not cut');
  await page.screenshot({ path: artefact('entries-history-registration-1366.png') });
});
