/**
 * The read-only shared test data: ../shared/data beside the repository root (CI always has it).
 * A test that needs it skips with a message when it is absent, except under CI=true, where a missing
 * path is an error, so the test file fails instead of passing with nothing checked. Tests only.
 */
import fs from 'node:fs';
import path from 'node:path';

/** ../shared/data beside the repository root. */
export const SHARED_DATA = path.resolve(__dirname, '../../../shared/data');

/** A path inside the shared data, e.g. sharedData('dicom', 'pydicom-test-files'). */
export function sharedData(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}

/** Whether the environment says this is a CI run (CI=true or CI=1, as CI services set it). */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1)$/i.test(env.CI ?? '');
}

export class MissingSharedDataError extends Error {
  override name = 'MissingSharedDataError';
}

/**
 * For node:test's `skip` option: false when `p` exists, else the reason to skip.
 * Under CI=true a missing path throws MissingSharedDataError instead (the test file fails).
 */
export function missingShared(p: string, env: NodeJS.ProcessEnv = process.env): string | false {
  if (fs.existsSync(p)) return false;
  const why = `shared test data not found at ${p} (clone shared/ beside the repository)`;
  if (onCi(env)) throw new MissingSharedDataError(`${why}; CI=${env.CI}: a CI run has shared/, so this fails instead of skipping`);
  return why;
}
