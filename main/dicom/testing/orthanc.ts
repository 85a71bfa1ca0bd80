/**
 * A real Orthanc with the DICOMweb plugin (Debian orthanc + orthanc-dicomweb) for tests: started on
 * loopback with a temp config and storage on free ports, answered before use, DICOM files uploaded
 * through its REST API, stopped with SIGTERM (SIGKILL after 10 s) and its folder removed. Tests only.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onCi } from '../../../scripts/testing/shared-data';

/** A loopback port nothing listens on now (bound, then closed). */
export function freePort(): Promise<number> {
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

/** The installed DICOMweb plugin's library, or undefined. */
function dicomwebPlugin(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v Orthanc']).status !== 0) return undefined;
  try {
    return execFileSync('dpkg', ['-L', 'orthanc-dicomweb'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .find((l) => /libOrthancDicomWeb\.so/.test(l) && fs.existsSync(l));
  } catch {
    return undefined;
  }
}

const PLUGIN = dicomwebPlugin();

/**
 * For node:test's `skip`: false when Orthanc and its DICOMweb plugin are installed, else the reason to skip;
 * under CI=true their absence throws instead (the test file fails rather than passing with nothing checked).
 */
export function missingOrthanc(env: NodeJS.ProcessEnv = process.env): string | false {
  if (PLUGIN) return false;
  const why = 'Orthanc with the DICOMweb plugin not installed (apt-get install orthanc orthanc-dicomweb)';
  if (onCi(env)) throw new Error(`${why}; CI=${env.CI}: a CI run has them, so this fails instead of skipping`);
  return why;
}

export interface Orthanc {
  /** REST root, e.g. http://127.0.0.1:PORT */
  base: string;
  /** DICOMweb service root, e.g. http://127.0.0.1:PORT/dicom-web */
  dicomWeb: string;
  /** Stores these DICOM files (POST /instances); throws naming a file Orthanc refused. */
  upload(files: string[]): Promise<void>;
  /** Stores every file of a folder except those named in `except` (e.g. a DICOMDIR); the count stored. */
  uploadFolder(dir: string, except?: string[]): Promise<number>;
  /** What Orthanc printed. */
  log(): string;
  stop(): Promise<void>;
}

export async function startOrthanc(timeoutMs = 30_000): Promise<Orthanc> {
  if (!PLUGIN) throw new Error('startOrthanc: Orthanc with the DICOMweb plugin is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-orthanc-'));
  const httpPort = await freePort();
  const config = {
    Name: 'orhub-test',
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    HttpPort: httpPort,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpBindAddress: '127.0.0.1',
    Plugins: [PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  fs.writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  const child: ChildProcess = spawn('Orthanc', [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc exited early:\n${log}`);
    }
    try {
      if ((await fetch(`${base}/system`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not answer within ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const upload = async (files: string[]) => {
    for (const f of files) {
      const r = await fetch(`${base}/instances`, { method: 'POST', body: fs.readFileSync(f) });
      if (!r.ok) throw new Error(`Orthanc refused ${f}: HTTP ${r.status} ${await r.text()}`);
    }
  };
  return {
    base,
    dicomWeb: `${base}/dicom-web`,
    upload,
    async uploadFolder(d, except = []) {
      const files = fs.readdirSync(d).filter((n) => !except.includes(n));
      await upload(files.map((n) => path.join(d, n)));
      return files.length;
    },
    log: () => log,
    stop,
  };
}
