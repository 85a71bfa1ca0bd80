import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTRACT_VERSION, type DeviceView, type HubMessage } from '../../common/display-contract';
import { applyHubMessage, getState, subscribe } from './store';

const device = (id: string): DeviceView => ({
  deviceId: id,
  kind: 'monitor',
  model: 'm',
  manufacturer: 'x',
  state: 'online',
  stateReason: '',
  lastHeardHubMs: 1,
  heartbeatMs: 1000,
  sync: null,
  counters: { frames: 0, gaps: 0, lostFrames: 0, malformed: 0, throttled: 0 },
  flooding: false,
  channels: [{ streamId: 7, index: 0, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' }],
});
const hello = (version: number): HubMessage => ({ t: 'hello', version, hubTimeMs: 1, hubId: 'h', simulated: true });

test('a hub of another contract version: banner text, its data dropped and none of it interpreted until a matching hello', () => {
  let told = 0;
  const unsubscribe = subscribe(() => told++);
  assert.equal(applyHubMessage(hello(CONTRACT_VERSION)), true);
  assert.equal(applyHubMessage({ t: 'devices', devices: [device('mon-1')] }), true);
  assert.equal(getState().devices.size, 1);
  assert.equal(getState().streams.get(7)?.deviceId, 'mon-1');

  assert.equal(applyHubMessage(hello(CONTRACT_VERSION + 1)), false);
  assert.equal(getState().contractMismatch, `display v${CONTRACT_VERSION}, hub v${CONTRACT_VERSION + 1}: reload or update`);
  assert.equal(getState().devices.size, 0, 'what the old hub said is not shown as live');
  assert.equal(getState().simulated, false);
  assert.equal(applyHubMessage({ t: 'devices', devices: [device('mon-2')] }), false);
  assert.equal(applyHubMessage({ t: 'numerics', items: [{ streamId: 7, value: 60, status: 0, tHubMs: 2 }] }), false);
  assert.equal(getState().devices.size, 0);
  assert.equal(getState().numerics.size, 0);

  assert.equal(applyHubMessage(hello(CONTRACT_VERSION)), true, 'a hub of our version again');
  assert.equal(getState().contractMismatch, null);
  assert.equal(applyHubMessage({ t: 'devices', devices: [device('mon-3')] }), true);
  assert.deepEqual([...getState().devices.keys()], ['mon-3']);
  assert.ok(told >= 5, `subscribers told (${told})`);
  unsubscribe();
});
