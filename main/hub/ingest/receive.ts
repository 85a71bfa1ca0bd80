/**
 * The front of the pipeline: a bus message (control socket) or data-channel message becomes
 * one decoded frame from a known device session, which is dispatched to its handler.
 */
import { DATA_ENVELOPE_BYTES } from '../../../native-bridge/common/data-channel';
import { FrameType, HubErrorCode, decodeFrame, encodeDataSwitchAck, encodeError, type Frame } from '../../../native-bridge/common/wire';
import type { DataSwitchAck } from '../../../native-bridge/common/data-channel';
import { onSyncResp } from './clock-schedule';
import type { IngestContext } from './context';
import type { IngestDevice } from './device';
import { admitFrame, flagFlooding } from './flood';
import { onAlarm, onEvent, onNumeric, onPose, onSetting } from './frames';
import { onHello } from './hello';
import { setLinkState } from './link';
import type { Sessions } from './sessions';
import { throttledFrame } from './streams';
import { onWave } from './wave';

/** One message's frame, or null after dropping it (multipart, undecodable; oversized flags the device). */
function decode(ctx: IngestContext, dev: IngestDevice | undefined, bytes: Uint8Array, parts: number, who: string, t: number): Frame | null {
  if (parts !== 1) {
    ctx.drop(dev, 'BUS_MULTIPART', `message of ${parts} parts (a frame is one part)`, who);
    return null;
  }
  const r = decodeFrame(bytes);
  if (r.ok) return r.frame;
  ctx.drop(dev, r.error.code, r.error.message, who);
  if (dev && r.error.code === 'WIRE_TOO_LARGE') flagFlooding(ctx, dev, t, 'sends oversized frames');
  return null;
}

/** A control-socket message: `peer` is the ZMQ routing id, `bytes` the first body part, `parts` the number of body parts. */
export function receiveControl(ctx: IngestContext, sessions: Sessions, peer: Buffer, bytes: Uint8Array, parts: number): void {
  const t = ctx.now();
  const peerKey = peer.toString('latin1');
  const dev = sessions.byPeer(peerKey);
  const f = decode(ctx, dev, bytes, parts, dev?.id ?? `peer ${peer.toString('hex')}`, t);
  if (!f) return;
  if (f.type === FrameType.Hello) return onHello(ctx, sessions, peer, peerKey, f, t);
  if (!dev) {
    ctx.stats.unknownPeerFrames++;
    if (sessions.tellHelloRequired(peerKey, t)) {
      ctx.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.HelloRequired, 'unknown peer: send HELLO first'));
    }
    return;
  }
  if (f.type === FrameType.DataSwitch) return onDataSwitch(ctx, dev, peer, f.seq, t);
  onFrame(ctx, dev, f, t);
}

/**
 * DATA_SWITCH (§2.4), on the control socket: every frame the device sent there before it has been
 * handled (one socket keeps order), which DATA_SWITCH_ACK confirms with each stream's last number.
 */
function onDataSwitch(ctx: IngestContext, dev: IngestDevice, peer: Buffer, seq: number, t: number): void {
  dev.link.lastHeardHubMs = t;
  dev.counters.frames++;
  const ack: DataSwitchAck = { switchSeq: seq, streams: dev.streams.lastSeqs() };
  ctx.transport.send(peer, encodeDataSwitchAck({ seq: 0, tDeviceMs: t }, JSON.stringify(ack)));
}

/** A data-channel message (§2.3): a 16-byte session token, then one frame. */
export function receiveData(ctx: IngestContext, sessions: Sessions, msg: Uint8Array, parts: number): void {
  const t = ctx.now();
  if (msg.length < DATA_ENVELOPE_BYTES) {
    return ctx.drop(undefined, 'DATA_ENVELOPE', `data message of ${msg.length} bytes has no ${DATA_ENVELOPE_BYTES}-byte session token`, 'data channel');
  }
  const dev = sessions.byData(msg);
  if (!dev) {
    const why = 'session token names no current device session (send HELLO on the control socket for a new one)';
    return ctx.drop(undefined, 'DATA_SESSION', why, 'data channel');
  }
  // A plain view (Buffer#subarray goes through Buffer's species constructor: slower on this hot path).
  const f = decode(ctx, dev, new Uint8Array(msg.buffer, msg.byteOffset + DATA_ENVELOPE_BYTES, msg.length - DATA_ENVELOPE_BYTES), parts, dev.id, t);
  if (!f) return;
  if (f.type === FrameType.Hello || f.type === FrameType.DataSwitch)
    return ctx.drop(dev, 'DATA_HELLO', `${FrameType[f.type]} belongs on the control socket`, dev.id);
  onFrame(ctx, dev, f, t);
}

/** A valid frame from a known device, from either socket. */
function onFrame(ctx: IngestContext, dev: IngestDevice, f: Frame, t: number): void {
  dev.link.lastHeardHubMs = t;
  dev.counters.frames++;
  if (!admitFrame(ctx, dev, t)) return throttledFrame(dev, f, t);
  // Any frame brings an offline device back; only data ends 'stale' (link.ts).
  if (dev.link.state === 'offline' && f.type !== FrameType.Goodbye) setLinkState(ctx, dev, 'online', t, 'frames arriving');
  if (dev.sync.clock.estimate === null) dev.sync.clock.observeArrival(f.tDeviceMs, t);
  switch (f.type) {
    case FrameType.Heartbeat:
      return;
    case FrameType.SyncResp:
      return onSyncResp(ctx, dev, f, t);
    case FrameType.Goodbye:
      return setLinkState(ctx, dev, 'offline', t, `device said goodbye: ${f.text.slice(0, 80)}`);
    case FrameType.Wave:
      return onWave(ctx, dev, f, t);
    case FrameType.Numeric:
      return onNumeric(ctx, dev, f);
    case FrameType.Pose:
      return onPose(ctx, dev, f, t);
    case FrameType.Setting:
      return onSetting(ctx, dev, f);
    case FrameType.Alarm:
      return onAlarm(ctx, dev, f);
    case FrameType.Event:
      return onEvent(ctx, dev, f);
    default:
      ctx.drop(dev, 'NOT_FROM_DEVICE', `${FrameType[f.type]} is not sent by devices`, dev.id);
  }
}
