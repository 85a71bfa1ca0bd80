/**
 * Memory for Int16 volumes: shared WebAssembly.Memory objects (the SIMD kernel converts samples
 * in place there), recycled between loads.
 *
 * Why recycle: a load writes a whole volume (70 MiB for a 140-slice 512x512 CT) into memory, and
 * on a fresh allocation every 4 KiB page is a page fault, zeroed by the kernel on first touch
 * (about 18,000 faults, 15 ms on two cores of the VM in docs/benchmarks.md: as long as reading
 * the files). A volume that is no longer shown is handed back with `releaseVolume`; the next
 * load of a similar size gets its memory, already mapped. Kept memory is dropped after
 * KEEP_MS without use, so an idle hub holds no extra volume.
 *
 * A released volume must not be read any more: its memory is rewritten by the next load.
 */
import { sharedVolumeMemory } from './simd';

/** How long a released memory is kept for the next load. */
const KEEP_MS = 60_000;
/** At most this many released memories are kept. */
const KEEP_MAX = 2;

const free: WebAssembly.Memory[] = [];
/**
 * The memory behind each volume's data (the typed array a load put in `Volume.data`), until the
 * volume is released: a second release of the same volume is then a no-op, even when its memory
 * already belongs to a newer volume.
 */
const owner = new WeakMap<ArrayBufferView, WebAssembly.Memory>();
let trimTimer: NodeJS.Timeout | undefined;

export interface VolumeMemoryStats {
  /** Memories newly allocated / taken from the released ones. */
  allocated: number;
  reused: number;
  /** Released memories kept right now, and their bytes. */
  kept: number;
  keptBytes: number;
}

const counts = { allocated: 0, reused: 0 };

/**
 * A shared memory of at least `bytes`: a released one when one fits (not more than twice the
 * size asked for, so a small series does not pin a huge memory), else a new one. Undefined
 * when no such memory can be had (over 4 GiB, or refused).
 */
export function acquireVolumeMemory(bytes: number): WebAssembly.Memory | undefined {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const n = free[i].buffer.byteLength;
    if (n >= bytes && n <= 2 * bytes + (1 << 20) && (best < 0 || n < free[best].buffer.byteLength)) best = i;
  }
  if (best >= 0) {
    counts.reused++;
    return free.splice(best, 1)[0];
  }
  const mem = sharedVolumeMemory(bytes);
  if (mem) counts.allocated++;
  return mem;
}

/** Records that `data` (a view of `mem`) is a volume's data, for releaseVolume. */
export function volumeData<T extends ArrayBufferView>(data: T, mem: WebAssembly.Memory): T {
  owner.set(data, mem);
  return data;
}

/** Hands a memory back (one from acquireVolumeMemory, not in use any more). */
export function releaseVolumeMemory(mem: WebAssembly.Memory): void {
  if (free.includes(mem)) return;
  free.push(mem);
  while (free.length > KEEP_MAX) free.shift();
  clearTimeout(trimTimer);
  trimTimer = setTimeout(trimVolumeMemory, KEEP_MS);
  trimTimer.unref();
}

/**
 * Hands back the memory behind a volume's data, if a load made it there and it has not been
 * handed back yet (other volumes, e.g. the demo phantom or Float32 volumes, are left to the
 * garbage collector). Returns true if it did.
 */
export function releaseVolume(v: { data: ArrayBufferView } | undefined): boolean {
  const mem = v ? owner.get(v.data) : undefined;
  if (!mem) return false;
  owner.delete(v!.data);
  releaseVolumeMemory(mem);
  return true;
}

/** Drops every kept memory (the garbage collector then returns it to the system). */
export function trimVolumeMemory(): void {
  free.length = 0;
  clearTimeout(trimTimer);
  trimTimer = undefined;
}

export function volumeMemoryStats(): VolumeMemoryStats {
  return { ...counts, kept: free.length, keptBytes: free.reduce((n, m) => n + m.buffer.byteLength, 0) };
}
