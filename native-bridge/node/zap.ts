/**
 * ZAP (ZeroMQ RFC 27) handler: libzmq asks it, over inproc://zeromq.zap.01 on the same
 * context, whether a peer that completed the CURVE handshake may connect. One handler
 * serves the whole process; each bus registers an authoriser for its ZAP domain.
 * The handler runs only while some domain is registered: CURVE servers set
 * ZMQ_ZAP_ENFORCE_DOMAIN, so with no handler they refuse every peer (fail closed).
 */
import { Router } from 'zeromq';
import { z85Encode } from '../common/z85';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapRequest {
  domain: string;
  /** Peer IP address as libzmq reports it. */
  address: string;
  mechanism: 'NULL' | 'PLAIN' | 'CURVE' | string;
  /** CURVE: the client's long-term public key, Z85. */
  publicKey: string | null;
}

export type ZapVerdict = { ok: true; userId: string } | { ok: false; reason: string };
export type ZapAuthoriser = (req: ZapRequest) => ZapVerdict;

class ZapHandler {
  private sock: Router | null = null;
  private starting: Promise<void> | null = null;
  private readonly domains = new Map<string, ZapAuthoriser>();

  async register(domain: string, auth: ZapAuthoriser): Promise<() => void> {
    if (this.domains.has(domain)) throw new Error(`ZAP domain "${domain}" is already registered in this process`);
    this.domains.set(domain, auth);
    try {
      await this.ensureRunning();
    } catch (e) {
      this.domains.delete(domain);
      throw e;
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.domains.delete(domain);
      if (this.domains.size === 0) this.stop();
    };
  }

  private ensureRunning(): Promise<void> {
    if (this.sock && !this.sock.closed) return this.starting ?? Promise.resolve();
    const sock = new Router({ linger: 0 });
    this.sock = sock;
    this.starting = sock.bind(ZAP_ENDPOINT).then(() => {
      void this.loop(sock);
    });
    return this.starting;
  }

  private stop(): void {
    const s = this.sock;
    this.sock = null;
    this.starting = null;
    if (s && !s.closed) s.close();
  }

  private async loop(sock: Router): Promise<void> {
    try {
      for await (const msg of sock) {
        await sock.send(this.reply(msg));
      }
    } catch {
      // closed
    }
  }

  private reply(msg: Buffer[]): (Buffer | string)[] {
    const [route, delim, version, id, domain, address, , mechanism, ...cred] = msg;
    const head = [route ?? '', delim ?? '', '1.0', id ?? ''];
    if (!version || version.toString() !== '1.0' || msg.length < 8) return [...head, '500', 'bad ZAP request', '', ''];
    const auth = this.domains.get(domain.toString());
    if (!auth) return [...head, '400', 'unknown ZAP domain', '', ''];
    const mech = mechanism.toString();
    const publicKey = mech === 'CURVE' && cred[0]?.length === 32 ? z85Encode(new Uint8Array(cred[0])) : null;
    let v: ZapVerdict;
    try {
      v = auth({ domain: domain.toString(), address: address.toString(), mechanism: mech, publicKey });
    } catch (e) {
      v = { ok: false, reason: `authoriser failed: ${(e as Error).message}` };
    }
    return v.ok ? [...head, '200', 'OK', v.userId, ''] : [...head, '400', v.reason.slice(0, 200), '', ''];
  }
}

let shared: ZapHandler | null = null;

/** Registers `auth` for ZAP `domain` in this process; call the returned function to unregister. */
export function registerZapDomain(domain: string, auth: ZapAuthoriser): Promise<() => void> {
  shared ??= new ZapHandler();
  return shared.register(domain, auth);
}
