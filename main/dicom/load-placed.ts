/**
 * The Volume of a decoded stack (DICOM load, loader.ts), and the placed-volume path: the volume
 * straight from the memory the scan placed pixels into, when the geometry confirms the placement.
 */
import type { Volume } from '../../common/volume';
import type { StackGeometry } from './geometry';
import type { FileHeader } from './parse';
import { storedRange } from './pixels';
import type { ScanLayout } from './placement';
import { volumeData } from './volume-memory';
import type { InputFrame, LoadedSeries, StackResult } from './load-types';

/**
 * The volume straight from the scan's placement, when the real geometry (from every header)
 * confirms it: no interpolation, and each sorted slice sits in the slot after the previous
 * one. Undefined otherwise (the caller then reads the pixels again, into a new layout).
 */
export function placedVolume(
  frames: InputFrame[],
  geometry: StackGeometry,
  slotOf: number[],
  nOut: number,
  L: ScanLayout,
  mem: WebAssembly.Memory,
  h0: FileHeader,
  s: LoadedSeries,
): StackResult | undefined {
  const { sortedInputs, plan } = geometry;
  if (h0.rows !== L.rows || h0.columns !== L.columns || slotOf.length !== nOut) return undefined;
  if (!plan.every((p, k) => p.w === 0 && slotOf[p.a] === k)) return undefined;
  const first = frames[sortedInputs[0]].entry.placed;
  if (!first) return undefined;
  const base = first.slot - slotOf[0];
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < sortedInputs.length; j++) {
    const f = frames[sortedInputs[j]];
    const pl = f.entry.placed;
    if (f.frame !== 0 || !pl || pl.slot !== base + slotOf[j] || pl.overflow) return undefined;
    if (pl.min < min) min = pl.min;
    if (pl.max > max) max = pl.max;
  }
  if (base < 0 || base + nOut > L.slots) return undefined;
  const sliceLen = L.rows * L.columns;
  const data = volumeData(new Int16Array(mem.buffer, base * sliceLen * 2, nOut * sliceLen), mem);
  return {
    placed: true,
    geometry,
    volume: volumeOf(geometry, data, [min, max], h0, s),
    failedInputs: new Map(),
    interpolated: 0,
    stackKeyFrame: frames[0].geom,
  };
}

/** The Volume for a stack's samples: geometry, value range, unit, and the display window. */
export function volumeOf(geometry: StackGeometry, data: Int16Array | Float32Array, valueRange: [number, number], h0: FileHeader, s: LoadedSeries): Volume {
  const hasW = h0.window;
  let window: [number, number] | undefined = hasW ? [hasW[0], hasW[1]] : undefined;
  if (window && h0.photometric === 'MONOCHROME1') {
    const fr = h0.frames[0];
    const [lo, hi] = storedRange(h0.bitsStored, h0.pixelRepresentation === 1);
    window = [fr.slope * (lo + hi) + 2 * fr.intercept - window[0], window[1]];
  }
  if (h0.photometric === 'MONOCHROME1') s.warnings.push('MONOCHROME1: values inverted so that higher is brighter');
  return {
    dimensions: geometry.dimensions,
    spacing: geometry.spacing,
    origin: geometry.origin,
    direction: geometry.direction,
    data,
    valueRange,
    unit: s.unit,
    modality: s.modality,
    description: s.description,
    ...(window ? { window } : {}),
  };
}
