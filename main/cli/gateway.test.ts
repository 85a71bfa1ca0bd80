import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runCli } from './command';
import { OR_HUB } from './or-hub';
import { BusServer } from '../../native-bridge/node/bus-server';
import { Hub } from '../hub/hub';
import type { HubSink } from '../hub/sink';
import { MllpPeer, ackCode, report } from '../../native-bridge/node/gateways/hl7/testing/mllp-peer';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(OR_HUB, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('or-hub gateway hl7: --help, and strict one-line usage errors', async () => {
  const help = await cli('gateway', 'hl7', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: or-hub gateway hl7 --bus ENDPOINT --listen PORT \[--host ADDR\] \[--theatre NAME\] \[--keys FILE\]/);
  const cases: [string[], RegExp][] = [
    [['--listen', '2575'], /^or-hub gateway hl7: --bus ENDPOINT is required/],
    [['--bus', 'tcp://127.0.0.1:7400'], /^or-hub gateway hl7: --listen PORT is required$/],
    [['--bus', 'tcp://127.0.0.1:7400', '--listen', '70000'], /--listen must be between 0 and 65535, got 70000$/],
    [['--bus', 'nonsense', '--listen', '1'], /--bus: "nonsense" is not a ZeroMQ endpoint/],
    [['--bus', 'tcp://127.0.0.1:7400', '--listen', '1', '--theatre', 'a|b'], /--theatre: must be 1-64 characters/],
    [['--bus', 'tcp://127.0.0.1:7400', '--listen', '1', '--bogus'], /unknown flag --bogus/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli('gateway', 'hl7', ...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.err.split('\n').length, 1, 'one line');
    assert.match(r.err, re);
  }
  const start = await cli('start', '--hl7-out', 'aims:notaport');
  assert.deepEqual([start.code, start.err], [2, 'or-hub start: --hl7-out: "aims:notaport" is not HOST:PORT (e.g. aims.hospital.local:2575)']);
  const interval = await cli('start', '--hl7-out', 'aims:2575', '--hl7-out-interval', '0');
  assert.match(interval.err, /--hl7-out-interval must be between 1 and 3600, got 0/);
});

test('or-hub gateway hl7 as its own process: a report sent to it is ACKed and its values reach the hub', { timeout: 60000 }, async () => {
  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  const values: number[] = [];
  const sink = { numeric: (_d: string, _c: number, _t: number, v: number) => values.push(v) } as Partial<HubSink>;
  for (const k of ['deviceOnline', 'deviceState', 'wave', 'setting', 'alarm', 'pose', 'event', 'gap'] as const) (sink as Record<string, unknown>)[k] = () => {};
  hub.addSink(sink as HubSink);
  hub.start();
  void bus.serve(hub);
  const args = ['--import', 'tsx', path.join(__dirname, 'or-hub.ts'), 'gateway', 'hl7', '--bus', ep, '--listen', '0', '--theatre', 'OR3'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening for MLLP on 127\.0\.0\.1:(\d+) for theatre "OR3"/.exec(l);
        if (m) resolve(Number(m[1]));
      });
    });
    const peer = await MllpPeer.connect(port);
    assert.equal(ackCode(await peer.exchange(report({ id: 'cli-1' }))), 'AA');
    assert.equal(ackCode(await peer.exchange(report({ id: '' }))), 'AE');
    peer.close();
    const end = Date.now() + 15000;
    while (values.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(values, [72, 97.5, 121]);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    hub.stop();
    bus.close();
  }
});
