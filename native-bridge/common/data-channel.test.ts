import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DATA_ENVELOPE_BYTES,
  dataEndpointFor,
  defaultDataEndpoint,
  envelopeMatches,
  envelopeSlot,
  hexToToken,
  parseDataOffer,
  sealData,
  tokenToHex,
} from './data-channel';

test('the hub\'s default data endpoint: TCP port + 1, wildcards kept, ipc/inproc get ".data"', () => {
  assert.equal(defaultDataEndpoint('tcp://127.0.0.1:7400'), 'tcp://127.0.0.1:7401');
  assert.equal(defaultDataEndpoint('tcp://0.0.0.0:0'), 'tcp://0.0.0.0:0');
  assert.equal(defaultDataEndpoint('tcp://127.0.0.1:*'), 'tcp://127.0.0.1:*');
  assert.equal(defaultDataEndpoint('tcp://[::1]:7400'), 'tcp://[::1]:7401');
  assert.equal(defaultDataEndpoint('tcp://h:65535'), null);
  assert.equal(defaultDataEndpoint('ipc:///run/orhub/bus'), 'ipc:///run/orhub/bus.data');
  assert.equal(defaultDataEndpoint('inproc://bus'), 'inproc://bus.data');
  assert.equal(defaultDataEndpoint('udp://x:1'), null);
});

test('HELLO_ACK offers are parsed strictly; the device connects to its own host with the offered port', () => {
  const session = '0100000011223344556677889900aabb';
  assert.deepEqual(parseDataOffer(JSON.stringify({ accepted: true, hubTimeMs: 1, data: { port: 7401, session } })), {
    session,
    port: 7401,
    endpoint: undefined,
  });
  assert.equal(parseDataOffer(JSON.stringify({ accepted: true, hubTimeMs: 1 })), null, 'no offer: v1 hub');
  assert.equal(parseDataOffer('not json'), null);
  assert.equal(parseDataOffer(JSON.stringify({ data: { port: 7401, session: 'xyz' } })), null, 'bad token');
  assert.equal(parseDataOffer(JSON.stringify({ data: { port: 70000, session } })), null, 'bad port, no endpoint');
  assert.equal(parseDataOffer(JSON.stringify({ data: { endpoint: 'http://x', session } })), null, 'not a ZeroMQ endpoint');
  assert.equal(dataEndpointFor('tcp://hub.or3.local:7400', { session, port: 7401 }), 'tcp://hub.or3.local:7401');
  assert.equal(dataEndpointFor('tcp://[::1]:7400', { session, port: 9 }), 'tcp://[::1]:9');
  assert.equal(dataEndpointFor('ipc:///x', { session, endpoint: 'ipc:///x.data' }), 'ipc:///x.data');
  assert.equal(dataEndpointFor('ipc:///x', { session, port: 9 }), null, 'a port means nothing without a TCP control endpoint');
});

test('envelope: token then frame; slot is little endian; matching compares all 16 bytes', () => {
  const tok = hexToToken('0201000011223344556677889900aabb');
  assert.equal(tokenToHex(tok), '0201000011223344556677889900aabb');
  const frame = new Uint8Array([1, 2, 3]);
  const msg = sealData(tok, frame);
  assert.equal(msg.length, DATA_ENVELOPE_BYTES + 3);
  assert.deepEqual([...msg.subarray(16)], [1, 2, 3]);
  assert.equal(envelopeSlot(msg), 0x102);
  assert.equal(envelopeMatches(msg, tok), true);
  for (let i = 0; i < 16; i++) {
    const bad = msg.slice();
    bad[i] ^= 0x80;
    assert.equal(envelopeMatches(bad, tok), false, `byte ${i} differs`);
  }
});
