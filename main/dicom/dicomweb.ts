/**
 * Minimal DICOMweb client (PS3.18): QIDO-RS to find studies and series, WADO-RS to retrieve
 * a series' instances as multipart/related application/dicom. Uses the global fetch (Node 20).
 *
 * Accepted URLs: the service root (`http://host/dicom-web`), optionally with QIDO query
 * parameters (`?PatientID=X`), or a study (`.../studies/UID`) or series
 * (`.../studies/UID/series/UID`) URL.
 */
import { DicomError } from './errors';

export interface DicomwebTarget {
  root: string;
  studyUid?: string;
  seriesUid?: string;
  query: URLSearchParams;
  /** Extra request headers (e.g. Authorization for a PACS that needs credentials). */
  headers?: Record<string, string>;
}

export function parseDicomwebUrl(url: string, headers?: Record<string, string>): DicomwebTarget {
  const u = new URL(url);
  const query = u.searchParams;
  const m = u.pathname.match(/^(.*?)\/studies(?:\/([^/]+)(?:\/series(?:\/([^/]+))?)?)?\/?$/);
  const rootPath = (m ? m[1] : u.pathname).replace(/\/+$/, '');
  return {
    root: `${u.protocol}//${u.host}${rootPath}`,
    studyUid: m?.[2] ? decodeURIComponent(m[2]) : undefined,
    seriesUid: m?.[3] ? decodeURIComponent(m[3]) : undefined,
    query: new URLSearchParams(query),
    ...(headers ? { headers } : {}),
  };
}

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

function value(o: DicomJson, tag: string): string | undefined {
  const v = o[tag]?.Value?.[0];
  return v === undefined ? undefined : String(v);
}

async function getJson(url: string, signal?: AbortSignal, headers?: Record<string, string>): Promise<DicomJson[]> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { ...headers, Accept: 'application/dicom+json, application/json' }, signal, redirect: 'error' });
  } catch (e) {
    throw new DicomError('NETWORK', url, `QIDO-RS request failed: ${(e as Error).message}`);
  }
  if (res.status === 204) return [];
  if (!res.ok) throw new DicomError('NETWORK', url, `QIDO-RS answered HTTP ${res.status} ${res.statusText}`);
  const text = await res.text();
  if (!text.trim()) return [];
  try {
    return JSON.parse(text) as DicomJson[];
  } catch {
    throw new DicomError('NETWORK', url, 'QIDO-RS answer is not JSON');
  }
}

export interface SeriesRef {
  studyUid: string;
  seriesUid: string;
  modality?: string;
  description?: string;
  url: string;
  headers?: Record<string, string>;
}

/** QIDO-RS: the series the target designates. */
export async function findSeries(t: DicomwebTarget, signal?: AbortSignal): Promise<SeriesRef[]> {
  let studies: string[];
  if (t.studyUid) studies = [t.studyUid];
  else {
    const q = t.query.toString();
    const found = await getJson(`${t.root}/studies${q ? `?${q}` : ''}`, signal, t.headers);
    studies = found.map((s) => value(s, '0020000D')).filter((s): s is string => !!s);
  }
  const out: SeriesRef[] = [];
  for (const st of studies) {
    const list = t.seriesUid
      ? [{ '0020000E': { vr: 'UI', Value: [t.seriesUid] } } as DicomJson]
      : await getJson(`${t.root}/studies/${encodeURIComponent(st)}/series`, signal, t.headers);
    for (const s of list) {
      const se = value(s, '0020000E');
      if (!se) continue;
      out.push({
        studyUid: st,
        seriesUid: se,
        modality: value(s, '00080060'),
        description: value(s, '0008103E'),
        url: `${t.root}/studies/${encodeURIComponent(st)}/series/${encodeURIComponent(se)}`,
        ...(t.headers ? { headers: t.headers } : {}),
      });
    }
  }
  return out;
}

/** Split a multipart/related body into its parts' bodies. */
export function splitMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  const m = contentType.match(/boundary="?([^";]+)"?/i);
  if (!m) throw new Error(`no boundary in Content-Type "${contentType}"`);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delim = Buffer.from(`--${m[1]}`);
  const parts: Uint8Array[] = [];
  let pos = buf.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (buf[start] === 0x2d && buf[start + 1] === 0x2d) break; // closing delimiter
    const headerEnd = buf.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) break;
    start = headerEnd + 4;
    const next = buf.indexOf(delim, start);
    if (next < 0) break;
    let end = next;
    if (buf[end - 2] === 0x0d && buf[end - 1] === 0x0a) end -= 2;
    parts.push(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start));
    pos = next;
  }
  return parts;
}

/** WADO-RS: all instances of a series, as Part 10 bytes. */
export async function retrieveSeries(ref: SeriesRef, signal?: AbortSignal): Promise<Uint8Array[]> {
  const accepts = ['multipart/related; type="application/dicom"; transfer-syntax=*', 'multipart/related; type="application/dicom"'];
  let lastStatus = '';
  for (const accept of accepts) {
    let res: Response;
    try {
      res = await fetch(ref.url, { headers: { ...ref.headers, Accept: accept }, signal, redirect: 'error' });
    } catch (e) {
      throw new DicomError('NETWORK', ref.url, `WADO-RS request failed: ${(e as Error).message}`);
    }
    if (res.status === 406 || res.status === 400) {
      lastStatus = `HTTP ${res.status}`;
      continue;
    }
    if (!res.ok) throw new DicomError('NETWORK', ref.url, `WADO-RS answered HTTP ${res.status} ${res.statusText}`);
    const body = new Uint8Array(await res.arrayBuffer());
    try {
      return splitMultipart(body, res.headers.get('content-type') ?? '');
    } catch (e) {
      throw new DicomError('NETWORK', ref.url, `WADO-RS answer unreadable: ${(e as Error).message}`);
    }
  }
  throw new DicomError('NETWORK', ref.url, `WADO-RS refused every Accept header (${lastStatus})`);
}
