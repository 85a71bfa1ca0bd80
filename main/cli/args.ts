/**
 * A strict command-line parser: every flag is declared, every value is checked, and any
 * problem becomes one line naming it (the caller prints it and exits with status 2).
 */

export type FlagSpec =
  | { type: 'bool'; help: string }
  | { type: 'string'; help: string; metavar?: string; default?: string; check?: (v: string) => string | null }
  | { type: 'int'; help: string; metavar?: string; default?: number; min?: number; max?: number };

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { type: 'bool' } ? boolean : S[K] extends { type: 'int' } ? number | undefined : string | undefined;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Parsed<S extends Record<string, FlagSpec>> {
  flags: FlagValues<S>;
  positionals: string[];
  help: boolean;
}

/** Parses `--name value`, `--name=value` and boolean `--name`; `--help`/`-h` anywhere sets help. */
export function parseArgs<S extends Record<string, FlagSpec>>(cmd: string, argv: readonly string[], spec: S, maxPositionals = 0): Parsed<S> {
  const flags: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec)) flags[k] = s.type === 'bool' ? false : 'default' in s ? s.default : undefined;
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      const name = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : '';
      const s = name ? spec[name] : undefined;
      if (!s) throw new UsageError(`${cmd}: unknown flag ${eq > 0 ? a.slice(0, eq) : a} (see ${cmd} --help)`);
      if (s.type === 'bool') {
        if (eq > 0) throw new UsageError(`${cmd}: --${name} takes no value`);
        flags[name] = true;
        continue;
      }
      let v: string | undefined;
      if (eq > 0) v = a.slice(eq + 1);
      else {
        v = argv[i + 1];
        if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${cmd}: --${name} needs a value`);
        i++;
      }
      if (s.type === 'int') {
        if (!/^-?\d+$/.test(v)) throw new UsageError(`${cmd}: --${name} must be an integer, got "${v}"`);
        const n = Number(v);
        if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
          throw new UsageError(`${cmd}: --${name} must be between ${s.min ?? '-inf'} and ${s.max ?? 'inf'}, got ${n}`);
        }
        flags[name] = n;
      } else {
        if (v === '') throw new UsageError(`${cmd}: --${name} must not be empty`);
        const problem = s.check?.(v);
        if (problem) throw new UsageError(`${cmd}: --${name}: ${problem}`);
        flags[name] = v;
      }
      continue;
    }
    positionals.push(a);
  }
  if (!help && positionals.length > maxPositionals) throw new UsageError(`${cmd}: unexpected argument "${positionals[maxPositionals]}" (see ${cmd} --help)`);
  return { flags: flags as FlagValues<S>, positionals, help };
}

export function helpText(usage: string, summary: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => {
    const meta = s.type === 'bool' ? '' : ` ${('metavar' in s && s.metavar) || (s.type === 'int' ? 'N' : 'VALUE')}`;
    const def = 'default' in s && s.default !== undefined ? ` (default ${s.default})` : '';
    return [`  --${k}${meta}`, s.help + def];
  });
  const w = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return [`usage: ${usage}`, '', summary, '', ...rows.map(([a, b]) => a.padEnd(w) + b), `  --help`.padEnd(w) + 'show this help'].join('\n');
}

export function checkEndpoint(v: string): string | null {
  if (/^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+|\*):(\d{1,5}|\*)$/.test(v)) {
    const port = v.slice(v.lastIndexOf(':') + 1);
    if (port !== '*' && Number(port) > 65535) return `port ${port} is out of range`;
    return null;
  }
  if (/^ipc:\/\/.+/.test(v)) return null;
  return `"${v}" is not a ZeroMQ endpoint like tcp://127.0.0.1:7400 or ipc:///tmp/or-hub.bus`;
}

export function checkHost(v: string): string | null {
  return /^[A-Za-z0-9.:-]+$/.test(v) ? null : `"${v}" is not a host name or address`;
}
