/**
 * WFDB annotation files in MIT format (e.g. 100.atr). Spec: https://physionet.org/physiotools/wag/annot-5.htm.
 * Each annotation is a 16-bit little-endian word: 6-bit type A, 10-bit interval I (samples since the
 * previous annotation). Special A codes: 59 SKIP (next 4 bytes: 32-bit interval, high word first),
 * 60 NUM, 61 SUB, 62 CHN (I = value), 63 AUX (I = byte length of a string that follows, padded
 * to even). A word of 0 ends the file.
 */
import * as fs from 'node:fs';

export interface WfdbAnnotation {
  /** Sample number (frame) from the start of the record. */
  sample: number;
  code: number;
  mnemonic: string;
  subtype: number;
  chan: number;
  num: number;
  aux: string;
}

/** Mnemonics of the standard annotation codes (ecgcodes.h). */
export const ANNOTATION_MNEMONICS: readonly string[] = [
  '',
  'N',
  'L',
  'R',
  'a',
  'V',
  'F',
  'J',
  'A',
  'S',
  'E',
  'j',
  '/',
  'Q',
  '~',
  '',
  '|',
  '',
  's',
  'T',
  '*',
  'D',
  '"',
  '=',
  'p',
  'B',
  '^',
  't',
  '+',
  'u',
  '?',
  '!',
  '[',
  ']',
  'e',
  'n',
  '@',
  'x',
  'f',
  '(',
  ')',
  'r',
];

export function readWfdbAnnotations(file: string): WfdbAnnotation[] {
  const b = fs.readFileSync(file);
  const out: WfdbAnnotation[] = [];
  let sample = 0;
  let chan = 0;
  let num = 0;
  let last: WfdbAnnotation | undefined;
  for (let p = 0; p + 1 < b.length;) {
    const w = b.readUInt16LE(p);
    p += 2;
    const a = w >> 10;
    const i = w & 0x3ff;
    if (w === 0) break;
    if (a === 59) {
      if (p + 4 > b.length) break;
      const v = b.readUInt16LE(p) * 65536 + b.readUInt16LE(p + 2);
      sample += v >= 2 ** 31 ? v - 2 ** 32 : v;
      p += 4;
    } else if (a === 60) {
      num = i;
      if (last) last.num = i;
    } else if (a === 61) {
      if (last) last.subtype = i;
    } else if (a === 62) {
      chan = i;
      if (last) last.chan = i;
    } else if (a === 63) {
      const s = b.toString('latin1', p, Math.min(b.length, p + i)).replace(/\0+$/, '');
      if (last) last.aux = s;
      p += i + (i & 1);
    } else {
      sample += i;
      last = { sample, code: a, mnemonic: ANNOTATION_MNEMONICS[a] ?? String(a), subtype: 0, chan, num, aux: '' };
      out.push(last);
    }
  }
  return out;
}
