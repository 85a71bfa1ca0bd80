/**
 * A stand-in hub process for the SIGKILL test (recorder-crash.test.ts): records a
 * 500 Hz ECG in real time through a real Recorder and annotates every 200 ms.
 * stdout lines: "START <t0>", "T <hub time of the newest sample handed over>",
 * "ACK <entryId>" once an annotation is acknowledged, "RESUMED <json gap>".
 * Usage: node --import tsx crash-child.ts DATA_DIR
 */
import { Recorder } from '../recorder';

export function ecgSample(k: number): number {
  return Math.round(Math.sin(k / 15) * 300) + (k % 7);
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const rec = await Recorder.open({ dataDir });
  rec.on('resumed', ({ gap }) => process.stdout.write(`RESUMED ${JSON.stringify(gap)}\n`));
  if (!rec.case) {
    await rec.createCase({ procedure: 'Crash test', team: [{ role: 'surgeon', name: 'S' }] });
    await rec.startRecording();
  }
  const t0 = Date.now();
  process.stdout.write(`START ${t0}\n`);
  let k = 0;
  setInterval(() => {
    const due = Math.floor((Date.now() - t0) / 2);
    if (due <= k) return;
    const raw = Int16Array.from({ length: due - k }, (_, i) => ecgSample(k + i));
    rec.wave({ deviceId: 'mon', channel: 0, t0HubMs: t0 + k * 2, rateHz: 500, raw, scale: 0.005, offset: 0 });
    k = due;
    process.stdout.write(`T ${t0 + (k - 1) * 2}\n`);
  }, 10);
  let n = 0;
  setInterval(() => {
    rec.annotate({ kind: 'note', text: `note ${n++}`, role: 'surgeon' }).then((a) => process.stdout.write(`ACK ${a.entryId}\n`));
  }, 200);
}

if (require.main === module) void main();
