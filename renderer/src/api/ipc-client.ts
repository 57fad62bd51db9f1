import { methodNames } from '../../../electron/shared/contract';
import type { EngineEvent, Method } from '../../../electron/shared/contract';
import type { OutflowBridge } from '../../../electron/shared/bridge';
import { buildApi, toApiError, type ConnectionState, type OutflowClient } from './client';

/** The Electron transport: wraps `window.outflow` from preload. The engine is in-process, so always open. */
export function createIpcClient(bridge: OutflowBridge): OutflowClient {
  const missing = methodNames.filter((m) => typeof (bridge.api as Record<Method, unknown>)[m] !== 'function');
  if (missing.length > 0) throw new Error(`preload bridge lacks methods: ${missing.join(', ')}`);
  const methods = bridge.api as unknown as Record<Method, (input: unknown) => Promise<unknown>>;
  const api = buildApi(async (method, input) => {
    try {
      return (await methods[method](input)) as never;
    } catch (err) {
      throw toApiError(err);
    }
  });
  const open: ConnectionState = { status: 'open' };
  return {
    transport: 'ipc',
    api,
    subscribe: (listener: (event: EngineEvent) => void) => bridge.subscribe(listener),
    connection: () => open,
    onConnection: (listener) => {
      listener(open);
      return () => undefined;
    },
    reconnectNow: () => undefined,
    close: () => undefined,
  };
}
