/**
 * The HELLO key proof (docs/device-protocol.md §8.3): on a CURVE bus a device proves in its
 * HELLO that it holds the secret key enrolled for the deviceId it claims. Both ends compute the
 * same X25519 shared secret (device secret × hub public = hub secret × device public, the
 * Curve25519 keys CURVE already uses) and an HMAC-SHA256 of the claimed deviceId under it.
 * zeromq.js does not say which CURVE key sent a message, so the proof is what ties the two.
 */
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, timingSafeEqual } from 'node:crypto';
import { z85Decode } from '../common/z85';

/** The HMAC message: this prefix, the claimed deviceId (UTF-8). */
export const HELLO_PROOF_CONTEXT = 'OR-HUB-HELLO-PROOF-1\n';

/** The `auth` member of a HELLO's JSON (§8.3). */
export interface HelloAuth {
  /** The device's CURVE public key, Z85. */
  key: string;
  /** HMAC-SHA256(X25519 shared secret, HELLO_PROOF_CONTEXT + deviceId), 64 lowercase hex digits. */
  proof: string;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

function raw(z85: string, what: string): Uint8Array {
  const k = z85Decode(z85);
  if (!k || k.length !== 32) throw new Error(`${what} is not a 40-character Z85 CURVE key`);
  return k;
}

/** X25519(secret, public), both Z85. */
export function sharedSecret(secretZ85: string, publicZ85: string): Buffer {
  const pub = raw(publicZ85, 'public key');
  const d = raw(secretZ85, 'secret key');
  // The JWK wants the private key's public half too; X25519 derives it, so any 32 bytes do for `x`.
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(d), x: b64u(pub) }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(pub) }, format: 'jwk' });
  return diffieHellman({ privateKey, publicKey });
}

export function helloProof(shared: Uint8Array, deviceId: string): string {
  return createHmac('sha256', shared)
    .update(HELLO_PROOF_CONTEXT + deviceId, 'utf8')
    .digest('hex');
}

/** What a device puts in its HELLO: its public key and the proof for `deviceId`. */
export function makeHelloAuth(keys: { publicKey: string; secretKey: string; serverPublicKey: string }, deviceId: string): HelloAuth {
  return { key: keys.publicKey, proof: helloProof(sharedSecret(keys.secretKey, keys.serverPublicKey), deviceId) };
}

/** Whether `auth` proves, to the hub with `hubSecretKey`, the secret key of `auth.key` for `deviceId`. Never throws. */
export function checkHelloAuth(auth: HelloAuth, deviceId: string, hubSecretKey: string): boolean {
  try {
    const want = Buffer.from(helloProof(sharedSecret(hubSecretKey, auth.key), deviceId), 'hex');
    const got = Buffer.from(auth.proof, 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  } catch {
    return false;
  }
}
