import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MissingSharedDataError, SHARED_DATA, missingShared, onCi, sharedData } from './shared-data';

const ROOT = path.resolve(__dirname, '../..');
const MISSING = path.join(os.tmpdir(), `orhub-no-such-shared-data-${process.pid}`, 'dicom');

test('the shared data is ../shared/data beside the repository root', () => {
  assert.equal(SHARED_DATA, path.resolve(ROOT, '..', 'shared', 'data'));
  assert.equal(sharedData('waveforms', 'wfdb'), path.join(ROOT, '..', 'shared', 'data', 'waveforms', 'wfdb'));
});

test('CI is CI=true or CI=1; unset, empty or false is not', () => {
  assert.equal(onCi({ CI: 'true' }), true);
  assert.equal(onCi({ CI: '1' }), true);
  assert.equal(onCi({ CI: 'TRUE' }), true);
  assert.equal(onCi({}), false);
  assert.equal(onCi({ CI: '' }), false);
  assert.equal(onCi({ CI: 'false' }), false);
  assert.equal(onCi({ CI: '0' }), false);
});

test('a present path: no skip, on CI or not', () => {
  assert.equal(missingShared(__filename, {}), false);
  assert.equal(missingShared(__filename, { CI: 'true' }), false);
});

test('a missing path outside CI: skip, with a message naming the path', () => {
  assert.equal(missingShared(MISSING, {}), `shared test data not found at ${MISSING} (clone shared/ beside the repository)`);
  assert.equal(missingShared(MISSING, { CI: 'false' }), `shared test data not found at ${MISSING} (clone shared/ beside the repository)`);
});

test('a missing path under CI=true: throws, naming the path and why it does not skip', () => {
  assert.throws(
    () => missingShared(MISSING, { CI: 'true' }),
    (e: unknown) =>
      e instanceof MissingSharedDataError && e.message.includes(MISSING) && /CI=true: a CI run has shared\/, so this fails instead of skipping/.test(e.message),
  );
});

test('end to end with node --test: a test file needing missing data skips outside CI and fails under CI=true', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-shared-data-'));
  const file = path.join(dir, 'needs-data.test.ts');
  const helper = JSON.stringify(path.join(__dirname, 'shared-data'));
  fs.writeFileSync(
    file,
    `import { test } from 'node:test';\nimport { missingShared } from ${helper};\ntest('reads the data', ` +
      `{ skip: missingShared(${JSON.stringify(MISSING)}) }, () => {});\n`,
  );
  try {
    const run = (CI: string | undefined) => {
      const env = { ...process.env };
      delete env.CI;
      delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of printing TAP
      if (CI !== undefined) env.CI = CI;
      return spawnSync(process.execPath, ['--import', 'tsx', '--test', file], { cwd: ROOT, env, encoding: 'utf8' });
    };
    const local = run(undefined);
    assert.equal(local.status, 0, local.stdout + local.stderr);
    assert.match(local.stdout, /# skipped 1/);
    assert.match(local.stdout, /shared test data not found at/);
    const ci = run('true');
    assert.equal(ci.status, 1, ci.stdout + ci.stderr);
    assert.match(ci.stdout + ci.stderr, /MissingSharedDataError/);
    assert.doesNotMatch(ci.stdout, /# skipped 1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
