import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dateTime, entryWhen, timeOfDay } from './when';

// Local times built with the Date constructor, so the test holds in any TZ.
const at = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => new Date(y, mo, d, h, mi, s).getTime();

test('the case log dates an entry that is not from today, and only then', () => {
  const now = at(2026, 11, 4, 0, 10);
  assert.equal(entryWhen(at(2026, 11, 4, 0, 2, 5), now), '00:02:05', 'today: time only');
  assert.equal(entryWhen(at(2026, 11, 3, 23, 41, 7), now), '3 Dec 23:41:07', 'yesterday, 29 min ago: dated');
  assert.equal(entryWhen(at(2025, 11, 31, 23, 59, 59), at(2026, 0, 1, 0, 0, 30)), '31 Dec 2025 23:59:59', 'another year: with the year');
  assert.equal(entryWhen(at(2026, 11, 5, 0, 0, 0), now), '5 Dec 00:00:00', 'tomorrow too');
  assert.equal(timeOfDay(at(2026, 0, 1, 7, 5, 9)), '07:05:09');
});

test('dateTime: always the date and year, 24 h', () => {
  const t = new Date(2026, 11, 4, 21, 28, 4).getTime();
  assert.equal(dateTime(t), '4 Dec 2026 21:28:04');
});
