/**
 * Issue 13 §4 end to end: Alt+1 with no case says a case must be started; start-case errors in
 * words; the patient shown at all times; End case with confirmation, recorded with who.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, launchBrowser, artefact, until, runToEnd, type HubProc } from './harness';
import type { Browser } from 'playwright';
import fs from 'node:fs';
import path from 'node:path';

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

const HEAD = path.resolve(__dirname, '../../shared/data/dicom/ct-head-phantom/S2020_STD_BRAIN_1MM');

test(
  'images of another patient: their DICOM name, ID and date beside the anatomy, a red warning, a recorded high-priority alarm',
  { timeout: 180_000 },
  async (t) => {
    if (!fs.existsSync(HEAD)) {
      if (process.env.CI === 'true') throw new Error(`test data missing: ${HEAD}`);
      return t.skip(`test data missing: ${HEAD}`);
    }
    browser ??= await launchBrowser();
    const h = await startHub(['--dicom', HEAD]);
    try {
      const auth = { Authorization: `Bearer ${h.token}`, 'Content-Type': 'application/json' };
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      await page.goto(h.url);
      await until(async () => /^Images: .* · /.test(await page.locator('[data-testid="images-patient"]').innerText()), 'images patient shown', 90000, 200);
      const shown = await page.locator('[data-testid="images-patient"]').innerText();
      assert.match(shown, /Images: .+ · (ID .+|no ID) · (study \d{4}-\d\d-\d\d|no study date)/);
      assert.equal(await page.locator('[data-testid="images-patient"]').getAttribute('data-match'), 'unknown', 'no case patient: nothing compared');
      const res = await fetch(`${h.origin}/api/case`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          procedure: 'Craniotomy',
          team: [{ role: 'surgeon', name: 'Dr B' }],
          patient: { name: 'Nobody Else', identifier: 'NOT-THE-SAME-42' },
        }),
      });
      assert.equal(res.status, 201, await res.text());
      await until(() => page.locator('[data-testid="images-patient"][data-match="different"]').count(), 'red warning', 10000);
      assert.match(await page.locator('.images-mismatch').innerText(), /another patient.*case: Nobody Else, ID NOT-THE-SAME-42/);
      const color = await page.locator('[data-testid="images-patient"]').evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.equal(color, 'rgb(139, 17, 17)');
      const status = (await (await fetch(`${h.origin}/api/status`, { headers: auth })).json()) as {
        alarms: { text: string; priority: string; active: boolean }[];
      };
      assert.ok(
        status.alarms.some((a) => a.active && a.priority === 'high' && /another patient/.test(a.text)),
        JSON.stringify(status.alarms),
      );
      // Recorded with the case's alarms.
      let last = '';
      await until(
        async () => {
          const tl = (await (await fetch(`${h.origin}/api/timeline`, { headers: auth })).json()) as {
            timeline: { alarms: { text: string; priority: number }[] };
          };
          last = JSON.stringify(tl);
          return tl.timeline.alarms.some((a) => /another patient/.test(a.text) && a.priority === 3);
        },
        'the warning in the recorded timeline',
        15000,
        250,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; timeline alarms ${last}; hub:\n${h.output().slice(-3000)}`);
      });
      await page.screenshot({ path: artefact('case-controls-other-patient.png') });
      await page.close();
    } finally {
      await h.kill();
    }
  },
);
