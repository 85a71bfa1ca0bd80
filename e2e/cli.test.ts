/** The `or-hub` command line: help, strict flags, one-line errors with exit status 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToEnd } from './harness';

test('--help works for the tool and each command', async () => {
  const top = await runToEnd(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /usage: or-hub <command>/);
  for (const cmd of ['start', 'simulate']) {
    const r = await runToEnd([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: or-hub ${cmd}`));
    assert.match(r.stdout, /--bus/);
  }
  const start = await runToEnd(['start', '--help']);
  for (const f of ['--headless', '--host', '--port', '--bus', '--data-dir', '--simulate']) assert.ok(start.stdout.includes(f), `start --help lists ${f}`);
  const sim = await runToEnd(['simulate', '--help']);
  for (const f of ['--devices', '--speed']) assert.ok(sim.stdout.includes(f), `simulate --help lists ${f}`);
});

test('bad flags and values give one clear line and exit status 2', async () => {
  const cases: [string[], RegExp][] = [
    [['start', '--bogus'], /^or-hub start: unknown flag --bogus/],
    [['start', '--port', 'abc'], /^or-hub start: --port must be an integer, got "abc"/],
    [['start', '--port', '70000'], /^or-hub start: --port must be between 0 and 65535, got 70000/],
    [['start', '--bus', 'http://x'], /^or-hub start: --bus: "http:\/\/x" is not a ZeroMQ endpoint/],
    [['start', '--port'], /^or-hub start: --port needs a value/],
    [['start', '--headless=yes'], /^or-hub start: --headless takes no value/],
    [['simulate'], /^or-hub simulate: --bus ENDPOINT is required/],
    [['simulate', '--bus', 'tcp://127.0.0.1:1', '--devices', 'monitor,toaster'], /^or-hub simulate: --devices: unknown device "toaster"/],
    [['simulate', '--bus', 'tcp://127.0.0.1:1', '--speed', '0'], /^or-hub simulate: --speed: must be a number between 0.01 and 1000, got "0"/],
    [['frobnicate'], /^or-hub: unknown command "frobnicate"/],
  ];
  for (const [args, re] of cases) {
    const r = await runToEnd(args);
    assert.equal(r.code, 2, `${args.join(' ')} exits 2 (stderr: ${r.stderr})`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0], re);
  }
});

test('every command reports errors on stderr only: one line, nothing on stdout', async () => {
  const cases: [string[], number, RegExp][] = [
    [['keys', 'enrol'], 2, /^or-hub keys enrol: NAME is required/],
    [['keys', 'frobnicate'], 2, /^or-hub keys: unknown command "frobnicate"/],
    [['dicom', 'inspect', '--bogus', 'x'], 2, /^or-hub dicom inspect: unknown flag --bogus/],
    [['dicom', 'inspect', '/nonexistent'], 1, /^or-hub dicom inspect: \/nonexistent: cannot open/],
    [['recordings', 'show'], 2, /^or-hub recordings show: --data-dir DIR is required/],
    [['verify', '/nonexistent.orrec'], 1, /^or-hub verify: no recording file \/nonexistent.orrec/],
    [['annotate', '--data-dir', '/nonexistent', '--kind', 'note', '--dose', 'lots'], 2, /^or-hub annotate: --dose must be a number, got "lots"/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runToEnd(args);
    assert.equal(r.code, code, `${args.join(' ')} exits ${code} (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0], re);
  }
});

test('start refuses a plain-text bus off loopback', async () => {
  const r = await runToEnd(['start', '--headless', '--port', '0', '--bus', 'tcp://0.0.0.0:*', '--bus-security', 'plain']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /off loopback/);
});
