/**
 * The alarm engine's HTTP routes (declared in the route table, common/display-api.ts:
 * alarms, alarmHistory, alarmAcknowledge, alarmPauseAudio, alarmOff, alarmOn, alarmLimits).
 * The router validates bodies; the engine's errors become 404 (no such alarm) or 400.
 */
import type { AlarmItem } from '../../../common/display-contract';
import type { ApiRouter } from '../api-router';
import type { AlarmEngine } from './engine';
import { LimitError, type LimitPatch } from './limits';
import { AlarmActionError, type AlarmRecord } from './state';

type ActionReply = { status: 200; body: { alarmId: string; engine: ReturnType<AlarmRecord['engineState']> } } | { status: 404 | 400; body: { error: string } };

function act(fn: () => AlarmRecord): ActionReply {
  try {
    const rec = fn();
    return { status: 200, body: { alarmId: rec.key, engine: rec.engineState() } };
  } catch (e) {
    if (e instanceof AlarmActionError) return { status: e.status, body: { error: e.message } };
    throw e;
  }
}

export function alarmRoutes(r: ApiRouter, engine: AlarmEngine, items: () => AlarmItem[]): void {
  r.register({
    alarms: () => ({ status: 200, body: { alarms: items(), limits: engine.limits.views(), pauseMs: engine.timing.pauseMs } }),
    alarmHistory: () => ({ status: 200, body: [...engine.history()] }),
    alarmAcknowledge: ({ params, body }) => act(() => engine.acknowledge(params.alarmId, body.who)),
    alarmPauseAudio: ({ params, body }) => act(() => engine.pauseAudio(params.alarmId, body.who)),
    alarmOff: ({ params, body }) => act(() => engine.setOff(params.alarmId, true, body.who)),
    alarmOn: ({ params, body }) => act(() => engine.setOff(params.alarmId, false, body.who)),
    alarmLimits: ({ params, body }) => {
      const { who, ...patch } = body;
      if (!Object.keys(patch).length) return { status: 400, body: { error: 'give at least one of low, high, extremeLow, extremeHigh, delayS' } };
      try {
        engine.setLimits(params.mdc, patch as LimitPatch, who);
      } catch (e) {
        if (e instanceof LimitError) return { status: 400, body: { error: e.message } };
        throw e;
      }
      return { status: 200, body: engine.limits.views().find((l) => l.mdc === params.mdc)! };
    },
  });
}
