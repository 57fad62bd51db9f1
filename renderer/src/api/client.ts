import { ApiError, methodNames, parseInput } from '../../../electron/shared/contract';
import type { EngineEvent, Method, MethodInput, MethodResults, OutflowApi } from '../../../electron/shared/contract';
import type { OutflowBridge } from '../../../electron/shared/bridge';

/** What the UI knows about its link to the engine; drives the "engine unreachable" banner. */
export type ConnectionState =
  | { status: 'connecting'; attempt: number }
  | { status: 'open' }
  | { status: 'down'; attempt: number; retryAt: number; reason: string }
  | { status: 'unauthorized'; reason: string };

/** One client interface over both transports (Electron IPC, HTTP + WebSocket). */
export interface OutflowClient extends OutflowBridge {
  readonly transport: 'ipc' | 'ws';
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Skip the back-off wait and try to reach the engine now. */
  reconnectNow(): void;
  close(): void;
}

export type CallFn = <M extends Method>(method: M, input: MethodInput<M>) => Promise<MethodResults[M]>;
export type EventListener = (event: EngineEvent) => void;

/**
 * Build the per-method API object from the contract's method list, so a method added to the
 * contract appears in every client without a hand-written list that could drift.
 * Input is checked against the same schema the engine uses, so mistakes fail here with a clear message.
 */
export function buildApi(call: CallFn): OutflowApi {
  const api: Partial<Record<Method, (input: unknown) => Promise<unknown>>> = {};
  for (const method of methodNames) {
    api[method] = async (input: unknown) => {
      parseInput(method, input);
      return call(method, (input ?? {}) as MethodInput<typeof method>);
    };
  }
  return api as OutflowApi;
}

const ERROR_CODES = new Set(['invalid', 'not-found', 'conflict', 'unauthorized', 'unavailable', 'internal']);

/** Normalise whatever a transport threw into an ApiError with a readable message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object') {
    const o = err as { code?: unknown; message?: unknown; issues?: unknown };
    const message = typeof o.message === 'string' ? o.message : 'unexpected error';
    // Electron prefixes errors from ipcMain.handle with this; the user does not need it.
    const clean = message.replace(/^Error invoking remote method '[^']*':\s*(?:\w*Error:\s*)?/, '');
    if (typeof o.code === 'string' && ERROR_CODES.has(o.code)) {
      const issues = Array.isArray(o.issues) ? (o.issues as { path: string; message: string }[]) : undefined;
      return new ApiError(o.code as ApiError['code'], clean, issues);
    }
    const coded = /^(invalid|not-found|conflict|unauthorized|unavailable|internal):\s*(.*)$/s.exec(clean);
    if (coded) return new ApiError(coded[1] as ApiError['code'], coded[2] ?? clean);
    return new ApiError('internal', clean);
  }
  return new ApiError('internal', String(err));
}

/** A fan-out helper shared by both clients. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(fn: (value: T) => void): () => void {
    this.set.add(fn);
    return () => {
      this.set.delete(fn);
    };
  }
  emit(value: T): void {
    for (const fn of [...this.set]) {
      try {
        fn(value);
      } catch (err) {
        // One broken listener must not stop live updates for the others.
        console.error('outflow: listener failed', err);
      }
    }
  }
  get size(): number {
    return this.set.size;
  }
}
