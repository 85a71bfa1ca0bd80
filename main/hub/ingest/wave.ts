/**
 * The waveform handler: validates a WAVE block against its channel, places it on the hub
 * clock so that consecutive blocks stay contiguous, and hands it to the sinks.
 */
import { FrameType, SampleCode, type FrameOf } from '../../../native-bridge/common/wire';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';
import { admitSamples } from './flood';
import { timeOk } from './frames';
import { dataArrived } from './link';
import { addThrottled, flushThrottled, inSequence, streamKey } from './streams';

const FORMAT_CODE: Record<string, SampleCode> = { i16: SampleCode.I16, i32: SampleCode.I32, f32: SampleCode.F32 };
/** Wave placement: how fast a change of the clock estimate is slewed in, and from what size it is stepped. */
const SLEW_SLOW = 0.02;
const SLEW_FAST = 0.25;
const SLEW_FAST_ABOVE_MS = 5;
const SLEW_STEP_MS = 50;

export function onWave(ctx: IngestContext, dev: IngestDevice, f: FrameOf<FrameType.Wave>, t: number): void {
  const ch = dev.session.channels.get(f.stream);
  const id = dev.id;
  if (!ch || ch.kind !== 'wave') return ctx.drop(dev, 'BAD_CHANNEL', `wave on undeclared channel ${f.stream}`, id);
  if (FORMAT_CODE[ch.format!] !== f.format) return ctx.drop(dev, 'BAD_CHANNEL', `channel ${f.stream} declared ${ch.format}, frame has format ${f.format}`, id);
  if (!timeOk(ctx, dev, f.t0Ms, f.tDeviceMs, 'wave t0')) return;
  const rate = ch.rateHz!;
  const durMs = (f.samples.length * 1000) / rate;
  const key = streamKey(FrameType.Wave, f.stream);
  const st = dev.streams.get(key, f.seq);
  let t0Hub = dev.sync.clock.toHub(f.t0Ms);
  // A block that follows on from the previous one in device time follows on in hub time too:
  // a change of the clock estimate is slewed in (per block at most 2 % of its duration, 25 %
  // while the error is above 5 ms, e.g. just after the first exchange) rather than stepped, so
  // a continuous waveform shows no false holes or overlaps. 50 ms or more (a device clock
  // step) is applied at once.
  if (Number.isFinite(st.lastEndDeviceMs) && Math.abs(f.t0Ms - st.lastEndDeviceMs) < 500 / rate) {
    const err = t0Hub - st.lastEndHubMs;
    const lim = (Math.abs(err) > SLEW_FAST_ABOVE_MS ? SLEW_FAST : SLEW_SLOW) * durMs;
    if (Math.abs(err) < SLEW_STEP_MS) t0Hub = st.lastEndHubMs + Math.max(-lim, Math.min(lim, err));
  }
  const gapsBefore = dev.counters.gaps;
  if (!inSequence(ctx, dev, st, key, f.seq, t0Hub)) return;
  if (!admitSamples(ctx, dev, f.samples.length, t)) {
    addThrottled(st, t0Hub, t0Hub + durMs, t);
    st.lastEndDeviceMs = f.t0Ms + durMs;
    return;
  }
  flushThrottled(dev, st, key, t0Hub);
  // A jump in device time without a sequence gap: the device restarted or paused sampling.
  if (dev.counters.gaps === gapsBefore && Number.isFinite(st.lastEndDeviceMs) && f.t0Ms - st.lastEndDeviceMs > Math.max(50, 3000 / rate)) {
    dev.gaps.report({ deviceId: id, channel: f.stream, fromHubMs: st.lastEndHubMs, toHubMs: t0Hub, lostFrames: 0, reason: 'link-down' });
  }
  st.lastEndDeviceMs = f.t0Ms + durMs;
  st.lastEndHubMs = t0Hub + durMs;
  dataArrived(ctx, dev, t);
  ctx.out.wave({ deviceId: id, channel: f.stream, t0HubMs: t0Hub, rateHz: rate, raw: f.samples, scale: ch.scale ?? 1, offset: ch.offset ?? 0 });
}
