// Preload for the sandboxed renderer: exposes `window.outflow` (OutflowBridge) and nothing else — one
// function per contract method plus `subscribe`; no raw ipcRenderer.
//
// Why the method list is written out here: a sandboxed preload gets a `require` that knows only
// 'electron', 'events', 'timers' and 'url' — a relative import (or zod, which contract.ts needs) fails
// at runtime. So this file has no runtime import except 'electron', and the list is typed
// `Record<Method, true>`: tsc rejects it when a contract method is missing or one is extra, and
// test/desktop/preload.test.ts checks the channels against `ipcChannel` from the contract.
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiErrorBody, EngineEvent, Method, OutflowApi } from './shared/contract';
import type { OutflowBridge } from './shared/bridge';
import type { IpcReply } from './desktop/ipc-reply';

const METHODS: Record<Method, true> = {
  'status.get': true,
  'live.snapshot': true,
  'live.setPaused': true,
  'overview.get': true,
  'apps.list': true,
  'apps.destinations': true,
  'apps.series': true,
  'history.query': true,
  'rules.list': true,
  'rules.add': true,
  'rules.remove': true,
  'rules.setEnabled': true,
  'rules.import': true,
  'rules.export': true,
  'alerts.list': true,
  'alerts.markSeen': true,
  'alerts.mute': true,
  'settings.get': true,
  'settings.set': true,
  'doctor.run': true,
  'cost.summary': true,
  'report.compliance': true,
  'fleet.status': true,
};

export const PRELOAD_METHODS = Object.keys(METHODS) as Method[];
/** Same strings as `ipcChannel(m)` and `IPC_EVENT_CHANNEL` in shared/contract.ts (asserted by the tests). */
export const preloadChannel = (m: Method): string => `outflow:${m}`;
export const PRELOAD_EVENT_CHANNEL = 'outflow:event';

/** The rejection value of an api call: plain data, since contextBridge strips custom properties from Errors. */
export type BridgeError = ApiErrorBody & { name: 'ApiError' };

export interface IpcRendererPort {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return !!value && typeof value === 'object' && typeof (value as ApiErrorBody).code === 'string' && typeof (value as ApiErrorBody).message === 'string';
}

function unwrap(method: Method, reply: unknown): unknown {
  if (reply && typeof reply === 'object') {
    const r = reply as IpcReply;
    if (r.ok === true) return r.result;
    if (r.ok === false && isErrorBody(r.error)) {
      const error: BridgeError = { name: 'ApiError', code: r.error.code, message: r.error.message };
      if (Array.isArray(r.error.issues)) error.issues = r.error.issues;
      throw error;
    }
  }
  const error: BridgeError = { name: 'ApiError', code: 'internal', message: `${method}: malformed reply from the main process` };
  throw error;
}

export function createBridge(ipc: IpcRendererPort): OutflowBridge {
  const api: Partial<Record<Method, (input?: unknown) => Promise<unknown>>> = {};
  for (const method of PRELOAD_METHODS) {
    const channel = preloadChannel(method);
    api[method] = async (input?: unknown) => unwrap(method, await ipc.invoke(channel, input));
  }

  // One ipcRenderer listener fans out to every subscriber (many renderer slices subscribe; one broken
  // listener must not starve the rest).
  const listeners = new Set<(event: EngineEvent) => void>();
  ipc.on(PRELOAD_EVENT_CHANNEL, (_event, payload) => {
    for (const listener of [...listeners]) {
      try {
        listener(payload as EngineEvent);
      } catch (err) {
        console.error('outflow: event listener failed', err);
      }
    }
  });

  return Object.freeze({
    api: Object.freeze(api) as OutflowApi,
    subscribe(listener: (event: EngineEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('outflow.subscribe: listener must be a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  });
}

contextBridge.exposeInMainWorld('outflow', createBridge(ipcRenderer));
