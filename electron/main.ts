// Composition root of the desktop app: the real Electron modules and the real engine go in; all logic
// lives in electron/desktop/ (tested with fakes). Assigning the modules to `ElectronShape` makes tsc
// check the desktop code's view of Electron against electron.d.ts.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, session, shell, Tray } from 'electron';
import { homedir } from 'node:os';
import path from 'node:path';
import { createDefaultEngine } from './engine/default-engine';
import { runDesktop } from './desktop/desktop-app';
import type { ElectronShape, LogFn } from './desktop/electron-shape';

const electron: ElectronShape = { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, session, shell, Tray };

const log: LogFn = (level, message) => {
  const line = `[outflow] ${message}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

runDesktop({
  electron,
  platform: process.platform,
  argv: process.argv,
  env: process.env,
  execPath: process.execPath,
  home: homedir(),
  preloadPath: path.join(__dirname, 'preload.js'),
  abi: process.versions.modules,
  createEngine: createDefaultEngine,
  log,
}).catch((err: unknown) => {
  log('error', `desktop start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  app.exit(1);
});
