/**
 * Test support (imported by *.test.ts and the benchmark only): PCD-01 reports as monitor gateways
 * send them, and a minimal MLLP peer over a real socket.
 */
import net from 'node:net';

/** A PCD-01 report as monitor gateways send it (one line per segment). */
export function report(opts: { id?: string; loc?: string; obx?: string[]; msh7?: string; type?: string; version?: string; device?: string } = {}): string {
  const msh7 = opts.msh7 ?? '20260412083015.000+0000';
  return [
    `MSH|^~\\&|MONGW^ACME|ICU|ORHUB|HOSP|${msh7}||${opts.type ?? 'ORU^R01^ORU_R01'}|${opts.id ?? 'M1'}|P|${opts.version ?? '2.6'}|||NE|AL||UNICODE UTF-8`,
    'PID|||MRN1^^^HOSP^MR||Doe^Jane',
    `PV1||I|${opts.loc ?? 'OR^OR3^1^HOSP'}`,
    'OBR|1|||182777000^monitoring of patient^SCT|||20260412083014.000+0000',
    `OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${opts.device ?? 'ACME-MON-0042'}^^0012AB0000000042^EUI-64`,
    ...(opts.obx ?? [
      'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20260412083013.500+0000',
      'OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97.5|262688^MDC_DIM_PERCENT^MDC|||||R|||20260412083013.750+0000',
      'OBX|4|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.3.1.1|121|mm[Hg]^mm[Hg]^UCUM|||||R',
    ]),
  ].join('\r');
}

/** An MLLP frame around a message. */
export function frame(text: string | Buffer): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return Buffer.concat([Buffer.from([0x0b]), body, Buffer.from([0x1c, 0x0d])]);
}

/** An MLLP connection that collects the ACKs it receives (as text) and whether the peer closed it. */
export class MllpPeer {
  readonly acks: string[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (let end = this.buf.indexOf(0x1c); end >= 0; end = this.buf.indexOf(0x1c)) {
        const start = this.buf.indexOf(0x0b);
        this.acks.push(this.buf.subarray(start + 1, end).toString('utf8'));
        this.buf = this.buf.subarray(end + 2);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  static connect(port: number): Promise<MllpPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new MllpPeer(s)));
      s.once('error', reject);
    });
  }
  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }
  /** Waits until `n` ACKs have arrived or the connection closed (or timeoutMs passed). */
  async waitAcks(n: number, timeoutMs = 5000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    while (this.acks.length < n && !this.closed && Date.now() < end) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.acks;
  }
  /** Sends one message and resolves with its ACK. */
  async exchange(text: string, timeoutMs = 5000): Promise<string> {
    const n = this.acks.length;
    this.write(frame(text));
    await this.waitAcks(n + 1, timeoutMs);
    if (this.acks.length <= n) throw new Error(this.closed ? 'connection closed without an ACK' : 'no ACK in time');
    return this.acks[n];
  }
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }
  close(): void {
    this.socket.destroy();
  }
}

/** The acknowledgement code (MSA-1) of an ACK. */
export const ackCode = (ack: string): string => /\rMSA\|([A-Z]{2})\|/.exec(ack)?.[1] ?? '?';
