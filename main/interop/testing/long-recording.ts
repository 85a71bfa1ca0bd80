/**
 * A long recording made fast for the memory tests: the same encoded 4 s block repeated for
 * two 250 Hz wave channels, and 1 Hz numerics, for `hours`.
 */
import { RecordingStore, recordingPath } from '../../recorder/store';
import { encodeColumns, encodeWave } from '../../recorder/wavecodec';
import { MONITOR, T0_MS, ecg } from './fixture';

export function makeLongRecording(dataDir: string, hours: number, caseId: string): string {
  const file = recordingPath(dataDir, caseId);
  const s = RecordingStore.open(file, { create: true });
  try {
    s.createCase(caseId, { procedure: 'Long case' }, T0_MS);
    const desc = {
      ...MONITOR,
      channels: MONITOR.channels
        .map((c) => (c.kind === 'wave' ? { ...c, rateHz: 250, format: 'i16' as const, scale: 0.005, offset: 0 } : c))
        .filter((c) => c.index !== 3),
    };
    const ids = s.upsertDevice(desc, T0_MS);
    const n = 1000;
    const data = encodeWave(Int16Array.from({ length: n }, (_, i) => ecg(i)));
    s.transaction(() => {
      for (let k = 0; k * 4000 < hours * 3_600_000; k++) {
        const t0 = T0_MS + k * 4000;
        for (const ch of [0, 1])
          s.insertWaveBlock(
            { channelId: ids.get(ch)!, t0Ms: t0, t1Ms: t0 + (n - 1) * 4, rateHz: 250, count: n, codec: data[0], scale: 0.005, offset: 0, data },
            false,
          );
        if (k % 15 === 0) {
          const t = Float64Array.from({ length: 60 }, (_, i) => t0 + i * 1000);
          s.insertSeriesBlock(
            'numeric_blocks',
            {
              channelId: ids.get(2)!,
              t0Ms: t[0],
              t1Ms: t[59],
              count: 60,
              data: encodeColumns([t, Float64Array.from(t, (_, i) => 60 + (i % 7)), new Uint16Array(60)]),
            },
            false,
          );
        }
      }
    });
    s.setState('ended', T0_MS + hours * 3_600_000);
  } finally {
    s.close();
  }
  return file;
}
