/**
 * The hub's supervisor (issue 12 §1): `or-hub start` runs the hub in a child process and starts
 * it again, within 2 s, on the same data dir, port, bus endpoint and display token, if it ends for
 * a cause nobody foresaw. The case resumes (the recorder treats the restart as a gap, as after a
 * SIGKILL), devices re-introduce themselves, and displays reconnect with the token they have.
 *
 * The child reports what it bound through the IPC channel (`SupervisorReady`); the same channel
 * ties the child's life to the supervisor's: a child whose supervisor is gone ends at once.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Environment variables between supervisor and child. */
export const ENV_SUPERVISED = 'ORHUB_SUPERVISED';
export const ENV_RESTART = 'ORHUB_RESTART';

/** What a supervised hub sends once its bus and display are served. */
export interface SupervisorReady {
  t: 'ready';
  port: number;
  bus: string;
  token: string;
  url: string;
}

/** Why and when the hub was last restarted (in the child's environment, shown on the display). */
export interface RestartInfo {
  /** Restarts since the supervisor started. */
  count: number;
  /** Hub clock (Unix ms) of the restart. */
  atMs: number;
  /** e.g. "killed by SIGKILL", "exit code 1". */
  reason: string;
}

export interface SupervisorOptions {
  /** The CLI script and the `start` arguments as the user gave them. */
  cli: string;
  args: string[];
  log: (line: string) => void;
  /** First ready child (e.g. to open the Electron window on its URL). */
  onReady?: (r: SupervisorReady) => void;
  /** Delay before a restart after a crash, ms (default 250; backoff for crash loops up to 10 s). */
  restartDelayMs?: number;
}

/** Replaces (or adds) `--flag VALUE` in an argument list; `--flag=VALUE` forms are replaced too. */
export function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) {
      i++;
      continue;
    }
    if (args[i].startsWith(`${flag}=`)) continue;
    out.push(args[i]);
  }
  return [...out, flag, value];
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/**
 * Runs the hub under supervision until SIGINT/SIGTERM; resolves with the exit status for the CLI.
 * A child that fails before its first ready (a bad flag, a port in use) is not restarted: its
 * status is the supervisor's.
 */
export function superviseHub(opts: SupervisorOptions): Promise<number> {
  const baseDelay = opts.restartDelayMs ?? 250;
  let ready: SupervisorReady | null = null;
  let child: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  const recent: number[] = [];
  let restart: RestartInfo | null = null;

  return new Promise<number>((resolve) => {
    const spawnChild = () => {
      let args = [...opts.args];
      const env: NodeJS.ProcessEnv = { ...process.env, [ENV_SUPERVISED]: '1' };
      if (ready) {
        // The display token comes back from DATA_DIR/display.json (it may have been rotated since).
        args = withFlag(withFlag(args, '--port', String(ready.port)), '--bus', ready.bus);
      }
      if (restart) env[ENV_RESTART] = JSON.stringify(restart);
      const c = fork(opts.cli, ['start', ...args], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child = c;
      let childReady = false;
      c.on('message', (m: SupervisorReady) => {
        if (!m || m.t !== 'ready') return;
        childReady = true;
        const first = ready === null;
        ready = m;
        if (first) opts.onReady?.(m);
        else opts.log(`supervisor: hub is back (restart ${restarts}), display ${m.url.replace(/#.*/, '')}`);
      });
      c.on('exit', (code, signal) => {
        child = null;
        if (stopping || (!ready && !childReady)) {
          // Asked to stop, or it never came up: its status is ours.
          resolve(code ?? (signal ? 1 : 0));
          return;
        }
        if (code === 0 && !signal) {
          resolve(0);
          return;
        }
        restarts++;
        const now = Date.now();
        recent.push(now);
        while (recent.length && now - recent[0] > 60_000) recent.shift();
        // Crash loop: more than 5 restarts a minute backs off, up to 10 s between tries.
        const delay = recent.length > 5 ? Math.min(10_000, baseDelay * 2 ** (recent.length - 5)) : baseDelay;
        const why = describeExit(code, signal);
        restart = { count: restarts, atMs: now + delay, reason: why };
        opts.log(`supervisor: the hub ended unexpectedly (${why}); restarting it on the same data dir in ${delay} ms (restart ${restarts})`);
        setTimeout(() => {
          if (!stopping) spawnChild();
        }, delay);
      });
    };
    const stop = (sig: NodeJS.Signals) => {
      stopping = true;
      if (child) child.kill(sig);
      else resolve(0);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    spawnChild();
  });
}

/**
 * Child side: tells the supervisor what was bound, and ends this process at once when the
 * supervisor goes (however it went), so no hub outlives the `or-hub start` that owns it.
 */
export function reportToSupervisor(r: Omit<SupervisorReady, 't'>): void {
  if (!process.send || process.env[ENV_SUPERVISED] !== '1') return;
  process.send({ t: 'ready', ...r } satisfies SupervisorReady);
  // Like a crash on purpose: a SIGKILLed supervisor must look the same to the recording as a SIGKILLed hub.
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

/** The restart this child is (from the supervisor's environment), or null for a first start. */
export function restartInfo(): RestartInfo | null {
  const raw = process.env[ENV_RESTART];
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as RestartInfo;
    return typeof r.count === 'number' && typeof r.atMs === 'number' && typeof r.reason === 'string' ? r : null;
  } catch {
    return null;
  }
}
