/**
 * Preload: the whole API the display gets from Electron. Context-isolated; one allow-listed IPC channel.
 */
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('orHubDesktop', {
  isDesktop: true,
  /** Opens the native folder dialog; resolves to the chosen path or null. */
  pickDicomFolder: (): Promise<string | null> => ipcRenderer.invoke('or-hub:pick-dicom-folder'),
});
