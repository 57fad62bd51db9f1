// What preload exposes to the renderer as `window.outflow` (Electron transport). The browser
// transport offers the same shape over HTTP + WebSocket, so the renderer sees one client interface.
import type { EngineEvent, OutflowApi } from './contract';

export interface OutflowBridge {
  /** One named function per contract method, e.g. `api['rules.add'](input)`. */
  api: OutflowApi;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

declare global {
  interface Window {
    outflow?: OutflowBridge;
  }
}
