import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDescriptor } from './descriptor';

const good = {
  protocol: 1,
  deviceId: 'mon-1',
  kind: 'patient-monitor',
  manufacturer: 'X',
  model: 'Y',
  serial: 'Z',
  heartbeatMs: 1000,
  channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'II', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005 }],
};

test('a good descriptor validates, with wave defaults filled in', () => {
  const r = validateDescriptor(good);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.channels[0].offset, 0);
});

test('bad descriptors are refused with a specific reason', () => {
  const bad = (patch: Record<string, unknown>, re: RegExp) => {
    const r = validateDescriptor({ ...good, ...patch });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  };
  bad({ protocol: 2 }, /unsupported protocol 2/);
  bad({ deviceId: 'a b' }, /deviceId/);
  bad({ kind: 'toaster' }, /unknown device kind toaster/);
  bad({ heartbeatMs: 5 }, /heartbeatMs/);
  bad({ channels: [{ ...good.channels[0], rateHz: 0 }] }, /rateHz/);
  bad({ channels: [{ ...good.channels[0], format: 'u8' }] }, /format/);
  bad({ channels: [good.channels[0], good.channels[0]] }, /duplicate index 0/);
  bad({ channels: [{ ...good.channels[0], mdc: 'ECG' }] }, /MDC reference id/);
  bad({ channels: [{ ...good.channels[0], scale: 0 }] }, /scale/);
  assert.equal(validateDescriptor(null).ok, false);
  assert.equal(validateDescriptor([1]).ok, false);
});
