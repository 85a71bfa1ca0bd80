import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { defineGroup, runCli } from './command';
import { keysCommand } from './keys';
import { loadAllowList, readDeviceKeyFile } from '../../native-bridge/node/key-store';

const ROOT = defineGroup({ name: 'or-hub', summary: 'test root', commands: [keysCommand] });

async function keys(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(ROOT, ['keys', ...argv], { out: (l) => lines.push(l), err: (l) => errors.push(l) });
  return { code, out: lines.join('\n'), err: errors.join('\n') };
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;

test('keys enrol without keys init creates the hub keys first and says so (issue 12 §6)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-keys-'));
  const e = await keys('enrol', 'monitor-1', '--data-dir', dir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /created hub keys in \S+ \(there were none/);
  assert.equal(mode(path.join(dir, 'keys', 'hub.key.json')), 0o600);
  const list = await keys('list', '--data-dir', dir);
  const hubPub = /hub public key: (\S{40})/.exec(list.out)![1];
  const dk = readDeviceKeyFile(/device key file: (\S+)/.exec(e.out)![1]);
  assert.equal(dk.serverPublicKey, hubPub, 'the device key file names the hub key just made');
  assert.equal(loadAllowList(dir).get(dk.publicKey), 'monitor-1');
  const second = await keys('enrol', 'monitor-2', '--data-dir', dir);
  assert.doesNotMatch(second.out, /created hub keys/, 'hub keys are made once');
  assert.match((await keys('init', '--data-dir', dir)).out, /already exist/);
});

test('keys init / enrol / list / revoke, files 0600', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-keys-'));
  const d = ['--data-dir', dir];
  const init = await keys('init', ...d);
  assert.equal(init.code, 0);
  const hubPub = /hub public key: (\S{40})/.exec(init.out)![1];
  assert.equal(mode(path.join(dir, 'keys', 'hub.key.json')), 0o600);
  assert.equal(mode(path.join(dir, 'keys')), 0o700);
  const again = await keys('init', ...d);
  assert.match(again.out, /already exist/);
  assert.ok(again.out.includes(hubPub), 'init does not replace keys without --force');

  const e1 = await keys('enrol', 'monitor-1', ...d);
  assert.equal(e1.code, 0, e1.out);
  const keyFile = /device key file: (\S+)/.exec(e1.out)![1];
  assert.equal(mode(keyFile), 0o600);
  const dk = readDeviceKeyFile(keyFile);
  assert.equal(dk.serverPublicKey, hubPub);
  assert.equal(loadAllowList(dir).get(dk.publicKey), 'monitor-1');

  const own = curveKeyPair();
  const e2 = await keys('enrol', 'pump-7', '--public-key', own.publicKey, ...d);
  assert.equal(e2.code, 0);
  assert.doesNotMatch(e2.out, /key file/);
  assert.equal((await keys('enrol', 'pump-7', '--public-key', curveKeyPair().publicKey, ...d)).code, 1, 'duplicate name');
  assert.equal((await keys('enrol', 'pump-8', '--public-key', own.publicKey, ...d)).code, 1, 'duplicate key');
  assert.equal((await keys('enrol', 'bad name', ...d)).code, 1);
  assert.equal((await keys('enrol', 'p9', '--public-key', 'short', ...d)).code, 1);
  assert.equal(mode(path.join(dir, 'keys', 'enrolled.json')), 0o600);

  const list = await keys('list', ...d);
  assert.match(list.out, new RegExp(`monitor-1\\t${dk.publicKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(list.out, /pump-7/);

  assert.equal((await keys('revoke', 'monitor-1', ...d)).code, 0);
  assert.equal(loadAllowList(dir).has(dk.publicKey), false);
  assert.equal(fs.existsSync(keyFile), false, 'the generated key file goes with it');
  assert.equal((await keys('revoke', 'monitor-1', ...d)).code, 1);
  assert.equal((await keys('frobnicate')).code, 2);
  assert.equal((await keys('enrol', ...d)).code, 2);

  // Errors go to stderr, one line each; stdout stays empty.
  const gone = await keys('revoke', 'monitor-1', ...d);
  assert.deepEqual([gone.out, gone.err], ['', 'or-hub keys revoke: no device named "monitor-1" is enrolled']);
  const unknown = await keys('frobnicate');
  assert.deepEqual([unknown.out, unknown.err], ['', 'or-hub keys: unknown command "frobnicate" (init, enrol, list, revoke; see or-hub keys --help)']);
  const dup = await keys('enrol', 'pump-7', '--public-key', curveKeyPair().publicKey, ...d);
  assert.equal(dup.out, '');
  assert.match(dup.err, /^or-hub keys enrol: [^\n]+$/);
});
