/** `or-hub gateway serial`: help and strict one-line errors, through the real command tree (OR_HUB). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './command';
import { OR_HUB } from './or-hub';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(OR_HUB, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

test('gateway serial --help names every flag and the known drivers', async () => {
  const g = await cli('gateway', '--help');
  assert.equal(g.code, 0);
  assert.match(g.out, /^ {2}serial {2}/m);
  const r = await cli('gateway', 'serial', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: or-hub gateway serial --bus ENDPOINT --device PATH --driver NAME/);
  for (const f of ['--bus', '--device', '--driver', '--baud', '--keys']) assert.ok(r.out.includes(f), `lists ${f}`);
  assert.match(r.out, /ivy450c \(Ivy Biomedical 450C/);
});

test('gateway serial usage problems are one line, exit 2; a missing device is one line, exit 1', async () => {
  const bus = ['--bus', 'tcp://127.0.0.1:1'];
  const cases: [string[], number, RegExp][] = [
    [['gateway', 'serial', '--device', '/dev/ttyUSB0', '--driver', 'ivy450c'], 2, /^or-hub gateway serial: --bus ENDPOINT is required/],
    [
      ['gateway', 'serial', ...bus, '--driver', 'ivy450c'],
      2,
      /^or-hub gateway serial: --device PATH is required \(the serial port the monitor is plugged into\)$/,
    ],
    [['gateway', 'serial', ...bus, '--device', '/dev/ttyUSB0'], 2, /^or-hub gateway serial: --driver NAME is required$/],
    [
      ['gateway', 'serial', ...bus, '--device', '/dev/ttyUSB0', '--driver', 'philips'],
      2,
      /^or-hub gateway serial: --driver: unknown driver "philips" \(known: ivy450c\)$/,
    ],
    [
      ['gateway', 'serial', ...bus, '--device', '/dev/ttyUSB0', '--driver', 'ivy450c', '--baud', 'fast'],
      2,
      /^or-hub gateway serial: --baud must be an integer, got "fast"$/,
    ],
    [
      ['gateway', 'serial', ...bus, '--device', '/dev/ttyUSB0', '--driver', 'ivy450c', '--baud', '10'],
      2,
      /^or-hub gateway serial: --baud must be between 50 and 4000000, got 10$/,
    ],
    [
      ['gateway', 'serial', '--bus', 'http://x', '--device', '/dev/ttyUSB0', '--driver', 'ivy450c'],
      2,
      /^or-hub gateway serial: --bus: "http:\/\/x" is not a ZeroMQ endpoint/,
    ],
    [
      ['gateway', 'serial', ...bus, '--device', '/nonexistent/ttyX', '--driver', 'ivy450c'],
      1,
      /^or-hub gateway serial: \/nonexistent\/ttyX: no such device \(is the adapter plugged in\?\)$/,
    ],
    [['gateway', 'frob'], 2, /^or-hub gateway: unknown command "frob"/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.err.join(' | ')}`);
    assert.equal(r.out, '', `${argv.join(' ')}: nothing on stdout`);
    assert.equal(r.err.length, 1, `${argv.join(' ')}: one line, got ${JSON.stringify(r.err)}`);
    assert.match(r.err[0], re);
  }
});
