import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIP, type Socket } from 'node:net';
import { recordAttributes, recordEventName, recordSeverity, recordText, recordTime, type FleetRecord, type Severity } from './records';

// RFC 5424 syslog messages, over TCP with octet-counting framing (RFC 6587 §3.4.1: "<length> <msg>")
// or over UDP, one message per datagram (RFC 5426).
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID name="value" …] MSG
//
// MSGID is `flow`, `alert` or `dropped`; the structured data carries the same names and values as
// the OTLP attributes (docs/fleet-export.md). TCP has no application-level acknowledgement: a message
// written just before the receiver dies can be lost, and the queue resends only what failed to write.

export interface SyslogOptions {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
  sdId: string;
}

const SEVERITY: Record<Severity, number> = { info: 6, warn: 4, error: 3 };
const MSGID: Record<FleetRecord['type'], string> = { flow: 'flow', alert: 'alert', dropped: 'dropped' };
/** Longest value in structured data: keeps every message (and every UDP datagram) small. */
const MAX_VALUE = 256;
export const MAX_UDP_BYTES = 8192;

/** RFC 5424 HOSTNAME/APP-NAME/PROCID: printable US-ASCII without spaces, or the NILVALUE "-". */
export function headerField(s: string, max: number): string {
  const clean = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean.length > 0 ? clean : '-';
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` get a backslash; control characters become spaces. */
export function paramValue(s: string): string {
  const clipped = s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
  // eslint-disable-next-line no-control-regex
  return clipped.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function formatMessage(r: FleetRecord, o: SyslogOptions): string {
  const pri = o.facility * 8 + SEVERITY[recordSeverity(r)];
  const ts = new Date(recordTime(r)).toISOString();
  const params = recordAttributes(r)
    .filter(([k]) => k !== 'event.name')
    .map(([k, v]) => `${k}="${paramValue(String(v))}"`)
    .join(' ');
  const sd = `[${o.sdId} event.name="${recordEventName(r)}"${params ? ` ${params}` : ''}]`;
  // eslint-disable-next-line no-control-regex
  const text = recordText(r).replace(/[\u0000-\u001f\u007f]/g, ' ');
  // MSG is UTF-8 with a BOM when it holds anything beyond ASCII (RFC 5424 §6.4).
  const msg = /[^\x00-\x7f]/.test(text) ? `\ufeff${text}` : text;
  return `<${pri}>1 ${ts} ${headerField(o.hostname, 255)} ${headerField(o.appName, 48)} ${headerField(o.procId, 128)} ${MSGID[r.type]} ${sd} ${msg}`;
}

/** RFC 6587 octet counting: the length is in bytes of the UTF-8 message. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

const nextIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SyslogSender {
  send(messages: string[]): Promise<void>;
  close(): void;
}

/** One long-lived TCP connection, re-opened on demand after the receiver closed it or it sat idle. */
export class TcpSyslogSender implements SyslogSender {
  private sock: Socket | null = null;
  private connecting: Promise<Socket> | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
    private readonly idleMs = 60_000,
  ) {}

  async send(messages: string[]): Promise<void> {
    // Let an end-of-stream that already arrived be seen before writing, so a connection the receiver
    // closed is replaced instead of swallowing the batch.
    await nextIo();
    const sock = await this.connection();
    const data = Buffer.concat(messages.map(octetFrame));
    let gone = false;
    const onGone = (): void => {
      gone = true;
    };
    sock.once('end', onGone);
    sock.once('close', onGone);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.write(data, (err) => (err ? reject(err) : resolve()));
      });
      // A reset in answer to this write shows up on the next turn of the event loop: the batch then
      // counts as failed and is sent again (at-least-once).
      await nextIo();
      if (gone) throw new Error('syslog receiver closed the connection');
    } catch (err) {
      this.drop(sock);
      throw err;
    } finally {
      sock.off('end', onGone);
      sock.off('close', onGone);
    }
  }

  close(): void {
    if (this.sock) this.drop(this.sock);
  }

  private drop(sock: Socket): void {
    sock.destroy();
    if (this.sock === sock) this.sock = null;
  }

  private connection(): Promise<Socket> {
    const s = this.sock;
    if (s && !s.destroyed && s.writable && !s.readableEnded) return Promise.resolve(s);
    if (s) this.drop(s);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const sock = connect({ host: this.host, port: this.port, family: isIP(this.host) || undefined });
      const timer = setTimeout(() => sock.destroy(new Error(`syslog connect to ${this.host}:${this.port} timed out`)), this.timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.setNoDelay(true);
        // A connection left idle may be dropped silently by a middlebox; close it ourselves first.
        sock.setTimeout(this.idleMs, () => this.drop(sock));
        // The receiver never talks back; its FIN tells us it went away.
        sock.on('end', () => this.drop(sock));
        sock.on('close', () => {
          if (this.sock === sock) this.sock = null;
        });
        sock.on('error', () => this.drop(sock));
        sock.resume();
        this.sock = sock;
        resolve(sock);
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }
}

/** Best effort by nature: a datagram to a receiver that is down is lost (RFC 5426), unless the OS reports it. */
export class UdpSyslogSender implements SyslogSender {
  private sock: UdpSocket | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async send(messages: string[]): Promise<void> {
    const sock = this.socket();
    for (const m of messages) {
      let buf = Buffer.from(m, 'utf8');
      if (buf.length > MAX_UDP_BYTES) buf = buf.subarray(0, MAX_UDP_BYTES);
      await new Promise<void>((resolve, reject) => sock.send(buf, this.port, this.host, (err) => (err ? reject(err) : resolve())));
    }
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }

  private socket(): UdpSocket {
    if (!this.sock) {
      this.sock = createSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
      this.sock.on('error', () => this.close());
      this.sock.unref();
    }
    return this.sock;
  }
}
