// The desktop app's lifecycle, with Electron injected: single-instance lock, privileged scheme, hardening,
// engine, IPC, window, tray, notifications, settings-driven close-to-tray and start-at-login, and an
// orderly engine.stop() before the process exits. main.ts passes the real modules; tests pass fakes.
import { existsSync } from 'node:fs';
import type { DefaultEngineOptions } from '../engine/default-engine';
import type { EngineHandle } from '../engine/ports';
import { defaultSettings, type Settings } from '../shared/settings';
import { routes } from './app-origin';
import { registerAppScheme, serveApp } from './app-protocol';
import { desktopPaths, type DesktopPaths } from './app-paths';
import type { ElectronShape, LogFn, NativeImageLike } from './electron-shape';
import { forwardEngineEvents } from './event-forwarding';
import { openExternalSafely } from './external-links';
import { createIpcDispatcher, registerIpcHandlers } from './ipc-dispatch';
import { isTrustedSender } from './ipc-sender';
import { autostartDir } from './linux-autostart';
import { applyStartAtLogin, startedHidden } from './login-item';
import { createMainWindowController, type MainWindowController } from './main-window';
import { createElectronNotifier, type ElectronNotifier } from './notifier';
import { acquireSingleInstance } from './single-instance';
import { createTrayController, type TrayController } from './tray';
import { loadAppIcon, loadTrayIcons } from './tray-icons';
import { createTrayState, type TrayState } from './tray-state';
import { hardenSession, hardenWebContents } from './web-hardening';
import { mainWindowOptions } from './window-options';

export const APP_USER_MODEL_ID = 'org.outflow.app';

export interface DesktopOptions {
  electron: ElectronShape;
  platform: NodeJS.Platform;
  argv: string[];
  env: NodeJS.ProcessEnv;
  execPath: string;
  home: string;
  /** Absolute path of the compiled preload script. */
  preloadPath: string;
  /** process.versions.modules of the running Electron, to find the matching better-sqlite3 build. */
  abi: string;
  createEngine(options: DefaultEngineOptions): Promise<EngineHandle>;
  log: LogFn;
  exists?(file: string): boolean;
  /** How long quitting waits for engine.stop() before exiting anyway. */
  stopTimeoutMs?: number;
}

export interface DesktopRuntime {
  engine: EngineHandle;
  paths: DesktopPaths;
  windows: MainWindowController;
  notifier: ElectronNotifier;
  tray: TrayController | null;
  trayState: TrayState;
  settings(): Settings;
  /** Resolves once everything is torn down (after the app's quit sequence). */
  stopped: Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runDesktop(o: DesktopOptions): Promise<DesktopRuntime | null> {
  const { app, protocol, shell, dialog, ipcMain, Notification, nativeImage } = o.electron;
  const log = o.log;
  let windows: MainWindowController | null = null;
  let showOnReady = false;

  if (
    !acquireSingleInstance(app, () => {
      if (windows) windows.show();
      else showOnReady = true;
    })
  ) {
    log('info', 'another Outflow is running; handed over to it');
    return null;
  }

  registerAppScheme(protocol);
  const openExternal = (url: string): void => {
    openExternalSafely(shell, url, (m) => log('warn', m));
  };
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { openExternal, log: (m) => log('warn', m) }));

  let quitting = false;
  app.on('before-quit', () => {
    quitting = true;
  });

  await app.whenReady();

  const paths = desktopPaths({ appPath: app.getAppPath(), userData: app.getPath('userData'), abi: o.abi, exists: o.exists ?? existsSync });
  hardenSession(o.electron.session.defaultSession, (m) => log('warn', m));
  serveApp(protocol, paths.rendererDir);
  if (o.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  let appIcon: NativeImageLike | undefined;
  try {
    appIcon = loadAppIcon(nativeImage, paths.assetsDir);
  } catch (err) {
    log('warn', `app icon not loaded: ${String(err)}`);
  }

  const notifier = createElectronNotifier({
    Notification,
    platform: o.platform,
    ...(appIcon ? { icon: appIcon } : {}),
    onActivate: (route) => windows?.show(route),
    log,
  });

  if (paths.sqliteNativeBinding === null) {
    log('warn', `no better-sqlite3 build for Electron ABI ${o.abi} under ${paths.appRoot}/native; run scripts/build-electron-native.js`);
  }

  let engine: EngineHandle;
  try {
    engine = await o.createEngine({
      dbPath: paths.dbPath,
      notifier,
      version: app.getVersion(),
      ...(paths.sqliteNativeBinding ? { sqliteNativeBinding: paths.sqliteNativeBinding } : {}),
      log,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log('error', `engine failed to start: ${message}`);
    dialog.showErrorBox('Outflow cannot start', message);
    app.exit(1);
    return null;
  }

  let settings: Settings = defaultSettings;
  let tray: TrayController | null = null;

  const win = createMainWindowController({
    BrowserWindow: o.electron.BrowserWindow,
    options: () => mainWindowOptions({ preload: o.preloadPath, devTools: !app.isPackaged, ...(appIcon ? { icon: appIcon } : {}) }),
    hideOnClose: () => !quitting && settings.closeToTray && tray !== null,
    onHidden: () => trayState.refreshSoon(),
    log,
  });
  windows = win;

  const unregisterIpc = registerIpcHandlers(
    ipcMain,
    createIpcDispatcher({ engine, isTrustedSender: (event) => isTrustedSender(event, win.current()), log }),
  );
  const unforward = forwardEngineEvents(engine, () => win.current());

  const trayState = createTrayState({ engine, onChange: (model) => tray?.update(model), log });
  try {
    tray = createTrayController(trayState.model, {
      Tray: o.electron.Tray,
      Menu: o.electron.Menu,
      icons: loadTrayIcons(nativeImage, paths.assetsDir, o.platform),
      platform: o.platform,
      log,
      actions: {
        open: () => win.show(),
        setPaused: (paused) => {
          engine.call('live.setPaused', { paused }).catch((err: unknown) => log('warn', `pause failed: ${String(err)}`));
        },
        openAlert: (id) => win.show(routes.alert(id)),
        openAlerts: () => win.show(routes.alerts),
        quit: () => app.quit(),
      },
    });
  } catch (err) {
    log('warn', `no tray icon (close-to-tray disabled): ${String(err)}`);
  }

  const loginDeps = { platform: o.platform, app, execPath: o.execPath, env: o.env, autostartDir: autostartDir(o.env, o.home) };
  const applyLogin = (enabled: boolean): void => {
    try {
      applyStartAtLogin(enabled, loginDeps);
    } catch (err) {
      log('warn', `start at login not updated: ${String(err)}`);
    }
  };
  const unsubscribe = engine.subscribe(
    (event) => {
      if (event.type === 'alert') notifier.notify(event.data);
      if (event.type === 'settings') {
        const before = settings;
        settings = event.data;
        if (before.startAtLogin !== settings.startAtLogin) applyLogin(settings.startAtLogin);
      }
    },
    (type) => type === 'alert' || type === 'settings',
  );
  try {
    settings = await engine.call('settings.get', {});
  } catch (err) {
    log('warn', `settings not read, using defaults: ${String(err)}`);
  }
  applyLogin(settings.startAtLogin);

  app.on('window-all-closed', () => {
    // Reached only when the window really closed (close-to-tray off, or no tray): then closing means quitting.
    if (!(settings.closeToTray && tray !== null)) app.quit();
  });
  app.on('activate', () => win.show());

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | null = null;
  let stoppedFlag = false;
  const shutdown = async (): Promise<void> => {
    trayState.dispose();
    tray?.destroy();
    unsubscribe();
    unforward();
    unregisterIpc();
    notifier.dispose();
    const result = await withTimeout(
      engine.stop().catch((err: unknown) => log('error', `engine.stop failed: ${String(err)}`)),
      o.stopTimeoutMs ?? 5000,
    );
    if (result === 'timeout') log('warn', 'engine.stop did not finish in time; exiting anyway');
  };
  app.on('will-quit', (event) => {
    if (stoppedFlag) return;
    event.preventDefault();
    if (stopping) return;
    stopping = shutdown().finally(() => {
      stoppedFlag = true;
      resolveStopped();
      app.quit();
    });
  });

  if (!startedHidden(o.argv) || showOnReady) win.show();

  try {
    await engine.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log('error', `engine start failed: ${message}`);
    dialog.showErrorBox('Outflow could not start monitoring', message);
  }
  await trayState.start();

  return { engine, paths, windows: win, notifier, tray, trayState, settings: () => settings, stopped };
}
