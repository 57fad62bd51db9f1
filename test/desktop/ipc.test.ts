import { describe, expect, it } from 'vitest';
import { ApiError, IPC_EVENT_CHANNEL, ipcChannel, methodNames } from '../../electron/shared/contract';
import { MAX_BODY_BYTES } from '../../electron/shared/wire';
import { contractChannels, createIpcDispatcher, registerIpcHandlers, toErrorBody } from '../../electron/desktop/ipc-dispatch';
import { checkIpcPayload } from '../../electron/desktop/ipc-payload';
import { isTrustedSender } from '../../electron/desktop/ipc-sender';
import type { IpcReply } from '../../electron/desktop/ipc-reply';
import { FakeBrowserWindow, FakeFrame, FakeIpcMain, FakeWebContents, invokeEvent } from './fakes/fake-electron';
import { FakeEngine, scriptedEngine } from './fakes/fake-engine';

function setup(engine: FakeEngine = scriptedEngine()) {
  const ipcMain = new FakeIpcMain();
  const win = new FakeBrowserWindow({});
  win.webContents.mainFrame.url = 'app://outflow/index.html#/live';
  const logs: string[] = [];
  const dispatcher = createIpcDispatcher({
    engine,
    isTrustedSender: (event) => isTrustedSender(event, win),
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  const unregister = registerIpcHandlers(ipcMain, dispatcher);
  const own = invokeEvent(win.webContents);
  const call = (method: string, ...args: unknown[]) => ipcMain.invoke(`outflow:${method}`, own, ...args) as Promise<IpcReply>;
  return { ipcMain, win, engine, logs, dispatcher, unregister, own, call };
}

describe('IPC registration', () => {
  it('registers exactly one handler per contract method, on ipcChannel(m), and can remove them', () => {
    const { ipcMain, unregister } = setup();
    const expected = methodNames.map((m) => ipcChannel(m)).sort();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(expected);
    expect(contractChannels().sort()).toEqual(expected);
    expect(ipcMain.handlers.has(IPC_EVENT_CHANNEL)).toBe(false);
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('routes a trusted call to engine.call with the schema-parsed input and wraps the result', async () => {
    const { call, engine } = setup();
    await expect(call('rules.remove', { id: 7 })).resolves.toEqual({ ok: true, result: { removed: true } });
    expect(engine.callsOf('rules.remove')).toEqual([{ id: 7 }]);
    // Defaults from the schema are applied before the engine sees the input.
    await call('alerts.list', { unseenOnly: true });
    expect(engine.callsOf('alerts.list')).toEqual([{ unseenOnly: true, limit: 500 }]);
  });

  it('every method validates its input against the contract (unknown keys refused, engine untouched)', async () => {
    const { call, engine } = setup();
    for (const method of methodNames) {
      const reply = await call(method, { definitelyNotAField: 1 });
      expect(reply, method).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    expect(engine.calls).toHaveLength(0);
  });

  it('answers a no-input method called without an argument', async () => {
    const { call } = setup();
    await expect(call('settings.get')).resolves.toMatchObject({ ok: true, result: { closeToTray: true } });
  });
});

describe('forged payloads', () => {
  it('refuses an unknown channel: no handler is registered, and the dispatcher answers not-found', async () => {
    const { ipcMain, dispatcher, own, engine } = setup();
    await expect(ipcMain.invoke('outflow:engine.eval', own, {})).rejects.toThrow(/No handler registered/);
    await expect(ipcMain.invoke('outflow:event', own, {})).rejects.toThrow(/No handler registered/);
    await expect(dispatcher.handle('outflow:engine.eval', own, [{}])).resolves.toEqual({
      ok: false,
      error: { code: 'not-found', message: 'unknown IPC channel "outflow:engine.eval"' },
    });
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses wrong types with the schema issue path', async () => {
    const { call, engine } = setup();
    const reply = await call('live.setPaused', { paused: 'yes' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('invalid');
    expect(reply.error.issues?.[0]?.path).toBe('paused');
    await expect(call('rules.remove', { id: -1 })).resolves.toMatchObject({ ok: false, error: { code: 'invalid' } });
    await expect(call('rules.remove', '7')).resolves.toMatchObject({ ok: false, error: { code: 'invalid' } });
    await expect(call('rules.remove', [7])).resolves.toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses __proto__, constructor and prototype keys at any depth, without polluting anything', async () => {
    const { call, engine } = setup();
    const top = JSON.parse('{"__proto__": {"polluted": true}, "paused": true}');
    const nested = JSON.parse('{"rules": [{"target": "198.18.0.1", "constructor": {"prototype": {"polluted": true}}}]}');
    for (const [method, payload] of [
      ['live.setPaused', top],
      ['rules.import', nested],
    ] as const) {
      const reply = await call(method, payload);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid' } });
      if (!reply.ok) expect(reply.error.message).toMatch(/forbidden key/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses payloads over the size limit, by string length and by JSON size', async () => {
    const { call, engine } = setup();
    const bigString = { rules: [{ target: 'a'.repeat(MAX_BODY_BYTES + 1) }] };
    const manySmall = { ids: Array.from({ length: 300_000 }, (_, i) => i + 1) };
    for (const [method, payload] of [
      ['rules.import', bigString],
      ['alerts.markSeen', manySmall],
    ] as const) {
      const reply = await call(method, payload);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid' } });
      if (!reply.ok) expect(reply.error.message).toMatch(/larger than 1048576 bytes/);
    }
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses non-JSON values that structured clone can carry, and too many arguments', async () => {
    const { call } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const deep = JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`);
    for (const payload of [new Map([['paused', true]]), { paused: new Date() }, { paused: Number.NaN }, { x: 1n }, deep, cyclic, new Uint8Array(4)]) {
      await expect(call('live.setPaused', payload)).resolves.toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    await expect(call('live.setPaused', { paused: true }, { extra: 1 })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid', message: 'live.setPaused: expected one argument, got 2' },
    });
  });

  it('checkIpcPayload accepts ordinary inputs', () => {
    expect(checkIpcPayload(undefined)).toBeNull();
    expect(checkIpcPayload({})).toBeNull();
    expect(checkIpcPayload({ since: 1, q: 'ü€', rules: [{ target: '2001:db8::/32', proto: null }] })).toBeNull();
    expect(checkIpcPayload(Object.assign(Object.create(null), { a: 1 }))).toBeNull();
  });
});

describe('errors come back as ApiErrorBody, never thrown raw', () => {
  it('maps ApiError, plain errors and odd throwables', async () => {
    const engine = scriptedEngine();
    engine.script['rules.list'] = () => {
      throw new ApiError('conflict', 'rule set is being replaced');
    };
    engine.script['doctor.run'] = () => {
      throw new Error('database is locked');
    };
    engine.script['overview.get'] = () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 42;
    };
    const { call, logs } = setup(engine);
    await expect(call('rules.list', {})).resolves.toEqual({ ok: false, error: { code: 'conflict', message: 'rule set is being replaced' } });
    await expect(call('doctor.run', {})).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'database is locked' } });
    await expect(call('overview.get', {})).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(logs.filter((l) => l.startsWith('error:'))).toHaveLength(2);
    expect(toErrorBody({ code: 'ENOENT', message: 'x' })).toEqual({ code: 'internal', message: 'x' });
  });
});

describe('sender check', () => {
  it('accepts only the top frame of our window showing app://outflow', () => {
    const win = new FakeBrowserWindow({});
    win.webContents.mainFrame.url = 'app://outflow/index.html#/rules';
    expect(isTrustedSender(invokeEvent(win.webContents), win)).toBe(true);
  });

  it('rejects a frame of another window, an iframe, other URLs, a missing or detached frame, a dead window', () => {
    const win = new FakeBrowserWindow({});
    win.webContents.mainFrame.url = 'app://outflow/index.html';
    const other = new FakeWebContents('app://outflow/index.html');
    expect(isTrustedSender(invokeEvent(other), win)).toBe(false);
    const iframe = new FakeFrame('app://outflow/index.html', win.webContents.mainFrame);
    expect(isTrustedSender(invokeEvent(win.webContents, iframe), win)).toBe(false);
    for (const url of [
      'https://evil.example/',
      'app://evil/index.html',
      'app://outflow:8080/index.html',
      'app://user@outflow/index.html',
      'file:///work/main/dist/renderer/index.html',
      'http://127.0.0.1:3000/',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
    ]) {
      expect(isTrustedSender(invokeEvent(win.webContents, new FakeFrame(url)), win), url).toBe(false);
    }
    expect(isTrustedSender(invokeEvent(win.webContents, null), win)).toBe(false);
    const detached = new FakeFrame('app://outflow/index.html');
    detached.detached = true;
    expect(isTrustedSender(invokeEvent(win.webContents, detached), win)).toBe(false);
    expect(isTrustedSender(invokeEvent(win.webContents), null)).toBe(false);
    win.destroyed = true;
    expect(isTrustedSender(invokeEvent(win.webContents), win)).toBe(false);
  });

  it('the registered handlers refuse untrusted senders with unauthorized and never reach the engine', async () => {
    const { ipcMain, engine, win, logs } = setup();
    const foreign = new FakeWebContents('app://outflow/index.html');
    await expect(ipcMain.invoke('outflow:settings.get', invokeEvent(foreign), {})).resolves.toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'IPC from an unexpected frame was refused' },
    });
    win.webContents.mainFrame.url = 'https://evil.example/';
    await expect(ipcMain.invoke('outflow:settings.get', invokeEvent(win.webContents), {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(engine.calls).toHaveLength(0);
    expect(logs.some((l) => l.includes('https://evil.example/'))).toBe(true);
  });
});
