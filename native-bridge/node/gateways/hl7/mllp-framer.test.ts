import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MllpFramer, type MllpError } from './mllp-framer';

function run(chunks: (string | number[])[], opts = {}) {
  const frames: string[] = [];
  const errors: MllpError[] = [];
  const f = new MllpFramer(
    (m) => frames.push(m.toString('latin1')),
    (e) => errors.push(e),
    opts,
  );
  const ok = chunks.map((c) => f.push(Buffer.from(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c))));
  return { frames, errors: errors.map((e) => e.code), ok, partial: f.partial };
}

test('frames pipelined in one chunk, split anywhere, with blank lines between', () => {
  assert.deepEqual(run(['\x0bA\x1c\r\x0bB\x1c\r\r\n\x0bC\x1c\r']).frames, ['A', 'B', 'C']);
  const whole = '\x0bMSH|one\rPID\x1c\r\x0bMSH|two\x1c\r';
  for (let cut = 1; cut < whole.length; cut++) {
    const r = run([whole.slice(0, cut), whole.slice(cut)]);
    assert.deepEqual(r.frames, ['MSH|one\rPID', 'MSH|two'], `cut at ${cut}`);
    assert.deepEqual(r.errors, []);
  }
  const fsLast = run(['\x0bX\x1c']);
  assert.deepEqual([fsLast.frames, fsLast.partial], [['X'], false], 'a frame ends at FS, without waiting for its CR');
  assert.equal(run(['\x0bhalf']).partial, true);
});

test('junk, oversize and unterminated frames give stable codes', () => {
  assert.deepEqual(run(['x'.repeat(10)], { maxJunkBytes: 8 }).errors, ['HL7_MLLP_JUNK']);
  assert.deepEqual(run(['x'.repeat(8) + '\x0bok\x1c\r'], { maxJunkBytes: 8 }).frames, ['ok']);
  const big = run(['\x0b' + 'a'.repeat(50), 'a'.repeat(60)], { maxFrameBytes: 100 });
  assert.deepEqual([big.errors, big.ok], [['HL7_MLLP_OVERSIZE'], [true, false]]);
  const nested = run(['\x0bfirst\x0bsecond\x1c\r']);
  assert.deepEqual([nested.frames, nested.errors], [['second'], ['HL7_MLLP_UNTERMINATED']]);
});
