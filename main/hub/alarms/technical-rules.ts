/**
 * The engine's technical rules that the ingest and the recorder do not already raise
 * (device offline, feed stale, flooding, recording failure and disk space are theirs):
 * clock unsynchronised, data gaps, signal quality lost (invalid numerics), tracking quality
 * lost (poses). Each raises and clears `DEVICE/tech/CODE` on the alarm board; pure apart
 * from the board, with hub times passed in.
 */
import type { AlarmBoard } from '../alarm-board';
import type { SyncQuality } from '../sink';

type Board = Pick<AlarmBoard, 'raise' | 'clear' | 'isActive'>;
const tech = (source: string, code: string) => ({ source, kind: 'technical' as const, code });

/** A data gap alarm stays this long after the last gap, ms. */
export const GAP_HOLD_MS = 10_000;
/** Invalid numerics for this long are a signal-quality alarm, ms. */
export const QUALITY_DELAY_MS = 10_000;
/** Pose quality below this, or a non-zero pose status, for TRACKING_DELAY_MS is "tracking quality lost". */
export const TRACKING_MIN_QUALITY = 0.5;
export const TRACKING_DELAY_MS = 2000;

/** Clock unsynchronised: the device's clock-sync uncertainty is over the hub's limit. */
export function clockRule(board: Board, deviceId: string, model: string, sync: SyncQuality | null, online: boolean, tMs: number): void {
  const ref = tech(deviceId, 'clock-unsync');
  if (online && sync && !sync.synchronised) {
    board.raise({ ...ref, priority: 'low', text: `${model}: clock not synchronised (±${sync.uncertaintyMs.toFixed(0)} ms)`, tHubMs: tMs });
  } else board.clear(ref, tMs);
}

export class GapRule {
  private readonly last = new Map<string, number>();

  /** A sequence gap of a device: raised (or renewed), held GAP_HOLD_MS. */
  gap(board: Board, deviceId: string, lostFrames: number, tMs: number): void {
    this.last.set(deviceId, tMs);
    board.raise({ ...tech(deviceId, 'data-gap'), priority: 'low', text: `${deviceId}: data gap (${lostFrames} frames lost)`, tHubMs: tMs });
  }

  tick(board: Board, tMs: number): void {
    for (const [deviceId, t] of this.last) {
      if (tMs - t < GAP_HOLD_MS) continue;
      this.last.delete(deviceId);
      board.clear(tech(deviceId, 'data-gap'), tMs);
    }
  }
}

/** Signal or tracking quality of one channel, with a delay before it alarms. */
export class QualityRule {
  private readonly badSince = new Map<string, number>();

  /**
   * `bad`: this sample is invalid (numerics) or of poor quality (poses). `code` names the
   * alarm (`signal-CH` / `tracking-CH`).
   */
  update(board: Board, deviceId: string, code: string, bad: boolean, tMs: number, delayMs: number, priority: 'medium' | 'low', text: string): void {
    const k = `${deviceId}\u0000${code}`;
    const ref = tech(deviceId, code);
    if (!bad) {
      this.badSince.delete(k);
      board.clear(ref, tMs);
      return;
    }
    const since = this.badSince.get(k) ?? tMs;
    this.badSince.set(k, since);
    if (tMs - since >= delayMs) board.raise({ ...ref, priority, text, tHubMs: tMs });
  }
}
