/**
 * The hub's end of the device bus: one ROUTER socket that devices' DEALERs connect to.
 * The only place (with device-client.ts) that touches zeromq.
 */
import { Router } from 'zeromq';
import { SendQueue } from './send-queue';

export interface CurveServerKeys {
  publicKey: string;
  secretKey: string;
}

export interface BusServerOptions {
  endpoint: string;
  /** CURVE server keys; when set, every peer must do the CURVE handshake. */
  curve?: CurveServerKeys;
  /** ZAP domain (with `curve`, peers are authenticated by the ZAP handler). */
  zapDomain?: string;
}

export type BusMessageHandler = (peer: Buffer, bytes: Buffer) => void;

export class BusServer {
  private readonly sock: Router;
  private readonly queue: SendQueue;
  /** The endpoint actually bound (with the real port when the request said :0 or *). */
  endpoint = '';
  received = 0;

  constructor(private readonly opts: BusServerOptions) {
    this.sock = new Router({ linger: 0, mandatory: false, receiveHighWaterMark: 100000, sendHighWaterMark: 10000 });
    if (opts.curve) {
      this.sock.curveServer = true;
      this.sock.curvePublicKey = opts.curve.publicKey;
      this.sock.curveSecretKey = opts.curve.secretKey;
      this.sock.zapDomain = opts.zapDomain ?? 'or-hub';
    }
    this.queue = new SendQueue(this.sock, 50000);
  }

  async bind(): Promise<string> {
    await this.sock.bind(this.opts.endpoint);
    this.endpoint = this.sock.lastEndpoint ?? this.opts.endpoint;
    return this.endpoint;
  }

  /** Receives until closed; the handler runs synchronously for each message. */
  async run(handler: BusMessageHandler): Promise<void> {
    try {
      for await (const parts of this.sock) {
        this.received++;
        // ROUTER gives [peer routing id, body]; a device sending multipart is malformed: pass the first body part and let the codec judge.
        if (parts.length < 2) continue;
        handler(parts[0], parts[1]);
      }
    } catch (e) {
      if (!this.sock.closed) throw e;
    }
  }

  send(peer: Buffer, bytes: Uint8Array): void {
    this.queue.push([peer, bytes]);
  }

  close(): void {
    if (!this.sock.closed) this.sock.close();
  }
}
