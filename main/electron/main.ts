/**
 * The Electron shell: one hardened window that loads the display the hub serves.
 * The hub runs outside Electron (plain Node, `or-hub start`), which launches this shell
 * with --display-url. Nothing here touches devices, disk or the network beyond that URL.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import path from 'node:path';

const arg = process.argv.find((a) => a.startsWith('--display-url='));
const displayUrl = arg ? arg.slice('--display-url='.length) : '';
const allowedOrigin = displayUrl ? new URL(displayUrl).origin : '';

app.enableSandbox();

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
  void win.loadURL(displayUrl);
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
});

app.on('window-all-closed', () => app.quit());
