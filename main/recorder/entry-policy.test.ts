/**
 * Issue 12 §4: clinical entries are plausible and their history honest. Times between the case's
 * start (minus 30 min) and now; an edit keeps the kind and cannot move an entry into the future;
 * numbers within hard limits, and above soft limits only when confirmed (and then marked so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PRESETS } from './annotations';
import { RecordingStore, StoreError } from './store';

const START = Date.UTC(2026, 11, 4, 8, 0, 0);
const NOW = START + 2 * 3600_000;

function store(): RecordingStore {
  const s = RecordingStore.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orrec-policy-')), 'c.orrec'), { create: true });
  s.createCase(
    'case-p',
    {
      procedure: 'Lap chole',
      room: 'OR 2',
      team: [
        { role: 'anaesthetist', name: 'B. Gas' },
        { role: 'surgeon', name: 'A. Cut' },
      ],
    },
    START,
  );
  s.setState('recording', START);
  return s;
}

const refused = (fn: () => unknown, code: string, re: RegExp) =>
  assert.throws(fn, (e: StoreError) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });

test('entry times: not before the case started (minus 30 min), not in the future; the edge is allowed', () => {
  const s = store();
  const add = (tMs: number) => s.appendAnnotation({ action: 'create', input: { kind: 'note', text: 'x', role: 'surgeon', tMs } }, DEFAULT_PRESETS, NOW);
  refused(
    () => add(Date.UTC(1927, 0, 1)),
    'REC_BAD_ANNOTATION',
    /cannot be dated before 2026-12-04T07:30:00Z \(the case started 2026-12-04T08:00:00Z, at most 30 min earlier\)/,
  );
  refused(() => add(START - 31 * 60_000), 'REC_BAD_ANNOTATION', /cannot be dated before/);
  assert.ok(add(START - 29 * 60_000).seq);
  refused(() => add(NOW + 24 * 3600_000), 'REC_BAD_ANNOTATION', /cannot be dated in the future/);
  s.close();
});

test('an edit keeps the kind and cannot move the entry 24 h ahead', () => {
  const s = store();
  const a = s.appendAnnotation(
    { action: 'create', input: { kind: 'bolus', drug: 'Propofol', dose: 150, unit: 'mg', role: 'anaesthetist', tMs: NOW - 60_000 } },
    DEFAULT_PRESETS,
    NOW,
  );
  const edit = (patch: Record<string, unknown>) =>
    s.appendAnnotation({ action: 'edit', entryId: a.entryId, patch, role: 'anaesthetist' }, DEFAULT_PRESETS, NOW + 1000);
  refused(() => edit({ kind: 'time-out' }), 'REC_BAD_ANNOTATION', /an edit keeps the kind of the entry \("bolus"\)/);
  refused(() => edit({ tMs: NOW + 24 * 3600_000 }), 'REC_BAD_ANNOTATION', /cannot be dated in the future/);
  assert.equal(edit({ dose: 120 }).version, 2);
  s.close();
});

test('numbers: 1e300 mg is refused outright; above the usual limit only when confirmed, and the entry says so', () => {
  const s = store();
  const bolus = (dose: number, unit: string, confirmed?: boolean) =>
    s.appendAnnotation(
      { action: 'create', input: { kind: 'bolus', drug: 'Cefazolin', dose, unit, role: 'anaesthetist', ...(confirmed ? { confirmed } : {}) } },
      DEFAULT_PRESETS,
      NOW,
    );
  refused(() => bolus(1e300, 'mg'), 'REC_BAD_ANNOTATION', /a dose of 1e\+300 mg is not plausible \(at most 100000 mg\)/);
  refused(() => bolus(6000, 'mg'), 'REC_CONFIRM', /a dose of 6000 mg is above the usual 5000 mg: confirm to record it/);
  const ok = bolus(6000, 'mg', true);
  const rec = s.annotationHistory(ok.entryId)[0];
  assert.equal(rec.data.confirmed, 1, 'a confirmed entry is marked as confirmed (and hashed with the mark)');
  assert.equal(s.annotationHistory(bolus(2000, 'mg').entryId)[0].data.confirmed, undefined, 'a usual dose needs no confirmation');
  refused(
    () => s.appendAnnotation({ action: 'create', input: { kind: 'blood-loss', bloodLossMl: 8000, role: 'anaesthetist' } }, DEFAULT_PRESETS, NOW),
    'REC_CONFIRM',
    /blood loss of 8000 ml is above the usual 5000 ml/,
  );
  assert.equal(s.verifyAnnotations().ok, true);
  s.close();
});
