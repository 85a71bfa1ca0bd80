/**
 * CSV and JSON exports.
 * CSV (--out is a folder): one file per wave channel (t_ms, value, raw), `numerics.csv` as a wide
 * table (one row per distinct time, one column per numeric channel), one file per pose channel,
 * and `channels.csv` describing every file. Times are Unix ms (hub time, shifted when de-identified).
 * JSON (--out is a file): case, team, devices, channels, events, alarms, annotations (every version),
 * gaps, settings, device states, images shown and registrations; no samples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ExportSource } from './export-source';
import { OutFile, checkNewOutput } from './out-file';
import { deviceRows } from './store-queries';

function csvCell(s: string | number): string {
  const v = String(s);
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function fileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}

/** Decimals that keep a channel's resolution when printing raw * scale + offset. */
function decimals(scale: number): number {
  return scale === 0 || !Number.isFinite(scale) ? 6 : Math.min(12, Math.max(0, Math.ceil(-Math.log10(Math.abs(scale))) + 1));
}

export function exportCsv(src: ExportSource, outDir: string): { files: string[] } {
  checkNewOutput(outDir);
  fs.mkdirSync(outDir);
  const files: string[] = [];
  const index = new OutFile(path.join(outDir, 'channels.csv'));
  index.write('file,device,channel,kind,label,unit,mdc,rate_hz\n');
  const t = (ms: number) => src.t(ms).toFixed(3);
  for (const c of src.channels) {
    if (c.kind !== 'wave' && c.kind !== 'pose') continue;
    const name = `${fileName(`${c.deviceId}-${c.channel}-${c.label || c.mdc}`)}.csv`;
    const f = new OutFile(path.join(outDir, name));
    if (c.kind === 'wave') {
      f.write(`t_ms,value_${fileName(c.unit) || 'raw'},raw\n`);
      for (const b of src.waveBlocks(c.id)) {
        const step = b.samples.length > 1 ? (b.t1Ms - b.t0Ms) / (b.samples.length - 1) : 0;
        const d = decimals(b.scale);
        const lines: string[] = [];
        for (let i = 0; i < b.samples.length; i++) {
          const raw = b.samples[i];
          lines.push(`${t(b.t0Ms + i * step)},${(raw * b.scale + b.offset).toFixed(d)},${raw}`);
        }
        f.write(lines.join('\n') + '\n');
      }
    } else {
      f.write(`t_ms,quality,status,${Array.from({ length: 16 }, (_, k) => `m${k}`).join(',')}\n`);
      for (const p of src.poses(c.id)) f.write(`${t(p.tMs)},${p.quality},${p.status},${Array.from(p.matrix).join(',')}\n`);
    }
    f.close();
    files.push(name);
    index.write([name, c.deviceId, c.channel, c.kind, c.label, c.unit, c.mdc, c.rateHz ?? ''].map(csvCell).join(',') + '\n');
  }
  const nums = src.channels.filter((c) => c.kind === 'numeric');
  if (nums.length > 0) {
    const f = new OutFile(path.join(outDir, 'numerics.csv'));
    f.write(['t_ms', ...nums.map((c) => `${c.label || c.mdc} [${c.unit}]`)].map(csvCell).join(',') + '\n');
    const its = nums.map((c) => src.numerics(c.id));
    const heads = its.map((g) => g.next());
    for (;;) {
      let tMin = Infinity;
      for (const h of heads) if (!h.done && h.value.tMs < tMin) tMin = h.value.tMs;
      if (tMin === Infinity) break;
      const row: string[] = [t(tMin)];
      heads.forEach((h, k) => {
        if (!h.done && h.value.tMs === tMin) {
          row.push(h.value.status === 0 ? String(h.value.value) : `${h.value.value}?`);
          heads[k] = its[k].next();
        } else row.push('');
      });
      f.write(row.join(',') + '\n');
    }
    f.close();
    files.push('numerics.csv');
    index.write(['numerics.csv', '', '', 'numeric', nums.map((c) => c.label).join(' '), '', '', ''].map(csvCell).join(',') + '\n');
  }
  index.close();
  return { files: ['channels.csv', ...files] };
}

export function exportJson(src: ExportSource, out: string): { rows: number } {
  const f = new OutFile(out);
  let rows = 0;
  try {
    f.write(`{"format":"or-hub-export/1","case":${JSON.stringify({ ...src.caseFields(), deidentified: !!src.opts.deidentify })}`);
    f.write(`,"window":${JSON.stringify({ fromMs: src.t(src.fromMs), toMs: src.t(src.toMs) })},"team":${JSON.stringify(src.team())}`);
    if (!src.opts.deidentify) f.write(`,"patient":${JSON.stringify(src.store.patient() ?? null)}`);
    f.write(`,"devices":${JSON.stringify(deviceRows(src.store).map((d) => ({ ...d, firstSeenMs: src.t(d.firstSeenMs) })))}`);
    f.write(`,"channels":${JSON.stringify(src.channels.map(({ id: _id, ...c }) => c))}`);
    const list = <T extends { tMs: number }>(name: string, g: Iterable<T>) => {
      f.write(`,"${name}":[`);
      let first = true;
      for (const r of g) {
        f.write(`${first ? '' : ','}${JSON.stringify({ ...r, tMs: src.t(r.tMs) })}`);
        first = false;
        rows++;
      }
      f.write(']');
    };
    list('events', src.events());
    list('alarms', src.alarms());
    list('deviceStates', src.deviceEvents());
    list('settings', src.settings());
    list('imagesShown', src.store.dicomShown(src.fromMs, src.toMs));
    list('registrations', src.store.registrations(src.fromMs, src.toMs));
    f.write(`,"gaps":${JSON.stringify(src.gaps().map((g) => ({ ...g, fromMs: src.t(g.fromMs), toMs: src.t(g.toMs) })))}`);
    const ann = src.annotations();
    rows += ann.length;
    f.write(`,"annotations":${JSON.stringify(ann)}}\n`);
    f.close();
    return { rows };
  } catch (e) {
    f.abort();
    throw e;
  }
}
