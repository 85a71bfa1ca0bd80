/**
 * A volume's voxels from the hub: the body of a voxel route (GET /api/anatomy/voxels for the live
 * display, GET /api/review/series/:uid/voxels for the review screen) read as a stream into a
 * Volume with the geometry of its VolumeMeta.
 */
import type { Volume } from '../../../common/volume';
import type { VolumeMeta } from '../../../common/anatomy-contract';

/**
 * Reads the response into a Volume; `onProgress(0..1)` now and then; null when `stale()` says
 * another volume is wanted meanwhile. Throws when the hub sends more or fewer bytes than meta says.
 */
export async function readVolume(res: Response, meta: VolumeMeta, onProgress: (f: number) => void, stale: () => boolean): Promise<Volume | null> {
  const buf = new ArrayBuffer(meta.byteLength);
  const bytes = new Uint8Array(buf);
  const reader = res.body!.getReader();
  let got = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (stale()) {
      void reader.cancel();
      return null;
    }
    if (got + value.byteLength > buf.byteLength) throw new Error('voxels: more data than the volume holds');
    bytes.set(value, got);
    got += value.byteLength;
    if (got - lastReport > buf.byteLength / 50) {
      lastReport = got;
      onProgress(got / buf.byteLength);
    }
  }
  if (got !== buf.byteLength) throw new Error(`voxels: got ${got} of ${buf.byteLength} bytes`);
  return {
    dimensions: meta.dimensions,
    spacing: meta.spacing,
    origin: meta.origin,
    direction: meta.direction,
    data: meta.dataType === 'int16' ? new Int16Array(buf) : new Float32Array(buf),
    valueRange: meta.valueRange,
    unit: meta.unit,
    modality: meta.modality,
    description: meta.description,
    window: meta.window,
  };
}

/** The window [centre, width] a volume opens with: its own, soft tissue for HU, else its whole range. */
export function initialWindow(meta: VolumeMeta): [number, number] {
  return meta.window ?? (meta.unit === 'HU' ? [40, 400] : [(meta.valueRange[0] + meta.valueRange[1]) / 2, meta.valueRange[1] - meta.valueRange[0]]);
}
