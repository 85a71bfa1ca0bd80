import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { defineGroup, runCli } from '../cli/command';
import { dicomCommand, sharedPool } from './index';
import { PHANTOM, PYDICOM, missingData } from './testutil';

after(() => sharedPool().close());

const ROOT = defineGroup({ name: 'or-hub', summary: 'test root', commands: [dicomCommand] });

/** `or-hub dicom ARGS`: stdout lines, stderr lines (every error goes there). */
async function cli(args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(ROOT, ['dicom', ...args], { out: (l) => lines.push(l), err: (l) => errors.push(l) });
  return { code, lines, errors };
}

test('inspect: usage errors exit 2 with one clear line', async () => {
  for (const args of [['inspect', '--bogus', 'x'], ['inspect'], ['frobnicate'], ['inspect', 'a', 'b']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.errors.length, 1, args.join(' '));
    assert.match(r.errors[0], /^or-hub dicom/);
  }
  const help = await cli(['inspect', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.lines[0], /usage: or-hub dicom inspect PATH\|URL \[--json\]/);
});

test('inspect --json: one JSON object with the documented fields', { skip: missingData(PHANTOM) }, async () => {
  const r = await cli(['inspect', PHANTOM, '--json']);
  assert.equal(r.code, 0);
  assert.equal(r.lines.length, 1);
  const j = JSON.parse(r.lines[0]);
  assert.equal(j.series.length, 1);
  const s = j.series[0];
  for (const k of [
    'studyInstanceUid',
    'seriesInstanceUid',
    'modality',
    'description',
    'dimensions',
    'spacing',
    'origin',
    'direction',
    'valueRange',
    'filesUsed',
    'filesSkipped',
    'warnings',
    'loadMs',
  ]) {
    assert.ok(k in s, k);
  }
  assert.deepEqual(s.dimensions, [512, 512, 140]);
  assert.deepEqual(s.spacing, [0.451171875, 0.451171875, 1]);
  assert.deepEqual(s.origin, [-115.5, -1.85, 694.21]);
  assert.deepEqual(s.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(s.valueRange, [-1024, 1033]);
  assert.equal(s.filesUsed, 140);
  assert.deepEqual(s.filesSkipped, []);
  assert.equal(typeof s.loadMs, 'number');
  assert.deepEqual(
    j.filesSkipped.map((f: { file: string }) => path.basename(f.file)),
    ['DIRFILE'],
  );
});

test('inspect text: lists geometry, range, skipped files with reasons', { skip: missingData(PYDICOM) }, async () => {
  const r = await cli(['inspect', path.join(PYDICOM, 'MR_truncated.dcm')]);
  const text = r.lines.join('\n');
  assert.match(text, /Series 1: MR/);
  assert.match(text, /\[INCOMPLETE\]/);
  assert.match(text, /MR_truncated\.dcm: pixel data truncated/);
  const missing = await cli(['inspect', path.join(PYDICOM, 'does-not-exist')]);
  assert.equal(missing.code, 1);
  assert.match(missing.errors[0], /does-not-exist: cannot open/);
});
