/**
 * dsString (parse.ts) gives exactly what dicom-parser's DataSet.string gives, for every element
 * of every shared test file (and their sequence items), whole value and first value.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type * as dicomParser from 'dicom-parser';
import { dsString, parseBytes } from './parse';
import { PHANTOM, PYDICOM, SYNTAXES, missingData } from './testutil';

function outcome(fn: () => string | undefined): string {
  try {
    const v = fn();
    return v === undefined ? '<undefined>' : JSON.stringify(v);
  } catch {
    return '<throws>';
  }
}

function compare(ds: dicomParser.DataSet, where: string): number {
  let n = 0;
  for (const [tag, el] of Object.entries(ds.elements)) {
    for (const index of [undefined, 0]) {
      assert.equal(
        outcome(() => dsString(ds, tag, index)),
        outcome(() => ds.string(tag, index)),
        `${where} ${tag} index ${index}`,
      );
      n++;
    }
    for (const item of el.items ?? []) if (item.dataSet) n += compare(item.dataSet, `${where} ${tag}[]`);
  }
  return n;
}

test(
  'dsString equals DataSet.string on every element of the shared DICOM files',
  { skip: missingData(PYDICOM) || missingData(SYNTAXES) || missingData(PHANTOM) },
  () => {
    const files = [
      ...fs.readdirSync(PYDICOM).map((f) => path.join(PYDICOM, f)),
      ...fs.readdirSync(SYNTAXES).map((f) => path.join(SYNTAXES, f)),
      ...fs
        .readdirSync(PHANTOM)
        .slice(0, 5)
        .map((f) => path.join(PHANTOM, f)),
    ].filter((f) => fs.statSync(f).isFile());
    let parsed = 0;
    let compared = 0;
    for (const f of files) {
      let ds: dicomParser.DataSet;
      try {
        ds = parseBytes(new Uint8Array(fs.readFileSync(f)), f, true).dataSet;
      } catch {
        continue; // broken on purpose (the loader tests cover those)
      }
      parsed++;
      compared += compare(ds, path.basename(f));
    }
    assert.ok(parsed > 80, `${parsed} files parsed`);
    assert.ok(compared > 10_000, `${compared} values compared`);
  },
);
