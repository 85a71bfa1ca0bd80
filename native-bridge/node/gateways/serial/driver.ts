/**
 * The serial driver interface: what one device model needs to come onto the bus through the
 * serial gateway (gateway.ts). Bytes in → the driver's pure decoder (native-bridge/common/) →
 * decoded messages → the driver's session maps them onto its declared bus channels.
 * Adding a driver: docs/gateways.md, "How to add the next driver".
 */
import type { ChannelDescriptor, DeviceKind } from '../../../common/descriptor';
import type { StreamDecoder } from '../../../common/stream-decoder';
import type { DeviceClient } from '../../device-client';

/** Line settings of a serial port (what `serialport` takes). */
export interface SerialPortSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
  /** RTS/CTS hardware flow control. */
  rtscts?: boolean;
}

/** What a driver may send onto the bus: the data methods of the device SDK. */
export type BusOutput = Pick<DeviceClient, 'sendWave' | 'sendNumerics' | 'sendSetting' | 'sendAlarm' | 'sendEvent'>;

/** One device's mapping state: made once per gateway, fed every decoded message. */
export interface DriverSession<M> {
  /** A decoded message; `tMs` is the gateway's clock (the bus device clock) when its last byte arrived. */
  onMessage(m: M, tMs: number): void;
  /** The stream broke (port lost) or went quiet: the next message starts afresh (wave timing re-anchored, state re-sent). */
  onStreamBreak(tMs: number): void;
  /** The hub (re)accepted the device: send settings and texts again (docs/device-protocol.md §3.7). */
  onAccepted(tMs: number): void;
}

export interface SerialDriver<M = unknown> {
  /** The --driver name, [a-z0-9-]+. */
  name: string;
  /** One line for --help. */
  summary: string;
  kind: DeviceKind;
  manufacturer: string;
  model: string;
  /** The device's line settings (--baud overrides the rate). */
  port: SerialPortSettings;
  channels: readonly ChannelDescriptor[];
  /** Silence (ms without a byte) after which the stream counts as broken. */
  quietMs: number;
  createDecoder(): StreamDecoder<M>;
  createSession(out: BusOutput): DriverSession<M>;
}

/**
 * Device times for waveform blocks that carry no time of their own: a block of `count` samples
 * that arrived at `arrivalMs` started `count / rateHz` before it; consecutive blocks follow on
 * sample-exactly (the hub sees no gaps from arrival jitter) until they drift more than
 * `maxSlipMs` from arrival, or after a break, when the timing re-anchors on arrival.
 */
export class BlockClock {
  private next = new Map<number, number>();
  constructor(private readonly maxSlipMs = 500) {}

  t0(channel: number, arrivalMs: number, count: number, rateHz: number): number {
    const dur = (count * 1000) / rateHz;
    const anchored = arrivalMs - dur;
    const chained = this.next.get(channel);
    const t0 = chained !== undefined && Math.abs(chained - anchored) <= this.maxSlipMs ? chained : anchored;
    this.next.set(channel, t0 + dur);
    return t0;
  }

  reset(): void {
    this.next.clear();
  }
}
