/**
 * `or-hub dicom inspect PATH|URL [--json]`: lists every series found with its geometry, value
 * range after rescale, files used and skipped, warnings and load time. Declared with main/cli/command.ts.
 */
import { loadSeries, type LoadedSeries, type LoadedStudySet } from './loader';
import { syntaxName } from './parse';
import { defineCommand, defineGroup } from '../cli/command';

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
  out(
    `Series ${i + 1}: ${s.modality || '?'} ` +
      `"${s.description}"${s.seriesNumber !== undefined ? ` #${s.seriesNumber}` : ''}${s.incomplete ? '  [INCOMPLETE]' : ''}`,
  );
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
    out(
      `  value range       [${s.valueRange[0]}, ${s.valueRange[1]}]${s.unit ? ` ${s.unit}` : ''} ` +
        `(${s.volume!.data instanceof Int16Array ? 'int16' : 'float32'})`,
    );
  } else out(`  not a volume      ${s.notVolumeReason ?? ''}`);
  if (s.tiltDeg) out(`  tilt (deg)        ${s.tiltDeg}`);
  out(`  files used        ${s.filesUsed}${s.interpolatedSlices ? `  (${s.interpolatedSlices} slices interpolated)` : ''}`);
  out(`  files skipped     ${s.filesSkipped.length}`);
  for (const f of s.filesSkipped) out(`    ${f.file}: ${f.reason}`);
  for (const w of s.warnings) out(`  warning: ${w}`);
  out(`  load time         ${s.loadMs.toFixed(1)} ms`);
}

const inspect = defineCommand({
  name: 'inspect',
  summary: 'list the series in a folder, DICOMDIR, file or DICOMweb URL, with their geometry',
  description: [
    'Lists every series found with its geometry, value range after rescale, files used and skipped, warnings and load time.',
    'Exit status 0: at least one series loaded; 1: nothing could be loaded; 2: usage error.',
  ].join('\n'),
  options: { json: { type: 'boolean', help: 'print one JSON object {"series": [...]} instead of text' } },
  positionals: [
    {
      name: 'PATH|URL',
      required: true,
      help:
        'a folder (searched recursively), a DICOMDIR, or a DICOM file; ' +
        'or a DICOMweb service root, study or series URL (http://host/dicom-web[/studies/UID[/series/UID]])',
    },
  ],
  async run({ values: { json }, positionals: [target], command, out, err }) {
    let set: LoadedStudySet;
    try {
      set = await loadSeries(target);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (json) out(JSON.stringify({ series: [], error: msg }));
      err(`${command}: ${msg}`);
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
    if (!set.series.length) err(`${command}: no series could be loaded from ${set.source}`);
    return set.series.length ? 0 : 1;
  },
});

/** `or-hub dicom inspect PATH|URL [--json]`. */
export const dicomCommand = defineGroup({ name: 'dicom', summary: 'inspect DICOM series (or-hub dicom inspect PATH|URL)', commands: [inspect] });
