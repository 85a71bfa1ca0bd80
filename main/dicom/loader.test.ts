/**
 * Loader against real data and real peers: geometry from dcmdump/gdcminfo, voxel values from
 * gdcmraw / gdcmconv / dcmdjpeg-decoded references computed here at run time.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadSeries, sharedPool } from './index';
import type { LoadedSeries } from './loader';
import { DATA, PHANTOM, PYDICOM, SYNTAXES, dcmdumpNumbers, missingData, missingTools, run, tempDir } from './testutil';

after(() => sharedPool().close());

function only(set: { series: LoadedSeries[] }): LoadedSeries {
  assert.equal(set.series.length, 1, `expected one series, got ${set.series.map((s) => s.description).join(', ')}`);
  return set.series[0];
}

const phantomSkip = missingData(PHANTOM) || missingTools('dcmdump', 'gdcminfo', 'gdcmraw');

test('phantom: geometry equals dcmdump/gdcminfo (order by IPP along the normal, spacing, origin, direction)', { skip: phantomSkip }, async () => {
  const files = fs
    .readdirSync(PHANTOM)
    .filter((f) => f !== 'DIRFILE')
    .map((f) => path.join(PHANTOM, f));
  const ipps = files.map((f) => ({ f, ipp: dcmdumpNumbers(f, '0020,0032') }));
  ipps.sort((a, b) => a.ipp[2] - b.ipp[2]);
  const ps = dcmdumpNumbers(files[0], '0028,0030');
  const iop = dcmdumpNumbers(files[0], '0020,0037');
  const gi = run('gdcminfo', [ipps[0].f]);
  const origin = gi
    .match(/Origin: \(([^)]*)\)/)![1]
    .split(',')
    .map(Number);

  const progress: string[] = [];
  const set = await loadSeries(PHANTOM, { onProgress: (p) => progress.push(p.phase) });
  const s = only(set);
  const v = s.volume!;
  assert.equal(s.modality, 'CT');
  assert.equal(s.description, 'STD BRAIN 1MM, iDose');
  assert.deepEqual(v.dimensions, [512, 512, 140]);
  assert.deepEqual(v.origin, ipps[0].ipp);
  assert.deepEqual(v.origin, origin);
  assert.equal(v.spacing[0], ps[1]);
  assert.equal(v.spacing[1], ps[0]);
  const zStep = (ipps[139].ipp[2] - ipps[0].ipp[2]) / 139;
  assert.ok(Math.abs(v.spacing[2] - zStep) < 1e-9, `${v.spacing[2]} vs ${zStep}`);
  assert.deepEqual(v.direction.slice(0, 6), iop);
  assert.deepEqual(v.direction.slice(6), [0, 0, 1]);
  assert.equal(s.filesUsed, 140);
  assert.equal(s.filesSkipped.length, 0);
  assert.equal(s.incomplete, false);
  assert.deepEqual(s.warnings, []);
  assert.equal(v.unit, 'HU');
  assert.deepEqual(v.window, [40, 80]);
  assert.ok(v.data instanceof Int16Array);
  // DIRFILE is a Philips directory object, listed as not an image.
  assert.deepEqual(
    set.skipped.map((f) => path.basename(f.file)),
    ['DIRFILE'],
  );
  assert.ok(progress.includes('scan') && progress.includes('pixels') && progress.at(-1) === 'done');

  // Values: every slice equals gdcmraw's pixel bytes x slope + intercept, in IPP order.
  const tmp = tempDir();
  const intercept = dcmdumpNumbers(files[0], '0028,1052')[0];
  const slope = dcmdumpNumbers(files[0], '0028,1053')[0];
  let min = Infinity;
  let max = -Infinity;
  const slice = 512 * 512;
  for (let k = 0; k < 140; k++) {
    const raw = path.join(tmp, 'p.raw');
    run('gdcmraw', ['-i', ipps[k].f, '-o', raw, '-t', '7fe0,0010']);
    const b = fs.readFileSync(raw);
    const u = new Uint16Array(b.buffer, b.byteOffset, slice);
    for (let i = 0; i < slice; i++) {
      const hu = u[i] * slope + intercept;
      if (hu < min) min = hu;
      if (hu > max) max = hu;
      if (v.data[k * slice + i] !== hu) assert.fail(`slice ${k} (${ipps[k].f}) voxel ${i}: ${v.data[k * slice + i]} vs ${hu}`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(v.valueRange, [min, max]);
  assert.deepEqual(s.valueRange, [-1024, 1033]);
});

test('phantom: a truncated slice, a junk file and a missing slice: the series still loads, marked incomplete', { skip: missingData(PHANTOM) }, async () => {
  const tmp = tempDir();
  const files = fs.readdirSync(PHANTOM).filter((f) => /^I\d+$/.test(f));
  for (const f of files) fs.symlinkSync(path.join(PHANTOM, f), path.join(tmp, f));
  // I700 truncated in its pixel data; I710 removed (a missing slice); a text file.
  fs.unlinkSync(path.join(tmp, 'I700'));
  fs.writeFileSync(path.join(tmp, 'I700'), fs.readFileSync(path.join(PHANTOM, 'I700')).subarray(0, 300_000));
  fs.unlinkSync(path.join(tmp, 'I710'));
  fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not dicom\n');
  const set = await loadSeries(tmp);
  const s = only(set);
  assert.equal(s.isVolume, true);
  assert.equal(s.incomplete, true);
  assert.equal(s.filesUsed, 138);
  assert.deepEqual(
    s.filesSkipped.map((f) => path.basename(f.file)),
    ['I700'],
  );
  assert.match(s.filesSkipped[0].reason, /pixel data truncated/);
  // Two neighbouring slices gone: 2 interpolated, geometry still exact (140 slices, 1 mm).
  assert.deepEqual(s.volume!.dimensions, [512, 512, 140]);
  assert.equal(s.volume!.spacing[2], 1);
  assert.equal(s.interpolatedSlices, 2);
  assert.ok(
    s.warnings.some((w) => /missing slices: 2/.test(w)),
    s.warnings.join('|'),
  );
  assert.deepEqual(
    set.skipped.map((f) => [path.basename(f.file), f.code]),
    [['notes.txt', 'NOT_DICOM']],
  );
  fs.rmSync(tmp, { recursive: true, force: true });
});

// --- transfer syntaxes -------------------------------------------------------------------

const LOSSLESS = [
  'CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm',
  'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm',
  'CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm',
  'CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
  'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm',
  'CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm',
  'CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm',
  'CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm',
  'CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm',
];

async function volumeOf(file: string) {
  const set = await loadSeries(file);
  const s = only(set);
  assert.ok(s.volume, `${file}: ${s.notVolumeReason} ${JSON.stringify(s.filesSkipped)}`);
  return s.volume;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const tsSkip = missingData(SYNTAXES) || missingTools('gdcmconv', 'dcmdjpeg', 'dcmdrle', 'dcmdjpls', 'dcmconv');

test('transfer syntaxes: every lossless syntax decodes to exactly the uncompressed original and to the DCMTK/GDCM-decoded file', { skip: tsSkip }, async () => {
  const original = await volumeOf(path.join(SYNTAXES, 'CTImage.dcm'));
  assert.deepEqual(original.dimensions, [512, 512, 1]);
  const tmp = tempDir();
  for (const name of LOSSLESS) {
    const file = path.join(SYNTAXES, name);
    const v = await volumeOf(file);
    assert.deepEqual(v.dimensions, original.dimensions, name);
    assert.deepEqual(v.origin, original.origin, name);
    assert.deepEqual(v.spacing, original.spacing, name);
    assert.equal(maxDiff(v.data, original.data), 0, `${name} differs from the uncompressed original`);
    // Peer decode to Explicit VR Little Endian, then load the peer's output.
    const ref = path.join(tmp, `${name}.ref.dcm`);
    if (/\.4\.(57|70)\.dcm$/.test(name)) run('dcmdjpeg', [file, ref]);
    else if (/\.4\.80\.dcm$/.test(name)) run('dcmdjpls', [file, ref]);
    else if (/\.1\.2\.5\.dcm$/.test(name)) run('dcmdrle', [file, ref]);
    else if (/\.4\.90\.dcm$/.test(name)) run('gdcmconv', ['--raw', file, ref]);
    else run('dcmconv', ['+te', file, ref]);
    const r = await volumeOf(ref);
    assert.equal(maxDiff(v.data, r.data), 0, `${name} differs from the peer-decoded reference`);
    assert.deepEqual(v.valueRange, r.valueRange, name);
  }
  // NEMA J2K lossless CT images against GDCM's decode.
  for (const name of ['CT1_J2KR', 'CT2_J2KR']) {
    const file = path.join(SYNTAXES, name);
    const ref = path.join(tmp, `${name}.ref.dcm`);
    run('gdcmconv', ['--raw', file, ref]);
    const v = await volumeOf(file);
    const r = await volumeOf(ref);
    assert.deepEqual(v.dimensions, r.dimensions, name);
    assert.equal(maxDiff(v.data, r.data), 0, `${name} differs from gdcmconv --raw`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test(
  'transfer syntaxes: lossy JPEG baseline, JPEG-LS near-lossless and JPEG 2000 match the peer decode; 12-bit lossy JPEG says there is no decoder',
  { skip: tsSkip },
  async () => {
    const tmp = tempDir();
    const cases: Array<[string, number]> = [
      // [file, tolerance in stored units]: different IDCT implementations may differ by 1.
      ['CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm', 1],
      ['CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm', 0],
      ['CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm', 0],
    ];
    for (const [name, tol] of cases) {
      const file = path.join(SYNTAXES, name);
      const ref = path.join(tmp, `${name}.ref.dcm`);
      if (/\.4\.50\.dcm$/.test(name)) run('dcmdjpeg', [file, ref]);
      else run('gdcmconv', ['--raw', file, ref]);
      const v = await volumeOf(file);
      const r = await volumeOf(ref);
      const slope = /\.4\.50\.dcm$/.test(name) ? 32.1216 : 1;
      assert.ok(maxDiff(v.data, r.data) <= tol * slope + 1e-6, `${name}: max diff ${maxDiff(v.data, r.data)}`);
    }
    for (const name of [
      'CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm',
      'CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm',
    ]) {
      const set = await loadSeries(path.join(SYNTAXES, name));
      const s = only(set);
      assert.equal(s.isVolume, false);
      assert.equal(s.filesSkipped.length, 1);
      assert.equal(s.filesSkipped[0].file, path.join(SYNTAXES, name));
      assert.match(s.filesSkipped[0].reason, /12-bit precision.*8-bit only/);
      assert.equal(s.filesSkipped[0].code, 'UNSUPPORTED_SYNTAX');
      assert.deepEqual(s.geometry?.dimensions, [512, 512, 1]);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  },
);

test('enhanced multi-frame: per-frame positions from the functional groups (dcmdump), fragmented JPEG without offset table', { skip: tsSkip }, async () => {
  const file = path.join(SYNTAXES, 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm');
  const dump = run('dcmdump', ['+P', '0020,0032', file]);
  const ipps = [...dump.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].split('\\').map(Number));
  assert.equal(ipps.length, 2);
  const iop = run('dcmdump', ['+P', '0020,0037', file])
    .match(/\[([^\]]*)\]/)![1]
    .split('\\')
    .map(Number);
  const n = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
  const along = (p: number[]) => p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
  ipps.sort((a, b) => along(a) - along(b));
  const s = only(await loadSeries(file));
  assert.deepEqual(s.geometry!.dimensions.slice(2), [2]);
  assert.deepEqual(s.geometry!.origin, ipps[0]);
  const step = Math.hypot(ipps[1][0] - ipps[0][0], ipps[1][1] - ipps[0][1], ipps[1][2] - ipps[0][2]);
  assert.ok(Math.abs(s.geometry!.spacing[2] - step) < 1e-9);
  // 12-bit JPEG: no maintained 12-bit decoder on npm; the reason names the file and the problem.
  assert.equal(s.isVolume, false);
  assert.match(s.filesSkipped[0].reason, /12-bit/);
});

test(
  'RT Dose multi-frame: GridFrameOffsetVector gives the slice positions; dose scaling applied',
  { skip: missingData(PYDICOM) || missingTools('dcmdump') },
  async () => {
    const file = path.join(PYDICOM, 'rtdose.dcm');
    const offsets = dcmdumpNumbers(file, '3004,000c');
    const ipp = dcmdumpNumbers(file, '0020,0032');
    const s = only(await loadSeries(file));
    const v = s.volume!;
    assert.equal(v.dimensions[2], offsets.length);
    assert.deepEqual(v.origin, ipp);
    assert.ok(Math.abs(v.spacing[2] - Math.abs(offsets[1] - offsets[0])) < 1e-9);
    assert.ok(v.data instanceof Float32Array);
    assert.equal(v.unit, 'Gy');
  },
);

// --- bad input: pydicom's broken files ------------------------------------------------------

test('bad input: each broken pydicom file gets a clear message naming the file and the problem', { skip: missingData(PYDICOM) }, async () => {
  const expect: Array<[string, RegExp]> = [
    ['rtplan_truncated.dcm', /truncated/],
    ['SC_rgb_jpeg.dcm', /truncated or corrupt|malformed/],
    ['README.txt', /not a DICOM file/],
    ['zipMR.gz', /not a DICOM file/],
    ['no_meta.dcm', /not a DICOM file/], // DCMTK refuses it too (first element misaligned)
  ];
  for (const [name, re] of expect) {
    const set = await loadSeries(path.join(PYDICOM, name));
    assert.equal(set.series.length, 0, name);
    assert.equal(set.skipped.length, 1, name);
    assert.equal(set.skipped[0].file, path.join(PYDICOM, name));
    assert.match(set.skipped[0].reason, re, name);
  }
  // Truncated pixel data: the series exists, is incomplete, and says why.
  const t = only(await loadSeries(path.join(PYDICOM, 'MR_truncated.dcm')));
  assert.equal(t.isVolume, false);
  assert.equal(t.incomplete, true);
  assert.match(t.filesSkipped[0].reason, /pixel data truncated: frame 1 of 1 needs 8192 bytes .* only 8130/);
  // A corrupt JPEG 2000 stream.
  const j = only(await loadSeries(path.join(PYDICOM, 'JPEG2000-embedded-sequence-delimiter.dcm')));
  assert.equal(j.isVolume, false);
  assert.match(j.filesSkipped[0].reason, /JPEG 2000/);
  // Meta header without a transfer syntax: recovered with a warning.
  const m = await loadSeries(path.join(PYDICOM, 'meta_missing_tsyntax.dcm'));
  assert.ok(m.series.flatMap((s) => s.warnings).some((w) => /lacks TransferSyntaxUID/.test(w)));
});

test('bad input: the whole pydicom folder loads without throwing; same image in many syntaxes is read once', { skip: missingData(PYDICOM) }, async () => {
  const set = await loadSeries(PYDICOM);
  assert.ok(set.series.length > 20);
  const mr = set.series.find((s) => s.seriesInstanceUid === '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457' && s.isVolume);
  assert.ok(mr, 'MR_small series');
  assert.deepEqual(mr.volume!.dimensions, [64, 64, 1]);
  assert.equal(mr.filesUsed, 1);
  assert.ok(mr.filesSkipped.every((f) => f.code === 'DUPLICATE'));
  assert.ok(set.skipped.some((f) => path.basename(f.file) === 'README.txt'));
});

test(
  'pixel formats: big endian, implicit, deflate, RLE, JPEG-LS and J2K versions of MR_small decode identically; MONOCHROME1 inverted',
  { skip: missingData(PYDICOM) },
  async () => {
    const base = await volumeOf(path.join(PYDICOM, 'MR_small.dcm'));
    for (const name of [
      'MR_small_bigendian.dcm',
      'MR_small_implicit.dcm',
      'MR_small_expb.dcm',
      'MR_small_RLE.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_jp2klossless.dcm',
    ]) {
      const v = await volumeOf(path.join(PYDICOM, name));
      assert.equal(maxDiff(v.data, base.data), 0, name);
    }
    const dfl = await volumeOf(path.join(PYDICOM, 'image_dfl.dcm'));
    assert.deepEqual(dfl.dimensions, [512, 512, 1]);
    // CR MONOCHROME1 (12-bit): v' = 4095 - v, then rescale.
    const cr = path.join(PYDICOM, 'dicomdirtests/77654033/CR1/6154');
    const crSet = await loadSeries(cr);
    const s = only(crSet);
    assert.ok(s.warnings.some((w) => /MONOCHROME1/.test(w)));
  },
);

test(
  'DICOMDIR: the files its records reference are loaded (little/big endian, implicit); counts match the README',
  { skip: missingData(PYDICOM) },
  async () => {
    const dir = path.join(PYDICOM, 'dicomdirtests');
    for (const name of ['DICOMDIR', 'DICOMDIR-bigEnd', 'DICOMDIR-implicit']) {
      const set = await loadSeries(path.join(dir, name));
      assert.equal(set.kind, 'dicomdir', name);
      const ct = set.series.find((s) => s.description === 'Routine Brain');
      assert.ok(ct, name);
      assert.equal(ct.filesUsed, 4, name);
      const ct5 = set.series.find((s) => s.framesUsed === 5);
      assert.ok(ct5, name);
      const total = set.series.reduce((n, s) => n + s.filesUsed + s.filesSkipped.length, 0);
      assert.equal(total, 31, name); // 3 CR + 4 + 2 + 5 CT + 17 MR in the README's hierarchy
    }
  },
);

void DATA;

test('seriesUid: only that series of a folder is built; the others are listed, not decoded', { skip: missingData(PYDICOM) }, async () => {
  const all = await loadSeries(PYDICOM);
  assert.equal(all.otherSeries, undefined, 'listed only when a series is asked for');
  const ct = all.series.find((s) => s.description === '' && s.modality === 'CT' && s.volume?.dimensions[0] === 128);
  assert.ok(ct, 'CT_small is in the folder');
  const one = await loadSeries(PYDICOM, { seriesUid: ct.seriesInstanceUid });
  assert.equal(only(one).seriesInstanceUid, ct.seriesInstanceUid);
  assert.deepEqual(one.series[0].volume!.data, ct.volume!.data);
  assert.deepEqual(
    new Set(one.otherSeries!.map((o) => o.seriesInstanceUid)),
    new Set(all.series.filter((s) => s.seriesInstanceUid !== ct.seriesInstanceUid).map((s) => s.seriesInstanceUid)),
  );
  const none = await loadSeries(PYDICOM, { seriesUid: '1.2.3.404' });
  assert.equal(none.series.length, 0);
  assert.equal(none.otherSeries!.length, all.series.length);
});
