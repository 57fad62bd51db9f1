import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import './setup';
import { ApiError, methodNames } from '../../electron/shared/contract';
import type { EngineEvent } from '../../electron/shared/contract';
import { WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../electron/shared/wire';
import type { ConnectionState } from '../../renderer/src/api/client';
import { backoffDelay, BACKOFF_MAX_MS } from '../../renderer/src/api/backoff';
import type { FetchLike } from '../../renderer/src/api/http-call';
import { createIpcClient } from '../../renderer/src/api/ipc-client';
import { takeToken, TOKEN_KEY } from '../../renderer/src/api/token';
import { BAD_TOKEN_REASON, createWsClient, NO_TOKEN_REASON, type SocketLike } from '../../renderer/src/api/ws-client';
import { status } from './fixtures';

const TOKEN = 'Zk3-tQ_9xYw2aB7cD4eF1gH8';

/** An in-memory engine speaking the wire protocol: WebSocket calls/events and the HTTP fallback. */
class FakeServer {
  sockets: FakeSocket[] = [];
  received: { id: number; method: string; input: unknown }[] = [];
  httpCalls: { url: string; headers: Record<string, string>; body: unknown }[] = [];
  accept = true;
  autoReply = true;
  constructor(readonly token: string, readonly handle: (method: string, input: unknown) => unknown = () => ({ ok: true })) {}

  open = (url: string, protocols: string[]): SocketLike => {
    const sock = new FakeSocket(this, url, protocols);
    this.sockets.push(sock);
    const tok = protocols.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
    queueMicrotask(() => {
      if (this.accept && protocols.includes(WS_PROTOCOL) && tok === this.token) sock.serverOpen();
      else sock.serverClose(1006, '');
    });
    return sock;
  };

  receive(sock: FakeSocket, data: string): void {
    const msg = JSON.parse(data) as { id: number; method: string; input: unknown };
    this.received.push(msg);
    if (!this.autoReply) return;
    this.reply(sock, msg.id, msg.method, msg.input);
  }

  reply(sock: FakeSocket, id: number, method: string, input: unknown): void {
    try {
      sock.deliver(JSON.stringify({ id, result: this.handle(method, input) }));
    } catch (err) {
      const e = err as { code?: string; message: string; issues?: unknown };
      sock.deliver(JSON.stringify({ id, error: { code: e.code ?? 'internal', message: e.message, issues: e.issues } }));
    }
  }

  push(event: EngineEvent): void {
    for (const s of this.sockets) if (s.readyState === 1) s.deliver(JSON.stringify({ event }));
  }

  get last(): FakeSocket {
    return this.sockets[this.sockets.length - 1]!;
  }

  fetch: FetchLike = async (url, init) => {
    this.httpCalls.push({ url, headers: init.headers, body: JSON.parse(init.body) });
    if (!this.accept && init.headers.Authorization === undefined) throw new TypeError('network');
    if (init.headers.Authorization !== `Bearer ${this.token}`) {
      return { status: 401, ok: false, json: async () => ({ error: { code: 'unauthorized', message: 'no' } }) };
    }
    const method = url.slice(url.indexOf('/api/') + 5);
    try {
      const result = this.handle(method, JSON.parse(init.body));
      return { status: 200, ok: true, json: async () => result };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { status: 400, ok: false, json: async () => ({ error: { code: e.code ?? 'internal', message: e.message } }) };
    }
  };
}

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closedByClient: number | null = null;
  constructor(private readonly server: FakeServer, readonly url: string, readonly protocols: string[]) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.server.receive(this, data);
  }
  close(code = 1000): void {
    this.closedByClient = code;
    this.serverClose(code, '');
  }
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverClose(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  deliver(data: string): void {
    this.onmessage?.({ data });
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function makeClient(server: FakeServer, token: string | null = TOKEN, extra: { callTimeoutMs?: number } = {}) {
  const states: ConnectionState[] = [];
  const client = createWsClient({ origin: 'http://127.0.0.1:4711', token, openSocket: server.open, fetch: server.fetch, random: () => 0.5, now: () => 1_000_000, ...extra });
  client.onConnection((s) => states.push(s));
  return { client, states };
}

describe('takeToken', () => {
  const env = (hash: string, stored: string | null = null) => {
    const store = new Map<string, string>();
    if (stored !== null) store.set(TOKEN_KEY, stored);
    const replaced: string[] = [];
    return {
      store,
      replaced,
      env: {
        location: { hash, pathname: '/', search: '?x=1' },
        history: { replaceState: (_d: unknown, _u: string, url: string) => replaced.push(url) },
        storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) },
      },
    };
  };

  it('moves the token from the fragment to sessionStorage and scrubs the URL', () => {
    const t = env(`#token=${TOKEN}`);
    expect(takeToken(t.env)).toBe(TOKEN);
    expect(t.store.get(TOKEN_KEY)).toBe(TOKEN);
    expect(t.replaced).toEqual(['/?x=1']);
    expect(t.replaced.join()).not.toContain(TOKEN);
  });

  it('keeps other fragment parameters', () => {
    const t = env(`#view=rules&token=${TOKEN}`);
    takeToken(t.env);
    expect(t.replaced).toEqual(['/?x=1#view=rules']);
  });

  it('uses the stored token after a reload (no fragment)', () => {
    expect(takeToken(env('', TOKEN).env)).toBe(TOKEN);
  });

  it('rejects tokens that could not travel in a WebSocket protocol header, still scrubbing them', () => {
    for (const bad of ['short', 'has/slash/in/it/abcdef', 'has space abcdefgh', 'a'.repeat(600), 'quote"injection12']) {
      const t = env(`#token=${encodeURIComponent(bad)}`);
      expect(takeToken(t.env)).toBeNull();
      expect(t.store.has(TOKEN_KEY)).toBe(false);
      expect(t.replaced).toHaveLength(1);
    }
  });

  it('drops an invalid stored token', () => {
    const t = env('', 'x y');
    expect(takeToken(t.env)).toBeNull();
    expect(t.store.has(TOKEN_KEY)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter and is capped', () => {
    const mid = () => 0.5;
    expect(backoffDelay(1, mid)).toBe(500);
    expect(backoffDelay(2, mid)).toBe(1000);
    expect(backoffDelay(3, mid)).toBe(2000);
    expect(backoffDelay(20, mid)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(1, () => 0)).toBe(400);
    expect(backoffDelay(1, () => 1)).toBe(600);
    expect(backoffDelay(30, () => 1)).toBeLessThanOrEqual(BACKOFF_MAX_MS);
  });
});

describe('WebSocket client', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects to /ws with the protocol and the token as a sub-protocol', async () => {
    const server = new FakeServer(TOKEN);
    const { states } = makeClient(server);
    await flush();
    expect(server.last.url).toBe(`ws://127.0.0.1:4711${WS_PATH}`);
    expect(server.last.protocols).toEqual([WS_PROTOCOL, `${WS_TOKEN_PREFIX}${TOKEN}`]);
    expect(states.map((s) => s.status)).toEqual(['connecting', 'connecting', 'open']);
  });

  it('matches replies to calls by id, whatever order they come back in', async () => {
    const server = new FakeServer(TOKEN, (m, i) => ({ method: m, input: i }));
    server.autoReply = false;
    const { client } = makeClient(server);
    await flush();
    const a = client.api['rules.remove']({ id: 7 });
    const b = client.api['live.setPaused']({ paused: true });
    expect(server.received.map((r) => r.method)).toEqual(['rules.remove', 'live.setPaused']);
    const [ra, rb] = server.received;
    server.reply(server.last, rb!.id, rb!.method, rb!.input);
    server.reply(server.last, ra!.id, ra!.method, ra!.input);
    await expect(a).resolves.toEqual({ method: 'rules.remove', input: { id: 7 } });
    await expect(b).resolves.toEqual({ method: 'live.setPaused', input: { paused: true } });
  });

  it('turns error replies into ApiError with code and field issues', async () => {
    const server = new FakeServer(TOKEN, () => {
      throw Object.assign(new Error('rules.add: target: not an address'), { code: 'invalid', issues: [{ path: 'target', message: 'not an address' }] });
    });
    const { client } = makeClient(server);
    await flush();
    const err = await client.api['rules.add']({ target: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid');
    expect((err as ApiError).issues).toEqual([{ path: 'target', message: 'not an address' }]);
  });

  it('validates input against the contract before sending', async () => {
    const server = new FakeServer(TOKEN);
    const { client } = makeClient(server);
    await flush();
    const err = await client.api['rules.remove']({ id: -1 }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('invalid');
    expect(server.received).toHaveLength(0);
  });

  it('delivers pushed events to subscribers and drops malformed messages', async () => {
    const server = new FakeServer(TOKEN);
    const { client } = makeClient(server);
    const seen: EngineEvent[] = [];
    const off = client.subscribe((e) => seen.push(e));
    await flush();
    server.push({ type: 'status', data: status() });
    for (const junk of ['not json', '[]', '{"event":{"type":"nope","data":{}}}', '{"event":{"type":"live"}}', '{"id":"x","result":1}', '42']) server.last.deliver(junk);
    server.last.onmessage?.({ data: new ArrayBuffer(4) });
    expect(seen.map((e) => e.type)).toEqual(['status']);
    off();
    server.push({ type: 'status', data: status() });
    expect(seen).toHaveLength(1);
  });

  it('falls back to POST /api/<method> with the bearer token while the socket is not open', async () => {
    const server = new FakeServer(TOKEN, (m) => ({ via: 'http', m }));
    server.accept = false;
    const { client } = makeClient(server);
    await flush();
    await expect(client.api['status.get']({})).resolves.toEqual({ via: 'http', m: 'status.get' });
    const call = server.httpCalls.find((c) => c.url.endsWith('/api/status.get') && c.body && Object.keys(c.body as object).length === 0);
    expect(call?.url).toBe('http://127.0.0.1:4711/api/status.get');
    expect(call?.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.headers['Content-Type']).toBe('application/json');
  });

  it('reconnects with back-off after the connection drops, failing in-flight calls', async () => {
    const server = new FakeServer(TOKEN);
    server.autoReply = false;
    const { client, states } = makeClient(server);
    await flush();
    const pending = client.api['status.get']({});
    server.last.serverClose(1006, '');
    const err = await pending.catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('unavailable');
    const down = states[states.length - 1]!;
    expect(down).toMatchObject({ status: 'down', attempt: 1, retryAt: 1_000_000 + 500 });
    expect(server.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(server.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(server.sockets).toHaveLength(2);
    expect(client.connection().status).toBe('open');
  });

  it('backs off further while the engine stays away, and reconnectNow skips the wait', async () => {
    const server = new FakeServer(TOKEN);
    const { client, states } = makeClient(server);
    await flush();
    server.accept = false;
    server.last.serverClose(1006, '');
    await flush();
    await vi.advanceTimersByTimeAsync(500); // attempt 2 fails
    await flush();
    await vi.advanceTimersByTimeAsync(1000); // attempt 3 fails
    await flush();
    const downs = states.filter((s): s is Extract<ConnectionState, { status: 'down' }> => s.status === 'down');
    expect(downs.map((d) => d.retryAt - 1_000_000)).toEqual([500, 1000, 2000]);
    server.accept = true;
    client.reconnectNow();
    await flush();
    expect(client.connection().status).toBe('open');
  });

  it('reports a refused token instead of retrying for ever', async () => {
    const server = new FakeServer('another-token-entirely');
    const { client, states } = makeClient(server);
    await flush();
    await flush();
    expect(client.connection()).toEqual({ status: 'unauthorized', reason: BAD_TOKEN_REASON });
    const n = server.sockets.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets.length).toBe(n);
    expect(states.some((s) => s.status === 'unauthorized')).toBe(true);
  });

  it('treats close code 4401 as a refused token', async () => {
    const server = new FakeServer(TOKEN);
    const { client } = makeClient(server);
    await flush();
    server.last.serverClose(4401, 'bad token');
    expect(client.connection().status).toBe('unauthorized');
  });

  it('without a token it never connects and says how to get one', async () => {
    const server = new FakeServer(TOKEN);
    const { client } = makeClient(server, null);
    await flush();
    expect(server.sockets).toHaveLength(0);
    expect(client.connection()).toEqual({ status: 'unauthorized', reason: NO_TOKEN_REASON });
    await expect(client.api['status.get']({})).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('times out a call the engine never answers', async () => {
    const server = new FakeServer(TOKEN);
    server.autoReply = false;
    const { client } = makeClient(server, TOKEN, { callTimeoutMs: 2000 });
    await flush();
    const p = client.api['doctor.run']({}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await p).toMatchObject({ code: 'unavailable' });
  });

  it('close() stops reconnecting and fails pending calls', async () => {
    const server = new FakeServer(TOKEN);
    server.autoReply = false;
    const { client } = makeClient(server);
    await flush();
    const p = client.api['status.get']({}).catch((e: unknown) => e);
    client.close();
    expect(await p).toMatchObject({ code: 'unavailable' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
  });
});

describe('IPC client', () => {
  const methods = methodNames;
  const bridge = (over: Record<string, (i: unknown) => Promise<unknown>> = {}) => {
    const api: Record<string, (i: unknown) => Promise<unknown>> = {};
    for (const m of methods) api[m] = async (i) => ({ m, i });
    return { api: { ...api, ...over } as never, subscribe: () => () => undefined };
  };

  it('passes calls through and is always open', async () => {
    const c = createIpcClient(bridge());
    expect(c.connection().status).toBe('open');
    await expect(c.api['rules.remove']({ id: 3 })).resolves.toEqual({ m: 'rules.remove', i: { id: 3 } });
  });

  it('refuses a bridge that lacks contract methods', () => {
    const b = bridge();
    delete (b.api as Record<string, unknown>)['doctor.run'];
    expect(() => createIpcClient(b)).toThrow(/doctor\.run/);
  });

  it('normalises Electron IPC errors into ApiError', async () => {
    const c = createIpcClient(
      bridge({
        'rules.add': async () => {
          throw new Error("Error invoking remote method 'outflow:rules.add': ApiError: invalid: target: not an address");
        },
        'rules.remove': async () => {
          throw { code: 'not-found', message: 'no rule 3' };
        },
      }),
    );
    await expect(c.api['rules.add']({ target: 'x' })).rejects.toMatchObject({ code: 'invalid', message: 'target: not an address' });
    await expect(c.api['rules.remove']({ id: 3 })).rejects.toMatchObject({ code: 'not-found', message: 'no rule 3' });
  });
});
