import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SenderClock } from './sender-clock';
import { matchesTheatre } from './gateway';

test('the sender clock is the smallest arrival − message time in the window, and follows a step', () => {
  const c = new SenderClock({ windowMs: 10000 });
  const offset = -3_600_000 + 250; // the sender is an hour and a bit ahead
  const delays = [4, 0.3, 7, 2, 0.5, 12, 1];
  delays.forEach((d, i) => c.observe(1_000_000 + i * 1000 - offset, 1_000_000 + i * 1000 + d));
  assert.ok(Math.abs(c.offsetMs - (offset + 0.3)) < 1e-9, `offset ${c.offsetMs}`);
  assert.equal(c.toLocal(5_000_000 - offset), 5_000_000 + 0.3);
  assert.ok(Math.abs(c.spreadMs - 11.7) < 1e-9);
  // The sender's clock steps 5 s back: five reports in a row agree, and the estimate moves.
  for (let i = 0; i < 5; i++) c.observe(1_010_000 + i * 1000 - offset - 5000, 1_010_000 + i * 1000 + 1);
  assert.ok(Math.abs(c.offsetMs - (offset + 5001)) < 1e-9, `after the step: ${c.offsetMs - offset}`);
  // Old samples leave the window.
  const d = new SenderClock({ windowMs: 2000 });
  d.observe(0, 100);
  d.observe(5000, 5200);
  assert.equal(d.offsetMs, 200);
});

test('routing: --theatre matches PV1-3 point of care, room or bed, or component by component', () => {
  const loc = { pointOfCare: 'OR', room: 'OR3', bed: '1', facility: 'HOSP' };
  assert.equal(matchesTheatre(undefined, null), true);
  assert.equal(matchesTheatre('or3', loc), true);
  assert.equal(matchesTheatre('OR4', loc), false);
  assert.equal(matchesTheatre('OR^OR3^^', loc), true);
  assert.equal(matchesTheatre('OR^OR4^^', loc), false);
  assert.equal(matchesTheatre('^^1^HOSP', loc), true);
  assert.equal(matchesTheatre('OR3', null), false);
});
