/**
 * Hostile bus messages for fuzzing the hub: random bytes, mutated valid frames of every
 * type (bit flips, truncation, extension, wrong lengths, unknown types, NaN/huge times,
 * absurd counts), hostile descriptors, and multipart messages. Deterministic per seed.
 */
import type { DeviceDescriptor } from '../../common/descriptor';
import {
  type AlarmPriority,
  type AlarmState,
  encodeAlarm,
  encodeEvent,
  encodeGoodbye,
  encodeHeartbeat,
  encodeHello,
  encodeNumeric,
  encodePose,
  encodeSetting,
  encodeSyncResp,
  encodeWave,
} from '../../common/wire';
import { rng } from '../../common/sim/physiology';

/** The descriptor fuzz devices (and the tests' valid device) declare. */
export function fuzzDescriptor(id: string): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId: id,
    kind: 'patient-monitor',
    manufacturer: 'OR Hub tests',
    model: 'Fuzz',
    serial: id,
    heartbeatMs: 1000,
    channels: [
      { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG', unit: 'mV', rateHz: 500, format: 'i16', scale: 1, offset: 0 },
      { index: 1, kind: 'wave', mdc: 'MDC_PLETH', label: 'Pleth', unit: '', rateHz: 125, format: 'f32', scale: 1, offset: 0 },
      { index: 10, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' },
      { index: 20, kind: 'setting', mdc: 'MDC_SET_X', label: 'S', unit: '' },
      { index: 30, kind: 'pose', mdc: 'MDC_POSE_X', label: 'P', unit: 'mm', rateHz: 60 },
    ],
  };
}

/** Returns a generator of hostile messages (a frame, or several parts for a multipart message). */
export function fuzzer(seed: number): () => Uint8Array | Uint8Array[] {
  const u = rng(seed);
  const int = (n: number) => Math.floor(u() * n);
  const now = () => performance.timeOrigin + performance.now();
  const h = () => ({ seq: int(1 << 20), stream: int(4) === 0 ? int(65536) : int(32), tDeviceMs: now() });
  const matrix = new Float32Array(16).map((_, i) => (i % 5 === 0 ? 1 : 0));
  const hostileDescriptors = [
    '{"protocol":1,"deviceId":"x","kind":"other","manufacturer":"m","model":"m","serial":"s","heartbeatMs":1000,"channels":' +
      '['.repeat(5000) +
      ']'.repeat(5000) +
      '}',
    '{"__proto__":{"deviceId":"good-01"},"protocol":1}',
    JSON.stringify(fuzzDescriptor('good-01\u0000')),
    JSON.stringify({
      ...fuzzDescriptor('long'),
      channels: Array.from({ length: 2000 }, (_, i) => ({ index: i, kind: 'numeric', mdc: 'MDC_X', label: 'x', unit: '' })),
    }),
    JSON.stringify({ ...fuzzDescriptor('nan'), heartbeatMs: null, channels: [{ index: -1 }] }),
    JSON.stringify({ ...fuzzDescriptor('dup'), channels: [fuzzDescriptor('a').channels[0], fuzzDescriptor('a').channels[0]] }),
    '"just a string"',
    '\u00ff\u00fe',
  ];
  const templates: (() => Uint8Array)[] = [
    () =>
      encodeWave(
        h(),
        now(),
        new Int16Array(1 + int(200)).map(() => int(65536) - 32768),
      ),
    () =>
      encodeWave(
        h(),
        now(),
        new Float32Array(1 + int(50)).map(() => u()),
      ),
    () =>
      encodeNumeric(
        h(),
        Array.from({ length: 1 + int(20) }, () => ({ channel: int(40), value: u() * 200, status: int(8), tMs: now() })),
      ),
    () =>
      encodePose(
        h(),
        Array.from({ length: 1 + int(4) }, () => ({ channel: 30, status: 0, quality: u(), tMs: now(), matrix })),
      ),
    () => encodeSetting(h(), { tMs: now(), channel: int(40), value: u(), text: 'x'.repeat(int(40)) }),
    () =>
      encodeAlarm(h(), {
        tMs: now(),
        channel: int(2) ? 0xffff : int(40),
        priority: int(4) as AlarmPriority,
        state: int(2) as AlarmState,
        code: int(1e6),
        text: 'ALARM',
      }),
    () => encodeEvent(h(), { tMs: now(), channel: int(40), code: 'EV', text: 'text' }),
    () => encodeHeartbeat(h(), int(256)),
    () => encodeSyncResp(h(), now(), now(), now()),
    () => encodeGoodbye(h(), 'bye'),
    () => encodeHello(h(), JSON.stringify(fuzzDescriptor(`fz-${int(1000)}`))),
    () => encodeHello(h(), hostileDescriptors[int(hostileDescriptors.length)]),
  ];
  const f64At = [16, 24, 32, 40];
  return () => {
    if (u() < 0.2) return new Uint8Array(int(400)).map(() => int(256));
    const b = templates[int(templates.length)]().slice();
    const dv = new DataView(b.buffer);
    const m = int(9);
    if (m === 0) for (let k = 0, n = 1 + int(8); k < n; k++) b[int(b.length)] ^= 1 << int(8);
    else if (m === 1) return b.subarray(0, int(b.length));
    else if (m === 2) {
      const e = new Uint8Array(b.length + 1 + int(64));
      e.set(b);
      return e;
    } else if (m === 3) dv.setUint32(12, int(2) ? int(1 << 20) : 0xffffffff, true);
    else if (m === 4) b[3] = int(256);
    else if (m === 5 && b.length > 48) dv.setFloat64(f64At[int(f64At.length)], [NaN, Infinity, -Infinity, 1e300, -0][int(5)], true);
    else if (m === 6 && b.length > 36) dv.setUint32(24 + 8 * int(2), 0xffffffff - int(3), true);
    else if (m === 7) return [b, b.subarray(0, int(b.length))];
    // m === 8 (and the fall-throughs): a well-formed frame, valid or subtly wrong (sequence, channel, time, format).
    return b;
  };
}
