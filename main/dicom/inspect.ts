/**
 * `or-hub dicom inspect PATH|URL [--json]`: lists every series found with its geometry, value
 * range after rescale, files used and skipped, warnings and load time.
 */
import { loadSeries, type LoadedSeries, type LoadedStudySet } from './loader';
import { syntaxName } from './parse';

const USAGE = [
  'usage: or-hub dicom inspect PATH|URL [--json]',
  '  PATH  a folder (searched recursively), a DICOMDIR, or a DICOM file',
  '  URL   a DICOMweb service root, study or series URL (http://host/dicom-web[/studies/UID[/series/UID]])',
  '  --json  print one JSON object {"series": [...]} instead of text',
];

/** The JSON shape of one series (see issue 4); extra fields after the required ones. */
export function seriesJson(s: LoadedSeries) {
  const g = s.geometry;
  return {
    studyInstanceUid: s.studyInstanceUid,
    seriesInstanceUid: s.seriesInstanceUid,
    modality: s.modality,
    description: s.description,
    dimensions: g ? g.dimensions : null,
    spacing: g ? g.spacing : null,
    origin: g ? g.origin : null,
    direction: g ? g.direction : null,
    valueRange: s.valueRange ?? null,
    filesUsed: s.filesUsed,
    filesSkipped: s.filesSkipped.map((f) => ({ file: f.file, reason: f.reason })),
    warnings: s.warnings,
    loadMs: Math.round(s.loadMs * 10) / 10,
    seriesNumber: s.seriesNumber ?? null,
    studyDescription: s.studyDescription,
    isVolume: s.isVolume,
    notVolumeReason: s.notVolumeReason ?? null,
    incomplete: s.incomplete,
    unit: s.unit,
    window: s.volume?.window ?? null,
    dataType: s.volume ? (s.volume.data instanceof Int16Array ? 'int16' : 'float32') : null,
    transferSyntaxes: s.transferSyntaxes,
    framesUsed: s.framesUsed,
    interpolatedSlices: s.interpolatedSlices,
    tiltDeg: s.tiltDeg ?? null,
    missingSlices: s.missingSlices ?? null,
    oblique: s.oblique ?? null,
  };
}

export function studySetJson(set: LoadedStudySet) {
  return {
    series: set.series.map(seriesJson),
    source: set.source,
    kind: set.kind,
    filesFound: set.filesFound,
    filesSkipped: set.skipped.map((f) => ({ file: f.file, reason: f.reason })),
    warnings: set.warnings,
    loadMs: Math.round(set.loadMs * 10) / 10,
  };
}

const v3 = (v: readonly number[]) => `(${v.join(', ')})`;

function seriesText(s: LoadedSeries, i: number, out: (line: string) => void): void {
  out(`Series ${i + 1}: ${s.modality || '?'} "${s.description}"${s.seriesNumber !== undefined ? ` #${s.seriesNumber}` : ''}${s.incomplete ? '  [INCOMPLETE]' : ''}`);
  out(`  study UID         ${s.studyInstanceUid}`);
  out(`  series UID        ${s.seriesInstanceUid}`);
  out(`  transfer syntax   ${s.transferSyntaxes.map(syntaxName).join(', ')}`);
  const g = s.geometry;
  if (g) {
    out(`  dimensions        ${g.dimensions.join(' x ')} (columns x rows x slices)`);
    out(`  spacing (mm)      ${v3(g.spacing)}`);
    out(`  origin (LPS mm)   ${v3(g.origin)}`);
    out(`  row direction     ${v3(g.direction.slice(0, 3))}`);
    out(`  column direction  ${v3(g.direction.slice(3, 6))}`);
    out(`  slice direction   ${v3(g.direction.slice(6, 9))}`);
  }
  if (s.isVolume && s.valueRange) {
    out(`  value range       [${s.valueRange[0]}, ${s.valueRange[1]}]${s.unit ? ` ${s.unit}` : ''} (${s.volume!.data instanceof Int16Array ? 'int16' : 'float32'})`);
  } else out(`  not a volume      ${s.notVolumeReason ?? ''}`);
  if (s.tiltDeg) out(`  tilt (deg)        ${s.tiltDeg}`);
  out(`  files used        ${s.filesUsed}${s.interpolatedSlices ? `  (${s.interpolatedSlices} slices interpolated)` : ''}`);
  out(`  files skipped     ${s.filesSkipped.length}`);
  for (const f of s.filesSkipped) out(`    ${f.file}: ${f.reason}`);
  for (const w of s.warnings) out(`  warning: ${w}`);
  out(`  load time         ${s.loadMs.toFixed(1)} ms`);
}

/**
 * `dicom inspect PATH|URL [--json] [--help]`. `argv` may start with 'dicom'. Returns the exit
 * code: 0 ok, 1 nothing could be loaded, 2 usage error.
 */
export async function runDicomCli(argv: string[], out: (line: string) => void): Promise<number> {
  const args = argv[0] === 'dicom' ? argv.slice(1) : [...argv];
  if (!args.length || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    USAGE.forEach((l) => out(l));
    return args.length ? 0 : 2;
  }
  const [cmd, ...rest] = args;
  if (cmd !== 'inspect') {
    out(`or-hub dicom: unknown command "${cmd}" (expected: inspect); see --help`);
    return 2;
  }
  let json = false;
  let target: string | undefined;
  for (const a of rest) {
    if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      USAGE.forEach((l) => out(l));
      return 0;
    } else if (a.startsWith('-')) {
      out(`or-hub dicom inspect: unknown option "${a}" (expected: --json, --help)`);
      return 2;
    } else if (target !== undefined) {
      out(`or-hub dicom inspect: one PATH or URL expected, got "${target}" and "${a}"`);
      return 2;
    } else target = a;
  }
  if (!target) {
    out('or-hub dicom inspect: missing PATH or URL; see --help');
    return 2;
  }
  let set: LoadedStudySet;
  try {
    set = await loadSeries(target);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (json) out(JSON.stringify({ series: [], error: msg }));
    else out(`or-hub dicom inspect: ${msg}`);
    return 1;
  }
  if (json) {
    out(JSON.stringify(studySetJson(set)));
  } else {
    out(`${set.source}: ${set.series.length} series from ${set.filesFound} files (${set.kind}), ${set.loadMs.toFixed(1)} ms`);
    set.series.forEach((s, i) => seriesText(s, i, out));
    if (set.skipped.length) {
      out(`Files not in any series: ${set.skipped.length}`);
      for (const f of set.skipped) out(`  ${f.file}: ${f.reason}`);
    }
    for (const w of set.warnings) out(`warning: ${w}`);
  }
  return set.series.length ? 0 : 1;
}
