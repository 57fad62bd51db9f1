import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, ipcChannel, methodNames, type EngineEvent } from '../../electron/shared/contract';
import type { OutflowBridge } from '../../electron/shared/bridge';
import { status } from './fakes/fake-engine';

// The fake ipcRenderer answers invoke() with whatever the test scripted for the channel.
const ipc = vi.hoisted(() => {
  const replies = new Map<string, unknown>();
  const listeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  return {
    replies,
    listeners,
    invoked,
    exposed: [] as Array<{ key: string; api: unknown }>,
    invoke: async (channel: string, ...args: unknown[]) => {
      invoked.push({ channel, args });
      if (!replies.has(channel)) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      return replies.get(channel);
    },
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => ipc.exposed.push({ key, api }) },
  ipcRenderer: { invoke: ipc.invoke, on: ipc.on },
}));

const PRELOAD = path.resolve(__dirname, '../../electron/preload.ts');

async function loadBridge(): Promise<OutflowBridge> {
  ipc.exposed.length = 0;
  vi.resetModules();
  await import('../../electron/preload');
  expect(ipc.exposed).toHaveLength(1);
  expect(ipc.exposed[0]!.key).toBe('outflow');
  return ipc.exposed[0]!.api as OutflowBridge;
}

beforeEach(() => {
  ipc.replies.clear();
  ipc.listeners.clear();
  ipc.invoked.length = 0;
});

describe('preload bridge', () => {
  it('exposes exactly `api` (one function per contract method) and `subscribe` as window.outflow', async () => {
    const bridge = await loadBridge();
    expect(Object.keys(bridge).sort()).toEqual(['api', 'subscribe']);
    expect(Object.keys(bridge.api).sort()).toEqual([...methodNames].sort());
    for (const m of methodNames) expect(typeof (bridge.api as Record<string, unknown>)[m], m).toBe('function');
    expect(typeof bridge.subscribe).toBe('function');
    // No raw ipcRenderer, nothing else.
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipc|invoke|send/);
  });

  it('calls ipcChannel(m) with the input and unwraps { ok, result }', async () => {
    const bridge = await loadBridge();
    for (const m of methodNames) ipc.replies.set(ipcChannel(m), { ok: true, result: { method: m } });
    for (const m of methodNames) {
      const fn = (bridge.api as unknown as Record<string, (i: unknown) => Promise<unknown>>)[m]!;
      await expect(fn({ probe: m })).resolves.toEqual({ method: m });
    }
    expect(ipc.invoked.map((c) => c.channel)).toEqual(methodNames.map((m) => ipcChannel(m)));
    expect(ipc.invoked.every((c, i) => c.args.length === 1 && (c.args[0] as { probe: string }).probe === methodNames[i])).toBe(true);
  });

  it('rejects with plain ApiError data (code, message, issues survive contextBridge)', async () => {
    const bridge = await loadBridge();
    ipc.replies.set(ipcChannel('rules.add'), {
      ok: false,
      error: { code: 'invalid', message: 'rules.add: target: bad address', issues: [{ path: 'target', message: 'bad address' }] },
    });
    const err = await bridge.api['rules.add']({ target: 'nope' } as never).catch((e: unknown) => e);
    expect(err).toEqual({ name: 'ApiError', code: 'invalid', message: 'rules.add: target: bad address', issues: [{ path: 'target', message: 'bad address' }] });
    expect(err).not.toBeInstanceOf(Error);

    ipc.replies.set(ipcChannel('status.get'), { nonsense: true });
    await expect(bridge.api['status.get']({})).rejects.toEqual({ name: 'ApiError', code: 'internal', message: 'status.get: malformed reply from the main process' });
    // A transport failure (no handler) stays an Error with Electron's message.
    await expect(bridge.api['doctor.run']({})).rejects.toThrow(/No handler registered/);
  });

  it('subscribe fans events from the one event channel out to each listener until unsubscribed', async () => {
    const bridge = await loadBridge();
    expect(ipc.listeners.get(IPC_EVENT_CHANNEL)).toHaveLength(1);
    const a: EngineEvent[] = [];
    const b: EngineEvent[] = [];
    const offA = bridge.subscribe((e) => a.push(e));
    bridge.subscribe(() => {
      throw new Error('broken listener');
    });
    bridge.subscribe((e) => b.push(e));
    const event: EngineEvent = { type: 'status', data: status() };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const emit = () => ipc.listeners.get(IPC_EVENT_CHANNEL)![0]!({ sender: null }, event);
    emit();
    offA();
    emit();
    errors.mockRestore();
    expect(a).toEqual([event]);
    expect(b).toEqual([event, event]);
    expect(ipc.listeners.get(IPC_EVENT_CHANNEL)).toHaveLength(1);
    expect(() => bridge.subscribe('nope' as never)).toThrow(TypeError);
  });
});

describe('preload under the sandbox', () => {
  const compiled = ts.transpileModule(readFileSync(PRELOAD, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, isolatedModules: true },
    fileName: 'preload.ts',
  }).outputText;

  it('requires nothing at run time but electron (a sandboxed preload cannot load relative files or packages)', () => {
    const requires = [...compiled.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
  });

  it('runs inside the sandboxed-preload wrapper Electron uses and exposes the bridge', async () => {
    const exposed: Array<{ key: string; api: OutflowBridge }> = [];
    const invoked: string[] = [];
    const sandboxRequire = (id: string) => {
      if (id !== 'electron') throw new Error(`module not found: ${id}`);
      return {
        contextBridge: { exposeInMainWorld: (key: string, api: OutflowBridge) => exposed.push({ key, api }) },
        ipcRenderer: {
          invoke: async (channel: string) => {
            invoked.push(channel);
            return { ok: true, result: 'pong' };
          },
          on: () => undefined,
        },
      };
    };
    // Same parameter list as Electron's sandboxed renderer init wraps preload scripts in.
    const wrapper = vm.runInNewContext(`(function(require, process, Buffer, global, exports, module) {\n${compiled}\n})`, { console });
    const module = { exports: {} };
    wrapper(sandboxRequire, { platform: 'linux' }, undefined, {}, module.exports, module);
    expect(exposed.map((e) => e.key)).toEqual(['outflow']);
    await expect(exposed[0]!.api.api['overview.get']({})).resolves.toBe('pong');
    expect(invoked).toEqual([ipcChannel('overview.get')]);
  });

  it('uses the contract channel names', async () => {
    const mod = await import('../../electron/preload');
    expect(mod.PRELOAD_EVENT_CHANNEL).toBe(IPC_EVENT_CHANNEL);
    expect([...mod.PRELOAD_METHODS].sort()).toEqual([...methodNames].sort());
    for (const m of methodNames) expect(mod.preloadChannel(m)).toBe(ipcChannel(m));
  });
});
