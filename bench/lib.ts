/**
 * Shared pieces of the bus and recording-latency benchmarks: command-line options, child
 * processes (killed on exit), a hub started as `or-hub start`, simulated rooms as load,
 * quantiles and /proc readings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { createSimDevice, SIM_DEVICE_NAMES, type SimDevice, type SimDeviceName } from '../native-bridge/node/simulators/devices';
import { DeviceClient } from '../native-bridge/node/device-client';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import { BinaryKind, decodeBinary, type HubMessage } from '../common/display-contract';

const argv = process.argv.slice(2);
/** Value of `--name VALUE` on this process's command line. */
export const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room with only the low-rate devices (pumps, ESU, insufflator). */
export const PARTIAL_ROOM: SimDeviceName[] = ['pump1', 'pump2', 'esu', 'insufflator'];

/** Child role: simulated rooms (`--ep --full --partial [--prefix]`), each device its own peer. */
export function roleLoad(): void {
  const ep = opt('ep')!;
  const full = Number(opt('full'));
  const partial = Number(opt('partial'));
  const prefix = opt('prefix') ?? 'L';
  const sims: SimDevice[] = [];
  for (let r = 0; r < full + partial; r++) {
    const names = r < full ? SIM_DEVICE_NAMES : PARTIAL_ROOM;
    for (const n of names) sims.push(createSimDevice(n, { endpoint: ep, idSuffix: `-${prefix}${r}`, seed: r + 1 }));
  }
  for (const s of sims) s.start();
  process.stdout.write(`load ${sims.length} devices\n`);
}

const children: ChildProcess[] = [];
/** Registers a child process started elsewhere so that it is killed with the others. */
export function track(c: ChildProcess): ChildProcess {
  children.push(c);
  return c;
}

export function killAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.length = 0;
}
process.on('exit', killAll);

/** Runs node with `selfArgs` (the bench file itself) and `args`; resolves once stdout matches `wait`. */
export function child(root: string, selfArgs: string[], args: string[], wait: RegExp): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--no-warnings', ...selfArgs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (wait.test(out)) resolve(c);
    });
    c.on('exit', (code) => reject(new Error(`child ${args.join(' ')} exited ${code}: ${out}`)));
  });
}

export interface HubProcess {
  proc: ChildProcess;
  bus: string;
  origin: string;
  token: string;
  dataDir: string;
}

/** `or-hub start` as a separate process on a plain loopback bus and a fresh data dir. */
export function startHubProcess(root: string, tag: string): Promise<HubProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `orhub-bench-${tag}-`));
  const proc = spawn(
    process.execPath,
    // --no-supervisor: the process measured (CPU, memory from /proc) is the hub itself, not its supervisor.
    [
      path.join(root, 'bin/or-hub.js'),
      'start',
      '--headless',
      '--no-supervisor',
      '--port',
      '0',
      '--bus',
      'tcp://127.0.0.1:*',
      '--bus-security',
      'plain',
      '--data-dir',
      dataDir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(proc);
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d.toString();
      const bus = /^bus: (\S+)$/m.exec(out)?.[1];
      const url = /^display: (\S+)$/m.exec(out)?.[1];
      if (bus && url) {
        const u = new URL(url);
        resolve({ proc, bus, origin: u.origin, token: new URLSearchParams(u.hash.slice(1)).get('token')!, dataDir });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.on('exit', (c) => reject(new Error(`hub exited ${c}: ${out}`)));
  });
}

export function quantiles(xs: ArrayLike<number>): { n: number; p50: number; p99: number; p999: number; max: number } {
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: s[s.length - 1] };
}

/** Linux USER_HZ: cpuTicks are in 1/CLK_TCK s. */
export const CLK_TCK = 100;
/** utime + stime of a process, all threads, from /proc. */
export function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** A process and all its descendants (children of every thread, recursively), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let k = 0; k < out.length; k++) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[k]}/task`);
    } catch {
      continue; // gone
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${out[k]}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
      } catch {
        // thread gone
      }
    }
  }
  return out;
}

/**
 * CPU time and run-queue wait (runnable, waiting for a CPU: the machine's contention) of processes,
 * all their threads summed, ms, from /proc/PID/task/TID/schedstat (ns). Threads that ended are not counted.
 */
export function schedMs(pids: number[]): { cpuMs: number; waitMs: number } {
  let cpu = 0;
  let wait = 0;
  for (const pid of pids) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const [c, w] = fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ').map(Number);
        cpu += c;
        wait += w;
      } catch {
        // thread gone
      }
    }
  }
  return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 };
}

export function memKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The latency probe device: one f32 sample per frame every 10 ms, its value the sequence number. */
export function probeDescriptor(): DeviceDescriptor {
  return {
    protocol: 1,
    deviceId: 'bench-probe',
    kind: 'patient-monitor',
    manufacturer: 'OR Hub bench',
    model: 'Bench',
    serial: 'bench-probe',
    heartbeatMs: 1000,
    channels: [{ index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'Probe', unit: 'mV', rateHz: 100, format: 'f32', scale: 1, offset: 0 }],
  };
}

export interface LatencyProbe {
  /** Latencies (ms) from the probe's send to arrival at the display client, while measuring. */
  readonly latencies: number[];
  /** Messages and bytes the display client received while measuring. */
  readonly display: { msgs: number; bytes: number };
  measure(on: boolean): void;
  stop(): Promise<void>;
}

/**
 * End-to-end latency, device send -> display WebSocket client: a display client authenticated
 * with the hub's token and a probe device whose sample values identify their send times.
 */
export async function startLatencyProbe(hub: HubProcess): Promise<LatencyProbe> {
  const ws = new WebSocket(`${hub.origin.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${hub.token}` } });
  let probeStream = -1;
  let measuring = false;
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const display = { msgs: 0, bytes: 0 };
  ws.on('message', (data, isBinary) => {
    const t = now();
    if (measuring) {
      display.msgs++;
      display.bytes += (data as Buffer).length;
    }
    if (!isBinary) {
      const m = JSON.parse(data.toString()) as HubMessage;
      const devs = m.t === 'devices' ? m.devices : m.t === 'device' ? [m.device] : [];
      for (const d of devs) if (d.deviceId === 'bench-probe') probeStream = d.channels[0].streamId;
      return;
    }
    const d = decodeBinary(data as Buffer);
    if (d.kind !== BinaryKind.Wave || !measuring) return;
    for (const b of d.blocks) {
      if (b.streamId !== probeStream) continue;
      for (const v of b.samples) {
        const s = sentAt.get(v);
        if (s !== undefined) latencies.push(t - s);
      }
    }
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const probe = new DeviceClient({ endpoint: hub.bus, descriptor: probeDescriptor() });
  probe.start();
  let k = 0;
  const t0Dev = probe.clock();
  const timer = setInterval(() => {
    sentAt.set(k, now());
    probe.sendWave(0, t0Dev + k * 10, new Float32Array([k]));
    k++;
  }, 10);
  return {
    latencies,
    display,
    measure(on) {
      measuring = on;
    },
    async stop() {
      clearInterval(timer);
      await probe.stop();
      ws.close();
    },
  };
}

/** Runs a bench's main (which may also be a long-lived child role): on an error, children are killed and the process exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e);
    killAll();
    process.exit(1);
  });
}

/** Ends a bench run: kills the children and exits 0. */
export function finish(): never {
  killAll();
  process.exit(0);
}
