/**
 * Device descriptor: what a device says about itself in its HELLO frame.
 * Pure TypeScript (runs anywhere). See docs/device-protocol.md §4.
 */

export type DeviceKind =
  'patient-monitor' | 'anaesthesia-machine' | 'infusion-pump' | 'electrosurgical-unit' | 'insufflator' | 'poc-lab-analyser' | 'navigation-tracker' | 'other';

export const DEVICE_KINDS: readonly DeviceKind[] = [
  'patient-monitor',
  'anaesthesia-machine',
  'infusion-pump',
  'electrosurgical-unit',
  'insufflator',
  'poc-lab-analyser',
  'navigation-tracker',
  'other',
];

/** Sample encodings on the wire for WAVE frames. value = raw * scale + offset. */
export type SampleFormat = 'i16' | 'i32' | 'f32';

export type ChannelKind = 'wave' | 'numeric' | 'setting' | 'pose' | 'text';

export interface ChannelDescriptor {
  /** Index used on the wire (the `stream` of WAVE frames, `channel` of entries). 0..65534. */
  index: number;
  kind: ChannelKind;
  /** IEEE 11073-10101 reference id, e.g. MDC_ECG_ELEC_POTL_II. */
  mdc: string;
  /** IEEE 11073-10101 numeric code (partition << 16 | term), when known. */
  code?: number;
  /** Short human label for the display, e.g. "ECG II". */
  label: string;
  /** UCUM unit, e.g. "mV", "mm[Hg]", "%", "/min", "Cel", "mm" (pose). "" for unitless or text. */
  unit: string;
  /** Waveforms: sample rate in Hz. */
  rateHz?: number;
  /** Waveforms: wire sample format. */
  format?: SampleFormat;
  /** Waveforms: physical value per raw count (device resolution). Default 1. */
  scale?: number;
  /** Waveforms: physical value at raw 0. Default 0. */
  offset?: number;
  /** Physiological or device range [low, high] in `unit`. Values outside are flagged. */
  range?: [number, number];
}

export interface DeviceDescriptor {
  /** Wire protocol version the device speaks. */
  protocol: number;
  /** Stable identity across restarts (serial-based), [A-Za-z0-9._:-]{1,64}. */
  deviceId: string;
  kind: DeviceKind;
  manufacturer: string;
  model: string;
  serial: string;
  /** How often the device sends HEARTBEAT, in ms (100..10000). */
  heartbeatMs: number;
  channels: ChannelDescriptor[];
}

export type DescriptorResult = { ok: true; value: DeviceDescriptor } | { ok: false; error: string };

const ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;
const KINDS = new Set<ChannelKind>(['wave', 'numeric', 'setting', 'pose', 'text']);
const FORMATS = new Set<SampleFormat>(['i16', 'i32', 'f32']);

function str(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length <= max;
}

/** Validates an untrusted, JSON-parsed descriptor. Never throws. */
export function validateDescriptor(raw: unknown): DescriptorResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'descriptor is not an object' };
  const d = raw as Record<string, unknown>;
  if (d.protocol !== 1) return { ok: false, error: `unsupported protocol ${String(d.protocol)} (hub speaks 1)` };
  if (typeof d.deviceId !== 'string' || !ID_RE.test(d.deviceId)) return { ok: false, error: 'deviceId must match [A-Za-z0-9._:-]{1,64}' };
  if (typeof d.kind !== 'string' || !(DEVICE_KINDS as readonly string[]).includes(d.kind)) return { ok: false, error: `unknown device kind ${String(d.kind)}` };
  for (const k of ['manufacturer', 'model', 'serial'] as const) {
    if (!str(d[k], 128)) return { ok: false, error: `${k} must be a string of at most 128 characters` };
  }
  const hb = d.heartbeatMs;
  if (typeof hb !== 'number' || !Number.isFinite(hb) || hb < 100 || hb > 10000) return { ok: false, error: 'heartbeatMs must be 100..10000' };
  if (!Array.isArray(d.channels) || d.channels.length > 1024) return { ok: false, error: 'channels must be an array of at most 1024' };
  const seen = new Set<number>();
  const channels: ChannelDescriptor[] = [];
  for (const [i, c] of (d.channels as unknown[]).entries()) {
    if (typeof c !== 'object' || c === null) return { ok: false, error: `channel ${i} is not an object` };
    const ch = c as Record<string, unknown>;
    const idx = ch.index;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > 65534)
      return { ok: false, error: `channel ${i}: index must be an integer 0..65534` };
    if (seen.has(idx)) return { ok: false, error: `channel ${i}: duplicate index ${idx}` };
    seen.add(idx);
    if (typeof ch.kind !== 'string' || !KINDS.has(ch.kind as ChannelKind)) return { ok: false, error: `channel ${idx}: unknown kind ${String(ch.kind)}` };
    if (typeof ch.mdc !== 'string' || !/^MDC_[A-Z0-9_]{1,80}$/.test(ch.mdc)) return { ok: false, error: `channel ${idx}: mdc must be an MDC reference id` };
    if (!str(ch.label, 64) || !str(ch.unit, 32)) return { ok: false, error: `channel ${idx}: label and unit must be short strings` };
    if (ch.code !== undefined && (typeof ch.code !== 'number' || !Number.isInteger(ch.code) || ch.code < 0))
      return { ok: false, error: `channel ${idx}: code must be a non-negative integer` };
    if (ch.kind === 'wave') {
      const r = ch.rateHz;
      if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > 100000)
        return { ok: false, error: `channel ${idx}: wave rateHz must be in (0, 100000]` };
      if (typeof ch.format !== 'string' || !FORMATS.has(ch.format as SampleFormat))
        return { ok: false, error: `channel ${idx}: wave format must be i16, i32 or f32` };
    }
    for (const k of ['scale', 'offset'] as const) {
      const v = ch[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || (k === 'scale' && v === 0)))
        return { ok: false, error: `channel ${idx}: ${k} must be a finite number${k === 'scale' ? ' other than 0' : ''}` };
    }
    const range = ch.range;
    if (
      range !== undefined &&
      (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === 'number' && Number.isFinite(x)) || range[0] > range[1])
    ) {
      return { ok: false, error: `channel ${idx}: range must be [low, high]` };
    }
    channels.push({
      index: idx,
      kind: ch.kind as ChannelKind,
      mdc: ch.mdc,
      code: ch.code as number | undefined,
      label: ch.label as string,
      unit: ch.unit as string,
      rateHz: ch.rateHz as number | undefined,
      format: ch.format as SampleFormat | undefined,
      scale: (ch.scale as number | undefined) ?? (ch.kind === 'wave' ? 1 : undefined),
      offset: (ch.offset as number | undefined) ?? (ch.kind === 'wave' ? 0 : undefined),
      range: range as [number, number] | undefined,
    });
  }
  return {
    ok: true,
    value: {
      protocol: 1,
      deviceId: d.deviceId,
      kind: d.kind as DeviceKind,
      manufacturer: d.manufacturer as string,
      model: d.model as string,
      serial: d.serial as string,
      heartbeatMs: hb,
      channels,
    },
  };
}
