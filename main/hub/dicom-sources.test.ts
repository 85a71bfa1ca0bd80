import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DicomSources, SourceRefused } from './dicom-sources';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-src-')));

test('paths: a configured root and what is inside it; nothing else, not even through a link', async () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'ct', 'series1'), { recursive: true });
  fs.symlinkSync('/etc', path.join(root, 'escape'));
  const s = DicomSources.configure({ roots: [root], pacs: [] });
  assert.equal(await s.checkPath(path.join(root, 'ct', 'series1')), path.join(root, 'ct', 'series1'));
  assert.equal(await s.checkPath(root), root);
  for (const bad of ['/etc', '/usr/share', path.join(root, 'escape'), path.join(root, '..')]) {
    await assert.rejects(
      s.checkPath(bad),
      (e: SourceRefused) => e.status === 403 && /not inside a DICOM folder this hub may read .*--dicom-root DIR/.test(e.message),
      bad,
    );
  }
  await assert.rejects(s.checkPath(path.join(root, 'nope')), (e: SourceRefused) => e.status === 400 && /no such file or folder/.test(e.message));
  // Without any root configured, the error says how to configure one.
  await assert.rejects(DicomSources.configure({ roots: [], pacs: [] }).checkPath(root), /reads no DICOM folders from displays: start it with --dicom-root DIR/);
  // The folder the hub was started with (--dicom) is always allowed.
  assert.equal(
    await DicomSources.configure({ roots: [], pacs: [], startDicom: path.join(root, 'ct') }).checkPath(path.join(root, 'ct', 'series1')),
    path.join(root, 'ct', 'series1'),
  );
  assert.throws(() => DicomSources.configure({ roots: ['/no/such/root'], pacs: [] }), /--dicom-root \/no\/such\/root: no such folder/);
});

test('PACS: URLs under a configured service only; credentials from a private file, never in the URL', () => {
  const dir = tmp();
  const cred = path.join(dir, 'pacs.cred');
  fs.writeFileSync(cred, '# test\nhttp://pacs.example:8042/dicom-web orthanc:secret\n', { mode: 0o600 });
  const s = DicomSources.configure({ roots: [], pacs: ['http://pacs.example:8042/dicom-web/'], credentialsFile: cred });
  const hit = s.checkPacs('http://pacs.example:8042/dicom-web/studies/1.2.3/series/4.5');
  assert.equal(hit.url, 'http://pacs.example:8042/dicom-web');
  assert.equal(hit.headers?.Authorization, `Basic ${Buffer.from('orthanc:secret').toString('base64')}`);
  assert.deepEqual(
    s.view(),
    { roots: [], pacs: [{ url: 'http://pacs.example:8042/dicom-web', label: 'pacs.example:8042/dicom-web' }] },
    'no credentials in the view',
  );
  for (const bad of [
    'http://pacs.example:8043/dicom-web',
    'http://pacs.example:8042/dicom-webx',
    'http://127.0.0.1:22/',
    'https://pacs.example:8042/dicom-web',
    'http://u:p@pacs.example:8042/dicom-web',
  ]) {
    assert.throws(
      () => s.checkPacs(bad),
      (e: SourceRefused) => e.status === 403 && /not a PACS this hub may search .*--pacs URL/.test(e.message),
      bad,
    );
  }
  fs.chmodSync(cred, 0o644);
  assert.throws(
    () => DicomSources.configure({ roots: [], pacs: ['http://pacs.example:8042/dicom-web'], credentialsFile: cred }),
    /readable by others \(mode 644\): chmod 600 it/,
  );
  assert.throws(() => DicomSources.configure({ roots: [], pacs: ['http://u:p@pacs.example/dicom-web'] }), /put credentials in --pacs-credentials FILE/);
});
