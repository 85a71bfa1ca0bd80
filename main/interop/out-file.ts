/**
 * Output files for exports: written under a temporary name beside the target and renamed
 * when complete (a failed export leaves nothing half-written), with bounded buffering.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { StoreError } from '../recorder/store';

const CHUNK = 1 << 18;

/** Refuses an existing output path (exports never overwrite). */
export function checkNewOutput(file: string): void {
  if (fs.existsSync(file)) throw new StoreError(`export: ${file} exists; remove it or choose another --out`, 'REC_EXISTS');
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new StoreError(`export: folder ${dir} does not exist`, 'REC_NOT_FOUND');
}

/** A file written synchronously through a small buffer; positioned writes allowed (headers fixed up at the end). */
export class OutFile {
  private readonly fd: number;
  private readonly tmp: string;
  private buf = Buffer.alloc(CHUNK);
  private used = 0;
  position = 0;

  constructor(readonly file: string) {
    checkNewOutput(file);
    this.tmp = `${file}.partial`;
    this.fd = fs.openSync(this.tmp, 'w');
  }

  write(b: Uint8Array | string): void {
    const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    if (this.used + data.length > this.buf.length) this.flush();
    if (data.length > this.buf.length) fs.writeSync(this.fd, data, 0, data.length, null);
    else {
      this.buf.set(data, this.used);
      this.used += data.length;
    }
    this.position += data.length;
  }

  flush(): void {
    if (this.used > 0) fs.writeSync(this.fd, this.buf, 0, this.used, null);
    this.used = 0;
  }

  /** Overwrites bytes already written (after a flush). */
  writeAt(offset: number, b: Uint8Array): void {
    this.flush();
    fs.writeSync(this.fd, b, 0, b.length, offset);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, this.file);
  }

  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** A gzip file written as one gzip member, compressing in chunks as they fill (memory stays bounded). */
export class GzipOutFile {
  private readonly out: OutFile;
  private readonly z = zlib.createGzip({ level: 6 });
  private pending: Buffer[] = [];
  private size = 0;
  private readonly done: Promise<void>;

  constructor(file: string) {
    this.out = new OutFile(file);
    this.z.on('data', (c: Buffer) => this.out.write(c));
    this.done = new Promise((resolve, reject) => {
      this.z.on('end', resolve);
      this.z.on('error', reject);
    });
  }

  /** Queues bytes; call `drain()` now and then to compress what is queued. */
  write(b: Buffer): void {
    this.pending.push(b);
    this.size += b.length;
  }

  get queued(): number {
    return this.size;
  }

  async drain(): Promise<void> {
    if (this.size === 0) return;
    const chunk = Buffer.concat(this.pending, this.size);
    this.pending = [];
    this.size = 0;
    await new Promise<void>((resolve, reject) => this.z.write(chunk, (e) => (e ? reject(e) : resolve())));
  }

  async close(): Promise<void> {
    await this.drain();
    this.z.end();
    await this.done;
    this.out.close();
  }

  abort(): void {
    this.z.destroy();
    this.out.abort();
  }
}
