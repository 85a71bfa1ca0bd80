/**
 * The outgoing HL7 feed's queue on disk (DATA_DIR/hl7-out/queue): one file per message, named by
 * a sequence number, written to a temporary name, flushed to disk and renamed, so a message is
 * either wholly queued or not at all, across crashes and restarts. Messages leave in sequence
 * order and are removed only once the receiver has acknowledged them. Messages the receiver
 * rejects (AR, or AE repeatedly) are moved to DATA_DIR/hl7-out/rejected with the reason, kept
 * for someone to look at. The only loss is past `maxBytes` (oldest dropped, counted and logged).
 */
import fs from 'node:fs';
import path from 'node:path';

const NAME_RE = /^(\d{12})\.hl7$/;
const name = (seq: number) => `${String(seq).padStart(12, '0')}.hl7`;

export interface QueuedMessage {
  seq: number;
  text: string;
}

export class DiskQueue {
  private readonly dir: string;
  private readonly rejectedDir: string;
  private readonly seqs: number[] = [];
  private readonly sizes = new Map<number, number>();
  private nextSeq = 1;
  private totalBytes = 0;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    root: string,
    private readonly maxBytes = 1024 * 1024 * 1024,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.dir = path.join(root, 'queue');
    this.rejectedDir = path.join(root, 'rejected');
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of fs.readdirSync(this.dir)) {
      const m = NAME_RE.exec(f);
      if (!m) {
        if (f.endsWith('.tmp')) fs.rmSync(path.join(this.dir, f), { force: true }); // a write cut short
        continue;
      }
      const seq = Number(m[1]);
      const size = fs.statSync(path.join(this.dir, f)).size;
      this.seqs.push(seq);
      this.sizes.set(seq, size);
      this.totalBytes += size;
    }
    this.seqs.sort((a, b) => a - b);
    this.nextSeq = (this.seqs.at(-1) ?? 0) + 1;
    for (const f of fs.existsSync(this.rejectedDir) ? fs.readdirSync(this.rejectedDir) : []) {
      const m = NAME_RE.exec(f);
      if (m) this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
    }
  }

  get length(): number {
    return this.seqs.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The sequence number the next message will get. */
  get next(): number {
    return this.nextSeq;
  }

  /** Queues a message durably; returns its sequence number. */
  append(text: string): number {
    const seq = this.nextSeq++;
    const file = path.join(this.dir, name(seq));
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, text, null, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const size = Buffer.byteLength(text);
    this.seqs.push(seq);
    this.sizes.set(seq, size);
    this.totalBytes += size;
    while (this.totalBytes > this.maxBytes && this.seqs.length > 1) {
      const old = this.seqs[0];
      this.remove(old);
      this.dropped++;
      this.log(`hl7-out: queue over ${Math.round(this.maxBytes / 1048576)} MiB: dropped the oldest message (${name(old)})`);
    }
    return seq;
  }

  /** The oldest message, or null when the queue is empty. */
  peek(): QueuedMessage | null {
    for (;;) {
      const seq = this.seqs[0];
      if (seq === undefined) return null;
      try {
        return { seq, text: fs.readFileSync(path.join(this.dir, name(seq)), 'utf8') };
      } catch (e) {
        // Removed or unreadable behind our back: say so and go on with the next.
        this.log(`hl7-out: queued message ${name(seq)} cannot be read (${(e as Error).message}); skipped`);
        this.dropped++;
        this.remove(seq);
      }
    }
  }

  /** Removes an acknowledged message. */
  remove(seq: number): void {
    const i = this.seqs.indexOf(seq);
    if (i < 0) return;
    this.seqs.splice(i, 1);
    this.totalBytes -= this.sizes.get(seq) ?? 0;
    this.sizes.delete(seq);
    fs.rmSync(path.join(this.dir, name(seq)), { force: true });
  }

  /** Moves a message the receiver refused aside, with the reason next to it. */
  reject(seq: number, reason: string): void {
    fs.mkdirSync(this.rejectedDir, { recursive: true });
    const from = path.join(this.dir, name(seq));
    if (fs.existsSync(from)) fs.renameSync(from, path.join(this.rejectedDir, name(seq)));
    fs.writeFileSync(path.join(this.rejectedDir, `${name(seq)}.reason.txt`), `${reason}\n`);
    const i = this.seqs.indexOf(seq);
    if (i >= 0) this.seqs.splice(i, 1);
    this.totalBytes -= this.sizes.get(seq) ?? 0;
    this.sizes.delete(seq);
  }
}
