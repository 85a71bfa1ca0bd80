import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue } from './disk-queue';

test('the disk queue keeps order across reopening, cleans cut-short writes, caps its size and sets rejects aside', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7q-'));
  const q = new DiskQueue(root);
  assert.deepEqual([q.append('one'), q.append('two'), q.append('three')], [1, 2, 3]);
  q.remove(1);
  fs.writeFileSync(path.join(root, 'queue', '000000000009.hl7.tmp'), 'half');
  const again = new DiskQueue(root);
  assert.deepEqual([again.length, again.peek(), again.next], [2, { seq: 2, text: 'two' }, 4]);
  assert.equal(fs.existsSync(path.join(root, 'queue', '000000000009.hl7.tmp')), false);
  again.reject(2, 'AR unknown patient');
  assert.deepEqual(again.peek(), { seq: 3, text: 'three' });
  assert.equal(fs.readFileSync(path.join(root, 'rejected', '000000000002.hl7.reason.txt'), 'utf8'), 'AR unknown patient\n');
  again.remove(3);
  assert.equal(new DiskQueue(root).next, 3, 'numbering continues past what is queued or rejected');

  const logs: string[] = [];
  const small = new DiskQueue(fs.mkdtempSync(path.join(os.tmpdir(), 'hl7q-')), 25, (l) => logs.push(l));
  for (const t of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']) small.append(t);
  assert.deepEqual([small.length, small.dropped, small.peek()?.text], [2, 1, 'bbbbbbbbbb']);
  assert.match(logs[0], /dropped the oldest message \(000000000001\.hl7\)/);
});
