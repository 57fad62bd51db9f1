// Real receivers on 127.0.0.1 for the fleet export tests: an OTLP/HTTP logs endpoint (node:http) and
// syslog listeners over TCP (RFC 6587 octet counting) and UDP. Each can be stopped and started again
// on the same port to play an outage.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface OtlpRequest {
  path: string;
  contentType: string | undefined;
  headers: IncomingMessage['headers'];
  body: OtlpBody;
}

export interface OtlpBody {
  resourceLogs: {
    resource: { attributes: OtlpKeyValue[] };
    scopeLogs: { scope: { name: string; version: string }; logRecords: OtlpLogRecord[] }[];
  }[];
}
export interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; boolValue?: boolean; doubleValue?: number };
}
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: { stringValue: string };
  attributes: OtlpKeyValue[];
}

/** Attributes as a plain object (intValue → number) for assertions. */
export function attrs(kvs: OtlpKeyValue[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of kvs) {
    if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else out[key] = value.stringValue!;
  }
  return out;
}

export class OtlpReceiver {
  readonly requests: OtlpRequest[] = [];
  /** Status to answer with (and optional body/headers) for the next requests; 200 by default. */
  reply: { status: number; body?: string; headers?: Record<string, string> } = { status: 200 };
  port = 0;
  private server: Server | null = null;

  get records(): OtlpLogRecord[] {
    return this.requests.filter((r) => r.path === '/v1/logs').flatMap((r) => r.body.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords)));
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { status, body, headers } = this.reply;
        if (status === 200) {
          this.requests.push({ path: req.url ?? '', contentType: req.headers['content-type'], headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody });
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body ?? '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

/** Splits an RFC 6587 octet-counted stream into messages. */
export function octetFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, at);
    if (sp === -1) break;
    const len = Number(buf.subarray(at, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) throw new Error(`bad frame length at ${at}`);
    if (buf.length < sp + 1 + len) break;
    messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    at = sp + 1 + len;
  }
  return { messages, rest: buf.subarray(at) };
}

export class SyslogTcpReceiver {
  readonly messages: string[] = [];
  port = 0;
  private server: TcpServer | null = null;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<void> {
    const server = createTcpServer((sock) => {
      this.sockets.add(sock);
      let pending: Buffer = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => {
        const { messages, rest } = octetFrames(Buffer.concat([pending, c]));
        this.messages.push(...messages);
        pending = rest;
      });
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export class SyslogUdpReceiver {
  readonly messages: string[] = [];
  port = 0;
  private sock: UdpSocket | null = null;

  async start(): Promise<void> {
    const sock = createSocket('udp4');
    sock.on('message', (m) => this.messages.push(m.toString('utf8')));
    await new Promise<void>((resolve) => sock.bind(this.port, '127.0.0.1', resolve));
    this.port = sock.address().port;
    this.sock = sock;
  }

  async stop(): Promise<void> {
    const s = this.sock;
    this.sock = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Polls until `cond` holds (receivers get data asynchronously). */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the receiver');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An RFC 5424 message split into its header fields, structured data params and MSG. */
export function parse5424(m: string): { pri: number; version: string; timestamp: string; hostname: string; appName: string; procId: string; msgId: string; sdId: string; params: Record<string, string>; msg: string } {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) \[(\S+)((?: [^=\s\]"]+="(?:[^"\\\]]|\\["\\\]])*")*)\] ?([\s\S]*)$/.exec(m);
  if (!head) throw new Error(`not RFC 5424: ${m}`);
  const params: Record<string, string> = {};
  for (const p of head[9]!.matchAll(/ ([^=\s\]"]+)="((?:[^"\\\]]|\\["\\\]])*)"/g)) params[p[1]!] = p[2]!.replace(/\\(["\\\]])/g, '$1');
  return { pri: Number(head[1]), version: head[2]!, timestamp: head[3]!, hostname: head[4]!, appName: head[5]!, procId: head[6]!, msgId: head[7]!, sdId: head[8]!, params, msg: head[10]! };
}
