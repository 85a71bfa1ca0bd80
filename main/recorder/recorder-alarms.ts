/**
 * The recorder's technical alarms (recorder.ts): raised and cleared on the hub's alarm board with
 * source 'recorder', from the worker's disk status and from the buffer bound (overflow), whose
 * dropped spans become gaps with reason 'recorder-overflow'.
 */
import type { AlarmBoard } from '../hub/alarm-board';
import type { RowItem, StatusMessage } from './protocol';

/** The recorder's technical alarms, raised on the alarm board with source 'recorder' (key `recorder/tech/CODE`). */
export type TechnicalAlarmCode = 'REC_DISK_FULL' | 'REC_IO_ERROR' | 'REC_OVERFLOW' | 'REC_WORKER_FAILED' | 'REC_INTERNAL';

export class TechnicalAlarms {
  private readonly active = new Set<TechnicalAlarmCode>();

  constructor(
    private readonly board: Pick<AlarmBoard, 'raise' | 'clear'> | undefined,
    private readonly clock: () => number,
  ) {}

  /** Raises (`active`) or clears one alarm; a repeat of its current state does nothing, except REC_INTERNAL, raised each time. */
  set(code: TechnicalAlarmCode, active: boolean, message: string): void {
    if (active === this.active.has(code) && code !== 'REC_INTERNAL') return;
    if (active) this.active.add(code);
    else this.active.delete(code);
    const ref = { source: 'recorder', kind: 'technical' as const, code };
    const high = code === 'REC_DISK_FULL' || code === 'REC_IO_ERROR';
    if (active) this.board?.raise({ ...ref, priority: high ? 'high' : 'medium', text: message, tHubMs: this.clock() });
    else this.board?.clear(ref, this.clock());
  }

  /**
   * The alarms a worker status message means (`maxBytes`: the buffer bound, for the text). Returns
   * whether the disk is failing now, or undefined when the message does not say.
   */
  fromStatus(s: StatusMessage, maxBytes: number): boolean | undefined {
    if (s.status === 'io-error') {
      const code = /FULL|ENOSPC|EDQUOT/.test(s.code) ? 'REC_DISK_FULL' : 'REC_IO_ERROR';
      this.set(code, true, `${s.message}. The live display is unaffected; holding up to ${Math.round(maxBytes / 1048576)} MiB until the disk recovers.`);
      return true;
    }
    if (s.status === 'io-ok') {
      this.set('REC_DISK_FULL', false, s.message);
      this.set('REC_IO_ERROR', false, s.message);
      return false;
    }
    this.set('REC_INTERNAL', true, s.message);
    return undefined;
  }
}

/** Per channel, the hub time where dropping began; the dropped span becomes a gap once data is kept again. */
export class OverflowTracker {
  private readonly dropping = new Map<string, { deviceId: string; channel: number; fromMs: number }>();

  constructor(
    private readonly alarms: TechnicalAlarms,
    private readonly maxBytes: number,
  ) {}

  /** A block of the channel was dropped at `tMs` (called per block while over the bound: a new span only builds its key and text). */
  start(deviceId: string, channel: number, tMs: number): void {
    const key = `${deviceId}\u0000${channel}`;
    if (this.dropping.has(key)) return;
    this.dropping.set(key, { deviceId, channel, fromMs: tMs });
    this.alarms.set(
      'REC_OVERFLOW',
      true,
      `Recording is dropping data: ${Math.round(this.maxBytes / 1048576)} MiB waiting for the disk. The live display is unaffected.`,
    );
  }

  /** Ends the channel's dropped span at `tMs`: its gap row is handed to `push` (called per block kept: nothing to do while none drops). */
  stop(deviceId: string, channel: number, tMs: number, push: (r: RowItem) => void): void {
    if (this.dropping.size === 0) return;
    const key = `${deviceId}\u0000${channel}`;
    const d = this.dropping.get(key);
    if (!d) return;
    this.dropping.delete(key);
    push({ k: 'gap', deviceId: d.deviceId, channel: d.channel, fromMs: d.fromMs, toMs: tMs, lostFrames: 0, reason: 'recorder-overflow' });
    if (this.dropping.size === 0) this.alarms.set('REC_OVERFLOW', false, 'Recording caught up; the dropped span is recorded as a gap');
  }
}
