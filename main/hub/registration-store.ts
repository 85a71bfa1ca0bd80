/**
 * Registrations kept per image key (series instance UID) in DATA_DIR/anatomy/registrations.json,
 * so a restarted hub finds the registration of the procedure again (anatomy-service.ts).
 */
import fs from 'node:fs';
import { writePrivateFile } from './data-dir';
import type { RegistrationView } from '../../common/anatomy-contract';

export class RegistrationStore {
  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void,
  ) {}

  get(key: string): RegistrationView | null {
    return this.read()[key] ?? null;
  }

  /** Keeps `r` for `key`, or forgets the key's registration (null). */
  set(key: string, r: RegistrationView | null): void {
    const all = this.read();
    if (r) all[key] = r;
    else delete all[key];
    try {
      writePrivateFile(this.file, JSON.stringify(all, null, 1));
    } catch (e) {
      this.log(`anatomy: could not save the registration: ${(e as Error).message}`);
    }
  }

  private read(): Record<string, RegistrationView> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, RegistrationView>;
    } catch {
      return {};
    }
  }
}
