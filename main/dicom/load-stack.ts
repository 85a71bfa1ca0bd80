/**
 * The pixel pass of a DICOM load (loader.ts): one stack's frames decoded by the workers into one
 * volume (shared WebAssembly memory for Int16), interpolated slices filled, or the scan's
 * placement taken as it is when the geometry confirms it (load-placed.ts).
 */
import { DicomError } from './errors';
import { buildStackGeometry } from './geometry';
import type { FileHeader } from './parse';
import { storedRange } from './pixels';
import { PoolTimeout, type DicomWorkerPool } from './pool';
import { KERNEL_SCRATCH_BYTES } from './simd';
import { sourceName, type FrameJob, type FrameResult, type Response } from './tasks';
import { acquireVolumeMemory, releaseVolumeMemory, volumeData } from './volume-memory';
import { guidedChunks } from './load-scan';
import { placedVolume, volumeOf } from './load-placed';
import type { FileEntry, InputFrame, LoadedSeries, Placement, StackResult } from './load-types';

/** The geometry options of a stack whose first header is `h`. */
export function geomOpts(h: FileHeader) {
  return { fallbackSliceSpacing: h.spacingBetweenSlices ?? h.sliceThickness, gantryTiltTagDeg: h.gantryTiltDeg };
}

/** Decide the output type: Int16 when every rescaled value is certainly (or probably) an integer in range. */
function chooseType(frames: InputFrame[]): { type: 'int16' | 'float32'; certain: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of frames) {
    const h = f.entry.header;
    const fr = h.frames[f.frame];
    if (!Number.isInteger(fr.slope) || !Number.isInteger(fr.intercept)) return { type: 'float32', certain: true };
    const [sMin, sMax] = storedRange(h.bitsStored, h.pixelRepresentation === 1);
    const a = sMin * fr.slope + fr.intercept;
    const b = sMax * fr.slope + fr.intercept;
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  return { type: 'int16', certain: lo >= -32768 && hi <= 32767 };
}

export async function decodeStack(
  frames: InputFrame[],
  pool: DicomWorkerPool,
  h0: FileHeader,
  onFrames: (n: number) => void,
  s: LoadedSeries,
  forceFloat = false,
  placement?: Placement,
): Promise<StackResult> {
  const geometry = buildStackGeometry(
    frames.map((f) => f.geom),
    geomOpts(h0),
  );
  const { sortedInputs, plan } = geometry;
  const sliceLen = h0.rows * h0.columns;
  const nOut = plan.length;
  // Slot of each sorted input: its exact output slice, or an extra slice after the volume.
  const slotOf: number[] = new Array(sortedInputs.length).fill(-1);
  plan.forEach((p, k) => {
    if (p.w === 0 && slotOf[p.a] < 0) slotOf[p.a] = k;
  });
  let extra = nOut;
  for (let j = 0; j < slotOf.length; j++) if (slotOf[j] < 0) slotOf[j] = extra++;
  const typeChoice = forceFloat ? { type: 'float32' as const, certain: true } : chooseType(frames);
  const bytesPer = typeChoice.type === 'int16' ? 2 : 4;
  if (placement?.layout && !placement.done && typeChoice.type === 'int16' && h0.seriesInstanceUid === placement.layout.seriesInstanceUid) {
    const placed = placedVolume(frames, geometry, slotOf, nOut, placement.layout, placement.mem, h0, s);
    placement.done = true;
    if (placed) {
      onFrames(frames.length);
      return placed;
    }
    // Not as predicted: the memory goes back now, so the read below can reuse it.
    releaseVolumeMemory(placement.mem);
  }

  // One pixel request per file, with all its frames.
  const perFile = new Map<FileEntry, Array<{ input: InputFrame; job: FrameJob }>>();
  sortedInputs.forEach((inputIdx, j) => {
    const f = frames[inputIdx];
    const fr = f.entry.header.frames[f.frame];
    const list = perFile.get(f.entry) ?? [];
    list.push({ input: f, job: { frame: f.frame, outOffset: slotOf[j] * sliceLen, slope: fr.slope, intercept: fr.intercept } });
    perFile.set(f.entry, list);
  });
  const fileJobs = [...perFile.entries()];
  const batches = guidedChunks(fileJobs, pool.size);

  // Int16 volumes live in a shared WebAssembly.Memory when possible: workers read native
  // samples straight into their slot and the SIMD kernel converts them there. Each request
  // gets its own kernel scratch after the voxels.
  const volumeBytes = extra * sliceLen * bytesPer;
  const scratchAt = Math.ceil(volumeBytes / 16) * 16;
  const mem = typeChoice.type === 'int16' ? acquireVolumeMemory(scratchAt + KERNEL_SCRATCH_BYTES * batches.length) : undefined;
  const sab = (mem?.buffer as SharedArrayBuffer | undefined) ?? new SharedArrayBuffer(volumeBytes);
  const out = typeChoice.type === 'int16' ? new Int16Array(sab, 0, extra * sliceLen) : new Float32Array(sab);

  const failedInputs: StackResult['failedInputs'] = new Map();
  let min = Infinity;
  let max = -Infinity;
  let overflow = false;
  await Promise.all(
    batches.map(async (batch, b) => {
      // A file that answered its header but hangs on its pixels fails the load (TIMEOUT) rather
      // than freezing it; the memory is then never reused (a retired worker may still write into it).
      const res = await pool
        .run<Extract<Response, { type: 'pixelsBatch' }>>(
          {
            type: 'pixelsBatch',
            items: batch.map(([entry, list]) => ({ source: entry.source, header: entry.header, jobs: list.map((l) => l.job) })),
            out: sab,
            outType: typeChoice.type,
            ...(mem ? { mem, scratch: scratchAt + KERNEL_SCRATCH_BYTES * b } : {}),
          },
          undefined,
          30_000 + 5000 * batch.length,
        )
        .catch((e: Error) => {
          throw e instanceof PoolTimeout ? new DicomError('TIMEOUT', sourceName(batch[0][0].source), `pixel data did not answer in time (${e.message})`) : e;
        });
      res.results.forEach((results: FrameResult[], b) => {
        const list = batch[b][1];
        results.forEach((r, i) => {
          if (r.ok) {
            if (r.min < min) min = r.min;
            if (r.max > max) max = r.max;
            if (r.overflow) overflow = true;
          } else failedInputs.set(list[i].input, { reason: r.error.reason, code: r.error.code });
        });
        onFrames(list.length);
      });
    }),
  );
  if ((overflow && typeChoice.type === 'int16') || failedInputs.size) {
    if (mem) releaseVolumeMemory(mem); // every request has answered: nothing writes into it any more
    if (failedInputs.size) return { geometry, failedInputs, stackKeyFrame: frames[0].geom };
    s.warnings.push('rescaled values exceed the Int16 range: volume stored as Float32');
    return decodeStack(frames, pool, h0, () => {}, s, true);
  }

  // Fill interpolated slices (missing slices / uneven spacing) from their neighbours.
  let interpolated = 0;
  for (let k = 0; k < nOut; k++) {
    const p = plan[k];
    if (p.w === 0 && slotOf[p.a] === k) continue;
    interpolated++;
    const a = slotOf[p.a] * sliceLen;
    const b = slotOf[p.b] * sliceLen;
    const o = k * sliceLen;
    const w = p.w;
    const isInt = out instanceof Int16Array;
    for (let i = 0; i < sliceLen; i++) {
      const v = out[a + i] * (1 - w) + out[b + i] * w;
      out[o + i] = isInt ? Math.round(v) : v;
    }
  }
  const data = typeChoice.type === 'int16' ? new Int16Array(sab, 0, nOut * sliceLen) : new Float32Array(sab, 0, nOut * sliceLen);
  if (mem) volumeData(data, mem);
  if (extra > nOut) {
    // Some real slices were off the grid: the range is that of the resampled data.
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { geometry, volume: volumeOf(geometry, data, [min, max], h0, s), failedInputs, interpolated, stackKeyFrame: frames[0].geom };
}
