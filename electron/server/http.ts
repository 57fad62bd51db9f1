import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMethod, type ApiErrorBody } from '../shared/contract';
import { statusFor, toApiError } from './errors';
import { API_PREFIX, MAX_BODY_BYTES, WS_PATH } from '../shared/wire';
import type { EngineHandle } from '../engine/ports';
import {
  allowedHostsFor,
  allowedOriginsFor,
  bearerToken,
  hostAllowed,
  originAllowed,
  parseJsonSafe,
  tokenMatches,
} from './guards';
import { securityHeaders, serveStatic } from './static';
import { attachWebSocket } from './ws';

export interface ServerOptions {
  engine: EngineHandle;
  /** 127.0.0.1 unless the user asks otherwise. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  staticDir: string;
  token?: string;
  log?: (message: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The browser transport: static UI, POST /api/<method>, and a WebSocket for events and calls. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const token = o.token ?? randomBytes(32).toString('base64url');
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const server = createServer((req, res) => {
    securityHeaders(res);
    if (!hostAllowed(req, allowedHosts) || !originAllowed(req, allowedOrigins)) {
      return sendError(res, 403, { code: 'unauthorized', message: 'forbidden host or origin' });
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith(API_PREFIX)) return void handleApi(req, res, path.slice(API_PREFIX.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, { code: 'invalid', message: 'method not allowed' });
    if (path === WS_PATH) return sendError(res, 426, { code: 'invalid', message: 'use a WebSocket upgrade' });
    void serveStatic(o.staticDir, path, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, { code: 'invalid', message: 'use POST' });
    if (!tokenMatches(token, bearerToken(req))) return sendError(res, 401, { code: 'unauthorized', message: 'missing or wrong token' });
    if (!isMethod(name)) return sendError(res, 404, { code: 'not-found', message: `unknown method ${JSON.stringify(name.slice(0, 64))}` });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return sendError(res, 413, { code: 'invalid', message: `body over ${MAX_BODY_BYTES} bytes` });
    }
    let body: unknown;
    try {
      const text = await readBody(req, MAX_BODY_BYTES);
      body = text.length === 0 ? {} : parseJsonSafe(text);
    } catch (err) {
      const tooBig = err instanceof BodyTooLarge;
      return sendError(res, tooBig ? 413 : 400, { code: 'invalid', message: tooBig ? err.message : `invalid JSON: ${(err as Error).message}` });
    }
    try {
      const result = await o.engine.call(name, body);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(result));
    } catch (err) {
      const e = toApiError(err, o.log);
      sendError(res, statusFor(e.code), e.toBody());
    }
  }

  const ws = attachWebSocket({
    server,
    engine: o.engine,
    token,
    allowed: () => ({ hosts: allowedHosts, origins: allowedOrigins }),
    log: o.log,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = allowedHostsFor(o.host, port);
  allowedOrigins = allowedOriginsFor(allowedHosts);
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/#token=${token}`,
    port,
    token,
    async close() {
      ws.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return; // discard the rest; the reply closes the connection
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new BodyTooLarge(`body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendError(res: ServerResponse, status: number, body: ApiErrorBody): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  if (status === 413) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: body }));
}
