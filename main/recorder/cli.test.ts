import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_PRESETS, genesisHash, hashRecord } from './annotations';
import { RECORDER_COMMANDS } from './cli';
import { defineGroup, runCli } from '../cli/command';
import { RecordingStore, recordingPath } from './store';
import { encodeWave } from './wavecodec';
import { withRawDb } from './testing/raw-db';

const T0 = Date.UTC(2026, 0, 2, 13, 4, 0);

function fixture(): { dir: string; id: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orrec-cli-'));
  const id = '20260102-130400-abcdef';
  const s = RecordingStore.open(recordingPath(dir, id), { create: true });
  s.createCase(id, { procedure: 'Lap chole', room: 'OR 3', team: [{ role: 'surgeon', name: 'A. Surgeon' }], patient: { identifier: 'MRN-9' } }, T0);
  s.setState('recording', T0);
  const ch = s.channelId('mon', 0, 'wave', 500, 'i16');
  const x = Int16Array.from({ length: 2000 }, (_, i) => i % 50);
  s.insertWaveBlock({ channelId: ch, t0Ms: T0, t1Ms: T0 + 3998, rateHz: 500, count: 2000, codec: 5, scale: 0.005, offset: 0, data: encodeWave(x) }, false);
  s.insertWaveBlock(
    { channelId: ch, t0Ms: T0 + 5000, t1Ms: T0 + 8998, rateHz: 500, count: 2000, codec: 5, scale: 0.005, offset: 0, data: encodeWave(x) },
    false,
  );
  s.insertGap({ deviceId: 'mon', channel: -1, fromMs: T0 + 3998, toMs: T0 + 5000, lostFrames: 3, reason: 'sequence' });
  s.appendAnnotation({ action: 'create', input: { kind: 'time-out', role: 'surgeon', tMs: T0 + 1000 } }, DEFAULT_PRESETS, T0 + 1000);
  const detailJson = '{"kind":"physiological"}';
  const hr = { deviceId: 'mon', channel: 10, priority: 3, code: 0, text: 'HR EXTREMELY HIGH 170 > 150', key: 'mon/10/high', detailJson };
  s.insertAlarm({ ...hr, tMs: T0 + 2000, state: 1, action: 'raised', who: '' });
  s.insertAlarm({ ...hr, tMs: T0 + 2500, state: 1, action: 'acknowledged', who: 'Dr A' });
  s.close();
  return { dir, id };
}

const ROOT = defineGroup({ name: 'or-hub', summary: 'test root', commands: RECORDER_COMMANDS });

/** `or-hub ARGS`: stdout lines, stderr lines (every error goes there). */
async function run(...argv: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(ROOT, argv, { out: (l) => lines.push(l), err: (l) => errors.push(l) });
  return { code, lines, errors };
}

test('recordings list prints a table and --json', async () => {
  const { dir, id } = fixture();
  const t = await run('recordings', 'list', '--data-dir', dir);
  assert.equal(t.code, 0);
  assert.equal(t.lines[0], 'ID\tSTATE\tPROCEDURE\tROOM\tSTARTED\tDURATION\tSIZE');
  assert.match(t.lines[1], new RegExp(`^${id}\trecording\tLap chole\tOR 3\t2026-01-02T13:04:00.000Z\t0h00m09s\t`));
  const j = await run('recordings', 'list', '--json', '--data-dir', dir);
  const rows = JSON.parse(j.lines[0]) as { id: string; state: string; durationMs: number }[];
  assert.deepEqual(
    rows.map((r) => [r.id, r.state, r.durationMs]),
    [[id, 'recording', 8998]],
  );
});

test("recordings show lists the alarm engine's state changes with who", async () => {
  const { dir, id } = fixture();
  const t = await run('recordings', 'show', id, '--data-dir', dir);
  const at = t.lines.indexOf('alarm changes (2):');
  assert.ok(at > 0, t.lines.join('\n'));
  assert.equal(t.lines[at + 1], '  2026-01-02T13:04:02.000Z  raised  high  HR EXTREMELY HIGH 170 > 150  (mon/10/high)');
  assert.equal(t.lines[at + 2], '  2026-01-02T13:04:02.500Z  acknowledged  high  HR EXTREMELY HIGH 170 > 150  (mon/10/high)  by Dr A');
  type Shown = { alarms: { action: string; who: string; detail: { kind: string } }[] };
  const j = JSON.parse((await run('recordings', 'show', id, '--json', '--data-dir', dir)).lines[0]) as Shown;
  assert.deepEqual(
    j.alarms.map((a) => [a.action, a.who, a.detail.kind]),
    [
      ['raised', '', 'physiological'],
      ['acknowledged', 'Dr A', 'physiological'],
    ],
  );
});

test('recordings show gives channels with first and last sample time and count, gaps and annotations, never patient identifiers', async () => {
  const { dir, id } = fixture();
  const j = await run('recordings', 'show', id, '--json', '--data-dir', dir);
  assert.equal(j.code, 0);
  const v = JSON.parse(j.lines[0]) as {
    channels: { firstMs: number; lastMs: number; samples: number }[];
    gaps: { reason: string }[];
    annotations: { kind: string }[];
    patientIdentifiers: string;
  };
  assert.deepEqual(
    v.channels.map((c) => [c.firstMs, c.lastMs, c.samples]),
    [[T0, T0 + 8998, 4000]],
  );
  assert.deepEqual(
    v.gaps.map((g) => g.reason),
    ['sequence'],
  );
  assert.deepEqual(
    v.annotations.map((a) => a.kind),
    ['time-out'],
  );
  assert.equal(v.patientIdentifiers, 'present (not shown)');
  assert.ok(!j.lines[0].includes('MRN-9'));
  const t = await run('recordings', 'show', id, '--data-dir', dir);
  assert.ok(t.lines.includes('  mon\t0\twave\t-\t500\t2026-01-02T13:04:00.000Z\t2026-01-02T13:04:08.998Z\t4000'));
  assert.ok(t.lines.some((l) => l.includes('time-out') && l.includes('by surgeon A. Surgeon')));
  assert.ok(!t.lines.join('\n').includes('MRN-9'));
  assert.equal((await run('recordings', 'show', 'nope', '--data-dir', dir)).code, 1);
  assert.deepEqual(await run('recordings', 'show', 'nope', '--data-dir', dir), {
    code: 1,
    lines: [],
    errors: [`or-hub recordings show: no recording nope in ${dir}`],
  });
});

test('annotate adds back-dated markers, boluses and blood loss; bad input is a one-line usage error with exit 2', async () => {
  const { dir, id } = fixture();
  const before = Date.now();
  const a = await run('annotate', '--data-dir', dir, '--case', id, '--kind', 'incision', '--ago', '2m', '--role', 'surgeon', '--json');
  assert.equal(a.code, 0, a.lines.join('\n'));
  const ack = JSON.parse(a.lines[0]) as { tMs: number; seq: number };
  assert.ok(ack.tMs >= before - 120000 && ack.tMs <= Date.now() - 120000);
  assert.equal(ack.seq, 2);
  assert.equal(
    (await run('annotate', '--data-dir', dir, '--case', id, '--kind', 'bolus', '--drug', 'Propofol', '--dose', '150', '--unit', 'mg', '--role', 'surgeon'))
      .code,
    0,
  );
  const scan = await run('annotate', '--data-dir', dir, '--case', id, '--kind', 'blood-loss', '--ml', '250', '--name', 'scanner-2');
  assert.equal(scan.code, 0);
  assert.match(scan.lines[0], /^annotated blood-loss at .* as entry [0-9a-f-]{36} \(seq 4\)$/);
  const s = RecordingStore.open(recordingPath(dir, id), { readonly: true });
  const hist = s.annotationHistory();
  assert.deepEqual(
    hist.map((h) => [h.kind, h.role, h.name]),
    [
      ['time-out', 'surgeon', 'A. Surgeon'],
      ['incision', 'surgeon', 'A. Surgeon'],
      ['bolus', 'surgeon', 'A. Surgeon'],
      ['blood-loss', 'integration', 'scanner-2'],
    ],
  );
  assert.deepEqual(hist[2].data, { drug: 'Propofol', dose: 150, unit: 'mg' });
  s.close();

  for (const [args, msg] of [
    [['--kind', 'incision', '--bogus', '1'], /unknown flag --bogus/],
    [['--kind', 'incision', '--ago', 'soon'], /--ago must be a duration/],
    [['--kind', 'bolus', '--drug', 'X', '--dose', 'lots', '--unit', 'mg'], /--dose must be a number/],
    [['--kind', 'bolus', '--drug', 'X', '--unit', 'mg'], /a bolus needs a dose/],
    [['--kind', 'dance'], /unknown annotation kind "dance"/],
    [['--kind', 'incision', '--role', 'porter'], /role "porter" is not on this case's team/],
  ] as const) {
    const r = await run('annotate', '--data-dir', dir, '--case', id, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.errors.join('|')}`);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0], msg);
  }
  assert.equal((await run('annotate', '--data-dir', dir, '--case', 'missing', '--kind', 'incision')).code, 1);
});

test('verify checks the chain: exit 0 when intact, 1 with the problem when an entry was altered', async () => {
  const { dir, id } = fixture();
  const ok = await run('verify', id, '--data-dir', dir);
  assert.deepEqual(ok, { code: 0, lines: ['OK: 1 annotation entries, hash chain intact'], errors: [] });
  const file = recordingPath(dir, id);
  assert.equal((await run('verify', file)).code, 0);
  withRawDb(file, (db) => db.exec('DROP TRIGGER annotations_no_update; UPDATE annotations SET t_ms = t_ms - 60000'));
  const bad = await run('verify', file);
  assert.equal(bad.code, 1);
  assert.deepEqual(bad.lines, ['BROKEN: 1 problem(s) in 1 annotation entries', '  entry seq 1: content does not match its hash (altered)']);
  assert.deepEqual(bad.errors, []);
});

test('--help for each command, unknown commands exit 2', async () => {
  for (const argv of [['--help'], ['recordings', 'list', '--help'], ['recordings', 'show', '--help'], ['verify', '--help'], ['annotate', '--help']]) {
    const r = await run(...argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.lines.join('\n'), /^usage: or-hub/);
  }
  assert.equal((await run('recordings', 'frobnicate')).code, 2);
  assert.deepEqual(await run('recordings', 'frobnicate'), {
    code: 2,
    lines: [],
    errors: ['or-hub recordings: unknown command "frobnicate" (list, show; see or-hub recordings --help)'],
  });
  assert.equal((await run('recordings', 'list')).code, 2);
  assert.equal((await run('verify')).code, 2);
});

test('verify detects a rewrite of the whole chain with recomputed hashes: the head anchored in the data dir no longer matches', async () => {
  const { dir, id } = fixture();
  const file = recordingPath(dir, id);
  const s = RecordingStore.open(file);
  s.appendAnnotation({ action: 'create', input: { kind: 'note', text: 'bleeding controlled', role: 'surgeon', tMs: T0 + 2000 } }, DEFAULT_PRESETS, T0 + 2000);
  s.close();
  const heads = fs.readFileSync(path.join(dir, 'annotation-heads.log'), 'utf8').trim().split('\n');
  assert.equal(heads.length, 2, 'one anchored head per committed entry');
  assert.equal((fs.statSync(path.join(dir, 'annotation-heads.log')).mode & 0o777).toString(8), '600');
  const shown = JSON.parse((await run('recordings', 'show', id, '--data-dir', dir, '--json')).lines[0]) as {
    annotationHead: { seq: number; hash: string; anchored: boolean };
  };
  assert.equal(shown.annotationHead.seq, 2);
  assert.equal(shown.annotationHead.anchored, true);
  assert.equal(shown.annotationHead.hash, JSON.parse(heads[1]).hash);

  // The attacker rewrites the note and recomputes every hash from the genesis on, so the chain's own links all hold.
  withRawDb(file, (db) => {
    db.exec('DROP TRIGGER annotations_no_update');
    const rows = db.prepare('SELECT * FROM annotations ORDER BY seq').all() as Record<string, unknown>[];
    let prev = genesisHash(id);
    for (const r of rows) {
      const text = r.kind === 'note' ? 'no bleeding' : (r.text as string);
      const rec = {
        seq: r.seq as number,
        caseId: id,
        entryId: r.entry_id as string,
        version: r.version as number,
        action: r.action as 'create',
        kind: r.kind as string,
        tMs: r.t_ms as number,
        recordedMs: r.recorded_ms as number,
        role: r.role as string,
        name: r.name as string,
        text,
        data: JSON.parse(r.data_json as string),
        prevHash: prev,
      };
      const hash = hashRecord(rec);
      db.prepare('UPDATE annotations SET text = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(text, prev, hash, r.seq);
      prev = hash;
    }
  });
  const bad = await run('verify', id, '--data-dir', dir);
  assert.equal(bad.code, 1);
  assert.equal(bad.lines[0], 'BROKEN: 1 problem(s) in 2 annotation entries');
  assert.match(bad.lines[1], /entry seq 2 does not match the head anchored on .* in annotation-heads\.log \(the chain was rewritten\)/);
  // Without the anchor the rewrite is invisible: that is exactly what the anchor is for.
  fs.renameSync(path.join(dir, 'annotation-heads.log'), path.join(dir, 'moved.log'));
  const blind = await run('verify', id, '--data-dir', dir);
  assert.equal(blind.code, 0);
  assert.match(blind.lines[1], /note: no head anchored in annotation-heads\.log/);
});
