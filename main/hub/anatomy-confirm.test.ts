/**
 * Issue 12 §4 on the hub: replacing the registration or the images shown, and a registration
 * above the FRE limit, are refused (409 with an ANATOMY_CONFIRM code) until confirmed with who;
 * then they go into the case's annotation ledger with who. Rules alone, then the hub's case and
 * anatomy services (a real recorder worker and case file) answering through the router.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANATOMY_CONFIRM, type RegistrationView } from '../../common/anatomy-contract';
import type { AnnotationVersionView } from '../../common/case-contract';
import { ageText, registrationSummary } from '../../common/registration-text';
import { changedBy, DEFAULT_MAX_FRE_MM, imagesAsk, registrationAsk, registrationNote, whoProblem } from './anatomy-confirm';
import { AnatomyService } from './anatomy-service';
import { CaseService } from './case-service';
import { ApiRouter } from './api-router';
import { Hub } from './hub';
import { BusServer } from '../../native-bridge/node/bus-server';
import { AnatomyRecording } from './anatomy-recording';
import { RecordingStore, listRecordingFiles } from '../recorder/store';
import { demoFiducialPairs } from './demo-phantom';
import { hubNow } from './clock';
import type { VolumeMeta } from '../../common/anatomy-contract';

const reg = (over: Partial<RegistrationView> = {}): RegistrationView => ({
  volumeKey: 'k',
  trackerToImage: [],
  freMm: 0.4,
  residualsMm: [],
  pairs: [],
  createdHubMs: 1_000_000,
  label: '4 fiducials',
  ...over,
});

test('the rules: FRE above the limit, a replacement, who must confirm', async () => {
  assert.equal(DEFAULT_MAX_FRE_MM, 2);
  assert.equal(registrationAsk(null, 2, 2, 0), null, 'at the limit: no question');
  const high = registrationAsk(null, 2.013, 2, 0)!;
  assert.equal(high.code, ANATOMY_CONFIRM.highFre);
  assert.equal(high.error, 'registration not applied: its FRE 2.01 mm is above the limit of 2.00 mm (--max-fre-mm). Confirm to apply it');
  const now = 1_000_000 + 12 * 60_000 + 5000;
  const repl = registrationAsk(reg({ by: { role: 'surgeon', name: 'Dr A' } }), 0.5, 2, now)!;
  assert.equal(repl.code, ANATOMY_CONFIRM.replaceRegistration);
  assert.match(repl.error, /replace the registration in force \(4 fiducials, FRE 0\.40 mm, registered 12 min ago by Dr A \(surgeon\)\)/);
  assert.equal(registrationAsk(reg(), 3, 2, now)!.code, ANATOMY_CONFIRM.highFre, 'both: the FRE code, the message says both');
  assert.match(registrationAsk(reg(), 3, 2, now)!.error, /FRE 3\.00 mm is above .* replace the registration in force/);
  assert.equal(imagesAsk(null, 'x'), null);
  const shown = { modality: 'CT', description: 'STD BRAIN', sourceLabel: '/d' } as VolumeMeta;
  assert.deepEqual(imagesAsk(shown, '/e'), { code: 'IMAGES_REPLACE_CONFIRM', error: 'images are shown (CT STD BRAIN): confirm to replace them with /e' });
  assert.equal(whoProblem({}, false, false), null);
  assert.match(whoProblem({ confirmed: true }, true, true)!, /role is required/);
  assert.match(whoProblem({ role: 'surgeon' }, true, false)!, /name is required .* no case records/);
  assert.equal(whoProblem({ role: 'surgeon' }, true, true), null);
  assert.equal(
    registrationNote(reg({ freMm: 2.5 }), reg(), 2, true),
    'Registration replaced: 4 fiducials, FRE 2.50 mm above the 2.00 mm limit; replaces 4 fiducials, FRE 0.40 mm (confirmed)',
  );
  assert.equal(ageText(59_999), '59 s');
  assert.equal(ageText(2 * 3600_000 + 5 * 60_000), '2 h 05 min');
  assert.equal(registrationSummary(reg(), 1_000_000 - 50), '4 fiducials, FRE 0.40 mm, registered 0 s ago');
  // Who: recorded by the case (the team member), else as given; a refusal of the record refuses the change.
  assert.deepEqual(await changedBy({ role: 'surgeon' }, true, 'n', async () => ({ role: 'surgeon', name: 'Dr A' })), { by: { role: 'surgeon', name: 'Dr A' } });
  assert.deepEqual(await changedBy({ role: 'tech', name: 'Sam' }, true, 'n', async () => null), { by: { role: 'tech', name: 'Sam' } });
  assert.deepEqual(await changedBy({}, false, 'n'), { by: null });
  const refused = await changedBy({ role: 'janitor' }, true, 'n', async () => {
    throw new Error('who: role "janitor" is not on this case\'s team');
  });
  assert.deepEqual(refused, { error: 'who: role "janitor" is not on this case\'s team' });
});

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** The hub's case and anatomy services wired as app.ts wires them (the annotation ledger in a real recorder worker). */
async function hubServices(dataDir: string, maxFreMm: number) {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  closers.push(
    () => bus.close(),
    () => hub.stop(),
  );
  const cases = await CaseService.open({ dataDir, hub, broadcast: () => {}, log: () => {} });
  closers.push(() => cases.close());
  const anatomyRec = new AnatomyRecording(() => cases.recorder);
  const anatomy = new AnatomyService({
    dataDir,
    broadcast: (m) => anatomyRec.onMessage(m),
    log: () => {},
    simulated: false,
    maxFreMm,
    recordChange: (who, text) => cases.recordNote(who, text),
  });
  closers.push(() => anatomy.close());
  const router = new ApiRouter();
  cases.routes(router);
  anatomy.routes(router);
  return { router, anatomy };
}

test('the hub services: replace without confirmed is 409, FRE above --max-fre-mm is 409, confirmed ones are recorded with who', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-confirm-'));
  const running = await hubServices(dataDir, 0.5);
  const r = running.router;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await r.handle({ method, path: p, query: new URLSearchParams(), body });
    return res as { status: number; body: Record<string, unknown> };
  };
  const started = await call('POST', '/api/case', {
    procedure: 'Spine fixation',
    team: [
      { role: 'surgeon', name: 'Dr Ada' },
      { role: 'circulating-nurse', name: 'Flo' },
    ],
  });
  assert.equal(started.status, 201);
  assert.equal((await call('POST', '/api/anatomy/demo', {})).status, 202, 'nothing shown yet: no question');
  for (let i = 0; i < 200 && running.anatomy.status !== 'ready'; i++) await new Promise((res) => setTimeout(res, 25));
  assert.equal(running.anatomy.status, 'ready');

  // First registration, small FRE: applied at once; who (given) is recorded.
  const first = await call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0), label: 'first', role: 'surgeon' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual((first.body as unknown as RegistrationView).by, { role: 'surgeon', name: 'Dr Ada' });
  assert.equal((first.body as unknown as RegistrationView).freLimitMm, 0.5);
  // Replacing it without confirmed: 409 with the code, nothing changes.
  const again = await call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0.05), label: 'second' });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, ANATOMY_CONFIRM.replaceRegistration);
  assert.match(String(again.body.error), /replace the registration in force \(first, FRE 0\.00 mm, registered \d+ s ago by Dr Ada \(surgeon\)\)/);
  assert.equal(running.anatomy.currentRegistration()?.registration.label, 'first');
  // Confirmed without who: 400 naming role; with who not on the team: 400 from the recorder; nothing changes.
  const noWho = await call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0.05), confirmed: true });
  assert.equal(noWho.status, 400);
  assert.match(String(noWho.body.error), /role is required/);
  const stranger = await call('POST', '/api/anatomy/registration', { pairs: demoFiducialPairs(0.05), confirmed: true, role: 'janitor' });
  assert.equal(stranger.status, 400);
  assert.match(String(stranger.body.error), /not on this case's team/);
  assert.equal(running.anatomy.currentRegistration()?.registration.label, 'first');

  // Noisy touches: FRE above the hub's 0.5 mm: refused with the FRE and the limit, then confirmed.
  const noisy = demoFiducialPairs(2);
  const high = await call('POST', '/api/anatomy/registration', { pairs: noisy, label: 'noisy' });
  assert.equal(high.status, 409);
  assert.equal(high.body.code, ANATOMY_CONFIRM.highFre);
  assert.match(String(high.body.error), /its FRE \d+\.\d\d mm is above the limit of 0\.50 mm \(--max-fre-mm\); it would replace the registration in force/);
  const ok = await call('POST', '/api/anatomy/registration', { pairs: noisy, label: 'noisy', confirmed: true, role: 'circulating-nurse' });
  assert.equal(ok.status, 200);
  const applied = ok.body as unknown as RegistrationView;
  assert.ok(applied.freMm > 0.5, `FRE ${applied.freMm}`);
  assert.equal(applied.confirmed, true);
  assert.deepEqual(applied.by, { role: 'circulating-nurse', name: 'Flo' });
  assert.equal(running.anatomy.currentRegistration()?.registration.label, 'noisy');
  // Kept across restarts with who confirmed it.
  const kept = JSON.parse(fs.readFileSync(path.join(dataDir, 'anatomy', 'registrations.json'), 'utf8')) as Record<string, RegistrationView>;
  assert.deepEqual(Object.values(kept)[0].by, { role: 'circulating-nurse', name: 'Flo' });

  // Images shown: another load needs confirmation too.
  const img = await call('POST', '/api/anatomy/demo', {});
  assert.equal(img.status, 409);
  assert.equal(img.body.code, ANATOMY_CONFIRM.replaceImages);
  assert.match(String(img.body.error), /images are shown \(.*\): confirm to replace them with built-in demo phantom/);
  const shownBefore = running.anatomy.current?.meta.id;
  assert.equal((await call('POST', '/api/anatomy/demo', { confirmed: true, role: 'surgeon' })).status, 202);
  for (let i = 0; i < 200 && running.anatomy.current?.meta.id === shownBefore; i++) await new Promise((res) => setTimeout(res, 25));
  assert.notEqual(running.anatomy.current?.meta.id, shownBefore, 'the images were replaced');

  // The case's annotation ledger has each change with who (GET /api/annotations: every version).
  const versions = (await call('GET', '/api/annotations')).body as unknown as AnnotationVersionView[];
  const notes = versions.filter((v) => v.kind === 'note').map((v) => [v.name, v.text]);
  assert.equal(notes.length, 3, JSON.stringify(notes));
  assert.deepEqual(notes[0], ['Dr Ada', 'Registration: first, FRE 0.00 mm']);
  assert.equal(notes[1][0], 'Flo');
  assert.match(notes[1][1], /^Registration replaced: noisy, FRE \d+\.\d\d mm above the 0\.50 mm limit; replaces first, FRE 0\.00 mm \(confirmed\)$/);
  assert.equal(notes[2][0], 'Dr Ada');
  assert.match(notes[2][1], /^Images replaced: built-in demo phantom instead of .* \(confirmed\)$/);
  assert.ok(versions.every((v) => Math.abs(v.recordedMs - hubNow()) < 60_000));

  // The case's registration records say who registered and what was confirmed (the last: in force again for the reloaded images).
  assert.equal((await call('POST', '/api/case/end', { role: 'surgeon' })).status, 200);
  const store = RecordingStore.open(listRecordingFiles(dataDir)[0], { readonly: true });
  const recorded = store.registrations(-Infinity, Infinity).map((g) => g.detail);
  store.close();
  assert.deepEqual(
    recorded.map((d) => [d?.label, d?.by, d?.confirmed, d?.freLimitMm]),
    [
      ['first', { role: 'surgeon', name: 'Dr Ada' }, false, 0.5],
      ['noisy', { role: 'circulating-nurse', name: 'Flo' }, true, 0.5],
      ['noisy', { role: 'circulating-nurse', name: 'Flo' }, true, 0.5],
    ],
  );
});
