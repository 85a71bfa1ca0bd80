/**
 * Handlers of the data frames (docs/device-protocol.md §4) other than waveforms (wave.ts):
 * numerics, poses, settings, alarms, events. Each validates what its frame says against the
 * device's descriptor, goes through the stream's sequence check, places times on the hub
 * clock and hands the result to the sinks; device alarms also go to the alarm board.
 */
import {
  AlarmPriority,
  AlarmState,
  FrameType,
  NO_CHANNEL,
  NUM_STATUS_INVALID,
  NUM_STATUS_QUESTIONABLE,
  type FrameOf,
} from '../../../native-bridge/common/wire';
import { LEVEL_OF_PRIORITY } from '../alarm-board';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';
import { admitSamples } from './flood';
import { dataArrived } from './link';
import { addThrottled, delivered, passes, sequenced, streamKey } from './streams';

/** Entry times must lie within [header − PAST, header + FUTURE] of their frame's header time (device clock). */
const MAX_PAST_MS = 3_600_000;
const MAX_FUTURE_MS = 60_000;
const MAX_ALARMS_PER_DEVICE = 256;

/** An entry time plausible for its frame's header time; otherwise the entry is dropped as BAD_TIME. */
export function timeOk(ctx: IngestContext, dev: IngestDevice, tMs: number, headerMs: number, what: string): boolean {
  if (tMs >= headerMs - MAX_PAST_MS && tMs <= headerMs + MAX_FUTURE_MS) return true;
  ctx.drop(dev, 'BAD_TIME', `${what} time ${tMs} is not within [-1 h, +60 s] of its frame time ${headerMs}`, dev.id);
  return false;
}

export function onNumeric(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Numeric>): void {
  const id = dev.id;
  const clock = dev.sync.clock;
  if (!passes(ctx, dev, streamKey(FrameType.Numeric), f.seq, clock.toHub(f.tDeviceMs))) return;
  for (const e of f.entries) {
    const ch = dev.session.channels.get(e.channel);
    if (!ch || ch.kind !== 'numeric') {
      ctx.drop(dev, 'BAD_CHANNEL', `numeric on undeclared channel ${e.channel}`, id);
      continue;
    }
    if (!Number.isFinite(e.value)) {
      ctx.drop(dev, 'WIRE_NON_FINITE', `numeric ${ch.mdc} is not finite`, id);
      continue;
    }
    if (!timeOk(ctx, dev, e.tMs, f.tDeviceMs, 'numeric')) continue;
    // Outside the declared range: passed on, flagged questionable (§4). An INVALID entry has no value to judge (§3.6).
    const outside = ch.range && (e.value < ch.range[0] || e.value > ch.range[1]);
    const status = outside && !(e.status & NUM_STATUS_INVALID) ? e.status | NUM_STATUS_QUESTIONABLE : e.status;
    ctx.out.numeric(id, e.channel, clock.toHub(e.tMs), e.value, status);
  }
}

export function onPose(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Pose>, t: number): void {
  const id = dev.id;
  const clock = dev.sync.clock;
  const tHub = clock.toHub(f.tDeviceMs);
  const key = streamKey(FrameType.Pose);
  const st = sequenced(ctx, dev, key, f.seq, tHub);
  if (!st) return;
  if (!admitSamples(ctx, dev, f.entries.length, t)) return addThrottled(st, tHub, tHub, t);
  delivered(dev, st, key, tHub);
  dataArrived(ctx, dev, t);
  for (const e of f.entries) {
    const ch = dev.session.channels.get(e.channel);
    if (!ch || ch.kind !== 'pose') {
      ctx.drop(dev, 'BAD_CHANNEL', `pose on undeclared channel ${e.channel}`, id);
      continue;
    }
    if (!timeOk(ctx, dev, e.tMs, f.tDeviceMs, 'pose')) continue;
    ctx.out.pose(id, e.channel, clock.toHub(e.tMs), e.quality, e.status, e.matrix);
  }
}

export function onSetting(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Setting>): void {
  const id = dev.id;
  const ch = dev.session.channels.get(f.channel);
  if (!ch || (ch.kind !== 'setting' && ch.kind !== 'text')) return ctx.drop(dev, 'BAD_CHANNEL', `setting on undeclared channel ${f.channel}`, id);
  if (!Number.isFinite(f.value)) return ctx.drop(dev, 'WIRE_NON_FINITE', 'setting value is not finite', id);
  if (!timeOk(ctx, dev, f.tMs, f.tDeviceMs, 'setting')) return;
  const tHub = dev.sync.clock.toHub(f.tMs);
  if (!passes(ctx, dev, streamKey(FrameType.Setting), f.seq, tHub)) return;
  ctx.out.setting(id, f.channel, tHub, f.value, f.text);
}

export function onAlarm(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Alarm>): void {
  const id = dev.id;
  if (f.channel !== NO_CHANNEL && !dev.session.channels.has(f.channel)) return ctx.drop(dev, 'BAD_CHANNEL', `alarm on undeclared channel ${f.channel}`, id);
  if (!timeOk(ctx, dev, f.tMs, f.tDeviceMs, 'alarm')) return;
  const tHub = dev.sync.clock.toHub(f.tMs);
  if (!passes(ctx, dev, streamKey(FrameType.Alarm), f.seq, tHub)) return;
  const channel = f.channel === NO_CHANNEL ? -1 : f.channel;
  const ref = { source: id, kind: 'physiological' as const, code: f.code, channel };
  const board = ctx.alarms;
  if (f.state === AlarmState.Active && !board.isActive(ref) && board.activeCount(id, 'physiological') >= MAX_ALARMS_PER_DEVICE) {
    return ctx.drop(dev, 'WIRE_TOO_MANY', `more than ${MAX_ALARMS_PER_DEVICE} active alarms`, id);
  }
  ctx.out.alarm(id, { channel, tHubMs: tHub, priority: f.priority, state: f.state, code: f.code, text: f.text });
  if (f.state === AlarmState.Active) board.raise({ ...ref, priority: LEVEL_OF_PRIORITY[f.priority], text: f.text.slice(0, 200), tHubMs: tHub });
  else board.clear(ref, tHub);
}

export function onEvent(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Event>): void {
  const id = dev.id;
  if (f.channel !== NO_CHANNEL && !dev.session.channels.has(f.channel)) return ctx.drop(dev, 'BAD_CHANNEL', `event on undeclared channel ${f.channel}`, id);
  if (!timeOk(ctx, dev, f.tMs, f.tDeviceMs, 'event')) return;
  const tHub = dev.sync.clock.toHub(f.tMs);
  if (!passes(ctx, dev, streamKey(FrameType.Event), f.seq, tHub)) return;
  ctx.out.event(id, f.channel === NO_CHANNEL ? -1 : f.channel, tHub, f.code.slice(0, 64), f.text.slice(0, 500));
}
