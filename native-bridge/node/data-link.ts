/**
 * The device end of the data channel (docs/device-protocol.md §2.3, §2.4): the PUSH socket, its
 * queue and this session's token, and the switch of data frames from the control socket to it.
 * With a hub that offers the acknowledged switch (`"switch": 1`), data waits here after a
 * DATA_SWITCH until the hub's DATA_SWITCH_ACK says everything sent on the control socket is in;
 * with an older hub, data switches once nothing waits on the control socket (version 1 behaviour).
 */
import { Push } from 'zeromq';
import { dataEndpointFor, hexToToken, parseDataOffer, sealData, type DataOffer } from '../common/data-channel';
import { SendQueue } from './send-queue';

type SwitchState = 'control' | 'switching' | 'data';

/** A DATA_SWITCH not acknowledged this long is sent again (the hub may have restarted), ms. */
const SWITCH_RETRY_MS = 1000;

export interface DataLinkHost {
  /** Makes a PUSH socket with the device's options and keys (not connected yet: its events are watched first). */
  openSocket(): Push;
  /** Frames waiting on the control socket's queue. */
  controlQueued(): number;
  /** Puts a frame on the control socket's queue. */
  toControl(bytes: Uint8Array): void;
  /** Sends a DATA_SWITCH on the control socket. */
  sendSwitch(): void;
  emit(event: 'data-channel', state: 'up' | 'down' | 'switched'): void;
}

export class DataLink {
  private sock: Push | null = null;
  private queue: SendQueue | null = null;
  private endpoint = '';
  private token: Uint8Array | null = null;
  /** The hub's acknowledged-switch version (0: an older hub). */
  private switchVersion = 0;
  private up = false;
  private state: SwitchState = 'control';
  /** Data frames that came while the switch waits for its acknowledgement. */
  private held: Uint8Array[] = [];
  private switchSentMs = 0;
  /** Held frames dropped because too many were waiting. */
  heldDropped = 0;

  constructor(
    private readonly host: DataLinkHost,
    private readonly controlEndpoint: string,
    private readonly explicitEndpoint: string | undefined,
    private readonly maxQueued: number,
  ) {}

  /** True when data frames leave through the data channel. */
  get active(): boolean {
    return this.state === 'data' && this.token !== null;
  }

  get queued(): number {
    return (this.queue?.length ?? 0) + this.held.length;
  }

  get dropped(): number {
    return (this.queue?.dropped ?? 0) + this.heldDropped;
  }

  /** A data frame: false when it is not taken here (it goes on the control socket). */
  route(bytes: Uint8Array): boolean {
    if (!this.token || !this.queue) return false;
    if (this.state === 'control' && this.up) {
      if (this.switchVersion >= 1) this.beginSwitch();
      else if (this.host.controlQueued() === 0) this.switched();
    }
    if (this.state === 'data') {
      this.queue.push(sealData(this.token, bytes));
      return true;
    }
    if (this.state === 'switching') {
      if (performance.now() - this.switchSentMs > SWITCH_RETRY_MS) this.resendSwitch();
      if (this.held.length >= this.maxQueued) {
        this.held.shift();
        this.heldDropped++;
      }
      this.held.push(bytes);
      return true;
    }
    return false;
  }

  private beginSwitch(): void {
    this.state = 'switching';
    this.resendSwitch();
  }

  private resendSwitch(): void {
    this.switchSentMs = performance.now();
    this.host.sendSwitch();
  }

  /** DATA_SWITCH_ACK from the hub: the control socket's frames are in; data goes to the data channel now. */
  acknowledged(): void {
    if (this.state === 'switching') this.switched();
  }

  private switched(): void {
    this.state = 'data';
    const held = this.held;
    this.held = [];
    for (const b of held) this.queue!.push(sealData(this.token!, b));
    this.host.emit('data-channel', 'switched');
  }

  /** Frames held for a switch go out on the control socket instead (nothing of theirs went to the data channel yet). */
  private giveBack(): void {
    const held = this.held;
    this.held = [];
    if (this.state === 'switching') this.state = 'control';
    for (const b of held) this.host.toControl(b);
  }

  /** The hub's HELLO_ACK: connect to its data channel (once) and use this session's token. */
  offer(ackJson: string): void {
    const offer: DataOffer | null = parseDataOffer(ackJson);
    const ep = offer && (this.explicitEndpoint ?? dataEndpointFor(this.controlEndpoint, offer));
    if (!offer || !ep) {
      // No data channel (any more), or one this device cannot reach: everything on the control socket.
      this.token = null;
      this.giveBack();
      return;
    }
    this.token = hexToToken(offer.session);
    this.switchVersion = offer.switch ?? 0;
    // A switch in progress is asked again of this (perhaps new) hub.
    if (this.state === 'switching') this.resendSwitch();
    if (this.sock && this.endpoint === ep) return;
    this.close();
    const sock = this.host.openSocket();
    sock.events.on('handshake', () => {
      this.up = true;
      this.host.emit('data-channel', 'up');
    });
    sock.events.on('disconnect', () => this.host.emit('data-channel', 'down'));
    // A refused key (revoked): give up this socket; the next HELLO_ACK makes a new one.
    sock.events.on('handshake:error:auth', () => this.close());
    sock.connect(ep);
    this.sock = sock;
    this.endpoint = ep;
    this.queue = new SendQueue(sock, this.maxQueued);
  }

  /** Raw bytes on the data channel with this session's token (tests). False when there is none. */
  sendRaw(bytes: Uint8Array): boolean {
    if (!this.queue || !this.token) return false;
    this.queue.push(sealData(this.token, bytes));
    return true;
  }

  /** Stops using the data channel: frames held for a switch go on the control socket. */
  close(): void {
    this.giveBack();
    this.up = false;
    this.state = 'control';
    if (this.sock && !this.sock.closed) this.sock.close();
    this.sock = null;
    this.queue = null;
    this.endpoint = '';
  }
}
