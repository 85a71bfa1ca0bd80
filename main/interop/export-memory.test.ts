import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeLongRecording } from './testing/long-recording';

interface Peak {
  maxRssKb: number;
  peakHeap: number;
  ms: number;
}

function exportIn(child: string, rec: string, format: string, out: string): Peak {
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', child, rec, format, out], { encoding: 'utf8' })) as Peak;
}

test('exports stream: peak memory of a 2-hour case stays that of a 15-minute one (edf, vital, csv)', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'export-mem-'));
  try {
    const short = makeLongRecording(d, 0.25, 'short');
    const long = makeLongRecording(d, 2, 'long');
    const child = path.join(__dirname, 'testing/export-child.ts');
    for (const format of ['edf', 'vital', 'csv']) {
      const a = exportIn(child, short, format, path.join(d, `short.${format}`));
      const b = exportIn(child, long, format, path.join(d, `long.${format}`));
      // 2 h x 2 channels x 250 Hz = 3.6 M samples: held in memory they would take > 100 MiB (readWave's four Float64Arrays).
      assert.ok(b.peakHeap < a.peakHeap + 16 * 1048576, `${format}: heap ${(b.peakHeap / 1048576).toFixed(1)} MiB vs ${(a.peakHeap / 1048576).toFixed(1)} MiB`);
      assert.ok(b.maxRssKb < a.maxRssKb + 48 * 1024, `${format}: RSS ${b.maxRssKb} KB vs ${a.maxRssKb} KB`);
      fs.rmSync(path.join(d, `long.${format}`), { recursive: true, force: true });
    }
    const edf = fs.statSync(path.join(d, 'short.edf')).size;
    assert.ok(edf > 0.25 * 3600 * 2 * 250 * 2, 'the short EDF holds every sample');
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
