/**
 * The data channel (docs/device-protocol.md §2.3) through the hub: session tokens in
 * HELLO_ACK, frames under a token, refused and forged messages. Fake transport and clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dev, Rig, descriptor, tokenOf } from './test-rig';
import { DATA_ENVELOPE_BYTES, parseDataOffer, sealData } from '../../../native-bridge/common/data-channel';
import { FrameType, encodeHello, encodeNumeric, encodeWave } from '../../../native-bridge/common/wire';

test("data channel: HELLO_ACK offers it with a session token; frames under that token count as the device's", () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  const b = new Dev(rig, 'peer-b', descriptor('mon-b'));
  a.hello();
  b.hello();
  const ta = tokenOf(rig, 'peer-a');
  const tb = tokenOf(rig, 'peer-b');
  assert.notDeepEqual(ta, tb, 'one token per device session');
  const samples = new Int16Array([5, 6, 7, 8]);
  rig.hub.onData(sealData(ta, encodeWave(a.h(FrameType.Wave, 0), a.now(), samples)));
  rig.hub.onData(sealData(tb, encodeNumeric(b.h(FrameType.Numeric), [{ channel: 10, value: 72, status: 0, tMs: b.now() }])));
  assert.equal(rig.waves.length, 1);
  assert.equal(rig.waves[0].deviceId, 'mon-a');
  assert.deepEqual([...rig.waves[0].raw], [5, 6, 7, 8]);
  assert.deepEqual(
    rig.numerics.map((n) => [n.deviceId, n.value]),
    [['mon-b', 72]],
  );
  // The same stream may continue on either socket: numbering is per stream, not per socket.
  a.wave(4);
  rig.hub.onData(sealData(ta, encodeWave(a.h(FrameType.Wave, 0), a.now(), samples)));
  assert.equal(rig.waves.length, 3);
  assert.equal(rig.status('mon-a').counters.gaps, 0);
  // Without a data channel the ACK says nothing about one.
  const plain = new Rig();
  new Dev(plain, 'p', descriptor('mon-p')).hello();
  assert.equal(parseDataOffer((plain.sentTo('p', FrameType.HelloAck)[0] as { json: string }).json), null);
});

test('data channel: unknown, forged, short, multipart and HELLO messages are dropped with their codes; valid traffic is untouched', () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  a.hello();
  const ta = tokenOf(rig, 'peer-a');
  const frame = () => encodeWave(a.h(FrameType.Wave, 0), a.now(), new Int16Array([1, 2]));
  rig.hub.onData(sealData(ta, frame()));
  const forged = ta.slice();
  forged[15] ^= 1; // right slot, wrong key
  const otherSlot = ta.slice();
  otherSlot[0] = 9; // no device in that slot
  rig.hub.onData(sealData(forged, frame()));
  rig.hub.onData(sealData(otherSlot, frame()));
  rig.hub.onData(new Uint8Array(DATA_ENVELOPE_BYTES - 1));
  rig.hub.onData(sealData(ta, encodeHello(a.h(FrameType.Hello), JSON.stringify(descriptor('mon-z')))));
  rig.hub.onData(sealData(ta, frame()), 2);
  rig.hub.onData(sealData(ta, new Uint8Array(30)));
  const drops = Object.fromEntries(rig.hub.stats.decodeErrors);
  assert.deepEqual(drops, { DATA_SESSION: 2, DATA_ENVELOPE: 1, DATA_HELLO: 1, BUS_MULTIPART: 1, WIRE_BAD_MAGIC: 1 });
  assert.equal(rig.hub.stats.dataRefused, 3, 'messages naming no session are counted hub-wide');
  assert.equal(rig.status('mon-a').counters.malformed, 3, 'messages under its own token count against the device');
  assert.ok(rig.hub.deviceStatus('mon-z') === undefined, 'no HELLO over the data channel');
  // The three dropped waves were numbered: the next valid one shows them as one gap, nothing silently lost.
  rig.hub.onData(sealData(ta, frame()));
  assert.equal(rig.waves.length, 2);
  assert.deepEqual(
    rig.gaps.map((g) => [g.deviceId, g.channel, g.lostFrames, g.reason]),
    [['mon-a', 0, 3, 'sequence']],
  );
});

test('data channel: a link cut keeps the token, a restart (new routing id) gets a new one and the old one stops working', () => {
  const rig = new Rig({ dataChannel: true });
  const a = new Dev(rig, 'peer-a', descriptor('mon-a'));
  a.hello();
  const t1 = tokenOf(rig, 'peer-a');
  rig.advance(500);
  a.hello(); // same session after a link cut
  assert.deepEqual(tokenOf(rig, 'peer-a'), t1, 'same session, same token: frames in flight stay valid');
  rig.advance(500);
  const restarted = new Dev(rig, 'peer-a2', descriptor('mon-a'));
  restarted.hello();
  const t2 = tokenOf(rig, 'peer-a2');
  assert.notDeepEqual(t2, t1);
  assert.deepEqual(t2.subarray(0, 4), t1.subarray(0, 4), 'the device keeps its slot');
  rig.hub.onData(sealData(t1, encodeWave(a.h(FrameType.Wave, 0), a.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 0, "the old session's token is refused");
  assert.equal(rig.hub.stats.decodeErrors.get('DATA_SESSION'), 1);
  rig.hub.onData(sealData(t2, encodeWave(restarted.h(FrameType.Wave, 0), restarted.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 1);
  // A connection that re-introduces itself as another device takes the token of the first with it.
  const c = new Dev(rig, 'peer-a2', descriptor('mon-c'));
  c.hello();
  rig.hub.onData(sealData(t2, encodeWave(restarted.h(FrameType.Wave, 0), restarted.now(), new Int16Array([1]))));
  assert.equal(rig.waves.length, 1, "mon-a's token ended with its link");
});
