/**
 * Which deviceId an enrolled CURVE key may claim (docs/device-protocol.md §8.3): the hub checks
 * each HELLO's key proof (hello-proof.ts) against the enrolment of the key it names, and
 * re-checks the devices it holds whenever the allow-list changes (a revoked key is cut within a second).
 */
import { checkHelloAuth, type HelloAuth } from './hello-proof';
import { enrolmentsReader, type EnrolledDevice } from './key-store';
import { isCurveKey } from '../common/z85';

export type IdentityVerdict = { ok: true; key: string } | { ok: false; reason: string };

/** The hub's identity check: a HELLO's claimed deviceId and its `auth` member (unvalidated JSON). */
export interface IdentityCheck {
  check(deviceId: string, auth: unknown): IdentityVerdict;
  /** Whether the key a session proved still may claim `deviceId` (the allow-list may have changed). */
  allowed(key: string, deviceId: string): boolean;
}

/** An enrolment's claims (exact ids, or prefixes ending in `*`) cover `deviceId`. */
export function mayClaim(claims: readonly string[], deviceId: string): boolean {
  return claims.some((c) => (c.endsWith('*') ? deviceId.startsWith(c.slice(0, -1)) : c === deviceId));
}

function asAuth(v: unknown): HelloAuth | null {
  const a = v as Partial<HelloAuth> | null;
  return a && typeof a === 'object' && isCurveKey(a.key) && typeof a.proof === 'string' && /^[0-9a-f]{64}$/.test(a.proof)
    ? { key: a.key, proof: a.proof }
    : null;
}

/** The identity check of a CURVE hub whose allow-list is `<dataDir>/keys/enrolled.json`. */
export class EnrolledIdentities implements IdentityCheck {
  private readonly reader: ReturnType<typeof enrolmentsReader>;

  constructor(
    dataDir: string,
    private readonly hubSecretKey: string,
  ) {
    this.reader = enrolmentsReader(dataDir);
  }

  private enrolment(key: string): EnrolledDevice | undefined {
    return this.reader.devices().find((d) => d.publicKey === key);
  }

  check(deviceId: string, auth: unknown): IdentityVerdict {
    const a = asAuth(auth);
    if (!a) return { ok: false, reason: 'HELLO has no valid "auth" member {key, proof} (required on a CURVE bus, §8.3)' };
    const e = this.enrolment(a.key);
    if (!e) return { ok: false, reason: 'the key in "auth" is not enrolled' };
    if (!mayClaim(e.deviceIds, deviceId)) return { ok: false, reason: `key enrolled as "${e.name}" may not claim deviceId ${deviceId}` };
    if (!checkHelloAuth(a, deviceId, this.hubSecretKey)) return { ok: false, reason: 'the proof in "auth" is wrong for this key and deviceId' };
    return { ok: true, key: a.key };
  }

  allowed(key: string, deviceId: string): boolean {
    const e = this.enrolment(key);
    return e !== undefined && mayClaim(e.deviceIds, deviceId);
  }

  /** Calls `onChange` (within `everyMs`) whenever the allow-list file changes; returns the stop function. */
  watch(onChange: () => void, everyMs = 250): () => void {
    let last = this.reader.stamp();
    const timer = setInterval(() => {
      const now = this.reader.stamp();
      if (now === last) return;
      last = now;
      onChange();
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
