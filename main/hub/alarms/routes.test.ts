import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRouter } from '../api-router';
import { alarmRoutes } from './routes';
import { Bed, CH, MON } from './test-bed';

function rig() {
  const b = new Bed();
  const r = new ApiRouter();
  alarmRoutes(r, b.engine, () => b.engine.items(() => undefined));
  const call = (method: string, path: string, body?: unknown) =>
    r.handle({ method, path, query: new URLSearchParams(), body }) as { status: number; body: any };
  return { b, call };
}

test('alarm routes: list, acknowledge by encoded id with who, history; errors name the problem', () => {
  const { b, call } = rig();
  b.numeric(MON, CH.HR, 170, 5);
  const key = `${MON}/${CH.HR}/high`;
  const list = call('GET', '/api/alarms');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.alarms.map((a: { alarmId: string }) => a.alarmId),
    [key],
  );
  assert.equal(list.body.pauseMs, 120_000);
  assert.ok(list.body.limits.some((l: { mdc: string; high: number }) => l.mdc === 'MDC_ECG_HEART_RATE' && l.high === 120));
  const ack = call('POST', `/api/alarms/${encodeURIComponent(key)}/acknowledge`, { who: 'Dr A' });
  assert.equal(ack.status, 200);
  assert.equal(ack.body.engine.acknowledged.who, 'Dr A');
  assert.deepEqual(
    call('GET', '/api/alarms/history').body.map((c: { action: string }) => c.action),
    ['raised', 'acknowledged'],
  );
  assert.equal(call('POST', `/api/alarms/${encodeURIComponent('x/y')}/pause-audio`, { who: 'A' }).status, 404);
  const noWho = call('POST', `/api/alarms/${encodeURIComponent(key)}/off`, {});
  assert.equal(noWho.status, 400);
  assert.match(noWho.body.error, /who/);
});

test('alarm limits route changes a limit with who and refuses bad limits', () => {
  const { call } = rig();
  const ok = call('POST', '/api/alarms/limits/MDC_PULS_OXIM_SAT_O2', { who: 'Dr A', low: 93 });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.low, 93);
  assert.equal(ok.body.changedBy.who, 'Dr A');
  const bad = call('POST', '/api/alarms/limits/MDC_ECG_HEART_RATE', { who: 'Dr A', low: 200 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /must be below high/);
  assert.equal(call('POST', '/api/alarms/limits/MDC_ECG_HEART_RATE', { who: 'Dr A', low: 'x' }).status, 400);
});
