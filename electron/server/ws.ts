import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { isMethod } from '../shared/contract';
import { MAX_BODY_BYTES, WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type WireReply } from '../shared/wire';
import type { EngineHandle } from '../engine/ports';
import { hostAllowed, originAllowed, parseJsonSafe, tokenMatches } from './guards';
import { toApiError } from './errors';

/** Live events may be skipped for a client that cannot keep up; replies never are. */
const MAX_BUFFERED_FOR_LIVE = 4 * 1024 * 1024;

export function attachWebSocket(o: {
  server: Server;
  engine: EngineHandle;
  token: string;
  allowed: () => { hosts: ReadonlySet<string>; origins: ReadonlySet<string> };
  log?: (message: string) => void;
}): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_BODY_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  o.server.on('upgrade', (req, socket, head) => {
    const { hosts, origins } = o.allowed();
    const path = (req.url ?? '').split('?')[0];
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    const tokenProto = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX));
    const ok =
      path === WS_PATH &&
      hostAllowed(req, hosts) &&
      originAllowed(req, origins) &&
      offered.includes(WS_PROTOCOL) &&
      tokenMatches(o.token, tokenProto?.slice(WS_TOKEN_PREFIX.length));
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
  });

  wss.on('connection', (client: WebSocket) => {
    client.on('message', (data, isBinary) => {
      if (isBinary) return void client.close(1003, 'text only');
      void handleCall(client, data.toString());
    });
    client.on('error', () => client.terminate());
  });

  async function handleCall(client: WebSocket, text: string): Promise<void> {
    let msg: { id?: unknown; method?: unknown; input?: unknown };
    try {
      msg = parseJsonSafe(text) as typeof msg;
    } catch (err) {
      return send(client, { id: -1, error: { code: 'invalid', message: `invalid JSON: ${(err as Error).message}` } });
    }
    const id = typeof msg?.id === 'number' && Number.isSafeInteger(msg.id) ? msg.id : -1;
    if (!isMethod(msg?.method)) {
      return send(client, { id, error: { code: 'not-found', message: 'unknown method' } });
    }
    try {
      send(client, { id, result: await o.engine.call(msg.method, msg.input ?? {}) });
    } catch (err) {
      send(client, { id, error: toApiError(err, o.log).toBody() });
    }
  }

  const unsubscribe = o.engine.subscribe(
    (event) => {
      if (wss.clients.size === 0) return;
      const text = JSON.stringify({ event });
      for (const client of wss.clients) {
        if (client.readyState !== client.OPEN) continue;
        if (event.type === 'live' && client.bufferedAmount > MAX_BUFFERED_FOR_LIVE) continue;
        client.send(text);
      }
    },
    () => wss.clients.size > 0,
  );

  return {
    close() {
      unsubscribe();
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

function send(client: WebSocket, reply: WireReply): void {
  if (client.readyState === client.OPEN) client.send(JSON.stringify(reply));
}
