/**
 * Whether the shell asks Chromium to composite in software (`--disable-gpu-compositing`).
 *
 * Why: on a machine without a usable GPU, Chromium normally composites in software and runs
 * WebGL (if at all) on SwiftShader. When it instead composites with a software GL (SwiftShader,
 * llvmpipe, the Windows basic render driver), compositing a 1920x1080 frame takes most of each
 * frame on the GPU process's main thread and the waveforms lose frames: measured in headless
 * Chromium with SwiftShader compositing, the display with the 3D view off missed 45 % of its
 * frames, against none with software compositing (docs/anatomy.md, "Software renderers";
 * docs/benchmarks.md, "3D view"). WebGL is unaffected by the switch; without a hardware GPU the
 * 3D view draws with its CPU worker anyway.
 *
 * The GPU in use is only known after `app` is ready, and the switch only works before, so the
 * decision is made at start from, in order:
 *   1. ORHUB_GPU_COMPOSITING=software|gpu in the environment (an explicit choice);
 *   2. what the previous start found (remembered in the user-data folder): a software GL
 *      compositing -> software compositing;
 *   3. Linux without a DRM render node or NVIDIA device: no hardware GPU -> software compositing.
 * Otherwise Chromium decides. Pure (no Electron) so it is unit tested; main.ts does the I/O.
 */

/** What a start found about the GPU, remembered for the next start. */
export interface GpuFinding {
  /** Chromium composited with a software GL renderer this start. */
  softwareGl: boolean;
  /** The GL renderer string (for the log), at most 200 characters. */
  renderer: string;
}

export interface CompositingDecision {
  software: boolean;
  why: string;
}

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|lavapipe|software rasteri[sz]er|microsoft basic render/i;

export function isSoftwareGl(renderer: string): boolean {
  return SOFTWARE_GL.test(renderer);
}

export function decideCompositing(input: {
  env: string | undefined;
  remembered: GpuFinding | null;
  /** Whether /dev/dri/renderD* or /dev/nvidia0 exists (Linux); null where not checked (other platforms). */
  hardwareGpuNode: boolean | null;
}): CompositingDecision {
  const env = (input.env ?? '').trim().toLowerCase();
  if (env === 'software') return { software: true, why: 'ORHUB_GPU_COMPOSITING=software' };
  if (env === 'gpu') return { software: false, why: 'ORHUB_GPU_COMPOSITING=gpu' };
  if (input.remembered?.softwareGl) return { software: true, why: `the last start composited with a software GL (${input.remembered.renderer})` };
  if (input.hardwareGpuNode === false) return { software: true, why: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia0)' };
  return { software: false, why: 'Chromium decides (a hardware GPU may be present)' };
}

/**
 * The finding after ready, from `app.getGPUFeatureStatus()` and `app.getGPUInfo('complete')`;
 * null when it says nothing (no GL renderer reported). `forcedSoftware`: this start already
 * composites in software by our switch, so a software GL counts as if it had composited (else
 * the next start would flip back to GPU compositing).
 */
export function findingFromGpu(featureStatus: unknown, info: unknown, forcedSoftware = false): GpuFinding | null {
  const compositing = typeof featureStatus === 'object' && featureStatus !== null ? (featureStatus as Record<string, unknown>).gpu_compositing : undefined;
  const aux = typeof info === 'object' && info !== null ? (info as { auxAttributes?: unknown }).auxAttributes : undefined;
  const renderer = typeof aux === 'object' && aux !== null ? (aux as { glRenderer?: unknown }).glRenderer : undefined;
  if (typeof renderer !== 'string' || renderer === '') return null;
  const gpuCompositing = typeof compositing === 'string' && compositing.startsWith('enabled');
  return { softwareGl: (gpuCompositing || forcedSoftware) && isSoftwareGl(renderer), renderer: renderer.slice(0, 200) };
}

/** A remembered finding from its file's text; null for anything malformed. */
export function parseFinding(text: string): GpuFinding | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const { softwareGl, renderer } = v as Record<string, unknown>;
    if (typeof softwareGl !== 'boolean' || typeof renderer !== 'string') return null;
    return { softwareGl, renderer: renderer.slice(0, 200) };
  } catch {
    return null;
  }
}
