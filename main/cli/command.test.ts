import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, defineCommand, defineGroup, runCli, usageLine } from './command';
import { checkOneOf } from './checks';

const seen: unknown[] = [];

const copy = defineCommand({
  name: 'copy',
  aliases: ['cp'],
  summary: 'copy things',
  description: 'Copies SRC to DEST.',
  options: {
    force: { type: 'boolean', help: 'overwrite' },
    mode: { type: 'string', help: 'how', metavar: 'fast|safe', default: 'safe', check: checkOneOf(['fast', 'safe']) },
    port: { type: 'integer', help: 'a port', min: 0, max: 65535 },
    ratio: { type: 'number', help: 'a ratio', default: 0.5, min: 0, max: 1 },
    to: { type: 'string', help: 'destination', metavar: 'DEST', required: 'where the copy goes' },
  },
  positionals: [
    { name: 'SRC', help: 'what to copy', required: true },
    { name: 'MORE', variadic: true },
  ],
  run({ values, positionals, command, out }) {
    // Typed values: these lines fail to compile if the inferred types are wrong.
    const force: boolean = values.force;
    const mode: string = values.mode;
    const port: number | undefined = values.port;
    const ratio: number = values.ratio;
    const to: string = values.to;
    seen.push({ force, mode, port, ratio, to, positionals, command });
    if (positionals[0] === 'boom') throw new Error('disk on fire');
    if (positionals[0] === 'bad') throw new UsageError('SRC "bad" is not allowed');
    out('copied');
    return 0;
  },
});

const ROOT = defineGroup({
  name: 'tool',
  summary: 'A test tool.',
  commands: [copy, defineGroup({ name: 'sub', summary: 'a group', commands: [defineCommand({ name: 'leaf', summary: 'a leaf', options: {}, run: () => 7 })] })],
});

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  seen.length = 0;
  const code = await runCli(ROOT, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, seen: seen[0] as Record<string, unknown> | undefined };
}

test('values: defaults, booleans, numbers, --name=value, last one wins, -- ends flags, aliases', async () => {
  const a = await run('copy', 'x', '--to', 'y');
  assert.deepEqual(a, {
    code: 0,
    out: ['copied'],
    err: [],
    seen: { force: false, mode: 'safe', port: undefined, ratio: 0.5, to: 'y', positionals: ['x'], command: 'tool copy' },
  });
  const b = await run('cp', '--force', '--mode=fast', '--port', '80', '--ratio', '1', '--to=a', '--to', 'b', 'x', 'y', '--', '--z');
  assert.equal(b.code, 0, b.err.join('\n'));
  assert.deepEqual(b.seen, { force: true, mode: 'fast', port: 80, ratio: 1, to: 'b', positionals: ['x', 'y', '--z'], command: 'tool copy' });
  assert.equal((await run('copy', 'x', '--to', 'y', '--port', '-0')).seen?.port, 0);
  assert.equal((await run('sub', 'leaf')).code, 7);
});

test('usage problems: one line on stderr naming the problem, nothing on stdout, exit 2', async () => {
  const cases: [string[], string][] = [
    [['copy', 'x', '--to', 'y', '--bogus'], 'tool copy: unknown flag --bogus (see tool copy --help)'],
    [['copy', 'x', '--to', 'y', '-q'], 'tool copy: unknown flag -q (see tool copy --help)'],
    [['copy', 'x', '--to', 'y', '--bogus=1'], 'tool copy: unknown flag --bogus (see tool copy --help)'],
    [['copy', 'x', '--to', 'y', '--force=yes'], 'tool copy: --force takes no value'],
    [['copy', 'x', '--to'], 'tool copy: --to needs a value'],
    [['copy', 'x', '--to', '--force'], 'tool copy: --to needs a value'],
    [['copy', 'x', '--to', ''], 'tool copy: --to must not be empty'],
    [['copy', 'x'], 'tool copy: --to DEST is required (where the copy goes)'],
    [['copy', '--to', 'y'], 'tool copy: SRC is required (see tool copy --help)'],
    [['copy', 'x', '--to', 'y', '--mode', 'slow'], 'tool copy: --mode: must be fast or safe'],
    [['copy', 'x', '--to', 'y', '--port', 'abc'], 'tool copy: --port must be an integer, got "abc"'],
    [['copy', 'x', '--to', 'y', '--port', '1.5'], 'tool copy: --port must be an integer, got "1.5"'],
    [['copy', 'x', '--to', 'y', '--port', '70000'], 'tool copy: --port must be between 0 and 65535, got 70000'],
    [['copy', 'x', '--to', 'y', '--ratio', 'lots'], 'tool copy: --ratio must be a number, got "lots"'],
    [['copy', 'x', '--to', 'y', '--ratio', '2'], 'tool copy: --ratio must be between 0 and 1, got 2'],
    [['copy', 'bad', '--to', 'y'], 'tool copy: SRC "bad" is not allowed'],
    [['frobnicate'], 'tool: unknown command "frobnicate" (copy, sub; see tool --help)'],
    [['sub', 'nope'], 'tool sub: unknown command "nope" (leaf; see tool sub --help)'],
    [['sub', 'leaf', 'extra'], 'tool sub leaf: unexpected argument "extra" (see tool sub leaf --help)'],
  ];
  for (const [argv, line] of cases) {
    const r = await run(...argv);
    assert.deepEqual({ code: r.code, out: r.out, err: r.err }, { code: 2, out: [], err: [line] }, argv.join(' '));
  }
});

test('a failure in run: one line on stderr, exit 1', async () => {
  const r = await run('copy', 'boom', '--to', 'y');
  assert.deepEqual({ code: r.code, out: r.out, err: r.err }, { code: 1, out: [], err: ['tool copy: disk on fire'] });
});

test('help: --help, -h and "help CMD" on stdout with exit 0, generated from the declaration; a bare group prints it on stderr with exit 2', async () => {
  const h = await run('copy', '--bogus', '--help');
  assert.equal(h.code, 0);
  assert.deepEqual(h.err, []);
  assert.deepEqual(h.out[0].split('\n'), [
    'usage: tool copy SRC [MORE]... --to DEST [flags]',
    '',
    'Copies SRC to DEST.',
    '',
    '  SRC               what to copy',
    '  --force           overwrite',
    '  --mode fast|safe  how (default safe)',
    '  --port N          a port',
    '  --ratio N         a ratio (default 0.5)',
    '  --to DEST         destination',
    '  --help            show this help',
  ]);
  assert.deepEqual((await run('cp', '-h')).out, h.out);
  assert.deepEqual((await run('help', 'copy')).out, h.out);
  const top = await run('--help');
  assert.equal(top.code, 0);
  assert.deepEqual(top.out[0].split('\n'), [
    'usage: tool <command> [flags]',
    '',
    'A test tool.',
    '',
    'commands:',
    '  copy  copy things',
    '  sub   a group',
    '',
    'Run "tool <command> --help" for the flags of each.',
  ]);
  assert.deepEqual((await run('help')).out, top.out);
  const bare = await run();
  assert.deepEqual({ code: bare.code, out: bare.out, err: bare.err }, { code: 2, out: [], err: top.out });
  assert.match((await run('sub', '--help')).out[0], /^usage: tool sub <command> \[flags\]/);
});

test('usage line lists up to three optional flags, and declarations refuse --help and a variadic before the end', () => {
  assert.equal(
    usageLine('x', {
      options: { json: { type: 'boolean', help: '' }, dir: { type: 'string', help: '', metavar: 'DIR' } },
      positionals: [{ name: 'ID', required: true }],
    }),
    'x ID [--json] [--dir DIR]',
  );
  assert.throws(() => defineCommand({ name: 'x', summary: '', options: { help: { type: 'boolean', help: '' } }, run: () => 0 }), /--help is built in/);
  assert.throws(
    () => defineCommand({ name: 'x', summary: '', options: {}, positionals: [{ name: 'A', variadic: true }, { name: 'B' }], run: () => 0 }),
    /only the last/,
  );
});
