/**
 * DICOMweb against a real Orthanc (Debian orthanc + orthanc-dicomweb), started on loopback with a
 * temp config and storage on free ports (testing/orthanc.ts), and always stopped at the end.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadSeries, sharedPool } from './index';
import { parseDicomwebUrl, splitMultipart } from './dicomweb';
import { PHANTOM, missingData } from './testutil';
import { freePort, missingOrthanc, startOrthanc, type Orthanc } from './testing/orthanc';

const skip = missingData(PHANTOM) || missingOrthanc();

let orthanc: Orthanc | undefined;
let base = '';

before(async () => {
  if (skip) return;
  orthanc = await startOrthanc();
  base = orthanc.base;
  // Upload the phantom (not DIRFILE).
  assert.equal(await orthanc.uploadFolder(PHANTOM, ['DIRFILE']), 140);
});

after(async () => {
  await sharedPool().close();
  await orthanc?.stop();
});

test('dicomweb: URL forms (root, query, study, series) are parsed', () => {
  assert.deepEqual(
    { ...parseDicomwebUrl('http://h:8042/dicom-web/studies/1.2/series/3.4'), query: '' },
    { root: 'http://h:8042/dicom-web', studyUid: '1.2', seriesUid: '3.4', query: '' },
  );
  const q = parseDicomwebUrl('http://h/dicom-web?PatientID=PLASTIC');
  assert.equal(q.root, 'http://h/dicom-web');
  assert.equal(q.query.get('PatientID'), 'PLASTIC');
  assert.equal(parseDicomwebUrl('https://pacs/wado/rs/studies/9').studyUid, '9');
});

test('dicomweb: multipart/related bodies are split into parts', () => {
  const body = Buffer.from('--b1\r\nContent-Type: application/dicom\r\n\r\nAAA\r\n--b1\r\nContent-Type: application/dicom\r\n\r\nBB\r\n--b1--\r\n');
  const parts = splitMultipart(new Uint8Array(body), 'multipart/related; type="application/dicom"; boundary=b1');
  assert.deepEqual(
    parts.map((p) => Buffer.from(p).toString()),
    ['AAA', 'BB'],
  );
});

test('dicomweb: phantom found with QIDO-RS and retrieved with WADO-RS from Orthanc equals the disk load', { skip }, async () => {
  const disk = await loadSeries(PHANTOM);
  const phases = new Set<string>();
  const web = await loadSeries(`${base}/dicom-web/`, { onProgress: (p) => phases.add(p.phase) });
  assert.equal(web.kind, 'dicomweb');
  assert.ok(phases.has('download'));
  assert.equal(web.series.length, 1, JSON.stringify(web.skipped));
  const a = disk.series[0];
  const b = web.series[0];
  assert.equal(b.seriesInstanceUid, a.seriesInstanceUid);
  assert.equal(b.studyInstanceUid, a.studyInstanceUid);
  assert.equal(b.filesUsed, 140);
  assert.deepEqual(b.volume!.dimensions, a.volume!.dimensions);
  assert.deepEqual(b.volume!.spacing, a.volume!.spacing);
  assert.deepEqual(b.volume!.origin, a.volume!.origin);
  assert.deepEqual(b.volume!.direction, a.volume!.direction);
  assert.deepEqual(b.volume!.valueRange, a.volume!.valueRange);
  assert.ok(
    Buffer.from(b.volume!.data.buffer, b.volume!.data.byteOffset, b.volume!.data.byteLength).equals(
      Buffer.from(a.volume!.data.buffer, a.volume!.data.byteOffset, a.volume!.data.byteLength),
    ),
  );
  // A series URL (QIDO not needed) and a QIDO query on PatientID give the same series.
  const seriesUrl = `${base}/dicom-web/studies/${a.studyInstanceUid}/series/${a.seriesInstanceUid}`;
  const bySeries = await loadSeries(seriesUrl);
  assert.equal(bySeries.series[0].filesUsed, 140);
  const byQuery = await loadSeries(`${base}/dicom-web?PatientID=PLASTIC`);
  assert.equal(byQuery.series.length, 1);
  const none = await loadSeries(`${base}/dicom-web?PatientID=NOBODY`);
  assert.equal(none.series.length, 0);
});

test('dicomweb: an unreachable server is a clear error naming the URL', async () => {
  const port = await freePort();
  await assert.rejects(loadSeries(`http://127.0.0.1:${port}/dicom-web`), (e: Error) => {
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}/dicom-web/studies: QIDO-RS request failed`));
    return true;
  });
});

test('dicomweb: with seriesUid only that series is retrieved; another UID retrieves nothing and lists what the PACS has', { skip }, async () => {
  const phases: string[] = [];
  const all = await loadSeries(`${base}/dicom-web/`);
  const uid = all.series[0].seriesInstanceUid;
  const hit = await loadSeries(`${base}/dicom-web/`, { seriesUid: uid });
  assert.equal(hit.series.length, 1);
  assert.equal(hit.series[0].filesUsed, 140);
  assert.deepEqual(hit.otherSeries, []);
  const miss = await loadSeries(`${base}/dicom-web/`, { seriesUid: '1.2.3.404', onProgress: (p) => phases.push(`${p.phase}:${p.total}`) });
  assert.equal(miss.series.length, 0);
  assert.ok(phases.includes('download:0'), `nothing to download: ${phases.join(' ')}`);
  assert.deepEqual(
    miss.otherSeries!.map((o) => o.seriesInstanceUid),
    [uid],
  );
  assert.equal(miss.otherSeries![0].modality, 'CT');
});
