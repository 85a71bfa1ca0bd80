/**
 * The simulated devices' base (devices.ts): each device is its own ZeroMQ peer (its own
 * DeviceClient and DEALER socket), exactly as a real device adapter would be. SimDevice owns the
 * client, the simulated clock and the tick loop; WaveEmitter and Periodic pace what a device sends.
 */
import type { ChannelDescriptor, DeviceDescriptor, DeviceKind } from '../../common/descriptor';
import type { MdcTerm } from '../../common/mdc';
import { rng } from '../../common/sim/physiology';
import { DeviceClient, type CurveClientKeys } from '../device-client';

export interface SimOptions {
  endpoint: string;
  /** Simulated time runs this many times faster than real time. */
  speed?: number;
  /** Device clock offset from true time, ms (tests of clock sync). */
  clockOffsetMs?: number;
  /** Device clock drift, ppm (tests of clock sync). */
  driftPpm?: number;
  /** Suffix to make device ids unique when several ORs are simulated (benchmarks). */
  idSuffix?: string;
  curve?: CurveClientKeys;
  heartbeatMs?: number;
  seed?: number;
  /** Tests: random extra delivery delay per frame, 0..jitterMs (see DeviceClientOptions.jitterMs). */
  jitterMs?: number;
  /**
   * Patient scenario (monitor): 'tachy-desat' drives the patient into tachycardia (HR 165 from
   * 5 s) and desaturation (SpO2 towards 86 % from 8 s) and keeps them there; default 'none'.
   */
  scenario?: 'none' | 'tachy-desat';
  /** See DeviceClientOptions.dataChannel / dataEndpoint. */
  dataChannel?: boolean;
  dataEndpoint?: string;
}

const TICK_MS = 40;

export function ch(index: number, kind: ChannelDescriptor['kind'], t: MdcTerm, extra: Partial<ChannelDescriptor> = {}): ChannelDescriptor {
  return { index, kind, mdc: t.mdc, code: t.code, label: t.label, unit: t.unit, ...extra };
}

/** Base class: owns the client, the simulated clock and the tick loop. */
export abstract class SimDevice {
  readonly client: DeviceClient;
  protected readonly speed: number;
  private timer: NodeJS.Timeout | undefined;
  /** Real time at start (ms, monotonic). */
  private readonly realStart = performance.now();
  /** Device clock at start: wall clock + injected offset. */
  private readonly deviceStart: number;
  private readonly driftFactor: number;
  protected readonly u: () => number;

  constructor(
    protected readonly opts: SimOptions,
    kind: DeviceKind,
    deviceId: string,
    model: string,
    channels: ChannelDescriptor[],
  ) {
    this.speed = opts.speed ?? 1;
    this.driftFactor = 1 + (opts.driftPpm ?? 0) * 1e-6;
    this.deviceStart = performance.timeOrigin + this.realStart + (opts.clockOffsetMs ?? 0);
    this.u = rng((opts.seed ?? 7) + deviceId.length * 977);
    const descriptor: DeviceDescriptor = {
      protocol: 1,
      deviceId: deviceId + (opts.idSuffix ?? ''),
      kind,
      manufacturer: 'OR Hub simulator',
      model,
      serial: `SIM-${deviceId}`,
      heartbeatMs: opts.heartbeatMs ?? 1000,
      channels,
    };
    this.client = new DeviceClient({
      endpoint: opts.endpoint,
      descriptor,
      clock: () => this.deviceNow(),
      curve: opts.curve,
      jitterMs: opts.jitterMs,
      dataChannel: opts.dataChannel,
      dataEndpoint: opts.dataEndpoint,
    });
  }

  /** Device clock, ms: runs `speed` times faster than real time, with injected offset and drift. */
  deviceNow(): number {
    return this.deviceStart + (performance.now() - this.realStart) * this.speed * this.driftFactor;
  }

  /**
   * Tests: the true time (this process's performance.timeOrigin + performance.now() clock, ms)
   * at which the device clock read `deviceMs` — what a perfectly synchronised hub would say.
   */
  trueTimeOf(deviceMs: number): number {
    return performance.timeOrigin + this.realStart + (deviceMs - this.deviceStart) / (this.speed * this.driftFactor);
  }

  /** Simulated seconds since start. */
  protected simSeconds(deviceMs: number): number {
    return (deviceMs - this.deviceStart) / 1000;
  }

  /** Device time (ms) of simulated second s. */
  protected deviceMsAt(s: number): number {
    return this.deviceStart + s * 1000;
  }

  start(): void {
    this.client.start();
    this.timer = setInterval(() => this.tick(this.deviceNow()), TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.stop();
  }

  protected abstract tick(nowDeviceMs: number): void;
}

/** Emits uniformly sampled channels in batches: everything due up to `now`. */
export class WaveEmitter {
  private produced = 0;
  constructor(
    private readonly channel: number,
    private readonly rateHz: number,
    private readonly scale: number,
    private readonly fn: (tSec: number) => number,
  ) {}

  emit(dev: SimDevice, simNow: number, toDeviceMs: (s: number) => number): void {
    const due = Math.floor(simNow * this.rateHz);
    let n = due - this.produced;
    if (n <= 0) return;
    while (n > 0) {
      const count = Math.min(n, 4096);
      const out = new Int16Array(count);
      const first = this.produced;
      for (let i = 0; i < count; i++) {
        const v = Math.round(this.fn((first + i) / this.rateHz) / this.scale);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      dev.client.sendWave(this.channel, toDeviceMs(first / this.rateHz), out);
      this.produced += count;
      n -= count;
    }
  }
}

/** Emits a set of numerics every `periodS` simulated seconds. */
export class Periodic {
  private next = 0;
  constructor(private readonly periodS: number) {}
  due(simNow: number): boolean {
    if (simNow < this.next) return false;
    this.next = Math.max(this.next + this.periodS, simNow);
    return true;
  }
}
