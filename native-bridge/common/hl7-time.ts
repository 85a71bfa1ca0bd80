/**
 * HL7 v2 DTM (date/time) values: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (HL7 v2.6 §2A.3.22).
 * Strict: a value that does not have this form is refused (null), never read as some default
 * date. A value without an offset is in the sender's local time, which only the sender knows:
 * the caller passes the offset to assume (e.g. MSH-7's). Pure: runs anywhere.
 */

const DTM_RE = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2}(?:\.\d{1,4})?)?([+-]\d{4})?$/;

/** Minutes east of UTC of a "+HHMM"/"-HHMM" offset, or null when it is not one. */
export function parseHl7Offset(z: string): number | null {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(z);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The "+HHMM" offset written in a DTM value, or undefined. */
export function hl7OffsetOf(dtm: string): string | undefined {
  const m = DTM_RE.exec(dtm.trim());
  return m?.[7];
}

/**
 * Unix ms of a DTM value, or null when it is malformed or names an impossible date.
 * `assumeOffset` ("+HHMM") applies when the value carries none; default UTC.
 */
export function parseHl7Time(dtm: string, assumeOffset = '+0000'): number | null {
  const m = DTM_RE.exec(dtm.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', z] = m;
  const off = parseHl7Offset(z ?? assumeOffset);
  if (off === null) return null;
  const sec = Number(s);
  const [Y, M, D, H, N] = [Number(y), Number(mo), Number(d), Number(h), Number(mi)];
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || N > 59 || sec >= 60) return null;
  const ms = Date.UTC(Y, M - 1, D, H, N, 0) + Math.round(sec * 1000);
  if (new Date(Date.UTC(Y, M - 1, D)).getUTCDate() !== D) return null; // 31 February
  return ms - off * 60000;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** A Unix ms time as a DTM in UTC with milliseconds and an explicit offset: "20260412083015.123+0000". */
export function formatHl7Time(ms: number): string {
  const d = new Date(Math.round(ms));
  return (
    `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}` +
    `.${String(d.getUTCMilliseconds()).padStart(3, '0')}+0000`
  );
}
