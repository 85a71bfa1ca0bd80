/** The review layer's own queries are index searches (EXPLAIN QUERY PLAN shows SEARCH, no SCAN), as store.test.ts asserts for the store's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordingStore } from '../recorder/store';
import { writeSyntheticCase } from './testing/synthetic-case';
import { BLOCK_SQL } from './case-reader';
import { queryPlan, withRawDb } from '../recorder/testing/raw-db';

test('seek and cache queries search the (channel_id, t0_ms) indexes', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-plan-')), 'c.orrec');
  writeSyntheticCase(file, 0.02);
  const s = RecordingStore.open(file, { readonly: true });
  try {
    for (const table of ['numeric_blocks', 'pose_blocks', 'wave_blocks'] as const) {
      for (const sql of Object.values(BLOCK_SQL).map((f) => f(table))) {
        const plan = withRawDb(file, (db) => queryPlan(db, sql)).join('; ');
        assert.match(plan, /SEARCH .* USING (COVERING )?INDEX \w+_channel_t0/, `${sql}: ${plan}`);
        assert.doesNotMatch(plan, /\bSCAN\b/, `${sql}: ${plan}`);
      }
    }
  } finally {
    s.close();
  }
});
