/**
 * What a display may ask the hub to read (issue 12 §3). Without this, a display could make the
 * hub walk any folder (/etc, /usr) and search any URL (a server-side request forgery and a port
 * oracle). The hub reads images only from:
 * - folders given with `--dicom-root DIR` (repeatable) and paths inside them (after resolving
 *   links, so a link cannot lead out), and the `--dicom PATH` it was started with;
 * - DICOMweb services given with `--pacs URL` (repeatable) and URLs below them, with optional
 *   credentials from `--pacs-credentials FILE`;
 * - the built-in demo phantom.
 * Anything else is refused with one error that names the setting. A configured PACS that cannot
 * be used gets the same answer whatever the reason (refused, unknown host, not DICOMweb, timeout).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DicomSourcesView } from '../../common/anatomy-contract';

export interface PacsConfig {
  /** Service root, e.g. http://pacs.example:8042/dicom-web (no query). */
  url: string;
  /** What the display shows (host and path). */
  label: string;
  /** Request headers for it (Authorization), never shown. */
  headers?: Record<string, string>;
}

/** A refusal: 403 when the source is not allowed (the message names the setting), 400 when it does not exist or does not answer. */
export class SourceRefused extends Error {
  override name = 'SourceRefused';
  constructor(
    message: string,
    readonly status: 400 | 403 = 403,
  ) {
    super(message);
  }
}

const within = (root: string, p: string) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The same answer for every reason a configured PACS cannot be used: no oracle for what is behind it. */
export const PACS_UNUSABLE = 'not reachable, or not a DICOMweb service';

export class DicomSources {
  private constructor(
    private readonly roots: string[],
    private readonly pacsList: PacsConfig[],
  ) {}

  /**
   * From the command line: roots must be existing folders (resolved now), PACS URLs http(s) without
   * credentials in them. `startDicom` (--dicom PATH) is always allowed. Throws a one-line error.
   */
  static configure(opts: { roots: string[]; pacs: string[]; credentialsFile?: string; startDicom?: string }): DicomSources {
    const roots: string[] = [];
    for (const r of [...opts.roots, ...(opts.startDicom && !/^https?:\/\//i.test(opts.startDicom) ? [opts.startDicom] : [])]) {
      let real: string;
      try {
        real = fs.realpathSync(r);
      } catch {
        throw new Error(`--dicom-root ${r}: no such folder`);
      }
      roots.push(real);
    }
    const creds = opts.credentialsFile ? readCredentials(opts.credentialsFile) : new Map<string, string>();
    const pacs: PacsConfig[] = [];
    for (const raw of [...opts.pacs, ...(opts.startDicom && /^https?:\/\//i.test(opts.startDicom) ? [opts.startDicom] : [])]) {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new Error(`--pacs ${raw}: not a URL`);
      }
      if (!/^https?:$/.test(u.protocol)) throw new Error(`--pacs ${raw}: must be an http or https DICOMweb URL`);
      if (u.username || u.password) throw new Error(`--pacs ${raw}: put credentials in --pacs-credentials FILE, not in the URL`);
      const root = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
      const cred = creds.get(root) ?? creds.get('*');
      pacs.push({
        url: root,
        label: `${u.host}${u.pathname.replace(/\/+$/, '')}`,
        ...(cred ? { headers: { Authorization: `Basic ${Buffer.from(cred).toString('base64')}` } } : {}),
      });
    }
    return new DicomSources(roots, pacs);
  }

  /** For tests and tools that may read anything. */
  static unrestricted(): DicomSources {
    return new DicomSources(['/'], []);
  }

  view(): DicomSourcesView {
    return { roots: this.roots.map((r) => ({ path: r, label: path.basename(r) || r })), pacs: this.pacsList.map((p) => ({ url: p.url, label: p.label })) };
  }

  /**
   * The real path of a local source if it lies in a configured root. Resolved asynchronously with a
   * time limit (a hung share must not hold the hub's main thread).
   */
  async checkPath(p: string, timeoutMs = 2000): Promise<string> {
    const real = await Promise.race([
      fs.promises.realpath(path.resolve(p)).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new SourceRefused(`${p}: no such file or folder on the hub`, 400);
        throw new SourceRefused(`${p}: cannot be read (${e.code ?? e.message})`, 400);
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new SourceRefused(`${p}: the file system did not answer within 2 s`, 400)), timeoutMs).unref()),
    ]);
    if (!this.roots.some((r) => within(r, real))) {
      throw new SourceRefused(
        this.roots.length
          ? `${p}: not inside a DICOM folder this hub may read (${this.roots.join(', ')}; add one with --dicom-root DIR)`
          : `${p}: this hub reads no DICOM folders from displays: start it with --dicom-root DIR`,
      );
    }
    return real;
  }

  /** The configured PACS a DICOMweb URL lies under (same scheme, host, port and path prefix), or a refusal. */
  checkPacs(url: string): PacsConfig {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new SourceRefused(`${url}: not a URL`, 400);
    }
    const full = `${u.protocol}//${u.host}${u.pathname}`;
    const hit = u.username || u.password ? undefined : this.pacsList.find((p) => full === p.url || full.startsWith(`${p.url}/`));
    if (!hit) {
      throw new SourceRefused(
        this.pacsList.length
          ? `${u.host || url}: not a PACS this hub may search (${this.pacsList.map((p) => p.label).join(', ')}; add one with --pacs URL)`
          : `${u.host || url}: this hub searches no PACS: start it with --pacs URL`,
      );
    }
    return hit;
  }
}

/**
 * `--pacs-credentials FILE`: lines `URL USER:PASSWORD`, or `* USER:PASSWORD` for every PACS; `#`
 * comments. The file must be readable by its owner only.
 */
function readCredentials(file: string): Map<string, string> {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (st.mode & 0o077) throw new Error(`--pacs-credentials ${file}: readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as Error).message.startsWith('--pacs-credentials')) throw e;
    throw new Error(`--pacs-credentials ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    const l = line.replace(/#.*/, '').trim();
    if (!l) return;
    const m = /^(\S+)\s+(\S+:\S*)$/.exec(l);
    if (!m) throw new Error(`--pacs-credentials ${file}: line ${i + 1} is not "URL USER:PASSWORD"`);
    out.set(m[1] === '*' ? '*' : m[1].replace(/\/+$/, ''), m[2]);
  });
  return out;
}
