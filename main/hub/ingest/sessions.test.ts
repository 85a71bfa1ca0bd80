/**
 * Issue 12 §6 in the ingest (fake transport and clock; the e2e tests bus-sessions and
 * bus-identity do the same over real sockets): a HELLO re-anchors stream numbering,
 * FRAMES_DROPPED reports, DATA_SWITCH_ACK, UNSYNCHRONISED devices, INVALID numerics,
 * and the HELLO key proof with revocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { Rig, Dev, descriptor, tokenOf } from './test-rig';
import { DROP_REPORT_EVERY_MS } from './drop-report';
import { UNSYNC_AFTER_MS } from './clock-schedule';
import {
  FrameType,
  HubErrorCode,
  NUM_STATUS_INVALID,
  NUM_STATUS_QUESTIONABLE,
  encodeDataSwitch,
  encodeHello,
  encodeNumeric,
} from '../../../native-bridge/common/wire';
import { sealData } from '../../../native-bridge/common/data-channel';
import { EnrolledIdentities } from '../../../native-bridge/node/identity';
import { makeHelloAuth } from '../../../native-bridge/node/hello-proof';
import { enrolDevice, initHubKeys, revokeDevice } from '../../../native-bridge/node/key-store';

test('a HELLO on the same routing id re-anchors numbering: a restarted device (numbers from 0) loses nothing; a link cut still counts its loss', () => {
  const rig = new Rig();
  const a = new Dev(rig, 'serial-1', descriptor('m1'));
  a.hello();
  for (let i = 0; i < 50; i++) a.wave(10);
  rig.advance(100);
  // The same device restarted, same routing id: a new process numbers from 0.
  const b = new Dev(rig, 'serial-1', descriptor('m1'));
  b.hello();
  for (let i = 0; i < 10; i++) b.wave(10);
  assert.equal(rig.waves.length, 60, 'every frame of the restarted process arrives');
  assert.equal(rig.status('m1').drops.BAD_SEQUENCE, undefined);
  assert.equal(rig.status('m1').counters.lostFrames, 0);
  // Only the first frame of a stream after a HELLO may start it afresh: a duplicate after that is dropped.
  for (let i = 0; i < 2; i++) rig.from('serial-1', encodeNumeric({ seq: 0, tDeviceMs: rig.t }, []));
  assert.equal(rig.status('m1').drops.BAD_SEQUENCE, 1, 'behind without a HELLO between: dropped');
  // A link cut: the SDK says HELLO again and its numbers go on, 3 frames lost in the cut.
  b.skip(FrameType.Wave, 0, 3);
  rig.advance(200);
  b.hello();
  b.wave(10);
  assert.equal(rig.status('m1').counters.lostFrames, 3, 'ahead after a HELLO: the loss is counted');
});

test('an INVALID numeric is not range-flagged (its value means nothing); a valid one outside the range is QUESTIONABLE', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p', descriptor('m1'));
  d.hello();
  rig.from('p', encodeNumeric(d.h(FrameType.Numeric), [{ channel: 10, value: 0, status: NUM_STATUS_INVALID, tMs: d.now() }]));
  rig.from('p', encodeNumeric(d.h(FrameType.Numeric), [{ channel: 10, value: 0, status: 0, tMs: d.now() }]));
  assert.deepEqual(
    rig.numerics.map((n) => n.status),
    [NUM_STATUS_INVALID, NUM_STATUS_QUESTIONABLE],
  );
});

test('dropped frames are reported to the device: ERROR 5 per reason with the count since the last report, at most once a second', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p', descriptor('m1'));
  d.hello();
  const reports = () =>
    rig
      .sentTo('p', FrameType.Error)
      .filter((f) => f.type === FrameType.Error && f.code === HubErrorCode.FramesDropped)
      .map((f) => (f.type === FrameType.Error ? JSON.parse(f.text) : null));
  for (let i = 0; i < 3; i++) d.wave(10, d.now(), 7);
  d.numeric(Number.NaN);
  rig.advance(50);
  assert.deepEqual(reports(), [
    { reason: 'BAD_CHANNEL', count: 3 },
    { reason: 'WIRE_NON_FINITE', count: 1 },
  ]);
  for (let i = 0; i < 4; i++) d.wave(10, d.now(), 7);
  rig.advance(DROP_REPORT_EVERY_MS - 200);
  assert.equal(reports().length, 2, 'not again within a second');
  rig.advance(300);
  assert.deepEqual(reports().slice(2), [{ reason: 'BAD_CHANNEL', count: 4 }]);
  rig.advance(3000);
  assert.equal(reports().length, 3, 'nothing new, nothing sent');
  assert.deepEqual(rig.view('m1').drops, { BAD_CHANNEL: 7, WIRE_NON_FINITE: 1 }, 'by reason in the status the display and /api/status get');
});

test("DATA_SWITCH on the control socket is acknowledged with each stream's last number; on the data channel it is refused", () => {
  const rig = new Rig({ dataChannel: true });
  const d = new Dev(rig, 'p', descriptor('m1'));
  d.hello();
  for (let i = 0; i < 5; i++) d.wave(10);
  d.numeric(70);
  rig.from('p', encodeDataSwitch(d.h(FrameType.DataSwitch)));
  const acks = rig.sentTo('p', FrameType.DataSwitchAck);
  assert.equal(acks.length, 1);
  const ack = JSON.parse(acks[0].type === FrameType.DataSwitchAck ? acks[0].json : '{}');
  assert.equal(ack.switchSeq, 0);
  assert.deepEqual(
    ack.streams.sort((x: { type: number }, y: { type: number }) => x.type - y.type),
    [
      { type: FrameType.Wave, stream: 0, lastSeq: 4 },
      { type: FrameType.Numeric, stream: 0, lastSeq: 0 },
    ],
  );
  rig.hub.onData(Buffer.from(sealData(tokenOf(rig, 'p'), encodeDataSwitch(d.h(FrameType.DataSwitch)))));
  assert.equal(rig.sentTo('p', FrameType.DataSwitchAck).length, 1);
  assert.equal(rig.status('m1').drops.DATA_HELLO, 1);
});

test('a device that never answers clock sync: UNSYNCHRONISED after 5 s, a device event and a low technical alarm, all cleared by an answer', () => {
  const rig = new Rig();
  const d = new Dev(rig, 'p', descriptor('m1'));
  d.hello();
  for (let t = 0; t < UNSYNC_AFTER_MS - 100; t += 500) {
    d.heartbeat();
    rig.advance(500);
  }
  assert.equal(rig.view('m1').unsynchronised, false, 'not before 5 s');
  rig.advance(300);
  d.heartbeat();
  const v = rig.view('m1');
  assert.equal(v.unsynchronised, true);
  assert.equal(v.sync, null);
  assert.ok(rig.events.includes('HUB_UNSYNCHRONISED'), 'recorded as a device event');
  assert.ok(rig.alarms.has('m1/tech/unsynchronised'), `alarm on the board: ${[...rig.alarms]}`);
  const alarm = rig.alarmChanges.find((a) => a.code === 'unsynchronised')!;
  assert.equal(alarm.priority, 'low');
  // It starts answering (the requests from now on, at once).
  const since = rig.sentTo('p', FrameType.SyncReq).length;
  rig.advance(100);
  d.answerSync(since);
  assert.equal(rig.view('m1').unsynchronised, false);
  assert.ok(rig.events.includes('HUB_SYNCHRONISED'));
  assert.equal(rig.alarms.has('m1/tech/unsynchronised'), false, 'cleared');
});

test('CURVE identity: a HELLO must prove the key enrolled for its deviceId; revoking the key cuts the device off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-ident-'));
  const hub = initHubKeys(dir).keys;
  const mine = curveKeyPair();
  enrolDevice(dir, 'mon-a', mine.publicKey, ['m1']);
  const rig = new Rig({ identity: new EnrolledIdentities(dir, hub.secretKey) });
  const keys = { ...mine, serverPublicKey: hub.publicKey };
  const hello = (peer: string, id: string, auth: unknown) =>
    rig.from(peer, encodeHello({ seq: 0, tDeviceMs: rig.t }, JSON.stringify({ ...descriptor(id), auth })));
  const refusals = (peer: string) =>
    rig.sentTo(peer, FrameType.Error).filter((f) => f.type === FrameType.Error && f.code === HubErrorCode.IdentityRefused).length;

  hello('x', 'm1', undefined);
  assert.equal(refusals('x'), 1, 'no proof: refused');
  hello('y', 'm2', makeHelloAuth(keys, 'm2'));
  assert.equal(refusals('y'), 1, 'a deviceId the key was not enrolled for: refused');
  hello('z', 'm1', { ...makeHelloAuth(keys, 'm1'), key: curveKeyPair().publicKey });
  assert.equal(refusals('z'), 1, 'a proof for another key: refused');
  hello('w', 'm1', makeHelloAuth({ ...curveKeyPair(), serverPublicKey: hub.publicKey }, 'm1'));
  assert.equal(refusals('w'), 1, "someone else's proof: refused");
  assert.equal(rig.deviceCount, 0);

  hello('p', 'm1', makeHelloAuth(keys, 'm1'));
  assert.equal(rig.status('m1').state, 'online');
  revokeDevice(dir, 'mon-a');
  rig.hub.recheckIdentities();
  assert.equal(rig.status('m1').state, 'offline');
  assert.equal(refusals('p'), 1, 'told why');
  rig.advance(600);
  new Dev(rig, 'p', descriptor('m1')).heartbeat();
  assert.equal(rig.status('m1').state, 'offline', 'its frames no longer count');
  assert.ok(rig.sentTo('p', FrameType.Error).some((f) => f.type === FrameType.Error && f.code === HubErrorCode.HelloRequired));
  hello('p', 'm1', makeHelloAuth(keys, 'm1'));
  assert.equal(refusals('p'), 2, 'and its HELLO is refused');
});
