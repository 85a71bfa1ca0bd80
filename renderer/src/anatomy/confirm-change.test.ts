import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../api';
import { withConfirmation, type ChangeWho, type PendingConfirm } from './confirm-change';

test("the hub's request for confirmation is shown, and the change goes again with confirmed and who", async () => {
  const calls: ChangeWho[] = [];
  const shown: (PendingConfirm | null)[] = [];
  const run = async (who: ChangeWho) => {
    calls.push(who);
    if (!who.confirmed) throw new ApiError('registration not applied: its FRE 2.41 mm is above the limit of 2.00 mm', 409, 'REG_FRE_CONFIRM');
    return 'applied';
  };
  const show = (p: PendingConfirm | null) => {
    shown.push(p);
    if (p) p.answer({ role: 'surgeon', name: 'Dr A' });
  };
  assert.equal(await withConfirmation(run, show), 'applied');
  assert.deepEqual(calls, [{}, { role: 'surgeon', name: 'Dr A', confirmed: true }], 'no case: nobody first, then who confirmed');
  assert.equal(shown[0]?.code, 'REG_FRE_CONFIRM');
  assert.match(shown[0]!.message, /2\.41 mm is above the limit of 2\.00 mm/);
  assert.equal(shown.at(-1), null, 'the sheet closes');

  // Cancelled: nothing is sent again.
  calls.length = 0;
  await assert.rejects(
    withConfirmation(run, (p) => p?.answer(null)),
    /Nothing changed: not confirmed/,
  );
  assert.equal(calls.length, 1);
  // Any other refusal is not a question.
  await assert.rejects(
    withConfirmation(
      async () => {
        throw new ApiError('no images loaded to register to', 422);
      },
      () => assert.fail('not shown'),
    ),
    /no images loaded/,
  );
});
