/**
 * Cuts an OpenIGTLink byte stream (TCP) into messages: 58-byte header, then exactly the body
 * it declares. A header that cannot be read (bad version, type name) or that declares a body
 * above the limit leaves no way to find the next message: the framer reports a fatal error
 * and the connection must close. A bad CRC or a body that does not decode costs only that
 * message. Bodies of types OR Hub does not map (IMAGE, VIDEO…) are skipped without buffering.
 * Never throws on hostile input.
 */
import { IGTL_HEADER_BYTES, decodeHeader, type IgtlHeader } from '../../../common/openigtlink/header';
import { decodeBody, igtlTypeClass, type IgtlMessage } from '../../../common/openigtlink/messages';
import type { IgtlError } from '../../../common/openigtlink/errors';

export interface FramerOptions {
  /** Largest body of a mapped type, bytes (default 256 KiB: TDATA of 3,700 tools). */
  maxBodyBytes?: number;
}

export interface FramerSink {
  message(m: IgtlMessage): void;
  /** A message refused; `fatal`: the stream cannot be followed any further (close the connection). */
  error(e: IgtlError, fatal: boolean, header?: IgtlHeader): void;
}

export class IgtlFramer {
  private readonly maxBody: number;
  private head = Buffer.alloc(0);
  private header: IgtlHeader | null = null;
  private body: Buffer | null = null;
  private filled = 0;
  /** Body bytes still to skip (an unmapped type). */
  private skip = 0;
  private dead = false;
  /** Messages completed (decoded or refused) so far. */
  done = 0;

  constructor(
    private readonly sink: FramerSink,
    opts: FramerOptions = {},
  ) {
    this.maxBody = opts.maxBodyBytes ?? 256 * 1024;
  }

  /** True while a message has begun but not ended (what a slow sender leaves behind). */
  get midMessage(): boolean {
    return this.head.length > 0 || this.header !== null || this.skip > 0;
  }

  /** Feeds bytes in arrival order. Returns false once the stream is fatally broken. */
  push(chunk: Buffer): boolean {
    let off = 0;
    while (!this.dead && off < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      if (!this.header) {
        const need = IGTL_HEADER_BYTES - this.head.length;
        const take = chunk.subarray(off, off + need);
        off += take.length;
        this.head = this.head.length ? Buffer.concat([this.head, take]) : Buffer.from(take);
        if (this.head.length < IGTL_HEADER_BYTES) break;
        const h = decodeHeader(this.head);
        this.head = Buffer.alloc(0);
        if (!h.ok) {
          this.fatal(h.error);
          break;
        }
        const hd = h.header;
        const kind = igtlTypeClass(hd.type);
        if (kind !== 'mapped') {
          // Counted, not buffered: an image stream next to the tracking data costs nothing.
          this.skip = hd.bodySize;
          this.done++;
          this.sink.error(
            {
              code: kind === 'unmapped' ? 'IGTL_UNSUPPORTED_TYPE' : 'IGTL_UNKNOWN_TYPE',
              message: `${hd.type} from "${hd.deviceName}" is not mapped (${hd.bodySize} bytes skipped)`,
            },
            false,
            hd,
          );
          continue;
        }
        if (hd.bodySize > this.maxBody) {
          this.fatal({ code: 'IGTL_BODY_TOO_LARGE', message: `${hd.type} declares a body of ${hd.bodySize} bytes (limit ${this.maxBody})` }, hd);
          break;
        }
        this.header = hd;
        this.body = Buffer.allocUnsafe(hd.bodySize);
        this.filled = 0;
      }
      const body = this.body!;
      const n = Math.min(body.length - this.filled, chunk.length - off);
      chunk.copy(body, this.filled, off, off + n);
      this.filled += n;
      off += n;
      if (this.filled === body.length) {
        const hd = this.header!;
        this.header = null;
        this.body = null;
        this.done++;
        const r = decodeBody(hd, body);
        if (r.ok) this.sink.message(r.message);
        else this.sink.error(r.error, false, hd);
      }
    }
    return !this.dead;
  }

  /** The connection ended: a message cut short is reported. */
  end(): void {
    if (this.dead || !this.midMessage) return;
    const e: IgtlError =
      this.header || this.skip
        ? { code: 'IGTL_TRUNCATED_BODY', message: 'connection closed inside a message body' }
        : { code: 'IGTL_TRUNCATED_HEADER', message: `connection closed after ${this.head.length} header bytes` };
    this.sink.error(e, true, this.header ?? undefined);
    this.dead = true;
  }

  private fatal(e: IgtlError, h?: IgtlHeader): void {
    this.dead = true;
    this.sink.error(e, true, h);
  }
}
