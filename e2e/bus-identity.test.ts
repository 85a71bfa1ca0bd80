/**
 * Issue 12 §6, CURVE on loopback with a real `or-hub start` process and `or-hub keys` commands:
 * a device started before its key is enrolled gets in once it is (the SDK makes its sockets
 * anew after a refusal); a key may only claim the deviceId it was enrolled for; revoking a key
 * cuts its device off within a second; `keys enrol` works without `keys init`.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { runToEnd, startHub, type HubProc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { DeviceClient } from '../native-bridge/node/device-client';
import { HubErrorCode } from '../native-bridge/common/wire';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import type { DeviceView } from '../common/display-contract';

let hub: HubProc;
let display: DisplayClient;
let dataDir: string;
let hubPublic: string;
const clients: DeviceClient[] = [];

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-e2e-identity-'));
  // No `keys init`: enrol makes the hub keys itself and says so.
  const first = await runToEnd(['keys', 'enrol', 'first-dev', '--data-dir', dataDir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /created hub keys in/);
  hubPublic = JSON.parse(fs.readFileSync(path.join(dataDir, 'keys', 'hub.key.json'), 'utf8')).publicKey;
  hub = await startHub(['--bus-security', 'curve', '--data-dir', dataDir]);
  display = await DisplayClient.connect(hub.origin, hub.token);
});
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  display?.close();
  await hub?.kill('SIGKILL');
});

function desc(deviceId: string): DeviceDescriptor {
  return { protocol: 1, deviceId, kind: 'other', manufacturer: 'OR Hub tests', model: 'Probe', serial: deviceId, heartbeatMs: 500, channels: [] };
}

function device(deviceId: string, keys: { publicKey: string; secretKey: string }): DeviceClient {
  const c = new DeviceClient({ endpoint: hub.bus, descriptor: desc(deviceId), curve: { serverPublicKey: hubPublic, ...keys } });
  clients.push(c);
  c.start();
  return c;
}

async function status(): Promise<{ devices: DeviceView[]; bus: { authDenied: number; decodeErrors: Record<string, number> } }> {
  const r = await fetch(`${hub.origin}/api/status`, { headers: { authorization: `Bearer ${hub.token}` } });
  return (await r.json()) as { devices: DeviceView[]; bus: { authDenied: number; decodeErrors: Record<string, number> } };
}

const enrol = (name: string, pub: string, ids?: string) =>
  runToEnd(['keys', 'enrol', name, '--public-key', pub, ...(ids ? ['--device-id', ids] : []), '--data-dir', dataDir]);

test('a device refused for an unknown key gets in once the key is enrolled, without a restart', { timeout: 60_000 }, async () => {
  const keys = curveKeyPair();
  const c = device('late-01', keys);
  await waitFor(() => c.link.authFailures >= 2, 'refused (and tried again) while not enrolled', 10_000);
  assert.equal(c.accepted, false);
  assert.ok(c.link.redials >= 1, 'the SDK made its sockets anew after the refusal');
  const r = await enrol('late-01', keys.publicKey);
  assert.equal(r.code, 0, r.stderr);
  const ms = await waitFor(() => c.accepted && display.state('late-01') === 'online', 'online after enrolment', 10_000);
  console.log(`enrolled while running: online ${ms} ms after enrolment (${c.link.authFailures} refusals, ${c.link.redials} new sockets)`);
  assert.ok(ms <= 6000, 'within the SDK backoff maximum (5 s) and a handshake');
});

test('an enrolled key may claim only the deviceId it was enrolled for (IDENTITY_REFUSED); others are not admitted', { timeout: 30_000 }, async () => {
  const keys = curveKeyPair();
  assert.equal((await enrol('monitor-7', keys.publicKey, 'monitor-7')).code, 0);
  const errors: number[] = [];
  const impostor = device('pump-9', keys);
  impostor.on('hub-error', (code: number) => errors.push(code));
  await waitFor(() => errors.includes(HubErrorCode.IdentityRefused), 'IDENTITY_REFUSED for a deviceId the key was not enrolled for');
  assert.equal(impostor.accepted, false);
  const s = await status();
  assert.equal(
    s.devices.some((d) => d.deviceId === 'pump-9'),
    false,
    'the claimed identity is not admitted',
  );
  assert.ok((s.bus.decodeErrors.IDENTITY_REFUSED ?? 0) >= 1);
  await impostor.stop();

  // The same key under its own deviceId is admitted.
  const honest = device('monitor-7', keys);
  await waitFor(() => honest.accepted && display.state('monitor-7') === 'online', 'the enrolled deviceId online');
});

test('revoking a key cuts its connected device off within a second (offline, refused)', { timeout: 30_000 }, async () => {
  const keys = curveKeyPair();
  assert.equal((await enrol('revoked-01', keys.publicKey)).code, 0);
  const c = device('revoked-01', keys);
  const errors: { code: number; tMs: number }[] = [];
  c.on('hub-error', (code: number) => errors.push({ code, tMs: Date.now() }));
  await waitFor(() => display.state('revoked-01') === 'online', 'online before revocation');
  const t0 = Date.now();
  const r = await runToEnd(['keys', 'revoke', 'revoked-01', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const tRevoked = Date.now();
  await waitFor(() => display.state('revoked-01') === 'offline', 'offline after revocation', 3000);
  const cut = Date.now() - tRevoked;
  console.log(`revoked: offline ${cut} ms after "keys revoke" returned (${tRevoked - t0} ms to run it)`);
  assert.ok(cut <= 1000, `within 1 s (${cut} ms)`);
  assert.match(display.devices.get('revoked-01')!.stateReason, /revoked/);
  await waitFor(() => errors.some((e) => e.code === HubErrorCode.IdentityRefused), 'told IDENTITY_REFUSED');
  // Its heartbeats keep coming on the old connection: they do not bring it back.
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(display.state('revoked-01'), 'offline', 'still offline: its frames are refused');
  assert.equal((await status()).devices.find((d) => d.deviceId === 'revoked-01')!.state, 'offline');
});
