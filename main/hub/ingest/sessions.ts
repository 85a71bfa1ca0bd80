/**
 * Device sessions (docs/device-protocol.md §3, §2.3): which peer (ZeroMQ routing id) speaks
 * for which device, each device session's data-channel token, the hub-wide stream ids of
 * device channels, and the admission limits (devices, streams, HELLOs per peer).
 */
import { randomFillSync } from 'node:crypto';
import type { ChannelDescriptor, DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { DATA_ENVELOPE_BYTES, envelopeMatches, envelopeSlot } from '../../../native-bridge/common/data-channel';
import type { IngestDevice } from './device';
import { Bucket } from './flood';

/** Stream ids are u16 on the display's binary frames. */
const MAX_STREAMS = 65535;
/** HELLOs a peer may send per second (burst 10): a peer hopping identities cannot reset its budgets. */
const HELLOS_PER_S = 2;
const HELLO_BURST = 10;
/** HELLO_REQUIRED is sent to one unknown peer at most this often, ms. */
const HELLO_REQUIRED_EVERY_MS = 500;

/** A data-channel token: the slot (u32 little endian), then 12 random bytes. */
function newDataToken(slot: number): Uint8Array {
  const tok = new Uint8Array(DATA_ENVELOPE_BYTES);
  new DataView(tok.buffer).setUint32(0, slot, true);
  randomFillSync(tok, 4);
  return tok;
}

/** Who a device is and which link speaks for it now. */
export class DeviceSession {
  desc!: DeviceDescriptor;
  channels!: Map<number, ChannelDescriptor>;
  /** The device declares waveform or pose channels (liveness expects data from it). */
  sendsData = false;
  /** Hub-wide id per channel index. */
  readonly streamIds = new Map<number, number>();
  peerKey: string | null;
  peer: Buffer | null;
  lastHelloHubMs: number;
  /** Data-channel session token (§2.3): slot + 12 random bytes, new per device session; null when the session ended. */
  dataToken: Uint8Array | null;
  /** CURVE bus: the device key this session's HELLO proved (§8.3); null on a plain bus. */
  key: string | null = null;

  constructor(
    desc: DeviceDescriptor,
    peer: Buffer,
    peerKey: string,
    t: number,
    /** Index of this device in the hub's data-channel table (first 4 bytes of its token). */
    readonly dataSlot: number,
  ) {
    this.describe(desc);
    this.peer = peer;
    this.peerKey = peerKey;
    this.lastHelloHubMs = t;
    this.dataToken = newDataToken(dataSlot);
  }

  describe(desc: DeviceDescriptor): void {
    this.desc = desc;
    this.channels = new Map(desc.channels.map((c) => [c.index, c]));
    this.sendsData = desc.channels.some((c) => c.kind === 'wave' || c.kind === 'pose');
  }

  renewToken(): void {
    this.dataToken = newDataToken(this.dataSlot);
  }

  /** Its link now speaks for another device (or for nobody): no peer, no data channel. */
  unlink(): void {
    this.peer = null;
    this.peerKey = null;
    this.dataToken = null;
  }
}

export class Sessions {
  readonly devices = new Map<string, IngestDevice>();
  /** deviceId by peer key (the routing id as latin1). */
  private readonly peers = new Map<string, string>();
  /** Devices by data-channel slot. */
  private readonly slots: IngestDevice[] = [];
  private readonly streamIds = new Map<string, number>();
  private nextStreamId = 1;
  private readonly helloRequiredSent = new Map<string, number>();
  private readonly helloBuckets = new Map<string, Bucket>();

  constructor(private readonly maxDevices: number) {}

  byPeer(peerKey: string): IngestDevice | undefined {
    const id = this.peers.get(peerKey);
    return id === undefined ? undefined : this.devices.get(id);
  }

  /** The device whose current session token opens `msg` (at least DATA_ENVELOPE_BYTES long). */
  byData(msg: Uint8Array): IngestDevice | undefined {
    const dev = this.slots[envelopeSlot(msg)] as IngestDevice | undefined;
    const token = dev?.session.dataToken;
    return dev && token && envelopeMatches(msg, token) ? dev : undefined;
  }

  /** Whether an unknown peer should be told HELLO_REQUIRED now (at most twice a second). */
  tellHelloRequired(peerKey: string, t: number): boolean {
    if (t - (this.helloRequiredSent.get(peerKey) ?? -Infinity) <= HELLO_REQUIRED_EVERY_MS) return false;
    this.helloRequiredSent.set(peerKey, t);
    return true;
  }

  /** Takes one HELLO from the peer's budget; false: over it. */
  takeHello(peerKey: string, t: number): boolean {
    let b = this.helloBuckets.get(peerKey);
    if (!b) {
      if (this.helloBuckets.size > 10_000) this.helloBuckets.clear();
      this.helloBuckets.set(peerKey, (b = new Bucket(HELLOS_PER_S, HELLO_BURST, t)));
    }
    return b.take(1, t);
  }

  /** Why a new device cannot be admitted, or null when it can. */
  refusal(desc: DeviceDescriptor): string | null {
    const newStreams = desc.channels.filter((c) => !this.streamIds.has(`${desc.deviceId}\u0000${c.index}`)).length;
    if (this.devices.size < this.maxDevices && this.nextStreamId + newStreams <= MAX_STREAMS) return null;
    return `hub holds ${this.devices.size} devices and ${this.nextStreamId - 1} streams already`;
  }

  get nextSlot(): number {
    return this.slots.length;
  }

  add(dev: IngestDevice): void {
    this.slots[dev.session.dataSlot] = dev;
    this.devices.set(dev.id, dev);
  }

  /** `dev`'s link speaks for nobody any more (its key was revoked): its peer is unknown from now on. */
  release(dev: IngestDevice): void {
    const k = dev.session.peerKey;
    if (k !== null && this.peers.get(k) === dev.id) this.peers.delete(k);
    dev.session.unlink();
  }

  /** `peerKey` speaks for `dev` from now on (the peer it had before no longer does). */
  bind(dev: IngestDevice, peerKey: string): void {
    const s = dev.session;
    if (s.peerKey && s.peerKey !== peerKey) this.peers.delete(s.peerKey);
    this.peers.set(peerKey, dev.id);
    this.helloRequiredSent.delete(peerKey);
    for (const c of s.desc.channels) s.streamIds.set(c.index, this.streamId(dev.id, c.index));
  }

  /** Hub-wide id of a device channel, stable for the life of the hub. */
  private streamId(deviceId: string, index: number): number {
    const key = `${deviceId}\u0000${index}`;
    let id = this.streamIds.get(key);
    if (id === undefined) {
      id = this.nextStreamId++;
      this.streamIds.set(key, id);
    }
    return id;
  }

  /** Forgets old HELLO_REQUIRED times (every tick) and idle HELLO budgets (`full`: once a second). */
  sweep(t: number, full: boolean): void {
    if (this.helloRequiredSent.size > 0) for (const [k, at] of this.helloRequiredSent) if (t - at > 10_000) this.helloRequiredSent.delete(k);
    if (full) for (const [k, b] of this.helloBuckets) if (t - b.last > 60_000) this.helloBuckets.delete(k);
  }
}
