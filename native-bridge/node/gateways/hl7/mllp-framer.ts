/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol, HL7 v2.6 Appendix C): each message is
 * <VT> message <FS><CR>. An explicit state machine over a byte stream that never throws on
 * hostile input and never buffers without bound: bytes outside a frame are junk (counted; a
 * burst of junk ends the connection), a frame longer than the limit ends the connection, and a
 * start block inside a frame drops the unfinished frame. Blank lines (CR/LF) between frames are
 * allowed, as many senders write them.
 *
 * @medplum/hl7's Hl7Connection frames only when a TCP chunk happens to end in FS CR (so two
 * messages in one chunk are parsed as one, and a stream without FS grows its buffer forever),
 * which is why the listener frames here and leaves parsing to @medplum/core (docs/gateways.md).
 */

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;
const LF = 0x0a;

/** Stable codes of the framing errors (counted by the listener, named in its log). */
export type MllpErrorCode = 'HL7_MLLP_JUNK' | 'HL7_MLLP_OVERSIZE' | 'HL7_MLLP_UNTERMINATED';

export interface MllpError {
  code: MllpErrorCode;
  detail: string;
  /** The connection must be closed (the stream can no longer be trusted). */
  fatal: boolean;
}

export interface MllpFramerOptions {
  /** Largest message accepted, bytes. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Junk bytes between frames tolerated in a row before the connection is refused. Default 256. */
  maxJunkBytes?: number;
}

export class MllpFramer {
  private readonly maxFrame: number;
  private readonly maxJunk: number;
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private junk = 0;

  constructor(
    private readonly onFrame: (message: Buffer) => void,
    private readonly onError: (e: MllpError) => void,
    opts: MllpFramerOptions = {},
  ) {
    this.maxFrame = opts.maxFrameBytes ?? 1024 * 1024;
    this.maxJunk = opts.maxJunkBytes ?? 256;
  }

  /** True while a frame has started but not ended (a sender that stops here is slow or gone). */
  get partial(): boolean {
    return this.inFrame;
  }

  /** Feeds bytes; returns false once a fatal error has been reported (feed no more). */
  push(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const b = chunk[i++];
        if (b === VT) {
          this.inFrame = true;
          this.junk = 0;
          continue;
        }
        if (b === CR || b === LF) continue;
        if (++this.junk > this.maxJunk) {
          this.onError({ code: 'HL7_MLLP_JUNK', detail: `more than ${this.maxJunk} bytes outside an MLLP frame (no <VT> start block)`, fatal: true });
          return false;
        }
        continue;
      }
      const fs = chunk.indexOf(FS, i);
      const vt = chunk.indexOf(VT, i);
      if (vt >= 0 && (fs < 0 || vt < fs)) {
        const detail = `a start block arrived inside a frame of ${this.size + vt - i} bytes: the unfinished frame is dropped`;
        this.onError({ code: 'HL7_MLLP_UNTERMINATED', detail, fatal: false });
        this.reset();
        this.inFrame = true;
        i = vt + 1;
        continue;
      }
      const end = fs < 0 ? chunk.length : fs;
      if (this.size + end - i > this.maxFrame) {
        this.onError({ code: 'HL7_MLLP_OVERSIZE', detail: `a frame longer than ${this.maxFrame} bytes`, fatal: true });
        this.reset();
        return false;
      }
      if (end > i) {
        this.parts.push(chunk.subarray(i, end));
        this.size += end - i;
      }
      if (fs < 0) return true;
      // FS ends the frame at once (its CR, between frames, is skipped like a blank line).
      i = fs + 1;
      this.finish();
    }
    return true;
  }

  private finish(): void {
    const msg = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    this.reset();
    this.onFrame(msg);
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
  }
}
