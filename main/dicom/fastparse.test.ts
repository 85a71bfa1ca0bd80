/**
 * fastparse.ts against dicom-parser: on every file of the shared DICOM test data, as the header
 * pass reads it (the first 16 KiB, and the whole file), the fast walk either declines or gives
 * exactly the FileHeader that the dicom-parser path gives (and never succeeds where that throws).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { rng } from '../../native-bridge/common/sim/physiology';
import { fastParseUntilPixelData } from './fastparse';
import { extractHeader, parseBytes, TS, type FileHeader } from './parse';
import { DATA, PHANTOM, SYNTAXES, missingData } from './testutil';

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : e.isFile() ? [p] : [];
  });
}

/** Same outcome (header or error message) from both paths, when the fast one does not decline. */
function assertSame(bytes: Uint8Array, file: string, size: number): boolean {
  const parsed = fastParseUntilPixelData(bytes);
  if (!parsed) return false;
  const want = slowHeader(bytes, file, size);
  assert.ok(!(want instanceof Error), `${file} (${bytes.length} bytes): fast walk succeeded where dicom-parser fails: ${want}`);
  let got: FileHeader | Error;
  try {
    got = extractHeader(parsed, file, size, true);
  } catch (e) {
    got = e as Error;
  }
  assert.deepEqual(got, want, `${file} (${bytes.length} bytes)`);
  return true;
}

function slowHeader(bytes: Uint8Array, file: string, size: number): FileHeader | Error {
  try {
    return extractHeader(parseBytes(bytes, file, true, size), file, size, true);
  } catch (e) {
    return e as Error;
  }
}

test('fast header walk equals dicom-parser on every shared test file (16 KiB prefix and whole file)', { skip: missingData(DATA) }, () => {
  let compared = 0;
  let fast = 0;
  for (const file of allFiles(DATA).sort()) {
    const all = new Uint8Array(fs.readFileSync(file));
    const views = all.length > 16384 ? [all.subarray(0, 16384), all] : [all];
    for (const bytes of views) {
      compared++;
      if (assertSame(bytes, file, all.length)) fast++;
    }
  }
  assert.ok(fast >= 100, `fast walk used on only ${fast} of ${compared} reads`);
  console.log(`fast walk used on ${fast} of ${compared} reads`);
});

test('fast header walk takes every phantom slice (Explicit VR LE, defined-length sequences)', { skip: missingData(PHANTOM) }, () => {
  for (const f of fs.readdirSync(PHANTOM).filter((n) => n !== 'DIRFILE')) {
    const b = new Uint8Array(fs.readFileSync(path.join(PHANTOM, f))).subarray(0, 16384);
    const parsed = fastParseUntilPixelData(b);
    assert.ok(parsed, f);
    assert.equal(parsed.transferSyntax, TS.explicitLE);
    assert.equal(parsed.dataSet.elements.x7fe00010.dataOffset, parseBytes(b, f, true).dataSet.elements.x7fe00010.dataOffset);
  }
});

// --- synthetic files: undefined-length sequences and items, private sequences, implicit VR ---

const LONG_VRS = ['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN'];
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const tagBytes = (tag: number) => [...le16(tag >>> 16), ...le16(tag & 0xffff)];
const text = (s: string) => [...(s.length % 2 ? `${s}\0` : s)].map((c) => c.charCodeAt(0));
const UNDEF = 0xffffffff;

/** One element: explicit VR when `vr` is given, else implicit. */
function el(tag: number, vr: string | undefined, value: number[], undefinedLength = false): number[] {
  const len = undefinedLength ? UNDEF : value.length;
  if (!vr) return [...tagBytes(tag), ...le32(len), ...value];
  const head = [...tagBytes(tag), vr.charCodeAt(0), vr.charCodeAt(1)];
  return LONG_VRS.includes(vr) ? [...head, 0, 0, ...le32(len), ...value] : [...head, ...le16(len), ...value];
}
const item = (content: number[], undefinedLength = false) =>
  undefinedLength ? [...tagBytes(0xfffee000), ...le32(UNDEF), ...content, ...tagBytes(0xfffee00d), 0, 0, 0, 0] : [...tagBytes(0xfffee000), ...le32(content.length), ...content];
const seqEnd = [...tagBytes(0xfffee0dd), 0, 0, 0, 0];

function part10(ts: string, dataSet: number[]): Uint8Array {
  const metaBody = [...el(0x00020001, 'OB', [0, 1]), ...el(0x00020002, 'UI', text('1.2.840.10008.5.1.4.1.1.2')), ...el(0x00020003, 'UI', text('1.2.3.4')), ...el(0x00020010, 'UI', text(ts))];
  const meta = [...el(0x00020000, 'UL', le32(metaBody.length)), ...metaBody];
  return new Uint8Array([...new Array(128).fill(0), ...text('DICM'), ...meta, ...dataSet]);
}

function imageElements(vr: (v: string) => string | undefined, extra: number[]): number[] {
  return [
    ...el(0x00080016, vr('UI'), text('1.2.840.10008.5.1.4.1.1.2')),
    ...el(0x00080018, vr('UI'), text('1.2.3.4')),
    ...el(0x00080060, vr('CS'), text('CT')),
    ...extra,
    ...el(0x0020000d, vr('UI'), text('1.2.3')),
    ...el(0x0020000e, vr('UI'), text('1.2.3.1')),
    ...el(0x00200032, vr('DS'), text('-10\\-20.5\\30')),
    ...el(0x00200037, vr('DS'), text('1\\0\\0\\0\\1\\0')),
    ...el(0x00280010, vr('US'), le16(4)),
    ...el(0x00280011, vr('US'), le16(4)),
    ...el(0x00280030, vr('DS'), text('0.5\\0.5')),
    ...el(0x00280100, vr('US'), le16(16)),
    ...el(0x00280101, vr('US'), le16(12)),
    ...el(0x00280103, vr('US'), le16(0)),
    ...el(0x00281052, vr('DS'), text('-1024')),
    ...el(0x00281053, vr('DS'), text('1')),
    ...el(0x7fe00010, vr('OW'), new Array(32).fill(7)),
  ];
}

function syntheticExplicit(): Uint8Array {
  const nested = el(0x00081150, 'UI', text('1.2.840.10008.5.1.4.1.1.2'));
  const extra = [
    ...el(0x00081140, 'SQ', [...item([...nested, ...el(0x00081199, 'SQ', item(nested))], true), ...item(nested), ...seqEnd], true),
    ...el(0x00090010, 'LO', text('PRIVATE')),
    ...el(0x00091001, 'SQ', [...item(nested, true), ...seqEnd], true),
    ...el(0x00283000, 'SQ', item(el(0x00283002, 'US', [...le16(2), ...le16(0), ...le16(16)]))),
    ...el(0x00281041, 'SS', le16(1)),
    ...el(0x00290010, 'UN', []),
  ];
  return part10(TS.explicitLE, imageElements((v) => v, extra));
}

function syntheticImplicit(): Uint8Array {
  const nested = el(0x00081150, undefined, text('1.2.840.10008.5.1.4.1.1.2'));
  const extra = [
    ...el(0x00081140, undefined, [...item(nested, true), ...item(nested), ...seqEnd], true),
    ...el(0x00081115, undefined, item(nested)),
    ...el(0x00090010, undefined, text('PRIVATE')),
    // Private, defined length, value starting like an item: skipped, not parsed as a sequence.
    ...el(0x00091002, undefined, [...tagBytes(0xfffee000), 0xff, 0xff, 0xff, 0xff]),
    ...el(0x00091003, undefined, [...item(nested, true), ...seqEnd], true),
  ];
  return part10(TS.implicitLE, imageElements(() => undefined, extra));
}

test('fast header walk on synthetic files: undefined-length and nested sequences, private tags, implicit VR', () => {
  for (const [name, bytes] of [['explicit', syntheticExplicit()], ['implicit', syntheticImplicit()]] as const) {
    assert.ok(assertSame(bytes, name, bytes.length), `${name}: the fast walk should take this file`);
    const h = extractHeader(fastParseUntilPixelData(bytes)!, name, bytes.length, true);
    assert.deepEqual([h.rows, h.columns, h.frames[0].ipp, h.frames[0].intercept, h.pixelData?.length], [4, 4, [-10, -20.5, 30], -1024, 32]);
  }
});

test('fast header walk on damaged files (seeded random byte changes and truncations): declines or equals dicom-parser', { skip: missingData(PHANTOM) }, () => {
  const phantomPrefix = new Uint8Array(fs.readFileSync(path.join(PHANTOM, 'I10'))).subarray(0, 16384);
  const bases: Array<[string, Uint8Array]> = [['explicit', syntheticExplicit()], ['implicit', syntheticImplicit()], ['phantom', phantomPrefix]];
  const implicitCt = path.join(SYNTAXES, 'CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm');
  if (fs.existsSync(implicitCt)) bases.push(['implicit CT', new Uint8Array(fs.readFileSync(implicitCt)).subarray(0, 16384)]);
  const u = rng(20261130);
  let fast = 0;
  let total = 0;
  for (const [name, base] of bases) {
    const end = Math.min(base.length, 8200);
    for (let i = 0; i < 3000; i++) {
      let b = base.slice();
      const edits = 1 + Math.floor(u() * 4);
      for (let k = 0; k < edits; k++) {
        const at = 132 + Math.floor(u() * (end - 132));
        const r = u();
        // Mostly the bytes that steer the walk: 0x00/0xff and the delimiter bytes.
        b[at] = r < 0.3 ? 0 : r < 0.5 ? 0xff : r < 0.6 ? 0xfe : r < 0.7 ? 0xe0 : Math.floor(u() * 256);
      }
      if (u() < 0.2) b = b.subarray(0, 132 + Math.floor(u() * (b.length - 132)));
      total++;
      if (assertSame(b, `${name}#${i}`, base.length === 16384 ? 1 << 20 : b.length)) fast++;
    }
  }
  assert.ok(fast > total / 4, `fast walk taken on ${fast} of ${total} damaged files`);
});
