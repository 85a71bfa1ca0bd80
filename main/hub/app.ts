/**
 * Composes a running hub: device bus, ingest, display server, and optionally the
 * built-in simulated operating room as a separate process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WebSocket } from 'ws';
import { BusServer, type BusSecurity } from '../../native-bridge/node/bus-server';
import { allowListAuthoriser, ensureDeviceKeyFile, initHubKeys, keysDir } from '../../native-bridge/node/key-store';
import { CONTRACT_VERSION, type ClientMessage, type HubMessage } from '../../common/display-contract';
import { Hub } from './hub';
import { DisplaySink } from './display-sink';
import { deviceView } from './display-view';
import { DisplayServer, findStaticDir, newToken, type ApiHandler } from './server';
import { hubNow } from './clock';
import type { HubSink } from './sink';
import { ApiRouter } from './api-router';
import { CaseService } from './case-service';
import { AnatomyService } from './anatomy-service';
import { AnatomyRecording } from './anatomy-recording';
import { writeHubFile, removeHubFile } from './hub-file';
import { FaultCounter } from './guard';
import { IgtlOutSink } from './igtl-out';

export interface HubConfig {
  host: string;
  port: number;
  bus: string;
  dataDir: string;
  simulate: boolean;
  /** Extra arguments for the simulator process (e.g. --speed). */
  simulateArgs?: string[];
  log?: (line: string) => void;
  /** Script that runs the CLI (to spawn `or-hub simulate`). Default: process.argv[1]. */
  cliPath?: string;
  extraSinks?: HubSink[];
  /** Serve tracker poses as OpenIGTLink TRANSFORM messages on this TCP port (main/hub/igtl-out.ts). */
  igtlOut?: { port: number; host?: string };
  /** Extra API routes (tests). */
  api?: ApiHandler;
  /** Record procedures (default true). */
  record?: boolean;
  /** DICOM folder, file or DICOMweb URL to show at start; without it a simulated OR shows the demo phantom. */
  dicom?: string;
  /**
   * Device bus security (docs/device-protocol.md §8): 'curve' (default: encrypted, devices
   * must be enrolled with `or-hub keys enrol`) or 'plain' (no encryption; loopback only).
   */
  busSecurity?: 'curve' | 'plain';
  /** Display session token; default a new one (the supervisor passes the previous one on a restart). */
  token?: string;
  /** Set when the supervisor restarted this hub after a failure. */
  restart?: { count: number; atMs: number; reason: string } | null;
}

export interface RunningHub {
  hub: Hub;
  display: DisplaySink;
  server: DisplayServer;
  bus: BusServer;
  busEndpoint: string;
  /** The bus's data channel (docs/device-protocol.md §2.3), '' when none could be bound. */
  busDataEndpoint: string;
  displayUrl: string;
  token: string;
  simulator: ChildProcess | null;
  cases: CaseService | null;
  router: ApiRouter;
  anatomy: AnatomyService;
  /** The OpenIGTLink TRANSFORM server and its port, when HubConfig.igtlOut asked for one. */
  igtlOut: { sink: IgtlOutSink; port: number } | null;
  close(): Promise<void>;
}

/** The case the simulated OR records, so `npm start` shows the whole product at once. */
const DEMO_CASE = {
  procedure: 'Demo: laparoscopic cholecystectomy (simulated)',
  room: 'OR 1',
  team: [
    { role: 'surgeon', name: 'Dr Demo Surgeon' },
    { role: 'anaesthetist', name: 'Dr Demo Anaesthetist' },
    { role: 'scrub-nurse', name: 'Demo Scrub Nurse' },
    { role: 'circulating-nurse', name: 'Demo Circulating Nurse' },
  ],
};

export { isLoopbackEndpoint } from '../../native-bridge/node/bus-server';

export async function startHub(cfg: HubConfig): Promise<RunningHub> {
  const log = cfg.log ?? ((l: string) => console.error(l));
  let security: BusSecurity = { mode: 'plain' };
  let simulatorKeys: string | null = null;
  if ((cfg.busSecurity ?? 'curve') === 'curve') {
    const { keys, created } = initHubKeys(cfg.dataDir);
    if (created) log(`bus: created hub CURVE keys in ${keysDir(cfg.dataDir)}; enrol devices with "or-hub keys enrol NAME --data-dir ${cfg.dataDir}"`);
    security = { mode: 'curve', keys, authorise: allowListAuthoriser(cfg.dataDir) };
    if (cfg.simulate) simulatorKeys = ensureDeviceKeyFile(cfg.dataDir, 'simulator');
  }
  const bus = new BusServer({ endpoint: cfg.bus, security, log });
  const busEndpoint = await bus.bind().catch((e: Error) => {
    throw new Error(/in use/i.test(e.message) ? `bus endpoint ${cfg.bus} is in use (is another hub running?): choose another with --bus` : `cannot bind the bus to ${cfg.bus}: ${e.message}`);
  });
  const faults = new FaultCounter(log);
  if (cfg.restart) log(`hub: restarted by the supervisor after a failure (${cfg.restart.reason}; restart ${cfg.restart.count})`);
  const hub = new Hub(bus, { log });
  const display = new DisplaySink();
  hub.addSink(display);
  for (const s of cfg.extraSinks ?? []) hub.addSink(s);
  const igtlOut = cfg.igtlOut ? new IgtlOutSink({ ...cfg.igtlOut, log }) : null;
  const igtlOutPort = await igtlOut?.listen().catch((e: Error) => {
    bus.close();
    throw new Error(/EADDRINUSE/.test(e.message) ? `--igtl-out port ${cfg.igtlOut!.port} is in use` : `cannot serve OpenIGTLink: ${e.message}`);
  });
  if (igtlOut) hub.addSink(igtlOut);
  const hubId = `hub-${process.pid}`;
  const devices = () => hub.deviceStatuses().map(deviceView);
  const alarms = () => display.alarmItems(hub.alarms.active());
  const token = cfg.token ?? newToken();
  const router = new ApiRouter();
  const busStatus = () => ({ security: bus.security, endpoint: busEndpoint, dataEndpoint: bus.dataEndpoint || null, ...bus.stats, ...hub.stats, decodeErrors: Object.fromEntries(hub.stats.decodeErrors) });
  router.add('GET', /\/api\/status/, () => ({
    status: 200,
    body: { devices: devices(), alarms: alarms(), bus: busStatus(), http: server.stats, faults: faults.toJSON() },
  }));
  const cases = cfg.record === false ? null : await CaseService.open({ dataDir: cfg.dataDir, hub, broadcast: (m) => display.broadcast(m), log, onStarted: () => anatomyRec.caseStarted() });
  cases?.routes(router);
  const caseTicker = cases?.startTimelineTicker();
  const diskWatch = cases?.startDiskWatch();
  const anatomyRec = new AnatomyRecording(() => cases?.recorder ?? null);
  const anatomy = new AnatomyService({
    dataDir: cfg.dataDir,
    broadcast: (m) => {
      display.broadcast(m);
      anatomyRec.onMessage(m);
    },
    log,
    simulated: cfg.simulate,
    alarms: hub.alarms,
  });
  anatomy.routes(router);

  const onClient = (ws: WebSocket) => {
    const client = {
      send: (d: string | Uint8Array) => {
        if (ws.readyState === ws.OPEN) ws.send(d);
      },
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    };
    const snapshot: HubMessage[] = [
      { t: 'hello', version: CONTRACT_VERSION, hubTimeMs: hubNow(), hubId, simulated: cfg.simulate, ...(cfg.restart ? { restart: cfg.restart } : {}) },
      { t: 'devices', devices: devices() },
      { t: 'alarms', items: alarms() },
    ];
    if (cases) snapshot.push(cases.caseMessage());
    snapshot.push(...anatomy.messages());
    display.addClient(client, snapshot);
    if (cases) void cases.timelineMessage().then((m) => m && client.send(JSON.stringify(m)), () => undefined);
    ws.on('message', faults.guard('ws-message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      let m: ClientMessage;
      try {
        m = JSON.parse(data.toString()) as ClientMessage;
      } catch {
        return;
      }
      if (m && m.t === 'ping') client.send(JSON.stringify({ t: 'time', hubTimeMs: hubNow() } satisfies HubMessage));
    }));
    ws.on('close', () => display.removeClient(client));
    ws.on('error', () => display.removeClient(client));
  };

  const server = new DisplayServer({ host: cfg.host, port: cfg.port, token, staticDir: findStaticDir(), onClient, api: cfg.api ?? router.handle, log, faults });
  await server.listen();
  hub.start(faults);
  const timeTicker = faults.interval('time', () => display.broadcast({ t: 'time', hubTimeMs: hubNow() }), 5000);
  void bus.serve(hub);

  writeHubFile(cfg.dataDir, { url: server.displayUrl(), token, pid: process.pid });
  if (cfg.dicom) void anatomy.open(cfg.dicom);
  else if (cfg.simulate) void anatomy.openDemo();
  let simulator: ChildProcess | null = null;
  if (cfg.simulate) {
    if (cases && !cases.recorder.case) await cases.startCase(DEMO_CASE).catch((e: Error) => log(`demo case: ${e.message}`));
    const cli = cfg.cliPath ?? process.argv[1];
    // The IPC channel ties the simulator's life to the hub's: it exits when the hub goes, however the hub goes.
    simulator = spawn(process.execPath, [cli, 'simulate', '--bus', busEndpoint, ...(simulatorKeys ? ['--keys', simulatorKeys] : []), ...(cfg.simulateArgs ?? [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    simulator.on('exit', (code, sig) => {
      if (code !== 0 && sig !== 'SIGTERM') log(`simulator exited (${code ?? sig})`);
    });
  }

  return {
    hub,
    display,
    server,
    bus,
    busEndpoint,
    busDataEndpoint: bus.dataEndpoint,
    displayUrl: server.displayUrl(),
    token,
    simulator,
    cases,
    router,
    anatomy,
    igtlOut: igtlOut ? { sink: igtlOut, port: igtlOutPort! } : null,
    async close() {
      clearInterval(timeTicker);
      clearInterval(caseTicker);
      clearInterval(diskWatch);
      removeHubFile(cfg.dataDir, process.pid);
      simulator?.kill('SIGTERM');
      hub.stop();
      bus.close();
      await server.close();
      await anatomy.close();
      await igtlOut?.close();
      await cases?.close();
    },
  };
}
