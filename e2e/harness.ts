/**
 * End-to-end test harness: real processes (the built `or-hub`), real sockets, Debian Chromium.
 * Every process started here is killed when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright';

export const ROOT = path.resolve(__dirname, '..');
export const CLI = path.join(ROOT, 'bin', 'or-hub.js');
export const ARTEFACTS = path.join(ROOT, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first captured group of the first stdout line matching re. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function run(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[1] ?? m[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) =>
    child.on('exit', () => {
      live.delete(child);
      r();
    }),
  );
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 20000) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m[1] ?? m[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in output:\n${out}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (s) => {
            clearTimeout(t);
            resolve(s);
          },
        });
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Runs `or-hub ARGS` to completion; a command still running after timeoutMs is killed (code -1). */
export function runToEnd(args: string[], timeoutMs = 60000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface HubProc extends Proc {
  bus: string;
  url: string;
  token: string;
  origin: string;
  /** The hub's --data-dir (a fresh temp dir). */
  dataDir: string;
}

/** The pid of the hub process itself (under `or-hub start`'s supervisor), from its data dir's hub.json. */
export const hubPid = (dataDir: string): number => (JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.json'), 'utf8')) as { pid: number }).pid;

export async function startHub(extra: string[] = []): Promise<HubProc> {
  const dataDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'orhub-e2e-'));
  // The bus is CURVE by default; these tests run plain simulators on loopback, which must be asked for explicitly.
  const security = extra.includes('--bus-security') ? [] : ['--bus-security', 'plain'];
  const p = run(['start', '--headless', '--port', '0', '--bus', 'tcp://127.0.0.1:*', '--data-dir', dataDir, ...security, ...extra]);
  const bus = await p.waitFor(/^bus: (\S+)$/m);
  const url = await p.waitFor(/^display: (\S+)$/m);
  const u = new URL(url);
  return { ...p, bus, url, token: new URLSearchParams(u.hash.slice(1)).get('token')!, origin: u.origin, dataDir };
}

/**
 * How Chromium draws here (no GPU; WebGL2 always comes from SwiftShader):
 * - 'software-compositing' (default): what Chromium does on a machine without a usable GPU —
 *   the compositor and raster run on the CPU (`--disable-gpu-compositing`), SwiftShader only
 *   backs WebGL. See docs/anatomy.md, "Software renderers".
 * - 'swiftshader-compositing': GPU compositing forced onto SwiftShader (`--ignore-gpu-blocklist`),
 *   this harness's setting before; kept for comparison (bench:view --compositing swiftshader).
 * ORHUB_CHROMIUM_COMPOSITING=swiftshader selects the second for every test and bench.
 */
export type ChromiumCompositing = 'software-compositing' | 'swiftshader-compositing';

export const DEFAULT_COMPOSITING: ChromiumCompositing =
  process.env.ORHUB_CHROMIUM_COMPOSITING === 'swiftshader' ? 'swiftshader-compositing' : 'software-compositing';

export function chromiumArgs(compositing: ChromiumCompositing = DEFAULT_COMPOSITING): string[] {
  const base = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ];
  return compositing === 'software-compositing' ? [...base, '--disable-gpu-compositing'] : [...base, '--ignore-gpu-blocklist'];
}

export async function launchBrowser(compositing: ChromiumCompositing = DEFAULT_COMPOSITING): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Debian chromium not found at ${CHROMIUM}: apt-get install -y chromium (the test command does this)`);
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(compositing) });
}

export function artefact(name: string): string {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  return path.join(ARTEFACTS, name);
}

/** Polls fn until it returns a truthy value; returns it with the time it took. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 15000, everyMs = 50): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
