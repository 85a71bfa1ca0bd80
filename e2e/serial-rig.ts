/**
 * The serial gateway end to end: a real hub, a socat pseudo-terminal pair, `or-hub gateway serial`
 * on one end and the test writing device bytes to the other, a display client on the hub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runToEnd, startHub, type HubProc, type Proc } from './harness';
import { DisplayClient, waitFor } from './bus-display-client';
import { HAVE_SOCAT, openPtyPair, splitAfter, type PtyPair } from '../native-bridge/node/gateways/serial/pty-pair';
import { IVY_END } from '../native-bridge/common/ivy450c';
import type { SerialGatewayStats } from '../native-bridge/node/gateways/serial/gateway';
import { missingShared, onCi, sharedData } from '../scripts/testing/shared-data';

export const CAPTURE = sharedData('devices/ivy-450c-serial/Ivy450C.1.data');
/** Why these tests cannot run here, or false. Under CI=true a missing capture or socat fails instead. */
export const SKIP = missingShared(CAPTURE) || (!HAVE_SOCAT && !onCi() ? 'socat not installed' : false);

/** The capture's blocks (the first piece is the partial block the capture starts in). */
export function captureBlocks(): Uint8Array[] {
  return splitAfter(new Uint8Array(fs.readFileSync(CAPTURE)), IVY_END);
}

export interface SerialRig {
  hub: HubProc;
  dataDir: string;
  dir: string;
  pty: PtyPair;
  gateway: Proc;
  display: DisplayClient;
  deviceId: string;
  api<T>(p: string, body?: unknown): Promise<T>;
  /** SIGTERM to the gateway; resolves with the stats line it prints on the way out. */
  stopGateway(): Promise<SerialGatewayStats>;
  close(): Promise<void>;
}

export async function startSerialRig(opts: { caseName?: string } = {}): Promise<SerialRig> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-serial-'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-pty-'));
  const hub = await startHub(['--data-dir', dataDir]);
  const api = async <T>(p: string, body?: unknown): Promise<T> => {
    const r = await fetch(hub.origin + p, {
      method: body ? 'POST' : 'GET',
      headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await r.json()) as T;
  };
  if (opts.caseName) await api('/api/case', { procedure: opts.caseName, room: 'OR 4', team: [{ role: 'anaesthetist', name: 'Dr A' }] });
  const display = await DisplayClient.connect(hub.origin, hub.token);
  const pty = await openPtyPair(dir);
  const gateway = run(['gateway', 'serial', '--bus', hub.bus, '--device', pty.device, '--driver', 'ivy450c']);
  const deviceId = await gateway.waitFor(/^gateway serial: .* as (\S+)$/m, 15000);
  await waitFor(() => display.state(deviceId) === 'online', 'the gateway online at the hub');
  const rig: SerialRig = {
    hub,
    dataDir,
    dir,
    pty,
    gateway,
    display,
    deviceId,
    api,
    async stopGateway() {
      await gateway.kill('SIGTERM');
      const m = /^gateway serial: stats (.+)$/m.exec(gateway.output());
      if (!m) throw new Error(`no stats line in the gateway's output:\n${gateway.output()}`);
      return JSON.parse(m[1]) as SerialGatewayStats;
    },
    async close() {
      display.close();
      await gateway.kill('SIGKILL');
      // The pty the test has now (it may have replaced the first: unplugged and plugged in again).
      await rig.pty.close();
      await hub.kill();
    },
  };
  return rig;
}

export interface RecordingShow {
  case: { id: string; state: string };
  devices: { deviceId: string; kind: string }[];
  channels: { deviceId: string; channel: number; kind: string; label: string; samples: number; firstMs: number; lastMs: number }[];
  gaps: { deviceId: string; channel: number; reason: string }[];
}

/** `or-hub recordings show ID --json` of the data dir's only case. */
export async function showRecording(dataDir: string): Promise<RecordingShow> {
  const list = await runToEnd(['recordings', 'list', '--json', '--data-dir', dataDir]);
  const [rec] = JSON.parse(list.stdout) as { id: string }[];
  const show = await runToEnd(['recordings', 'show', rec.id, '--json', '--data-dir', dataDir]);
  if (show.code !== 0) throw new Error(show.stderr);
  return JSON.parse(show.stdout) as RecordingShow;
}
