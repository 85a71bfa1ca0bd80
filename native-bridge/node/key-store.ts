/**
 * CURVE key store of a hub, under `<data dir>/keys/` (docs/device-protocol.md §8):
 *
 *   hub.key.json             the hub's key pair                       {publicKey, secretKey, createdAt}
 *   enrolled.json            the allow-list of device public keys     {version: 1, devices: [{name, publicKey, enrolledAt, deviceIds}]}
 *   devices/NAME.key.json    a device key pair made by `keys enrol`   {name, publicKey, secretKey, hubPublicKey}
 *
 * Keys are Z85 text (40 characters). Every file is written atomically with mode 0600,
 * folders with 0700. Node only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { isCurveKey } from '../common/z85';
import type { CurveClientKeys } from './device-client';

export interface HubKeys {
  publicKey: string;
  secretKey: string;
  createdAt: string;
}

export interface EnrolledDevice {
  name: string;
  publicKey: string;
  enrolledAt: string;
  /**
   * The deviceIds this key may claim in HELLO (§8.3): exact ids, or a prefix ending in `*`.
   * Default (and for enrolments written before there was this member): the name.
   */
  deviceIds: string[];
}

export interface DeviceKeyFile extends CurveClientKeys {
  name: string;
}

export const DEVICE_NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
/** A deviceId (the descriptor's pattern), or a prefix of one followed by `*`. */
export const DEVICE_ID_CLAIM_RE = /^(?:[A-Za-z0-9._:-]{1,64}|[A-Za-z0-9._:-]{0,63}\*)$/;

export class KeyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

export function keysDir(dataDir: string): string {
  return path.join(dataDir, 'keys');
}

function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/** Writes JSON atomically (temp file + rename) with mode 0600. */
function writeSecret(file: string, value: unknown): void {
  ensureDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyStoreError(`${file}: ${(e as Error).message}`);
  }
}

const hubFile = (dataDir: string) => path.join(keysDir(dataDir), 'hub.key.json');
const enrolledFile = (dataDir: string) => path.join(keysDir(dataDir), 'enrolled.json');
export const deviceKeyFile = (dataDir: string, name: string) => path.join(keysDir(dataDir), 'devices', `${name}.key.json`);

export function loadHubKeys(dataDir: string): HubKeys | null {
  const v = readJson(hubFile(dataDir)) as Partial<HubKeys> | undefined;
  if (v === undefined) return null;
  if (!isCurveKey(v.publicKey) || !isCurveKey(v.secretKey)) throw new KeyStoreError(`${hubFile(dataDir)}: not a CURVE key pair`);
  return { publicKey: v.publicKey, secretKey: v.secretKey, createdAt: String(v.createdAt ?? '') };
}

/** Creates the hub's key pair unless it exists (or `force`). */
export function initHubKeys(dataDir: string, force = false): { keys: HubKeys; created: boolean } {
  const existing = loadHubKeys(dataDir);
  if (existing && !force) return { keys: existing, created: false };
  const kp = curveKeyPair();
  const keys: HubKeys = { publicKey: kp.publicKey, secretKey: kp.secretKey, createdAt: new Date().toISOString() };
  writeSecret(hubFile(dataDir), keys);
  return { keys, created: true };
}

export function listEnrolled(dataDir: string): EnrolledDevice[] {
  const v = readJson(enrolledFile(dataDir)) as { devices?: unknown } | undefined;
  if (v === undefined) return [];
  if (!v || !Array.isArray(v.devices)) throw new KeyStoreError(`${enrolledFile(dataDir)}: no "devices" list`);
  const out: EnrolledDevice[] = [];
  for (const d of v.devices as Partial<EnrolledDevice>[]) {
    if (typeof d?.name !== 'string' || !DEVICE_NAME_RE.test(d.name) || !isCurveKey(d.publicKey)) continue;
    const ids = Array.isArray(d.deviceIds) ? d.deviceIds.filter((x): x is string => typeof x === 'string' && DEVICE_ID_CLAIM_RE.test(x)) : [d.name];
    out.push({ name: d.name, publicKey: d.publicKey, enrolledAt: String(d.enrolledAt ?? ''), deviceIds: ids });
  }
  return out;
}

function saveEnrolled(dataDir: string, devices: EnrolledDevice[]): void {
  writeSecret(enrolledFile(dataDir), { version: 1, devices });
}

/** Public key (Z85) -> device name, as the ZAP handler checks it. Read fresh on each call. */
export function loadAllowList(dataDir: string): Map<string, string> {
  return new Map(listEnrolled(dataDir).map((d) => [d.publicKey, d.name]));
}

/**
 * Enrols a device by name. Without `publicKey` a key pair is generated and written to
 * devices/NAME.key.json (with the hub's public key: the one file a device needs). Without hub
 * keys yet, they are created first (as `keys init` would; `hubKeysCreated` says so).
 */
export function enrolDevice(
  dataDir: string,
  name: string,
  publicKey?: string,
  deviceIds: string[] = [name],
): { device: EnrolledDevice; keyFile: string | null; hubKeysCreated: boolean } {
  if (!DEVICE_NAME_RE.test(name)) throw new KeyStoreError(`device name "${name}" must match [A-Za-z0-9._-]{1,64}`);
  const badId = deviceIds.find((d) => !DEVICE_ID_CLAIM_RE.test(d));
  if (badId !== undefined || deviceIds.length === 0) {
    throw new KeyStoreError(`device id "${badId ?? ''}" must match [A-Za-z0-9._:-]{1,64}, or be a prefix of one ending in *`);
  }
  if (publicKey !== undefined && !isCurveKey(publicKey)) throw new KeyStoreError('--public-key must be a 40-character Z85 CURVE public key');
  const devices = listEnrolled(dataDir);
  if (devices.some((d) => d.name === name)) throw new KeyStoreError(`a device named "${name}" is already enrolled (revoke it first)`);
  const { keys: hub, created: hubKeysCreated } = initHubKeys(dataDir);
  let keyFile: string | null = null;
  let pub = publicKey;
  if (pub === undefined) {
    const kp = curveKeyPair();
    pub = kp.publicKey;
    keyFile = deviceKeyFile(dataDir, name);
    writeSecret(keyFile, { name, publicKey: kp.publicKey, secretKey: kp.secretKey, serverPublicKey: hub.publicKey } satisfies DeviceKeyFile);
  }
  if (devices.some((d) => d.publicKey === pub))
    throw new KeyStoreError(`that public key is already enrolled as "${devices.find((d) => d.publicKey === pub)!.name}"`);
  const device: EnrolledDevice = { name, publicKey: pub, enrolledAt: new Date().toISOString(), deviceIds };
  saveEnrolled(dataDir, [...devices, device]);
  return { device, keyFile, hubKeysCreated };
}

/** Removes a device from the allow-list (and its generated key file). Returns false if it was not enrolled. */
export function revokeDevice(dataDir: string, name: string): boolean {
  const devices = listEnrolled(dataDir);
  const rest = devices.filter((d) => d.name !== name);
  if (rest.length === devices.length) return false;
  saveEnrolled(dataDir, rest);
  fs.rmSync(deviceKeyFile(dataDir, name), { force: true });
  return true;
}

/** Reads a device key file (as written by enrolDevice). */
export function readDeviceKeyFile(file: string): DeviceKeyFile {
  const v = readJson(file) as Partial<DeviceKeyFile> | undefined;
  if (v === undefined) throw new KeyStoreError(`${file}: no such key file`);
  if (!isCurveKey(v.publicKey) || !isCurveKey(v.secretKey) || !isCurveKey(v.serverPublicKey)) {
    throw new KeyStoreError(`${file}: needs publicKey, secretKey and serverPublicKey (Z85 CURVE keys)`);
  }
  return { name: String(v.name ?? path.basename(file)), publicKey: v.publicKey, secretKey: v.secretKey, serverPublicKey: v.serverPublicKey };
}

/**
 * The enrolled devices, re-read only when enrolled.json changes (so `keys enrol` and `keys revoke`
 * apply at once, without a restart). No list: nobody is enrolled. `stamp()` says whether it changed.
 */
export function enrolmentsReader(dataDir: string): { devices: () => EnrolledDevice[]; stamp: () => string } {
  let cached: EnrolledDevice[] = [];
  let stamp = '';
  const current = () => {
    try {
      const st = fs.statSync(enrolledFile(dataDir));
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'missing';
    }
  };
  return {
    devices() {
      const s = current();
      if (s !== stamp) {
        cached = s === 'missing' ? [] : listEnrolled(dataDir);
        stamp = s;
      }
      return cached;
    },
    stamp: current,
  };
}

/**
 * An allow-list check for BusServer's `authorise`: public key -> enrolled name or null.
 * Re-reads enrolled.json when it changes, so `keys enrol` and `keys revoke` apply to the
 * next connection attempt without a restart. An unreadable list refuses everyone.
 */
export function allowListAuthoriser(dataDir: string): (publicKey: string) => string | null {
  const reader = enrolmentsReader(dataDir);
  return (publicKey) => reader.devices().find((d) => d.publicKey === publicKey)?.name ?? null;
}

/**
 * Makes sure device `name` is enrolled with a key file the hub holds (used for the
 * built-in simulator of `or-hub start --simulate`); returns the key file path.
 */
export function ensureDeviceKeyFile(dataDir: string, name: string, deviceIds: string[] = [name]): string {
  const file = deviceKeyFile(dataDir, name);
  const enrolled = listEnrolled(dataDir).find((d) => d.name === name);
  if (enrolled && fs.existsSync(file)) {
    try {
      const k = readDeviceKeyFile(file);
      const same = k.publicKey === enrolled.publicKey && enrolled.deviceIds.join('\n') === deviceIds.join('\n');
      if (same && k.serverPublicKey === loadHubKeys(dataDir)?.publicKey) return file;
    } catch {
      // unreadable: enrol afresh below
    }
  }
  if (enrolled) revokeDevice(dataDir, name);
  return enrolDevice(dataDir, name, undefined, deviceIds).keyFile!;
}
