import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, ipcChannel, methodNames } from '../../electron/shared/contract';
import { defaultSettings } from '../../electron/shared/settings';
import { runDesktop, type DesktopOptions, type DesktopRuntime } from '../../electron/desktop/desktop-app';
import { AUTOSTART_FILE } from '../../electron/desktop/linux-autostart';
import type { DefaultEngineOptions } from '../../electron/engine/default-engine';
import { FakeBrowserWindow, FakeNotification, FakeTray, FakeWebContents, createFakeElectron, invokeEvent, type FakeElectron } from './fakes/fake-electron';
import { FakeEngine, alert, live, rule, scriptedEngine, status } from './fakes/fake-engine';

const REPO = path.resolve(__dirname, '../..');
let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'outflow-desktop-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

interface Started {
  electron: FakeElectron;
  engine: FakeEngine;
  runtime: DesktopRuntime | null;
  engineOptions: DefaultEngineOptions[];
  logs: string[];
}

async function start(opts: { engine?: FakeEngine; argv?: string[]; lock?: boolean; packaged?: boolean; platform?: NodeJS.Platform; createEngine?: DesktopOptions['createEngine']; stopTimeoutMs?: number } = {}): Promise<Started> {
  // The app root is this checkout: assets/ holds the committed icons the shell loads.
  const electron = createFakeElectron({ userData: path.join(home, 'userData'), appPath: REPO });
  electron.app.lockAvailable = opts.lock ?? true;
  electron.app.isPackaged = opts.packaged ?? false;
  const engine = opts.engine ?? scriptedEngine();
  const engineOptions: DefaultEngineOptions[] = [];
  const logs: string[] = [];
  const running = runDesktop({
    electron,
    platform: opts.platform ?? 'linux',
    argv: opts.argv ?? ['/opt/Outflow/outflow'],
    env: { XDG_CONFIG_HOME: path.join(home, 'config') },
    execPath: '/opt/Outflow/outflow',
    home,
    preloadPath: path.join(REPO, 'dist/electron/preload.js'),
    abi: '150',
    createEngine:
      opts.createEngine ??
      (async (o) => {
        engineOptions.push(o);
        return engine;
      }),
    log: (level, message) => logs.push(`${level}: ${message}`),
    exists: (f) => f.endsWith(path.join('native', 'electron-150', 'better_sqlite3.node')),
    ...(opts.stopTimeoutMs ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
  });
  // Scheme privileges must be registered before ready: the fake throws otherwise.
  await Promise.resolve();
  electron.app.becomeReady();
  const runtime = await running;
  return { electron, engine, runtime, engineOptions, logs };
}

const window = () => FakeBrowserWindow.instances.at(-1)!;

describe('desktop start-up', () => {
  it('wires scheme, hardening, engine, IPC, window and tray', async () => {
    const { electron, engine, runtime, engineOptions } = await start();
    expect(runtime).not.toBeNull();
    expect(electron.protocol.privileged.map((p) => p.scheme)).toEqual(['app']);
    expect(electron.protocol.handlers.has('app')).toBe(true);
    expect(electron.session.defaultSession.requestHandler).not.toBeNull();
    expect(electron.session.defaultSession.checkHandler!(null, 'media')).toBe(false);
    expect(electron.session.defaultSession.request('https://evil.example/')).toBe('cancelled');
    expect(electron.app.listenerCount('web-contents-created')).toBe(1);

    expect(engineOptions).toHaveLength(1);
    expect(engineOptions[0]).toMatchObject({
      dbPath: path.join(home, 'userData', 'outflow.db'),
      version: '0.1.0',
      sqliteNativeBinding: path.join(REPO, 'native', 'electron-150', 'better_sqlite3.node'),
    });
    expect(typeof engineOptions[0]!.notifier.notify).toBe('function');
    expect(engine.started).toBe(1);

    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(methodNames.map(ipcChannel).sort());

    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = window();
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(REPO, 'dist/electron/preload.js'), devTools: true });
    expect(win.loaded).toEqual(['app://outflow/index.html']);
    expect(win.visible).toBe(false);
    win.ready();
    expect(win.visible).toBe(true);

    // A web contents created later (this window, devtools, anything) is hardened too.
    const contents = new FakeWebContents();
    electron.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.tryNavigate('will-navigate', 'https://evil.example/')).toBe(true);

    expect(FakeTray.instances).toHaveLength(1);
    expect(runtime!.tray!.state).toBe('normal');
  });

  it('answers IPC from its own window and forwards engine events to it', async () => {
    const { electron, engine } = await start();
    const win = window();
    await expect(electron.ipcMain.invoke(ipcChannel('settings.get'), invokeEvent(win.webContents), {})).resolves.toEqual({ ok: true, result: defaultSettings });
    const stranger = new FakeWebContents();
    await expect(electron.ipcMain.invoke(ipcChannel('settings.get'), invokeEvent(stranger), {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const event = { type: 'live' as const, data: live([10]) };
    engine.emit(event);
    expect(win.webContents.sent).toContainEqual({ channel: IPC_EVENT_CHANNEL, args: [event] });
  });

  it('tray state follows engine status and alerts', async () => {
    const engine = scriptedEngine({ rules: [rule(1)] });
    const { runtime } = await start({ engine });
    const tray = FakeTray.instances[0]!;
    engine.emit({ type: 'status', data: status({ state: 'not-enforcing', reason: 'no nft' }) });
    expect(runtime!.tray!.state).toBe('not-enforcing');
    expect(tray.tooltip).toContain('Firewall not enforcing: no nft');
    engine.emit({ type: 'status', data: status() });
    engine.raise(alert(5));
    expect(runtime!.tray!.state).toBe('alert');
    engine.emit({ type: 'live', data: live([4000]) });
    expect(tray.tooltip.split('\n')[0]).toBe('Outflow — ↑ 4.00 kB/s');
    tray.item('Pause monitoring').click!();
    await new Promise((r) => setTimeout(r, 0));
    expect(engine.callsOf('live.setPaused')).toEqual([{ paused: true }]);
  });

  it('notification click opens the window at the alert', async () => {
    const { engine } = await start({ argv: ['/opt/Outflow/outflow', '--hidden'] });
    expect(FakeBrowserWindow.instances).toHaveLength(0); // started at login: tray only
    engine.raise(alert(12));
    expect(FakeNotification.instances).toHaveLength(1);
    FakeNotification.instances[0]!.click();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = window();
    expect(win.loaded).toEqual(['app://outflow/index.html#/alerts?id=12']);
    win.ready();
    expect(win.visible).toBe(true);
    // A second alert while the window is open: same window, hash route change.
    engine.raise(alert(13));
    win.minimized = true;
    FakeNotification.instances[1]!.click();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.loaded.at(-1)).toBe('app://outflow/index.html#/alerts?id=13');
    expect(win.minimized).toBe(false);
    expect(win.focused).toBeGreaterThan(1);
  });

  it('close hides to the tray per setting, and really closes when the setting is off', async () => {
    const { electron, engine } = await start();
    const win = window();
    win.ready();
    expect(win.close()).toBe(false);
    expect(win.visible).toBe(false);
    expect(electron.app.quitCalls).toBe(0);
    FakeTray.instances[0]!.item('Open Outflow').click!();
    expect(win.visible).toBe(true);
    engine.emit({ type: 'settings', data: { ...defaultSettings, closeToTray: false } });
    expect(win.close()).toBe(true);
    electron.app.emit('window-all-closed');
    expect(electron.app.quitCalls).toBe(1);
  });

  it('quitting stops the engine first, once, then lets the app exit', async () => {
    const engine = scriptedEngine();
    engine.stopDelayMs = 20;
    const { electron, runtime } = await start({ engine });
    const win = window();
    electron.app.quit();
    expect(electron.app.quitted).toBe(false); // held until engine.stop() resolves
    electron.app.quit();
    await runtime!.stopped;
    expect(engine.stopped).toBe(1);
    expect(electron.app.quitted).toBe(true);
    expect(FakeTray.instances[0]!.destroyed).toBe(true);
    expect(electron.ipcMain.handlers.size).toBe(0);
    // During quit the window closes for real (no close-to-tray).
    expect(win.close()).toBe(true);
    engine.emit({ type: 'live', data: live([1]) });
    expect(win.webContents.sent).toHaveLength(0);
  });

  it('exits anyway when engine.stop hangs', async () => {
    const engine = scriptedEngine();
    engine.stop = () => new Promise<void>(() => undefined);
    const { electron, runtime, logs } = await start({ engine, stopTimeoutMs: 30 });
    electron.app.quit();
    await runtime!.stopped;
    expect(electron.app.quitted).toBe(true);
    expect(logs.some((l) => l.includes('did not finish in time'))).toBe(true);
  });

  it('says why and exits when the engine cannot be built', async () => {
    const { electron, runtime } = await start({
      createEngine: async () => {
        throw new Error('database disk image is malformed');
      },
    });
    expect(runtime).toBeNull();
    expect(electron.dialog.errors).toEqual([{ title: 'Outflow cannot start', content: 'database disk image is malformed' }]);
    expect(electron.app.exitCode).toBe(1);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('keeps running and says so when monitoring fails to start', async () => {
    const engine = scriptedEngine();
    engine.startError = new Error('ss not found');
    const { electron, runtime } = await start({ engine });
    expect(runtime).not.toBeNull();
    expect(electron.dialog.errors).toEqual([{ title: 'Outflow could not start monitoring', content: 'ss not found' }]);
  });
});

describe('single instance', () => {
  it('a second instance hands over and exits before creating anything', async () => {
    let created = 0;
    const { electron, runtime } = await start({
      lock: false,
      createEngine: async () => {
        created += 1;
        return scriptedEngine();
      },
    });
    expect(runtime).toBeNull();
    expect(electron.app.quitCalls).toBe(1);
    expect(created).toBe(0);
    expect(electron.protocol.privileged).toHaveLength(0);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('the first instance shows and focuses its window when a second one starts', async () => {
    const { electron } = await start({ argv: ['/opt/Outflow/outflow', '--hidden'] });
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    electron.app.emit('second-instance', {}, ['/opt/Outflow/outflow']);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = window();
    win.ready();
    win.hide();
    win.minimized = true;
    electron.app.emit('second-instance', {}, ['/opt/Outflow/outflow']);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win).toMatchObject({ visible: true, minimized: false });
  });
});

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry as the setting changes', async () => {
    const { engine } = await start({ packaged: true, engine: scriptedEngine({ settings: { startAtLogin: true } }) });
    const file = path.join(home, 'config', 'autostart', AUTOSTART_FILE);
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Outflow/outflow --hidden\n');
    expect(window().options.webPreferences?.devTools).toBe(false);
    engine.emit({ type: 'settings', data: { ...defaultSettings, startAtLogin: false } });
    expect(existsSync(file)).toBe(false);
    engine.emit({ type: 'settings', data: { ...defaultSettings, startAtLogin: true } });
    expect(existsSync(file)).toBe(true);
  });

  it('macOS and Windows: login item settings with --hidden', async () => {
    const { electron, engine } = await start({ platform: 'win32' });
    expect(electron.app.loginItems).toEqual([{ openAtLogin: false, args: ['--hidden'] }]);
    expect(electron.app.userModelId).toBe('org.outflow.app');
    engine.emit({ type: 'settings', data: { ...defaultSettings, startAtLogin: true } });
    expect(electron.app.loginItems.at(-1)).toEqual({ openAtLogin: true, args: ['--hidden'] });
  });
});
