/** Test helper: polls fn every `everyMs` until it is true; throws naming `what` after `ms`. */
export async function until(fn: () => boolean, what: string, ms = 5000, everyMs = 20): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
