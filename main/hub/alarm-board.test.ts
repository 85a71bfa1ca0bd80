import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmBoard, alarmKey, type AlarmEntry } from './alarm-board';

const offline = { source: 'mon-1', kind: 'technical', code: 'offline' } as const;

test('keys: technical alarms per (source, code), device alarms per (source, code, channel)', () => {
  assert.equal(alarmKey(offline), 'mon-1/tech/offline');
  assert.equal(alarmKey({ source: 'mon-1', kind: 'physiological', code: 7, channel: 3 }), 'mon-1/7/3');
  assert.equal(alarmKey({ source: 'mon-1', kind: 'physiological', code: 7 }), 'mon-1/7/-1');
});

test('raise, update, clear: each change reaches subscribers once, with the onset kept and the history bounded', () => {
  const board = new AlarmBoard();
  const seen: [AlarmEntry, string[]][] = [];
  board.subscribe((a, active) => seen.push([a, active.map((x) => x.key)]));
  assert.equal(board.raise({ ...offline, priority: 'medium', text: 'T1 offline: no heartbeat', tHubMs: 1000 }), true);
  assert.equal(board.raise({ ...offline, priority: 'medium', text: 'T1 offline: no heartbeat', tHubMs: 2000 }), false, 'the same alarm again: no change');
  assert.equal(board.raise({ ...offline, priority: 'high', text: 'T1 offline: said goodbye', tHubMs: 3000 }), true);
  assert.equal(seen.length, 2);
  const updated = seen[1][0];
  assert.deepEqual([updated.state, updated.priority, updated.raisedHubMs, updated.updatedHubMs, updated.clearedHubMs], ['active', 'high', 1000, 3000, null]);
  assert.equal(board.isActive(offline), true);
  assert.equal(board.activeCount('mon-1', 'technical'), 1);
  assert.equal(board.activeCount('mon-1', 'physiological'), 0);
  assert.equal(board.clear(offline, 4000), true);
  assert.equal(board.clear(offline, 4500), false, 'clearing what is not active changes nothing');
  assert.equal(seen.length, 3);
  assert.deepEqual([seen[2][0].state, seen[2][0].clearedHubMs, seen[2][1]], ['cleared', 4000, []]);
  assert.equal(board.activeCount('mon-1', 'technical'), 0);
  assert.deepEqual(
    board.history().map((a) => [a.key, a.raisedHubMs, a.clearedHubMs]),
    [['mon-1/tech/offline', 1000, 4000]],
  );
  for (let i = 0; i < 1500; i++) {
    board.raise({ source: 'pump', kind: 'physiological', code: i, priority: 'low', text: 'occlusion', tHubMs: i });
    board.clear({ source: 'pump', kind: 'physiological', code: i }, i + 1);
  }
  assert.equal(board.history().length, 1000);
  assert.equal(board.history()[999].code, '1499');
  assert.equal(board.active().length, 0);
});

test('active alarms come in the order first raised; a failing subscriber neither stops the others nor reaches the raiser', () => {
  const errors: unknown[] = [];
  const board = new AlarmBoard((e) => errors.push(e));
  let calls = 0;
  board.subscribe(() => {
    throw new Error('sink broke');
  });
  const off = board.subscribe(() => calls++);
  board.raise({ source: 'a', kind: 'technical', code: 'x', priority: 'low', text: 'one', tHubMs: 1 });
  board.raise({ source: 'b', kind: 'technical', code: 'x', priority: 'high', text: 'two', tHubMs: 2 });
  board.raise({ source: 'a', kind: 'technical', code: 'x', priority: 'low', text: 'one, changed', tHubMs: 3 });
  assert.deepEqual(
    board.active().map((a) => [a.key, a.text]),
    [
      ['a/tech/x', 'one, changed'],
      ['b/tech/x', 'two'],
    ],
  );
  assert.equal(calls, 3);
  assert.equal(errors.length, 3);
  assert.match(String(errors[0]), /sink broke/);
  off();
  board.clear({ source: 'a', kind: 'technical', code: 'x' }, 4);
  assert.equal(calls, 3, 'unsubscribed');
});
