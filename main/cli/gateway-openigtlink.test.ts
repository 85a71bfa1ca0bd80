import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './or-hub';

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('or-hub gateway openigtlink: --help, and strict one-line usage errors', async () => {
  const help = await cli(['gateway', 'openigtlink', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out.join('\n'), /^usage: or-hub gateway openigtlink --bus ENDPOINT/);
  assert.match(help.out.join('\n'), /--connect HOST:PORT/);
  const group = await cli(['gateway', '--help']);
  assert.equal(group.code, 0);
  assert.match(group.out.join('\n'), /openigtlink/);
  for (const [args, msg] of [
    [['gateway', 'openigtlink', '--connect', '127.0.0.1:18944'], /--bus ENDPOINT is required/],
    [['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400'], /give exactly one of --connect HOST:PORT and --listen PORT/],
    [['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400', '--connect', 'a:1', '--listen', '5'], /give exactly one/],
    [['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400', '--connect', 'nohost'], /--connect: "nohost" is not HOST:PORT/],
    [['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400', '--connect', 'h:70000'], /port 70000 is out of range/],
    [['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400', '--listen', '-1'], /--listen must be between 0 and 65535/],
    [
      ['gateway', 'openigtlink', '--bus', 'tcp://127.0.0.1:7400', '--listen', '0', '--query', 'STT_TDATA,DROP'],
      /"DROP" is not a GET_\/STT_\/STP_ message type/,
    ],
    [['gateway', 'openigtlink', '--bus', 'nope', '--listen', '0'], /--bus: "nope" is not a ZeroMQ endpoint/],
    [['start', '--igtl-out', '99999'], /--igtl-out must be between 0 and 65535/],
  ] as [string[], RegExp][]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.length, 1, `one line: ${r.err.join(' | ')}`);
    assert.match(r.err[0], /^or-hub (gateway openigtlink|start): /);
    assert.match(r.err[0], msg);
  }
});
