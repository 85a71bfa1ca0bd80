import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPatient, mismatchText } from './patient-match';

test('images against the case patient: IDs decide, else names as word sets', () => {
  assert.equal(matchPatient({ identifier: 'MRN-1' }, { identifier: 'mrn-1 ', name: 'X' }), 'same');
  assert.equal(matchPatient({ identifier: 'MRN-1', name: 'Jane Doe' }, { identifier: 'MRN-2', name: 'DOE^JANE' }), 'different');
  assert.equal(matchPatient({ name: 'Jane Doe' }, { name: 'DOE^JANE^^^' }), 'same');
  assert.equal(matchPatient({ name: 'Jane Doe' }, { name: 'DOE^JOHN' }), 'different');
  assert.equal(matchPatient(null, { name: 'DOE^JANE' }), 'unknown', 'patient not identified: nothing to compare');
  assert.equal(matchPatient({ name: 'Jane Doe' }, { name: '' }), 'unknown');
  assert.match(mismatchText({ name: 'Jane Doe' }, { name: 'DOE^JOHN', identifier: '7' }), /Images: DOE\^JOHN, ID 7; case: Jane Doe/);
});
