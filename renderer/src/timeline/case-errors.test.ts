import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanCaseError, startCaseProblem } from './CaseBar';

test('start-case problems and refusals are written for people, never raw API text', () => {
  assert.equal(startCaseProblem('', [{ role: 'surgeon', name: 'A' }]), 'Enter the procedure.');
  assert.equal(startCaseProblem('Lap chole', [{ role: 'surgeon', name: '  ' }]), 'Add at least one team member.');
  assert.equal(startCaseProblem('Lap chole', [{ role: 'surgeon', name: 'A' }]), null);
  assert.equal(humanCaseError(new Error('body.team: Too small: expected array to have >=1 items'), 'start'), 'Add at least one team member.');
  assert.equal(humanCaseError(new Error('a case is already active (REC_CASE_ACTIVE)'), 'start'), 'A case is already running: end it first.');
  assert.doesNotMatch(humanCaseError(new Error('SQLITE_IOERR: disk I/O error'), 'start'), /SQLITE/);
});
