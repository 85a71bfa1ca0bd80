/**
 * The Electron shell: one hardened window that loads the display the hub serves.
 * The hub runs outside Electron (plain Node, `or-hub start`), which launches this shell
 * with --display-url. Nothing here touches devices, disk or the network beyond that URL.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { decideCompositing, findingFromGpu, parseFinding, type GpuFinding } from './gpu-policy';
import { LoadRetry } from './load-retry';

const arg = process.argv.find((a) => a.startsWith('--display-url='));
const displayUrl = arg ? arg.slice('--display-url='.length) : '';
const allowedOrigin = displayUrl ? new URL(displayUrl).origin : '';

app.enableSandbox();

// Software compositing where there is no hardware GPU (gpu-policy.ts says why). Switches only
// work before ready; what this start finds is remembered for the next one.
const GPU_FINDING_FILE = 'gpu-finding.json';

function findingPath(): string | null {
  try {
    return path.join(app.getPath('userData'), GPU_FINDING_FILE);
  } catch {
    return null;
  }
}

function readFinding(): GpuFinding | null {
  const p = findingPath();
  if (!p) return null;
  try {
    const st = fs.statSync(p);
    return st.isFile() && st.size <= 4096 ? parseFinding(fs.readFileSync(p, 'utf8')) : null;
  } catch {
    return null;
  }
}

/** Linux: a DRM render node or an NVIDIA device exists; null on other platforms. */
function hasGpuDeviceNode(): boolean | null {
  if (process.platform !== 'linux') return null;
  try {
    return fs.existsSync('/dev/nvidia0') || fs.readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

const compositing = decideCompositing({ env: process.env.ORHUB_GPU_COMPOSITING, remembered: readFinding(), hardwareGpuNode: hasGpuDeviceNode() });
if (compositing.software) app.commandLine.appendSwitch('disable-gpu-compositing');
console.log(`or-hub shell: ${compositing.software ? 'software' : 'GPU'} compositing (${compositing.why})`);

/** After ready: records which GL Chromium uses, for the next start's decision. Never throws. */
async function rememberGpu(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([app.getGPUInfo('complete'), new Promise<null>((r) => (timer = setTimeout(() => r(null), 10000)))]);
    const finding = findingFromGpu(app.getGPUFeatureStatus(), info, compositing.software);
    const p = findingPath();
    if (!finding || !p) return;
    if (finding.softwareGl && !compositing.software) {
      console.warn(
        `or-hub shell: Chromium composites with a software GL (${finding.renderer}); the next start ` +
          `composites in software (ORHUB_GPU_COMPOSITING=gpu keeps GPU compositing)`,
      );
    }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, JSON.stringify(finding), { mode: 0o600 });
  } catch {
    // Only an optimisation for the next start.
  } finally {
    clearTimeout(timer);
  }
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1920,
    height: 1080,
    backgroundColor: '#000000',
    title: 'OR Hub',
    autoHideMenuBar: true,
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  // Navigation stays on the hub's origin; new windows never open (links go to the system browser only if https).
  win.webContents.on('will-navigate', (e, url) => {
    if (new URL(url).origin !== allowedOrigin) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  // The hub may be down (restarting) when the window loads: try again with backoff, never a reload loop.
  const retry = new LoadRetry({
    load: () => void win.loadURL(displayUrl).catch(() => undefined),
    setTimer: setTimeout,
    clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
    log: console.warn,
  });
  win.webContents.on('did-fail-load', (_e, code, description, _url, isMainFrame) => {
    if (isMainFrame) retry.failed(code, description);
  });
  win.webContents.on('did-finish-load', () => retry.loaded());
  win.webContents.on('render-process-gone', (_e, d) => retry.gone(d.reason));
  win.on('closed', () => retry.stop());
  void win.loadURL(displayUrl).catch(() => undefined);
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

// IPC allow-list: only the folder picker for DICOM loading.
ipcMain.handle('or-hub:pick-dicom-folder', async (e) => {
  if (new URL(e.senderFrame?.url ?? 'about:blank').origin !== allowedOrigin) return null;
  const r = await dialog.showOpenDialog({ title: 'Open DICOM series', properties: ['openDirectory'] });
  return r.canceled ? null : r.filePaths[0];
});

app.whenReady().then(() => {
  // Deny every permission request (camera, notifications, ...): the display needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  if (!displayUrl) {
    dialog.showErrorBox('OR Hub', 'Start OR Hub with "or-hub start": the shell needs --display-url.');
    app.quit();
    return;
  }
  createWindow();
  void rememberGpu();
});

app.on('window-all-closed', () => app.quit());
