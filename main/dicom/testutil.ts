/** Test helpers: shared data location, peer tools (DCMTK, GDCM), temp dirs. Tests only. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';

/** ../shared/data/dicom beside the repo (the repo is /work/main, shared is /work/shared; same in CI). */
export const DATA = sharedData('dicom');
export const PHANTOM = path.join(DATA, 'ct-head-phantom/S2020_STD_BRAIN_1MM');
export const SYNTAXES = path.join(DATA, 'transfer-syntaxes/testImages');
export const PYDICOM = path.join(DATA, 'pydicom-test-files');

/** Skip reason when shared data is absent, else false; under CI=true a missing path fails the test file instead. */
export const missingData = (p: string): string | false => missingShared(p);

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Skip reason when a peer tool is absent, else false. */
export function missingTools(...cmds: string[]): string | false {
  const missing = cmds.filter((c) => !hasTool(c));
  return missing.length ? `peer tools not installed: ${missing.join(', ')} (apt-get install dcmtk libgdcm-tools)` : false;
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix = 'orhub-dicom-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Values of one attribute from `dcmdump +P tag`, split on backslash, as numbers. */
export function dcmdumpNumbers(file: string, tag: string): number[] {
  const out = run('dcmdump', ['+L', '+P', tag, file]);
  const m = out.match(/\[([^\]]*)\]/);
  if (!m) {
    const bin = out.match(/^\([0-9a-f,]+\) \w\w ([^#]+)#/m);
    return bin ? bin[1].trim().split('\\').map(Number) : [];
  }
  return m[1].split('\\').map(Number);
}
