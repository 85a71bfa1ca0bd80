/**
 * The alarm engine's HTTP API (token-checked like every /api route; docs/alarms.md):
 *   GET  /api/alarms                         active alarms, limits, audio pause length
 *   GET  /api/alarms/history                 the last state changes, oldest first
 *   POST /api/alarms/KEY/acknowledge|pause-audio|off|on   body {who}
 *   POST /api/alarms/limits/MDC              body {who, low?, high?, extremeLow?, extremeHigh?, delayS?}
 * KEY and MDC are URL-encoded. Errors are 400 (bad input, with the reason) or 404 (no such alarm).
 */
import { badRequest, type ApiRouter } from '../api-router';
import type { ApiResult } from '../server';
import type { AlarmEngine } from './engine';
import { LimitError, type LimitPatch } from './limits';
import { AlarmActionError } from './state';

const LIMIT_FIELDS = ['low', 'high', 'extremeLow', 'extremeHigh', 'delayS'] as const;

function who(body: unknown): string | null {
  const w = (body as { who?: unknown } | undefined)?.who;
  return typeof w === 'string' && w.trim() && w.length <= 100 ? w.trim() : null;
}

function attempt(fn: () => unknown): ApiResult {
  try {
    return { status: 200, body: fn() ?? { ok: true } };
  } catch (e) {
    if (e instanceof AlarmActionError) return { status: e.status, body: { error: e.message } };
    if (e instanceof LimitError) return badRequest(e.message);
    throw e;
  }
}

export function alarmRoutes(r: ApiRouter, engine: AlarmEngine, items: () => unknown): void {
  r.add('GET', /\/api\/alarms/, () => ({ status: 200, body: { alarms: items(), limits: engine.limits.views(), pauseMs: engine.timing.pauseMs } }));
  r.add('GET', /\/api\/alarms\/history/, () => ({ status: 200, body: engine.history() }));
  r.add('POST', /\/api\/alarms\/limits\/([^/]+)/, (req, [mdc]) => {
    const w = who(req.body);
    if (!w) return badRequest('who (text, at most 100 characters) is required');
    const b = req.body as Record<string, unknown>;
    const patch: LimitPatch = {};
    for (const k of LIMIT_FIELDS) if (k in b) (patch as Record<string, unknown>)[k] = b[k];
    if (!Object.keys(patch).length) return badRequest(`give at least one of ${LIMIT_FIELDS.join(', ')}`);
    return attempt(() => {
      engine.setLimits(mdc, patch, w);
      return engine.limits.views().find((l) => l.mdc === mdc);
    });
  });
  r.add('POST', /\/api\/alarms\/(.+)\/(acknowledge|pause-audio|off|on)/, (req, [key, action]) => {
    const w = who(req.body);
    if (!w) return badRequest('who (text, at most 100 characters) is required');
    return attempt(() => {
      const rec =
        action === 'acknowledge' ? engine.acknowledge(key, w) : action === 'pause-audio' ? engine.pauseAudio(key, w) : engine.setOff(key, action === 'off', w);
      return { alarmId: rec.key, engine: rec.engineState() };
    });
  });
}
