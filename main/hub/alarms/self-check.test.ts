import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmBoard } from '../alarm-board';
import { AlarmSelfCheck } from './self-check';

test('the alarm loop heartbeats every display; one that stops confirming is a high technical alarm, cleared when it confirms again', () => {
  let t = 1000;
  const board = new AlarmBoard();
  const check = new AlarmSelfCheck(board, () => t, 120_000);
  const got: { seq: number; t: string }[] = [];
  const display = { send: (d: string) => got.push(JSON.parse(d) as { seq: number; t: string }) };
  const silent = { send: () => {} };
  check.add(display);
  check.add(silent);
  for (let k = 0; k < 5; k++) {
    t += 500;
    check.beat();
    check.received(display, got[got.length - 1].seq);
  }
  assert.deepEqual(
    got.map((m) => m.t),
    Array(5).fill('alarm-heartbeat'),
  );
  assert.deepEqual(
    got.map((m) => m.seq),
    [1, 2, 3, 4, 5],
  );
  const failing = board.active().map((a) => [a.key, a.priority]);
  assert.deepEqual(failing, [['hub/tech/display-2', 'high']], 'only the display that confirmed nothing for over 2 s');
  assert.match(board.active()[0].text, /Alarm system failure: display 2/);
  check.received(silent, 99);
  assert.equal(board.active().length, 1, 'a seq never sent is not a confirmation');
  check.received(silent, 5);
  assert.equal(board.active().length, 0);
  t += 2600;
  check.beat();
  assert.equal(board.active().length, 2);
  check.remove(silent);
  check.remove(display);
  assert.equal(board.active().length, 0, 'a display that closes is not a failure');
});
