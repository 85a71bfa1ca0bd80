/**
 * Instants on the command line and in review requests: an ISO 8601 date-time with a zone
 * ("2026-01-02T13:04:00Z"), Unix ms ("1767359040000"), or an offset from the case's start:
 * "+90s", "+1h20m", "1:20:00", "20m" (h, m, s, ms units; H:MM:SS or M:SS).
 */
import { parseDurationMs as unitDurationMs } from '../recorder/annotations';

export class TimeArgError extends Error {
  override name = 'TimeArgError';
}

/** Parses a duration ("1h20m", "90s", "1:20:00", "250ms"), ms; null when it is not one. */
export function parseDurationMs(v: string): number | null {
  const clock = /^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$/.exec(v);
  if (clock) {
    const [a, b, c] = [Number(clock[1]), Number(clock[2]), clock[3] === undefined ? null : Number(clock[3])];
    return c === null ? (a * 60 + b) * 1000 : ((a * 60 + b) * 60 + c) * 1000;
  }
  return unitDurationMs(v) ?? null;
}

/** An instant as hub time (Unix ms); `startMs` anchors offsets. Throws TimeArgError naming the problem. */
export function parseInstant(v: string, startMs: number, what = 'time'): number {
  const s = v.trim();
  if (/^\d{12,}(\.\d+)?$/.test(s)) return Number(s);
  const rel = parseDurationMs(s.startsWith('+') ? s.slice(1) : s);
  if (rel !== null) return startMs + rel;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new TimeArgError(
    `${what} "${v}" is not an instant: give an ISO date-time with a zone (2026-01-02T13:04:00Z), Unix ms, or an offset from the start (+90s, 1h20m, 1:20:00)`,
  );
}
