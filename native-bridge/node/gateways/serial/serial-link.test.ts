/** The serial adapter on a real socat pty pair: reads, bounded writes, loss and reopen on the same path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialLink } from './serial-link';
import { HAVE_SOCAT, openPtyPair, play } from './pty-pair';

const skip = !HAVE_SOCAT && process.env.CI !== 'true' ? 'socat not installed' : false;
const until = async (fn: () => boolean, what: string, ms = 5000) => {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('reads, writes with a bound, notices the device vanish and reopens it when it returns', { skip, timeout: 30_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-link-'));
  let pty = await openPtyPair(dir);
  const link = new SerialLink({
    path: pty.device,
    settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    reopenMs: 100,
    maxPendingWriteBytes: 1024,
  });
  const got: Buffer[] = [];
  const events: string[] = [];
  link.on('data', (d: Buffer) => got.push(d));
  link.on('lost', () => events.push('lost'));
  link.on('open', () => events.push('open'));
  try {
    await link.open();
    await play(pty.peer, [Buffer.from('hello from the monitor')], { baud: 115200 });
    await until(() => Buffer.concat(got).toString() === 'hello from the monitor', 'bytes read');
    // Writing to the device: the peer end receives it.
    const fd = fs.openSync(pty.peer, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    assert.equal(await link.write(Buffer.from('poll')), true);
    const buf = Buffer.alloc(16);
    await until(() => {
      try {
        return fs.readSync(fd, buf, 0, 16, null) === 4;
      } catch {
        return false;
      }
    }, 'the peer reads the write');
    fs.closeSync(fd);
    assert.equal(buf.subarray(0, 4).toString(), 'poll');
    assert.equal(await link.write(new Uint8Array(2048)), false, 'more than the bound at once is refused');
    assert.equal(link.stats.writesRefused, 1);

    await pty.close();
    await until(() => events.includes('lost'), 'the loss noticed');
    assert.equal(link.isOpen, false);
    assert.equal(await link.write(Buffer.from('x')), false, 'no writes while lost');
    pty = await openPtyPair(dir);
    await until(() => events.filter((e) => e === 'open').length === 2, 'reopened on the same path');
    got.length = 0;
    await play(pty.peer, [Buffer.from('back again')], { baud: 115200 });
    await until(() => Buffer.concat(got).toString() === 'back again', 'bytes after the reopen');
    assert.deepEqual([link.stats.opens, link.stats.losses], [2, 1]);
  } finally {
    await link.close();
    await pty.close();
  }
});
