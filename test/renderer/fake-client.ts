// An in-memory OutflowClient for view and store tests: real buildApi (so inputs are validated
// against the contract), handlers supplied per test, every call recorded.
import type { Method, MethodInput, MethodResults } from '../../electron/shared/contract';
import type { EngineEvent } from '../../electron/shared/contract';
import { buildApi, Listeners, type ConnectionState, type OutflowClient } from '../../renderer/src/api/client';

export type Handlers = { [M in Method]?: (input: MethodInput<M>) => MethodResults[M] | Promise<MethodResults[M]> };

export interface FakeClient extends OutflowClient {
  calls: { method: Method; input: unknown }[];
  emit(event: EngineEvent): void;
  setConnection(state: ConnectionState): void;
}

export function createFakeClient(handlers: Handlers): FakeClient {
  const calls: { method: Method; input: unknown }[] = [];
  const events = new Listeners<EngineEvent>();
  const conn = new Listeners<ConnectionState>();
  let state: ConnectionState = { status: 'open' };
  const api = buildApi(async (method, input) => {
    calls.push({ method, input });
    const h = handlers[method] as ((i: unknown) => unknown) | undefined;
    if (!h) throw new Error(`fake client: no handler for ${method}`);
    return (await h(input)) as never;
  });
  return {
    transport: 'ws',
    api,
    calls,
    subscribe: (l) => events.add(l),
    emit: (e) => events.emit(e),
    connection: () => state,
    onConnection: (l) => {
      const off = conn.add(l);
      l(state);
      return off;
    },
    setConnection: (s) => {
      state = s;
      conn.emit(s);
    },
    reconnectNow: () => undefined,
    close: () => undefined,
  };
}
