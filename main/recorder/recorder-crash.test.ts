import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Recorder } from './recorder';
import { RecordingStore, listRecordingFiles } from './store';
import { ecgSample } from './testing/crash-child';

const CHILD = path.join(__dirname, 'testing', 'crash-child.ts');

test('SIGKILL of a recording hub loses under a second of samples and no acknowledged annotation; restart resumes with a gap', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orrec-crash-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<string>();
  let t0 = 0;
  let lastT = 0;
  let killedAtT = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const lines = readline.createInterface({ input: child.stdout! });
  const startedAt = Date.now();
  for await (const line of lines) {
    const [tag, v] = line.split(' ');
    if (tag === 'START') t0 = Number(v);
    if (tag === 'ACK') acked.add(v);
    if (tag === 'T') lastT = Number(v);
    if (tag === 'T' && acked.size >= 8 && Date.now() - startedAt > 3000) {
      killedAtT = lastT;
      child.kill('SIGKILL');
      break;
    }
    assert.ok(Date.now() - startedAt < 30000, 'child produced no acknowledgements in 30 s');
  }
  assert.equal(await exited, 'SIGKILL');
  lines.close();

  // What survived, read straight from the file before anything repairs it.
  const file = listRecordingFiles(dir)[0];
  const s = RecordingStore.open(file);
  const ch = s.channelSummaries()[0];
  assert.equal(s.caseInfo().state, 'recording');
  assert.ok(ch.lastMs! >= killedAtT - 1000, `lost ${killedAtT - ch.lastMs!} ms of samples`);
  t.diagnostic(`samples lost at SIGKILL: ${killedAtT - ch.lastMs!} ms; acknowledged annotations: ${acked.size}`);
  const w = s.readWave(ch.id, t0, ch.lastMs!);
  assert.equal(w.raw.length, (ch.lastMs! - t0) / 2 + 1, 'no hole before the crash');
  for (let i = 0; i < w.raw.length; i++) if (w.raw[i] !== ecgSample(i)) assert.fail(`sample ${i} is ${w.raw[i]}, expected ${ecgSample(i)}`);
  const stored = new Set(s.annotationHistory().map((a) => a.entryId));
  for (const id of acked) assert.ok(stored.has(id), `acknowledged annotation ${id} lost`);
  assert.equal(s.verifyAnnotations().ok, true);
  const lastData = s.caseInfo().lastDataMs!;
  s.close();

  // Restart: the case is resumed and the downtime is a gap.
  const before = Date.now();
  const rec = await Recorder.open({ dataDir: dir });
  assert.equal(rec.recording, true);
  const tl = await rec.timeline();
  const gap = tl.gaps.find((g) => g.reason === 'hub-restart');
  assert.ok(gap, 'hub-restart gap recorded');
  assert.equal(gap.fromMs, lastData);
  assert.ok(gap.toMs >= before);
  await rec.close();
});
