/**
 * Issue 3, security, with the real CLI: off loopback the bus is CURVE-encrypted and only
 * enrolled device keys get in (ZAP allow-list); unknown keys and plain-text peers are
 * refused, counted and logged; plain text off loopback is refused at start.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { startHub, run, runToEnd, type HubProc, type Proc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { DeviceClient } from '../native-bridge/node/device-client';
import { fuzzDescriptor } from '../native-bridge/node/tools/fuzz-frames';

function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}
const lan = lanAddress();

const procs: Proc[] = [];
const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
  for (const p of procs.reverse()) await p.kill('SIGKILL');
});

interface BusStatus {
  security: string;
  authDenied: number;
  authAccepted: number;
  handshakeFailures: number;
  dataEndpoint: string | null;
  dataReceived: number;
}

/** The hub's device list as a display connecting now gets it (its snapshot). */
async function devicesNow(hub: HubProc): Promise<Map<string, string>> {
  const d = await DisplayClient.connect(hub.origin, hub.token);
  d.close();
  return new Map([...d.devices].map(([id, v]) => [id, v.state]));
}

async function busStatus(hub: HubProc): Promise<BusStatus> {
  const r = await fetch(`${hub.origin}/api/status`, { headers: { authorization: `Bearer ${hub.token}` } });
  return ((await r.json()) as { bus: BusStatus }).bus;
}

test('plain text off loopback is refused at start', { skip: lan ? false : 'no non-loopback IPv4 address' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-e2e-sec-'));
  const r = await runToEnd(['start', '--headless', '--port', '0', '--bus', `tcp://${lan}:0`, '--bus-security', 'plain', '--data-dir', dir]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /off loopback: plain text is refused/);
  const bad = await runToEnd(['start', '--headless', '--bus-security', 'none']);
  assert.equal(bad.code, 2);
});

test(
  'CURVE off loopback: an enrolled simulator connects; unknown keys and plain-text peers are refused and counted; revoked keys stop working',
  { skip: lan ? false : 'no non-loopback IPv4 address', timeout: 90_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-e2e-sec-'));
    assert.equal((await runToEnd(['keys', 'init', '--data-dir', dir])).code, 0);
    const enrol = await runToEnd(['keys', 'enrol', 'pump-a', '--device-id', 'sim-pump-01', '--data-dir', dir]);
    const keyFile = /device key file: (\S+)/.exec(enrol.stdout)![1];
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);

    const hub = await startHub(['--bus', `tcp://${lan}:*`, '--bus-security', 'curve', '--data-dir', dir]);
    procs.push(hub);
    assert.ok(hub.bus.startsWith(`tcp://${lan}:`), hub.bus);
    const display = await DisplayClient.connect(hub.origin, hub.token);
    closers.push(() => display.close());

    const sim = run(['simulate', '--bus', hub.bus, '--devices', 'pump1', '--keys', keyFile]);
    procs.push(sim);
    await waitFor(() => display.state('sim-pump-01') === 'online', 'the enrolled simulator online over CURVE', 10_000);
    // Its data goes over the data channel (§2.3), off loopback too, under the same CURVE and allow-list.
    assert.ok((await busStatus(hub)).dataEndpoint?.startsWith(`tcp://${lan}:`));
    await waitFor(async () => (await busStatus(hub)).dataReceived > 0, 'data over the encrypted data channel', 10_000);

    // A device with a key the hub has never seen, and one speaking plain text.
    const hubPublic = JSON.parse(fs.readFileSync(path.join(dir, 'keys', 'hub.key.json'), 'utf8')).publicKey as string;
    const stranger = new DeviceClient({
      endpoint: hub.bus,
      descriptor: fuzzDescriptor('stranger-01'),
      curve: { serverPublicKey: hubPublic, ...curveKeyPair() },
    });
    const plain = new DeviceClient({ endpoint: hub.bus, descriptor: fuzzDescriptor('plain-01') });
    for (const c of [stranger, plain]) {
      closers.push(() => c.stop());
      c.start();
    }
    let st: BusStatus = await busStatus(hub);
    for (const t0 = Date.now(); (st.authDenied < 1 || st.handshakeFailures < 1) && Date.now() - t0 < 10_000;) {
      await new Promise((r) => setTimeout(r, 200));
      st = await busStatus(hub);
    }
    assert.equal(st.security, 'curve');
    assert.ok(st.authDenied >= 1, `unknown key refused and counted (${st.authDenied})`);
    assert.ok(st.handshakeFailures >= 1, `plain-text peer refused and counted (${st.handshakeFailures})`);
    // The client's socket monitor reports the refusal asynchronously, after the hub has counted it.
    await waitFor(() => stranger.link.authFailures >= 1, 'the stranger was told: authentication failure', 5_000);
    await waitFor(() => /refused unknown device key/.test(hub.output()), 'the refusal is logged');
    // After the refusals, the hub's own device list (a fresh display snapshot) has neither peer; nor has the open display.
    const listed = await devicesNow(hub);
    assert.equal(listed.get('sim-pump-01'), 'online');
    assert.equal(listed.has('stranger-01'), false);
    assert.equal(listed.has('plain-01'), false);
    assert.equal(display.devices.has('stranger-01'), false);
    assert.equal(display.devices.has('plain-01'), false);

    // Revoke the simulator's key: its next connection (a restarted process, same key) is refused.
    const copy = path.join(dir, 'pump-a.copy.json');
    fs.copyFileSync(keyFile, copy);
    assert.equal((await runToEnd(['keys', 'revoke', 'pump-a', '--data-dir', dir])).code, 0);
    await sim.kill('SIGKILL');
    await waitFor(() => display.state('sim-pump-01') === 'offline', 'pump offline');
    const denied = (await busStatus(hub)).authDenied;
    const again = run(['simulate', '--bus', hub.bus, '--devices', 'pump1', '--keys', copy]);
    procs.push(again);
    await again.waitFor(/simulating/);
    await waitFor(async () => (await busStatus(hub)).authDenied > denied, 'revoked key refused', 10_000);
    // After the refusal the hub still lists the pump offline (a fresh display snapshot), and so does the open display.
    assert.equal((await devicesNow(hub)).get('sim-pump-01'), 'offline');
    assert.equal(display.state('sim-pump-01'), 'offline');
  },
);
