/**
 * Volume-rendering presets: transfer functions (value -> colour and opacity) and MIP. Pure.
 *
 * A preset is a list of control points in real units (HU for CT); between them colour and
 * opacity are linear. `bakeTransfer` samples it into an RGBA8 table over [lo, hi] that the
 * ray-casting shader looks up. Opacities are per millimetre of ray (the shader corrects for
 * its step length), so a preset looks the same at any step count.
 */

export interface TransferPoint {
  /** Value in real units (HU for CT). */
  v: number;
  rgb: [number, number, number];
  /** Opacity per mm, 0..1. */
  a: number;
}

export type RenderMode = 'composite' | 'mip';

export interface VolumePreset {
  id: string;
  label: string;
  mode: RenderMode;
  points: TransferPoint[];
  /** For MIP: the window [centre, width] that maps the maximum to grey. */
  window?: [number, number];
  /** Shade with a directional light (composite only). */
  shade: boolean;
}

const p = (v: number, rgb: [number, number, number], a: number): TransferPoint => ({ v, rgb, a });

export const PRESETS: VolumePreset[] = [
  {
    id: 'ct-bone',
    label: 'CT bone',
    mode: 'composite',
    shade: true,
    points: [
      p(-1024, [0, 0, 0], 0),
      p(140, [0.55, 0.3, 0.2], 0),
      p(220, [0.85, 0.65, 0.5], 0.12),
      p(500, [1, 0.95, 0.85], 0.5),
      p(1400, [1, 1, 0.95], 0.9),
      p(3071, [1, 1, 1], 1),
    ],
  },
  {
    id: 'ct-soft',
    label: 'CT soft tissue',
    mode: 'composite',
    shade: true,
    points: [
      p(-1024, [0, 0, 0], 0),
      p(-600, [0, 0, 0], 0),
      p(-400, [0.9, 0.6, 0.45], 0.004),
      p(-120, [0.95, 0.75, 0.55], 0.01),
      p(-60, [0.9, 0.7, 0.5], 0.006),
      p(20, [0.75, 0.25, 0.2], 0.03),
      p(80, [0.85, 0.35, 0.3], 0.06),
      p(180, [0.95, 0.85, 0.7], 0.2),
      p(600, [1, 0.97, 0.9], 0.7),
      p(3071, [1, 1, 1], 0.9),
    ],
  },
  {
    id: 'ct-angio',
    label: 'CT angiography',
    mode: 'composite',
    shade: true,
    points: [
      p(-1024, [0, 0, 0], 0),
      p(130, [0.6, 0.05, 0.05], 0),
      p(200, [0.85, 0.1, 0.08], 0.25),
      p(320, [1, 0.3, 0.2], 0.6),
      p(450, [1, 0.9, 0.8], 0.2),
      p(700, [1, 1, 0.95], 0.6),
      p(3071, [1, 1, 1], 0.9),
    ],
  },
  {
    id: 'mr',
    label: 'MR',
    mode: 'composite',
    shade: true,
    // MR has no fixed units: points are fractions of the volume's value range (see presetForRange).
    points: [p(0, [0, 0, 0], 0), p(0.12, [0.3, 0.3, 0.35], 0), p(0.3, [0.75, 0.7, 0.65], 0.02), p(0.6, [0.95, 0.9, 0.85], 0.08), p(1, [1, 1, 1], 0.2)],
  },
  { id: 'mip', label: 'MIP', mode: 'mip', shade: false, points: [], window: [300, 1200] },
];

export function presetById(id: string): VolumePreset {
  return PRESETS.find((x) => x.id === id) ?? PRESETS[0];
}

/** Presets whose points are relative (MR) become absolute for a volume with value range [lo, hi]. */
export function presetForRange(preset: VolumePreset, range: [number, number]): VolumePreset {
  if (preset.id !== 'mr') return preset;
  const [lo, hi] = range;
  return { ...preset, points: preset.points.map((q) => ({ ...q, v: lo + q.v * (hi - lo) })) };
}

/** The default preset for a modality. */
export function defaultPreset(modality: string): string {
  return modality === 'MR' ? 'mr' : 'ct-bone';
}

/** Colour and opacity of a preset at value v (clamped at the ends). */
export function evaluateTransfer(points: readonly TransferPoint[], v: number): { rgb: [number, number, number]; a: number } {
  if (points.length === 0) return { rgb: [0, 0, 0], a: 0 };
  if (v <= points[0].v) return { rgb: [...points[0].rgb], a: points[0].a };
  for (let i = 1; i < points.length; i++) {
    const b = points[i];
    if (v <= b.v) {
      const a = points[i - 1];
      const t = b.v > a.v ? (v - a.v) / (b.v - a.v) : 1;
      return {
        rgb: [a.rgb[0] + (b.rgb[0] - a.rgb[0]) * t, a.rgb[1] + (b.rgb[1] - a.rgb[1]) * t, a.rgb[2] + (b.rgb[2] - a.rgb[2]) * t],
        a: a.a + (b.a - a.a) * t,
      };
    }
  }
  const last = points[points.length - 1];
  return { rgb: [...last.rgb], a: last.a };
}

/**
 * Samples a transfer function into `size` RGBA8 texels over [lo, hi]; alpha stores opacity per mm.
 * Also returns the lowest value with any opacity (rays skip samples below it).
 */
export function bakeTransfer(points: readonly TransferPoint[], lo: number, hi: number, size = 512): { rgba: Uint8Array; firstVisible: number } {
  const rgba = new Uint8Array(size * 4);
  let firstVisible = Infinity;
  for (let i = 0; i < size; i++) {
    const v = lo + ((hi - lo) * i) / (size - 1);
    const { rgb, a } = evaluateTransfer(points, v);
    rgba[i * 4] = Math.round(rgb[0] * 255);
    rgba[i * 4 + 1] = Math.round(rgb[1] * 255);
    rgba[i * 4 + 2] = Math.round(rgb[2] * 255);
    rgba[i * 4 + 3] = Math.round(Math.min(1, Math.max(0, a)) * 255);
    if (rgba[i * 4 + 3] > 0 && v < firstVisible) firstVisible = lo + ((hi - lo) * Math.max(0, i - 1)) / (size - 1);
  }
  return { rgba, firstVisible: Number.isFinite(firstVisible) ? firstVisible : hi };
}
