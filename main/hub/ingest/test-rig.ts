/**
 * Test support for the ingest tests (imported by *.test.ts only): a Hub with a fake
 * transport and a fake clock, and a sink recording what the hub hands on. No sockets, no
 * timers (tick() is called by hand). Everything is read through the hub's public surface:
 * its status objects, its counters and the sinks' events.
 */
import assert from 'node:assert/strict';
import { Hub } from '../hub';
import type { AlarmEntry } from '../alarm-board';
import { deviceView } from '../display-view';
import type { DeviceStatus, GapRecord, HubSink, WaveBlock } from '../sink';
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { hexToToken, parseDataOffer } from '../../../native-bridge/common/data-channel';
import type { IdentityCheck } from '../../../native-bridge/node/identity';
import {
  FrameType,
  decodeFrame,
  encodeHeartbeat,
  encodeHello,
  encodeNumeric,
  encodeSyncResp,
  encodeWave,
  type Frame,
} from '../../../native-bridge/common/wire';

export const T0 = 1_700_000_000_000;

export class Rig {
  t = T0;
  readonly sent: { peer: string; frame: Frame }[] = [];
  readonly waves: WaveBlock[] = [];
  readonly gaps: GapRecord[] = [];
  readonly numerics: { deviceId: string; channel: number; value: number; status: number; tHubMs: number }[] = [];
  readonly events: string[] = [];
  readonly logs: string[] = [];
  /** Every deviceChanged event, in order. */
  readonly deviceChanges: DeviceStatus[] = [];
  /** Every alarmsChanged event's changed entry, in order. */
  readonly alarmChanges: AlarmEntry[] = [];
  /** Keys of the active alarms, as of the last alarmsChanged event. */
  alarms = new Set<string>();
  readonly hub: Hub;
  constructor(opts: { syncIntervalMs?: number; dataChannel?: boolean; identity?: IdentityCheck } = {}) {
    const { dataChannel, ...hubOpts } = opts;
    this.hub = new Hub(
      {
        send: (peer, bytes) => {
          const r = decodeFrame(bytes);
          assert.ok(r.ok, 'the hub sends valid frames');
          this.sent.push({ peer: peer.toString(), frame: r.frame });
        },
        dataOffer: dataChannel ? { port: 7401 } : null,
      },
      { now: () => this.t, log: (l) => this.logs.push(l), ...hubOpts },
    );
    const sink: HubSink = {
      deviceOnline: () => {},
      deviceState: () => {},
      wave: (b) => this.waves.push(b),
      numeric: (deviceId, channel, tHubMs, value, status) => this.numerics.push({ deviceId, channel, value, status, tHubMs }),
      setting: () => {},
      alarm: () => {},
      pose: () => {},
      event: (_d, _c, _t, code) => this.events.push(code),
      gap: (g) => this.gaps.push(g),
      deviceChanged: (s) => this.deviceChanges.push(s),
      alarmsChanged: (changed, active) => {
        this.alarmChanges.push(changed);
        this.alarms = new Set(active.map((a) => a.key));
      },
    };
    this.hub.addSink(sink);
  }
  /** Advances the clock, ticking the hub every 50 ms as its timer would. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 50);
      this.hub.tick();
    }
  }
  from(peer: string, bytes: Uint8Array, parts = 1): void {
    this.hub.onMessage(Buffer.from(peer), bytes, parts);
  }
  sentTo(peer: string, type: FrameType): Frame[] {
    return this.sent.filter((s) => s.peer === peer && s.frame.type === type).map((s) => s.frame);
  }
  status(id: string): DeviceStatus {
    const s = this.hub.deviceStatus(id);
    assert.ok(s, `the hub knows ${id}`);
    return s;
  }
  /** The device as displays are shown it. */
  view(id: string) {
    return deviceView(this.status(id));
  }
  get deviceCount(): number {
    return this.hub.deviceStatuses().length;
  }
}

export function descriptor(id: string, rateHz = 500): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId: id,
    kind: 'patient-monitor',
    manufacturer: 'Test',
    model: 'T1',
    serial: 'S1',
    heartbeatMs: 1000,
    channels: [
      { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz, format: 'i16', scale: 0.005, offset: 0 },
      { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', range: [20, 300] },
      { index: 30, kind: 'setting', mdc: 'MDC_VENT_VOL_TIDAL_SET', label: 'TV set', unit: 'mL' },
    ],
  };
}

/** A device as the hub sees it: numbered streams, device clock = hub clock + offsetMs. */
export class Dev {
  private readonly seqs = new Map<number, number>();
  constructor(
    readonly rig: Rig,
    readonly peer: string,
    readonly desc: DeviceDescriptor,
    readonly offsetMs = 0,
  ) {}
  now(): number {
    return this.rig.t + this.offsetMs;
  }
  h(type: FrameType, stream = 0) {
    const k = type * 65536 + stream;
    const seq = this.seqs.get(k) ?? 0;
    this.seqs.set(k, seq + 1);
    return { seq, stream, tDeviceMs: this.now() };
  }
  skip(type: FrameType, stream: number, n: number): void {
    const k = type * 65536 + stream;
    this.seqs.set(k, (this.seqs.get(k) ?? 0) + n);
  }
  hello(): void {
    this.rig.from(this.peer, encodeHello(this.h(FrameType.Hello), JSON.stringify(this.desc)));
  }
  wave(n = 20, t0 = this.now(), channel = 0, values?: Int16Array): Int16Array {
    const s = values ?? new Int16Array(n).map((_, i) => i);
    this.rig.from(this.peer, encodeWave(this.h(FrameType.Wave, channel), t0, s));
    return s;
  }
  numeric(value: number, channel = 10): void {
    this.rig.from(this.peer, encodeNumeric(this.h(FrameType.Numeric), [{ channel, value, status: 0, tMs: this.now() }]));
  }
  heartbeat(): void {
    this.rig.from(this.peer, encodeHeartbeat(this.h(FrameType.Heartbeat)));
  }
  /** Answers every SYNC_REQ the hub has sent this peer since `since`. */
  answerSync(since = 0): number {
    const reqs = this.rig.sentTo(this.peer, FrameType.SyncReq).slice(since);
    for (const r of reqs) {
      if (r.type !== FrameType.SyncReq) continue;
      const d = this.now(); // received and answered at once
      this.rig.from(this.peer, encodeSyncResp(this.h(FrameType.SyncResp), r.t1Ms, d, d));
    }
    return since + reqs.length;
  }
}

/** The session token in the last HELLO_ACK sent to `peer`. */
export function tokenOf(rig: Rig, peer: string): Uint8Array {
  const acks = rig.sentTo(peer, FrameType.HelloAck);
  const ack = acks[acks.length - 1];
  assert.ok(ack && ack.type === FrameType.HelloAck, 'a HELLO_ACK');
  const offer = parseDataOffer(ack.json);
  assert.ok(offer, `the ACK offers the data channel: ${ack.json}`);
  assert.equal(offer.port, 7401);
  return hexToToken(offer.session);
}
