/**
 * The `or-hub` command line: every command is a declaration (`defineCommand`), commands with
 * subcommands are groups (`defineGroup`), and `runCli` dispatches, parses and reports.
 *
 * Flags are parsed by Node's `util.parseArgs` (tokens mode); this module adds the strictness:
 * every flag is declared, every value is checked, and any usage problem becomes one line on stderr
 * naming it, `<command>: <problem>`, with exit status 2. Other failures print `<command>: <message>`
 * on stderr with exit status 1. `--help` / `-h` prints the generated help on stdout (exit 0).
 * Repeated flags: the last one wins (as in util.parseArgs).
 *
 * Imports nothing of the hub, so any module may declare its commands here (main/dicom, main/recorder).
 *
 * Adding a command: declare it, then list it in OR_HUB (main/cli/or-hub.ts) or in its group.
 *   export const exportCommand = defineCommand({
 *     name: 'export', summary: 'one line for "or-hub --help"', description: 'the help paragraph',
 *     options: { 'data-dir': { type: 'string', help: '...', metavar: 'DIR', required: true },
 *                format: { type: 'string', help: '...', default: 'edf', check: checkOneOf(['edf', 'csv']) } },
 *     positionals: [{ name: 'ID', help: 'the case id', required: true }],
 *     run({ values, positionals: [id], command, out, err }) { ...; return 0; },  // values typed from options
 *   });
 * A command with subcommands: defineGroup({ name: 'gateway', summary, commands: [hl7, ...] }).
 */
import { parseArgs as nodeParseArgs } from 'node:util';

/** One flag. `help` is one line; `metavar` names the value in the help (default VALUE, or N for numbers). */
export type OptionSpec =
  | { type: 'boolean'; help: string }
  | { type: 'string'; help: string; metavar?: string; default?: string; required?: true | string; check?: (v: string) => string | null }
  /** Repeatable: every occurrence is kept, in order (an empty list when not given). */
  | { type: 'strings'; help: string; metavar?: string; check?: (v: string) => string | null }
  | { type: 'integer' | 'number'; help: string; metavar?: string; default?: number; required?: true | string; min?: number; max?: number };
// `required`: true, or a hint appended to the error ("--bus ENDPOINT is required (HINT)"). `check` returns a problem or null.

export type OptionSpecs = Record<string, OptionSpec>;

type Given<S, T> = S extends { default: T } ? T : S extends { required: true | string } ? T : T | undefined;

/** The parsed values of `S`: booleans are false unless given; a flag with a default or `required` is always set. */
export type OptionValues<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { type: 'boolean' }
    ? boolean
    : S[K] extends { type: 'strings' }
      ? string[]
      : S[K] extends { type: 'string' }
        ? Given<S[K], string>
        : Given<S[K], number>;
};

/** A positional argument; only the last may be `variadic` (takes the rest). */
export interface PositionalSpec {
  name: string;
  help?: string;
  required?: boolean;
  variadic?: boolean;
}

export type Out = (line: string) => void;

export interface CommandContext<S extends OptionSpecs> {
  values: OptionValues<S>;
  positionals: string[];
  /** Full command name, e.g. "or-hub keys enrol" (for messages). */
  command: string;
  /** The command's own arguments as given (after its name), e.g. to start it again in a child. */
  argv: string[];
  out: Out;
  err: Out;
}

export interface CommandSpec<S extends OptionSpecs> {
  name: string;
  aliases?: readonly string[];
  /** One line, shown in the parent's command list. */
  summary: string;
  /** Paragraph(s) of the command's help, below the usage line (default: the summary). */
  description?: string;
  options: S;
  positionals?: readonly PositionalSpec[];
  /** Returns the exit status (0 ok, 1 failure); throw UsageError for a usage problem (exit 2). */
  run(ctx: CommandContext<S>): number | Promise<number>;
}

export interface Command<S extends OptionSpecs = OptionSpecs> extends CommandSpec<S> {
  kind: 'command';
}

export interface CommandGroup {
  kind: 'group';
  name: string;
  aliases?: readonly string[];
  summary: string;
  description?: string;
  commands: readonly CliNode[];
}

export type CliNode = Command<any> | CommandGroup; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A usage problem: the message names it, without the command (runCli prefixes that); exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Declares a command. Flag types flow into `run`'s `values`. */
export function defineCommand<const S extends OptionSpecs>(spec: CommandSpec<S>): Command<S> {
  if ('help' in spec.options) throw new Error(`defineCommand ${spec.name}: --help is built in`);
  const pos = spec.positionals ?? [];
  if (pos.some((p, i) => p.variadic && i < pos.length - 1)) throw new Error(`defineCommand ${spec.name}: only the last positional may be variadic`);
  return { ...spec, kind: 'command' };
}

export function defineGroup(spec: Omit<CommandGroup, 'kind'>): CommandGroup {
  return { ...spec, kind: 'group' };
}

const metavar = (s: OptionSpec) => (s.type === 'boolean' ? '' : ` ${s.metavar ?? (s.type === 'string' || s.type === 'strings' ? 'VALUE' : 'N')}`);

function parseValue(name: string, s: Exclude<OptionSpec, { type: 'boolean' }>, v: string): string | number {
  if (v === '') throw new UsageError(`--${name} must not be empty`);
  if (s.type === 'string' || s.type === 'strings') {
    const problem = s.check?.(v);
    if (problem) throw new UsageError(`--${name}: ${problem}`);
    return v;
  }
  const n = Number(v) + 0; // + 0: "-0" is 0
  if (s.type === 'integer' && !/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  if (s.type === 'number' && (v.trim() === '' || !Number.isFinite(n))) throw new UsageError(`--${name} must be a number, got "${v}"`);
  if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
    throw new UsageError(`--${name} must be between ${s.min ?? '-inf'} and ${s.max ?? 'inf'}, got ${n}`);
  }
  return n;
}

/** Parses a command's own arguments (after its name). Returns null when --help or -h is among them. */
export function parseCommandLine<S extends OptionSpecs>(
  cmd: string,
  spec: Pick<CommandSpec<S>, 'options' | 'positionals'>,
  argv: readonly string[],
): { values: OptionValues<S>; positionals: string[] } | null {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [k, s] of Object.entries(spec.options)) config[k] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  const { tokens } = nodeParseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return null;
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const s = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    if (!s) throw new UsageError(`unknown flag ${t.rawName} (see ${cmd} --help)`);
    if (s.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`--${t.name} takes no value`);
      values[t.name] = true;
    } else {
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--') && t.value.length > 2)) throw new UsageError(`--${t.name} needs a value`);
      const v = parseValue(t.name, s, t.value);
      if (s.type === 'strings') values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), v];
      else values[t.name] = v;
    }
  }
  for (const [k, s] of Object.entries(spec.options)) {
    if (k in values) continue;
    if (s.type === 'boolean') values[k] = false;
    else if (s.type === 'strings') values[k] = [];
    else if (s.default !== undefined) values[k] = s.default;
    else if (s.required) throw new UsageError(`--${k}${metavar(s)} is required${typeof s.required === 'string' ? ` (${s.required})` : ''}`);
  }
  const pos = spec.positionals ?? [];
  const missing = pos.find((p, i) => p.required && positionals.length <= i);
  if (missing) throw new UsageError(`${missing.name} is required (see ${cmd} --help)`);
  if (!pos.at(-1)?.variadic && positionals.length > pos.length) throw new UsageError(`unexpected argument "${positionals[pos.length]}" (see ${cmd} --help)`);
  return { values: values as OptionValues<S>, positionals };
}

function table(rows: [string, string][]): string[] {
  const w = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => (b ? a.padEnd(w) + b : a));
}

/** The usage line: positionals and required flags spelled out; optional flags too when there are at most three. */
export function usageLine(cmd: string, c: Pick<CommandSpec<OptionSpecs>, 'options' | 'positionals'>): string {
  const pos = (c.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`) + (p.variadic ? '...' : ''));
  const opts = Object.entries(c.options);
  const isRequired = (s: OptionSpec) => s.type !== 'boolean' && s.type !== 'strings' && !!s.required;
  const req = opts.filter(([, s]) => isRequired(s)).map(([k, s]) => `--${k}${metavar(s)}`);
  const optional = opts.filter(([, s]) => !isRequired(s));
  const rest = optional.length > 3 ? ['[flags]'] : optional.map(([k, s]) => `[--${k}${metavar(s)}]`);
  return [cmd, ...pos, ...req, ...rest].join(' ');
}

export function commandHelp(cmd: string, c: Command): string {
  const pos = (c.positionals ?? []).filter((p) => p.help).map((p): [string, string] => [`  ${p.name}`, p.help!]);
  const opts = Object.entries(c.options).map(([k, s]): [string, string] => {
    const def =
      s.type !== 'boolean' && s.type !== 'strings' && s.default !== undefined ? ` (default ${s.default})` : s.type === 'strings' ? ' (repeatable)' : '';
    return [`  --${k}${metavar(s)}`, s.help + def];
  });
  return [`usage: ${usageLine(cmd, c)}`, '', c.description ?? c.summary, '', ...table([...pos, ...opts, ['  --help', 'show this help']])].join('\n');
}

export function groupHelp(cmd: string, g: CommandGroup): string {
  const rows = g.commands.map((c): [string, string] => [`  ${c.name}`, c.summary]);
  return [
    `usage: ${cmd} <command> [flags]`,
    '',
    g.description ?? g.summary,
    '',
    'commands:',
    ...table(rows),
    '',
    `Run "${cmd} <command> --help" for the flags of each.`,
  ].join('\n');
}

export interface CliIo {
  out: Out;
  err: Out;
}

export const STDIO: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

const findChild = (g: CommandGroup, word: string) => g.commands.find((c) => c.name === word || c.aliases?.includes(word));

/**
 * Runs `argv` (the words after the program name) against `root`, whose name is the program's
 * ("or-hub"). Returns the exit status: 0 ok, 1 failure, 2 usage problem.
 */
export async function runCli(root: CommandGroup, argv: readonly string[], io: CliIo = STDIO): Promise<number> {
  let node: CliNode = root;
  let cmd = root.name;
  let i = 0;
  try {
    while (node.kind === 'group') {
      const word: string | undefined = argv[i];
      if (word === undefined) {
        io.err(groupHelp(cmd, node));
        return 2;
      }
      if (word === '--help' || word === '-h' || (word === 'help' && argv[i + 1] === undefined)) {
        io.out(groupHelp(cmd, node));
        return 0;
      }
      if (word === 'help') return await runCli(root, [...argv.slice(0, i), ...argv.slice(i + 1), '--help'], io);
      const next = findChild(node, word);
      if (!next) throw new UsageError(`unknown command "${word}" (${node.commands.map((c) => c.name).join(', ')}; see ${cmd} --help)`);
      node = next;
      cmd = `${cmd} ${next.name}`;
      i++;
    }
    const c: Command = node;
    const parsed = parseCommandLine(cmd, c, argv.slice(i));
    if (!parsed) {
      io.out(commandHelp(cmd, c));
      return 0;
    }
    return await c.run({ ...parsed, command: cmd, argv: argv.slice(i), out: io.out, err: io.err });
  } catch (e) {
    io.err(`${cmd}: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
