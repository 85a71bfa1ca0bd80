/**
 * The hub's end of the device bus: one ROUTER socket that devices' DEALERs connect to
 * (docs/device-protocol.md §2), and one PULL socket for the data channel (§2.3) that devices'
 * PUSH sockets connect to. With `security: curve` every peer must complete the
 * CURVE handshake with the hub's key and be on the allow-list, checked by ZAP (§8);
 * `plain` is refused unless the endpoint is on loopback.
 * The only place (with device-client.ts and zap.ts) that touches zeromq for the bus.
 */
import { Pull, Router } from 'zeromq';
import { MAX_FRAME_BYTES } from '../common/wire';
import { DATA_ENVELOPE_BYTES, defaultDataEndpoint, parseTcpEndpoint, type DataOffer } from '../common/data-channel';
import { receiveUntilClosed } from './receive-loop';
import { SendQueue } from './send-queue';
import { registerZapDomain } from './zap';

export interface CurveServerKeys {
  /** Z85, 40 characters. */
  publicKey: string;
  secretKey: string;
}

export type BusSecurity =
  | { mode: 'plain' }
  | {
      mode: 'curve';
      keys: CurveServerKeys;
      /**
       * Decides whether a client key may connect; returns the enrolled device name, or null
       * to refuse. Called by the ZAP handler for every connection attempt.
       */
      authorise: (publicKey: string, address: string) => string | null;
      /** ZAP domain of this bus; unique per process. Default "or-hub" + a counter. */
      zapDomain?: string;
    };

export interface BusServerOptions {
  endpoint: string;
  /** Default plain (loopback only). */
  security?: BusSecurity;
  /** Messages larger than this make libzmq drop the connection (ZMQ_MAXMSGSIZE). Default 2 × MAX_FRAME_BYTES. */
  maxMessageBytes?: number;
  /** Frames queued per peer before libzmq stops reading that peer (ZMQ_RCVHWM, per pipe). Default 1000. */
  peerQueueFrames?: number;
  /** Where security events are logged (rate-limited per kind and peer). */
  log?: (line: string) => void;
  /**
   * The data channel's endpoint (§2.3); default: the control endpoint's TCP port + 1 (a wildcard
   * port stays a wildcard), `ipc://PATH.data`, `inproc://NAME.data`. false: no data channel
   * (devices send everything on the control socket). If it cannot be bound the bus runs without it.
   */
  dataEndpoint?: string | false;
}

/** One data-channel message: session token (16 bytes) and frame, as received. */
export type BusDataHandler = (msg: Buffer, parts: number) => void;

/** (peer routing id, first body part, number of body parts). */
export type BusMessageHandler = (peer: Buffer, bytes: Buffer, parts: number) => void;

/** True for ipc://, inproc:// and tcp:// on 127.0.0.0/8, ::1 or localhost. `tcp://*` is not loopback. */
export function isLoopbackEndpoint(ep: string): boolean {
  const tcp = parseTcpEndpoint(ep);
  if (!tcp) return ep.startsWith('ipc://') || ep.startsWith('inproc://');
  const host = tcp.host.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export class BusSecurityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusSecurityError';
  }
}

export interface BusStats {
  /** Messages received on the control socket (all peers). */
  received: number;
  /** Messages received on the data channel (all peers). */
  dataReceived: number;
  /** Receives that failed and were retried (EAGAIN from zeromq.js, or an error that was logged). */
  receiveRetries: number;
  /** Connection attempts refused by the allow-list (unknown CURVE key). */
  authDenied: number;
  /** Connection attempts admitted by the allow-list. */
  authAccepted: number;
  /** Handshakes that failed before authentication (e.g. a plain-text peer on a CURVE bus, bad crypto). */
  handshakeFailures: number;
  /** Connections accepted / closed at the transport level. */
  accepted: number;
  disconnected: number;
}

let zapCounter = 0;

export class BusServer {
  private readonly sock: Router;
  private dataSock: Pull | null = null;
  /** The data channel's endpoint as asked for (null: none). */
  private readonly dataEndpointWanted: string | null;
  private readonly queue: SendQueue;
  private unregisterZap: (() => void) | null = null;
  private readonly lastLog = new Map<string, number>();
  /** The endpoint actually bound (with the real port when the request said :0 or *). */
  endpoint = '';
  /** The data channel's bound endpoint, '' when there is none. */
  dataEndpoint = '';
  /** What HELLO_ACK tells devices about the data channel (null: no data channel). */
  dataOffer: Omit<DataOffer, 'session'> | null = null;
  readonly stats: BusStats = {
    received: 0,
    dataReceived: 0,
    receiveRetries: 0,
    authDenied: 0,
    authAccepted: 0,
    handshakeFailures: 0,
    accepted: 0,
    disconnected: 0,
  };
  /** Enrolled names of admitted keys, most recent last (diagnostics). */
  readonly admitted = new Map<string, number>();

  constructor(private readonly opts: BusServerOptions) {
    const security = opts.security ?? { mode: 'plain' };
    if (security.mode === 'plain' && !isLoopbackEndpoint(opts.endpoint)) {
      throw new BusSecurityError(`bus endpoint ${opts.endpoint} is off loopback: plain text is refused there; use CURVE (docs/device-protocol.md §8)`);
    }
    this.sock = new Router({
      linger: 0,
      mandatory: false,
      handover: true,
      receiveHighWaterMark: opts.peerQueueFrames ?? 1000,
      sendHighWaterMark: 1000,
      maxMessageSize: opts.maxMessageBytes ?? 2 * MAX_FRAME_BYTES,
    });
    if (security.mode === 'curve') {
      this.sock.curveServer = true;
      this.sock.curvePublicKey = security.keys.publicKey;
      this.sock.curveSecretKey = security.keys.secretKey;
      this.sock.zapDomain = security.zapDomain ?? `or-hub-${process.pid}-${++zapCounter}`;
      // Without a ZAP handler, refuse every peer rather than admit all (fail closed).
      this.sock.zapEnforceDomain = true;
    }
    const dataEp = opts.dataEndpoint === false ? null : (opts.dataEndpoint ?? defaultDataEndpoint(opts.endpoint));
    if (dataEp) {
      if (security.mode === 'plain' && !isLoopbackEndpoint(dataEp)) {
        throw new BusSecurityError(`bus data endpoint ${dataEp} is off loopback: plain text is refused there; use CURVE (docs/device-protocol.md §8)`);
      }
      this.dataSock = new Pull({
        linger: 0,
        receiveHighWaterMark: opts.peerQueueFrames ?? 1000,
        maxMessageSize: (opts.maxMessageBytes ?? 2 * MAX_FRAME_BYTES) + DATA_ENVELOPE_BYTES,
      });
      if (security.mode === 'curve') {
        this.dataSock.curveServer = true;
        this.dataSock.curvePublicKey = security.keys.publicKey;
        this.dataSock.curveSecretKey = security.keys.secretKey;
        this.dataSock.zapDomain = this.sock.zapDomain;
        this.dataSock.zapEnforceDomain = true;
      }
    }
    for (const ev of this.dataSock ? [this.sock.events, this.dataSock.events] : [this.sock.events]) this.observe(ev);
    this.queue = new SendQueue(this.sock, 50000);
    this.dataEndpointWanted = dataEp;
  }

  private observe(ev: Router['events'] | Pull['events']): void {
    ev.on('accept', () => this.stats.accepted++);
    ev.on('disconnect', () => this.stats.disconnected++);
    const hsFail = (kind: string) => (e: { address: string; error?: Error }) => {
      this.stats.handshakeFailures++;
      this.logOnce(`hs:${kind}`, `bus: ${kind} handshake failure on ${e.address}: ${e.error?.message ?? 'unknown'}`);
    };
    ev.on('handshake:error:protocol', hsFail('protocol'));
    ev.on('handshake:error:other', hsFail('other'));
  }

  get security(): 'plain' | 'curve' {
    return this.opts.security?.mode ?? 'plain';
  }

  private logOnce(key: string, line: string): void {
    const t = Date.now();
    if ((this.lastLog.get(key) ?? -Infinity) > t - 5000) return;
    if (this.lastLog.size > 1000) this.lastLog.clear();
    this.lastLog.set(key, t);
    this.opts.log?.(line);
  }

  async bind(): Promise<string> {
    const security = this.opts.security;
    if (security?.mode === 'curve') {
      this.unregisterZap = await registerZapDomain(this.sock.zapDomain!, (req) => {
        if (req.mechanism !== 'CURVE' || !req.publicKey) {
          this.stats.authDenied++;
          this.logOnce(`zap:${req.address}:${req.mechanism}`, `bus: refused ${req.mechanism} peer ${req.address}: CURVE required`);
          return { ok: false, reason: 'CURVE required' };
        }
        let name: string | null = null;
        try {
          name = security.authorise(req.publicKey, req.address);
        } catch (e) {
          this.logOnce('zap:error', `bus: allow-list unreadable: ${(e as Error).message}`);
        }
        if (name === null) {
          this.stats.authDenied++;
          this.logOnce(`zap:${req.address}:${req.publicKey}`, `bus: refused unknown device key ${req.publicKey} from ${req.address}`);
          return { ok: false, reason: 'key not enrolled' };
        }
        this.stats.authAccepted++;
        this.admitted.set(name, Date.now());
        return { ok: true, userId: name };
      });
    }
    try {
      await this.sock.bind(this.opts.endpoint);
    } catch (e) {
      this.unregisterZap?.();
      throw e;
    }
    this.endpoint = this.sock.lastEndpoint ?? this.opts.endpoint;
    if (this.dataSock) {
      const wanted = this.dataEndpointWanted!;
      try {
        await this.dataSock.bind(wanted);
        this.dataEndpoint = this.dataSock.lastEndpoint ?? wanted;
        const tcp = parseTcpEndpoint(this.dataEndpoint);
        this.dataOffer = tcp ? { port: Number(tcp.port) } : { endpoint: this.dataEndpoint };
      } catch (e) {
        // Devices then send everything on the control socket (protocol v1 behaviour).
        this.opts.log?.(`bus: data channel ${wanted} not bound (${(e as Error).message}); devices will send data on the control socket`);
        this.dataSock.close();
        this.dataSock = null;
      }
    }
    return this.endpoint;
  }

  /** Receives on the control socket until closed; the handler runs synchronously for each message. */
  run(handler: BusMessageHandler): Promise<void> {
    return this.receiveLoop(this.sock, (parts) => {
      this.stats.received++;
      // ROUTER gives [peer routing id, body...]; the hub judges multipart bodies as malformed.
      if (parts.length >= 2) handler(parts[0], parts[1], parts.length - 1);
    });
  }

  /** Receives data-channel messages until closed; the handler runs synchronously for each. */
  runData(handler: BusDataHandler): Promise<void> {
    if (!this.dataSock) return Promise.resolve();
    return this.receiveLoop(this.dataSock, (parts) => {
      this.stats.dataReceived++;
      handler(parts[0], parts.length);
    });
  }

  /** Receives on both sockets until closed: control messages to `onMessage`, data-channel messages to `onData`. */
  serve(target: { onMessage: BusMessageHandler; onData: BusDataHandler }): Promise<void> {
    return Promise.all([this.run((p, b, n) => target.onMessage(p, b, n)), this.runData((m, n) => target.onData(m, n))]).then(() => undefined);
  }

  /**
   * Receives until the socket is closed, and only then ends: a failed receive never ends it (nor
   * the hub). Transient rejections (receive-loop.ts) and anything else are counted in
   * `receiveRetries`; anything else is also logged (rate-limited) and retried after 10 ms.
   */
  private receiveLoop(sock: Router | Pull, onParts: (parts: Buffer[]) => void): Promise<void> {
    return receiveUntilClosed(sock, onParts, async (e, transient) => {
      this.stats.receiveRetries++;
      if (!transient) {
        this.logOnce(`recv:${(e as NodeJS.ErrnoException).code}`, `bus: receive failed (${e.message}); receiving again`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return true;
    });
  }

  send(peer: Buffer, bytes: Uint8Array): void {
    this.queue.push([peer, bytes]);
  }

  close(): void {
    if (!this.sock.closed) this.sock.close();
    if (this.dataSock && !this.dataSock.closed) this.dataSock.close();
    this.unregisterZap?.();
    this.unregisterZap = null;
  }
}
