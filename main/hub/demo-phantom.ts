/**
 * The built-in demo: the synthetic torso CT (common/phantom.ts) with skin markers where the
 * simulated tracker's pointer touches them, and a registration made from those touches, so
 * that `npm start` shows anatomy, navigation and registration at once.
 */
import { PhantomBuilder, SIM_FIDUCIALS_PATIENT, SIM_TRACKER_TO_PATIENT, generatePhantom } from '../../common/phantom';
import type { Volume } from '../../common/volume';
import { invertRigid, transformPoint, type Vec3 } from '../../common/geometry';
import type { FiducialPair } from '../../common/registration';

export const DEMO_VOLUME_ID = 'demo-phantom-v1';

export function demoPhantom(): Volume {
  return generatePhantom({ fiducials: SIM_FIDUCIALS_PATIENT });
}

/**
 * Fiducial pairs as a user would collect them in the demo: the bead centres picked on the images
 * and the simulated pointer's tip on each bead (tracker space), with a localisation error of
 * `fleMm` (RMS per axis; deterministic).
 */
export function demoFiducialPairs(fleMm = 0.3, seed = 5): FiducialPair[] {
  const toTracker = invertRigid(SIM_TRACKER_TO_PATIENT);
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return SIM_FIDUCIALS_PATIENT.map((p) => {
    const t = transformPoint(toTracker, p);
    return { image: [...p] as Vec3, tracker: [t[0] + fleMm * gauss(), t[1] + fleMm * gauss(), t[2] + fleMm * gauss()] as Vec3 };
  });
}

/** Builds the demo phantom a few slices per event-loop turn, so the hub keeps serving devices meanwhile. */
export async function demoPhantomAsync(onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<Volume> {
  const b = new PhantomBuilder({ fiducials: SIM_FIDUCIALS_PATIENT });
  for (let k = 0; k < b.slices; k++) {
    b.slice(k);
    if (k % 4 === 3) {
      onProgress?.(k + 1, b.slices);
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw new Error('demo phantom: aborted');
    }
  }
  onProgress?.(b.slices, b.slices);
  return b.volume();
}
