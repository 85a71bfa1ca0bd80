/**
 * DICOMweb against a real Orthanc (Debian orthanc + orthanc-dicomweb), started here on
 * loopback with a temp config and storage, free ports, and always killed at the end.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadSeries, sharedPool } from './index';
import { parseDicomwebUrl, splitMultipart } from './dicomweb';
import { PHANTOM, hasTool, missingData, run, tempDir } from './testutil';

function dicomwebPlugin(): string | undefined {
  try {
    return run('dpkg', ['-L', 'orthanc-dicomweb'])
      .split('\n')
      .find((l) => /libOrthancDicomWeb\.so/.test(l) && fs.existsSync(l));
  } catch {
    return undefined;
  }
}

const plugin = hasTool('Orthanc') ? dicomwebPlugin() : undefined;
const skip = missingData(PHANTOM) || (!plugin ? 'Orthanc with the DICOMweb plugin not installed (apt-get install orthanc orthanc-dicomweb)' : false);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

let orthanc: ChildProcess | undefined;
let dir = '';
let base = '';
let log = '';

before(async () => {
  if (skip) return;
  dir = tempDir('orhub-orthanc-');
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'orhub-test',
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpBindAddress: '127.0.0.1',
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  fs.writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  orthanc = spawn('Orthanc', [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  orthanc.stdout!.on('data', (d) => (log += d));
  orthanc.stderr!.on('data', (d) => (log += d));
  base = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (orthanc.exitCode !== null) throw new Error(`Orthanc exited early:\n${log}`);
    try {
      const r = await fetch(`${base}/system`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Orthanc did not answer within 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // Upload the phantom (not DIRFILE).
  for (const f of fs.readdirSync(PHANTOM).filter((n) => n !== 'DIRFILE')) {
    const r = await fetch(`${base}/instances`, { method: 'POST', body: fs.readFileSync(path.join(PHANTOM, f)) });
    assert.ok(r.ok, `upload ${f}: HTTP ${r.status}`);
  }
});

after(async () => {
  await sharedPool().close();
  if (orthanc && orthanc.exitCode === null) {
    const exited = new Promise((r) => orthanc!.once('exit', r));
    orthanc.kill('SIGTERM');
    const t = setTimeout(() => orthanc!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
