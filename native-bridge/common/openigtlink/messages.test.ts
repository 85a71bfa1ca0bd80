/**
 * The OpenIGTLink codec on the protocol's own conformance vectors
 * (../shared/data/protocols/openigtlink: byte arrays from OpenIGTLink's Testing/igtlutil
 * headers): every message decodes to what its header file states, and every corrupted copy
 * is refused with a coded error, never a throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeHeader } from './header';
import { decodeMessage, type IgtlBody } from './messages';
import { missingShared, sharedData } from '../../../scripts/testing/shared-data';
import { encodeMessage, positionBody, qtdataBody, statusBody, tdataBody, transformBody } from './encode';

const DATA = sharedData('protocols/openigtlink');
const skip = missingShared(path.join(DATA, 'bin'));

/** `unsigned char NAME[] = { 0x.., ... };` arrays of a header file, by name. */
function arraysOf(file: string): Map<string, Buffer> {
  const src = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const out = new Map<string, Buffer>();
  for (const m of src.matchAll(/unsigned\s+char\s+(\w+)\s*\[\s*\]\s*=\s*\{([^}]*)\}/g)) {
    out.set(m[1], Buffer.from([...m[2].matchAll(/0x([0-9a-fA-F]{2})/g)].map((h) => parseInt(h[1], 16))));
  }
  return out;
}

/** bin/INDEX.txt rows: file name → stated type, device, body size, total. */
function index(): Map<string, { version: number; type: string; device: string; body: number; total: number }> {
  const rows = new Map<string, { version: number; type: string; device: string; body: number; total: number }>();
  for (const line of fs.readFileSync(path.join(DATA, 'bin/INDEX.txt'), 'latin1').split('\n')) {
    const m = /^igtl_test_data_(\w+)\.h\s+(\w+)\s+\d+\s+v(\d+) type=(.*?) device=(.*?) body=(\d+) total=(\d+)/.exec(line);
    if (m) rows.set(`${m[1]}__${m[2]}.bin`, { version: +m[3], type: m[4], device: m[5], body: +m[6], total: +m[7] });
  }
  return rows;
}

// Values the OpenIGTLink test programs put in these vectors (Testing/igtlutil/igtl_*_test.c), labelled in the header files.
const F = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
const MATRIX12 = [
  0xbf7473cd, 0x3e4959e6, 0xbe63dd98, 0xbe4959e6, 0x3e12491b, 0x3f7852d6, 0x3e63dd98, 0x3f7852d6, 0xbdc830ae, 0x42383660, 0x419bc467, 0x42383660,
].map(F);
const COLUMN_MAJOR = [...MATRIX12.slice(0, 3), 0, ...MATRIX12.slice(3, 6), 0, ...MATRIX12.slice(6, 9), 0, ...MATRIX12.slice(9, 12), 1];
const META = new Map([
  ['First patient age', '22'],
  ['Second patient age', '25'],
]);
const TIME_MS = (0x499602d4 / 2 ** 32) * 1000;

function expectBody(name: string, body: IgtlBody): void {
  switch (body.type) {
    case 'TRANSFORM':
      assert.deepEqual([...body.matrix], COLUMN_MAJOR, name);
      assert.ok(Math.abs(body.matrix[12] - 46.0531) < 1e-4 && Math.abs(body.matrix[13] - 19.4709) < 1e-4);
      break;
    case 'POSITION':
      assert.deepEqual(body.position, [F(0x42383660), F(0x419bc467), F(0x42383660)]);
      assert.deepEqual(body.quaternion, [0, F(0x3f13cd3a), F(0x3f13cd3a), F(0x3eaaaaab)]);
      break;
    case 'TDATA':
      assert.deepEqual(
        body.elements.map((e) => e.name),
        ['Tracker0', 'Tracker1', 'Tracker2'],
      );
      for (const e of body.elements) {
        assert.equal(e.instrumentType, 2);
        assert.deepEqual([...e.matrix], COLUMN_MAJOR);
      }
      break;
    case 'STATUS':
      assert.deepEqual({ ...body }, { type: 'STATUS', code: 15, subcode: 10, errorName: 'ACTUATOR_DISABLED', message: 'Actuator A is disabled.' });
      break;
    case 'STRING':
      assert.equal(body.text, 'Welcome to OpenIGTLink');
      break;
    default:
      assert.fail(`${name}: unexpected ${body.type}`);
  }
}

test('every conformance vector: bytes equal its header file, header and body decode to the stated values', { skip }, () => {
  const rows = index();
  let full = 0,
    headersOnly = 0;
  const decoded = new Set<string>();
  for (const h of fs.readdirSync(path.join(DATA, 'headers')).filter((f) => f.endsWith('.h'))) {
    const stem = h.replace(/^igtl_test_data_/, '').replace(/\.h$/, '');
    for (const [arr, bytes] of arraysOf(path.join(DATA, 'headers', h))) {
      const file = `${stem}__${arr}.bin`;
      assert.deepEqual(fs.readFileSync(path.join(DATA, 'bin', file)), bytes, `${file} is the array of ${h}`);
      const row = rows.get(file);
      assert.ok(row, `${file} in INDEX.txt`);
      if (row.version !== 1 && row.version !== 2) continue; // a body fragment, not a message
      const hd = decodeHeader(bytes);
      assert.ok(hd.ok, file);
      assert.equal(hd.header.type, row.type, file);
      assert.equal(hd.header.deviceName, row.device, file);
      assert.equal(hd.header.bodySize, row.body, file);
      if (bytes.length !== 58 + row.body) {
        headersOnly++;
        continue;
      }
      full++;
      const r = decodeMessage(bytes);
      if (['TRANSFORM', 'POSITION', 'TDATA', 'STATUS', 'STRING'].includes(row.type)) {
        assert.ok(r.ok, `${file}: ${!r.ok && r.error.message}`);
        assert.ok(Math.abs(hd.header.tSenderMs! - TIME_MS) < 1e-6, `${file} timestamp`);
        expectBody(file, r.message.body);
        decoded.add(`${row.type}/v${row.version}`);
        assert.deepEqual(r.message.metadata, row.version === 2 ? META : new Map(), `${file} metadata`);
        assert.equal(r.message.messageId, row.version === 2 ? 1 : 0);
      } else {
        assert.ok(!r.ok);
        // The CRC and the v3 parts were checked before the type was refused.
        assert.equal(r.error.code, row.type === 'COLORT' ? 'IGTL_UNKNOWN_TYPE' : 'IGTL_UNSUPPORTED_TYPE', `${file}: ${r.error.message}`);
        assert.equal(r.header?.type, row.type);
      }
    }
  }
  assert.ok(full >= 20 && headersOnly >= 3, `${full} messages, ${headersOnly} header fragments`);
  assert.deepEqual([...decoded].sort(), ['POSITION/v1', 'POSITION/v2', 'STATUS/v1', 'STRING/v1', 'TDATA/v1', 'TDATA/v2', 'TRANSFORM/v1', 'TRANSFORM/v2']);
});

test('every corrupted copy is refused with a coded error: flipped body and CRC bytes, truncations, lying sizes, bad versions', { skip }, () => {
  let refused = 0;
  const codes = new Map<string, number>();
  const refuse = (b: Uint8Array, what: string, expect?: string) => {
    const r = decodeMessage(b);
    assert.ok(!r.ok, `${what} was accepted`);
    if (expect) assert.equal(r.error.code, expect, `${what}: ${r.error.message}`);
    codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
    refused++;
  };
  for (const f of fs.readdirSync(path.join(DATA, 'bin')).filter((f) => f.endsWith('.bin'))) {
    const b = fs.readFileSync(path.join(DATA, 'bin', f));
    const h = decodeHeader(b);
    if (!h.ok || b.length !== 58 + h.header.bodySize) continue;
    for (let i = 58; i < b.length; i++)
      for (const bit of [0x01, 0x80]) {
        const c = Buffer.from(b);
        c[i] ^= bit;
        refuse(c, `${f} body byte ${i} ^ ${bit}`, 'IGTL_BAD_CRC');
      }
    for (let i = 50; i < 58; i++) {
      const c = Buffer.from(b);
      c[i] ^= 0x10;
      refuse(c, `${f} CRC byte ${i}`, 'IGTL_BAD_CRC');
    }
    for (let n = 0; n < b.length; n++) refuse(b.subarray(0, n), `${f} cut to ${n}`, n < 58 ? 'IGTL_TRUNCATED_HEADER' : 'IGTL_TRUNCATED_BODY');
    for (const lie of [h.header.bodySize + 1, h.header.bodySize - 1, 2 ** 31, 2 ** 40]) {
      if (lie < 0) continue;
      const c = Buffer.from(b);
      c.writeBigUInt64BE(BigInt(lie), 42);
      refuse(c, `${f} body size ${lie}`, lie > 16 * 1024 * 1024 ? 'IGTL_BODY_TOO_LARGE' : 'IGTL_TRUNCATED_BODY');
    }
    for (const v of [0, 3, 0x100, 0xffff]) {
      const c = Buffer.from(b);
      c.writeUInt16BE(v, 0);
      refuse(c, `${f} version ${v}`, 'IGTL_BAD_VERSION');
    }
  }
  assert.ok(refused > 20000, `${refused} corrupted copies`);
  assert.deepEqual([...codes.keys()].sort(), ['IGTL_BAD_CRC', 'IGTL_BAD_VERSION', 'IGTL_BODY_TOO_LARGE', 'IGTL_TRUNCATED_BODY', 'IGTL_TRUNCATED_HEADER']);
});

test('messages OR Hub encodes decode back bit for bit (v1 and v3 with metadata)', () => {
  const m = Float32Array.from(COLUMN_MAJOR);
  for (const version of [1, 2]) {
    const init = { deviceName: 'Probe', tSenderMs: 1_700_000_000_123.25, version, messageId: 7, metadata: { k: 'v' } };
    const t = decodeMessage(encodeMessage({ ...init, type: 'TRANSFORM' }, transformBody(m)));
    assert.ok(t.ok && t.message.body.type === 'TRANSFORM');
    assert.deepEqual([...t.message.body.matrix], [...m]);
    assert.ok(Math.abs(t.message.header.tSenderMs! - 1_700_000_000_123.25) < 1e-3);
    assert.equal(t.message.metadata.get('k'), version === 2 ? 'v' : undefined);
    const td = decodeMessage(
      encodeMessage(
        { ...init, type: 'TDATA' },
        tdataBody([
          { name: 'A', matrix: m },
          { name: 'B', matrix: m },
        ]),
      ),
    );
    assert.ok(td.ok && td.message.body.type === 'TDATA' && td.message.body.elements[1].name === 'B');
    const q = decodeMessage(encodeMessage({ ...init, type: 'QTDATA' }, qtdataBody([{ name: 'Q', position: [1, 2, 3], quaternion: [0, 0, 0, 1] }])));
    assert.ok(q.ok && q.message.body.type === 'QTDATA');
    assert.deepEqual([...q.message.body.elements[0].matrix], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 2, 3, 1]);
    const p = decodeMessage(encodeMessage({ ...init, type: 'POSITION' }, positionBody([4, 5, 6], [0, 0, 1, 0])));
    assert.ok(p.ok && p.message.body.type === 'POSITION');
    assert.deepEqual([...p.message.body.matrix.subarray(0, 3)], [-1, 0, 0]);
    const s = decodeMessage(encodeMessage({ ...init, type: 'STATUS' }, statusBody({ code: 1, errorName: 'OK', message: 'fine' })));
    assert.ok(s.ok && s.message.body.type === 'STATUS' && s.message.body.message === 'fine');
    const stt = decodeMessage(encodeMessage({ ...init, type: 'STT_TDATA' }, new Uint8Array(36)));
    assert.ok(stt.ok && stt.message.body.type === 'QUERY' && stt.message.body.query === 'STT' && stt.message.body.resolutionMs === 0);
  }
  const nan = decodeMessage(encodeMessage({ type: 'TRANSFORM', deviceName: 'x' }, transformBody(new Float32Array(16).fill(NaN))));
  assert.ok(!nan.ok && nan.error.code === 'IGTL_NON_FINITE');
  const odd = decodeMessage(encodeMessage({ type: 'TRANSFORM', deviceName: 'x' }, new Uint8Array(40)));
  assert.ok(!odd.ok && odd.error.code === 'IGTL_BAD_BODY');
  const unknown = decodeMessage(encodeMessage({ type: 'FOO', deviceName: 'x' }, new Uint8Array(3)));
  assert.ok(!unknown.ok && unknown.error.code === 'IGTL_UNKNOWN_TYPE');
});

test('random bytes never throw', () => {
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  const base = encodeMessage({ type: 'TDATA', deviceName: 'T', version: 2, metadata: { a: 'b' } }, tdataBody([{ name: 'A', matrix: COLUMN_MAJOR }]));
  for (let i = 0; i < 20000; i++) {
    const c = Uint8Array.from(base);
    for (let k = 0; k < 1 + (i % 5); k++) c[rnd() % c.length] = rnd();
    const r = decodeMessage(i % 7 === 0 ? c.subarray(0, rnd() % c.length) : c);
    assert.ok(r.ok || typeof r.error.code === 'string');
  }
});
