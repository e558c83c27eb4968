/**
 * Preload (sandboxed; bundled to dist/electron/preload.cjs because sandboxed preloads can only
 * `require('electron')`). Exposes exactly `window.headroom = { call, on }`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadBridge } from './bridge';

contextBridge.exposeInMainWorld('headroom', createPreloadBridge(ipcRenderer));
