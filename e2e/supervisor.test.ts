/**
 * Issue 12 §1: `or-hub start` keeps the theatre running if the hub dies for a cause nobody
 * foresaw: its supervisor restarts it on the same data dir, port, bus endpoint and display token;
 * the case resumes with the restart as a gap; the log and the display's hello say so.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startHub, runToEnd, until, type HubProc } from './harness';
import type { HubMessage } from '../common/display-contract';

let hub: HubProc | undefined;
after(async () => {
  await hub?.kill('SIGKILL');
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function hello(origin: string, token: string): Promise<Extract<HubMessage, { t: 'hello' }>> {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${token}` } });
  return new Promise((resolve, reject) => {
    ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(d.toString()) as HubMessage;
      if (m.t === 'hello') {
        ws.close();
        resolve(m);
      }
    });
    ws.on('error', reject);
  });
}

test('a hub killed with SIGKILL is restarted by the supervisor on the same port, token and case', { timeout: 120_000 }, async () => {
  hub = await startHub(['--simulate']);
  const h = hub;
  const dataDir = /--data-dir (\S+)/.exec(h.child.spawnargs.join(' '))![1];
  const auth = { Authorization: `Bearer ${h.token}` };
  const devicesOnline = async () =>
    ((await (await fetch(`${h.origin}/api/status`, { headers: auth })).json()) as { devices: { state: string }[] }).devices.filter((d) => d.state === 'online')
      .length;
  await until(async () => (await devicesOnline()) === 8, 'eight devices online', 30000, 200);
  const first = (await hello(h.origin, h.token)) as { restart?: unknown };
  assert.equal(first.restart, undefined, 'a first start is no restart');
  const hubFile = () => JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.json'), 'utf8')) as { pid: number; token: string };
  const childPid = hubFile().pid;
  assert.notEqual(childPid, h.child.pid, 'the hub runs in a child of the supervisor');
  const caseBefore = ((await (await fetch(`${h.origin}/api/case`, { headers: auth })).json()) as { case: { id: string } }).case.id;

  process.kill(childPid, 'SIGKILL');
  const t0 = Date.now();
  await until(() => !alive(childPid), 'the hub process gone', 5000, 10);
  // The same URL and token answer again, from a new process.
  const back = await until(
    async () => {
      try {
        const r = await fetch(`${h.origin}/api/status`, { headers: auth });
        return r.status === 200 && hubFile().pid !== childPid;
      } catch {
        return false;
      }
    },
    'the restarted hub answering on the same port with the same token',
    10000,
    20,
  );
  console.log(`hub answering again ${Date.now() - t0} ms after SIGKILL (poll ${back.ms} ms)`);
  await h.waitFor(/supervisor: the hub ended unexpectedly \(killed by SIGKILL\); restarting it on the same data dir in 250 ms \(restart 1\)/);
  const again = await hello(h.origin, h.token);
  assert.equal(again.restart?.count, 1);
  assert.equal(again.restart?.reason, 'killed by SIGKILL');
  const caseAfter = ((await (await fetch(`${h.origin}/api/case`, { headers: auth })).json()) as { case: { id: string; state: string } }).case;
  assert.equal(caseAfter.id, caseBefore, 'the case resumes');
  assert.equal(caseAfter.state, 'recording');
  await until(async () => (await devicesOnline()) === 8, 'the devices back on the restarted hub', 30000, 200);

  // SIGTERM to the supervisor ends the hub too: nothing outlives `or-hub start`.
  const newChild = hubFile().pid;
  await h.kill('SIGTERM');
  await until(() => !alive(newChild), 'the hub ended with its supervisor', 10000, 20);
  const show = JSON.parse((await runToEnd(['recordings', 'show', caseBefore, '--json', '--data-dir', dataDir])).stdout) as {
    gaps: { reason: string; fromMs: number; toMs: number }[];
  };
  const restarts = show.gaps.filter((g) => g.reason === 'hub-restart');
  assert.equal(restarts.length, 1, 'the restart is one gap in the recording');
  assert.ok(restarts[0].toMs - restarts[0].fromMs < 5000, 'a short gap');
});

test('a supervisor killed with SIGKILL takes its hub with it', { timeout: 60_000 }, async () => {
  const h = await startHub();
  const dataDir = /--data-dir (\S+)/.exec(h.child.spawnargs.join(' '))![1];
  const childPid = (JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.json'), 'utf8')) as { pid: number }).pid;
  await h.kill('SIGKILL');
  await until(() => !alive(childPid), 'no orphaned hub', 5000, 10);
});

test('a hub that cannot start is not restarted: the supervisor exits with its status', async () => {
  const r = await runToEnd(
    ['start', '--headless', '--port', '0', '--bus', 'ipc:///nonexistent-dir/x/bus', '--bus-security', 'plain', '--data-dir', fs.mkdtempSync('/tmp/orhub-sup-')],
    30000,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot bind the bus/);
  assert.doesNotMatch(r.stderr, /restarting/);
});
