import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlarmItem } from '../../common/display-contract';
import { bannerOrder, lastKnown } from './alarm-view';

const alarm = (alarmId: string, deviceId: string, priority: AlarmItem['priority'], source: AlarmItem['source'], sinceHubMs: number): AlarmItem => ({
  alarmId,
  deviceId,
  streamId: null,
  priority,
  active: true,
  text: alarmId,
  source,
  sinceHubMs,
});

test('banner order: by priority then onset; a patient alarm of an offline device goes behind every current alarm', () => {
  const hr = alarm('hr-high', 'mon', 'high', 'physiological', 1);
  const spo2 = alarm('spo2-low', 'mon', 'medium', 'physiological', 2);
  const offline = alarm('mon-offline', 'mon', 'medium', 'technical', 5);
  const pump = alarm('occlusion', 'pump', 'medium', 'physiological', 3);
  const temp = alarm('temp-low', 'mon', 'low', 'physiological', 0);
  const all = [temp, offline, pump, spo2, hr];
  assert.deepEqual(
    bannerOrder(all).map((a) => a.alarmId),
    ['hr-high', 'spo2-low', 'occlusion', 'mon-offline', 'temp-low'],
  );
  const gone = new Set(['mon']);
  assert.deepEqual(
    bannerOrder(all, gone).map((a) => a.alarmId),
    ['occlusion', 'mon-offline', 'hr-high', 'spo2-low', 'temp-low'],
  );
  assert.equal(lastKnown(hr, gone), true);
  assert.equal(lastKnown(offline, gone), false, "the device's own offline alarm is current");
  assert.equal(lastKnown(pump, gone), false);
});
