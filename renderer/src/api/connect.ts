import type { OutflowBridge } from '../../../electron/shared/bridge';
import type { OutflowClient } from './client';
import { createIpcClient } from './ipc-client';
import { takeToken } from './token';
import { createWsClient, type SocketLike } from './ws-client';

/** Pick the transport: Electron's preload bridge when present, else HTTP + WebSocket to `outflow serve`. */
export function connectClient(win: Window & { outflow?: OutflowBridge }): OutflowClient {
  if (win.outflow) return createIpcClient(win.outflow);
  const token = takeToken({ location: win.location, history: win.history, storage: win.sessionStorage });
  return createWsClient({
    origin: win.location.origin,
    token,
    openSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
    fetch: (url, init) => win.fetch(url, { ...init, credentials: 'omit', cache: 'no-store' }),
  });
}
