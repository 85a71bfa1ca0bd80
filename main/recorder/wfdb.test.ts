import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWfdbHeader, readWfdbRecord, wfdbChecksum, wfdbDir } from './wfdb';
import { missingShared, sharedData } from '../../scripts/testing/shared-data';

test('parses record and signal lines with gain, baseline, units, samples per frame, skew and byte offset', () => {
  const h = parseWfdbHeader(
    '# comment\nrec 3 125 75000 17:27:45 15/08/1994\nrec.dat 212x4 2963.77/mV 12 0 67 -11266 0 ' +
      'MCL1\nrec.dat 212 12.84(-1605)/mmHg 12 0 -943 -23651 0 ABP\nrec.dat 212:4 2000 12 0 -304 6310 0 ' +
      'RESP\n',
  );
  assert.equal(h.name, 'rec');
  assert.equal(h.frameHz, 125);
  assert.equal(h.frames, 75000);
  assert.equal(h.signals[0].samplesPerFrame, 4);
  assert.equal(h.signals[0].gain, 2963.77);
  assert.equal(h.signals[0].units, 'mV');
  assert.equal(h.signals[1].baseline, -1605);
  assert.equal(h.signals[1].units, 'mmHg');
  assert.equal(h.signals[2].skew, 4);
  assert.equal(h.signals[2].description, 'RESP');
  assert.equal(parseWfdbHeader('a 1 250 10\na.mat 16+24 7247/mV 16 0 -171 -27403 0 II').signals[0].byteOffset, 24);
});

const dir = wfdbDir();
const skip = missingShared(sharedData('waveforms/wfdb/100.hea'));

test('reads format 212, 212 with 4 samples per frame, and format 16 with byte offset; checksums and first values match the headers', { skip }, () => {
  for (const rec of ['100', 'a103l', 'v102s', '03700181']) {
    const { header, channels } = readWfdbRecord(dir!, rec);
    for (const ch of channels) {
      if (ch.signal.skew !== 0) continue;
      assert.equal(ch.samples.length, header.frames * ch.signal.samplesPerFrame, `${rec} ${ch.signal.description}`);
      assert.equal(ch.samples[0], ch.signal.initialValue, `${rec} ${ch.signal.description} first sample`);
      assert.equal(wfdbChecksum(ch.samples), ch.signal.checksum, `${rec} ${ch.signal.description} checksum`);
    }
  }
  const r = readWfdbRecord(dir!, '03700181');
  assert.equal(r.channels[0].rateHz, 500);
  assert.equal(r.channels[1].rateHz, 125);
});
