import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z85Decode, z85Encode, isCurveKey } from './z85';

test('Z85 matches the RFC 32 test vector', () => {
  const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), bytes);
});

test('Z85 round-trips random 32-byte keys and rejects bad text', () => {
  for (let k = 0; k < 100; k++) {
    const b = new Uint8Array(32).map(() => Math.floor(Math.random() * 256));
    const s = z85Encode(b);
    assert.equal(s.length, 40);
    assert.ok(isCurveKey(s));
    assert.deepEqual(z85Decode(s), b);
  }
  assert.equal(z85Decode('Hell'), null);
  assert.equal(z85Decode('Hello Wor'), null);
  assert.equal(z85Decode('~~~~~'), null);
  assert.equal(z85Decode('#####'), null); // exceeds 2^32
  assert.equal(isCurveKey('HelloWorld'), false);
});
