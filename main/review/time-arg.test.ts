import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseInstant } from './time-arg';

const START = Date.UTC(2026, 0, 2, 13, 0, 0);

test('instants: ISO with a zone, Unix ms, offsets from the start', () => {
  assert.equal(parseInstant('2026-01-02T13:04:00Z', START), Date.UTC(2026, 0, 2, 13, 4));
  assert.equal(parseInstant('2026-01-02T14:04:00.5+01:00', START), Date.UTC(2026, 0, 2, 13, 4, 0, 500));
  assert.equal(parseInstant('1767359040000', START), 1767359040000);
  assert.equal(parseInstant('1767359040000.25', START), 1767359040000.25);
  assert.equal(parseInstant('+90s', START), START + 90000);
  assert.equal(parseInstant('1h20m', START), START + 4800000);
  assert.equal(parseInstant('1:20:00', START), START + 4800000);
  assert.equal(parseInstant('2:30', START), START + 150000);
  assert.equal(parseInstant('250ms', START), START + 250);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('soon'), null);
});

test('anything else is refused with a message naming the value and the forms', () => {
  for (const v of ['yesterday', '2026-01-02T13:04:00', '12', '1:99', '-5s', '']) {
    assert.throws(() => parseInstant(v, START, '--from'), new RegExp(`--from "${v}" is not an instant: give an ISO date-time`));
  }
});
