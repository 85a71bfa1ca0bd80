/**
 * A display WebSocket client for the bus end-to-end tests: keeps the latest device views,
 * every gap record, and every waveform block, decoded as the renderer would.
 */
import WebSocket from 'ws';
import {
  BinaryKind,
  decodeBinary,
  type AlarmItem,
  type DeviceView,
  type EventItem,
  type GapItem,
  type HubMessage,
  type PoseView,
  type WaveBlockView,
} from '../common/display-contract';

export interface ReceivedBlock extends WaveBlockView {
  /** performance.timeOrigin + performance.now() when the message arrived, ms. */
  tRecvMs: number;
}

export class DisplayClient {
  readonly devices = new Map<string, DeviceView>();
  readonly gaps: GapItem[] = [];
  readonly blocks = new Map<number, ReceivedBlock[]>();
  readonly deviceEvents: DeviceView[] = [];
  /** Device events (the hub's own, e.g. HUB_UNSYNCHRONISED, included), in arrival order. */
  readonly events: EventItem[] = [];
  /** The active alarms by id, as last announced (the hub sends the whole board each time). */
  readonly alarms = new Map<string, AlarmItem>();
  /** Numeric values per display stream, in arrival order. */
  readonly numerics = new Map<number, number[]>();
  onBlock: ((b: ReceivedBlock) => void) | null = null;
  /** Poses per display stream, in arrival order, with their arrival time (tRecvMs, as for blocks). */
  readonly poses = new Map<number, (PoseView & { tRecvMs: number })[]>();
  onPose: ((p: PoseView & { tRecvMs: number }) => void) | null = null;
  /** False: poses go to onPose only, not kept in `poses` (benchmarks: no heap growing with every pose). */
  retainPoses = true;
  private ws!: WebSocket;
  closed = false;

  private constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Connects to `origin` (http://host:port) with the session token; resolves once the snapshot arrived. */
  static async connect(origin: string, token: string): Promise<DisplayClient> {
    const c = new DisplayClient(`${origin.replace(/^http/, 'ws')}/ws`, token);
    await c.open();
    return c;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { headers: { Authorization: `Bearer ${this.token}` } });
      this.ws = ws;
      ws.on('message', (data, isBinary) => {
        const tRecvMs = performance.timeOrigin + performance.now();
        if (isBinary) {
          const d = decodeBinary(data as Buffer);
          if (d.kind === BinaryKind.Wave) {
            for (const b of d.blocks) {
              const rb = { ...b, tRecvMs };
              let list = this.blocks.get(b.streamId);
              if (!list) this.blocks.set(b.streamId, (list = []));
              list.push(rb);
              this.onBlock?.(rb);
            }
          } else if (d.kind === BinaryKind.Pose) {
            for (const p of d.poses) {
              const rp = { ...p, tRecvMs };
              if (!this.retainPoses) {
                this.onPose?.(rp);
                continue;
              }
              let list = this.poses.get(p.streamId);
              if (!list) this.poses.set(p.streamId, (list = []));
              list.push(rp);
              this.onPose?.(rp);
            }
          }
          return;
        }
        const m = JSON.parse(data.toString()) as HubMessage;
        if (m.t === 'devices') {
          for (const d of m.devices) this.devices.set(d.deviceId, d);
          resolve();
        } else if (m.t === 'device') {
          this.devices.set(m.device.deviceId, m.device);
          this.deviceEvents.push(m.device);
        } else if (m.t === 'gap') this.gaps.push(m.item);
        else if (m.t === 'event') this.events.push(m.item);
        else if (m.t === 'alarms') {
          this.alarms.clear();
          for (const a of m.items) this.alarms.set(a.alarmId, a);
        } else if (m.t === 'numerics') {
          for (const n of m.items) {
            let list = this.numerics.get(n.streamId);
            if (!list) this.numerics.set(n.streamId, (list = []));
            list.push(n.value);
          }
        }
      });
      ws.on('error', reject);
      ws.on('close', () => (this.closed = true));
    });
  }

  /** Display stream id of a device channel, once the hub has announced it. */
  streamOf(deviceId: string, index: number): number | undefined {
    return this.devices.get(deviceId)?.channels.find((c) => c.index === index)?.streamId;
  }

  state(deviceId: string): string | undefined {
    return this.devices.get(deviceId)?.state;
  }

  close(): void {
    this.ws?.close();
  }
}

/** Polls fn (sync or async) every 20 ms until truthy; resolves with the elapsed ms. */
export async function waitFor(fn: () => unknown, what: string, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
