import { ApiError } from '../../../electron/shared/contract';
import type { EngineEvent, Method } from '../../../electron/shared/contract';
import { WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../electron/shared/wire';
import type { WireCall } from '../../../electron/shared/wire';
import { backoffDelay } from './backoff';
import { buildApi, Listeners, toApiError, type ConnectionState, type OutflowClient } from './client';
import { httpCall, type FetchLike } from './http-call';
import { parseServerMessage } from './parse-message';

/** The part of the browser WebSocket the client uses; tests pass an in-memory implementation. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WsClientOptions {
  /** The page origin, e.g. `http://127.0.0.1:4711`. */
  origin: string;
  token: string | null;
  openSocket: (url: string, protocols: string[]) => SocketLike;
  fetch: FetchLike;
  random?: () => number;
  now?: () => number;
  callTimeoutMs?: number;
}

const OPEN = 1;
export const NO_TOKEN_REASON =
  'No access token. Open the link that `outflow serve` printed (it ends in #token=…).';
export const BAD_TOKEN_REASON =
  'The engine refused the access token. It changes every time `outflow serve` starts: open the link it printed.';
// Close codes a server uses to say "your token is wrong": 1008 policy violation, 4401/4403 app-defined.
const AUTH_CLOSE_CODES = new Set([1008, 4401, 4403]);

interface Pending {
  method: Method;
  resolve: (value: unknown) => void;
  reject: (err: ApiError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function wsUrlFor(origin: string): string {
  const url = new URL(origin);
  const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${url.host}${WS_PATH}`;
}

/** The browser transport: calls and events over one WebSocket, HTTP POST when it is not open. */
export function createWsClient(opts: WsClientOptions): OutflowClient {
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  const token = opts.token;
  const wsUrl = wsUrlFor(opts.origin);
  const events = new Listeners<EngineEvent>();
  const conn = new Listeners<ConnectionState>();
  const pending = new Map<number, Pending>();

  let state: ConnectionState = token ? { status: 'connecting', attempt: 0 } : { status: 'unauthorized', reason: NO_TOKEN_REASON };
  let socket: SocketLike | null = null;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let nextId = 1;

  const setState = (next: ConnectionState): void => {
    state = next;
    conn.emit(next);
  };

  const clearRetry = (): void => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  };

  const failPending = (message: string): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(new ApiError('unavailable', message));
    }
  };

  const scheduleRetry = (reason: string): void => {
    if (closed) return;
    attempt += 1;
    const delay = backoffDelay(attempt, random);
    clearRetry();
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
    setState({ status: 'down', attempt, retryAt: now() + delay, reason });
  };

  const markUnauthorized = (reason: string): void => {
    clearRetry();
    if (socket) {
      const s = socket;
      socket = null;
      s.close(1000, 'unauthorized');
    }
    setState({ status: 'unauthorized', reason });
  };

  // A browser hides why a WebSocket handshake failed; ask over HTTP whether the token is the problem.
  const probeAuth = async (): Promise<void> => {
    if (!token) return;
    try {
      await httpCall(opts.fetch, opts.origin, token, 'status.get', {}, 5000);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized' && !closed && state.status !== 'open') {
        markUnauthorized(BAD_TOKEN_REASON);
      }
    }
  };

  const onMessage = (data: unknown): void => {
    const msg = parseServerMessage(data);
    if (!msg) return;
    if (msg.kind === 'event') {
      events.emit(msg.event);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.kind === 'result') p.resolve(msg.result);
    else p.reject(toApiError(msg.error));
  };

  function connect(): void {
    if (closed) return;
    if (!token) {
      setState({ status: 'unauthorized', reason: NO_TOKEN_REASON });
      return;
    }
    clearRetry();
    setState({ status: 'connecting', attempt });
    let sock: SocketLike;
    try {
      sock = opts.openSocket(wsUrl, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${token}`]);
    } catch (err) {
      scheduleRetry(err instanceof Error ? err.message : 'Could not open a WebSocket.');
      return;
    }
    socket = sock;
    let opened = false;
    sock.onopen = () => {
      if (socket !== sock) return;
      opened = true;
      attempt = 0;
      setState({ status: 'open' });
    };
    sock.onmessage = (ev) => {
      if (socket === sock) onMessage(ev.data);
    };
    sock.onerror = () => {
      // A close event always follows; the reason is handled there.
    };
    sock.onclose = (ev) => {
      if (socket !== sock) return;
      socket = null;
      failPending('The connection to the engine was lost before it answered; try again.');
      if (AUTH_CLOSE_CODES.has(ev.code)) {
        markUnauthorized(BAD_TOKEN_REASON);
        return;
      }
      scheduleRetry(opened ? 'The connection to the engine was lost.' : 'The engine is not answering.');
      if (!opened) void probeAuth();
    };
  }

  const wsCall = (sock: SocketLike, method: Method, input: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new ApiError('unavailable', `${method} got no answer within ${Math.round(callTimeoutMs / 1000)} s.`));
      }, callTimeoutMs);
      pending.set(id, { method, resolve, reject, timer });
      const call: WireCall = { id, method, input: input ?? {} };
      try {
        sock.send(JSON.stringify(call));
      } catch {
        clearTimeout(timer);
        pending.delete(id);
        reject(new ApiError('unavailable', 'The connection to the engine is closing; try again.'));
      }
    });

  const call = async (method: Method, input: unknown): Promise<unknown> => {
    if (closed) throw new ApiError('unavailable', 'The client was closed.');
    if (!token) throw new ApiError('unauthorized', NO_TOKEN_REASON);
    if (socket && socket.readyState === OPEN) return wsCall(socket, method, input);
    try {
      return await httpCall(opts.fetch, opts.origin, token, method, input, callTimeoutMs);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized') markUnauthorized(BAD_TOKEN_REASON);
      throw err;
    }
  };

  const api = buildApi((method, input) => call(method, input) as Promise<never>);

  // Connect on the next turn so the caller can attach listeners first.
  if (token) queueMicrotask(connect);

  return {
    transport: 'ws',
    api,
    subscribe: (listener) => events.add(listener),
    connection: () => state,
    onConnection: (listener) => {
      const off = conn.add(listener);
      listener(state);
      return off;
    },
    reconnectNow: () => {
      if (closed || state.status === 'open' || state.status === 'connecting') return;
      connect();
    },
    close: () => {
      closed = true;
      clearRetry();
      const s = socket;
      socket = null;
      s?.close(1000, 'closing');
      failPending('The client was closed.');
    },
  };
}
