// main.ts itself: with 'electron' and the engine factory mocked, importing it must run the whole
// desktop start-up against the real module wiring (the same object main.ts builds from electron).
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ipcChannel, methodNames } from '../../electron/shared/contract';
import { FakeBrowserWindow, createFakeElectron } from './fakes/fake-electron';

const h = vi.hoisted(() => ({ electron: null as unknown as ReturnType<typeof createFakeElectron>, engineOptions: [] as unknown[] }));

vi.mock('electron', async () => {
  const { createFakeElectron: make } = await import('./fakes/fake-electron');
  h.electron = make({ userData: '/tmp/outflow-main-glue', appPath: path.resolve(__dirname, '../..') });
  return h.electron;
});
vi.mock('../../electron/engine/default-engine', async () => {
  const { scriptedEngine: make } = await import('./fakes/fake-engine');
  return {
    createDefaultEngine: async (o: unknown) => {
      h.engineOptions.push(o);
      return make();
    },
  };
});

describe('electron/main.ts', () => {
  it('starts the desktop app with the real wiring', async () => {
    await import('../../electron/main');
    expect(h.electron.protocol.privileged.map((p) => p.scheme)).toEqual(['app']);
    h.electron.app.becomeReady();
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
    expect([...h.electron.ipcMain.handlers.keys()].sort()).toEqual(methodNames.map(ipcChannel).sort());
    const win = FakeBrowserWindow.instances[0]!;
    // Preload is loaded from next to the compiled main (dist/electron/preload.js at run time).
    expect(win.options.webPreferences?.preload).toBe(path.resolve(__dirname, '../../electron/preload.js'));
    expect(h.engineOptions).toHaveLength(1);
    expect(h.engineOptions[0]).toMatchObject({ dbPath: '/tmp/outflow-main-glue/outflow.db', version: '0.1.0' });
  });
});
