/**
 * Composes a running hub: device bus, ingest, display server, and optionally the
 * built-in simulated operating room as a separate process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WebSocket } from 'ws';
import { BusServer, type BusSecurity } from '../../native-bridge/node/bus-server';
import { EnrolledIdentities } from '../../native-bridge/node/identity';
import { allowListAuthoriser, ensureDeviceKeyFile, initHubKeys, keysDir } from '../../native-bridge/node/key-store';
import { CONTRACT_VERSION, HUB_HEARTBEAT_MS, type ClientMessage, type HubMessage } from '../../common/display-contract';
import { Hub } from './hub';
import { DisplaySink } from './display-sink';
import { deviceView } from './display-view';
import { DisplayServer, findStaticDir, type ApiHandler } from './server';
import { loadOrCreatePairing, watchPairing, writePairing } from './display-pairing';
import { hubNow } from './clock';
import type { HubSink } from './sink';
import { ApiRouter } from './api-router';
import { CaseService } from './case-service';
import { AnatomyService } from './anatomy-service';
import { AnatomyRecording } from './anatomy-recording';
import { ReviewRoutes } from './review-service';
import { ReviewVolumes } from './review-volumes';
import { writeHubFile, removeHubFile } from './hub-file';
import { FaultCounter } from './guard';
import { privateUmask, secureDataDir } from './data-dir';
import { isLoopbackHost } from './tls';
import { DicomSources } from './dicom-sources';
import { Hl7OutSink } from './hl7-out/hl7-out-sink';
import { AlarmService } from './alarms/service';
import { matchPatient, mismatchText } from '../../common/patient-match';
import { AlarmPriority, AlarmState } from '../../native-bridge/common/wire';

/** Recorded alarm code of wrong-patient images (hub-defined; devices' codes are their own). */
const OTHER_PATIENT_CODE = 0x5001;
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
  /** Display session token; default the one kept in DATA_DIR/display.json (made on first start, display-pairing.ts). */
  token?: string;
  /** Set when the supervisor restarted this hub after a failure. */
  restart?: { count: number; atMs: number; reason: string } | null;
  /** HTTPS/WSS for the display (required when `host` is off loopback). */
  tls?: { cert: Buffer; key: Buffer };
  /** The DICOM folders and PACS displays may ask for (default: only `dicom` and the demo). */
  sources?: DicomSources;
  /** Outgoing HL7 feed: PCD-01 reports of the case's numerics every intervalS to this MLLP receiver (docs/gateways.md). */
  hl7Out?: { host: string; port: number; intervalS?: number; retryMs?: number; maxRetryMs?: number; ackTimeoutMs?: number };
  /** Above this FRE (mm) a registration needs confirmation (default 2; main/hub/anatomy-confirm.ts). */
  maxFreMm?: number;
  /** Alarm engine timing (tests shorten the audio pause and the escalation delay). */
  alarmTiming?: { pauseMs?: number; escalateMs?: number };
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
  hl7Out: Hl7OutSink | null;
  alarms: AlarmService;
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
  if (!cfg.tls && !isLoopbackHost(cfg.host))
    throw new Error(`the display on ${cfg.host} (off loopback) needs TLS: give --tls-cert FILE --tls-key FILE, or --tls-self-signed`);
  privateUmask();
  const tightened = secureDataDir(cfg.dataDir);
  if (tightened) log(`data dir: made ${tightened} file(s) and folder(s) in ${cfg.dataDir} private to this user (0600/0700)`);
  let security: BusSecurity = { mode: 'plain' };
  let simulatorKeys: string | null = null;
  let identity: EnrolledIdentities | undefined;
  if ((cfg.busSecurity ?? 'curve') === 'curve') {
    const { keys, created } = initHubKeys(cfg.dataDir);
    if (created) log(`bus: created hub CURVE keys in ${keysDir(cfg.dataDir)}; enrol devices with "or-hub keys enrol NAME --data-dir ${cfg.dataDir}"`);
    security = { mode: 'curve', keys, authorise: allowListAuthoriser(cfg.dataDir) };
    identity = new EnrolledIdentities(cfg.dataDir, keys.secretKey);
    // The built-in simulator's devices are all named sim-… (native-bridge/node/simulators/devices.ts).
    if (cfg.simulate) simulatorKeys = ensureDeviceKeyFile(cfg.dataDir, 'simulator', ['sim-*']);
  }
  const bus = new BusServer({ endpoint: cfg.bus, security, log });
  const busEndpoint = await bus.bind().catch((e: Error) => {
    throw new Error(
      /in use/i.test(e.message)
        ? `bus endpoint ${cfg.bus} is in use (is another hub running?): choose another with --bus`
        : `cannot bind the bus to ${cfg.bus}: ${e.message}`,
    );
  });
  const faults = new FaultCounter(log);
  if (cfg.restart) log(`hub: restarted by the supervisor after a failure (${cfg.restart.reason}; restart ${cfg.restart.count})`);
  const hub = new Hub(bus, { log, identity });
  // A revoked key's devices are cut off within a second (§8.3).
  const stopIdentityWatch = identity?.watch(() => hub.recheckIdentities());
  const display = new DisplaySink({ boardAlarms: false });
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
  const pairing = loadOrCreatePairing(cfg.dataDir);
  const token = cfg.token ?? pairing.token;
  const router = new ApiRouter();
  const recordTo: { cases: CaseService | null } = { cases: null };
  // The alarm engine: limits, context, acknowledgement, escalation; every change recorded with the case.
  const alarmService = new AlarmService({
    hub,
    display,
    router,
    now: hubNow,
    faults,
    record: (c) => recordTo.cases?.recorder.alarmChange(c),
    timing: cfg.alarmTiming,
  });
  const alarms = () => alarmService.items();
  const busStatus = () => ({
    security: bus.security,
    endpoint: busEndpoint,
    dataEndpoint: bus.dataEndpoint || null,
    ...bus.stats,
    ...hub.stats,
    decodeErrors: Object.fromEntries(hub.stats.decodeErrors),
  });
  router.register({
    status: () => ({
      status: 200,
      body: { version: CONTRACT_VERSION, hubId, devices: devices(), alarms: alarms(), bus: busStatus(), http: server.stats, faults: faults.toJSON() },
    }),
  });
  let patientCheck = () => {}; // set once the anatomy service exists
  const cases =
    cfg.record === false
      ? null
      : await CaseService.open({
          dataDir: cfg.dataDir,
          hub,
          broadcast: (m) => {
            display.broadcast(m);
            if (m.t === 'case') patientCheck();
          },
          log,
          onStarted: () => {
            anatomyRec.caseStarted();
            patientCheck();
          },
        });
  recordTo.cases = cases;
  cases?.routes(router);
  const caseTicker = cases?.startTimelineTicker();
  const diskWatch = cases?.startDiskWatch();
  const anatomyRec = new AnatomyRecording(() => cases?.recorder ?? null);
  // Wrong-patient images (issue 13 §4): a high-priority alarm, recorded with the case's alarms, while they differ.
  const OTHER_PATIENT = { source: 'anatomy', kind: 'technical', code: 'IMAGES_OTHER_PATIENT' } as const;
  let recordedMismatch: string | null = null;
  const checkPatient = () => {
    const meta = anatomy.current?.meta;
    const casePatient = cases?.shownPatient ?? null;
    const images = meta && meta.source === 'dicom' ? { name: meta.patientName, identifier: meta.patientId ?? null } : null;
    const tHubMs = hubNow();
    const differ = !!casePatient && !!images && matchPatient(casePatient, images) === 'different';
    const text = differ ? mismatchText(casePatient!, images!) : '';
    if (differ) hub.alarms.raise({ ...OTHER_PATIENT, priority: 'high', text, tHubMs });
    else hub.alarms.clear(OTHER_PATIENT, tHubMs);
    // The board's technical alarms are not recorded by themselves: this one goes into the case recording too (once per case and text).
    const rec = cases?.recorder;
    const key = differ && rec?.recording ? `${rec.case?.id}|${text}` : null;
    if (rec?.recording && key !== recordedMismatch && (key || recordedMismatch)) {
      rec.alarm('anatomy', {
        channel: -1,
        tHubMs,
        priority: AlarmPriority.High,
        state: key ? AlarmState.Active : AlarmState.Ended,
        code: OTHER_PATIENT_CODE,
        text: text || 'images match the case patient',
      });
    }
    recordedMismatch = key;
  };
  const sources = cfg.sources ?? DicomSources.configure({ roots: [], pacs: [], startDicom: cfg.dicom });
  const anatomy = new AnatomyService({
    dataDir: cfg.dataDir,
    broadcast: (m) => {
      display.broadcast(m);
      anatomyRec.onMessage(m);
      if (m.t === 'volume' && m.status === 'ready') checkPatient();
    },
    log,
    simulated: cfg.simulate,
    maxFreMm: cfg.maxFreMm,
    recordChange: async (who, text) => (cases ? cases.recordNote(who, text) : null),
    sources,
    alarms: hub.alarms,
  });
  anatomy.routes(router);
  // The review screen's series load into slots of their own: reviewing never replaces the live volume.
  const reviewVolumes = new ReviewVolumes({ sources, log });
  reviewVolumes.routes(router);
  const recordingCase = () => (cases?.recorder.recording && cases.recorder.case ? { id: cases.recorder.case.id, room: cases.recorder.case.room } : null);
  const hl7Out = cfg.hl7Out ? new Hl7OutSink({ ...cfg.hl7Out, dataDir: cfg.dataDir, log, currentCase: cases ? recordingCase : undefined }) : null;
  if (hl7Out) {
    hub.addSink(hl7Out);
    hl7Out.start();
    router.register({ hl7OutStatus: () => ({ status: 200, body: hl7Out.status() }) });
  }
  patientCheck = checkPatient;
  // Review (issue 14): read-only, in a worker thread, so the live view and the recording are never held up.
  const review = new ReviewRoutes({ dataDir: cfg.dataDir });
  review.routes(router);

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
      ...alarmService.snapshot(),
    ];
    if (cases) snapshot.push(cases.caseMessage());
    snapshot.push(...anatomy.messages());
    display.addClient(client, snapshot);
    alarmService.addClient(client);
    if (cases)
      void cases.timelineMessage().then(
        (m) => m && client.send(JSON.stringify(m)),
        () => undefined,
      );
    ws.on(
      'message',
      faults.guard('ws-message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        let m: ClientMessage;
        try {
          m = JSON.parse(data.toString()) as ClientMessage;
        } catch {
          return;
        }
        if (m && alarmService.onClientMessage(client, m)) return;
        if (m && m.t === 'ping') client.send(JSON.stringify({ t: 'time', hubTimeMs: hubNow() } satisfies HubMessage));
      }),
    );
    const gone = () => {
      display.removeClient(client);
      alarmService.removeClient(client);
    };
    ws.on('close', gone);
    ws.on('error', gone);
  };

  const server = new DisplayServer({
    host: cfg.host,
    port: cfg.port,
    token,
    staticDir: findStaticDir(),
    onClient,
    api: cfg.api ?? router.handle,
    log,
    faults,
    tls: cfg.tls,
  });
  // Port 0 (not given): the port this data dir's display had, so open displays find the hub again.
  if (cfg.port === 0 && pairing.port) {
    await server.listen(pairing.port).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      log(`display: port ${pairing.port} (kept in ${cfg.dataDir}/display.json) is in use; serving on a new one (open displays must be given the new URL)`);
      return server.listen(0);
    });
  } else await server.listen();
  if (server.port !== pairing.port || token !== pairing.token) writePairing(cfg.dataDir, { ...pairing, token, port: server.port });
  const stopWatch = watchPairing(cfg.dataDir, token, (t) => {
    const n = server.setToken(t);
    writeHubFile(cfg.dataDir, { url: server.displayUrl(), token: t, pid: process.pid });
    log(`display: session token replaced (display-token rotate); ${n} open display(s) refused until given the new URL`);
  });
  hub.start(faults);
  alarmService.start();
  // The heartbeat: displays judge the hub lost after HUB_LOST_AFTER_MS without a message.
  const timeTicker = faults.interval('time', () => display.broadcast({ t: 'time', hubTimeMs: hubNow() }), HUB_HEARTBEAT_MS);
  void bus.serve(hub);

  writeHubFile(cfg.dataDir, { url: server.displayUrl(), token, pid: process.pid });
  if (cfg.dicom) void anatomy.open(cfg.dicom);
  else if (cfg.simulate) void anatomy.openDemo();
  let simulator: ChildProcess | null = null;
  if (cfg.simulate) {
    if (cases && !cases.recorder.case) await cases.startCase(DEMO_CASE).catch((e: Error) => log(`demo case: ${e.message}`));
    const cli = cfg.cliPath ?? process.argv[1];
    // The IPC channel ties the simulator's life to the hub's: it exits when the hub goes, however the hub goes.
    simulator = spawn(
      process.execPath,
      [cli, 'simulate', '--bus', busEndpoint, ...(simulatorKeys ? ['--keys', simulatorKeys] : []), ...(cfg.simulateArgs ?? [])],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
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
    get displayUrl() {
      return server.displayUrl();
    },
    get token() {
      return server.sessionToken;
    },
    simulator,
    cases,
    router,
    anatomy,
    hl7Out,
    alarms: alarmService,
    igtlOut: igtlOut ? { sink: igtlOut, port: igtlOutPort! } : null,
    async close() {
      hl7Out?.close();
      clearInterval(timeTicker);
      stopWatch();
      clearInterval(caseTicker);
      clearInterval(diskWatch);
      removeHubFile(cfg.dataDir, process.pid);
      simulator?.kill('SIGTERM');
      hub.stop();
      stopIdentityWatch?.();
      alarmService.stop();
      bus.close();
      await server.close();
      await anatomy.close();
      await reviewVolumes.close();
      await review.close();
      await igtlOut?.close();
      await cases?.close();
    },
  };
}
