/**
 * Placing pixels during the header scan (loader.ts, tasks.ts): each file is opened once, and its
 * samples go straight to the slot where the volume will want them, before the geometry of the
 * whole series is known. The slot comes from a layout predicted from the first files:
 *
 * - The first scan request to start decides it (the "prober"; the others parse their headers
 *   meanwhile and, if need be, wait for it before placing pixels; see `control`): it parses the
 *   first three files in natural name order; the first image is slot `center`, and the slice
 *   step is the gap to the next image of its series, or SpacingBetweenSlices / SliceThickness
 *   when that gap is a whole multiple of it.
 * - Slot = center + (position along the normal - d0) / step; there are 2n - 1 slots for n files, so
 *   the series fits whichever way its files are named. A file is placed only when it belongs to
 *   that series, has the same size and orientation, is native 16-bit with integer rescale, and lies
 *   on that grid; each slot is claimed once (Atomics on `claims`).
 * - The memory is sized before anything is parsed: (2n - 1) slots of at most `slotCapacity` bytes
 *   (the largest of the probed files: a frame is never larger than its file). Only slots that are
 *   written are ever touched, so the rest costs address space, not memory.
 *
 * The loader then checks the placement against the real geometry from every header (placedVolume)
 * and reads again whatever does not match, so a wrong prediction costs time, never correctness.
 */
import { cross, dot, normalize } from '../../common/geometry';
import { sameOrientation } from './geometry';
import { TS, type FileHeader } from './parse';
import { inPlaceCapable } from './pixels';

/** What the loader gives every scan request. */
export interface ScanPlan {
  /** The first files in natural name order, for the prober. */
  probe: string[];
  /** Control block (CONTROL_BYTES): state, then the layout once decided. */
  control: SharedArrayBuffer;
  /** Int32Array(slots): 0 free, else claimed. */
  claims: SharedArrayBuffer;
  slots: number;
  /** Bytes each slot may take at most. */
  slotCapacity: number;
  /** Bytes of memory the slots take (slots * slotCapacity, rounded up to 64). */
  bytes: number;
}

export interface ScanLayout {
  seriesInstanceUid: string;
  rows: number;
  columns: number;
  iop: number[];
  normal: [number, number, number];
  d0: number;
  step: number;
  center: number;
  slots: number;
}

const UNDECIDED = 0;
const PROBING = 1;
const READY = 2;
const NONE = 3;
const UID_AT = 112;
const UID_MAX = 64;
export const CONTROL_BYTES = UID_AT + UID_MAX;

/** A plan for `files` files whose frames take at most `slotCapacity` bytes. */
export function newScanPlan(probe: string[], files: number, slotCapacity: number): ScanPlan {
  const slots = 2 * files - 1;
  return {
    probe,
    control: new SharedArrayBuffer(CONTROL_BYTES),
    claims: new SharedArrayBuffer(4 * slots),
    slots,
    slotCapacity,
    bytes: Math.ceil((slots * slotCapacity) / 64) * 64,
  };
}

/** The layout to predict from the probed headers (in natural name order), or undefined. */
export function predictLayout(headers: FileHeader[], plan: Pick<ScanPlan, 'slots' | 'slotCapacity'>): ScanLayout | undefined {
  const hs = headers.filter((h) => h.pixelData && h.frames[0]?.ipp && h.frames[0]?.iop);
  const ref = hs[0];
  if (!ref || ref.rows * ref.columns * 2 > plan.slotCapacity || ref.seriesInstanceUid.length > UID_MAX || !/^[\x20-\x7e]*$/.test(ref.seriesInstanceUid))
    return undefined;
  const iop = ref.frames[0].iop!;
  const normal = normalize(cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]));
  if (!normal.every(Number.isFinite)) return undefined;
  const along = (h: FileHeader) => dot(h.frames[0].ipp!, normal);
  const d0 = along(ref);
  const next = hs.find((h) => h !== ref && h.seriesInstanceUid === ref.seriesInstanceUid && Math.abs(along(h) - d0) > 1e-3);
  const tag = ref.spacingBetweenSlices ?? ref.sliceThickness;
  let step = next ? Math.abs(along(next) - d0) : tag;
  if (next && tag && tag > 1e-3) {
    const m = step! / tag;
    if (Math.round(m) >= 1 && Math.abs(m - Math.round(m)) < 1e-3) step = tag;
  }
  if (!step || !(step > 1e-3) || !Number.isFinite(d0)) return undefined;
  return {
    seriesInstanceUid: ref.seriesInstanceUid,
    rows: ref.rows,
    columns: ref.columns,
    iop: [...iop],
    normal,
    d0,
    step,
    center: (plan.slots - 1) / 2,
    slots: plan.slots,
  };
}

function publish(control: SharedArrayBuffer, L: ScanLayout | undefined): void {
  const i32 = new Int32Array(control);
  if (L) {
    const f64 = new Float64Array(control, 0, UID_AT / 8);
    i32[1] = L.rows;
    i32[2] = L.columns;
    i32[3] = L.seriesInstanceUid.length;
    f64[2] = L.d0;
    f64[3] = L.step;
    f64.set(L.normal, 4);
    f64.set(L.iop, 7);
    const uid = new Uint8Array(control, UID_AT, UID_MAX);
    for (let i = 0; i < L.seriesInstanceUid.length; i++) uid[i] = L.seriesInstanceUid.charCodeAt(i);
  }
  Atomics.store(i32, 0, L ? READY : NONE);
  Atomics.notify(i32, 0);
}

/** The decided layout (undefined: none, or not decided yet). */
export function readLayout(plan: ScanPlan): ScanLayout | undefined {
  const i32 = new Int32Array(plan.control);
  if (Atomics.load(i32, 0) !== READY) return undefined;
  const f64 = new Float64Array(plan.control, 0, UID_AT / 8);
  const uid = new Uint8Array(plan.control, UID_AT, i32[3]);
  return {
    seriesInstanceUid: String.fromCharCode(...uid),
    rows: i32[1],
    columns: i32[2],
    iop: Array.from(f64.subarray(7, 13)),
    normal: [f64[4], f64[5], f64[6]],
    d0: f64[2],
    step: f64[3],
    center: (plan.slots - 1) / 2,
    slots: plan.slots,
  };
}

/**
 * The layout for this scan without waiting: decided here (with `probe`, which parses the plan's
 * probe files) if no request has started to; null when decided that there is none; undefined
 * while another request is still deciding.
 */
export function tryLayout(plan: ScanPlan, probe: (files: string[]) => FileHeader[]): ScanLayout | null | undefined {
  const i32 = new Int32Array(plan.control);
  if (Atomics.compareExchange(i32, 0, UNDECIDED, PROBING) === UNDECIDED) {
    let L: ScanLayout | undefined;
    try {
      L = predictLayout(probe(plan.probe), plan);
    } finally {
      publish(plan.control, L);
    }
    return L ?? null;
  }
  const state = Atomics.load(i32, 0);
  return state === PROBING ? undefined : (readLayout(plan) ?? null);
}

/** The layout, waiting for the request that decides it (at most `waitMs`; then: none). */
export function awaitLayout(plan: ScanPlan, probe: (files: string[]) => FileHeader[], waitMs = 2000): ScanLayout | null {
  const i32 = new Int32Array(plan.control);
  const until = Date.now() + waitMs;
  for (;;) {
    const L = tryLayout(plan, probe);
    if (L !== undefined) return L;
    if (Date.now() >= until) return null;
    Atomics.wait(i32, 0, PROBING, 50);
  }
}

/** The slot of a file in the layout, or -1 when it does not fit it. */
export function layoutSlot(h: FileHeader, L: ScanLayout): number {
  const pd = h.pixelData;
  const f = h.frames[0];
  if (
    h.seriesInstanceUid !== L.seriesInstanceUid ||
    h.numberOfFrames !== 1 ||
    h.rows !== L.rows ||
    h.columns !== L.columns ||
    h.samplesPerPixel !== 1 ||
    h.bitsStored < 1 ||
    h.bitsStored > 16 ||
    !inPlaceCapable(h) ||
    h.photometric === 'PALETTE COLOR' ||
    !pd ||
    !pd.inFile ||
    pd.encapsulated ||
    (h.transferSyntax !== TS.explicitLE && h.transferSyntax !== TS.implicitLE) ||
    !f ||
    f.slope !== 1 ||
    !Number.isInteger(f.intercept) ||
    !f.ipp ||
    !f.iop ||
    !sameOrientation(f.iop, L.iop)
  ) {
    return -1;
  }
  const q = (dot(f.ipp, L.normal) - L.d0) / L.step;
  const k = Math.round(q);
  if (Math.abs(q - k) > 1e-3) return -1;
  const slot = L.center + k;
  return slot >= 0 && slot < L.slots ? slot : -1;
}

/** Claims a slot for one file; false when another file has it already. */
export function claimSlot(plan: ScanPlan, slot: number): boolean {
  return Atomics.compareExchange(new Int32Array(plan.claims), slot, 0, 1) === 0;
}
