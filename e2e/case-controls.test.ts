/**
 * Issue 13 §4 end to end: Alt+1 with no case says a case must be started; start-case errors in
 * words; the patient shown at all times; End case with confirmation, recorded with who.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, launchBrowser, artefact, until, runToEnd, type HubProc } from './harness';
import type { Browser } from 'playwright';

let hub: HubProc;
let browser: Browser;
after(async () => {
  await browser?.close();
  await hub?.kill();
});

test('case controls: no case, errors for people, patient identity, End case with who', { timeout: 120_000 }, async () => {
  hub = await startHub();
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(hub.url);
  await until(() => page.locator('[data-testid="open-start-case"]').count(), 'Start case button', 30000);
  assert.equal(await page.locator('[data-testid="patient-id"]').innerText(), 'patient not identified');

  await page.keyboard.press('Alt+1');
  await until(() => page.locator('[data-testid="toast"]').count(), 'toast for Alt+1 without a case');
  assert.match(await page.locator('[data-testid="toast"]').innerText(), /start a case first/);

  await page.click('[data-testid="open-start-case"]');
  await page.fill('[data-testid="case-procedure"]', 'Laparoscopic cholecystectomy');
  await page.click('[data-testid="case-start"]');
  assert.equal(await page.locator('[data-testid="start-case-error"]').innerText(), 'Add at least one team member.');
  // The waveform side stays visible beside the sheet.
  const sheet = await page.locator('[data-testid="start-case-dialog"]').boundingBox();
  assert.ok(sheet && sheet.x >= 1920 / 2, `the dialog is a side sheet on the right (x = ${sheet?.x})`);
  await page.fill('[data-testid="case-team-surgeon"]', 'Dr Ada Surgeon');
  await page.fill('[data-testid="case-patient-name"]', 'DOE^JANE');
  await page.fill('[data-testid="case-patient-id"]', 'MRN-0042');
  await page.click('[data-testid="case-start"]');
  await until(() => page.locator('[data-testid="rec"]').count(), 'recording');
  assert.equal(await page.locator('[data-testid="patient-id"]').innerText(), 'DOE^JANE · ID MRN-0042');
  await page.screenshot({ path: artefact('case-controls-recording.png') });

  await page.click('[data-testid="open-end-case"]');
  await page.click('[data-testid="end-case-cancel"]');
  assert.equal(await page.locator('[data-testid="rec"]').count(), 1, 'cancel keeps recording');
  const auth = { Authorization: `Bearer ${hub.token}` };
  const caseId = ((await (await fetch(`${hub.origin}/api/case`, { headers: auth })).json()) as { case: { id: string } }).case.id;
  await page.click('[data-testid="open-end-case"]');
  await page.click('[data-testid="end-case-confirm"]');
  await until(() => page.locator('[data-testid="open-start-case"]').count(), 'case ended: Start case again');
  assert.equal(await page.locator('[data-testid="patient-id"]').innerText(), 'patient not identified');
  const after = (await (await fetch(`${hub.origin}/api/case`, { headers: auth })).json()) as { case: { id: string; state: string } | null };
  assert.ok(!after.case || (after.case.id === caseId && after.case.state === 'ended'), 'the case is ended');
  // Who ended it is in the case's annotations.
  const dataDir = /--data-dir (\S+)/.exec(hub.child.spawnargs.join(' '))![1];
  const shown = await runToEnd(['recordings', 'show', caseId, '--data-dir', dataDir]);
  assert.match(shown.stdout, /Case ended[^\n]*Dr Ada Surgeon|Dr Ada Surgeon[^\n]*Case ended/, shown.stdout + shown.stderr);
});
